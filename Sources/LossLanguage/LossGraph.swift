/// The index of a node in a ``LossGraph``; arguments always have smaller indices than their users.
public typealias NodeID = Int

/// One node of the IR: an operation applied to earlier nodes.
public struct Node: Hashable, Sendable {
    public let op: Op
    public let args: [NodeID]
    public let shape: Shape
}

/// A loss in the IR: a DAG of typed nodes in canonical order, ending at the root (the returned value).
///
/// Graphs come from ``GraphBuilder`` and are canonical: constants folded, commutative operands in a
/// fixed order, equal subexpressions shared, nodes numbered in a post-order walk from the root. Two
/// sources that differ only in spelling, operand order or constant arithmetic give equal graphs.
public struct LossGraph: Hashable, Sendable {
    public let nodes: [Node]
    public let root: NodeID

    /// The shape of the returned value.
    public var outputShape: Shape { nodes[root].shape }

    /// The loss's size for parsimony: its distinct operations, inputs and constants (equal
    /// subexpressions once). A constant is one node whatever its digits, so tuning it is not growth.
    public var size: Int { nodes.count }

    /// How many times each node is used as an argument.
    public var useCounts: [Int] {
        var counts = [Int](repeating: 0, count: nodes.count)
        for node in nodes { for arg in node.args { counts[arg] += 1 } }
        return counts
    }

    /// Whether some sample's output depends on other samples (batch reductions, the index, the batch size).
    ///
    /// A graph without such coupling is separable: each output element is a function of one sample.
    public var couplesSamples: Bool {
        nodes.contains { node in
            switch node.op {
            case .reduce, .index, .batchSize: true
            default: false
            }
        }
    }

    /// The quality-prompted inputs the loss reads (``LossInput/qualityPrompted``), in their order.
    public var qualityInputs: [LossInput] {
        let read = Set(
            nodes.compactMap { node -> LossInput? in
                if case let .input(input) = node.op, input.isQualityPrompted { return input }
                return nil
            })
        return LossInput.qualityPrompted.filter(read.contains)
    }

    /// Whether the loss reads any log-probability under the quality prompt.
    public var readsQualityInputs: Bool { !qualityInputs.isEmpty }

    /// For each node, whether gradients can flow from it back to the policy log-probs (pc, pr).
    ///
    /// Detach, comparisons, conditions of `where`, integer-valued leaves and the quality-prompted
    /// log-probabilities (read without gradient) stop the flow.
    public var carriesGradient: [Bool] {
        var flags = [Bool](repeating: false, count: nodes.count)
        for (id, node) in nodes.enumerated() {
            switch node.op {
            case let .input(input): flags[id] = input == .pc || input == .pr || input == .rho
            case .beta, .batchSize, .index, .constant, .compare, .detach: flags[id] = false
            case .select: flags[id] = flags[node.args[1]] || flags[node.args[2]]
            default: flags[id] = node.args.contains { flags[$0] }
            }
        }
        return flags
    }
}
