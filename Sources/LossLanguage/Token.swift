/// A token of either source form.
struct Token: Equatable, Sendable {
    enum Kind: Equatable, Sendable {
        case number(Double)
        case name(String)
        case string(String)
        /// An operator or punctuation, e.g. `**`, `(`, `+=`.
        case symbol(String)
    }

    let kind: Kind
    /// 1-based source line.
    let line: Int

    var symbol: String? {
        if case let .symbol(s) = kind { return s }
        return nil
    }

    var name: String? {
        if case let .name(n) = kind { return n }
        return nil
    }

    /// How the token reads in an error message.
    var quoted: String {
        switch kind {
        case let .number(v): "number \(v)"
        case let .name(n): "'\(n)'"
        case .string: "a string"
        case let .symbol(s): "'\(s)'"
        }
    }
}

/// One logical line: the tokens of a statement, with the line it starts on and its indentation.
struct LogicalLine: Sendable {
    var tokens: [Token]
    let line: Int
    let indent: Int
}
