// sigscope's own SIGINT, SIGTERM and SIGHUP, recorded from the first instruction of sigscope's code.
#ifndef CPROCFS_INTERRUPTION_H
#define CPROCFS_INTERRUPTION_H

#ifdef __linux__

/// Installs the handler that records SIGINT, SIGTERM and SIGHUP (the last one received wins); installing it again
/// changes nothing. The corresponding C function is `sigaction`.
/// Why C: a signal handler may touch only lock-free state and call only async-signal-safe functions, which a
/// Swift closure cannot promise; and the sigscope executable installs it from `.preinit_array`, before the shared
/// libraries' constructors, the Swift runtime and the argument parser start (tens of milliseconds in a debug
/// build, during which these signals used to kill sigscope by their default action). Only the sigscope executable
/// does that: a test bundle or another program linking SigTrace keeps its own dispositions.
void cprocfs_interruption_install(void);

/// The signal recorded by that handler, 0 if none has arrived.
int cprocfs_interruption_signal(void);

#endif
#endif
