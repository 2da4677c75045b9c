// libFuzzer target: the ELF reader (ELFImage through libelf) and what lint reads with it (BinaryLint: sections,
// symbols, dynamic entries, Go build info), on arbitrary bytes written to an in-memory file. Run with
// scripts/fuzz.
import Glibc
@testable import SigTrace

/// One memfd reused for every input: /proc/self/fd/N is its path.
nonisolated(unsafe) let memfd: Int32 = memfd_create("sigscope-fuzz-elf", 0)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard memfd >= 0 else { fatalError("memfd_create failed") }
    _ = ftruncate(memfd, 0)
    var offset = 0
    while offset < size {
        let written = pwrite(memfd, data + offset, size - offset, off_t(offset))
        guard written > 0 else { fatalError("pwrite failed") }
        offset += written
    }
    let path = "/proc/self/fd/\(memfd)"
    _ = BinaryLint.lint(path: path, display: "fuzz.bin")
    return 0
}
