import Foundation
import Testing

@testable import SigTrace

/// A small deterministic generator, so a failing corruption case can be replayed from its seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension ProcessTests {
    /// Truncated and bit-flipped ELF files, garbage YAML and Dockerfiles: each gives findings for that file and
    /// never a crash (a crash here would take the whole test process down).
    @Suite final class LintCorruption {
        let directory: String

        deinit { try? FileManager.default.removeItem(atPath: directory) }

        init() throws {
            directory = NSTemporaryDirectory() + "sigscope-lint-corrupt-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }

        func write(_ bytes: [UInt8], _ name: String, executable: Bool = true) throws -> String {
            let path = "\(directory)/\(name)"
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            if executable { chmod(path, 0o755) }
            return path
        }

        @Test func truncatedELFs() throws {
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: try Fixtures.c("lint-sigaction"))))
            for size in [0, 1, 4, 16, 40, 63, 64, 65, 300, 1000, bytes.count / 2, bytes.count - 300, bytes.count - 1] {
                let path = try write(Array(bytes.prefix(size)), "truncated-\(size)")
                let (_, findings) = BinaryLint.lint(path: path, display: path)
                #expect(!findings.isEmpty, "size \(size)")
                #expect(findings.allSatisfy { $0.file == path })
                if size < bytes.count / 2 {
                    #expect(findings.contains { $0.rule == "elf-corrupt" }, "size \(size): \(findings.map(\.rule))")
                }
            }
        }

        @Test(arguments: ["c", "go"])
        func bitFlippedELFs(kind: String) throws {
            let source = kind == "c" ? try Fixtures.c("lint-signalfd") : try Fixtures.go("lint-notify")
            let original = Array(try Data(contentsOf: URL(fileURLWithPath: source)))
            var random = SplitMix64(state: kind == "c" ? 1 : 2)
            let (originalFacts, _) = BinaryLint.lint(path: source, display: source)
            let runtime = try #require(originalFacts?.runtime)
            // Aim at what parsers read: the ELF header, the section header table at the end, .go.buildinfo (found
            // by its magic in the file, so the flips really land in it).
            var hot: [Range<Int>] = [0..<64, max(0, original.count - 4096)..<original.count]
            let magic: [UInt8] = [0xFF] + Array(" Go buildinf:".utf8)
            if kind == "go" {
                let offset = try #require(original.indices.dropLast(magic.count).first {
                    original[$0..<$0 + magic.count].elementsEqual(magic)
                })
                hot.append(offset..<min(original.count, offset + 256))
            }
            let allowed = Set((Rule.fileRules + Rule.binaryRules).map(\.id))
            var corrupt = 0, parsed = 0
            for round in 0..<120 {
                var bytes = original
                let magicRound = round % 10 == 9
                if magicRound {
                    // A flip in the ELF magic: no longer an ELF file at all.
                    bytes[Int.random(in: 0..<4, using: &random)] ^= 0x20
                }
                for _ in 0..<Int.random(in: 1...8, using: &random) where !magicRound {
                    let range = round % 3 == 2 ? 0..<bytes.count : hot[Int.random(in: 0..<hot.count, using: &random)]
                    let index = Int.random(in: range, using: &random)
                    bytes[index] ^= UInt8(1) << UInt8.random(in: 0...7, using: &random)
                }
                let path = try write(bytes, "flipped-\(kind)-\(round)")
                let (facts, findings) = BinaryLint.lint(path: path, display: path)
                #expect(findings.allSatisfy { allowed.contains($0.rule) && $0.file == path }, "round \(round)")
                if magicRound {
                    #expect(findings.map(\.rule) == ["elf-corrupt"], "round \(round): \(findings.map(\.rule))")
                }
                if findings.contains(where: { $0.rule == "elf-corrupt" }) {
                    // Corrupt beyond the header: what could be read is still reported beside the finding.
                    corrupt += 1
                } else {
                    // Still an ELF file: the flips may change what is linked, not what runtime made it, unless they
                    // hit the very sections that tell (then it reads as plain C).
                    let seen = try #require(facts?.runtime, "round \(round)")
                    #expect(seen == runtime || seen == .c, "round \(round): \(seen)")
                    parsed += 1
                }
                unlink(path)
            }
            // Both outcomes happen: a reader that refused every flipped file, or accepted every one, fails here.
            #expect(corrupt >= 12 && parsed > 0, "corrupt \(corrupt), parsed \(parsed)")
        }

        @Test func goBuildInfoOnRandomBytes() {
            var random = SplitMix64(state: 3)
            let magic: [UInt8] = [0xFF] + Array(" Go buildinf:".utf8)
            // A well-formed 1.18+ header with inline strings reads back exactly.
            let version = Array("go1.22.3".utf8)
            let well = magic + [8, 2] + [UInt8](repeating: 0, count: 16) + [UInt8(version.count)] + version + [0]
            let parsed = well.withUnsafeBytes { GoBuildInfo(bytes: $0) }
            #expect(parsed?.goVersion == "go1.22.3")
            var versions = 0
            for _ in 0..<500 {
                let count = Int.random(in: 0...80, using: &random)
                var bytes = magic + (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
                if bytes.count > 15 { bytes[15] |= 2 }
                // Whatever it reads must come from the input: never from past its end.
                let info = bytes.withUnsafeBytes { GoBuildInfo(bytes: $0) }
                if bytes.count < 32 { #expect(info == nil) }
                if let text = info?.goVersion {
                    versions += 1
                    let utf8 = Array(text.utf8)
                    let inside = bytes.count >= 33 && bytes.indices.contains { start in
                        start + utf8.count <= bytes.count && bytes[start..<start + utf8.count].elementsEqual(utf8)
                    }
                    #expect(inside || text.contains("\u{FFFD}"), "version read from outside the input")
                }
            }
            #expect(versions > 0)
        }

        /// The pre-1.18 layout follows pointers: random ones into a random image must be refused, never followed
        /// out of it; a valid pair of pointers reads the strings they point at.
        @Test func oldGoBuildInfoWithRandomPointers() {
            var random = SplitMix64(state: 5)
            let magic: [UInt8] = [0xFF] + Array(" Go buildinf:".utf8)
            let base: UInt64 = 0x1000
            var image = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &random) }
            // At 0x1100 a string header {0x1200, 8} for "go1.16.3" at 0x1200.
            func little(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) } }
            image.replaceSubrange(0x100..<0x110, with: little(0x1200) + little(8))
            image.replaceSubrange(0x200..<0x208, with: Array("go1.16.3".utf8))
            image.withUnsafeBytes { memoryBytes in
                func memory(_ address: UInt64, _ count: Int) -> UnsafeRawBufferPointer? {
                    guard address >= base, count >= 0, address - base + UInt64(count) <= UInt64(memoryBytes.count)
                    else { return nil }
                    let start = Int(address - base)
                    return UnsafeRawBufferPointer(rebasing: memoryBytes[start..<start + count])
                }
                let valid = magic + [8, 0] + little(0x1100) + little(0x9_0000) + [UInt8](repeating: 0, count: 16)
                let info = valid.withUnsafeBytes { GoBuildInfo(bytes: $0, memory: memory) }
                #expect(info?.goVersion == "go1.16.3")
                #expect(info?.mainModule == nil)
                for round in 0..<500 {
                    var header = magic + [round % 3 == 0 ? 4 : 8, UInt8(round % 2)]
                    // Pointers near the image, so some land inside it and lead to random string headers.
                    for _ in 0..<2 {
                        let address = base + UInt64.random(in: 0...4200, using: &random)
                        header += (0..<8).map { UInt8(truncatingIfNeeded: address >> (8 * UInt64($0))) }
                    }
                    header += [UInt8](repeating: 0, count: max(0, 32 - header.count))
                    let info = header.withUnsafeBytes { GoBuildInfo(bytes: $0, memory: memory) }
                    // A version can only come from inside the image.
                    if let text = info?.goVersion, !text.contains("\u{FFFD}") {
                        let utf8 = Array(text.utf8)
                        #expect(image.indices.contains { start in
                            start + utf8.count <= image.count && image[start..<start + utf8.count].elementsEqual(utf8)
                        }, "round \(round)")
                    }
                }
            }
        }

        @Test func garbageYAMLAndDockerfiles() throws {
            var random = SplitMix64(state: 4)
            let valid = try String(contentsOfFile: "\(TestPaths.packageRoot)/fixtures/lint/k8s/prestop.yaml",
                                   encoding: .utf8)
            let alphabet = Array(":-[]{}\"'&*!|>%@`#\n\t ,?".utf8)
            var linted = 0
            for round in 0..<150 {
                var bytes = Array(valid.utf8)
                for _ in 0..<Int.random(in: 1...12, using: &random) {
                    let index = Int.random(in: 0..<bytes.count, using: &random)
                    bytes[index] = round % 2 == 0 ? alphabet.randomElement(using: &random)!
                        : UInt8.random(in: 0...255, using: &random)
                }
                let yaml = try write(bytes, "garbage-\(round).yaml", executable: false)
                let docker = try write(bytes, "garbage-\(round).Dockerfile", executable: false)
                for path in [yaml, docker] {
                    let file = Linter().lintFile(path)
                    #expect(file.findings.allSatisfy { $0.file == path })
                    linted += 1
                }
            }
            #expect(linted == 300)
            let binary = try write((0..<4096).map { _ in UInt8.random(in: 0...255, using: &random) }, "noise.yaml")
            let file = Linter().lintFile(binary)
            #expect([["file-unreadable"], ["manifest-invalid"]].contains(file.findings.map(\.rule)))
        }

        @Test func cliLintsTheRestAfterBadFiles() throws {
            let elf = Array(try Data(contentsOf: URL(fileURLWithPath: try Fixtures.c("lint-sigaction"))))
            let truncated = try write(Array(elf.prefix(100)), "truncated")
            var flipped = elf
            flipped[0] ^= 0x01
            let notELF = try write(flipped, "flipped-magic")
            let garbage = try write(Array("kind: Pod\nspec: [unclosed\n  - : :\n".utf8), "garbage.yaml",
                                    executable: false)
            let good = "\(TestPaths.packageRoot)/fixtures/lint/docker/shell-form.Dockerfile"
            let result = try sigscope("lint", "--format", "json", truncated, notELF, garbage, directory,
                                      "\(directory)/missing", good)
            #expect(result.exitCode == 1)
            #expect(result.stderr.isEmpty)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let findings = try #require(json["findings"] as? [[String: Any]])
            func rules(_ file: String) -> [String] {
                findings.filter { $0["file"] as? String == file }.compactMap { $0["rule"] as? String }
            }
            #expect(rules(truncated) == ["elf-corrupt"])
            #expect(rules(notELF) == ["unknown-file-type"])
            #expect(rules(garbage) == ["manifest-invalid"])
            #expect(rules("\(directory)/missing") == ["file-unreadable"])
            #expect(rules(good) == ["shell-form-pid1"])
            // The directory was walked, and the files already named were not linted twice.
            let files = try #require(json["files"] as? [[String: Any]]).compactMap { $0["file"] as? String }
            #expect(files.count == Set(files).count)
        }
    }
}
