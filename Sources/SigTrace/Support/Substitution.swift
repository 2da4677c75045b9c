extension String {
    /// The text with each character that `substitutes` names written as its substitute, the others as they are:
    /// how HTML, the Prometheus exposition format and one-line messages escape what they cannot hold.
    func substituting(_ substitutes: [Character: String]) -> String {
        var out = ""
        out.reserveCapacity(utf8.count)
        for character in self {
            if let substitute = substitutes[character] { out += substitute } else { out.append(character) }
        }
        return out
    }
}
