// libFuzzer target: the /proc/PID/status parser (ProcStatus), on arbitrary bytes. Run with scripts/fuzz.
@testable import SigTrace

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    _ = try? ProcStatus(bytes: bytes)
    _ = try? ProcStatus(parsing: String(decoding: bytes, as: UTF8.self))
    return 0
}
