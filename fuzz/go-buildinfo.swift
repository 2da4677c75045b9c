// libFuzzer target: the Go build-info reader (GoBuildInfo), both layouts: the input is the .go.buildinfo section
// and also the image memory its pre-1.18 pointers point into (addresses are offsets into the input, from 0x1000).
// Run with scripts/fuzz.
@testable import SigTrace

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var bytes = [UInt8](UnsafeBufferPointer(start: data, count: size))
    // Let the fuzzer reach past the magic: give it the magic and let its bytes decide the rest.
    let magic: [UInt8] = [0xFF] + Array(" Go buildinf:".utf8)
    if bytes.first == 0x01 { bytes = magic + bytes.dropFirst() }
    bytes.withUnsafeBytes { raw in
        let memory: (UInt64, Int) -> UnsafeRawBufferPointer? = { address, count in
            guard address >= 0x1000, count >= 0 else { return nil }
            let start = address - 0x1000
            guard start <= UInt64(raw.count), UInt64(count) <= UInt64(raw.count) - start else { return nil }
            return UnsafeRawBufferPointer(rebasing: raw[Int(start)..<Int(start) + count])
        }
        _ = GoBuildInfo(bytes: raw, memory: memory)
    }
    return 0
}
