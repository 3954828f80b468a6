import Control
import ControlPlane
import Foundation

/// What the client knows of the broker while evaluations wait: a broker that sends nothing for
/// three re-send intervals is asked for its status on its control endpoint; one that does not
/// answer there either is *unreachable*, said once in the log as a warning that tells the user what
/// to do, and shown in the island's status, until the broker is heard from again.
struct FarmSilence {
    /// When the broker last sent anything (a result); the client's start before that.
    var lastHeard = Date()
    /// When the broker last answered a status probe, or was last found silent.
    var lastProbe = Date.distantPast
    /// Since when the broker has been unreachable; nil while it answers.
    var unreachableSince: Date?
}

extension FarmClient {
    /// Since when no farm has answered, while evaluations wait; nil while it answers (or nothing waits).
    public var unreachableSince: Date? { silence.withLock { $0.unreachableSince } }

    /// Notes a message from the broker: it is reachable.
    func heard() {
        let wasUnreachable = silence.withLock { silence -> Bool in
            defer { (silence.lastHeard, silence.unreachableSince) = (Date(), nil) }
            return silence.unreachableSince != nil
        }
        if wasUnreachable { logger.notice("the farm answers again", metadata: ["endpoint": "\(endpoint)"]) }
    }

    /// Called on the socket thread while requests are overdue: probes the broker's control endpoint
    /// when it has been silent for three re-send intervals (at most once per interval).
    func checkSilence(waiting: Int) {
        let now = Date()
        let due = silence.withLock { silence -> Bool in
            guard now.timeIntervalSince(silence.lastHeard) >= 3 * resendInterval,
                now.timeIntervalSince(silence.lastProbe) >= 3 * resendInterval
            else { return false }
            silence.lastProbe = now
            return true
        }
        guard due, let locateControl = farm.control else { return }
        let controlEndpoint = locateControl()
        if let controlEndpoint, probe(controlEndpoint) {
            heard()  // alive and busy: long evaluations, or a queue
            return
        }
        let first = silence.withLock { silence -> Bool in
            defer { if silence.unreachableSince == nil { silence.unreachableSince = now } }
            return silence.unreachableSince == nil
        }
        if first {
            logger.warning(
                "no farm answers: \(waiting) evaluations wait for it; start it (`evod --farm`, or `evoctl up`, which starts it), or set evaluator = \"local\" in the cluster config",
                metadata: ["endpoint": "\(endpoint)", "control": "\(controlEndpoint ?? "(not published)")"])
        }
    }

    /// Whether the broker's control endpoint answers a status request within a second.
    private func probe(_ controlEndpoint: String) -> Bool {
        (try? ControlClient(endpoint: controlEndpoint, peer: .farm, security: security, timeoutMilliseconds: 1_000).farmStatus()) != nil
    }
}

extension FarmClient {
    /// The farm's health as an island's status shows it: answering, or unreachable since when.
    public var evaluatorStatus: EvaluatorStatus {
        guard let since = unreachableSince else { return EvaluatorStatus(kind: .farm, state: .answering) }
        return EvaluatorStatus(kind: .farm, state: .unreachable, unreachableSeconds: Date().timeIntervalSince(since), endpoint: endpoint)
    }
}
