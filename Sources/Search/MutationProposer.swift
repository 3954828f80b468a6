import Foundation
import LossLanguage
import Model

/// A child and how it was made.
public struct Mutation: Sendable, Hashable {
    public let graph: LossGraph
    public let operation: MutationOperator
}

/// The `mutation` proposer: seeded operators on the IR. Deterministic for a seed: the same parents
/// and random source give the same child. Children still go through validation and dedup. As a
/// ``Proposer`` it picks parents from the archive (or the seeds) and makes a generation's children.
public struct MutationProposer: Sendable {
    /// Relative weights of the operators (missing or zero: never drawn).
    public var weights: [MutationOperator: Double]
    /// Children per generation, how parents are picked and where from, and the seed of the draws.
    public var childrenPerGeneration = 8
    public var selection: SelectionStrategy = .curiosity
    public var parentPool: ParentPool = .archive
    public var seed: UInt64 = 0
    /// The most operations (nodes of the canonical graph) a child may have; a larger one is drawn
    /// again (0: only the language's own limit). Without it crossover and blend grow the losses
    /// generation after generation (bloat) with no gain in fitness.
    public var maximumOperations = Self.defaultMaximumOperations

    /// About three times the largest standard loss (nca_pair: 20 operations).
    public static let defaultMaximumOperations = 64

    public static let defaultWeights: [MutationOperator: Double] = [
        .constant: 3, .swap: 2, .crossover: 2, .blend: 2, .indicator: 1, .mix: 1, .margin: 1, .temperature: 1,
        .split: 1, .anchor: 1, .mirror: 1, .refine: 1,
    ]

    public init(weights: [MutationOperator: Double] = defaultWeights) { self.weights = weights }

    /// One child of the first parent (and the second, for two-parent operators), within
    /// ``maximumOperations``; nil when no drawn operator applied in a few tries.
    public func propose(_ parents: [LossGraph], random: inout RandomSource) -> Mutation? {
        guard let first = parents.first else { return nil }
        let second = parents.count > 1 ? parents[1] : first
        let drawable = MutationOperator.allCases.filter { (weights[$0] ?? 0) > 0 }
        let total = drawable.reduce(0) { $0 + (weights[$1] ?? 0) }
        guard total > 0 else { return nil }
        for _ in 0..<8 {
            var u = random.uniform() * total
            let operation =
                drawable.first {
                    u -= weights[$0] ?? 0; return u < 0
                } ?? drawable[drawable.count - 1]
            if let graph = try? apply(operation, first, second, &random), graph != first,
                maximumOperations == 0 || graph.nodes.count <= maximumOperations
            {
                return Mutation(graph: graph, operation: operation)
            }
        }
        return nil
    }

    /// Applies one operator; nil when it does not apply to these parents.
    public func apply(
        _ operation: MutationOperator, _ a: LossGraph, _ b: LossGraph,
        _ random: inout RandomSource
    ) throws(LossError) -> LossGraph? {
        var builder = GraphBuilder()
        switch operation {
        case .constant:
            let constants = a.nodes.indices.filter { if case .constant = a.nodes[$0].op { return true } else { return false } }
            guard let pick = Self.pick(constants, &random), case let .constant(value) = a.nodes[pick].op else { return nil }
            let next =
                value == 0
                ? Self.round(random.normal(standardDeviation: 0.1))
                : Self.round(value * Foundation.exp(random.normal(standardDeviation: 0.3)))
            let replacement = try builder.constant(next)
            let root = try builder.insert(a, substituting: [pick: replacement])[a.root]
            return try builder.graph(root: root)
        case .swap:
            let swappable = a.nodes.indices.filter { if case let .unary(f) = a.nodes[$0].op { return Self.swaps[f] != nil } else { return false } }
            guard let pick = Self.pick(swappable, &random), case let .unary(f) = a.nodes[pick].op,
                let choices = Self.swaps[f], let choice = Self.pick(choices, &random)
            else { return nil }
            let mapped = try builder.insert(a)
            let replacement = try choice(&builder, mapped[a.nodes[pick].args[0]])
            let root = try builder.insert(a, substituting: [pick: replacement])[a.root]
            return try builder.graph(root: root)
        case .crossover:
            let targets = a.nodes.indices.filter { $0 != a.root && !a.nodes[$0].op.isLeaf && a.nodes[$0].shape == .vector(1) }
            let donors = b.nodes.indices.filter { !b.nodes[$0].op.isLeaf && b.nodes[$0].shape == .vector(1) }
            guard let target = Self.pick(targets, &random), let donor = Self.pick(donors, &random) else { return nil }
            let replacement = try builder.insert(b)[donor]
            let root = try builder.insert(a, substituting: [target: replacement])[a.root]
            return try builder.graph(root: root)
        case .blend, .indicator, .mix:
            guard a.outputShape == b.outputShape else { return nil }
            let left = try builder.insert(a)[a.root], right = try builder.insert(b)[b.root]
            let rho = try builder.add(.input(.rho))
            let combined: NodeID
            if operation == .indicator {
                let below = try builder.add(.compare(.lt), [rho, try builder.constant(0)])
                combined = try builder.add(.select, [below, left, right])
            } else {
                let weight: NodeID
                if operation == .blend {
                    let tau = Self.pickValue([0.05, 0.1, 0.5, 1, 2], &random)
                    weight = try builder.add(.unary(.sigmoid), [try builder.add(.binary(.div), [rho, try builder.constant(tau)])])
                } else {
                    weight = try builder.constant(Self.round(0.2 + 0.6 * random.uniform()))
                }
                let complement = try builder.add(.binary(.sub), [try builder.constant(1), weight])
                combined = try builder.add(
                    .binary(.add),
                    [
                        try builder.add(.binary(.mul), [complement, left]),
                        try builder.add(.binary(.mul), [weight, right]),
                    ])
            }
            return try builder.graph(root: combined)
        case .split:
            guard let rhoNode = a.nodes.firstIndex(where: { $0.op == .input(.rho) }) else { return nil }
            let c = Self.pickValue([-0.5, -0.25, 0.25, 0.5], &random)
            let chosen = try builder.add(.binary(.sub), [try builder.add(.input(.pc)), try builder.add(.input(.rc))])
            let rejected = try builder.add(.binary(.sub), [try builder.add(.input(.pr)), try builder.add(.input(.rr))])
            let replacement = try builder.add(
                .binary(.sub),
                [
                    try builder.add(.binary(.mul), [try builder.constant(1 + c), chosen]),
                    try builder.add(.binary(.mul), [try builder.constant(1 - c), rejected]),
                ])
            let root = try builder.insert(a, substituting: [rhoNode: replacement])[a.root]
            return try builder.graph(root: root)
        case .anchor:
            let left = try builder.insert(a)[a.root]
            let chosenSide = random.uniform() < 0.5
            let logRatio = try builder.add(
                .binary(.sub),
                chosenSide
                    ? [try builder.add(.input(.pc)), try builder.add(.input(.rc))]
                    : [try builder.add(.input(.pr)), try builder.add(.input(.rr))])
            var scaled = try builder.add(.binary(.mul), [try builder.add(.beta), logRatio])
            if !chosenSide { scaled = try builder.add(.unary(.neg), [scaled]) }
            let term = try builder.add(.unary(.neg), [try builder.add(.unary(.logsigmoid), [scaled])])
            let weight = try builder.constant(Self.pickValue([0.1, 0.25, 0.5], &random))
            let root = try builder.add(.binary(.add), [left, try builder.add(.binary(.mul), [weight, term])])
            return try builder.graph(root: root)
        case .refine:
            guard let rhoNode = a.nodes.firstIndex(where: { $0.op == .input(.rho) }) else { return nil }
            let lambda = Self.pickValue([0.25, 0.5, 1], &random)
            // pca - pc - pra + pr, written flat so that the child stays within the grammar's depth.
            let chosen = try builder.add(.binary(.sub), [try builder.add(.input(.pca)), try builder.add(.input(.pc))])
            let gap = try builder.add(.binary(.sub), [chosen, try builder.add(.input(.pra))])
            let delta = try builder.add(.detach, [try builder.add(.binary(.add), [gap, try builder.add(.input(.pr))])])
            let replacement = try builder.add(
                .binary(.sub), [try builder.add(.input(.rho)), try builder.add(.binary(.mul), [try builder.constant(lambda), delta])])
            let root = try builder.insert(a, substituting: [rhoNode: replacement])[a.root]
            return try builder.graph(root: root)
        case .mirror:
            guard let rhoNode = a.nodes.firstIndex(where: { $0.op == .input(.rho) }) else { return nil }
            let epsilon = Self.pickValue([0.05, 0.1, 0.2], &random)
            let original = try builder.insert(a)[a.root]
            let negated = try builder.add(.unary(.neg), [try builder.add(.input(.rho))])
            let mirrored = try builder.insert(a, substituting: [rhoNode: negated])[a.root]
            let root = try builder.add(
                .binary(.add),
                [
                    try builder.add(.binary(.mul), [try builder.constant(1 - epsilon), original]),
                    try builder.add(.binary(.mul), [try builder.constant(epsilon), mirrored]),
                ])
            return try builder.graph(root: root)
        case .margin, .temperature:
            guard let rhoNode = a.nodes.firstIndex(where: { $0.op == .input(.rho) }) else { return nil }
            let rho = try builder.add(.input(.rho))
            let replacement: NodeID
            if operation == .margin {
                let c = Self.pickValue([0.1, 0.25, 0.5, 1], &random)
                let margin = try builder.add(.binary(.div), [try builder.constant(c), try builder.add(.beta)])
                replacement = try builder.add(.binary(.sub), [rho, margin])
            } else {
                let t = Self.pickValue([0.5, 2], &random)
                replacement = try builder.add(.binary(.div), [rho, try builder.constant(t)])
            }
            let root = try builder.insert(a, substituting: [rhoNode: replacement])[a.root]
            return try builder.graph(root: root)
        }
    }

    /// A replacement for f(x), built from x.
    typealias Swap = @Sendable (inout GraphBuilder, NodeID) throws(LossError) -> NodeID

    /// Function families: saturating, ramps, even; logsigmoid(x) becomes -h(x) for the exponential,
    /// hinge and square loss shapes h (so -logsigmoid(z) becomes exp(-z), relu(1 - z) or (1 - z)^2).
    static let swaps: [UnaryFunction: [Swap]] = {
        func unary(_ f: UnaryFunction) -> Swap { { b, x throws(LossError) in try b.add(.unary(f), [x]) } }
        func negatedLoss(_ loss: @escaping @Sendable (inout GraphBuilder, NodeID) throws(LossError) -> NodeID) -> Swap {
            { b, x throws(LossError) in try b.add(.unary(.neg), [try loss(&b, x)]) }
        }
        let exponential = negatedLoss { b, x throws(LossError) in try b.add(.unary(.exp), [try b.add(.unary(.neg), [x])]) }
        let hinge = negatedLoss { b, x throws(LossError) in
            try b.add(.unary(.relu), [try b.add(.binary(.sub), [try b.constant(1), x])])
        }
        let square = negatedLoss { b, x throws(LossError) in
            try b.add(.unary(.square), [try b.add(.binary(.sub), [try b.constant(1), x])])
        }
        return [
            .sigmoid: [unary(.tanh)], .tanh: [unary(.sigmoid)],
            .softplus: [unary(.relu), unary(.exp)], .relu: [unary(.softplus), unary(.exp)], .exp: [unary(.softplus), unary(.relu)],
            .square: [unary(.abs)], .abs: [unary(.square)],
            .logsigmoid: [exponential, hinge, square],
        ]
    }()

    static func pick<T>(_ items: [T], _ random: inout RandomSource) -> T? {
        items.isEmpty ? nil : items[Int(random.next() % UInt64(items.count))]
    }

    static func pickValue(_ items: [Double], _ random: inout RandomSource) -> Double { pick(items, &random) ?? items[0] }

    /// Three significant digits, so that canonical forms stay readable.
    static func round(_ value: Double) -> Double {
        guard value != 0, value.isFinite else { return value }
        // Through the decimal text, so that the result is the double nearest the 3-digit decimal
        // (dividing by a power of ten below 1, itself inexact, gave 1229.9999999999998 for 1230).
        return Double(String(format: "%.3g", value)) ?? value
    }
}
