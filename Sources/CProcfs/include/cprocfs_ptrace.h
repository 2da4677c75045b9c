// ptrace shims for the signal tracer.
#ifndef CPROCFS_PTRACE_H
#define CPROCFS_PTRACE_H

#ifdef __linux__
#include <sys/types.h>
#include <stdint.h>
#include <sys/syscall.h>

/// ptrace requests, options and events by value, as macros so Swift imports them as Int32 constants: glibc's
/// own are enumerators Swift sees under other names, and the kernel header clashes with glibc's. ptrace.c checks
/// each against glibc with _Static_assert.
#define CPROCFS_PTRACE_CONT 7
#define CPROCFS_PTRACE_DETACH 17
#define CPROCFS_PTRACE_GETEVENTMSG 0x4201
#define CPROCFS_PTRACE_GETSIGINFO 0x4202
#define CPROCFS_PTRACE_SEIZE 0x4206
#define CPROCFS_PTRACE_INTERRUPT 0x4207
#define CPROCFS_PTRACE_LISTEN 0x4208
#define CPROCFS_PTRACE_O_TRACEFORK 0x02
#define CPROCFS_PTRACE_O_TRACEVFORK 0x04
#define CPROCFS_PTRACE_O_TRACECLONE 0x08
#define CPROCFS_PTRACE_O_TRACEEXEC 0x10
#define CPROCFS_PTRACE_O_TRACEEXIT 0x40
#define CPROCFS_PTRACE_O_EXITKILL 0x100000
#define CPROCFS_PTRACE_EVENT_FORK 1
#define CPROCFS_PTRACE_EVENT_VFORK 2
#define CPROCFS_PTRACE_EVENT_CLONE 3
#define CPROCFS_PTRACE_EVENT_EXEC 4
#define CPROCFS_PTRACE_EVENT_EXIT 6
#define CPROCFS_PTRACE_EVENT_STOP 128

/// The number of exit(2), which ends one thread (exit_group(2) ends the process). Why C: glibc defines SYS_exit
/// through the architecture's __NR_exit, which Swift does not import.
static inline long cprocfs_sys_exit_number(void) { return SYS_exit; }

/// Why C: glibc declares ptrace as variadic, which Swift cannot call.
long cprocfs_ptrace(int request, pid_t pid, unsigned long addr, unsigned long data);

/// The fields of a siginfo_t, copied out flat. Why C: siginfo_t is a union of unions whose members glibc
/// reaches through macros (si_pid, si_addr, si_status ...), none of which Swift can name. Which fields mean
/// something depends on the signal and si_code; the Swift side decides, this copy has no logic.
struct cprocfs_siginfo {
    int signo;
    int code;
    int errno_value;
    /// SI_USER, SI_QUEUE, SI_TKILL, SIGCHLD: the sender (or child) and its real uid.
    int pid;
    unsigned int uid;
    /// SIGCHLD: the exit code or signal.
    int status;
    /// SI_QUEUE, SI_TIMER, SI_MESGQ: the value, as sival_int and as sival_ptr.
    int value_int;
    uint64_t value_ptr;
    /// SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP: the faulting address. SIGSYS: the calling address.
    uint64_t addr;
    /// SI_TIMER: the POSIX timer id and overrun count.
    int timer_id;
    int overrun;
    /// SIGPOLL: band event and descriptor.
    long band;
    int fd;
    /// SIGSYS (seccomp): the system call number and audit architecture.
    int syscall;
    unsigned int arch;
};

/// PTRACE_GETSIGINFO into the flat struct. Returns 0, or -1 with errno set.
int cprocfs_ptrace_getsiginfo(pid_t tid, struct cprocfs_siginfo *out);

/// PTRACE_GETEVENTMSG: the new task's tid after a clone/fork event, the former tid after exec.
/// Returns 0, or -1 with errno set.
int cprocfs_ptrace_geteventmsg(pid_t tid, unsigned long *out);

/// Why C: signal handlers must be C functions touching only async-signal-safe state, and a per-thread timer
/// needs `sigevent`'s union member for SIGEV_THREAD_ID, which Swift cannot name.
///
/// The tracer thread blocks in waitpid, which no descriptor can wake. So it arms a wake signal (a realtime
/// signal whose no-op handler has no SA_RESTART, so a blocked waitpid returns EINTR), a timer that sends it to
/// that thread every `interval_ms` (the bound on how long a stop request can go unnoticed, since one that
/// lands just before waitpid is lost), and handlers for `stop_mask`'s signals that record them and send the
/// wake signal at once. Also names the thread `sigscope-tracer`. One tracer thread per process at a time.
/// Returns 0, or -1 with errno set.
int cprocfs_tracer_wakeup_start(unsigned long long stop_mask, int interval_ms);

/// Stops the timer and restores the stop signals' earlier dispositions. Call on the tracer thread.
void cprocfs_tracer_wakeup_stop(void);

/// Sends the wake signal to the tracer thread now; safe from any thread.
void cprocfs_tracer_kick(void);

/// The stop signals received since the last call (bit N-1 = signal N), cleared atomically.
unsigned long long cprocfs_tracer_take_signals(void);

/// Why C: pipe2 is declared only under _GNU_SOURCE, which Swift's Glibc module does not define.
int cprocfs_pipe2(int fds[2], int flags);

/// Why C: the wait-status event lives in bits 16 and up (status >> 16), which glibc exposes by no macro.
int cprocfs_wait_ptrace_event(int status);
#endif

#endif
