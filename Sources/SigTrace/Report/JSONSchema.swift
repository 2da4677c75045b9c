/// The contract of every JSON document sigscope writes, documented key by key in `docs/json.md`: each document (a
/// report, a listing, each line of a JSON-lines stream) starts with `schema_version`, raised whenever a key changes
/// meaning or goes away; added keys do not raise it.
public enum JSONSchema {
    /// The version `docs/json.md` describes.
    public static let version = 1

    /// A document: an object whose first key is `schema_version`.
    public static func document(_ fields: [(String, JSONValue)]) -> JSONValue {
        .object([("schema_version", .int(version))] + fields)
    }

    /// `value` as a document, when it is an object; other values are returned as they are.
    public static func document(_ value: JSONValue) -> JSONValue {
        guard case .object(let fields) = value else { return value }
        return document(fields)
    }
}
