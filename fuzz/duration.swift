// libFuzzer target: the duration parser (DurationParser: 30s, 2m, 1h30m, 250ms). Run with scripts/fuzz.
@testable import SigTrace

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let duration = try? DurationParser.parse(text) {
        // What callers do with it next must not trap either.
        _ = duration.seconds
    }
    return 0
}
