// ptrace shims for the signal tracer.
#ifndef CPROCFS_PTRACE_H
#define CPROCFS_PTRACE_H

#ifdef __linux__
#include <sys/types.h>

/// Why C: glibc declares ptrace as variadic, which Swift cannot call.
long cprocfs_ptrace(int request, pid_t pid, unsigned long addr, unsigned long data);
#endif

#endif
