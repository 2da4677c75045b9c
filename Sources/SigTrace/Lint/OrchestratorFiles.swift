import Foundation

/// Finding and reading systemd units (with their drop-ins) and Compose files (with their override files), for
/// `Linter`: which names they go by, which files systemd and Compose would read together, and suppression
/// across those files.
extension Linter {
    /// NSString's `deletingLastPathComponent` without its trap on a one-character path (`lint -f c`, `lint -`):
    /// `a/b` -> `a`, `/b` -> `/`, `b` -> empty.
    static func parentPath(_ path: String) -> String {
        guard path.count > 1 else { return path == "/" ? "/" : "" }
        return (path as NSString).deletingLastPathComponent
    }

    /// What an orchestrator file is, from its path; nil for anything else.
    static func orchestratorKind(_ path: String) -> LintedFile.Kind? {
        let name = (path as NSString).lastPathComponent.lowercased()
        if name.hasSuffix(".service") { return .systemd }
        let parent = (Linter.parentPath(path) as NSString).lastPathComponent
        if name.hasSuffix(".conf") && parent.hasSuffix(".service.d") { return .systemd }
        if isComposeName(name) { return .compose }
        return nil
    }

    /// The names `docker compose` looks for, and their override files.
    static func isComposeName(_ lower: String) -> Bool {
        ["compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml", "compose.override.yaml",
         "compose.override.yml", "docker-compose.override.yaml", "docker-compose.override.yml"].contains(lower)
    }

    /// True for YAML with a top-level `services:` key and no `apiVersion:`/`kind:`: a Compose file under another
    /// name (`compose.prod.yaml`, `stack.yml`).
    static func looksLikeCompose(_ path: String) -> Bool {
        guard let text = try? InputFile.readText(path, as: .manifest) else { return false }
        var services = false
        for line in text.split(separator: "\n") {
            if line.hasPrefix("apiVersion:") || line.hasPrefix("kind:") { return false }
            if line.hasPrefix("services:") { services = true }
        }
        return services
    }

    /// True when the walk should skip this file because another file it finds reads it: a drop-in whose unit is
    /// beside its directory, an override file beside its Compose file.
    static func readWithAnother(_ path: String) -> Bool {
        let manager = FileManager.default
        let directory = Linter.parentPath(path)
        let name = (path as NSString).lastPathComponent.lowercased()
        if name.hasSuffix(".conf") {
            let dropInDirectory = (directory as NSString).lastPathComponent
            let unit = (Linter.parentPath(directory) as NSString)
                .appendingPathComponent(String(dropInDirectory.dropLast(2)))
            return manager.fileExists(atPath: unit)
        }
        if name.contains(".override.") {
            let base = name.replacingOccurrences(of: ".override", with: "")
            return manager.fileExists(atPath: (directory as NSString).appendingPathComponent(base))
        }
        return false
    }

    /// Lints a unit file with the drop-ins systemd would apply from beside it; a drop-in given on its own is
    /// linted alone.
    func lintSystemdUnit(_ path: String) -> LintedFile {
        // A unit linked to /dev/null is masked: systemd will not start it, so there is nothing to stop.
        if (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) == "/dev/null" {
            return file(path, .systemd, [])
        }
        let text: String
        do { text = try readInput(path, as: .config) } catch { return refused(path, .systemd, error) }
        let isDropIn = path.lowercased().hasSuffix(".conf")
        var unit = SystemdUnit(text: text, path: path)
        if !isDropIn {
            for dropIn in Linter.dropIns(forUnit: path) {
                let dropInText: String
                do { dropInText = try InputFile.readText(dropIn, as: .config) } catch {
                    return refused(dropIn, .systemd, error)
                }
                unit.applyDropIn(text: dropInText, path: dropIn)
            }
        }
        var lint = SystemdUnitLint(budget: StopBudget(manifestLint))
        lint.partial = isDropIn
        return suppressed(path, .systemd, lint.lint(unit, display: path), lines: unit.lines)
    }

    /// The drop-ins systemd applies to the unit at `path` from its own directory: `NAME.service.d/*.conf`, for a
    /// template instance `foo@bar.service` also `foo@.service.d`, and for dashed names the prefix directories
    /// (`a-.service.d` for `a-b.service`), sorted by file name across them as systemd sorts them; a later
    /// directory's file of the same name replaces an earlier one's.
    static func dropIns(forUnit path: String) -> [String] {
        let directory = Linter.parentPath(path)
        let name = (path as NSString).lastPathComponent
        guard name.hasSuffix(".service") else { return [] }
        let stem = String(name.dropLast(".service".count))
        var directories: [String] = []
        var parts = stem.split(separator: "-", omittingEmptySubsequences: false)
        parts.removeLast()
        var prefix = ""
        for part in parts {
            prefix += part + "-"
            directories.append(prefix + ".service.d")
        }
        if let at = stem.firstIndex(of: "@"), stem.index(after: at) != stem.endIndex {
            directories.append(String(stem[...at]) + ".service.d")
        }
        directories.append(name + ".d")
        var byName: [String: String] = [:]
        for dropInDirectory in directories {
            let full = (directory as NSString).appendingPathComponent(dropInDirectory)
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: full) else { continue }
            for file in names where file.hasSuffix(".conf") {
                byName[file] = (full as NSString).appendingPathComponent(file)
            }
        }
        return byName.keys.sorted().map { byName[$0]! }
    }

    /// Applies `.sigscope.yml` and inline comments (each finding against the lines of the file it points at),
    /// then sorts, as `file(_:_:_:)` does for single files.
    func suppressed(_ path: String, _ kind: LintedFile.Kind, _ findings: [Finding], lines: [String: [String]])
        -> LintedFile {
        let inline = findings.filter { finding in
            guard let file = finding.file, let fileLines = lines[file] else { return false }
            return Suppression.inlineSuppresses(finding, lines: fileLines)
        }
        let kept = findings.filter { !inline.contains($0) }
        var result = file(path, kind, kept)
        result.suppressed += inline.count
        return result
    }
}

extension Linter {
    /// Lints a Compose project: the files merged in order as `docker compose -f a -f b` merges them. A single
    /// `compose.yaml` (or `docker-compose.yml`) brings in its `.override` file beside it, as Compose does.
    public func lintCompose(files: [String]) -> LintedFile {
        guard let first = files.first else { return file("", .compose, []) }
        var paths = files
        if files.count == 1 {
            let lower = (first as NSString).lastPathComponent.lowercased()
            if !lower.contains(".override.") {
                let extensionStart = lower.lastIndex(of: ".") ?? lower.endIndex
                let overrideName = String((first as NSString).lastPathComponent.prefix(
                    lower.distance(from: lower.startIndex, to: extensionStart))) + ".override"
                    + String(lower[extensionStart...])
                let override = (Linter.parentPath(first) as NSString)
                    .appendingPathComponent(overrideName)
                if FileManager.default.fileExists(atPath: override) { paths.append(override) }
            }
        }
        var project: ComposeFile?
        for path in paths {
            let text: String
            do { text = try readInput(path, as: .manifest) } catch { return refused(path, .compose, error) }
            do {
                if project == nil { project = try ComposeFile(text: text, file: path) } else {
                    try project!.merge(text: text, file: path)
                }
            } catch {
                let line = Int(error.message.split(separator: "line ").dropFirst().first?
                    .prefix { $0.isNumber } ?? "")
                return file(first, .compose, [Rule.composeInvalid.finding(
                    error.message, hint: "fix the YAML", file: path, line: line)])
            }
        }
        guard let project else { return file(first, .compose, []) }
        let directory = Linter.parentPath(first)
        let lint = ComposeLint(budget: StopBudget(manifestLint))
        // Findings in an override file say so: the report groups them under the first file.
        let findings = lint.lint(project, directory: directory.isEmpty ? "." : directory, read: { try? InputFile.readText($0, as: .dockerfile) }).map {
            var finding = $0
            if let file = finding.file, file != first, let line = finding.line {
                finding.message += " (set in \((file as NSString).lastPathComponent) line \(line))"
            }
            return finding
        }
        let display = paths.count > 1 ? paths.joined(separator: " + ") : first
        var linted = suppressed(display, .compose, findings, lines: project.lines)
        linted.names = project.services.map(\.name)
        return linted
    }
}
