// libFuzzer target: the shell-command classifier (LintShellCommand) on arbitrary scripts and exec-form argument
// lists. Run with scripts/fuzz.
@testable import SigTrace

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = LintShellCommand(script: text)
    _ = LintShellCommand.commands(in: text)
    let arguments = text.split(separator: "\u{0}", omittingEmptySubsequences: false).map(String.init)
    if let script = LintShellCommand.script(ofArguments: arguments) { _ = LintShellCommand(script: script) }
    return 0
}
