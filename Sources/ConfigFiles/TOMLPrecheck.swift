import Foundation

/// Checks TOML text for the malformed inputs on which the parser under TOMLKit (toml++) aborts
/// the process (or, in a release build, runs into undefined behaviour) instead of failing; `make
/// fuzz` found each of them. ``ConfigSection/parse(_:file:)`` refuses them first, with the line.
enum TOMLPrecheck {
    /// The first problem, as (line, what is wrong), or nil.
    static func firstProblem(in text: String) -> (line: Int, problem: String)? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if let (line, scalar) = firstControlCharacter(in: lines) {
            return (line, "control character U+\(String(format: "%04X", scalar.value)) (write it escaped, in a string)")
        }
        if let line = firstBadTableHeader(in: lines) { return (line, "a table header's names must be bare keys or quoted") }
        if let line = firstMissingValue(in: text) { return (line, "a value is missing (after `=` or `,`)") }
        return nil
    }

    /// The first raw control character but tab and line breaks, which TOML does not allow anywhere
    /// (`[[^Tember]]` aborted toml++).
    static func firstControlCharacter(in lines: [Substring]) -> (line: Int, scalar: Unicode.Scalar)? {
        for (index, line) in lines.enumerated() {
            if let bad = line.unicodeScalars.first(where: { ($0.value < 0x20 && $0 != "\t" && $0 != "\r") || $0.value == 0x7F }) {
                return (index + 1, bad)
            }
        }
        return nil
    }

    /// The line of the first table header (`[a.b]`, `[[a]]`) with a name that starts with neither a
    /// bare-key character nor a quote (`[[=x]]`, `[a.=b]`): toml++ asserts on them instead of failing
    /// (found by `make fuzz`).
    static func firstBadTableHeader(in lines: [Substring]) -> Int? {
        func startsName(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber || c == "_" || c == "-" || c == "\"" || c == "'") }
        for (index, line) in lines.enumerated() {
            var rest = line.drop { $0 == " " || $0 == "\t" }
            guard rest.first == "[" else { continue }
            rest = rest.dropFirst()
            if rest.first == "[" { rest = rest.dropFirst() }
            var expectName = true
            var quote: Character?
            for c in rest {
                if let open = quote {
                    if c == open { quote = nil }
                    continue
                }
                if c == " " || c == "\t" { continue }
                if expectName {
                    guard startsName(c) else { return index + 1 }
                    expectName = false
                    if c == "\"" || c == "'" { quote = c }
                } else if c == "." {
                    expectName = true
                } else if c == "]" {
                    break
                }
            }
            if expectName { return index + 1 }  // `[` or `[a.` and the end of the line
        }
        return nil
    }

    /// The line where a value is missing: after `=`, or after `,` where `}` (or another `,`) follows;
    /// toml++ asserts there instead of failing (`make fuzz`: `["a",}`). Strings and comments are
    /// skipped; a trailing comma before `]` is valid TOML.
    static func firstMissingValue(in text: String) -> Int? {
        var (line, index) = (1, text.unicodeScalars.startIndex)
        let scalars = text.unicodeScalars
        var expecting: Character?  // "=" or ",": a value must come next
        while index < scalars.endIndex {
            let c = Character(scalars[index])
            if c == "\"" || c == "'" {
                expecting = nil
                let triple = scalars[index...].prefix(3).map(Character.init) == [c, c, c]
                index = scalars.index(index, offsetBy: triple ? 3 : 1)
                while index < scalars.endIndex {
                    let d = Character(scalars[index])
                    if d == "\n" { line += 1 }
                    if d == "\\", c == "\"" {
                        index = scalars.index(after: index)
                    } else if d == c {
                        if !triple { break }
                        if scalars[index...].prefix(3).map(Character.init) == [c, c, c] {
                            index = scalars.index(index, offsetBy: 2)
                            break
                        }
                    }
                    if index < scalars.endIndex { index = scalars.index(after: index) }
                }
            } else if c == "#" {
                while index < scalars.endIndex, scalars[index] != "\n" { index = scalars.index(after: index) }
                continue
            } else if c == "\n" {
                if expecting == "=" { return line }
                line += 1
            } else if c == " " || c == "\t" || c == "\r" {
            } else if let open = expecting, c == "," || c == "}" || (c == "]" && open == "=") {
                return line
            } else {
                expecting = c == "=" || c == "," ? c : nil
            }
            if index < scalars.endIndex { index = scalars.index(after: index) }
        }
        return nil
    }
}
