import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The Go runtime's own record of the signals a program asked for with `signal.Notify`: the `wanted` mask of the
/// `runtime.sig` struct (runtime/sigqueue.go), read from the running process's memory. The runtime catches every
/// signal whether or not the program asked, so SigCgt cannot tell; this record can, without sending anything.
///
/// Layout (Go 1.10 through 1.23, 64-bit): `note` (8 bytes), then four `[3]uint32` masks `mask`, `wanted`,
/// `ignored`, `recv` (bit `s` of word `s/32` for signal `s`, `_NSIG` = 65), `state` and `delivering` (uint32),
/// `inuse` (bool): 72 bytes with padding. The symbol's size is checked before the bytes are trusted.
public struct GoSignalRecord: Sendable, Hashable {
    /// Signals a `signal.Notify` (or `NotifyContext`) asks for now: `signal_enable` sets the bit, `signal.Stop`
    /// and `signal.Reset` clear it (a `NotifyContext` whose stop function ran no longer wants its signals).
    public var wanted: SignalSet
    /// Signals `signal.Ignore` asked to ignore.
    public var ignored: SignalSet
    /// True once the program called `Notify` at least once (`sig.inuse`).
    public var inUse: Bool

    /// The size of `runtime.sig` on 64-bit targets.
    static let size = 72
    static let wantedOffset = 20
    static let ignoredOffset = 32
    static let inUseOffset = 64

    public init(wanted: SignalSet, ignored: SignalSet, inUse: Bool) {
        self.wanted = wanted
        self.ignored = ignored
        self.inUse = inUse
    }

    /// Decodes the bytes of `runtime.sig` (little-endian); nil when there are not 72 of them. Pure.
    public static func decode(_ bytes: [UInt8]) -> GoSignalRecord? {
        guard bytes.count == size else { return nil }
        return GoSignalRecord(wanted: mask(bytes, at: wantedOffset), ignored: mask(bytes, at: ignoredOffset),
                              inUse: bytes[inUseOffset] != 0)
    }

    /// Three little-endian uint32 words where bit `s` stands for signal `s`, as a `SignalSet` (bit `s-1`).
    static func mask(_ bytes: [UInt8], at offset: Int) -> SignalSet {
        func word(_ index: Int) -> UInt64 {
            (0..<4).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + index * 4 + $1]) << (8 * $1) }
        }
        let low = word(0) | word(1) << 32
        return SignalSet(rawValue: low >> 1 | (word(2) & 1) << 63)
    }

    /// `Notify(SIGTERM) active: yes`, the words inspect and check print.
    public func notifyLine(_ signal: Signal) -> String {
        "Notify(\(signal.name)) active: \(wanted.contains(signal) ? "yes" : "no")"
    }

    /// Where `runtime.sig` is in one executable file, cached by device, inode and modification time: a check reads
    /// the same binary many times.
    struct Location: Hashable {
        var address: UInt64
        var positionIndependent: Bool
    }

    struct FileKey: Hashable {
        var device: UInt64
        var inode: UInt64
        var modified: Int
    }

    private static let locations = Mutex<[FileKey: Location?]>([:])

    /// Reads the record of a running Go process; nil when its executable has no symbol table (stripped with
    /// `-ldflags=-s`), no `runtime.sig` of the expected size, or its memory may not be read.
    public static func read(pid: Int32, files: ProcFiles = ProcFiles()) -> GoSignalRecord? {
        let exe = files.path(pid, "exe")
        guard let location = location(of: exe) else { return nil }
        var address = location.address
        if location.positionIndependent {
            guard let bias = loadBias(pid: pid, files: files) else { return nil }
            address &+= bias
        }
        let fd = files.path(pid, "mem").withCString { open($0, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: size)
        let count = retryOnInterrupt { bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, size, off_t(Int64(bitPattern: address))) } }
        return count == size ? decode(bytes) : nil
    }

    static func location(of exe: String) -> Location? {
        var info = stat()
        guard stat(exe, &info) == 0 else { return nil }
        let key = FileKey(device: UInt64(info.st_dev), inode: UInt64(info.st_ino), modified: info.st_mtim.tv_sec)
        if let known = locations.withLock({ $0[key] }) { return known }
        var found: Location?
        if let image = try? ELFImage(path: exe), image.bits == 64, image.isGo,
           let symbol = image.object(named: "runtime.sig"), symbol.size == UInt64(size) {
            found = Location(address: symbol.address, positionIndependent: image.fileType == 3 /* ET_DYN */)
        }
        locations.withLock { cache in
            if cache.count > 256 { cache.removeAll() }
            cache[key] = found
        }
        return found
    }

    /// How far a position-independent executable was moved when loaded: the entry point the kernel put in the
    /// auxiliary vector (AT_ENTRY, /proc/PID/auxv) less the one in the file's ELF header (e_entry). Go's linker
    /// places a PIE's first segment at 0x400000, so the start of its first mapping is not the bias.
    static func loadBias(pid: Int32, files: ProcFiles) -> UInt64? {
        guard let fileEntry = readWord(files.path(pid, "exe"), at: 24) else { return nil }
        let fd = files.path(pid, "auxv").withCString { open($0, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var pairs = [UInt64](repeating: 0, count: 128)
        let count = retryOnInterrupt { pairs.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) } }
        guard count > 0 else { return nil }
        for index in stride(from: 0, to: count / 8 - 1, by: 2) where pairs[index] == 9 /* AT_ENTRY */ {
            return pairs[index + 1] &- fileEntry
        }
        return nil
    }

    /// The little-endian 64-bit word at `offset` of a file.
    static func readWord(_ path: String, at offset: Int) -> UInt64? {
        let fd = path.withCString { open($0, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var value: UInt64 = 0
        let count = retryOnInterrupt { pread(fd, &value, 8, off_t(offset)) }
        return count == 8 ? UInt64(littleEndian: value) : nil
    }
}
