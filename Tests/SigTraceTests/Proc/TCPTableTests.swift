import Testing

@testable import SigTrace

/// /proc/net/tcp and tcp6 rows as the kernel prints them, and which are the service's open connections.
@Suite struct TCPTableTests {
    static let tcp = """
          sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
           0: 0100007F:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000   108        0 30211 1 0000 100 0 0 10 0
           1: 0100007F:1538 0100007F:A1A2 01 00000000:00000000 00:00000000 00000000   108        0 30555 1 0000 20 4 30 10 -1
           2: 0100007F:A1A2 0100007F:1538 01 00000000:00000000 00:00000000 00000000     0        0 30554 1 0000 20 4 30 10 -1
           3: 0500000A:C350 0200000A:0050 08 00000000:00000000 00:00000000 00000000   108        0 30600 1 0000 20 4 30 10 -1
        garbage
        """
    static let tcp6 = """
          sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
           0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 40001 1 0000 100 0 0 10 0
           1: 0000000000000000FFFF00000100007F:1F90 0000000000000000FFFF00000100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 40002 1 0000 100 0 0 10 0
        """

    @Test func parsesIPv4AndIPv6Rows() throws {
        let v4 = TCPTable.parse(Self.tcp)
        #expect(v4.count == 4)
        #expect(v4[0].local.description == "127.0.0.1:5432" && v4[0].state == .listen && v4[0].inode == 30211)
        #expect(v4[1].remote.description == "127.0.0.1:41378" && v4[1].state == .established)
        #expect(v4[3].local.description == "10.0.0.5:50000" && v4[3].state == .closeWait)
        let v6 = TCPTable.parse(Self.tcp6)
        #expect(v6[0].local.description == "[::1]:8080")
        #expect(v6[1].remote.description == "[::ffff:127.0.0.1]:54321")
        #expect(TCPTable.ipv6Text([0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [1]) == "2001:db8::1")
    }

    @Test func clientConnectionsAreThoseOnTheServicesListeningPorts() {
        let sockets = TCPTable.parse(Self.tcp)
        // The server owns the listener, the accepted connection and an outgoing one; the client socket is not its.
        let owner: [UInt64: (Int32, String)] = [30211: (10, "postgres"), 30555: (11, "postgres: app"),
                                                30600: (11, "postgres: app")]
        let open = GraceEndState.connections(sockets, owner: owner)
        #expect(open.count == 2)
        #expect(open.filter(\.fromClient).map(\.description) == ["127.0.0.1:41378 -> :5432"])
        #expect(open.filter { !$0.fromClient }.map(\.description) == ["-> 10.0.0.2:80"])
    }
}
