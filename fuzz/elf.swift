// libFuzzer target: the ELF reader (ELFImage through libelf) and what lint reads with it (BinaryLint: sections,
// symbols, dynamic entries, Go build info), on arbitrary bytes written to an in-memory file. Run with
// scripts/fuzz.
import Glibc
@testable import SigTrace

/// One file in /dev/shm (memory, not disk) reused for every input; unlinked at once, read through /proc/self/fd/N.
/// (memfd_create is GNU-only, so Swift's Glibc module does not have it.)
let memfd: Int32 = {
    let path = "/dev/shm/sigscope-fuzz-elf-\(getpid())"
    let fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    unlink(path)
    return fd
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard memfd >= 0 else { fatalError("cannot create the input file in /dev/shm") }
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
