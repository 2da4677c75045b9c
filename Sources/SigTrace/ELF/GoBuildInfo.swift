/// The build information the Go linker writes into `.go.buildinfo`: the Go version and the main module.
///
/// Since Go 1.18 the section starts with a 32-byte header, the magic `"\xff Go buildinf:"`, the pointer size,
/// a flags byte (bit 1: strings are inline), then the version and the module information as
/// uvarint-length-prefixed strings. From Go 1.13 to 1.17 the header is followed instead by two pointers to Go
/// string headers ({data pointer, length}) elsewhere in the image, and the module text sits between two 16-byte
/// sentinels; those are read through the section that holds each virtual address.
public struct GoBuildInfo: Sendable, Hashable {
    /// `go1.19.8`, nil when it cannot be read.
    public var goVersion: String?
    /// The main module's path (`example.com/service`), from the `mod` line, else the `path` line.
    public var mainModule: String?
    /// The main package's import path (`example.com/service/cmd/server`), from the `path` line.
    public var mainPackage: String?

    /// Reads the build information of a Go executable; nil without a `.go.buildinfo` section with the magic.
    public init?(image: ELFImage) {
        guard let section = image.section(named: ".go.buildinfo"), let bytes = image.bytes(of: section) else {
            return nil
        }
        self.init(bytes: bytes, memory: image.bytes(atAddress:count:))
    }

    /// Parses the section bytes; nil when they do not start with the build-info magic. `memory` reads bytes at
    /// a virtual address of the image, for the pre-1.18 layout.
    public init?(bytes: UnsafeRawBufferPointer,
                 memory: ((UInt64, Int) -> UnsafeRawBufferPointer?)? = nil) {
        // The magic is the single byte 0xff followed by ASCII, not the UTF-8 encoding of U+00FF.
        let expected: [UInt8] = [0xFF] + Array(" Go buildinf:".utf8)
        guard bytes.count >= 32, bytes.prefix(expected.count).elementsEqual(expected) else { return nil }
        let flags = bytes[15]
        guard flags & 0x2 != 0 else {
            if let memory { readPointedTo(bytes, memory: memory) }
            return
        }
        var offset = 32
        guard let version = GoBuildInfo.readString(bytes, at: &offset) else { return }
        goVersion = version.isEmpty ? nil : version
        guard let modinfo = GoBuildInfo.readString(bytes, at: &offset) else { return }
        parseModuleInfo(modinfo)
    }

    /// The pre-1.18 layout: byte 14 is the pointer size (4 or 8), byte 15 is 1 for big-endian, then the
    /// addresses of the version's and the module text's string headers.
    mutating func readPointedTo(_ header: UnsafeRawBufferPointer, memory: (UInt64, Int) -> UnsafeRawBufferPointer?) {
        let size = Int(header[14])
        let bigEndian = header[15] & 0x1 != 0
        guard size == 4 || size == 8, header.count >= 16 + 2 * size else { return }
        func pointer(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt64 {
            var value: UInt64 = 0
            for index in 0..<size {
                let byte = UInt64(bytes[offset + (bigEndian ? index : size - 1 - index)])
                value = value << 8 | byte
            }
            return value
        }
        /// A Go string through its header at `address`; nil when any part lies outside the image.
        func string(at address: UInt64) -> [UInt8]? {
            guard let stringHeader = memory(address, 2 * size) else { return nil }
            let data = pointer(stringHeader, at: 0)
            let length = pointer(stringHeader, at: size)
            guard length < 1 << 24, let text = memory(data, Int(length)) else { return nil }
            return Array(text)
        }
        if let version = string(at: pointer(header, at: 16)), !version.isEmpty {
            goVersion = String(decoding: version, as: UTF8.self)
        }
        if let modinfo = string(at: pointer(header, at: 16 + size)), modinfo.count >= 32 {
            parseModuleInfo(String(decoding: modinfo[16..<modinfo.count - 16], as: UTF8.self))
        }
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
