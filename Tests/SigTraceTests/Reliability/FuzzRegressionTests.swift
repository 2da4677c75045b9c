import Foundation
import Testing

@testable import SigTrace

extension ProcessTests {
    /// Inputs the fuzz targets of fuzz/ found, kept as tests once fixed.
    @Suite struct FuzzRegressions {
        /// fuzz/dockerfile (input below): `COPY .. .` made the context's parent a COPY source. For the fuzzer's
        /// missing context that was the host's /, whose files lint then looked up for every COPY and CMD: about
        /// 0.15 s for 322 bytes, over the 1 s hang limit on a loaded machine. Docker refuses a source outside the
        /// build context, so it is no file of the image.
        static let copyParentInput = Data(base64Encoded: """
            RlJPTSBub2RlOjIyLXNsaWFsbCAteSAKQ09QWSAuLiAuCkNNRCBAW0NPUFkgLi4gLgpDTUQgIC15IApDT1BbIC4uIC4KQ01EIEBbIm4gLgoFTm90\
            aW5pMQpXT0RLMElSYXQvYXBwTm90aW5pMQpXT0RLMElSYXQvYXBwCkNPUFkgLnRpbmkxCldPREswSVJhdC9hcHAKQ09QWSAuLiAuCkNNRCAgLXkg\
            CkNPUFkgLi4gLgpDTUQgQFsibiAuCgVOb3RpbmkxCldPREswSVJhdC9hcHBOb3RpbmkxCldPREswSVJhdC9hcHAKQ09QWSAuLiAuCkNNRCAgLXkg\
            CkNPUFkgLi4gLi4gLgpDKUQgIC15IApDT1BZIC4uIC4KQ01EIEBbIm4gLgoFTm90aW5pMAoKQ09QWSBAWyJuIC4KBU5vVA==
            """)!

        /// fuzz/dockerfile: an input with many COPY and CMD lines ran 6 s on a loaded machine, in
        /// `standardizingPath` resolving image paths against the host's file system, symlink by symlink. Image paths
        /// are now normalised as text: no file system call, and no host symlink (`/bin` -> `usr/bin` on merged-/usr
        /// hosts) bends a path meant for the image.
        @Test func imagePathsAreNormalisedAsTextNotThroughTheHostsSymlinks() throws {
            #expect(PathText.lexical("/app/./bin/../server") == "/app/server")
            #expect(PathText.lexical("//usr//bin/") == "/usr/bin")
            #expect(PathText.lexical("/../x") == "/x")
            let context = NSTemporaryDirectory() + "sigscope-lexical-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: context, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: context) }
            try "#!/bin/sh\nexec /server\n".write(toFile: context + "/entry.sh", atomically: true, encoding: .utf8)
            let dockerfile = Dockerfile(text: "FROM debian:12\nCOPY entry.sh /bin/entry.sh\nENTRYPOINT [\"/bin/entry.sh\"]\n")
            let build = BuildContext(explicit: context, dockerfileDirectory: context)
            #expect(build.file(at: "/bin/entry.sh", instructions: try #require(dockerfile.stages.last).instructions)?.line == 2)
            #expect(build.file(at: "/bin/./x/../entry.sh", instructions: try #require(dockerfile.stages.last).instructions)?.line == 2)
            // /usr/bin/entry.sh is another path in the image, whatever /bin is on the host running lint.
            #expect(build.file(at: "/usr/bin/entry.sh", instructions: try #require(dockerfile.stages.last).instructions) == nil)
        }

        @Test func aCopySourceOutsideTheContextIsNotFollowed() throws {
            #expect(BuildContext.contextPath("/ctx", "..") == nil)
            #expect(BuildContext.contextPath("/ctx", "../etc/passwd") == nil)
            #expect(BuildContext.contextPath("/ctx", "a/../../b") == nil)
            #expect(BuildContext.contextPath("/ctx", ".") == "/ctx")
            #expect(BuildContext.contextPath("/ctx", "a/../b") == "/ctx/b")
            #expect(BuildContext.contextPath("/ctx", "/start.sh") == "/ctx/start.sh")
            #expect(BuildContext.contextPath("/", "etc") == "/etc")

            // A script beside the context, reachable only through `COPY ..`, is not judged as the image's.
            let scratch = try ScratchDirectory("copy-parent")
            let context = scratch.path + "/context"
            try FileManager.default.createDirectory(atPath: context, withIntermediateDirectories: true)
            let script = "#!/bin/sh\necho starting >&2\n./myserver --port 8080\n"
            func lint(_ copy: String) -> [String] {
                let text = "FROM debian:bookworm-slim\nWORKDIR /app\n\(copy)\nENTRYPOINT [\"./start.sh\"]\n"
                return DockerfileLint(context: context).lint(Dockerfile(text: text), display: "Dockerfile").map(\.rule)
            }
            try script.write(toFile: context + "/start.sh", atomically: true, encoding: .utf8)
            #expect(lint("COPY . .").contains("entrypoint-script-no-exec"))
            try FileManager.default.removeItem(atPath: context + "/start.sh")
            try script.write(toFile: scratch.path + "/start.sh", atomically: true, encoding: .utf8)
            let outside = lint("COPY .. .")
            #expect(!outside.contains("entrypoint-script-no-exec"), "\(outside)")

            // The fuzzer's input itself, as the target runs it.
            let text = String(decoding: Self.copyParentInput, as: UTF8.self)
            _ = DockerfileLint(context: "/nonexistent-sigscope-fuzz").lint(Dockerfile(text: text), display: "Dockerfile")
            #expect(Dockerfile(text: text).stages.flatMap(\.instructions).contains { $0.keyword == "COPY" && $0.arguments == ".. ." })
        }
    }
}
