// libFuzzer target: the signal-name parsers (Signal(parsing:): TERM, SIGTERM, 15, RTMIN+3; Signal.parseList),
// on arbitrary text. Run with scripts/fuzz.
@testable import SigTrace

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let signal = try? Signal(parsing: text) { _ = signal.name }
    _ = try? Signal.parseList(text)
    return 0
}
