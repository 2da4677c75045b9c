/// The build information the Go linker writes into `.go.buildinfo`: the Go version and the main module.
///
/// Since Go 1.18 the section starts with a 32-byte header, the magic `"\xff Go buildinf:"`, the pointer size,
/// a flags byte (bit 1: strings are inline), then the version and the module information as
/// uvarint-length-prefixed strings. Older binaries point at the strings through virtual addresses instead;
/// those are recognised but their version is not read.
public struct GoBuildInfo: Sendable, Hashable {
    /// `go1.19.8`, nil for a pre-1.18 layout.
    public var goVersion: String?
    /// The main module's path (`example.com/service`), from the `mod` line, else the `path` line.
    public var mainModule: String?
    /// The main package's import path (`example.com/service/cmd/server`), from the `path` line.
    public var mainPackage: String?


    /// Parses the section bytes; nil when they do not start with the build-info magic.
    public init?(bytes: UnsafeRawBufferPointer) {
        // The magic is the single byte 0xff followed by ASCII, not the UTF-8 encoding of U+00FF.
        let expected: [UInt8] = [0xFF] + Array(" Go buildinf:".utf8)
        guard bytes.count >= 32, bytes.prefix(expected.count).elementsEqual(expected) else { return nil }
        let flags = bytes[15]
        guard flags & 0x2 != 0 else { return }
        var offset = 32
        guard let version = GoBuildInfo.readString(bytes, at: &offset) else { return }
        goVersion = version.isEmpty ? nil : version
        guard let modinfo = GoBuildInfo.readString(bytes, at: &offset) else { return }
        parseModuleInfo(modinfo)
    }

    /// Parses the module-information text (`path\t...`, `mod\t...`, `dep\t...`, `build\t...` lines between
    /// 16-byte sentinels).
    mutating func parseModuleInfo(_ text: String) {
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count >= 2 else { continue }
            let key = fields[0].filter { $0.isASCII && ($0.isLetter) }
            if key == "path" && mainPackage == nil { mainPackage = String(fields[1]) }
            if key == "mod" && mainModule == nil { mainModule = String(fields[1]) }
        }
        if mainModule == nil { mainModule = mainPackage }
    }

    /// Reads a uvarint length and that many bytes as UTF-8; nil when either runs past the end.
    static func readString(_ bytes: UnsafeRawBufferPointer, at offset: inout Int) -> String? {
        var length: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < bytes.count, shift < 64 else { return nil }
            let byte = bytes[offset]
            offset += 1
            length |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
        }
        guard length <= UInt64(bytes.count - offset) else { return nil }
        let end = offset + Int(length)
        let text = String(decoding: bytes[offset..<end], as: UTF8.self)
        offset = end
        return text
    }
}
