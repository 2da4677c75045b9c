/// A count with its noun in the right number: `1 request`, `3 requests`, `2 processes`; never `request(s)`.
public func counted(_ count: Int, _ singular: String, _ plural: String? = nil) -> String {
    "\(count) \(count == 1 ? singular : plural ?? singular + "s")"
}
