/// Where a fact in the knowledge base comes from: the program's own documentation (or its maintainers' public
/// word), or a measurement made here by a named test that fails when the fact stops being true.
public enum FactSource: Sendable, Hashable, CustomStringConvertible {
    /// A documentation page, a maintainer's issue or pull request, or the file that sets the fact (a URL).
    case documented(String)
    /// Measured on this kind of machine by the named test (`Suite/test`), which asserts the fact.
    case measured(String)

    /// `https://...` for documentation, `measured here: Suite/test` for a measurement.
    public var description: String {
        switch self {
        case .documented(let url): url
        case .measured(let test): "measured here: \(test)"
        }
    }
}

/// A value with the source that vouches for it. Every fact the knowledge base states carries one.
public struct Sourced<Value: Sendable & Hashable>: Sendable, Hashable {
    public var value: Value
    public var source: FactSource

    public init(_ value: Value, _ source: FactSource) {
        self.value = value
        self.source = source
    }
}

/// Shorthands for the entry tables: `doc("https://...")`, `measured("Suite/test")`.
func doc(_ url: String) -> FactSource { .documented(url) }
func measured(_ test: String) -> FactSource { .measured(test) }
