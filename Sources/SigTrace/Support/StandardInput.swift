#if canImport(Glibc)
import Glibc
#endif

extension InputFile {
    /// Reads standard input to its end as UTF-8 text of `kind`, within the kind's size limit (`lint -`). A
    /// terminal on standard input is refused: nothing would arrive until the user typed it. The corresponding C
    /// function is `read`.
    public static func readStandardInput(as kind: Kind) throws(SigscopeError) -> String {
        if isatty(0) == 1 {
            throw SigscopeError(.badInput, "standard input is a terminal: pipe the file in (`sigscope lint - < FILE`)")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { buffer in
                retryOnInterrupt { Glibc.read(0, buffer.baseAddress, buffer.count) }
            }
            if count < 0 {
                let code = errno
                throw SigscopeError(.unreadableFile,
                                    "cannot read standard input: \(SigscopeError.describe(errno: code))", errno: code)
            }
            if count == 0 { break }
            bytes += chunk[..<count]
            guard bytes.count <= kind.limit else { throw tooLarge("standard input", size: bytes.count, kind: kind) }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw SigscopeError(.unreadableFile, "cannot read standard input: not UTF-8 text")
        }
        return text
    }
}
