/// A JSON value whose object keys keep the order they were written in, so reports have stable, readable keys.
/// The one JSON encoder of sigscope: hand-written because reports for thousands of processes must render in
/// milliseconds.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])
    /// JSON already rendered compactly, written as it is (a fragment many documents share, rendered once).
    case raw(String)

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool { lhs.rendered() == rhs.rendered() }

    /// A string or null.
    public static func string(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }

    /// The compact rendering on one line (JSON lines use it).
    public func rendered() -> String {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(to: &out, indent: 0, level: 0)
        return String(decoding: out, as: UTF8.self)
    }

    /// The rendering with two-space indentation.
    public func pretty() -> String {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        write(to: &out, indent: 2, level: 0)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the compact rendering to `out`.
    public func write(compactTo out: inout [UInt8]) { write(to: &out, indent: 0, level: 0) }

    /// A document (`schema_version` first) with one array of `count` elements, rendered one compact element per
    /// line, so a large list stays small and still greps line by line. The elements are rendered on every core in
    /// consecutive slices,
    /// each slice into its own buffer with its own `State` (a cache, say) from `makeState`, by
    /// `element(index, &state, &out)`; `emit` gets the UTF-8 pieces in order, each as soon as it can go out.
    public static func lines<State>(_ key: String, count: Int, makeState: @Sendable () -> State,
                                    element: @Sendable (Int, inout State, inout [UInt8]) -> Void,
                                    emit: @Sendable ([UInt8]) -> Void) {
        var head: [UInt8] = Array("{\"schema_version\": \(JSONSchema.version), ".utf8)
        writeString(key, to: &head)
        head.append(contentsOf: ": [\n".utf8)
        emit(head)
        Lanes.forEachSlice(count, { range in
            var state = makeState()
            var out: [UInt8] = []
            out.reserveCapacity(range.count * 2048)
            for index in range {
                element(index, &state, &out)
                out.append(contentsOf: (index + 1 < count ? ",\n" : "\n").utf8)
            }
            return out
        }, deliver: emit)
        emit(Array("]}\n".utf8))
    }

    /// Writes UTF-8 bytes; `indent` 0 means compact.
    private func write(to out: inout [UInt8], indent: Int, level: Int) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let value): out.append(contentsOf: (value ? "true" : "false").utf8)
        case .int(let value): JSONValue.writeInt(value, to: &out)
        case .double(let value):
            if value.isFinite {
                let text = value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
                out.append(contentsOf: text.utf8)
            } else {
                out.append(contentsOf: "null".utf8)
            }
        case .string(let value): JSONValue.writeString(value, to: &out)
        case .raw(let text):
            if text.utf8.withContiguousStorageIfAvailable({ out.append(contentsOf: $0) }) == nil {
                out.append(contentsOf: text.utf8)
            }
        case .array(let values):
            guard !values.isEmpty else { out.append(contentsOf: "[]".utf8); return }
            out.append(0x5B)
            for (index, value) in values.enumerated() {
                if index > 0 { out.append(0x2C) }
                JSONValue.newline(&out, indent, level + 1)
                value.write(to: &out, indent: indent, level: level + 1)
            }
            JSONValue.newline(&out, indent, level)
            out.append(0x5D)
        case .object(let fields):
            guard !fields.isEmpty else { out.append(contentsOf: "{}".utf8); return }
            out.append(0x7B)
            for (index, (key, value)) in fields.enumerated() {
                if index > 0 { out.append(0x2C) }
                JSONValue.newline(&out, indent, level + 1)
                JSONValue.writeString(key, to: &out)
                out.append(0x3A)
                if indent > 0 { out.append(0x20) }
                value.write(to: &out, indent: indent, level: level + 1)
            }
            JSONValue.newline(&out, indent, level)
            out.append(0x7D)
        }
    }

    /// Decimal digits without an intermediate String.
    static func writeInt(_ value: Int, to out: inout [UInt8]) {
        if value < 0 { out.append(0x2D) }
        var magnitude = value.magnitude
        let start = out.count
        repeat {
            out.append(UInt8(truncatingIfNeeded: magnitude % 10) + 0x30)
            magnitude /= 10
        } while magnitude > 0
        out[start...].reverse()
    }

    private static func newline(_ out: inout [UInt8], _ indent: Int, _ level: Int) {
        guard indent > 0 else { return }
        out.append(0x0A)
        out.append(contentsOf: repeatElement(0x20, count: indent * level))
    }

    static func writeString(_ value: String, to out: inout [UInt8]) {
        out.append(0x22)
        // Most strings need no escaping: copy them whole, straight from their contiguous UTF-8.
        let copied = value.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            for byte in bytes where byte < 0x20 || byte == 0x22 || byte == 0x5C { return false }
            out.append(contentsOf: bytes)
            return true
        }
        if copied == true {
            out.append(0x22)
            return
        }
        for byte in value.utf8 {
            switch byte {
            case 0x22: out.append(contentsOf: [0x5C, 0x22])
            case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, 0x6E])
            case 0x0D: out.append(contentsOf: [0x5C, 0x72])
            case 0x09: out.append(contentsOf: [0x5C, 0x74])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: out.append(byte)
            }
        }
        out.append(0x22)
    }
}
