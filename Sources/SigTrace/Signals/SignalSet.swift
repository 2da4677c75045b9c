/// A set of signals as the kernel stores it: bit N-1 is signal N, printed in /proc as 16 hex digits.
public struct SignalSet: RawRepresentable, Hashable, Sendable, SetAlgebra, Sequence, CustomStringConvertible {
    /// The 64-bit mask.
    public var rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init() { rawValue = 0 }

    /// Parses a /proc mask such as `0000000000004002`; nil if it is not hex or is wider than 64 bits.
    public init?(hex: some StringProtocol) {
        var digits = Substring(hex)
        while digits.count > 16, digits.first == "0" { digits.removeFirst() }
        guard !digits.isEmpty, digits.count <= 16, let value = UInt64(digits, radix: 16) else { return nil }
        rawValue = value
    }

    /// The mask in /proc's form: 16 hex digits.
    public var hex: String {
        let digits = String(rawValue, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    public func contains(_ member: Signal) -> Bool { rawValue & Self.bit(member) != 0 }

    @discardableResult
    public mutating func insert(_ newMember: Signal) -> (inserted: Bool, memberAfterInsert: Signal) {
        let had = contains(newMember)
        rawValue |= Self.bit(newMember)
        return (!had, newMember)
    }

    @discardableResult
    public mutating func remove(_ member: Signal) -> Signal? {
        let had = contains(member)
        rawValue &= ~Self.bit(member)
        return had ? member : nil
    }

    @discardableResult
    public mutating func update(with newMember: Signal) -> Signal? {
        let had = contains(newMember)
        rawValue |= Self.bit(newMember)
        return had ? newMember : nil
    }

    public func union(_ other: SignalSet) -> SignalSet { SignalSet(rawValue: rawValue | other.rawValue) }
    public func intersection(_ other: SignalSet) -> SignalSet { SignalSet(rawValue: rawValue & other.rawValue) }
    public func symmetricDifference(_ other: SignalSet) -> SignalSet {
        SignalSet(rawValue: rawValue ^ other.rawValue)
    }
    public mutating func formUnion(_ other: SignalSet) { rawValue |= other.rawValue }
    public mutating func formIntersection(_ other: SignalSet) { rawValue &= other.rawValue }
    public mutating func formSymmetricDifference(_ other: SignalSet) { rawValue ^= other.rawValue }

    public var isEmpty: Bool { rawValue == 0 }
    public var count: Int { rawValue.nonzeroBitCount }

    /// The members in ascending order.
    public var signals: [Signal] { Array(self) }

    public func makeIterator() -> AnyIterator<Signal> {
        var remaining = rawValue
        return AnyIterator {
            guard remaining != 0 else { return nil }
            let index = remaining.trailingZeroBitCount
            remaining &= remaining - 1
            return Signal(Int32(index + 1))
        }
    }

    /// Names, comma-separated: `SIGINT,SIGTERM`; `-` when empty.
    public var description: String { isEmpty ? "-" : map(\.name).joined(separator: ",") }

    /// Every signal a process can block or catch: all but SIGKILL and SIGSTOP.
    public static let catchable = SignalSet(rawValue: ~(bit(.kill) | bit(.stop)))

    private static func bit(_ signal: Signal) -> UInt64 { 1 << UInt64(signal.rawValue - 1) }
}

extension SignalSet: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: Signal...) {
        self.init()
        for signal in elements { insert(signal) }
    }
}
