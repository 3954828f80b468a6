/// Builds canonical ``LossGraph``s: checks shapes, folds constants, orders commutative operands and
/// shares equal subexpressions as nodes are added.
///
/// Parsers, the canonical printer's inverse and the proposer's mutation operators all build through
/// it, so every graph in the system is canonical by construction.
public struct GraphBuilder: Sendable {
    /// The most nodes a finished graph may have (docs/architecture.md §3).
    public static let nodeLimit = 2_000
    /// The most nodes built along the way (dead and folded ones included), a bound on parsing work.
    public static let workLimit = 50_000

    private(set) var nodes: [Node] = []
    private var hashes: [UInt64] = []
    private var lookup: [Node: NodeID] = [:]

    public init() {}

    /// The shape of a node already built.
    public func shape(of id: NodeID) -> Shape { nodes[id].shape }

    /// The op of a node already built.
    public func op(of id: NodeID) -> Op { nodes[id].op }

    /// The constant value of a node, if it is a constant.
    public func constantValue(of id: NodeID) -> Double? {
        if case let .constant(value) = nodes[id].op { return value }
        return nil
    }

    /// Adds `op` applied to `args` (or finds the equal node already built) and returns its id.
    ///
    /// - Throws: ``LossError/shape(_:line:)`` when the operands do not fit together,
    ///   ``LossError/tooLarge(_:)`` past ``workLimit``.
    public mutating func add(_ op: Op, _ args: [NodeID] = [], line: Int? = nil) throws(LossError) -> NodeID {
        precondition(args.count == op.arity, "\(op) takes \(op.arity) arguments")
        if let folded = try fold(op, args) { return folded }
        var args = args
        if case let .binary(f) = op, f.isCommutative, precedes(args[1], args[0]) { args.swapAt(0, 1) }
        var op = op
        if case let .compare(c) = op {
            // Canonical direction: `a > b` is `b < a`; only == and != have orderable operands.
            if c == .gt || c == .ge || ((c == .eq || c == .ne) && precedes(args[1], args[0])) {
                args.swapAt(0, 1)
                op = .compare(c.swapped)
            }
        }
        if case let .constant(value) = op, value == 0 { op = .constant(0) }  // -0 is 0
        let node = Node(op: op, args: args, shape: try shape(of: op, args, line: line))
        if let existing = lookup[node] { return existing }
        guard nodes.count < Self.workLimit else {
            throw .tooLarge("The loss is too large: more than \(Self.workLimit) operations while parsing")
        }
        let id = nodes.count
        nodes.append(node)
        hashes.append(StructuralHash.of(op, args.map { hashes[$0] }))
        lookup[node] = id
        return id
    }

    /// Adds a scalar constant.
    public mutating func constant(_ value: Double) throws(LossError) -> NodeID {
        guard value.isFinite else { throw .unsupported("constant \(value) is not a finite number", line: nil) }
        return try add(.constant(value))
    }

    /// The finished graph: the nodes reachable from `root`, renumbered in canonical post-order.
    ///
    /// - Throws: ``LossError/tooLarge(_:)`` when more than ``nodeLimit`` nodes remain.
    public func graph(root: NodeID) throws(LossError) -> LossGraph {
        var newID = [NodeID: NodeID]()
        var ordered: [Node] = []
        // Iterative post-order walk: arguments first, in their (canonical) order.
        var stack: [(id: NodeID, nextArg: Int)] = [(root, 0)]
        while let top = stack.last {
            let node = nodes[top.id]
            if newID[top.id] != nil {
                stack.removeLast()
            } else if top.nextArg < node.args.count {
                stack[stack.count - 1].nextArg += 1
                let arg = node.args[top.nextArg]
                if newID[arg] == nil { stack.append((arg, 0)) }
            } else {
                stack.removeLast()
                newID[top.id] = ordered.count
                ordered.append(Node(op: node.op, args: node.args.map { newID[$0]! }, shape: node.shape))
            }
        }
        guard ordered.count <= Self.nodeLimit else {
            throw .tooLarge("The loss is too large: \(ordered.count) operations (the limit is \(Self.nodeLimit))")
        }
        return LossGraph(nodes: ordered, root: newID[root]!)
    }

    /// Whether node `a` goes before node `b` among commutative operands: constants, then beta and
    /// the batch size, then the inputs in their order, then everything else by structural hash.
    private func precedes(_ a: NodeID, _ b: NodeID) -> Bool {
        let (ka, kb) = (sortKey(a), sortKey(b))
        if ka.rank != kb.rank { return ka.rank < kb.rank }
        if ka.sub != kb.sub { return ka.sub < kb.sub }
        return hashes[a] < hashes[b]
    }

    private func sortKey(_ id: NodeID) -> (rank: Int, sub: Double) {
        switch nodes[id].op {
        case let .constant(value): (0, value)
        case .beta: (1, 0)
        case .batchSize: (2, 0)
        case let .input(input): (3, Double(LossInput.allCases.firstIndex(of: input) ?? 0))
        case .index: (4, 0)
        default: (5, 0)
        }
    }

    private func shape(of op: Op, _ args: [NodeID], line: Int?) throws(LossError) -> Shape {
        let shapes = args.map { nodes[$0].shape }
        switch op {
        case .input, .index: return .vector(1)
        case .beta, .batchSize, .constant, .reduce: return .scalar
        case let .fill(k):
            guard shapes[0] == .scalar else { throw .shape("a fill value must be a scalar", line: line) }
            return .vector(k)
        case .unary, .detach: return shapes[0]
        case .binary, .compare, .select:
            guard let shape = Shape.broadcast(shapes) else {
                let listed = shapes.map(\.description).joined(separator: " and ")
                throw .shape("operands of shapes \(listed) do not broadcast", line: line)
            }
            return shape
        case .concat:
            guard case let .vector(a) = shapes[0], case let .vector(b) = shapes[1] else {
                throw .shape("torch.cat needs two per-sample tensors, got \(shapes[0]) and \(shapes[1])", line: line)
            }
            return .vector(a + b)
        }
    }
}
