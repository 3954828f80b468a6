/// A problem in a configuration file: which file, which key, and what was expected.
public struct ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    public let file: String
    /// The dotted key (`prefbandit.pairs`), or nil for the file as a whole.
    public let key: String?
    public let message: String

    public init(file: String, key: String?, message: String) {
        (self.file, self.key, self.message) = (file, key, message)
    }

    public var description: String {
        key.map { "\(file): key '\($0)': \(message)" } ?? "\(file): \(message)"
    }
}
