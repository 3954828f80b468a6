import Foundation

/// The versioned JSON envelope of every evod message between processes (farm and migration): one
/// frame, a JSON object with `v` (the protocol version) and `type`. Anything else is dropped.
public enum Envelope {
    /// The wire protocol version this build speaks.
    public static let version = 1

    /// The largest message evod accepts: larger ones are counted and dropped. Sockets are opened with
    /// a larger hard limit (``ZMQSocket/hardMessageLimit``), beyond which libzmq disconnects the
    /// sender before reading the message.
    public static let maximumMessageSize = 1 << 20

    /// Why a frame was dropped.
    public enum Rejection: Error, CustomStringConvertible, Equatable {
        case notJSON
        case oversized(Int)
        case foreignVersion(Int?)
        case unexpectedType(String?)
        case malformed(String)

        public var description: String {
            switch self {
            case .notJSON: "not a JSON object"
            case let .oversized(size): "\(size) bytes, over the limit of \(Envelope.maximumMessageSize)"
            case let .foreignVersion(v): "protocol version \(v.map(String.init) ?? "missing"), expected \(Envelope.version)"
            case let .unexpectedType(t): "unexpected message type \(t.map { "'\($0)'" } ?? "(missing)")"
            case let .malformed(reason): "malformed message: \(reason)"
            }
        }
    }

    private struct Header: Decodable {
        var v: Int?
        var type: String?
    }

    /// The message's type after checking that it is a JSON object of this protocol version. For a
    /// frame that may be of several types; ``decode(_:from:)`` checks one known type in one pass.
    public static func type(of frame: Data) throws(Rejection) -> String {
        guard frame.count <= maximumMessageSize else { throw .oversized(frame.count) }
        guard let first = frame.first(where: { !$0.isWhitespace }), first == UInt8(ascii: "{"),
            let header = try? JSONDecoder().decode(Header.self, from: frame)
        else { throw .notJSON }
        guard header.v == version else { throw .foreignVersion(header.v) }
        guard let type = header.type else { throw .unexpectedType(nil) }
        return type
    }

    /// Decodes a message of type `T`, checking its size, version and type in the same pass.
    public static func decode<T: EnvelopeMessage>(_ type: T.Type, from frame: Data) throws(Rejection) -> T {
        guard frame.count <= maximumMessageSize else { throw .oversized(frame.count) }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        if let message = try? decoder.decode(T.self, from: frame) {
            guard message.v == version else { throw .foreignVersion(message.v) }
            guard T.types.contains(message.type) else { throw .unexpectedType(message.type) }
            return message
        }
        // Say why: not JSON, another version or type, or a bad field.
        let found = try Self.type(of: frame)
        guard T.types.contains(found) else { throw .unexpectedType(found) }
        do { _ = try decoder.decode(T.self, from: frame) } catch { throw .malformed(Self.reason(error)) }
        throw .malformed("undecodable")
    }

    public static func encode<T: Encodable>(_ message: T) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        // Every message type is plain data, so encoding cannot fail.
        return (try? encoder.encode(message)) ?? Data()
    }

    private static func reason(_ error: any Error) -> String {
        switch error as? DecodingError {
        case let .keyNotFound(key, _): "missing key '\(key.stringValue)'"
        case let .typeMismatch(_, context), let .valueNotFound(_, context), let .dataCorrupted(context):
            "bad value at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        default: "\(error)"
        }
    }
}

/// A message in the envelope: it carries the version and its type.
public protocol EnvelopeMessage: Decodable {
    var v: Int { get }
    var type: String { get }
    /// The `type` values this message may have.
    static var types: Set<String> { get }
}

extension UInt8 {
    fileprivate var isWhitespace: Bool { self == 0x20 || self == 0x0A || self == 0x0D || self == 0x09 }
}
