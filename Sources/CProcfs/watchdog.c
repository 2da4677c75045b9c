// The container watchdog (see cprocfs_watchdog.h). Async-signal-safe calls only between fork and exec.
#ifdef __linux__
#define _GNU_SOURCE
#include "cprocfs_watchdog.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include "syscall_numbers.h"
#include "helper_child.h"
#include <unistd.h>


static void watchdog_run(int read_fd, const char *path, char *const argv[], char *const envp[], int wait_ms) {
    read_fd = cprocfs_helper_child_start(read_fd);
    int null_fd = open("/dev/null", O_RDWR);
    for (int fd = 0; fd < 3; fd++) {
        if (null_fd >= 0) (void)dup2(null_fd, fd);
        else close(fd);
    }
    if (syscall(SYS_close_range, 4U, ~0U, 0) != 0) {
        for (int fd = 4; fd < 4096; fd++) close(fd);  // before Linux 5.9
    }
    int pidfd = -1;
    for (;;) {
        int message = 0;
        ssize_t n;
        do { n = read(read_fd, &message, sizeof message); } while (n < 0 && errno == EINTR);
        if (n != (ssize_t)sizeof message) break;
        if (message == -1) _exit(0);
        if (pidfd >= 0) close(pidfd);
        pidfd = message > 0 ? (int)syscall(SYS_pidfd_open, (pid_t)message, 0) : -1;
    }
    close(read_fd);
    if (pidfd >= 0) {
        struct pollfd wait = {pidfd, POLLIN, 0};
        while (poll(&wait, 1, wait_ms) < 0 && errno == EINTR) {}
        close(pidfd);
    }
    execve(path, argv, envp);
    _exit(127);
}

pid_t cprocfs_spawn_watchdog(int read_fd, const char *path, char *const argv[], char *const envp[], int wait_ms,
                             int *error_out) {
    pid_t pid = fork();
    if (pid == 0) watchdog_run(read_fd, path, argv, envp, wait_ms);
    *error_out = pid < 0 ? errno : 0;
    return pid;
}
#endif
