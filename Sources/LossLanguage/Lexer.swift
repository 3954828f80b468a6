/// Splits source text into logical lines of tokens, Python style: brackets and a trailing backslash
/// join physical lines, `#` starts a comment, `;` separates statements on one line.
struct Lexer {
    private static let symbols = [
        "**=", "//=", "**", "//", "<=", ">=", "==", "!=", "+=", "-=", "*=", "/=", "->",
        "(", ")", "[", "]", "{", "}", ",", ":", ".", ";", "+", "-", "*", "/", "%", "<", ">", "=",
        "^", "&", "|", "~", "@",
    ].map { Array($0.utf8) }

    private let bytes: [UInt8]
    private var position = 0
    private var line = 1

    init(_ source: String) { bytes = Array(source.utf8) }

    /// All logical lines of the source.
    static func lines(of source: String) throws(LossError) -> [LogicalLine] {
        var lexer = Lexer(source)
        return try lexer.run()
    }

    private mutating func run() throws(LossError) -> [LogicalLine] {
        var lines: [LogicalLine] = []
        var current: [Token] = []
        var startLine = 1, indent = 0, depth = 0
        var atLineStart = true, column = 0

        func flush() {
            if !current.isEmpty { lines.append(LogicalLine(tokens: current, line: startLine, indent: indent)) }
            current = []
        }

        while position < bytes.count {
            let c = bytes[position]
            if atLineStart {
                if c == 0x20 { column += 1; position += 1; continue }
                if c == 0x09 { column = (column / 8 + 1) * 8; position += 1; continue }
            }
            switch c {
            case 0x00:
                throw .syntax("the source contains a NUL byte", line: line)
            case 0x0A:  // newline
                position += 1
                line += 1
                if depth == 0 { flush(); atLineStart = true; column = 0 }
                continue
            case 0x20, 0x09, 0x0D, 0x0C:
                position += 1
                continue
            case 0x23:  // '#': comment to end of line
                while position < bytes.count, bytes[position] != 0x0A { position += 1 }
                continue
            case 0x5C:  // backslash continuation
                guard position + 1 < bytes.count, bytes[position + 1] == 0x0A || bytes[position + 1] == 0x0D else {
                    throw .syntax("unexpected '\\'", line: line)
                }
                position += 1
                while position < bytes.count, bytes[position] != 0x0A { position += 1 }
                position += 1
                line += 1
                continue
            default:
                break
            }
            if current.isEmpty { startLine = line; indent = atLineStart ? column : indent }
            atLineStart = false
            let token = try next()
            if let s = token.symbol {
                if s == "(" || s == "[" || s == "{" { depth += 1 }
                if s == ")" || s == "]" || s == "}" {
                    guard depth > 0 else { throw .syntax("unmatched '\(s)'", line: token.line) }
                    depth -= 1
                }
                if s == ";", depth == 0 { flush(); continue }
            }
            current.append(token)
        }
        guard depth == 0 else { throw .syntax("a bracket is never closed", line: startLine) }
        flush()
        return lines
    }

    private mutating func next() throws(LossError) -> Token {
        let c = bytes[position]
        let startLine = line
        if isDigit(c) || (c == 0x2E && position + 1 < bytes.count && isDigit(bytes[position + 1])) {
            return Token(kind: .number(try number()), line: startLine)
        }
        if isNameStart(c) {
            let start = position
            while position < bytes.count, isNameStart(bytes[position]) || isDigit(bytes[position]) { position += 1 }
            let word = String(decoding: bytes[start..<position], as: UTF8.self)
            if position < bytes.count, bytes[position] == 0x22 || bytes[position] == 0x27,
                ["r", "u", "b", "f", "rb", "br", "R", "U", "B", "F"].contains(word)
            {
                return Token(kind: .string(try string()), line: startLine)
            }
            return Token(kind: .name(word), line: startLine)
        }
        if c == 0x22 || c == 0x27 { return Token(kind: .string(try string()), line: startLine) }
        for symbol in Self.symbols where bytes[position...].starts(with: symbol) {
            position += symbol.count
            return Token(kind: .symbol(String(decoding: symbol, as: UTF8.self)), line: startLine)
        }
        if c >= 0x80 {
            throw .syntax("unexpected non-ASCII character outside a string or comment", line: line)
        }
        throw .syntax("unexpected character '\(String(UnicodeScalar(c)))'", line: line)
    }

    private mutating func number() throws(LossError) -> Double {
        let start = position
        func digits() { while position < bytes.count, isDigit(bytes[position]) || bytes[position] == 0x5F { position += 1 } }
        digits()
        if position < bytes.count, bytes[position] == 0x2E { position += 1; digits() }
        if position < bytes.count, bytes[position] == 0x65 || bytes[position] == 0x45 {
            let save = position
            position += 1
            if position < bytes.count, bytes[position] == 0x2B || bytes[position] == 0x2D { position += 1 }
            if position < bytes.count, isDigit(bytes[position]) { digits() } else { position = save }
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self).replacingOccurrences("_")
        if position < bytes.count, isNameStart(bytes[position]) {
            throw .syntax("malformed number '\(text)\(String(UnicodeScalar(bytes[position])))'", line: line)
        }
        guard let value = Double(text), value.isFinite else {
            throw .syntax("malformed number '\(text)'", line: line)
        }
        return value
    }

    private mutating func string() throws(LossError) -> String {
        let quote = bytes[position]
        let triple = position + 2 < bytes.count && bytes[position + 1] == quote && bytes[position + 2] == quote
        position += triple ? 3 : 1
        let start = position
        while position < bytes.count {
            let c = bytes[position]
            if c == 0x5C {  // an escape: skip the next byte, counting an escaped newline
                if position + 1 < bytes.count, bytes[position + 1] == 0x0A { line += 1 }
                position += 2
                continue
            }
            if c == 0x0A {
                guard triple else { throw .syntax("a string is not closed on its line", line: line) }
                line += 1
            }
            if c == 0x00 { throw .syntax("the source contains a NUL byte", line: line) }
            if c == quote {
                if !triple {
                    position += 1
                    return String(decoding: bytes[start..<(position - 1)], as: UTF8.self)
                }
                if position + 2 < bytes.count, bytes[position + 1] == quote, bytes[position + 2] == quote {
                    position += 3
                    return String(decoding: bytes[start..<(position - 3)], as: UTF8.self)
                }
            }
            position += 1
        }
        throw .syntax("a string is never closed", line: line)
    }

    private func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    private func isNameStart(_ c: UInt8) -> Bool { (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F }
}

extension String {
    fileprivate func replacingOccurrences(_ character: Character) -> String { filter { $0 != character } }
}
