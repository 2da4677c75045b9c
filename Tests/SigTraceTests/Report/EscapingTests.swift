import Testing

@testable import SigTrace

/// The three escapings built on `String.substituting`: HTML, the Prometheus exposition format, one-line messages.
@Suite struct EscapingTests {
    @Test func eachFormatEscapesWhatItCannotHoldAndKeepsTheRest() {
        #expect("a<b & \"c\">é".substituting(["&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;"])
                == "a&lt;b &amp; &quot;c&quot;&gt;é")
        #expect(FleetMetrics.escape("C:\\dir \"x\"\nnext") == "C:\\\\dir \\\"x\\\"\\nnext")
        // A CRLF is one Character in Swift: it is written as both escapes, not dropped.
        #expect("run\tthis\r\nthen\nthat".replacingNewlines() == "run\\tthis\\r\\nthen\\nthat")
        #expect("".substituting(["a": "b"]) == "")
    }
}
