import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// When a service counts as ready to be signalled: `tcp:HOST:PORT`, `http://URL` (a 2xx answer), `log:REGEX`
/// (a line of its stdout or stderr) or `delay:DURATION`.
public enum ReadinessProbe: Sendable, Equatable, CustomStringConvertible {
    case tcp(host: String, port: UInt16)
    case http(url: String)
    case log(pattern: String)
    case delay(Duration)

    /// Parses a `--ready` value; throws a one-line error naming the value.
    public init(parsing text: String) throws(SigscopeError) {
        let lower = text.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
            _ = try HTTPExchange.url(text, option: "--ready")
            self = .http(url: text)
        } else if lower.hasPrefix("tcp:") {
            let rest = text.dropFirst(4)
            guard let colon = rest.lastIndex(of: ":"), let port = UInt16(rest[rest.index(after: colon)...]),
                  port > 0 else {
                throw SigscopeError(.badInput, "--ready \(text): use tcp:HOST:PORT, such as tcp:127.0.0.1:8080")
            }
            var host = String(rest[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            self = .tcp(host: host.isEmpty ? "127.0.0.1" : host, port: port)
        } else if lower.hasPrefix("log:") {
            let pattern = String(text.dropFirst(4))
            do {
                _ = try Regex(pattern)
            } catch {
                throw SigscopeError(.badInput, "--ready \(text): not a regular expression: \(error)")
            }
            guard !pattern.isEmpty else { throw SigscopeError(.badInput, "--ready log: needs a regular expression") }
            self = .log(pattern: pattern)
        } else if lower.hasPrefix("delay:") {
            self = .delay(try DurationParser.parse(String(text.dropFirst(6))))
        } else {
            throw SigscopeError(.badInput, "--ready '\(text)': use tcp:HOST:PORT, http://URL, log:REGEX or "
                + "delay:DURATION")
        }
    }

    public var description: String {
        switch self {
        case .tcp(let host, let port): host.contains(":") ? "tcp:[\(host)]:\(port)" : "tcp:\(host):\(port)"
        case .http(let url): url
        case .log(let pattern): "log:\(pattern)"
        case .delay(let duration): "delay:\(ShutdownVerdict.format(duration.seconds))s"
        }
    }
}

/// Checks readiness probes, one attempt at a time, so the caller's loop can also watch for the service's exit and
/// for interruptions between attempts.
final class ReadinessChecker: Sendable {
    let probes: [ReadinessProbe]
    let output: ServiceOutput?
    let client = HTTPExchange(connections: 2, timeout: .seconds(2))
    /// When the service was started, for `delay:`.
    let start: UInt64

    init(probes: [ReadinessProbe], output: ServiceOutput?, start: UInt64) {
        self.probes = probes
        self.output = output
        self.start = start
    }

    /// True when every probe passes now.
    func isReady() -> Bool { probes.allSatisfy(passes) }

    func passes(_ probe: ReadinessProbe) -> Bool {
        switch probe {
        case .delay(let duration):
            return Double(Clocks.monotonicNanoseconds() - start) / 1e9 >= duration.seconds
        case .log(let pattern):
            guard let output, let regex = try? Regex(pattern) else { return false }
            return output.text().split(separator: "\n").contains { $0.contains(regex) }
        case .tcp(let host, let port):
            return Self.connects(host: host, port: port)
        case .http(let text):
            guard let url = URL(string: text) else { return false }
            let outcome = client.fetch(url, timeout: .seconds(2))
            return outcome.error == nil && outcome.status.map { (200..<300).contains($0) } == true
        }
    }

    /// True when a TCP connection to host:port is accepted within a second (the connect of `check`'s HTTP
    /// client, closed at once).
    static func connects(host: String, port: UInt16) -> Bool {
        var connection = HTTPConnection(deadline: Clocks.monotonicNanoseconds() + 1_000_000_000)
        defer { connection.close() }
        return (try? connection.connect(host: host, port: Int(port))) != nil
    }
}
