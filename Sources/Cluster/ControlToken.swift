import ConfigFiles
import Foundation

/// The token that state-changing control commands need: random, written to the state directory
/// with mode 0600 from its first byte, so that only the island's user can ever read it.
public enum ControlToken {
    public static func create(in directory: String) throws -> String {
        var generator = SystemRandomNumberGenerator()
        let token = (0..<4).map { _ in String(format: "%016llx", generator.next() as UInt64) }.joined()
        try PrivateFiles.write(token, to: directory + "/token")
        return token
    }

    public static func read(from directory: String) -> String? {
        (try? String(contentsOfFile: directory + "/token", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
