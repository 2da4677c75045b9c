import Foundation
import FoundationNetworking

/// How one HTTP request ended, as the client saw it.
public struct HTTPOutcome: Sendable, Equatable {
    /// The status code, if a response head arrived.
    public var status: Int?
    /// Body bytes received.
    public var bytes: Int
    /// The Content-Length the server announced, if any.
    public var expectedBytes: Int?
    /// The client's error, if the exchange failed (connection refused, reset, cut transfer, timeout).
    public var error: String?
    /// True when the client could not connect at all: the listener is closed.
    public var refused: Bool

    /// A complete exchange: no error, a 2xx or 3xx status, and the whole announced body.
    public var isComplete: Bool {
        guard error == nil, let status, (200..<400).contains(status) else { return false }
        if let expectedBytes { return bytes == expectedBytes }
        return true
    }

    /// A short description: `200, 1000 bytes` or the error.
    public var summary: String {
        var parts: [String] = []
        if let status { parts.append("HTTP \(status)") }
        if status != nil || bytes > 0 {
            parts.append(expectedBytes.map { "\(bytes) of \($0) bytes" } ?? "\(bytes) bytes")
        }
        if let error { parts.append(error) }
        return parts.joined(separator: ", ")
    }
}

/// The HTTP client of `check`: FoundationNetworking's URLSession (libcurl underneath), so sigscope parses no HTTP
/// itself. Each exchange can ask for its own connection (`Connection: close`), which probes and in-flight
/// requests need so that every request is visible as one TCP connection.
public final class HTTPExchange: Sendable {
    let session: URLSession

    /// A client allowing `connections` parallel connections per host; `timeout` bounds every request.
    public init(connections: Int = 16, timeout: Duration = .seconds(30)) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = max(1, connections)
        configuration.timeoutIntervalForRequest = timeout.seconds
        configuration.timeoutIntervalForResource = timeout.seconds
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        session = URLSession(configuration: configuration)
    }

    deinit { session.invalidateAndCancel() }

    /// Starts a GET of `url` and calls `completion` (on a URLSession thread) with its outcome.
    public func start(_ url: URL, closeConnection: Bool = true, completion: @escaping @Sendable (HTTPOutcome) -> Void) {
        var request = URLRequest(url: url)
        request.httpMethod = "GET"
        if closeConnection { request.setValue("close", forHTTPHeaderField: "Connection") }
        let task = session.dataTask(with: request) { data, response, error in
            completion(Self.outcome(data: data, response: response, error: error))
        }
        task.resume()
    }

    /// Runs a GET to completion, or gives up after `timeout` (the request is cancelled).
    public func fetch(_ url: URL, timeout: Duration) -> HTTPOutcome {
        let done = DispatchSemaphore(value: 0)
        let result = ResultBox()
        start(url) { outcome in
            result.set(outcome)
            done.signal()
        }
        if done.wait(timeout: .now() + timeout.seconds) == .timedOut {
            return HTTPOutcome(status: nil, bytes: 0, expectedBytes: nil, error: "timed out", refused: false)
        }
        return result.get() ?? HTTPOutcome(status: nil, bytes: 0, expectedBytes: nil, error: "no result",
                                           refused: false)
    }

    static func outcome(data: Data?, response: URLResponse?, error: (any Error)?) -> HTTPOutcome {
        let http = response as? HTTPURLResponse
        let expected = http.flatMap { $0.expectedContentLength >= 0 ? Int($0.expectedContentLength) : nil }
        var message: String?
        var refused = false
        if let error {
            let code = (error as? URLError)?.code
            refused = code == .cannotConnectToHost
            message = switch code {
            case .cannotConnectToHost: "connection refused"
            case .networkConnectionLost: "connection lost"
            case .timedOut: "timed out"
            default: error.localizedDescription
            }
        }
        return HTTPOutcome(status: http?.statusCode, bytes: data?.count ?? 0, expectedBytes: expected,
                           error: message, refused: refused)
    }

    /// Parses a user-given http:// URL; throws a one-line error for anything else.
    public static func url(_ text: String, option: String) throws(SigscopeError) -> URL {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              url.host != nil else {
            throw SigscopeError(.badInput, "\(option): not an http:// URL: '\(text)'")
        }
        return url
    }

    /// The TCP port a URL connects to.
    public static func port(of url: URL) -> Int { url.port ?? (url.scheme?.lowercased() == "https" ? 443 : 80) }
}

/// One outcome handed from a URLSession thread to the waiting thread.
private final class ResultBox: @unchecked Sendable {
    // Safe: every access holds `lock`.
    private let lock = NSLock()
    private var value: HTTPOutcome?

    func set(_ outcome: HTTPOutcome) { lock.withLock { value = outcome } }
    func get() -> HTTPOutcome? { lock.withLock { value } }
}
