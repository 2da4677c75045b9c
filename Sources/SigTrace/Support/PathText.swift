/// Paths handled as text, never looked up on the host: an image's paths (a Dockerfile's COPY destinations and
/// WORKDIR) and paths compared the way CI systems compare them.
public enum PathText {
    /// The absolute form of `path` without `.`, `..` or repeated slashes, lexically: `/app/./bin/../server` ->
    /// `/app/server`. Unlike NSString's `standardizingPath`, nothing on the host is read: no symlink of the host
    /// (`/bin` -> `/usr/bin` on merged-/usr systems) bends a path meant for an image, and no file system call is made.
    public static func lexical(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            switch part {
            case ".": continue
            case "..": _ = parts.popLast()
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }
}
