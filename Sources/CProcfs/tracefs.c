// tracefs and pidfd-info shims. GNU-only code stays in this file.
#ifdef __linux__
#define _GNU_SOURCE
#include "cprocfs_tracefs.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>

int cprocfs_mount_tracefs(const char *target) { return mount("nodev", target, "tracefs", 0, NULL); }

// include/uapi/linux/pidfd.h (Linux 6.13+, PIDFD_INFO_EXIT 6.15+), copied because the distribution's headers are
// older. The kernel accepts any size from PIDFD_INFO_SIZE_VER0 (64) up.
struct sigscope_pidfd_info {
    uint64_t mask;
    uint64_t cgroupid;
    uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
    int32_t exit_code;
};
_Static_assert(sizeof(struct sigscope_pidfd_info) == 64, "PIDFD_INFO_SIZE_VER0");
#define SIGSCOPE_PIDFD_GET_INFO _IOWR(0xFF, 11, struct sigscope_pidfd_info)
#define SIGSCOPE_PIDFD_INFO_EXIT (1ULL << 3)

int cprocfs_pidfd_exit_status(int pidfd, int *status_out) {
    struct sigscope_pidfd_info info;
    memset(&info, 0, sizeof(info));
    info.mask = SIGSCOPE_PIDFD_INFO_EXIT;
    if (ioctl(pidfd, SIGSCOPE_PIDFD_GET_INFO, &info) != 0) {
        // ESRCH: the process was reaped and the kernel keeps no info (before 6.15).
        return -1;
    }
    if (!(info.mask & SIGSCOPE_PIDFD_INFO_EXIT)) return 1;
    *status_out = info.exit_code;
    return 0;
}

int cprocfs_thread_avoid_cpu(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0) return -1;
    if (cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &set)) return 0;
    CPU_CLR(cpu, &set);
    if (CPU_COUNT(&set) == 0) return 0;
    return sched_setaffinity(0, sizeof(set), &set) == 0 ? 1 : -1;
}

int cprocfs_thread_set_name(const char *name) {
    char cut[16];
    strncpy(cut, name, sizeof(cut) - 1);
    cut[sizeof(cut) - 1] = 0;
    int result = pthread_setname_np(pthread_self(), cut);
    if (result != 0) {
        errno = result;
        return -1;
    }
    return 0;
}
#endif
