import CZeroMQ
import Foundation

/// Why a socket operation failed, with libzmq's own words.
public struct WireError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let code: Int32
    public var description: String { "\(operation): \(String(cString: zmq_strerror(code)))" }

    static func last(_ operation: String) -> WireError { WireError(operation: operation, code: zmq_errno()) }
}

/// One ZeroMQ socket. Every socket evod opens has a maximum message size, so an oversized frame is
/// dropped by libzmq (the peer is disconnected) rather than read into memory.
///
/// A socket may be handed to another thread (a thread's start is a full memory barrier) but must
/// be used by one thread at a time; other threads reach it through a ``Mailbox``.
public final class ZMQSocket: @unchecked Sendable {
    public static let defaultMaximumMessageSize: Int64 = 1 << 20
    /// The limit of the farm and migration sockets: four times ``Envelope/maximumMessageSize``, so
    /// that a message a little over evod's own limit is read, counted and dropped.
    public static let hardMessageLimit: Int64 = 4 << 20

    let handle: UnsafeMutableRawPointer
    let context: ZMQContext

    public init(_ context: ZMQContext, type: Int32, maximumMessageSize: Int64 = defaultMaximumMessageSize) throws {
        guard let handle = zmq_socket(context.handle, type) else { throw WireError.last("zmq_socket") }
        self.handle = handle
        self.context = context
        try set(ZMQ_MAXMSGSIZE, maximumMessageSize)
        try set(ZMQ_LINGER, Int32(0))
    }

    deinit { zmq_close(handle) }

    /// REQ, REP, DEALER, ROUTER, PUSH, PULL, PAIR.
    public static let request = ZMQ_REQ, reply = ZMQ_REP, dealer = ZMQ_DEALER, router = ZMQ_ROUTER
    public static let push = ZMQ_PUSH, pull = ZMQ_PULL, pair = ZMQ_PAIR

    public func set<T: BitwiseCopyable>(_ option: Int32, _ value: T) throws {
        var value = value
        guard zmq_setsockopt(handle, option, &value, MemoryLayout<T>.size) == 0 else { throw WireError.last("zmq_setsockopt(\(option))") }
    }

    func setText(_ option: Int32, _ text: String) throws {
        let bytes = Array(text.utf8)
        guard zmq_setsockopt(handle, option, bytes, bytes.count) == 0 else { throw WireError.last("zmq_setsockopt(\(option))") }
    }

    /// A CURVE key option, as its 40 Z85 characters.
    private func setKey(_ option: Int32, _ z85: String) throws { try setText(option, z85) }

    /// Milliseconds a receive waits before giving up (-1: forever).
    public func setReceiveTimeout(milliseconds: Int32) throws { try set(ZMQ_RCVTIMEO, milliseconds) }
    public func setSendTimeout(milliseconds: Int32) throws { try set(ZMQ_SNDTIMEO, milliseconds) }

    /// Binds `endpoint` as the server side of `security`: with a cluster key, only peers that hold
    /// it complete the handshake, and every refused one is counted (see ``SocketSecurity``).
    public func bind(_ endpoint: String, security: SocketSecurity) throws {
        if let hostKey = security.hostKey {
            throw WireError(operation: "bind \(endpoint): host \(hostKey.host)'s key can only connect; serving needs the cluster key", code: EACCES)
        }
        if let key = security.clusterKey {
            try set(ZMQ_CURVE_SERVER, Int32(1))
            try setKey(ZMQ_CURVE_SECRETKEY, key.secretKey)
            try setText(ZMQ_ZAP_DOMAIN, SocketSecurity.zapDomain)
            // Fail closed: without a ZAP handler libzmq would admit any CURVE client.
            try set(SocketSecurity.zapEnforceDomain, Int32(1))
            try context.authenticator(for: security).watch(self)
        }
        guard zmq_bind(handle, endpoint) == 0 else { throw WireError.last("bind \(endpoint)") }
    }

    /// The endpoint last bound, with the port the kernel chose for a `tcp://host:*` bind.
    public var lastEndpoint: String? {
        var buffer = [CChar](repeating: 0, count: 256)
        var size = buffer.count
        guard zmq_getsockopt(handle, ZMQ_LAST_ENDPOINT, &buffer, &size) == 0 else { return nil }
        return String(nulTerminated: buffer)
    }

    /// Connects to `endpoint` as the client side of `security`: with a cluster key, it proves that
    /// it holds the key and expects the server to hold it too.
    public func connect(_ endpoint: String, security: SocketSecurity) throws {
        if let key = security.clusterKey {
            try setKey(ZMQ_CURVE_SERVERKEY, key.publicKey)
            try setKey(ZMQ_CURVE_PUBLICKEY, key.publicKey)
            try setKey(ZMQ_CURVE_SECRETKEY, key.secretKey)
        } else if let hostKey = security.hostKey {
            try setKey(ZMQ_CURVE_SERVERKEY, hostKey.clusterPublicKey)
            try setKey(ZMQ_CURVE_PUBLICKEY, hostKey.pair.publicKey)
            try setKey(ZMQ_CURVE_SECRETKEY, hostKey.pair.secretKey)
        }
        guard zmq_connect(handle, endpoint) == 0 else { throw WireError.last("connect \(endpoint)") }
    }

    /// Stops connecting to `endpoint` (as given to ``connect(_:security:)``); queued messages for it are dropped.
    public func disconnect(_ endpoint: String) throws {
        guard zmq_disconnect(handle, endpoint) == 0 else { throw WireError.last("disconnect \(endpoint)") }
    }

    /// Sends one message of one or more frames. With `dontWait`, returns false instead of blocking
    /// when the message cannot be queued (no peer, or the high-water mark is reached).
    @discardableResult
    public func send(_ frames: [Data], dontWait: Bool = false) throws -> Bool {
        for (i, frame) in frames.enumerated() {
            var flags = i < frames.count - 1 ? ZMQ_SNDMORE : 0
            if dontWait { flags |= ZMQ_DONTWAIT }
            let sent = frame.withUnsafeBytes { zmq_send(handle, $0.baseAddress, frame.count, flags) }
            guard sent >= 0 else {
                if zmq_errno() == EAGAIN, i == 0 { return false }
                throw WireError.last("send")
            }
        }
        return true
    }

    /// Names this socket to ROUTER peers (set before connecting).
    public func setRoutingID(_ id: String) throws { try setText(ZMQ_ROUTING_ID, id) }

    /// ROUTER only: a peer that reconnects under a known routing id takes it over (a restarted island).
    public func enableRouterHandover() throws { try set(ZMQ_ROUTER_HANDOVER, Int32(1)) }

    public func send(_ data: Data) throws { try send([data]) }

    /// Receives one message (all its frames), or nil when the receive timeout passes first.
    /// With `dontWait`, returns nil at once when no message is queued.
    public func receive(dontWait: Bool = false) throws -> [Data]? {
        try receiveWithPeer(dontWait: dontWait)?.frames
    }

    /// Receives one message like ``receive(dontWait:)``, with the peer's IP address as the socket saw
    /// the connection (libzmq's `Peer-Address`: not what the peer says of itself; nil for inproc and
    /// ipc) and the user id the ZAP handler gave it (`User-Id`: `cluster`, or a host's name; nil on
    /// plain sockets).
    public func receiveWithPeer(dontWait: Bool = false) throws -> (frames: [Data], peer: String?, userID: String?)? {
        var frames: [Data] = []
        var peer: String?
        var userID: String?
        repeat {
            var message = zmq_msg_t()
            zmq_msg_init(&message)
            defer { zmq_msg_close(&message) }
            guard zmq_msg_recv(&message, handle, dontWait && frames.isEmpty ? ZMQ_DONTWAIT : 0) >= 0 else {
                let code = zmq_errno()
                if code == EAGAIN, frames.isEmpty { return nil }
                throw WireError(operation: "receive", code: code)
            }
            frames.append(Data(bytes: zmq_msg_data(&message), count: zmq_msg_size(&message)))
            if peer == nil, let address = zmq_msg_gets(&message, "Peer-Address") { peer = String(cString: address) }
            if userID == nil, let id = zmq_msg_gets(&message, "User-Id") { userID = String(cString: id) }
        } while more()
        return (frames, peer, userID)
    }

    private func more() -> Bool {
        var value: Int32 = 0
        var size = MemoryLayout<Int32>.size
        zmq_getsockopt(handle, ZMQ_RCVMORE, &value, &size)
        return value != 0
    }
}
