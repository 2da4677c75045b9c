/// One row of /proc/PID/net/tcp or tcp6: a TCP socket of the process's network namespace.
public struct TCPSocket: Sendable, Hashable {
    /// The kernel's TCP states as /proc prints them (include/net/tcp_states.h).
    public enum State: UInt8, Sendable, Hashable {
        case established = 0x01, synSent, synReceived, finWait1, finWait2, timeWait, close, closeWait, lastAck,
             listen, closing, newSynReceived

        /// The kernel's name, lower-cased (`established`, `close_wait`), as JSON reports it.
        public var name: String {
            switch self {
            case .established: "established"
            case .synSent: "syn_sent"
            case .synReceived: "syn_recv"
            case .finWait1: "fin_wait1"
            case .finWait2: "fin_wait2"
            case .timeWait: "time_wait"
            case .close: "close"
            case .closeWait: "close_wait"
            case .lastAck: "last_ack"
            case .listen: "listen"
            case .closing: "closing"
            case .newSynReceived: "new_syn_recv"
            }
        }
    }

    public var local: TCPEndpoint
    public var remote: TCPEndpoint
    public var state: State
    /// The socket's inode, as `/proc/PID/fd/N -> socket:[inode]` names it.
    public var inode: UInt64
}

/// An address and port as /proc/net/tcp holds them.
public struct TCPEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// Dotted IPv4 or bracket-less IPv6 text (`127.0.0.1`, `::1`, `::ffff:127.0.0.1`).
    public var address: String
    public var port: UInt16

    /// `127.0.0.1:5432`, `[::1]:5432`.
    public var description: String { address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)" }
}

/// Parses the TCP tables of /proc (`net/tcp`, `net/tcp6`). Pure: the text is read elsewhere.
public enum TCPTable {
    /// Every row of a table; rows that do not parse are skipped.
    public static func parse(_ text: String) -> [TCPSocket] {
        text.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 9, let local = endpoint(fields[1]), let remote = endpoint(fields[2]),
                  let stateCode = UInt8(fields[3], radix: 16), let state = TCPSocket.State(rawValue: stateCode),
                  let inode = UInt64(fields[9]) else { return nil }
            return TCPSocket(local: local, remote: remote, state: state, inode: inode)
        }
    }

    /// `0100007F:1538` -> 127.0.0.1:5432. IPv4 addresses are one little-endian word; IPv6 ones four.
    static func endpoint(_ field: Substring) -> TCPEndpoint? {
        let parts = field.split(separator: ":")
        guard parts.count == 2, let port = UInt16(parts[1], radix: 16) else { return nil }
        let hex = Array(parts[0].utf8)
        func byte(_ index: Int) -> UInt8? {
            guard index * 2 + 1 < hex.count else { return nil }
            return UInt8(String(decoding: hex[(index * 2)...(index * 2 + 1)], as: UTF8.self), radix: 16)
        }
        switch hex.count {
        case 8:
            guard let bytes = Optional([byte(3), byte(2), byte(1), byte(0)].compactMap { $0 }), bytes.count == 4
            else { return nil }
            return TCPEndpoint(address: bytes.map(String.init).joined(separator: "."), port: port)
        case 32:
            var bytes: [UInt8] = []
            for word in 0..<4 {
                for index in [3, 2, 1, 0] {
                    guard let value = byte(word * 4 + index) else { return nil }
                    bytes.append(value)
                }
            }
            return TCPEndpoint(address: ipv6Text(bytes), port: port)
        default:
            return nil
        }
    }

    /// RFC 5952 text: the longest run of zero groups compressed, an IPv4-mapped address in dotted form.
    static func ipv6Text(_ bytes: [UInt8]) -> String {
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
            return "::ffff:" + bytes[12...].map(String.init).joined(separator: ".")
        }
        let groups = (0..<8).map { UInt16(bytes[$0 * 2]) << 8 | UInt16(bytes[$0 * 2 + 1]) }
        var best: Range<Int>?
        var index = 0
        while index < 8 {
            guard groups[index] == 0 else {
                index += 1
                continue
            }
            var end = index
            while end < 8 && groups[end] == 0 { end += 1 }
            if end - index > 1 && (best == nil || end - index > best!.count) { best = index..<end }
            index = end
        }
        let text = { (range: Range<Int>) in groups[range].map { String($0, radix: 16) }.joined(separator: ":") }
        guard let best else { return text(0..<8) }
        return text(0..<best.lowerBound) + "::" + text(best.upperBound..<8)
    }
}
