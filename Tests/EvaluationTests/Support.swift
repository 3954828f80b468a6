import Evaluation
import Foundation
import LossLanguage
import PrefBandit

/// Small task sizes so that debug builds stay fast.
enum Small {
    static var settings: PrefBanditSettings {
        var s = PrefBanditSettings()
        s.pairs = 128
        s.heldoutPrompts = 64
        s.responses = 8
        s.features = 8
        s.steps = 300
        s.batchSize = 32
        s.learningRate = 0.03
        return s
    }

    static func task(betas: [Double], seeds: [UInt64] = [1, 2], starts: [StartKind] = [.exact]) -> TaskConfig {
        TaskConfig(
            kind: .prefbandit(settings), stageOne: EvaluationGrid(betas: [betas[0]], seeds: [seeds[0]], starts: [.exact]),
            stageTwo: EvaluationGrid(betas: betas, seeds: seeds, starts: starts))
    }

    static func loss(_ source: String) throws -> LossGraph { try LossParser.parse(source).graph }

    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scripts").path
}
