// ptrace shims: glibc's ptrace is variadic, which Swift cannot call.
#ifdef __linux__
#define _GNU_SOURCE
#include "cprocfs_ptrace.h"

#include <sys/ptrace.h>

long cprocfs_ptrace(int request, pid_t pid, unsigned long addr, unsigned long data) {
    return ptrace((enum __ptrace_request)request, pid, (void *)addr, (void *)data);
}
#endif
