// epoll for the load generator. Glibc's Swift module map leaves out <sys/epoll.h>, so Swift sees epoll only
// through this header; there is nothing to wrap (epoll_create1, epoll_ctl, epoll_wait are not variadic).
#ifndef CPROCFS_EPOLL_H
#define CPROCFS_EPOLL_H

#ifdef __linux__
#include <sys/epoll.h>
#endif

#endif
