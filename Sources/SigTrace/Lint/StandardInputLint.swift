/// `lint -`: one file read from standard input, linted as the kind `--type` names, under the path `-`.
extension Linter {
    /// The kinds `lint -` reads, by the names `--type` takes.
    public static let standardInputKinds: [LintedFile.Kind] = [.dockerfile, .manifest, .systemd, .compose]

    /// The text of an input: standard input's for `-` when it was read, otherwise the file's (`InputFile`).
    func readInput(_ path: String, as kind: InputFile.Kind) throws(SigscopeError) -> String {
        if path == "-", let standardInput { return standardInput.text }
        return try InputFile.readText(path, as: kind)
    }

    /// Lints standard input's text as `kind`: a Dockerfile (COPY sources from `--context`, or the current
    /// directory), a Kubernetes manifest, a systemd unit (no drop-ins: they sit beside a unit's file) or one
    /// Compose file.
    func lintStandardInput(_ text: String, as kind: LintedFile.Kind) -> LintedFile {
        switch kind {
        case .dockerfile: lintDockerfile("-")
        case .manifest: lintManifest("-")
        case .systemd: lintSystemdUnit("-")
        case .compose: lintCompose(files: ["-"])
        case .elf, .report, .image, .unknown:
            file("-", .unknown, [Rule.unknownFileType.finding(
                "standard input cannot be linted as \(kind.rawValue)",
                hint: "give --type " + Linter.standardInputKinds.map(\.rawValue).joined(separator: "|"), file: "-")])
        }
    }
}
