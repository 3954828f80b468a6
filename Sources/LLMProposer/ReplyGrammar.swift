import LossLanguage

/// The reply `{"thought": ..., "name": ..., "code": ...}` with its code in the compact loss
/// language, as a GBNF grammar (the code's rules come from ``LossGrammar``) and as a JSON schema
/// whose code pattern admits only the language's tokens.
public enum ReplyGrammar {
    /// The longest thought when the config sets none: a small model otherwise rambles past `max_tokens`.
    public static let defaultThoughtChars = 240

    /// The whole reply as a grammar (root: the JSON object).
    public static func grammar(thoughtMaxChars: Int = 0, qualityInputs: Bool = false) -> Grammar {
        var grammar = Grammar(root: "reply")
        let space = Grammar.Node.repeated(.text(" "), min: 0, max: 2)
        let stringCharacter = Grammar.Node.choice([
            .characters(["\""..."\"", "\\"..."\\", "\u{0}"..."\u{1f}"], negated: true),
            .sequence([.text("\\"), .characters(["\""..."\"", "\\"..."\\", "/"..."/", "n"..."n", "t"..."t"])]),
        ])
        let thoughtLength = thoughtMaxChars > 0 ? thoughtMaxChars : defaultThoughtChars
        grammar.define(
            "reply",
            .sequence([
                .text("{"), space, .text("\"thought\":"), space, .text("\""), .repeated(stringCharacter, min: 1, max: thoughtLength), .text("\""),
                .text(","), space, .text("\"name\":"), space, .text("\""), .repeated(.characters(["a"..."z", "A"..."Z", "0"..."9", "_"..."_"]), min: 1, max: 40), .text("\""),
                .text(","), space, .text("\"code\":"), space, .text("\""), .rule("loss-code"), .text("\""), space, .text("}"),
            ]))
        LossGrammar.define(into: &grammar, LossGrammar.Limits(qualityInputs: qualityInputs))
        return grammar
    }

    /// The grammar in GBNF, for llama.cpp's `grammar` request field; with `qualityInputs`, the code
    /// may read the quality-prompted log-probs.
    public static func gbnf(thoughtMaxChars: Int = 0, qualityInputs: Bool = false) -> String {
        grammar(thoughtMaxChars: thoughtMaxChars, qualityInputs: qualityInputs).gbnf
    }

    /// A JSON schema of the reply. With `constrainCode`, the code's pattern admits the language's
    /// names, numbers and operators only, and the thought is bounded (by default to
    /// ``defaultThoughtChars``); without, the schema only names the three keys (and bounds the
    /// thought where `thoughtMaxChars` says so).
    public static func jsonSchema(thoughtMaxChars: Int = 0, constrainCode: Bool = true, qualityInputs: Bool = false) -> [String: Any] {
        var thought: [String: Any] = ["type": "string"]
        var name: [String: Any] = ["type": "string"]
        var code: [String: Any] = ["type": "string"]
        if constrainCode {
            let names = (LossGrammar.inputs(LossGrammar.Limits(qualityInputs: qualityInputs)) + ["beta"] + LossGrammar.functions.values.flatMap { $0 }.filter { $0 != "fill" })
                .sorted { $0.count > $1.count }
            code["pattern"] = "^(?:" + names.joined(separator: "|") + "|t[1-9]|[0-9]|[.eE]|[-+*/<>=!(),; ])+$"
            code["maxLength"] = 400
            name["pattern"] = "^[A-Za-z0-9_]{1,40}$"
            thought["maxLength"] = thoughtMaxChars > 0 ? thoughtMaxChars : defaultThoughtChars
        } else if thoughtMaxChars > 0 {
            thought["maxLength"] = thoughtMaxChars
        }
        return [
            "type": "object", "additionalProperties": false, "required": ["thought", "name", "code"],
            "properties": ["thought": thought, "name": name, "code": code],
        ]
    }
}
