// Shims for the kernel tracepoint backend (tracefs) and for learning how a process that is not our child ended.
#ifndef CPROCFS_TRACEFS_H
#define CPROCFS_TRACEFS_H

#ifdef __linux__
/// Mounts tracefs at `target` (mount -t tracefs nodev TARGET). Returns 0, or -1 with errno set.
/// Why C: mount(2)'s flags come from <sys/mount.h>, which clashes with <linux/fs.h> in Swift's Glibc view; the
/// other mount sigscope makes (a PID namespace's /proc) lives in C too.
int cprocfs_mount_tracefs(const char *target);

/// The exit status (as wait(2) encodes it) of the process behind `pidfd`, once it has exited and been reaped,
/// through ioctl(PIDFD_GET_INFO) with PIDFD_INFO_EXIT (Linux 6.15+). Returns 0 with *status_out set, 1 when the
/// kernel has no exit status yet (still running, or a zombie nobody reaped), -1 with errno set when the kernel
/// lacks the ioctl (ENOTTY, EINVAL).
/// Why C: ioctl is variadic, and struct pidfd_info is newer than the distribution's headers.
int cprocfs_pidfd_exit_status(int pidfd, int *status_out);

/// Keeps the calling thread off CPU `cpu`: its affinity becomes what it was without that CPU. Returns 1 when
/// changed, 0 when `cpu` was the only CPU allowed (nothing changed), -1 with errno set.
/// Why C: cpu_set_t's CPU_CLR/CPU_COUNT are macros, and sched_getaffinity needs _GNU_SOURCE.
int cprocfs_thread_avoid_cpu(int cpu);

/// Names the calling thread (its comm, at most 15 bytes: longer names are cut), as `ps -L`, `top -H` and perf show
/// it. Returns 0, or -1 with errno set.
/// Why C: prctl is variadic, and pthread_setname_np needs _GNU_SOURCE.
int cprocfs_thread_set_name(const char *name);
#endif

#endif
