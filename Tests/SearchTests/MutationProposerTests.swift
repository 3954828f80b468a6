import Foundation
import LossLanguage
import Model
import Search
import Testing

/// The built-in proposer: deterministic for a seed, operators that change the loss as described.
struct MutationProposerTests {
    static let dpo = StandardLosses.named("dpo")!.graph
    static let lrml = StandardLosses.named("lrml")!.graph

    @Test func theSameSeedGivesTheSameChildren() {
        func children(seed: UInt64) -> [String] {
            var random = RandomSource(seed: seed)
            return (0..<30).compactMap { _ in MutationProposer().propose([Self.lrml, Self.dpo], random: &random)?.graph.canonicalForm }
        }
        #expect(children(seed: 7) == children(seed: 7))
        #expect(children(seed: 7) != children(seed: 8))
        #expect(children(seed: 7).count == 30)
    }

    @Test(arguments: MutationOperator.allCases)
    func everyOperatorChangesTheFunctionAndMostChildrenAreValid(operation: MutationOperator) throws {
        let proposer = MutationProposer(weights: [operation: 1])
        var random = RandomSource(seed: 42)
        var valid = 0
        for i in 0..<20 {
            // First parents with constants and rho, so every operator has something to act on.
            let parents = i % 2 == 0 ? [Self.lrml, Self.dpo] : [StandardLosses.named("cell")!.graph, Self.lrml]
            let child = try #require(proposer.propose(parents, random: &random), "\(operation) gave nothing")
            #expect(child.operation == operation)
            #expect(child.graph.fingerprint != parents[0].fingerprint)
            if (try? LossValidator.validate(child.graph)) != nil { valid += 1 }
        }
        #expect(valid >= 15, "\(operation): only \(valid) of 20 children valid")
    }

    /// What users read stays readable: along chains of mutations from every standard loss, no constant
    /// of a canonical form shows floating-point noise (`1 - 0.786` as 0.21399999999999997). A long
    /// constant must be a value in its own right (exo_pair's log(1 - 1e-3) is -0.0010005003335835344),
    /// not one within 2 ulps of a 15-digit decimal.
    @Test func constantsOfChildrenPrintAsShortDecimals() throws {
        var random = RandomSource(seed: 11)
        var constants = 0
        for start in StandardLosses.distinct {
            var parent = start.graph
            for _ in 0..<25 {
                guard let child = MutationProposer().propose([parent, Self.dpo], random: &random) else { continue }
                if (try? LossValidator.validate(child.graph)) != nil, child.graph.nodes.count < 400 { parent = child.graph }
                for node in child.graph.nodes {
                    guard case let .constant(value) = node.op else { continue }
                    constants += 1
                    let digits = "\(value)".split(separator: "e")[0].filter(\.isNumber).drop { $0 == "0" }
                    let short = Double(String(format: "%.15g", value)) ?? value
                    let noise = short != value && abs(short - value) <= 2 * value.ulp
                    #expect(digits.count <= 12 || !noise, "\(value) in \(child.graph.canonicalForm)")
                }
            }
        }
        #expect(constants > 1_000, "only \(constants) constants checked")
    }

    @Test func swappingTheLogisticFunctionOfDPOGivesTheOtherLossShapes() throws {
        let shapes = Set(["exp(-beta * rho)", "relu(1 - beta * rho)", "(1 - beta * rho) ** 2"].map { try! LossParser.parse($0).graph.fingerprint })
        var random = RandomSource(seed: 3)
        var seen = Set<Fingerprint>()
        for _ in 0..<30 {
            let child = try #require(try MutationProposer().apply(.swap, Self.dpo, Self.dpo, &random))
            #expect(shapes.contains(child.fingerprint), "\(child.canonicalForm)")
            seen.insert(child.fingerprint)
        }
        #expect(seen == shapes)
    }

    @Test func marginAndBlendBuildTheDocumentedForms() throws {
        var random = RandomSource(seed: 1)
        let margin = try #require(try MutationProposer().apply(.margin, Self.dpo, Self.dpo, &random))
        #expect(margin.canonicalForm.contains("rho - ") && margin.canonicalForm.contains("/ beta"))
        let blend = try #require(try MutationProposer().apply(.blend, Self.dpo, StandardLosses.named("exponential")!.graph, &random))
        #expect(blend.canonicalForm.contains("sigmoid(rho / "))
        let indicator = try #require(try MutationProposer().apply(.indicator, Self.dpo, Self.lrml, &random))
        #expect(indicator.canonicalForm.contains("where(rho < 0, "))
        // A parent without rho (it uses the four log-probs) has nowhere to put a margin.
        let nca = StandardLosses.named("nca_pair")!.graph
        #expect(try MutationProposer().apply(.margin, nca, nca, &random) == nil)
    }

    @Test func splitAnchorAndMirrorBuildTheDocumentedForms() throws {
        var random = RandomSource(seed: 5)
        let proposer = MutationProposer()
        // Mirror of DPO is conservative DPO at one of the smoothing levels.
        let smoothed = Set(
            [0.05, 0.1, 0.2].map { e in
                try! LossParser.parse("\(1 - e) * -logsigmoid(beta * rho) + \(e) * -logsigmoid(-beta * rho)").graph.fingerprint
            })
        for _ in 0..<5 {
            let mirror = try #require(try proposer.apply(.mirror, Self.dpo, Self.dpo, &random))
            #expect(smoothed.contains(mirror.fingerprint), "\(mirror.canonicalForm)")
        }
        // Split weighs the chosen and rejected log-ratios apart.
        let splits = Set(
            [-0.5, -0.25, 0.25, 0.5].map { c in
                try! LossParser.parse("-logsigmoid(beta * (\(1 + c) * (pc - rc) - \(1 - c) * (pr - rr)))").graph.fingerprint
            })
        let split = try #require(try proposer.apply(.split, Self.dpo, Self.dpo, &random))
        #expect(splits.contains(split.fingerprint), "\(split.canonicalForm)")
        // Anchor adds one side's own logistic term.
        let anchors = Set(
            [0.1, 0.25, 0.5].flatMap { w in
                ["-logsigmoid(beta * (pc - rc))", "-logsigmoid(-beta * (pr - rr))"].map { term in
                    try! LossParser.parse("-logsigmoid(beta * rho) + \(w) * \(term)").graph.fingerprint
                }
            })
        let anchor = try #require(try proposer.apply(.anchor, Self.dpo, Self.dpo, &random))
        #expect(anchors.contains(anchor.fingerprint), "\(anchor.canonicalForm)")
        let nca = StandardLosses.named("nca_pair")!.graph
        #expect(try proposer.apply(.mirror, nca, nca, &random) == nil)
    }
}

/// The `refine` operator (seed 004): Sr-DPO's refinement of any loss, drawn only where the task
/// supplies the quality prompt.
struct RefineOperatorTests {
    @Test func refineShiftsRhoByTheDetachedRefinementTerm() throws {
        var random = RandomSource(seed: 4)
        let child = try #require(try MutationProposer().apply(.refine, StandardLosses.dpo.graph, StandardLosses.dpo.graph, &random))
        #expect(child.qualityInputs == [.pca, .pra])
        #expect(child.canonicalForm.contains("detach(pr + (pca - pc - pra))"), "\(child.canonicalForm)")
        try LossValidator.validate(child)
        // A loss without rho has nothing to refine.
        let nca = try #require(StandardLosses.named("nca_pair")).graph
        #expect(try MutationProposer().apply(.refine, nca, nca, &random) == nil)
    }
}
