import Foundation

/// A control reply on the wire: `{"ok": true, "result": ...}` or `{"ok": false, "error": "..."}`.
public enum ControlReply<Result: Codable & Sendable>: Sendable {
    case success(Result)
    case failure(String)
}

extension ControlReply: Codable {
    private enum CodingKeys: String, CodingKey { case ok, result, error }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if try container.decode(Bool.self, forKey: .ok) {
            self = .success(try container.decode(Result.self, forKey: .result))
        } else {
            self = .failure(try container.decodeIfPresent(String.self, forKey: .error) ?? "the request was refused")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case let .success(result):
            try container.encode(true, forKey: .ok)
            try container.encode(result, forKey: .result)
        case let .failure(error):
            try container.encode(false, forKey: .ok)
            try container.encode(error, forKey: .error)
        }
    }
}

/// The JSON coding of the control plane: sorted keys, so that replies are stable, and non-finite
/// numbers (a fitness of -inf) as the strings "inf", "-inf" and "nan" rather than an error.
public enum ControlCoding {
    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    public static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }

    /// Encodes a reply; a reply that cannot be encoded (a non-finite number) becomes a failure
    /// that says so, never a crash.
    public static func encode<Result: Codable & Sendable>(_ reply: ControlReply<Result>) -> Data {
        let encoder = self.encoder
        if let data = try? encoder.encode(reply) { return data }
        return (try? encoder.encode(ControlReply<Empty>.failure("the reply could not be encoded"))) ?? Data(#"{"ok":false}"#.utf8)
    }

    public static func success<Result: Codable & Sendable>(_ result: Result) -> Data { encode(ControlReply.success(result)) }

    public static func failure(_ message: String) -> Data { encode(ControlReply<Empty>.failure(message)) }

    /// A result with nothing in it.
    public struct Empty: Codable, Sendable, Hashable {}
}
