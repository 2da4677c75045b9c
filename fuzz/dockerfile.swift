// libFuzzer target: the Dockerfile parser and its rules (Dockerfile, DockerfileLint, which classifies each
// CMD/ENTRYPOINT/RUN through LintShellCommand), on arbitrary text. Run with scripts/fuzz.
@testable import SigTrace

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let dockerfile = Dockerfile(text: text)
    // A context directory that does not exist: COPY'd scripts are looked up and not found, never read.
    _ = DockerfileLint(context: "/nonexistent-sigscope-fuzz").lint(dockerfile, display: "Dockerfile")
    return 0
}
