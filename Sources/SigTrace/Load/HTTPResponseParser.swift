/// An incremental HTTP/1.1 response parser for the load generator: bytes go in as they arrive from a
/// non-blocking socket, and it says when the response is whole. It reads what `HTTPConnection` reads (1xx interim
/// heads skipped, Content-Length, chunked, or up to the end of the stream) but never blocks, so one thread can
/// drive hundreds of connections through epoll. The body is counted, not kept.
struct HTTPResponseParser {
    /// What the bytes fed so far amount to.
    enum Progress: Equatable {
        case needMore
        case complete
        case malformed
    }

    enum State: Equatable {
        case head
        case fixedBody(left: Int)
        case chunkSize
        case chunkData(left: Int)
        case chunkEnd
        case trailers
        case untilClose
        case done
        case failed
    }

    /// The longest response head (all header lines) and the longest chunk-size or trailer line accepted.
    static let maximumHead = 64 * 1024

    private(set) var state = State.head
    /// The final (non-1xx) status code, once its head is read.
    private(set) var status: Int?
    /// Body bytes counted so far (after de-chunking).
    private(set) var bodyBytes = 0
    /// The Content-Length the server announced.
    private(set) var expectedBytes: Int?
    /// True when the server announced it closes the connection after this response (`Connection: close`, or
    /// HTTP/1.0 without keep-alive), so the connection must not be reused.
    private(set) var closeAnnounced = false
    /// True once any byte of the response has arrived.
    private(set) var sawBytes = false
    /// Bytes of the line or head being assembled.
    private var pending: [UInt8] = []

    init() {}

    /// Feeds bytes as they arrived.
    mutating func feed(_ bytes: UnsafeRawBufferPointer) -> Progress {
        if !bytes.isEmpty { sawBytes = true }
        var index = 0
        let count = bytes.count
        while index < count {
            switch state {
            case .head:
                // Collect until the blank line that ends the head.
                while index < count {
                    let byte = bytes[index]
                    index += 1
                    pending.append(byte)
                    if byte == 0x0A && Self.endsHead(pending) { break }
                }
                if pending.count > Self.maximumHead { return fail() }
                if pending.last == 0x0A && Self.endsHead(pending) {
                    guard parseHead() else { return fail() }
                    if state == .done { return .complete }
                }
            case .fixedBody(let left):
                let taken = min(left, count - index)
                bodyBytes += taken
                index += taken
                state = left - taken == 0 ? .done : .fixedBody(left: left - taken)
                if state == .done { return .complete }
            case .chunkData(let left):
                let taken = min(left, count - index)
                bodyBytes += taken
                index += taken
                state = left - taken == 0 ? .chunkEnd : .chunkData(left: left - taken)
            case .chunkSize, .chunkEnd, .trailers:
                guard let line = takeLine(bytes, &index) else {
                    if pending.count > Self.maximumHead { return fail() }
                    continue
                }
                switch state {
                case .chunkSize:
                    let digits = String(decoding: line.prefix { $0 != UInt8(ascii: ";") }, as: UTF8.self)
                        .trimmingWhitespace()
                    guard !digits.isEmpty, digits.count <= 15, let size = Int(digits, radix: 16) else { return fail() }
                    state = size == 0 ? .trailers : .chunkData(left: size)
                case .chunkEnd:
                    guard line.isEmpty else { return fail() }
                    state = .chunkSize
                default:
                    if line.isEmpty {
                        state = .done
                        return .complete
                    }
                }
            case .untilClose:
                bodyBytes += count - index
                index = count
            case .done:
                // Bytes after a whole response: a pipelining server or garbage; the response stands.
                return .complete
            case .failed:
                return .malformed
            }
        }
        switch state {
        case .done: return .complete
        case .failed: return .malformed
        default: return .needMore
        }
    }

    /// The stream ended: true if that completes the response (a body that runs to the close).
    mutating func endOfStream() -> Bool {
        if state == .untilClose { state = .done }
        return state == .done
    }

    private mutating func fail() -> Progress {
        state = .failed
        return .malformed
    }

    /// True if the head collected so far ends with an empty line (CRLF CRLF or LF LF).
    private static func endsHead(_ bytes: [UInt8]) -> Bool {
        let n = bytes.count
        if n >= 2 && bytes[n - 2] == 0x0A { return true }
        return n >= 4 && bytes[n - 4] == 0x0D && bytes[n - 3] == 0x0A && bytes[n - 2] == 0x0D
    }

    /// One line (without CR LF) once it is whole; partial lines stay pending.
    private mutating func takeLine(_ bytes: UnsafeRawBufferPointer, _ index: inout Int) -> [UInt8]? {
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if byte == 0x0A {
                var line = pending
                pending.removeAll(keepingCapacity: true)
                if line.last == 0x0D { line.removeLast() }
                return line
            }
            pending.append(byte)
        }
        return nil
    }

    /// Parses a collected head; a 1xx head is dropped and the next one awaited.
    private mutating func parseHead() -> Bool {
        let head = pending
        pending.removeAll(keepingCapacity: true)
        var lines = head.split(separator: 0x0A, omittingEmptySubsequences: false).map { line -> ArraySlice<UInt8> in
            line.last == 0x0D ? line.dropLast() : line
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard let statusLine = lines.first, let code = HTTPConnection.statusCode(statusLine) else { return false }
        if code < 200 { return true }
        status = code
        let http10 = statusLine.starts(with: Array("HTTP/1.0".utf8))
        var length: Int?
        var chunked = false
        var connection = ""
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return false }
            let name = String(decoding: line[..<colon], as: UTF8.self).lowercased()
            let value = String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingWhitespace()
            switch name {
            case "content-length":
                guard let number = Int(value), number >= 0 else { return false }
                length = number
            case "transfer-encoding":
                chunked = value.lowercased().split(separator: ",").last.map { String($0).trimmingWhitespace() } == "chunked"
            case "connection":
                connection += "," + value.lowercased()
            default:
                break
            }
        }
        let tokens = Set(connection.split(separator: ",").map { String($0).trimmingWhitespace() })
        closeAnnounced = tokens.contains("close") || (http10 && !tokens.contains("keep-alive"))
        if code == 204 || code == 304 {
            state = .done
        } else if chunked {
            state = .chunkSize
        } else if let length {
            expectedBytes = length
            state = length == 0 ? .done : .fixedBody(left: length)
        } else {
            closeAnnounced = true
            state = .untilClose
        }
        return true
    }
}
