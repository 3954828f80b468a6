import CZeroMQ
import Foundation
import Synchronization

/// One context's ZAP handler (ZeroMQ RFC 27) and refusal counter, on a thread of its own.
///
/// libzmq asks the handler bound at `inproc://zeromq.zap.01` of the server socket's context about
/// every CURVE client; it admits only the cluster's public key. Peers that never reach ZAP (no
/// key: the NULL mechanism against a CURVE server) fail the handshake before it, so each watched
/// server socket also has a monitor, and every failed handshake is counted through
/// ``SocketSecurity``. The handler is bound before its first server socket binds, and server
/// sockets enforce the ZAP domain, so a connection is never admitted without an answer from it.
final class ZAPAuthenticator: @unchecked Sendable {
    let security: SocketSecurity
    private let context: UnsafeMutableRawPointer
    private let handler: UnsafeMutableRawPointer
    private let allowedKey: [UInt8]
    /// Monitor sockets made by ``watch(_:)``, handed to the thread (which owns them from then on).
    private let newMonitors = Mutex<[MonitorSocket]>([])
    private let monitorCount = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    static let handlerEndpoint = "inproc://zeromq.zap.01"
    static let refusalEvents = ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH

    init(context: UnsafeMutableRawPointer, security: SocketSecurity) throws {
        guard let key = security.clusterKey else { throw WireError(operation: "ZAP handler without a cluster key", code: EINVAL) }
        guard let handler = zmq_socket(context, ZMQ_REP) else { throw WireError.last("zmq_socket(ZAP)") }
        var linger: Int32 = 0
        zmq_setsockopt(handler, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size)
        guard zmq_bind(handler, Self.handlerEndpoint) == 0 else {
            let error = WireError.last("bind \(Self.handlerEndpoint)")
            zmq_close(handler)
            throw error
        }
        (self.context, self.handler, self.security, allowedKey) = (context, handler, security, key.publicKeyBytes)
        let thread = Thread { [self] in serve() }
        thread.name = "zap"
        thread.start()
    }

    /// Counts the failed handshakes of `socket` (a server socket, before it binds).
    func watch(_ socket: ZMQSocket) throws {
        let endpoint = "inproc://evod-zap-monitor-\(monitorCount.add(1, ordering: .relaxed).newValue)"
        guard zmq_socket_monitor(socket.handle, endpoint, Self.refusalEvents) == 0 else { throw WireError.last("zmq_socket_monitor") }
        guard let monitor = zmq_socket(context, ZMQ_PAIR) else { throw WireError.last("zmq_socket(monitor)") }
        var linger: Int32 = 0
        zmq_setsockopt(monitor, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size)
        guard zmq_connect(monitor, endpoint) == 0 else {
            let error = WireError.last("connect \(endpoint)")
            zmq_close(monitor)
            throw error
        }
        newMonitors.withLock { $0.append(MonitorSocket(handle: monitor)) }
    }

    /// Stops the thread and waits for it to close its sockets (before the context ends).
    func stop() {
        stopping.store(true, ordering: .relaxed)
        finished.wait()
    }

    private func serve() {
        var monitors: [UnsafeMutableRawPointer] = []
        while !stopping.load(ordering: .relaxed) {
            monitors += newMonitors.withLock { taken in
                defer { taken.removeAll() }
                return taken.map(\.handle)
            }
            var items = [zmq_pollitem_t(socket: handler, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)]
            items += monitors.map { zmq_pollitem_t(socket: $0, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0) }
            guard zmq_poll(&items, Int32(items.count), 100) > 0 else { continue }
            if items[0].revents & Int16(ZMQ_POLLIN) != 0, let request = Self.receive(handler) { answer(request) }
            for (index, monitor) in monitors.enumerated() where items[index + 1].revents & Int16(ZMQ_POLLIN) != 0 {
                while let event = Self.receive(monitor, dontWait: true) { record(event) }
            }
        }
        for socket in [handler] + monitors + newMonitors.withLock({ $0.map(\.handle) }) { zmq_close(socket) }
        finished.signal()
    }

    /// Answers one ZAP request: 200 for the cluster's public key over CURVE (user id `cluster`) or
    /// a host key on the allow-list (user id: the host's name), 400 for anything else.
    private func answer(_ frames: [[UInt8]]) {
        let curve = frames.count >= 7 && frames[0] == Array("1.0".utf8) && frames[5] == Array("CURVE".utf8)
        var userID: String?
        if curve, frames[6] == allowedKey {
            userID = SocketSecurity.clusterUserID
        } else if curve, frames[6].count == 32, let hosts = security.hosts {
            userID = hosts.host(forPublicKey: Self.z85(frames[6]))
        }
        let admitted = userID != nil
        let requestID = frames.count > 1 ? frames[1] : []
        let reply: [[UInt8]] = [
            Array("1.0".utf8), requestID, Array((admitted ? "200" : "400").utf8),
            Array((admitted ? "OK" : "not the cluster key nor an admitted host's").utf8), Array((userID ?? "").utf8), [],
        ]
        for (index, frame) in reply.enumerated() {
            _ = frame.withUnsafeBytes { zmq_send(handler, $0.baseAddress, frame.count, index < reply.count - 1 ? ZMQ_SNDMORE : 0) }
        }
    }

    /// A 32-byte key as its 40 Z85 characters.
    private static func z85(_ bytes: [UInt8]) -> String {
        var text = [CChar](repeating: 0, count: 41)
        _ = zmq_z85_encode(&text, bytes, bytes.count)
        return String(nulTerminated: text)
    }

    /// A monitor event: 2 bytes of event, 4 of value, then the endpoint.
    private func record(_ frames: [[UInt8]]) {
        guard frames.count == 2, frames[0].count == 6 else { return }
        let event = Int32(UInt16(frames[0][0]) | UInt16(frames[0][1]) << 8)
        guard event & Self.refusalEvents != 0 else { return }
        let reason =
            switch event {
            case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH: "the peer's key is not the cluster's"
            case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL: "the handshake broke the protocol"
            default: "the handshake did not finish (a peer without the key, another security mechanism, or a client that left mid-handshake)"
            }
        security.recordRefusal(endpoint: String(decoding: frames[1], as: UTF8.self), reason: reason)
    }

    private static func receive(_ socket: UnsafeMutableRawPointer, dontWait: Bool = false) -> [[UInt8]]? {
        var frames: [[UInt8]] = []
        while true {
            var message = zmq_msg_t()
            zmq_msg_init(&message)
            defer { zmq_msg_close(&message) }
            guard zmq_msg_recv(&message, socket, dontWait && frames.isEmpty ? ZMQ_DONTWAIT : 0) >= 0 else { return frames.isEmpty ? nil : frames }
            let bytes = zmq_msg_data(&message).map { Array(UnsafeRawBufferPointer(start: $0, count: zmq_msg_size(&message))) } ?? []
            frames.append(bytes)
            if zmq_msg_more(&message) == 0 { return frames }
        }
    }
}

/// A monitor socket on its way to the authenticator's thread.
private struct MonitorSocket: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer
}
