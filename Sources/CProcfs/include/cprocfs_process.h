// Process creation and exit shims.
#ifndef CPROCFS_PROCESS_H
#define CPROCFS_PROCESS_H

#ifdef __linux__
#include <sys/types.h>
#include <signal.h>

/// How `cprocfs_spawn` sets up the child before it execs.
struct cprocfs_spawn_options {
    /// Non-zero: the child calls setpgid(0, 0) and leads a new process group.
    int new_process_group;
    /// Descriptors dup2'ed onto 0, 1 and 2; -1 inherits the parent's.
    int stdin_fd;
    int stdout_fd;
    int stderr_fd;
    /// If >= 0, the child reads one byte from it before exec, so a tracer can seize it first. Then
    /// cprocfs_spawn returns as soon as the child exists, and an exec failure shows only as exit code 127.
    int wait_fd;
    /// Non-zero: the child becomes PID 1 of new PID and mount namespaces with a fresh /proc,
    /// as a container runtime would run it. The returned pid is that process's pid in our namespace.
    int new_pid_namespace;
    /// If >= 0, an open cgroup.procs descriptor: the child writes "0" to it first thing, joining that cgroup
    /// before it can fork anything, and fails (exit 127) if it cannot.
    int cgroup_procs_fd;
};

/// Forks and execs `path` with every signal disposition reset to default and an empty signal mask.
/// Why C: the child must run only async-signal-safe code between fork and exec, and a Swift
/// closure cannot promise that; also Dispatch threads block nearly every signal and a child forked from
/// one inherits that mask, which would falsify every measurement sigscope makes of it.
/// Returns the pid, or -1 with *error_out set to the errno of fork or exec.
pid_t cprocfs_spawn(const char *path, char *const argv[], char *const envp[],
                    const struct cprocfs_spawn_options *options, int *error_out);

/// Forks the cleanup guardian of a checked service: a process in its own session that ignores INT, TERM, HUP and
/// QUIT, keeps only `read_fd` open, and reads 4-byte messages from it: a pid > 0 is the service's main process
/// (leading its own group), 0 means sigscope reaped the service itself. At end of file, which the kernel produces
/// when sigscope exits for any reason (SIGKILL included) because only sigscope holds the write end, it kills
/// everything in the cgroup directory `cgroup_dir` (cgroup.kill, or SIGKILL to each pid in cgroup.procs before
/// Linux 5.14) until the directory can be removed; with no cgroup ("" ) and no 0 message, it SIGKILLs the service's
/// group and, through a pidfd, the service. Then it exits.
/// Why C: the child of a multithreaded process may run only async-signal-safe code, and must never return into
/// Swift.
pid_t cprocfs_spawn_guardian(int read_fd, const char *cgroup_dir, int *error_out);

/// Why C: WIFEXITED and friends are macros.
int cprocfs_wifexited(int status);
int cprocfs_wexitstatus(int status);
int cprocfs_wifsignaled(int status);
int cprocfs_wtermsig(int status);
int cprocfs_wcoredump(int status);
int cprocfs_wifstopped(int status);
int cprocfs_wstopsig(int status);
int cprocfs_wifcontinued(int status);

/// Why C: pidfd_open has no glibc wrapper before 2.36 and `syscall` is variadic.
int cprocfs_pidfd_open(pid_t pid, unsigned int flags);
/// Why C: as above; sends `sig` through a pidfd so a recycled pid can never be hit.
int cprocfs_pidfd_send_signal(int pidfd, int sig);

/// Why C: sigqueue's `union sigval` argument and tgkill (variadic `syscall`).
int cprocfs_sigqueue_int(pid_t pid, int sig, int value);
int cprocfs_tgkill(pid_t tgid, pid_t tid, int sig);

/// Why C: prctl is variadic. Makes the caller a child subreaper (PR_SET_CHILD_SUBREAPER).
int cprocfs_set_child_subreaper(int on);

/// What the kernel says about one of our own TCP connections (from getpeername and TCP_INFO).
struct cprocfs_tcp_progress {
    /// The peer's port, host byte order.
    int peer_port;
    /// The TCP state (1 = ESTABLISHED, as in /proc/net/tcp).
    int state;
    /// Bytes the peer's kernel acknowledged, bytes still unacknowledged, bytes not yet sent, bytes received.
    unsigned long long bytes_acked;
    unsigned int unacked_segments;
    unsigned int notsent_bytes;
    unsigned long long bytes_received;
};

/// Fills `out` for a connected TCP socket; returns -1 (with errno) for anything else.
/// Why C: struct tcp_info with tcpi_bytes_acked and tcpi_notsent_bytes is only in <linux/tcp.h>, which
/// clashes with glibc's <netinet/tcp.h> that Swift imports, and sockaddr unions are awkward in Swift.
int cprocfs_tcp_progress(int fd, struct cprocfs_tcp_progress *out);

/// Why C: sigset_t manipulation macros; returns the calling thread's blocked mask as a 64-bit set
/// (bit N-1 = signal N), the same layout as /proc's SigBlk.
unsigned long long cprocfs_thread_blocked_mask(void);
#endif

#endif
