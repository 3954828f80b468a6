import Foundation
import TOMLKit

/// A table of a TOML configuration file, read with typed getters that name the file, the key and
/// what was expected. Every key has a default; ``finish()`` rejects the keys nobody asked for.
public final class ConfigSection {
    public let file: String
    private let table: TOMLTable
    private let prefix: String
    private var known: [String] = []
    private var children: [ConfigSection] = []

    init(table: TOMLTable, file: String, prefix: String) {
        (self.table, self.file, self.prefix) = (table, file, prefix)
    }

    /// Reads and parses a TOML file.
    public static func load(path: String) throws(ConfigError) -> ConfigSection {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, key: nil, message: "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, key: nil, message: "the file is not valid UTF-8")
        }
        return try parse(text, file: path)
    }

    /// Parses TOML text; `file` names it in errors.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> ConfigSection {
        // TOML allows no raw control character but tab and line breaks, and the parser under TOMLKit
        // (toml++) aborts the process on some of them (`make fuzz` found `[[^Tember]]`): refuse them first.
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if let bad = line.unicodeScalars.first(where: { ($0.value < 0x20 && $0 != "\t" && $0 != "\r") || $0.value == 0x7F }) {
                throw ConfigError(
                    file: file, key: nil, message: "not valid TOML at line \(index + 1): control character U+\(String(format: "%04X", bad.value)) (write it escaped, in a string)")
            }
        }
        if let line = Self.firstBadTableHeader(in: text) {
            throw ConfigError(file: file, key: nil, message: "not valid TOML at line \(line): a table header's names must be bare keys or quoted")
        }
        if let line = Self.firstMissingValue(in: text) {
            throw ConfigError(file: file, key: nil, message: "not valid TOML at line \(line): a value is missing (after `=` or `,`)")
        }
        do {
            return ConfigSection(table: try TOMLTable(string: text), file: file, prefix: "")
        } catch let error as TOMLParseError {
            throw ConfigError(file: file, key: nil, message: "not valid TOML at line \(error.source.begin.line): \(error.description)")
        } catch {
            throw ConfigError(file: file, key: nil, message: "not valid TOML: \(error)")
        }
    }

    /// The line of the first table header (`[a.b]`, `[[a]]`) with a name that starts with neither a
    /// bare-key character nor a quote (`[[=x]]`, `[a.=b]`): toml++ asserts on them instead of failing
    /// (found by `make fuzz`).
    static func firstBadTableHeader(in text: String) -> Int? {
        func startsName(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber || c == "_" || c == "-" || c == "\"" || c == "'") }
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
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

    /// The full dotted name of a key of this section.
    public func path(_ key: String) -> String { prefix.isEmpty ? key : prefix + "." + key }

    public func error(_ key: String, _ message: String) -> ConfigError {
        ConfigError(file: file, key: path(key), message: message)
    }

    private func value(_ key: String) -> TOMLValueConvertible? {
        known.append(key)
        return table[key]
    }

    private func mismatch(_ key: String, _ expected: String, _ found: TOMLValueConvertible) -> ConfigError {
        error(key, "expected \(expected), got \(found.type) \(found.debugDescription)")
    }

    public func int(_ key: String, default fallback: Int, in range: ClosedRange<Int>? = nil) throws(ConfigError) -> Int {
        guard let found = value(key) else { return fallback }
        guard let v = found.int else { throw mismatch(key, "an integer", found) }
        if let range, !range.contains(v) { throw error(key, "expected an integer in \(range.lowerBound)...\(range.upperBound), got \(v)") }
        return v
    }

    public func double(_ key: String, default fallback: Double, in range: ClosedRange<Double>? = nil) throws(ConfigError) -> Double {
        guard let found = value(key) else { return fallback }
        guard let v = found.double ?? found.int.map(Double.init) else { throw mismatch(key, "a number", found) }
        if v.isNaN { throw error(key, "expected a number, got nan") }
        if let range, !range.contains(v) { throw error(key, "expected a number in [\(range.lowerBound), \(range.upperBound)], got \(v)") }
        return v
    }

    public func bool(_ key: String, default fallback: Bool) throws(ConfigError) -> Bool {
        guard let found = value(key) else { return fallback }
        guard let v = found.bool else { throw mismatch(key, "true or false", found) }
        return v
    }

    public func string(_ key: String, default fallback: String, oneOf choices: [String]? = nil) throws(ConfigError) -> String {
        guard let found = value(key) else { return fallback }
        guard let v = found.string else { throw mismatch(key, "a string", found) }
        if let choices, !choices.contains(v) {
            throw error(key, "expected one of \(choices.map { "\"\($0)\"" }.joined(separator: ", ")), got \"\(v)\"")
        }
        return v
    }

    public func doubles(_ key: String, default fallback: [Double]) throws(ConfigError) -> [Double] {
        try list(key, default: fallback, expected: "a non-empty array of numbers") { $0.double ?? $0.int.map(Double.init) }
    }

    public func ints(_ key: String, default fallback: [Int], in range: ClosedRange<Int>? = nil) throws(ConfigError) -> [Int] {
        let values = try list(key, default: fallback, expected: "a non-empty array of integers") { $0.int }
        if let range, let bad = values.first(where: { !range.contains($0) }) {
            throw error(key, "expected integers in \(range.lowerBound)...\(range.upperBound), got \(bad)")
        }
        return values
    }

    public func strings(_ key: String, default fallback: [String]) throws(ConfigError) -> [String] {
        try list(key, default: fallback, expected: "a non-empty array of strings") { $0.string }
    }

    private func list<T>(
        _ key: String, default fallback: [T], expected: String,
        _ convert: (TOMLValueConvertible) -> T?
    ) throws(ConfigError) -> [T] {
        guard let found = value(key) else { return fallback }
        guard let array = found.array, !array.isEmpty else { throw mismatch(key, expected, found) }
        var result: [T] = []
        for element in array {
            guard let v = convert(element) else { throw mismatch(key, expected, found) }
            result.append(v)
        }
        return result
    }

    /// Integers given as an array (`[1, 2, 5]`) or as an inclusive range in a string (`"1001-1032"`).
    public func intList(_ key: String, default fallback: [Int]) throws(ConfigError) -> [Int] {
        guard let found = value(key) else { return fallback }
        if let text = found.string {
            let bounds = text.split(separator: "-", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard bounds.count == 2, let first = bounds[0], let last = bounds[1], first <= last, last - first < 1_000_000 else {
                throw error(key, "expected an array of integers or a range \"FIRST-LAST\" (FIRST <= LAST), got \"\(text)\"")
            }
            return Array(first...last)
        }
        return try ints(key, default: fallback)
    }

    /// An array of tables (`[[key]]` blocks), in file order; empty when absent. Errors inside the
    /// Nth table name the key `key[N]`.
    public func tables(_ key: String) throws(ConfigError) -> [ConfigSection] {
        guard let found = value(key) else { return [] }
        guard let array = found.array else { throw mismatch(key, "an array of tables ([[\(key)]] blocks)", found) }
        var result: [ConfigSection] = []
        for (index, element) in array.enumerated() {
            guard let table = element.table else { throw mismatch(key, "an array of tables ([[\(key)]] blocks)", found) }
            let child = ConfigSection(table: table, file: file, prefix: path(key) + "[\(index + 1)]")
            children.append(child)
            result.append(child)
        }
        return result
    }

    /// A sub-table, or nil when absent (its keys then all take their defaults).
    public func section(_ key: String) throws(ConfigError) -> ConfigSection? {
        guard let found = value(key) else { return nil }
        guard let table = found.table else { throw mismatch(key, "a table", found) }
        let child = ConfigSection(table: table, file: file, prefix: path(key))
        children.append(child)
        return child
    }

    /// Rejects keys nobody read, in this section and the sub-sections read from it.
    public func finish() throws(ConfigError) {
        for key in table.keys.sorted() where !known.contains(key) {
            let expected = known.isEmpty ? "" : " (known keys here: \(Set(known).sorted().joined(separator: ", ")))"
            throw error(key, "unknown key\(expected)")
        }
        for child in children { try child.finish() }
    }
}
