import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// How one HTTP request ended, as the client saw it.
public struct HTTPOutcome: Sendable, Equatable {
    /// The status code, if a final (non-1xx) response head arrived.
    public var status: Int?
    /// Body bytes received (after de-chunking).
    public var bytes: Int
    /// The Content-Length the server announced, if any.
    public var expectedBytes: Int?
    /// Why the exchange failed, if it did.
    public var failure: HTTPFailure?
    /// True when the client could not connect at all: the listener is closed.
    public var refused: Bool { failure == .refused }

    /// A complete exchange: no error, a 2xx or 3xx status, and the whole announced body.
    public var isComplete: Bool {
        guard failure == nil, let status, (200..<400).contains(status) else { return false }
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
        if let failure { parts.append(failure.description) }
        return parts.joined(separator: ", ")
    }

    /// The failure in words, as the JSON report's `error` key gives it: "connection refused", "connection lost"
    /// (closed or reset before the response was whole), "timed out", "malformed response", or the system's error.
    public var error: String? { failure?.description }
}

/// The HTTP client of `check`: a small blocking HTTP/1.1 client on POSIX sockets (URLSession would link
/// FoundationNetworking and libcurl, about 7 ms of start-up on every sigscope invocation).
///
/// Every exchange is one GET on its own TCP connection, closed once the response is read, so each request is
/// visible as one connection of sigscope's (what `InflightRequests` counts). Plain `http://` only: no TLS.
/// Redirects are not followed: a 3xx is the outcome. 1xx interim responses are skipped. The body is counted, not
/// kept: a chunked body is decoded (trailers are not read), others end at their Content-Length or, without one,
/// when the server closes the connection. The timeout bounds the whole exchange, connect included, except the name
/// lookup: `getaddrinfo` cannot be interrupted (an IP address needs no lookup).
public final class HTTPExchange: Sendable {
    /// The longest one exchange may take, waiting for a free connection included.
    let timeout: Duration
    /// One permit per connection that may be open at once.
    let slots: DispatchSemaphore

    /// A client with at most `connections` connections open at once; `timeout` bounds every exchange.
    public init(connections: Int = 16, timeout: Duration = .seconds(30)) {
        self.timeout = timeout
        slots = DispatchSemaphore(value: max(1, connections))
    }

    /// Starts a GET of `url` on a new thread and calls `completion` there with its outcome. `closeConnection` sends
    /// `Connection: close`; either way sigscope closes the connection once the response is read.
    public func start(_ url: URL, closeConnection: Bool = true, completion: @escaping @Sendable (HTTPOutcome) -> Void) {
        let thread = Thread { [self] in
            completion(exchange(url, closeConnection: closeConnection, timeout: timeout))
        }
        thread.stackSize = 512 * 1024
        thread.start()
    }

    /// Runs a GET on the calling thread; it gives up after `timeout` or the client's timeout, whichever is shorter.
    public func fetch(_ url: URL, timeout: Duration) -> HTTPOutcome {
        exchange(url, closeConnection: true, timeout: min(timeout, self.timeout))
    }

    /// Waits for a free connection, then runs the exchange; `timeout` bounds both.
    func exchange(_ url: URL, closeConnection: Bool, timeout: Duration) -> HTTPOutcome {
        let deadline = Clocks.monotonicNanoseconds() + UInt64(max(0, timeout.seconds) * 1e9)
        guard slots.wait(timeout: .now() + timeout.seconds) == .success else {
            return HTTPOutcome(status: nil, bytes: 0, expectedBytes: nil, failure: .timedOut)
        }
        defer { slots.signal() }
        var connection = HTTPConnection(deadline: deadline)
        return connection.get(url, closeConnection: closeConnection)
    }

    /// Parses a user-given http:// URL; throws a one-line error for anything else, https included.
    public static func url(_ text: String, option: String) throws(SigscopeError) -> URL {
        let url = URL(string: text)
        if url?.scheme?.lowercased() == "https" {
            throw SigscopeError(.badInput, "\(option): https is not supported (sigscope speaks plain HTTP to the "
                + "service): '\(text)'")
        }
        guard let url, url.scheme?.lowercased() == "http", let host = url.host, !host.isEmpty else {
            throw SigscopeError(.badInput, "\(option): not an http:// URL: '\(text)'")
        }
        return url
    }

    /// The TCP port a URL connects to: its own, or HTTP's 80.
    public static func port(of url: URL) -> Int { url.port ?? 80 }
}

/// Why an exchange failed.
public enum HTTPFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// Connect got ECONNREFUSED: nothing listens.
    case refused
    /// The server closed or reset the connection before the response was whole.
    case lost
    /// The deadline passed.
    case timedOut
    /// The bytes received are not an HTTP/1.x response.
    case malformed
    /// Anything else, in the system's words.
    case other(String)

    /// The failure a send or recv errno means.
    init(errno code: Int32) {
        switch code {
        case ECONNRESET, EPIPE, ECONNABORTED: self = .lost
        case ETIMEDOUT: self = .timedOut
        default: self = .other(Self.lowercasingFirst(SigscopeError.describe(errno: code)))
        }
    }

    public var description: String {
        switch self {
        case .refused: "connection refused"
        case .lost: "connection lost"
        case .timedOut: "timed out"
        case .malformed: "malformed response"
        case .other(let text): text
        }
    }

    /// "Network is unreachable" as "network is unreachable", to read like the other errors.
    static func lowercasingFirst(_ text: String) -> String { text.prefix(1).lowercased() + text.dropFirst() }
}

/// One GET on its own non-blocking TCP connection: connect, send the request, read the response. Every wait is a
/// poll(2) bounded by the deadline.
struct HTTPConnection {
    /// The end of the exchange, in CLOCK_MONOTONIC nanoseconds.
    let deadline: UInt64
    /// The connected socket, -1 before the connect.
    var socketFD: Int32 = -1
    /// Bytes received and not consumed yet: `buffer[position...]`.
    var buffer: [UInt8] = []
    var position = 0
    /// Where recv writes, before the bytes are appended to `buffer`.
    var scratch = [UInt8](repeating: 0, count: 16 * 1024)
    /// What the outcome reports, filled in as the response arrives.
    var status: Int?
    var bytes = 0
    var expectedBytes: Int?

    /// The longest status, header or chunk-size line accepted.
    static let maximumLine = 16 * 1024

    init(deadline: UInt64) { self.deadline = deadline }

    /// Closes the socket, if one is open.
    mutating func close() {
        if socketFD >= 0 { Glibc.close(socketFD) }
        socketFD = -1
    }

    /// Runs the exchange and closes the connection; the outcome keeps what arrived before any failure.
    mutating func get(_ url: URL, closeConnection: Bool) -> HTTPOutcome {
        defer { close() }
        var failure: HTTPFailure?
        do throws(HTTPFailure) {
            guard url.scheme?.lowercased() == "http", let host = url.host, !host.isEmpty else {
                throw HTTPFailure.other("not an http:// URL")
            }
            try connect(host: host, port: HTTPExchange.port(of: url))
            try send(Self.request(for: url, closeConnection: closeConnection))
            let headers = try readHead()
            try readBody(headers: headers)
        } catch {
            failure = error
        }
        return HTTPOutcome(status: status, bytes: bytes, expectedBytes: expectedBytes, failure: failure)
    }

    /// The request head: GET of the path and query, Host with the port unless it is 80.
    static func request(for url: URL, closeConnection: Bool) -> [UInt8] {
        var target = url.path(percentEncoded: true)
        if target.isEmpty { target = "/" }
        if let query = url.query(percentEncoded: true) { target += "?" + query }
        var host = url.host ?? ""
        if host.contains(":") { host = "[\(host)]" }
        let port = HTTPExchange.port(of: url)
        if port != 80 { host += ":\(port)" }
        var head = "GET \(target) HTTP/1.1\r\nHost: \(host)\r\nUser-Agent: sigscope/\(sigscopeVersion)\r\n"
            + "Accept: */*\r\n"
        if closeConnection { head += "Connection: close\r\n" }
        return Array((head + "\r\n").utf8)
    }

    /// Connects to the first address of `host` that accepts. Refused when no address accepted and one refused.
    mutating func connect(host: String, port: Int) throws(HTTPFailure) {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let lookup = getaddrinfo(host, String(port), &hints, &list)
        guard lookup == 0, let first = list else {
            let reason = lookup == EAI_SYSTEM ? SigscopeError.describe(errno: errno)
                : String(cString: gai_strerror(lookup))
            throw .other("cannot resolve \(host): " + HTTPFailure.lowercasingFirst(reason))
        }
        defer { freeaddrinfo(list) }
        var refused = false
        var lastError: Int32 = 0
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry?.pointee {
            entry = info.ai_next
            socketFD = socket(info.ai_family, info.ai_socktype | Int32(SOCK_NONBLOCK.rawValue)
                | Int32(SOCK_CLOEXEC.rawValue), info.ai_protocol)
            guard socketFD >= 0 else {
                lastError = errno
                continue
            }
            let error = try connectSocket(to: info.ai_addr, length: info.ai_addrlen)
            if error == 0 { return }
            Glibc.close(socketFD)
            socketFD = -1
            if error == ECONNREFUSED { refused = true } else { lastError = error }
        }
        if refused { throw .refused }
        throw HTTPFailure(errno: lastError)
    }

    /// Connects the socket, waiting for the handshake until the deadline; returns 0 or the connect's errno.
    func connectSocket(to address: UnsafeMutablePointer<sockaddr>, length: socklen_t) throws(HTTPFailure) -> Int32 {
        if Glibc.connect(socketFD, address, length) == 0 { return 0 }
        // EINTR: the connect goes on in the background, as with EINPROGRESS.
        guard errno == EINPROGRESS || errno == EINTR else { return errno }
        try wait(for: POLLOUT)
        var error: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(socketFD, SOL_SOCKET, SO_ERROR, &error, &size) == 0 else { return errno }
        return error
    }

    /// Sends all of `bytes`.
    func send(_ bytes: [UInt8]) throws(HTTPFailure) {
        var offset = 0
        while offset < bytes.count {
            let sent = retryOnInterrupt {
                bytes.withUnsafeBytes { raw in
                    Glibc.send(socketFD, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                }
            }
            if sent >= 0 {
                offset += sent
            } else if errno == EAGAIN {
                try wait(for: POLLOUT)
            } else {
                throw HTTPFailure(errno: errno)
            }
        }
    }

    /// Waits until the socket is ready for `events` (or has an error to report), or throws `timedOut`.
    func wait(for events: Int32) throws(HTTPFailure) {
        while true {
            let now = Clocks.monotonicNanoseconds()
            guard now < deadline else { throw .timedOut }
            let milliseconds = Int32(min((deadline - now + 999_999) / 1_000_000, UInt64(Int32.max)))
            var entry = pollfd(fd: socketFD, events: Int16(events), revents: 0)
            let ready = poll(&entry, 1, milliseconds)
            if ready > 0 { return }
            if ready < 0 && errno != EINTR { throw HTTPFailure(errno: errno) }
        }
    }

    /// Appends what the server sent next to the buffer, waiting for it until the deadline; false at end of stream.
    mutating func receive() throws(HTTPFailure) -> Bool {
        while true {
            let received = retryOnInterrupt { scratch.withUnsafeMutableBytes { recv(socketFD, $0.baseAddress, $0.count, 0) } }
            if received >= 0 {
                buffer.append(contentsOf: scratch[..<received])
                return received > 0
            }
            guard errno == EAGAIN else { throw HTTPFailure(errno: errno) }
            try wait(for: POLLIN)
        }
    }

    /// Marks `count` buffered bytes consumed, emptying the buffer once all are.
    mutating func consume(_ count: Int) {
        position += count
        if position == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            position = 0
        }
    }

    /// The next line without its CRLF (or bare LF). Throws `lost` if the stream ends first, `malformed` if the line
    /// is longer than `maximumLine`.
    mutating func readLine() throws(HTTPFailure) -> ArraySlice<UInt8> {
        var scanned = position
        while true {
            if let newline = buffer[scanned...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = newline
                if end > position && buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = buffer[position..<end]
                consume(newline + 1 - position)
                return line
            }
            guard buffer.count - position <= Self.maximumLine else { throw .malformed }
            scanned = buffer.count
            guard try receive() else { throw .lost }
        }
    }

    /// Reads response heads until the final one, skipping 1xx interim responses; sets `status` and returns the
    /// final head's headers, names lowercased, repeated headers joined with ", ".
    mutating func readHead() throws(HTTPFailure) -> [String: String] {
        while true {
            guard let code = Self.statusCode(try readLine()) else { throw .malformed }
            var headers: [String: String] = [:]
            while true {
                let line = try readLine()
                if line.isEmpty { break }
                guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { throw .malformed }
                let name = String(decoding: line[..<colon], as: UTF8.self).lowercased()
                let value = String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingCharacters(in: .whitespaces)
                headers[name] = headers[name].map { "\($0), \(value)" } ?? value
            }
            if code >= 200 {
                status = code
                return headers
            }
        }
    }

    /// The code of a status line `HTTP/1.1 200 OK`, nil if the line is not one.
    static func statusCode(_ line: ArraySlice<UInt8>) -> Int? {
        let parts = String(decoding: line, as: UTF8.self).split(separator: " ", maxSplits: 2,
                                                                omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].utf8.count == 3,
              parts[1].utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
              let code = Int(parts[1]), code >= 100 else { return nil }
        return code
    }

    /// Reads the body the headers describe, counting it into `bytes`.
    mutating func readBody(headers: [String: String]) throws(HTTPFailure) {
        // 204 and 304 have no body, whatever the headers say.
        guard status != 204 && status != 304 else { return }
        if let codings = headers["transfer-encoding"] {
            let last = codings.split(separator: ",").last?.trimmingCharacters(in: .whitespaces).lowercased()
            if last == "chunked" { try readChunks() } else { try readToEnd() }
        } else if let length = headers["content-length"] {
            guard let expected = Int(length), expected >= 0 else { throw .malformed }
            expectedBytes = expected
            try readBytes(expected)
        } else {
            try readToEnd()
        }
    }

    /// Takes `count` body bytes; throws `lost` if the stream ends first.
    mutating func readBytes(_ count: Int) throws(HTTPFailure) {
        var left = count
        while left > 0 {
            if position == buffer.count {
                guard try receive() else { throw .lost }
            }
            let taken = min(left, buffer.count - position)
            bytes += taken
            left -= taken
            consume(taken)
        }
    }

    /// Takes a chunked body up to its last (zero-size) chunk; throws `lost` if the stream ends first.
    mutating func readChunks() throws(HTTPFailure) {
        while true {
            let line = String(decoding: try readLine(), as: UTF8.self)
            let digits = line.prefix { $0 != ";" }.trimmingCharacters(in: .whitespaces)
            guard !digits.isEmpty, digits.allSatisfy(\.isHexDigit), let size = Int(digits, radix: 16) else {
                throw .malformed
            }
            if size == 0 { return }
            try readBytes(size)
            guard try readLine().isEmpty else { throw .malformed }
        }
    }

    /// Takes everything up to the end of the stream: the body of a response that announces no length.
    mutating func readToEnd() throws(HTTPFailure) {
        repeat {
            bytes += buffer.count - position
            consume(buffer.count - position)
        } while try receive()
    }
}
