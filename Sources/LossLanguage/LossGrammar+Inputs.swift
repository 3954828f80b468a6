extension LossGrammar {
    /// The rules `loss-in-<kind><depth>-v<scope>`: the same expressions as `loss-<kind>...`, with at
    /// least one input or binding in them outside comparisons and `detach`, where it has no gradient
    /// (a bare constant, `beta` alone or `detach(rho) ** 2` is no loss). Each rule
    /// says where the input is: in one of the terms, factors or arguments, the others free, so the
    /// term limits stay exact.
    static func defineInputLevel(into grammar: inout Grammar, depth: Int, scope: Int, limits: Limits) {
        let space = Grammar.Node.optional(.text(" "))
        func free(_ kind: String, _ level: Int = depth) -> Grammar.Node { .rule("loss-\(kind)\(level)-v\(scope)") }
        func with(_ kind: String, _ level: Int = depth) -> Grammar.Node { .rule("loss-in-\(kind)\(level)-v\(scope)") }
        func name(_ kind: String) -> String { "loss-in-\(kind)\(depth)-v\(scope)" }
        /// `count` items joined by `separator`, the one at some position the input-bearing one.
        func list(_ item: String, separator: Grammar.Node, count: Int) -> Grammar.Node {
            .choice(
                (0..<count).map { position in
                    .sequence([
                        .repeated(.sequence([free(item), space, separator, space]), min: position, max: position), with(item),
                        .repeated(.sequence([space, separator, space, free(item)]), min: 0, max: count - 1 - position),
                    ])
                })
        }
        let terms = limits.terms(atDepth: depth)
        // An input inside a comparison (0 or 1) or `detach` has no gradient: it does not count.
        grammar.define(name("e"), with("sum"))
        grammar.define(name("sum"), .sequence([leadingNumber(.rule("loss-add")), list("product", separator: .rule("loss-add"), count: terms), trailingNumber(.rule("loss-add"))]))
        grammar.define(
            name("product"),
            .sequence([leadingNumber(.rule("loss-mul")), list("unary", separator: .rule("loss-mul"), count: limits.factors(atDepth: depth)), trailingNumber(.rule("loss-mul"))]))
        grammar.define(name("unary"), .sequence([.repeated(.text("-"), min: 0, max: 2), with("power")]))
        grammar.define(
            name("power"),
            .sequence([
                with("atom"),
                .optional(.sequence([space, .text("**"), space, .rule("loss-exponent")])),
            ]))
        var atoms: [Grammar.Node] = [.rule("loss-in-name-v\(scope)")]
        if depth < limits.maxDepth {
            atoms.append(.sequence([.text("("), space, with("e", depth + 1), space, .text(")")]))
            for (arity, names) in functions.sorted(by: { $0.key < $1.key }) where arity > 0 {
                let callable = names.filter { !["fill", "cat", "detach"].contains($0) }
                let placements: [Grammar.Node] = (0..<arity).map { position in
                    .sequence(
                        (0..<arity).flatMap { index -> [Grammar.Node] in
                            (index == 0 ? [] : [.text(","), space]) + [index == position ? with("e", depth + 1) : free("e", depth + 1)]
                        })
                }
                atoms.append(.sequence([.choice(callable.map(Grammar.Node.text)), .text("("), .choice(placements), .text(")")]))
            }
            let reductions = Reduction.allCases.map { Grammar.Node.text($0.rawValue) }
            atoms.append(
                .sequence([
                    .choice(reductions), .text("(cat("),
                    .choice([
                        .sequence([with("e", depth + 1), .text(","), space, free("e", depth + 1)]),
                        .sequence([free("e", depth + 1), .text(","), space, with("e", depth + 1)]),
                    ]), .text("))"),
                ]))
        }
        grammar.define(name("atom"), .choice(atoms))
    }
}
