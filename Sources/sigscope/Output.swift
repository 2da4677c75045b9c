import ArgumentParser
import SigTrace

/// Writing to stdout and stderr.
enum Output {
    /// Writes text to stdout.
    static func write(_ text: String) { FileOutput.standardOutput.write(text) }

    /// Writes `sigscope: MESSAGE` on stderr.
    static func error(_ message: String) { FileOutput.standardError.write("sigscope: \(message)\n") }
}
