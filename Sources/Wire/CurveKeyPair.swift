import CZeroMQ

/// A CURVE key pair as ZeroMQ writes it: 40 Z85 characters each (32 bytes of key). evod's cluster
/// has one pair: every server socket proves it holds the secret key, and every client does too.
public struct CurveKeyPair: Sendable, Hashable {
    public let publicKey: String
    public let secretKey: String

    /// A fresh pair from libzmq (libsodium's random source).
    public static func generate() throws -> CurveKeyPair {
        var publicKey = [CChar](repeating: 0, count: 41), secretKey = [CChar](repeating: 0, count: 41)
        guard zmq_curve_keypair(&publicKey, &secretKey) == 0 else { throw WireError.last("zmq_curve_keypair") }
        return CurveKeyPair(publicKey: String(nulTerminated: publicKey), secretKey: String(nulTerminated: secretKey))
    }

    /// The pair whose secret key is `secretKey`, or nil when it is not 40 Z85 characters.
    public init?(secretKey: String) {
        guard Self.isKeyText(secretKey) else { return nil }
        var publicKey = [CChar](repeating: 0, count: 41)
        guard zmq_curve_public(&publicKey, secretKey) == 0 else { return nil }
        self.init(publicKey: String(nulTerminated: publicKey), secretKey: secretKey)
    }

    private init(publicKey: String, secretKey: String) { (self.publicKey, self.secretKey) = (publicKey, secretKey) }

    /// The public key's 32 bytes, as a ZAP request carries a client's key.
    var publicKeyBytes: [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 32)
        _ = zmq_z85_decode(&bytes, publicKey)
        return bytes
    }

    /// Whether `text` is 40 characters of ZeroMQ's Z85 alphabet.
    public static func isKeyText(_ text: String) -> Bool {
        text.utf8.count == 40 && text.utf8.allSatisfy { z85Alphabet.contains($0) }
    }

    /// Whether libzmq was built with CURVE (libsodium).
    public static var isAvailable: Bool { zmq_has("curve") == 1 }

    private static let z85Alphabet = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#".utf8)
}

extension CurveKeyPair: CustomStringConvertible {
    /// The public key only: the secret never reaches a log.
    public var description: String { "CurveKeyPair(public: \(publicKey))" }
}
