import Cluster
import ConfigFiles
import Evaluation
import Farm
import Foundation
import Island
import LLMProposer
import LossLanguage
import Model
import Wire

/// The decoders that take bytes from outside, as libFuzzer targets (`make fuzz`, `EvodFuzz`) and as
/// the corpus replay of the unit tests (`FuzzCorpusTests`): each must answer every input with a
/// value or a typed error, never a crash, and what parses must print and parse back the same.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// ZeroMQ envelopes: farm requests, replies, worker and job messages, migrant messages.
    case envelope
    /// An island's control requests, answered by a real ControlHandler over a scratch database.
    case control
    /// Loss sources in the compact form.
    case compact
    /// Loss sources in the PyTorch form.
    case pytorch
    /// Config files: a cluster config, a task file and an LLM proposer config from the same bytes.
    case config

    /// The folders of seed inputs, relative to the repository: its own `fuzz/corpus/<target>/`, or the
    /// project's files of that kind (scripts/fuzz.sh asks the fuzz binary for them).
    public var seedFolders: [String] {
        switch self {
        case .envelope, .control: ["fuzz/corpus/\(rawValue)"]
        case .compact: ["losses"]
        case .pytorch: ["Tests/LossLanguageTests/Fixtures/pytorch", "Tests/LossLanguageTests/Fixtures/pytorch-invalid"]
        case .config: ["configs", "configs/tasks", "configs/proposers", "configs/migration", "islands"]
        }
    }

    /// Feeds one input to the target. A broken invariant stops the process (`fatalError`), as a
    /// crash does, so that libFuzzer keeps the input.
    public func run(_ data: Data) {
        switch self {
        case .envelope: Self.envelope(data)
        case .control: _ = Self.controlHandler.handle(data)
        case .compact: Self.loss(data, form: .compact)
        case .pytorch: Self.loss(data, form: .pytorch)
        case .config: Self.config(data)
        }
    }

    static func envelope(_ data: Data) {
        _ = try? Envelope.type(of: data)
        _ = try? Envelope.decode(EvaluationRequest.self, from: data)
        _ = try? Envelope.decode(EvaluationReply.self, from: data)
        _ = try? Envelope.decode(WorkerMessage.self, from: data)
        _ = try? Envelope.decode(JobMessage.self, from: data)
        _ = try? Envelope.decode(MigrantMessage.self, from: data)
    }

    /// Parses; a loss that parses must print a canonical form that parses to the same graph.
    static func loss(_ data: Data, form: SourceForm) {
        guard let parsed = try? LossParser.parse(bytes: Array(data), form: form) else { return }
        let canonical = parsed.graph.canonicalForm
        guard let again = try? LossParser.parse(canonical, form: .compact) else {
            fatalError("the canonical form does not parse: \(canonical)")
        }
        guard again.graph.canonicalForm == canonical else {
            fatalError("the canonical form is not a fixed point: \(canonical) -> \(again.graph.canonicalForm)")
        }
    }

    static func config(_ data: Data) {
        let path = scratch.appendingPathComponent("config-\(getpid()).toml").path
        guard FileManager.default.createFile(atPath: path, contents: data) else { return }
        _ = try? ClusterConfig.load(path: path)
        _ = try? TaskConfig.load(path: path)
        _ = try? ProposerConfig.load(path: path)
    }

    /// A directory for the targets' files, made once.
    static let scratch: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("evod-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// An island's control handler on a scratch database with a no-op evaluator, made once.
    static let controlHandler: ControlHandler = {
        do {
            let store = try IslandStore(path: scratch.appendingPathComponent("island.sqlite").path)
            let engine = try IslandEngine(settings: IslandSettings(id: 1, seed: 1), store: store, evaluator: ConstantEvaluator())
            return ControlHandler(engine: engine, controls: IslandControls(), token: "fuzz-token")
        } catch {
            fatalError("cannot make the control target's island: \(error)")
        }
    }()
}

/// An evaluator that trains nothing (the control target never evaluates).
struct ConstantEvaluator: Evaluator {
    let taskHash = "fuzz"

    func evaluate(_ loss: LossGraph, name: String, stage: Stage) -> EvaluationResult {
        .failure("the fuzz target does not train", stage: stage, seconds: 0)
    }
}
