// libelf shims for `sigscope lint` and runtime detection.
#ifndef CPROCFS_ELF_H
#define CPROCFS_ELF_H

#ifdef __linux__
#endif

#endif
