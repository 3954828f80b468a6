import Foundation

/// A proposal extracted from an LLM's reply.
public struct ParsedReply: Sendable, Hashable {
    public var thought: String
    public var name: String
    public var code: String
}

/// Reads the reply's JSON object robustly: bare, inside a code fence, or followed (or preceded) by
/// text; `code` may be in either loss form. When the JSON lacks `code`, a fenced Python function
/// elsewhere in the reply is taken.
public enum ReplyParser {
    public static func parse(_ text: String) throws(ProposerError) -> ParsedReply {
        let objects = jsonObjects(in: text)
        guard let object = objects.first(where: { $0["code"] != nil }) ?? objects.first else {
            if let code = fencedFunction(in: text) { return ParsedReply(thought: "", name: "", code: code) }
            throw .notJSON
        }
        let code = (object["code"] as? String) ?? fencedFunction(in: text)
        guard let code, !code.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw .missingCode }
        return ParsedReply(thought: object["thought"] as? String ?? "", name: object["name"] as? String ?? "", code: code)
    }

    /// Every balanced `{...}` in the text that parses as a JSON object, in order.
    static func jsonObjects(in text: String) -> [[String: Any]] {
        let bytes = Array(text.utf8)
        var objects: [[String: Any]] = []
        var start = 0
        while start < bytes.count {
            guard let open = bytes[start...].firstIndex(of: UInt8(ascii: "{")) else { break }
            guard let close = matchingBrace(bytes, from: open) else { break }
            if let object = try? JSONSerialization.jsonObject(with: Data(bytes[open...close])) as? [String: Any] {
                objects.append(object)
                start = close + 1
            } else {
                start = open + 1
            }
        }
        return objects
    }

    /// The index of the brace closing the one at `open`, skipping braces inside JSON strings.
    static func matchingBrace(_ bytes: [UInt8], from open: Int) -> Int? {
        var depth = 0, inString = false, escaped = false
        for i in open..<bytes.count {
            let b = bytes[i]
            if inString {
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch b {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"): depth += 1
            case UInt8(ascii: "}"):
                depth -= 1
                if depth == 0 { return i }
            default: break
            }
        }
        return nil
    }

    /// A ```python fenced block holding a `def`, if any.
    static func fencedFunction(in text: String) -> String? {
        let parts = text.components(separatedBy: "```")
        guard parts.count >= 3 else { return nil }
        for index in stride(from: 1, to: parts.count, by: 2) {
            var block = parts[index]
            if let newline = block.firstIndex(of: "\n"), !block[..<newline].contains("(") { block = String(block[block.index(after: newline)...]) }
            if block.contains("def ") { return block }
        }
        return nil
    }
}
