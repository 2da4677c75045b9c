#if canImport(Glibc)
import Glibc
#endif

/// Names the function at a signal handler's address, as illumos `psig` does: the mapping that holds the address
/// in /proc/PID/maps gives the ELF file and its load base, and the file's symbol table the function.
///
/// Used on the kernel backend's assembling thread only (ELFImage is not Sendable); images are read once each.
final class HandlerSymbols {
    private var images: [String: [ELFFunction]] = [:]
    private var resolved: [HandlerKey: (String?, String?)] = [:]

    private struct HandlerKey: Hashable {
        var pid: Int32
        var address: UInt64
    }

    /// One line of /proc/PID/maps that maps a file.
    struct Mapping: Equatable {
        var start: UInt64
        var end: UInt64
        var offset: UInt64
        var path: String
    }

    /// The function name (`on_term`, `handler+0x10`) and file of `address` in `pid`; nils when the process is gone,
    /// the address is in no file mapping, or the file has no symbol for it.
    func resolve(pid: Int32, address: UInt64) -> (symbol: String?, image: String?) {
        let key = HandlerKey(pid: pid, address: address)
        if let known = resolved[key] { return known }
        guard let mappings = remember(pid) ?? lastMaps[pid] else { return (nil, nil) }
        guard let mapping = mappings.first(where: { $0.start <= address && address < $0.end }) else {
            return (nil, nil)
        }
        let base = Self.loadBase(of: mapping.path, in: mappings)
        let functions = functions(of: mapping.path, pid: pid)
        // A fixed-address executable's symbols hold run-time addresses; others' are relative to the load base.
        let symbol = ELFImage.name(of: functions.positionDependent ? address : address &- base, in: functions.list)
        let answer = (symbol, mapping.path)
        if resolved.count > 4096 { resolved.removeAll() }
        resolved[key] = answer
        return answer
    }

    /// Reads and keeps the mappings of `pid` now, so a handler can still be named after the process has exited
    /// (a signal's delivery is often its last act); nil when the process is gone.
    @discardableResult
    func remember(_ pid: Int32) -> [Mapping]? {
        guard let text = try? ProcFiles().read("/proc/\(pid)/maps") else { return nil }
        let mappings = Self.parseMaps(text)
        if lastMaps.count > 256 { lastMaps.removeAll() }
        lastMaps[pid] = mappings
        return mappings
    }

    private var lastMaps: [Int32: [Mapping]] = [:]

    /// The functions of the file at `path`, read through the process's root (so a container's files are found)
    /// and whether it is a fixed-address executable (ET_EXEC).
    private func functions(of path: String, pid: Int32) -> (list: [ELFFunction], positionDependent: Bool) {
        let key = path
        if let list = images[key] { return (list, fixed.contains(key)) }
        var list: [ELFFunction] = []
        for candidate in ["/proc/\(pid)/root" + path, path] {
            guard let image = try? ELFImage(path: candidate) else { continue }
            list = image.functions()
            if image.fileType == 2 { fixed.insert(key) }
            break
        }
        if images.count > 256 { images.removeAll() }
        images[key] = list
        return (list, fixed.contains(key))
    }

    private var fixed: Set<String> = []

    /// Where the file is loaded: the start of its mapping at file offset 0 (its first PT_LOAD segment, which
    /// toolchains place at virtual address 0 in position-independent files).
    static func loadBase(of path: String, in mappings: [Mapping]) -> UInt64 {
        mappings.filter { $0.path == path }.min { $0.start < $1.start }.map { $0.start - $0.offset } ?? 0
    }

    /// `55d0c0a00000-55d0c0a01000 r-xp 00001000 08:01 1234   /usr/bin/app`, file mappings only.
    static func parseMaps(_ text: String) -> [Mapping] {
        var mappings: [Mapping] = []
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            guard parts.count == 6, let dash = parts[0].firstIndex(of: "-"),
                  let start = UInt64(parts[0][..<dash], radix: 16),
                  let end = UInt64(parts[0][parts[0].index(after: dash)...], radix: 16),
                  let offset = UInt64(parts[2], radix: 16) else { continue }
            let path = parts[5].trimmingWhitespaceSubstring()
            guard path.hasPrefix("/") else { continue }
            mappings.append(Mapping(start: start, end: end, offset: offset, path: String(path)))
        }
        return mappings
    }
}
