// perf_event_open shims for the kernel-tracepoint backend.
#ifndef CPROCFS_PERF_H
#define CPROCFS_PERF_H

#ifdef __linux__
#endif

#endif
