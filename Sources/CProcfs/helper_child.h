// The start of a helper process sigscope forks to act on its death (the cleanup guardian, the container watchdog):
// a session of its own, deaf to INT/TERM/HUP/QUIT/PIPE and every other signal at its default, nothing blocked,
// and the pipe's read end moved to fd 3. Returns that fd. Async-signal-safe calls only. Private to the .c files.
#ifndef CPROCFS_HELPER_CHILD_H
#define CPROCFS_HELPER_CHILD_H
#include <signal.h>
#include <string.h>
#include <unistd.h>

static inline int cprocfs_helper_child_start(int read_fd) {
    (void)setsid();
    struct sigaction action;
    memset(&action, 0, sizeof action);
    for (int sig = 1; sig < 65; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        action.sa_handler = (sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT || sig == SIGPIPE)
            ? SIG_IGN : SIG_DFL;
        (void)sigaction(sig, &action, NULL);
    }
    sigset_t empty;
    sigemptyset(&empty);
    (void)sigprocmask(SIG_SETMASK, &empty, NULL);
    if (read_fd != 3) {
        if (dup2(read_fd, 3) < 0) _exit(1);
        read_fd = 3;
    }
    return read_fd;
}

#endif
