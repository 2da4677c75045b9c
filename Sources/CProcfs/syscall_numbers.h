// System call numbers that older C library headers lack (x86-64 and the generic table agree on these). Private to
// the .c files: Swift never sees this header.
#ifndef CPROCFS_SYSCALL_NUMBERS_H
#define CPROCFS_SYSCALL_NUMBERS_H
#include <sys/syscall.h>

#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif

#endif
