// The watchdog that removes a container sigscope created when sigscope dies without removing it.
#ifndef CPROCFS_WATCHDOG_H
#define CPROCFS_WATCHDOG_H

#ifdef __linux__
#include <sys/types.h>

/// Forks a watchdog: a process in its own session that ignores INT, TERM, HUP, QUIT and PIPE, has /dev/null as
/// 0, 1 and 2, keeps only `read_fd` open, and reads 4-byte messages from it: a pid > 0 is an engine CLI call in
/// flight (`podman run`), 0 means that call ended, -1 means sigscope removed the container itself. At end of file
/// (the kernel closes the pipe when sigscope exits for any reason, SIGKILL included) without a -1 it waits, through
/// a pidfd and for at most `wait_ms`, for the call in flight to end (so a container still being created is not
/// missed), then execs `argv` (`podman rm -f NAME`) with `envp`. After a -1 it just exits.
/// Why C: the child of a multithreaded process may run only async-signal-safe code before exec, and must never
/// return into Swift.
pid_t cprocfs_spawn_watchdog(int read_fd, const char *path, char *const argv[], char *const envp[], int wait_ms,
                             int *error_out);

#endif
#endif
