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
        if let (line, problem) = TOMLPrecheck.firstProblem(in: text) {
            throw ConfigError(file: file, key: nil, message: "not valid TOML at line \(line): \(problem)")
        }
        do {
            return ConfigSection(table: try TOMLTable(string: text), file: file, prefix: "")
        } catch let error as TOMLParseError {
            throw ConfigError(file: file, key: nil, message: "not valid TOML at line \(error.source.begin.line): \(error.description)")
        } catch {
            throw ConfigError(file: file, key: nil, message: "not valid TOML: \(error)")
        }
    }

    /// The full dotted name of a key of this section.
    public func path(_ key: String) -> String { prefix.isEmpty ? key : prefix + "." + key }

    public func error(_ key: String, _ message: String) -> ConfigError {
        ConfigError(file: file, key: path(key), message: message)
    }

    /// Whether the section sets `key` (without reading it).
    public func has(_ key: String) -> Bool { table[key] != nil }

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

    /// A number, or nil when the key is absent (for settings whose default depends on others).
    public func optionalDouble(_ key: String, in range: ClosedRange<Double>? = nil) throws(ConfigError) -> Double? {
        guard value(key) != nil else { return nil }
        return try double(key, default: 0, in: range)
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

    /// Every key of this section with its scalar value (a string, number or boolean), each marked as
    /// read; another kind of value is an error naming the key.
    public func scalars() throws(ConfigError) -> [String: ConfigScalar] {
        var result: [String: ConfigScalar] = [:]
        for key in table.keys.sorted() {
            guard let found = value(key) else { continue }
            if let v = found.bool {
                result[key] = .bool(v)
            } else if let v = found.double ?? found.int.map(Double.init) {
                result[key] = .number(v)
            } else if let v = found.string {
                result[key] = .string(v)
            } else {
                throw mismatch(key, "a string, a number or true/false", found)
            }
        }
        return result
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
