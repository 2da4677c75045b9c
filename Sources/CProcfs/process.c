// Process shims. GNU-only code (clone flags, mount) stays in this file, never in a header Swift sees.
#ifdef __linux__
#define _GNU_SOURCE
#include "cprocfs_process.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include "syscall_numbers.h"
#include "helper_child.h"
#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/tcp.h>


// Runs in the child between fork and exec: async-signal-safe calls only.
static void child_reset_and_exec(const char *path, char *const argv[], char *const envp[],
                                 const struct cprocfs_spawn_options *o, int error_fd) {
    int err = 0;
    if (o->cgroup_procs_fd >= 0) {
        // Join the guardian's cgroup before anything else, so every descendant is born inside it.
        ssize_t w;
        do { w = write(o->cgroup_procs_fd, "0", 1); } while (w < 0 && errno == EINTR);
        if (w != 1) goto fail;
    }
    if (o->new_process_group && setpgid(0, 0) != 0) goto fail;
    if (o->new_pid_namespace) {
        // Keep our /proc mount out of the host's mount table, then mount the namespace's own /proc.
        if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) goto fail;
        if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL) != 0) goto fail;
    }
    struct sigaction dfl;
    for (unsigned i = 0; i < sizeof(dfl); i++) ((char *)&dfl)[i] = 0;
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < 65; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        (void)sigaction(sig, &dfl, NULL);  // 32 and 33 fail under glibc; that is fine
    }
    sigset_t empty;
    sigemptyset(&empty);
    if (sigprocmask(SIG_SETMASK, &empty, NULL) != 0) goto fail;
    if (o->stdin_fd >= 0 && dup2(o->stdin_fd, 0) < 0) goto fail;
    if (o->stdout_fd >= 0 && dup2(o->stdout_fd, 1) < 0) goto fail;
    if (o->stderr_fd >= 0 && dup2(o->stderr_fd, 2) < 0) goto fail;
    if (o->wait_fd >= 0) {
        char byte;
        ssize_t n;
        do { n = read(o->wait_fd, &byte, 1); } while (n < 0 && errno == EINTR);
        close(o->wait_fd);
    }
    execve(path, argv, envp);
fail:
    err = errno;
    if (error_fd >= 0) {
        ssize_t w;
        do { w = write(error_fd, &err, sizeof(err)); } while (w < 0 && errno == EINTR);
    }
    _exit(127);
}

pid_t cprocfs_spawn(const char *path, char *const argv[], char *const envp[],
                    const struct cprocfs_spawn_options *options, int *error_out) {
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) != 0) {
        *error_out = errno;
        return -1;
    }
    pid_t pid;
    if (options->new_pid_namespace) {
        // A raw clone with CLONE_NEWPID makes the child itself PID 1 of the new namespace, and the
        // pid we get back is its pid in ours, as with a container runtime.
        pid = (pid_t)syscall(SYS_clone, CLONE_NEWPID | CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0);
    } else {
        pid = fork();
    }
    if (pid == 0) {
        close(pipefd[0]);
        // With a wait descriptor nobody reads the error pipe (see below): exit 127 is the only report.
        if (options->wait_fd >= 0) close(pipefd[1]);
        child_reset_and_exec(path, argv, envp, options, options->wait_fd >= 0 ? -1 : pipefd[1]);
    }
    int saved = errno;
    close(pipefd[1]);
    if (pid < 0) {
        close(pipefd[0]);
        *error_out = saved;
        return -1;
    }
    if (options->wait_fd >= 0) {
        // The child waits for our byte before exec, so waiting here for its exec would deadlock: return now
        // and let the caller (a tracer seizing the child) see an exec failure as exit code 127.
        close(pipefd[0]);
        *error_out = 0;
        return pid;
    }
    int child_err = 0;
    ssize_t n;
    do { n = read(pipefd[0], &child_err, sizeof(child_err)); } while (n < 0 && errno == EINTR);
    close(pipefd[0]);
    if (n == sizeof(child_err)) {
        int status;
        while (waitpid(pid, &status, __WALL) < 0 && errno == EINTR) {}
        *error_out = child_err;
        return -1;
    }
    *error_out = 0;
    return pid;
}

// The guardian's helpers: async-signal-safe only (open, read, write, kill, rmdir, nanosleep, _exit).

static size_t guardian_join(char *out, size_t size, const char *dir, const char *name) {
    size_t n = 0;
    for (const char *p = dir; *p && n + 1 < size; p++) out[n++] = *p;
    if (n + 1 < size) out[n++] = '/';
    for (const char *p = name; *p && n + 1 < size; p++) out[n++] = *p;
    out[n] = 0;
    return n;
}

static void guardian_pause_ms(long ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) != 0 && errno == EINTR) {}
}

// SIGKILLs every pid listed in cgroup.procs (the way before cgroup.kill, Linux < 5.14).
static void guardian_kill_listed(const char *procs_path) {
    int fd = open(procs_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    char buffer[4096];
    long pid = 0;
    int digits = 0;
    ssize_t n;
    while ((n = read(fd, buffer, sizeof buffer)) > 0 || (n < 0 && errno == EINTR)) {
        for (ssize_t i = 0; i < n; i++) {
            if (buffer[i] >= '0' && buffer[i] <= '9') {
                pid = pid * 10 + (buffer[i] - '0');
                digits = 1;
            } else {
                if (digits && pid > 1) kill((pid_t)pid, SIGKILL);
                pid = 0;
                digits = 0;
            }
        }
    }
    if (digits && pid > 1) kill((pid_t)pid, SIGKILL);
    close(fd);
}

// Kills the cgroup's processes until the directory can be removed (at most about 10 s). rmdir fails with EBUSY
// while a process is in it, which also catches a service that joined after the first kill.
static void guardian_empty_cgroup(const char *dir) {
    char kill_path[4096], procs_path[4096];
    guardian_join(kill_path, sizeof kill_path, dir, "cgroup.kill");
    guardian_join(procs_path, sizeof procs_path, dir, "cgroup.procs");
    for (int round = 0; round < 2000; round++) {
        int fd = open(kill_path, O_WRONLY | O_CLOEXEC);
        if (fd >= 0) {
            ssize_t w;
            do { w = write(fd, "1", 1); } while (w < 0 && errno == EINTR);
            close(fd);
        }
        if (fd < 0 || round % 10 == 9) guardian_kill_listed(procs_path);
        if (rmdir(dir) == 0 || errno == ENOENT) return;
        guardian_pause_ms(round < 100 ? 1 : 5);
    }
}

static void guardian_run(int read_fd, const char *dir) {
    // Hold nothing of sigscope's (its sockets, the service's output pipe, the write end of our own pipe).
    read_fd = cprocfs_helper_child_start(read_fd);
    for (int fd = 0; fd < 3; fd++) close(fd);
    if (syscall(SYS_close_range, 4U, ~0U, 0) != 0) {
        for (int fd = 4; fd < 4096; fd++) close(fd);  // before Linux 5.9
    }
    pid_t service = 0;
    int pidfd = -1;
    int reaped = 0;
    for (;;) {
        int message = 0;
        ssize_t n;
        do { n = read(read_fd, &message, sizeof message); } while (n < 0 && errno == EINTR);
        if (n != (ssize_t)sizeof message) break;
        if (message > 0) {
            service = message;
            pidfd = (int)syscall(SYS_pidfd_open, service, 0);
        } else {
            reaped = 1;
        }
    }
    if (dir[0]) guardian_empty_cgroup(dir);
    if (!reaped && service > 0) {
        if (pidfd >= 0 && syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) == 0) {
            (void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
        }
        (void)kill(-service, SIGKILL);
    }
    _exit(0);
}

pid_t cprocfs_spawn_guardian(int read_fd, const char *cgroup_dir, int *error_out) {
    pid_t pid = fork();
    if (pid == 0) guardian_run(read_fd, cgroup_dir);
    *error_out = pid < 0 ? errno : 0;
    return pid;
}

int cprocfs_wifexited(int status) { return WIFEXITED(status); }
int cprocfs_wexitstatus(int status) { return WEXITSTATUS(status); }
int cprocfs_wifsignaled(int status) { return WIFSIGNALED(status); }
int cprocfs_wtermsig(int status) { return WTERMSIG(status); }
int cprocfs_wcoredump(int status) { return WCOREDUMP(status); }
int cprocfs_wifstopped(int status) { return WIFSTOPPED(status); }
int cprocfs_wstopsig(int status) { return WSTOPSIG(status); }

int cprocfs_pidfd_open(pid_t pid, unsigned int flags) { return (int)syscall(SYS_pidfd_open, pid, flags); }

int cprocfs_pidfd_send_signal(int pidfd, int sig) {
    return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

int cprocfs_sigqueue_int(pid_t pid, int sig, int value) {
    union sigval v;
    v.sival_ptr = 0;
    v.sival_int = value;
    return sigqueue(pid, sig, v);
}

int cprocfs_tgkill(pid_t tgid, pid_t tid, int sig) { return (int)syscall(SYS_tgkill, tgid, tid, sig); }

int cprocfs_set_child_subreaper(int on) { return prctl(PR_SET_CHILD_SUBREAPER, on ? 1 : 0, 0, 0, 0); }

int cprocfs_tcp_progress(int fd, struct cprocfs_tcp_progress *out) {
    struct sockaddr_storage peer;
    socklen_t length = sizeof(peer);
    memset(out, 0, sizeof(*out));
    if (getpeername(fd, (struct sockaddr *)&peer, &length) != 0) return -1;
    if (peer.ss_family == AF_INET) {
        out->peer_port = ntohs(((struct sockaddr_in *)&peer)->sin_port);
    } else if (peer.ss_family == AF_INET6) {
        out->peer_port = ntohs(((struct sockaddr_in6 *)&peer)->sin6_port);
    } else {
        errno = EAFNOSUPPORT;
        return -1;
    }
    struct tcp_info info;
    socklen_t info_length = sizeof(info);
    memset(&info, 0, sizeof(info));
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &info_length) != 0) return -1;
    out->state = info.tcpi_state;
    out->bytes_acked = info.tcpi_bytes_acked;
    out->unacked_segments = info.tcpi_unacked;
    out->notsent_bytes = info.tcpi_notsent_bytes;
    out->bytes_received = info.tcpi_bytes_received;
    return 0;
}

#endif
