// Umbrella header of the CProcfs shim target. Each included header says, per shim, why it must be C.
#ifndef CPROCFS_H
#define CPROCFS_H

#include "cprocfs_process.h"
#include "cprocfs_ptrace.h"
#include "cprocfs_elf.h"
#include "cprocfs_epoll.h"
#include "cprocfs_tracefs.h"
#include "cprocfs_interruption.h"

#endif
