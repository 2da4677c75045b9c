// ptrace shims: glibc's ptrace is variadic, siginfo_t is a union reached through macros, and signal handlers
// must be C. GNU-only code stays in this file.
#ifdef __linux__
#define _GNU_SOURCE
#include "cprocfs_ptrace.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <pthread.h>
#include <sys/ptrace.h>
#include <unistd.h>

_Static_assert(CPROCFS_PTRACE_CONT == PTRACE_CONT, "PTRACE_CONT");
_Static_assert(CPROCFS_PTRACE_DETACH == PTRACE_DETACH, "PTRACE_DETACH");
_Static_assert(CPROCFS_PTRACE_GETEVENTMSG == PTRACE_GETEVENTMSG, "PTRACE_GETEVENTMSG");
_Static_assert(CPROCFS_PTRACE_GETSIGINFO == PTRACE_GETSIGINFO, "PTRACE_GETSIGINFO");
_Static_assert(CPROCFS_PTRACE_SEIZE == PTRACE_SEIZE, "PTRACE_SEIZE");
_Static_assert(CPROCFS_PTRACE_INTERRUPT == PTRACE_INTERRUPT, "PTRACE_INTERRUPT");
_Static_assert(CPROCFS_PTRACE_LISTEN == PTRACE_LISTEN, "PTRACE_LISTEN");
_Static_assert(CPROCFS_PTRACE_O_TRACEFORK == PTRACE_O_TRACEFORK, "PTRACE_O_TRACEFORK");
_Static_assert(CPROCFS_PTRACE_O_TRACEVFORK == PTRACE_O_TRACEVFORK, "PTRACE_O_TRACEVFORK");
_Static_assert(CPROCFS_PTRACE_O_TRACECLONE == PTRACE_O_TRACECLONE, "PTRACE_O_TRACECLONE");
_Static_assert(CPROCFS_PTRACE_O_TRACEEXEC == PTRACE_O_TRACEEXEC, "PTRACE_O_TRACEEXEC");
_Static_assert(CPROCFS_PTRACE_O_EXITKILL == PTRACE_O_EXITKILL, "PTRACE_O_EXITKILL");
_Static_assert(CPROCFS_PTRACE_EVENT_FORK == PTRACE_EVENT_FORK, "PTRACE_EVENT_FORK");
_Static_assert(CPROCFS_PTRACE_EVENT_VFORK == PTRACE_EVENT_VFORK, "PTRACE_EVENT_VFORK");
_Static_assert(CPROCFS_PTRACE_EVENT_CLONE == PTRACE_EVENT_CLONE, "PTRACE_EVENT_CLONE");
_Static_assert(CPROCFS_PTRACE_EVENT_EXEC == PTRACE_EVENT_EXEC, "PTRACE_EVENT_EXEC");
_Static_assert(CPROCFS_PTRACE_EVENT_STOP == PTRACE_EVENT_STOP, "PTRACE_EVENT_STOP");

long cprocfs_ptrace(int request, pid_t pid, unsigned long addr, unsigned long data) {
    return ptrace((enum __ptrace_request)request, pid, (void *)addr, (void *)data);
}

int cprocfs_ptrace_getsiginfo(pid_t tid, struct cprocfs_siginfo *out) {
    siginfo_t info;
    memset(&info, 0, sizeof(info));
    if (ptrace(PTRACE_GETSIGINFO, tid, NULL, &info) != 0) return -1;
    memset(out, 0, sizeof(*out));
    out->signo = info.si_signo;
    out->code = info.si_code;
    out->errno_value = info.si_errno;
    out->pid = info.si_pid;
    out->uid = info.si_uid;
    out->status = info.si_status;
    out->value_int = info.si_value.sival_int;
    out->value_ptr = (uint64_t)(uintptr_t)info.si_value.sival_ptr;
    out->addr = (uint64_t)(uintptr_t)info.si_addr;
    out->timer_id = info.si_timerid;
    out->overrun = info.si_overrun;
    out->band = info.si_band;
    out->fd = info.si_fd;
    out->syscall = info.si_syscall;
    out->arch = info.si_arch;
    return 0;
}

int cprocfs_ptrace_geteventmsg(pid_t tid, unsigned long *out) {
    return ptrace(PTRACE_GETEVENTMSG, tid, NULL, out) == 0 ? 0 : -1;
}

// Descriptor + 1 per signal (0 = none), and the signals seen since the last take.
static _Atomic int wakeup_fds[65];
static _Atomic unsigned long long wakeup_pending;

static void wakeup_handler(int sig) {
    int saved = errno;
    if (sig > 0 && sig < 65) {
        atomic_fetch_or(&wakeup_pending, 1ULL << (sig - 1));
        int fd = atomic_load(&wakeup_fds[sig]) - 1;
        if (fd >= 0) {
            unsigned char byte = (unsigned char)sig;
            ssize_t n = write(fd, &byte, 1);  // a full pipe already wakes the reader
            (void)n;
        }
    }
    errno = saved;
}

int cprocfs_wakeup_on_signal(int sig, int fd) {
    if (sig <= 0 || sig >= 65) {
        errno = EINVAL;
        return -1;
    }
    atomic_store(&wakeup_fds[sig], fd + 1);
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = wakeup_handler;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    if (sigaction(sig, &action, NULL) != 0) return -1;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    return pthread_sigmask(SIG_UNBLOCK, &set, NULL) == 0 ? 0 : -1;
}

void cprocfs_wakeup_reset(int sig) {
    if (sig <= 0 || sig >= 65) return;
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = SIG_DFL;
    sigemptyset(&action.sa_mask);
    (void)sigaction(sig, &action, NULL);
    atomic_store(&wakeup_fds[sig], 0);
}

unsigned long long cprocfs_wakeup_take(void) { return atomic_exchange(&wakeup_pending, 0); }

int cprocfs_pipe2(int fds[2], int flags) { return pipe2(fds, flags); }

int cprocfs_wait_ptrace_event(int status) { return (status >> 16) & 0xffff; }
#endif
