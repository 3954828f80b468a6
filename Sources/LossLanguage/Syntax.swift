/// An expression as written, before names are resolved (the surface syntax of both source forms).
struct Expr: Sendable {
    indirect enum Kind: Sendable {
        case number(Double)
        case name(String)
        case string(String)
        case attribute(Expr, String)
        case call(Expr, arguments: [Expr], keywords: [(String, Expr)])
        case subscripted(Expr, Expr)
        /// `-`, `+` or `~` applied to an operand.
        case unary(String, Expr)
        /// An arithmetic or bitwise operator: `+ - * / ** & |` (and `//`, `%`, `@`, rejected later).
        case binary(String, Expr, Expr)
        case compare(Comparison, Expr, Expr)
        case tuple([Expr])
    }

    let kind: Kind
    let line: Int
}

/// A statement of either form, after parsing.
enum Statement: Sendable {
    /// `targets = value` (one target, or a tuple of names).
    case assign([String], Expr, line: Int)
    /// `target op= value`, with op one of `+ - * /`.
    case augmentedAssign(String, String, Expr, line: Int)
    /// An import that binds a module name.
    case importModule(module: String, alias: String, line: Int)
    case returnValue(Expr, line: Int)
    /// A bare expression: the result in the compact form; only strings (docstrings) in Python.
    case expression(Expr, line: Int)
}
