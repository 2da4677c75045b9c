import Foundation
import Synchronization
import Testing

@testable import SigTrace

/// A server on 127.0.0.1 (a free port) for client tests. Its thread takes one connection at a time, reads the
/// request head, records it, then hands the socket to `respond`, which writes what the test scripts; the connection
/// is closed when `respond` returns.
final class ScriptedServer: Sendable {
    let port: Int
    let listener: Int32
    /// The request heads received, in order.
    let requests = Requests()

    /// The request heads a server thread received, shared with the test.
    final class Requests: Sendable {
        let heads = Mutex<[String]>([])
        var all: [String] { heads.withLock { $0 } }
    }

    init(respond: @escaping @Sendable (Int32) -> Void) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(listener, pointer, length) == 0 && listen(listener, 16) == 0
                    && getsockname(listener, pointer, &length) == 0
            }
        }
        guard listening else {
            close(listener)
            throw FixtureError(message: "cannot listen on 127.0.0.1: \(SigscopeError.describe(errno: errno))")
        }
        self.listener = listener
        port = Int(UInt16(bigEndian: address.sin_port))
        let requests = requests
        Thread {
            while true {
                let connection = accept(listener, nil, nil)
                guard connection >= 0 else { break }
                requests.heads.withLock { $0.append(Self.readHead(connection)) }
                respond(connection)
                close(connection)
            }
            close(listener)
        }.start()
    }

    /// Wakes the thread's accept, after which the thread closes the listener and ends.
    deinit { shutdown(listener, Int32(SHUT_RDWR)) }

    var url: String { "http://127.0.0.1:\(port)" }

    /// Reads a request head, up to its blank line.
    static func readHead(_ connection: Int32) -> String {
        var head: [UInt8] = []
        var byte: UInt8 = 0
        while !head.suffix(4).elementsEqual("\r\n\r\n".utf8) && recv(connection, &byte, 1, 0) == 1 { head.append(byte) }
        return String(decoding: head, as: UTF8.self)
    }
}

/// Sends `text` on a connection.
func sendText(_ text: String, to connection: Int32) {
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
}

/// Blocks until the client closes the connection: a server that keeps it open after answering, or never answers.
func waitForClose(_ connection: Int32) {
    var byte: UInt8 = 0
    while recv(connection, &byte, 1, 0) > 0 {}
}

extension ProcessTests {
    /// The HTTP client of `check` against scripted servers on real sockets: bodies by length, chunked and until
    /// close, cut bodies, refused connections, silence, interim responses.
    @Suite struct HTTPExchangeTests {
        let client = HTTPExchange(connections: 4, timeout: .seconds(5))

        @Test func contentLengthBodyAndRequestHead() throws {
            // The server keeps the connection open: the client must stop at the Content-Length.
            let server = try ScriptedServer { connection in
                sendText("HTTP/1.1 200 OK\r\nCONTENT-LENGTH: 11\r\n\r\nhello world", to: connection)
                waitForClose(connection)
            }
            let url = try HTTPExchange.url("\(server.url)/slow?ms=5", option: "--inflight")
            let outcome = client.fetch(url, timeout: .seconds(2))
            #expect(outcome == HTTPOutcome(status: 200, bytes: 11, expectedBytes: 11, failure: nil as HTTPFailure?))
            #expect(outcome.isComplete)
            let head = try #require(server.requests.all.first)
            #expect(head.hasPrefix("GET /slow?ms=5 HTTP/1.1\r\n"))
            #expect(head.contains("\r\nHost: 127.0.0.1:\(server.port)\r\n"))
            #expect(head.contains("\r\nUser-Agent: sigscope/\(sigscopeVersion)\r\n"))
            #expect(head.contains("\r\nAccept: */*\r\n"))
            #expect(head.contains("\r\nConnection: close\r\n"))
        }

        @Test func startCallsBackOnItsOwnThread() throws {
            let server = try ScriptedServer { sendText("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", to: $0) }
            let result = Mutex<HTTPOutcome?>(nil)
            client.start(try HTTPExchange.url(server.url, option: "--inflight")) { outcome in
                result.withLock { $0 = outcome }
            }
            #expect(waitUntil { result.withLock { $0 } != nil })
            #expect(result.withLock { $0 }?.isComplete == true)
            #expect(server.requests.all.first?.hasPrefix("GET / HTTP/1.1\r\n") == true)
        }

        @Test func chunkedBodyDecoded() throws {
            // Chunks in separate writes, a chunk extension, and the connection left open after the last chunk.
            let server = try ScriptedServer { connection in
                sendText("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", to: connection)
                Clocks.sleep(for: .milliseconds(20))
                sendText("1A;note=x\r\n" + String(repeating: "x", count: 26) + "\r\n3E8\r\n", to: connection)
                Clocks.sleep(for: .milliseconds(20))
                sendText(String(repeating: "y", count: 1000) + "\r\n0\r\n\r\n", to: connection)
                waitForClose(connection)
            }
            let outcome = client.fetch(try HTTPExchange.url(server.url, option: "--inflight"), timeout: .seconds(2))
            #expect(outcome == HTTPOutcome(status: 200, bytes: 5 + 26 + 1000, expectedBytes: nil, failure: nil as HTTPFailure?))
            #expect(outcome.isComplete)
        }

        @Test func bodyUntilClose() throws {
            let server = try ScriptedServer { sendText("HTTP/1.1 200 OK\r\n\r\nuntil the end", to: $0) }
            let outcome = client.fetch(try HTTPExchange.url(server.url, option: "--inflight"), timeout: .seconds(2))
            #expect(outcome == HTTPOutcome(status: 200, bytes: 13, expectedBytes: nil, failure: nil as HTTPFailure?))
        }

        @Test func bodyCutShort() throws {
            let server = try ScriptedServer { connection in
                sendText("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + String(repeating: "z", count: 300),
                         to: connection)
            }
            let outcome = client.fetch(try HTTPExchange.url(server.url, option: "--inflight"), timeout: .seconds(2))
            #expect(outcome == HTTPOutcome(status: 200, bytes: 300, expectedBytes: 1000, failure: .lost))
            #expect(!outcome.isComplete)
            #expect(outcome.summary == "HTTP 200, 300 of 1000 bytes, connection lost")
        }

        @Test func chunkedBodyCutBeforeTheLastChunk() throws {
            let server = try ScriptedServer {
                sendText("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n", to: $0)
            }
            let outcome = client.fetch(try HTTPExchange.url(server.url, option: "--inflight"), timeout: .seconds(2))
            #expect(outcome == HTTPOutcome(status: 200, bytes: 4, expectedBytes: nil, failure: .lost))
        }

        @Test func closedBeforeTheHead() throws {
            let server = try ScriptedServer { sendText("HTTP/1.1 200 OK\r\nContent-Le", to: $0) }
            let outcome = client.fetch(try HTTPExchange.url(server.url, option: "--inflight"), timeout: .seconds(2))
            #expect(outcome == HTTPOutcome(status: nil, bytes: 0, expectedBytes: nil, failure: .lost))
        }

        @Test func connectionRefused() throws {
            let url = try HTTPExchange.url("http://127.0.0.1:\(freePort())/", option: "--probe")
            let outcome = client.fetch(url, timeout: .seconds(2))
            #expect(outcome == HTTPOutcome(status: nil, bytes: 0, expectedBytes: nil, failure: .refused))
        }

        @Test func silentServerTimesOut() throws {
            let server = try ScriptedServer { waitForClose($0) }
            let start = Clocks.monotonicNanoseconds()
            let outcome = client.fetch(try HTTPExchange.url(server.url, option: "--probe"), timeout: .milliseconds(300))
            let seconds = Double(Clocks.monotonicNanoseconds() - start) / 1e9
            #expect(outcome == HTTPOutcome(status: nil, bytes: 0, expectedBytes: nil, failure: .timedOut))
            #expect(seconds >= 0.29 && seconds < 1, "took \(seconds) s")
        }

        @Test func interimResponsesSkipped() throws {
            let server = try ScriptedServer { connection in
                sendText("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n", to: connection)
                sendText("HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found", to: connection)
            }
            let outcome = client.fetch(try HTTPExchange.url(server.url, option: "--probe"), timeout: .seconds(2))
            #expect(outcome == HTTPOutcome(status: 404, bytes: 9, expectedBytes: 9, failure: nil as HTTPFailure?))
            #expect(!outcome.isComplete)
        }

        @Test func redirectIsTheOutcome() throws {
            let server = try ScriptedServer { connection in
                sendText("HTTP/1.1 301 Moved Permanently\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n",
                         to: connection)
            }
            let outcome = client.fetch(try HTTPExchange.url(server.url, option: "--probe"), timeout: .seconds(2))
            #expect(outcome == HTTPOutcome(status: 301, bytes: 0, expectedBytes: 0, failure: nil as HTTPFailure?))
            #expect(server.requests.all.count == 1)
        }

        @Test func malformedStatusLine() throws {
            let server = try ScriptedServer { sendText("SSH-2.0-OpenSSH_9.6\r\n\r\n", to: $0) }
            let outcome = client.fetch(try HTTPExchange.url(server.url, option: "--probe"), timeout: .seconds(2))
            #expect(outcome.error == "malformed response")
            #expect(outcome.status == nil)
        }

        @Test func httpsRejectedByTheCLI() throws {
            let result = try sigscope("check", "--probe", "https://127.0.0.1:8443/", "--", "true")
            #expect(result.exitCode == 2)
            #expect(result.stderr.contains("--probe: https is not supported (sigscope speaks plain HTTP to the "
                + "service): 'https://127.0.0.1:8443/'"), "stderr: \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1)
        }
    }
}

/// What `HTTPExchange.url` accepts: http:// URLs with a host, nothing else.
@Suite struct HTTPURLTests {
    @Test func httpsRejected() {
        #expect(throws: SigscopeError(.badInput, "--inflight: https is not supported (sigscope speaks plain HTTP to "
            + "the service): 'https://example.com/'")) {
            try HTTPExchange.url("https://example.com/", option: "--inflight")
        }
        #expect(throws: SigscopeError.self) { try ReadinessProbe(parsing: "HTTPS://example.com/") }
    }

    @Test func onlyHTTPWithAHost() throws {
        for text in ["ftp://example.com/", "http:/path", "example.com:80", "http://"] {
            #expect(throws: SigscopeError(.badInput, "--probe: not an http:// URL: '\(text)'")) {
                try HTTPExchange.url(text, option: "--probe")
            }
        }
        let url = try HTTPExchange.url("HTTP://[::1]:8080/a%20b?x=1#top", option: "--probe")
        #expect(HTTPExchange.port(of: url) == 8080)
        let head = String(decoding: HTTPConnection.request(for: url, closeConnection: false), as: UTF8.self)
        #expect(head == "GET /a%20b?x=1 HTTP/1.1\r\nHost: [::1]:8080\r\nUser-Agent: sigscope/\(sigscopeVersion)\r\n"
            + "Accept: */*\r\n\r\n")
        let plain = try HTTPExchange.url("http://example.com", option: "--probe")
        #expect(HTTPExchange.port(of: plain) == 80)
        #expect(String(decoding: HTTPConnection.request(for: plain, closeConnection: true), as: UTF8.self)
            .hasPrefix("GET / HTTP/1.1\r\nHost: example.com\r\n"))
    }
}
