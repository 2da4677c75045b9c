/// The language runtime or kind of program behind a process, where that changes how its signal masks read.
public enum Runtime: String, Sendable, Hashable {
    /// Go: the runtime installs a handler for every signal, whatever the program asked for.
    case go
    /// Swift: the runtime installs crash handlers for ILL, TRAP, ABRT, BUS, FPE and SEGV.
    case swift
    /// The JVM: catches TERM to run shutdown hooks, then exits 143.
    case jvm
    case python
    case node
    case ruby
    case perl
    /// A POSIX shell: what it does with TERM depends on the shell and on whether it exec'ed its command.
    case shell
    /// Nothing recognised in a running process: C, C++, Rust and others.
    case native
    /// Native runtimes that `lint` tells apart from an executable's sections and libraries.
    case c
    case cpp = "c++"
    case rust
    /// Interpreters `lint` recognises by executable name; the script decides what SIGTERM does.
    case php, bun, deno, dotnet

    private static let shells: Set<String> = ["sh", "dash", "bash", "ash", "zsh", "ksh", "mksh", "busybox"]

    /// Detects the runtime from the executable's path, the comm, the shared objects mapped and the
    /// address-space layout. `goHeapMapped` is true when /proc/PID/maps has the Go heap arena at
    /// 0xc000000000, which every Go program on amd64 and arm64 maps.
    /// `executable` is what the ELF sections of the executable say, when they were read.
    public static func detect(exe: String?, comm: String, libraries: [String], goHeapMapped: Bool,
                              executable: Runtime? = nil) -> Runtime {
        let base = exe.map { path -> String in
            let name = path.split(separator: "/").last.map(String.init) ?? path
            return name.hasSuffix(" (deleted)") ? String(name.dropLast(10)) : name
        } ?? comm
        func maps(_ prefix: String) -> Bool { libraries.contains { $0.hasPrefix(prefix) } }
        if maps("libjvm.so") || base == "java" { return .jvm }
        if base.hasPrefix("python") || maps("libpython") { return .python }
        if base == "node" || base == "nodejs" || maps("libnode.so") { return .node }
        if base.hasPrefix("ruby") || maps("libruby") { return .ruby }
        if base == "perl" || base.hasPrefix("perl5") { return .perl }
        if shells.contains(base) || shells.contains(comm) { return .shell }
        if goHeapMapped || executable == .go { return .go }
        if maps("libswiftCore.so") || executable == .swift { return .swift }
        return .native
    }

    /// True when /proc/PID/maps text maps the Go heap arena (an anonymous mapping starting at 0xc000000000).
    public static func mapsShowGoHeap(_ maps: String) -> Bool {
        maps.contains("\nc000000000-") || maps.hasPrefix("c000000000-")
    }
}
