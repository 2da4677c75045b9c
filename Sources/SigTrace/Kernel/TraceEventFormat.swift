/// The binary layout of one trace event, as its tracefs `format` file states it: the event's id (the
/// `common_type` every record starts with) and each field's offset, size and signedness. Records are decoded
/// with these offsets, never with numbers compiled in, so a kernel that moves a field is still read right.
///
/// ```
/// name: signal_generate
/// ID: 261
/// format:
///     field:unsigned short common_type;	offset:0;	size:2;	signed:0;
///     field:int sig;	offset:8;	size:4;	signed:1;
///     field:char comm[16];	offset:20;	size:16;	signed:0;
/// ```
public struct TraceEventFormat: Sendable, Equatable {
    /// One field of a record.
    public struct Field: Sendable, Equatable {
        /// The C declaration's name, without array brackets: `sig`, `comm`, `common_pid`.
        public var name: String
        /// The C type as written, e.g. `unsigned long`, `char` (for `char comm[16]`), `__data_loc char[]`.
        public var type: String
        public var offset: Int
        public var size: Int
        public var signed: Bool
    }

    /// The event's name (`signal_generate`).
    public var name: String
    /// The event id: the value of `common_type` in its records.
    public var id: UInt16
    /// The fields in file order.
    public var fields: [Field]

    /// Parses the text of a `format` file; throws a one-line error naming `source` when the name, the id or a
    /// field line is missing or malformed.
    public init(parsing text: String, source: String) throws(SigscopeError) {
        var name: String?
        var id: UInt16?
        var fields: [Field] = []
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = String(rawLine).trimmingWhitespace()
            if line.hasPrefix("name:") {
                name = String(line.dropFirst(5)).trimmingWhitespace()
            } else if line.hasPrefix("ID:") {
                id = UInt16(String(line.dropFirst(3)).trimmingWhitespace())
            } else if line.hasPrefix("field:") {
                guard let field = Self.field(line) else {
                    throw SigscopeError(.malformedProcText, "\(source): unreadable field line '\(line)'")
                }
                fields.append(field)
            }
        }
        guard let name, let id else {
            throw SigscopeError(.malformedProcText, "\(source): no event name or ID")
        }
        self.name = name
        self.id = id
        self.fields = fields
    }

    /// The field called `name`.
    public func field(_ name: String) -> Field? { fields.first { $0.name == name } }

    /// The field called `name`, or a one-line error saying this kernel's event lacks it.
    public func require(_ name: String) throws(SigscopeError) -> Field {
        guard let field = field(name) else {
            throw SigscopeError(.systemCall, "the kernel's \(self.name) event has no field '\(name)'")
        }
        return field
    }

    /// `field:unsigned long sa_handler;	offset:24;	size:8;	signed:0;`
    static func field(_ line: String) -> Field? {
        let parts = line.split(separator: ";").map { String($0).trimmingWhitespace() }
        guard parts.count >= 3, parts[0].hasPrefix("field:") else { return nil }
        var declaration = String(parts[0].dropFirst(6)).trimmingWhitespace()
        if let bracket = declaration.firstIndex(of: "[") { declaration = String(declaration[..<bracket]) }
        guard let space = declaration.lastIndex(where: { $0 == " " || $0 == "\t" || $0 == "*" }) else { return nil }
        let fieldName = String(declaration[declaration.index(after: space)...])
        let type = String(declaration[...space]).trimmingWhitespace()
        var offset: Int?
        var size: Int?
        var signed = false
        for part in parts.dropFirst() {
            if part.hasPrefix("offset:") { offset = Int(part.dropFirst(7)) }
            if part.hasPrefix("size:") { size = Int(part.dropFirst(5)) }
            if part.hasPrefix("signed:") { signed = part.dropFirst(7) == "1" }
        }
        guard let offset, let size, !fieldName.isEmpty, offset >= 0, size > 0 else { return nil }
        return Field(name: fieldName, type: type, offset: offset, size: size, signed: signed)
    }
}

/// Reads fields out of one record's bytes with the offsets of its format; out-of-range reads give 0.
public struct TraceRecordReader {
    /// The record's bytes (from its `common_type` on).
    public let bytes: UnsafeRawBufferPointer

    public init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// An integer field, sign-extended when the format says it is signed.
    public func integer(_ field: TraceEventFormat.Field) -> Int64 {
        guard field.offset + field.size <= bytes.count else { return 0 }
        switch field.size {
        case 1:
            let value = bytes.load(fromByteOffset: field.offset, as: UInt8.self)
            return field.signed ? Int64(Int8(bitPattern: value)) : Int64(value)
        case 2:
            let value = bytes.loadUnaligned(fromByteOffset: field.offset, as: UInt16.self)
            return field.signed ? Int64(Int16(bitPattern: value)) : Int64(value)
        case 4:
            let value = bytes.loadUnaligned(fromByteOffset: field.offset, as: UInt32.self)
            return field.signed ? Int64(Int32(bitPattern: value)) : Int64(value)
        case 8:
            return Int64(bitPattern: bytes.loadUnaligned(fromByteOffset: field.offset, as: UInt64.self))
        default:
            return 0
        }
    }

    /// An unsigned 64-bit field (an address).
    public func unsigned(_ field: TraceEventFormat.Field) -> UInt64 { UInt64(bitPattern: integer(field)) }

    /// A fixed `char name[N]` field up to its first NUL.
    public func string(_ field: TraceEventFormat.Field) -> String {
        guard field.offset + field.size <= bytes.count else { return "" }
        let slice = bytes[field.offset..<field.offset + field.size]
        let end = slice.firstIndex(of: 0) ?? slice.endIndex
        return String(decoding: UnsafeRawBufferPointer(rebasing: slice[..<end]), as: UTF8.self)
    }

    /// A `__data_loc char[]` field: the low 16 bits are the string's offset in the record, the high 16 its length.
    public func dynamicString(_ field: TraceEventFormat.Field) -> String {
        let location = UInt32(truncatingIfNeeded: integer(field))
        let offset = Int(location & 0xFFFF)
        let length = Int(location >> 16)
        guard offset + length <= bytes.count, length > 0 else { return "" }
        let slice = bytes[offset..<offset + length]
        let end = slice.firstIndex(of: 0) ?? slice.endIndex
        return String(decoding: UnsafeRawBufferPointer(rebasing: slice[..<end]), as: UTF8.self)
    }
}
