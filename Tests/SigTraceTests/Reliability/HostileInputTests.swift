import Foundation
import Testing

@testable import SigTrace

extension ProcessTests {
    /// `sigscope lint` on inputs that used to hang it or eat the machine's memory: a FIFO blocked the open forever;
    /// a 2 GB sparse file named .bin or .yaml (alone or in a folder) was read whole, past 3 GB of memory in 20 s.
    /// Each must end promptly with a finding or exit 2, under 100 MB.
    @Suite struct HostileInput {
        static let memoryCeilingKB = 100 * 1024
        static let twoGB = 2 << 30

        /// Lints `paths` and checks the run ended by itself, under the memory ceiling, with a finding or exit 2.
        func expectRefused(_ paths: [String], mentioning fragment: String,
                           sourceLocation: SourceLocation = #_sourceLocation) throws {
            let run = try measure([TestPaths.sigscope, "lint"] + paths, timeout: .seconds(10))
            #expect(!run.timedOut, "lint \(paths) did not end in 10 s", sourceLocation: sourceLocation)
            // The goal is under a second; the bound is loose because this machine is shared (bench/ has figures).
            #expect(run.seconds < 5, "lint \(paths) took \(run.seconds) s", sourceLocation: sourceLocation)
            #expect(run.peakKB < Self.memoryCeilingKB, "lint \(paths) peaked at \(run.peakKB / 1024) MB",
                    sourceLocation: sourceLocation)
            // A finding (exit 0 or 1 by --fail-on) or a one-line error (exit 2); never a crash.
            #expect(run.exitCode.map { (0...2).contains($0) } == true, "exit \(String(describing: run.status))",
                    sourceLocation: sourceLocation)
            #expect((run.stdout + run.stderr).contains(fragment), "\(run.stdout)\(run.stderr)",
                    sourceLocation: sourceLocation)
        }

        @Test(arguments: ["pipe.yaml", "pipe.bin", "Dockerfile", "pipe"])
        func fifoIsRefusedWithoutBlocking(name: String) throws {
            let scratch = try ScratchDirectory("fifo")
            let fifo = try scratch.fifo(name)
            try expectRefused([fifo], mentioning: "is a FIFO (named pipe), not a regular file")
        }

        @Test(arguments: ["big.bin", "big.yaml", "Dockerfile"])
        func twoGigabyteSparseFileIsNotRead(name: String) throws {
            let scratch = try ScratchDirectory("sparse")
            let file = try scratch.sparse(name, size: Self.twoGB)
            try expectRefused([file], mentioning: name == "big.bin" ? "(2 GB, not read further)" : "is 2 GB")
        }

        @Test func twoGigabyteFilesInAFolder() throws {
            let scratch = try ScratchDirectory("sparse-dir")
            _ = try scratch.sparse("big.yaml", size: Self.twoGB)
            _ = try scratch.sparse("Dockerfile", size: Self.twoGB)
            // Executable, with ELF magic: mapped by libelf, never read whole.
            _ = try scratch.sparse("big.bin", size: Self.twoGB, head: [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1], mode: 0o755)
            try expectRefused([scratch.path], mentioning: "YAML manifests over 4 MB are not read")
        }

        @Test func elfMagicOnATwoGigabyteFileIsMappedNotRead() throws {
            let scratch = try ScratchDirectory("sparse-elf")
            let file = try scratch.sparse("big.bin", size: Self.twoGB, head: [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1])
            try expectRefused([file], mentioning: "elf-corrupt")
        }

        @Test func socketAndDeviceAreRefused() throws {
            let scratch = try ScratchDirectory("socket")
            let socketPath = "\(scratch.path)/s.yaml"
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                _ = socketPath.utf8CString.withUnsafeBytes { memcpy(raw.baseAddress!, $0.baseAddress!, $0.count) }
            }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            try #require(bound == 0)
            try expectRefused([socketPath], mentioning: "is a socket, not a regular file")
            // /dev/zero never ends: read whole it would fill memory.
            try expectRefused(["/dev/zero"], mentioning: "is a character device, not a regular file")
        }

        @Test func oversizeConfigAndReportAreOneLineErrors() throws {
            let scratch = try ScratchDirectory("config")
            let fifo = try scratch.fifo("config.yml")
            let manifest = "\(TestPaths.packageRoot)/fixtures/lint/k8s/grace-zero.yaml"
            for arguments in [["--config", fifo, manifest], ["--check-report", fifo, manifest]] {
                let run = try measure([TestPaths.sigscope, "lint"] + arguments, timeout: .seconds(10))
                #expect(!run.timedOut, "\(arguments)")
                #expect(run.exitCode == 2, "\(arguments): \(String(describing: run.status))")
                #expect(run.stderr.split(separator: "\n").count == 1 && run.stderr.contains("FIFO"), "\(run.stderr)")
            }
        }

        @Test func inputFileLimitsAndKinds() throws {
            let scratch = try ScratchDirectory("input")
            let small = "\(scratch.path)/small.yaml"
            try "a: 1\n".write(toFile: small, atomically: true, encoding: .utf8)
            #expect(try InputFile.readText(small, as: .manifest) == "a: 1\n")
            let tiny = InputFile.Kind("test files", limit: 3)
            #expect(throws: SigscopeError.self) { try InputFile.read(small, as: tiny) }
            let file = try InputFile(path: small)
            #expect(try file.read(upTo: 2) == Array("a:".utf8))
            file.close()
            #expect(InputFile.formatSize(2 << 30) == "2 GB")
            #expect(InputFile.formatSize(1536) == "1.5 KB")
            #expect(InputFile.formatSize(12) == "12 bytes")
        }
    }
}
