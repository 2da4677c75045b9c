/// Where the parts of a ring-buffer page sit, from tracefs `events/header_page`:
///
/// ```
/// field: u64 timestamp;	offset:0;	size:8;	signed:0;
/// field: local_t commit;	offset:8;	size:8;	signed:1;
/// field: char data;	offset:16;	size:4080;	signed:0;
/// ```
public struct RingBufferPageLayout: Sendable, Equatable {
    /// The page's base timestamp (the trace clock's nanoseconds).
    public var timestampOffset = 0
    /// The commit word: the bytes of data on the page, with the missed-events flags in bits 31 and 30.
    public var commitOffset = 8
    public var commitSize = 8
    /// Where the first record header sits.
    public var dataOffset = 16

    /// The layout of a 64-bit kernel, for tests; real pages use the parsed `header_page`.
    public init() {}

    /// Parses `header_page`; throws naming `source` when a part is missing.
    public init(parsing text: String, source: String) throws(SigscopeError) {
        var fields: [String: TraceEventFormat.Field] = [:]
        for line in text.split(separator: "\n") {
            if let field = TraceEventFormat.field(String(line).trimmingWhitespace()) { fields[field.name] = field }
        }
        guard let timestamp = fields["timestamp"], let commit = fields["commit"], let data = fields["data"] else {
            throw SigscopeError(.malformedProcText, "\(source): no timestamp, commit or data field")
        }
        timestampOffset = timestamp.offset
        commitOffset = commit.offset
        commitSize = commit.size
        dataOffset = data.offset
    }
}

/// One page read from `per_cpu/cpuN/trace_pipe_raw`, decoded as the kernel's ring buffer writes it
/// (kernel/trace/ring_buffer.c): a page header, then records each behind a 32-bit header whose low 5 bits are
/// `type_len` and high 27 bits the time delta since the previous record.
///
/// - type_len 1...28: a data record of type_len * 4 bytes follows;
/// - 0: a data record whose length (plus 4) is in the next 32-bit word;
/// - 29: padding (a discarded record, or the rest of the page when its delta is 0);
/// - 30: a time extend (delta + next word << 27), 31: an absolute time stamp.
public enum RingBufferPage {
    /// Bit 31 of the commit word: events were lost (overwritten or dropped) before this page.
    static let missedEvents: UInt64 = 1 << 31
    /// Bit 30: their number is stored after the page's data.
    static let missedStored: UInt64 = 1 << 30

    /// What a page said about loss, besides its records.
    public struct Summary: Sendable, Equatable {
        /// Records on the page.
        public var records = 0
        /// The kernel lost events before this page.
        public var missed = false
        /// How many, when the kernel stored the count.
        public var missedCount: Int?
    }

    /// Calls `body` with each data record's trace-clock timestamp and bytes (from `common_type` on); the bytes are
    /// valid only during the call. A malformed page ends the walk at the first record that does not fit.
    @discardableResult
    public static func forEachRecord(in page: UnsafeRawBufferPointer, layout: RingBufferPageLayout,
                                     _ body: (UInt64, UnsafeRawBufferPointer) -> Void) -> Summary {
        var summary = Summary()
        guard page.count >= layout.dataOffset, layout.commitSize == 8 || layout.commitSize == 4 else { return summary }
        var timestamp = page.loadUnaligned(fromByteOffset: layout.timestampOffset, as: UInt64.self)
        let commit = layout.commitSize == 8 ? page.loadUnaligned(fromByteOffset: layout.commitOffset, as: UInt64.self)
            : UInt64(page.loadUnaligned(fromByteOffset: layout.commitOffset, as: UInt32.self))
        let size = Int(commit & ~(missedEvents | missedStored) & 0xFFFF_FFFF)
        let end = min(layout.dataOffset + size, page.count)
        if commit & missedEvents != 0 {
            summary.missed = true
            if commit & missedStored != 0, end + 8 <= page.count {
                summary.missedCount = Int(page.loadUnaligned(fromByteOffset: end, as: UInt64.self))
            }
        }
        var offset = layout.dataOffset
        while offset + 4 <= end {
            let header = page.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
            let typeLength = header & 0x1F
            let delta = UInt64(header >> 5)
            switch typeLength {
            case 29:
                // Padding: a zero delta means the rest of the page is unused.
                guard delta != 0, offset + 8 <= end else { return summary }
                offset += 4 + Int(page.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self))
            case 30:
                guard offset + 8 <= end else { return summary }
                timestamp &+= UInt64(page.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)) << 27 | delta
                offset += 8
            case 31:
                guard offset + 8 <= end else { return summary }
                timestamp = absolute(UInt64(page.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)) << 27
                                     | delta, previous: timestamp)
                offset += 8
            case 0:
                guard offset + 8 <= end else { return summary }
                let length = Int(page.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self))
                guard length >= 4, offset + 4 + length <= end else { return summary }
                timestamp &+= delta
                body(timestamp, UnsafeRawBufferPointer(rebasing: page[offset + 8..<offset + 4 + length]))
                summary.records += 1
                offset += 4 + length
            default:
                let length = Int(typeLength) * 4
                guard offset + 4 + length <= end else { return summary }
                timestamp &+= delta
                body(timestamp, UnsafeRawBufferPointer(rebasing: page[offset + 4..<offset + 4 + length]))
                summary.records += 1
                offset += 4 + length
            }
        }
        return summary
    }

    /// An absolute time stamp carries 59 bits; the top bits come from the running timestamp (rb_fix_abs_ts).
    static func absolute(_ value: UInt64, previous: UInt64) -> UInt64 {
        let topBits: UInt64 = 0xF << 59
        guard previous & topBits != 0 else { return value }
        var fixed = value | (previous & topBits)
        if fixed < previous { fixed &+= 1 << 59 }
        return fixed
    }
}
