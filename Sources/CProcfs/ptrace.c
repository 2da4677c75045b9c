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
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <time.h>
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
_Static_assert(CPROCFS_PTRACE_O_TRACEEXIT == PTRACE_O_TRACEEXIT, "PTRACE_O_TRACEEXIT");
_Static_assert(CPROCFS_PTRACE_O_EXITKILL == PTRACE_O_EXITKILL, "PTRACE_O_EXITKILL");
_Static_assert(CPROCFS_PTRACE_EVENT_FORK == PTRACE_EVENT_FORK, "PTRACE_EVENT_FORK");
_Static_assert(CPROCFS_PTRACE_EVENT_VFORK == PTRACE_EVENT_VFORK, "PTRACE_EVENT_VFORK");
_Static_assert(CPROCFS_PTRACE_EVENT_CLONE == PTRACE_EVENT_CLONE, "PTRACE_EVENT_CLONE");
_Static_assert(CPROCFS_PTRACE_EVENT_EXEC == PTRACE_EVENT_EXEC, "PTRACE_EVENT_EXEC");
_Static_assert(CPROCFS_PTRACE_EVENT_EXIT == PTRACE_EVENT_EXIT, "PTRACE_EVENT_EXIT");
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

// The tracer thread, its timer, and the stop signals seen since the last take.
static _Atomic pid_t tracer_tid;
static _Atomic unsigned long long stop_signals_seen;
static unsigned long long stop_signals_armed;
static timer_t wake_timer;
static int wake_timer_armed;

static int wake_signal(void) { return SIGRTMAX - 2; }

static void kick_tracer(void) {
    pid_t tid = atomic_load(&tracer_tid);
    if (tid > 0) (void)syscall(SYS_tgkill, getpid(), tid, wake_signal());
}

static void on_wake(int sig) { (void)sig; }

static void on_stop_signal(int sig) {
    int saved = errno;
    if (sig > 0 && sig < 65) atomic_fetch_or(&stop_signals_seen, 1ULL << (sig - 1));
    kick_tracer();
    errno = saved;
}

static struct sigaction previous_actions[65];
static struct sigaction chld_previous;
static int chld_changed;

static int install(int sig, void (*handler)(int), int flags) {
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = handler;
    action.sa_flags = flags;
    sigemptyset(&action.sa_mask);
    return sigaction(sig, &action, &previous_actions[sig]);
}

int cprocfs_tracer_wakeup_start(unsigned long long stop_mask, int interval_ms) {
    atomic_store(&tracer_tid, (pid_t)syscall(SYS_gettid));
    (void)prctl(PR_SET_NAME, "sigscope-tracer", 0, 0, 0);  // for top -H, perf and TracerPid look-ups
    if (install(wake_signal(), on_wake, 0) != 0) return -1;
    sigset_t unblock;
    sigemptyset(&unblock);
    sigaddset(&unblock, wake_signal());
    for (int sig = 1; sig < 65; sig++) {
        if (!(stop_mask & (1ULL << (sig - 1)))) continue;
        if (install(sig, on_stop_signal, SA_RESTART) != 0) return -1;
        sigaddset(&unblock, sig);
    }
    // Every ptrace stop would send the tracer's process a SIGCHLD, which wakes some idle thread (libdispatch
    // parks the main thread in sigsuspend) only to be discarded: SA_NOCLDSTOP stops that. waitpid is woken
    // through the wait queue, not the signal, and exits still send SIGCHLD.
    if (!(stop_mask & (1ULL << (SIGCHLD - 1)))) {
        struct sigaction current;
        if (sigaction(SIGCHLD, NULL, &current) == 0 && current.sa_handler == SIG_DFL) {
            chld_previous = current;
            current.sa_flags |= SA_NOCLDSTOP;
            chld_changed = sigaction(SIGCHLD, &current, NULL) == 0;
        }
    }
    stop_signals_armed = stop_mask;
    if (pthread_sigmask(SIG_UNBLOCK, &unblock, NULL) != 0) return -1;
    struct sigevent event;
    memset(&event, 0, sizeof(event));
    event.sigev_notify = SIGEV_THREAD_ID;
    event.sigev_signo = wake_signal();
    event._sigev_un._tid = atomic_load(&tracer_tid);
    if (timer_create(CLOCK_MONOTONIC, &event, &wake_timer) != 0) return -1;
    wake_timer_armed = 1;
    struct itimerspec every;
    memset(&every, 0, sizeof(every));
    every.it_interval.tv_sec = interval_ms / 1000;
    every.it_interval.tv_nsec = (long)(interval_ms % 1000) * 1000000L;
    every.it_value = every.it_interval;
    return timer_settime(wake_timer, 0, &every, NULL);
}

void cprocfs_tracer_wakeup_stop(void) {
    if (wake_timer_armed) {
        timer_delete(wake_timer);
        wake_timer_armed = 0;
    }
    for (int sig = 1; sig < 65; sig++) {
        if (stop_signals_armed & (1ULL << (sig - 1))) (void)sigaction(sig, &previous_actions[sig], NULL);
    }
    stop_signals_armed = 0;
    if (chld_changed) {
        (void)sigaction(SIGCHLD, &chld_previous, NULL);
        chld_changed = 0;
    }
    atomic_store(&tracer_tid, 0);
}

void cprocfs_tracer_kick(void) { kick_tracer(); }

unsigned long long cprocfs_tracer_take_signals(void) { return atomic_exchange(&stop_signals_seen, 0); }

int cprocfs_pipe2(int fds[2], int flags) { return pipe2(fds, flags); }

int cprocfs_wait_ptrace_event(int status) { return (status >> 16) & 0xffff; }
#endif
