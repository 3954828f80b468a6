import Control
import ControlPlane
import Foundation
import Testing
import Wire

struct ControlClientTests {
    /// A loopback port nothing listens on (bound, read and closed).
    static func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        try #require(bound)
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test func aPeerThatDoesNotAnswerIsNamedForWhatItIs() throws {
        let endpoint = "tcp://127.0.0.1:\(try Self.closedPort())"
        #expect(throws: ControlError.unreachable(endpoint: endpoint, peer: .island(3))) {
            try ControlClient(endpoint: endpoint, peer: .island(3), security: .plain(), timeoutMilliseconds: 100).status()
        }
        let curve = SocketSecurity(clusterKey: try CurveKeyPair.generate())
        #expect(throws: ControlError.unreachable(endpoint: endpoint, peer: .farm, curve: true)) {
            try ControlClient(endpoint: endpoint, peer: .farm, security: curve, timeoutMilliseconds: 100).farmStatus()
        }
        #expect(ControlError.unreachable(endpoint: endpoint, peer: .farm).description == "no answer from \(endpoint) (is the farm running?)")
        #expect(ControlError.unreachable(endpoint: endpoint, peer: .island(3)).description == "no answer from \(endpoint) (is island 3 running?)")
        #expect(
            ControlError.unreachable(endpoint: endpoint, peer: .farm, curve: true).description
                == "no answer from \(endpoint) (is the farm running? Does this host hold the cluster's key file?)")
    }

    @Test func aMalformedEndpointIsATransportError() {
        #expect {
            try ControlClient(endpoint: "tcp://nowhere:", peer: .farm, security: .plain(), timeoutMilliseconds: 100).farmStatus()
        } throws: { error in
            guard case let .transport(endpoint, _) = error as? ControlError else { return false }
            return endpoint == "tcp://nowhere:"
        }
    }

    @Test func concurrentRequestsAnswerInOrderAndDownPeersWaitTogether() throws {
        let endpoints = try (0..<6).map { _ in "tcp://127.0.0.1:\(try Self.closedPort())" }
        let started = Date()
        let answers = ControlClient.concurrently(Array(endpoints.enumerated())) { index, endpoint in
            (index, Result { () throws(ControlError) in try ControlClient(endpoint: endpoint, peer: .island(index), security: .plain(), timeoutMilliseconds: 500).status() })
        }
        let elapsed = Date().timeIntervalSince(started)
        #expect(answers.map(\.0) == Array(0..<6))
        #expect(answers.allSatisfy { (try? $0.1.get()) == nil })
        // Six timeouts of 0.5 s one after another would take 3 s.
        #expect(elapsed < 2.0, "\(elapsed) s")
    }
}
