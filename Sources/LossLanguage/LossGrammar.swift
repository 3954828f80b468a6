/// The compact loss language as a grammar (docs/architecture.md §3), derived from the parser's own tables:
/// its inputs, functions with their arities, and operators with Python's precedence. A sentence is
/// at most `maxBindings` bindings `t1 = expr; t2 = ...;` and one expression, nested at most `maxDepth`
/// parentheses or calls deep, with at most `maxTerms` terms per sum or product, so that a model
/// decoding under it cannot ramble. What a grammar cannot see (a scalar return, a wrong argument
/// kind) is still caught by validation. `cat` appears only straight inside a reduction, `fill`
/// not at all: they make 2N or kN values, which nothing else takes.
public enum LossGrammar {
    /// How long a sentence may get. The defaults accept every standard loss's ``LossGraph/promptForm``.
    public struct Limits: Sendable, Hashable {
        public var maxDepth = 3
        public var maxTerms = 4
        public var maxInnerTerms = 3
        public var maxFactors = 3
        public var maxInnerFactors = 2
        public var maxBindings = 3
        public var maxIntegerDigits = 3
        public var maxFractionDigits = 4
        /// Whether the inputs include the quality-prompted log-probs (pca, pra, rca, rra): only where
        /// the island's task supplies them.
        public var qualityInputs = false

        public init(maxDepth: Int = 3, maxTerms: Int = 4, maxInnerTerms: Int = 3, maxBindings: Int = 3, qualityInputs: Bool = false) {
            (self.maxDepth, self.maxTerms, self.maxInnerTerms, self.maxBindings) = (maxDepth, maxTerms, maxInnerTerms, maxBindings)
            self.qualityInputs = qualityInputs
        }

        /// The most terms of a sum (or factors of a product) at `depth`.
        func terms(atDepth depth: Int) -> Int { depth == 0 ? maxTerms : maxInnerTerms }
        /// The most factors of a product at `depth`.
        func factors(atDepth depth: Int) -> Int { depth == 0 ? maxFactors : maxInnerFactors }
    }

    /// The inputs every grammar offers (the short names; the parser also reads the PyTorch ones).
    public static let inputs = LossInput.plain.map(\.rawValue)

    /// The inputs a grammar with these limits offers: the plain ones, and the quality-prompted ones
    /// where the limits say so.
    public static func inputs(_ limits: Limits) -> [String] {
        inputs + (limits.qualityInputs ? LossInput.qualityPrompted.map(\.rawValue) : [])
    }
    /// The functions, by arity, as the compact form's parser knows them.
    public static var functions: [Int: [String]] {
        Dictionary(grouping: Lowering.compactFunctions.keys.sorted(), by: { Lowering.compactFunctions[$0] ?? 1 })
    }

    /// The grammar of the code alone; its root rule is `root`.
    public static func grammar(_ limits: Limits = Limits()) -> Grammar {
        var grammar = Grammar(root: "loss")
        define(into: &grammar, limits)
        grammar.define("loss", .rule("loss-code"))
        return grammar
    }

    /// Adds the code's rules to `grammar`; the code itself is the rule `loss-code`. Bindings are
    /// `t1`, `t2`, ... in order, and an expression may name only the bindings before it, so that
    /// every sentence parses: the expression rules come in one copy per number of bindings in scope.
    public static func define(into grammar: inout Grammar, _ limits: Limits = Limits()) {
        let space = Grammar.Node.optional(.text(" "))
        var code: [Grammar.Node] = []
        for count in 0...limits.maxBindings {
            var items: [Grammar.Node] = []
            for k in 0..<count {
                items += [.text("t\(k + 1)"), space, .text("="), space, .rule("loss-e0-v\(k)"), space, .text(";"), space]
            }
            code.append(.sequence(items + [.rule("loss-in-e0-v\(count)")]))
        }
        grammar.define("loss-code", .choice(code))
        let digits = Grammar.Node.characters(["0"..."9"])
        grammar.define(
            "loss-number",
            .sequence([
                // No leading zeros ("03", "092"): a small model pads numbers into garbage otherwise.
                .choice([.text("0"), .sequence([.characters(["1"..."9"]), .repeated(digits, min: 0, max: limits.maxIntegerDigits - 1)])]),
                .optional(.sequence([.text("."), .repeated(digits, min: 1, max: limits.maxFractionDigits)])),
                // Small constants in exponent form (`1e-05`); no positive exponents, whose `243e37` overflows.
                .optional(.sequence([.text("e-"), .repeated(digits, min: 1, max: 2)])),
            ]))
        // A power's exponent: a small integer (`** 2`, `** -1`). A fractional or a named one (`** 2.07`,
        // `** beta`) is NaN for the negative bases losses are full of.
        grammar.define("loss-exponent", .sequence([.optional(.text("-")), .characters(["1"..."9"]), .optional(digits)]))
        grammar.define("loss-signed-number", .sequence([.optional(.text("-")), .rule("loss-number")]))
        grammar.define("loss-compare", .choice(["<=", ">=", "==", "!=", "<", ">"].map(Grammar.Node.text)))
        grammar.define("loss-add", .choice([.text("+"), .text("-")]))
        grammar.define("loss-mul", .choice([.text("*"), .text("/")]))
        for scope in 0...limits.maxBindings {
            let names = inputs(limits) + ["beta"] + (0..<scope).map { "t\($0 + 1)" }
            grammar.define("loss-name-v\(scope)", .choice(names.map(Grammar.Node.text)))
            // The names that carry the policy's gradient: rc and rr are the frozen reference's.
            let policy = [LossInput.pc, .pr, .rho].map(\.rawValue) + (0..<scope).map { "t\($0 + 1)" }
            grammar.define("loss-in-name-v\(scope)", .choice(policy.map(Grammar.Node.text)))
            for depth in 0...limits.maxDepth {
                defineLevel(into: &grammar, depth: depth, scope: scope, limits: limits)
                defineInputLevel(into: &grammar, depth: depth, scope: scope, limits: limits)
            }
        }
    }

    /// An optional number and operator before the first term or factor (`1 - ...`, `-0.5 * ...`).
    static func leadingNumber(_ operation: Grammar.Node) -> Grammar.Node {
        .optional(.sequence([.rule("loss-signed-number"), .optional(.text(" ")), operation, .optional(.text(" "))]))
    }

    /// An optional operator and number after the last term or factor (`... - -6.908`, `... / 0.8`).
    static func trailingNumber(_ operation: Grammar.Node) -> Grammar.Node {
        .optional(.sequence([.optional(.text(" ")), operation, .optional(.text(" ")), .rule("loss-signed-number")]))
    }

    private static func defineLevel(into grammar: inout Grammar, depth: Int, scope: Int, limits: Limits) {
        let space = Grammar.Node.optional(.text(" "))
        func rule(_ kind: String, _ level: Int = depth) -> Grammar.Node { .rule("loss-\(kind)\(level)-v\(scope)") }
        func name(_ kind: String) -> String { "loss-\(kind)\(depth)-v\(scope)" }
        // A comparison (0 or 1, no gradient) only inside parentheses or a call: as the whole loss it trains nothing.
        let comparison = depth == 0 ? [] : [Grammar.Node.optional(.sequence([space, .rule("loss-compare"), space, rule("sum")]))]
        grammar.define(name("e"), .sequence([rule("sum")] + comparison))
        // Numbers stand only at the ends of a sum or a product, once each (`1 - t1`, `0.5 * x / 0.8`) or
        // alone: a small model otherwise chains them (`147-1-0.5064e4/722-...`) until max_tokens.
        let (terms, factors) = (limits.terms(atDepth: depth), limits.factors(atDepth: depth))
        grammar.define(
            name("sum"),
            .choice([
                .rule("loss-signed-number"),
                .sequence([
                    Self.leadingNumber(.rule("loss-add")), rule("product"),
                    .repeated(.sequence([space, .rule("loss-add"), space, rule("product")]), min: 0, max: terms - 1), Self.trailingNumber(.rule("loss-add")),
                ]),
            ]))
        grammar.define(
            name("product"),
            .sequence([
                Self.leadingNumber(.rule("loss-mul")), rule("unary"),
                .repeated(.sequence([space, .rule("loss-mul"), space, rule("unary")]), min: 0, max: factors - 1), Self.trailingNumber(.rule("loss-mul")),
            ]))
        grammar.define(name("unary"), .sequence([.repeated(.text("-"), min: 0, max: 2), rule("power")]))
        grammar.define(
            name("power"),
            .sequence([rule("atom"), .optional(.sequence([space, .text("**"), space, .rule("loss-exponent")]))]))
        var atoms: [Grammar.Node] = [.rule("loss-name-v\(scope)")]
        if depth < limits.maxDepth {
            let inner = rule("e", depth + 1)
            atoms.append(.sequence([.text("("), space, inner, space, .text(")")]))
            for (arity, names) in functions.sorted(by: { $0.key < $1.key }) {
                let callable = names.filter { !["fill", "cat"].contains($0) }
                let arguments = arity == 0 ? [] : [inner] + Array(repeating: [Grammar.Node.text(","), space, inner], count: arity - 1).flatMap { $0 }
                atoms.append(.sequence([.choice(callable.map(Grammar.Node.text)), .text("(")] + arguments + [.text(")")]))
            }
            // cat (2N values) only straight inside a reduction, where it makes sense; fill not at all.
            let reductions = Reduction.allCases.map { Grammar.Node.text($0.rawValue) }
            atoms.append(.sequence([.choice(reductions), .text("(cat("), inner, .text(","), space, inner, .text("))")]))
        }
        grammar.define(name("atom"), .choice(atoms))
    }
}
