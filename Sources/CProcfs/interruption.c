// sigscope's own SIGINT, SIGTERM and SIGHUP (see cprocfs_interruption.h for why this is C).
#ifdef __linux__
#include "cprocfs_interruption.h"

#include <signal.h>
#include <stddef.h>
#include <string.h>

static volatile sig_atomic_t interrupting_signal;

static void record(int sig) { interrupting_signal = sig; }

void cprocfs_interruption_install(void) {
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = record;
    // No SA_RESTART: a blocking call returns EINTR, and the loops around it look at the recorded signal.
    action.sa_flags = 0;
    sigemptyset(&action.sa_mask);
    (void)sigaction(SIGINT, &action, NULL);
    (void)sigaction(SIGTERM, &action, NULL);
    (void)sigaction(SIGHUP, &action, NULL);
}

int cprocfs_interruption_signal(void) { return interrupting_signal; }

// SwiftPM compiles an executable module's entry point as `<module>_main` and links the executable with
// `--defsym main=<module>_main`. In the sigscope executable the two are one function; a test bundle links the
// same module under its test runner's `main`, and a fuzz target or another program linking SigTrace has no
// `sigscope_main` at all (the weak reference is then null). So only sigscope itself installs the handler here.
extern int main(int, char **);
extern int sigscope_main(int, char **) __attribute__((weak));

static void install_in_sigscope(int argc, char **argv, char **envp) {
    (void)argc;
    (void)argv;
    (void)envp;
    if (sigscope_main == NULL || (void *)sigscope_main != (void *)main) return;
    cprocfs_interruption_install();
}

// `.preinit_array` runs once the dynamic loader has mapped and relocated everything, before any shared library's
// constructor (`.init_array` of the executable would run after them all). It is honoured in executables only.
__attribute__((section(".preinit_array"), used)) static void (*const preinit_entry)(int, char **, char **) =
    install_in_sigscope;
#endif
