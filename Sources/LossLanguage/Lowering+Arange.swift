extension Lowering {
    /// `torch.arange` over the batch, as the position `i` of each pair: `arange(N)` and
    /// `arange(c, N + c)` are `c + i`; `arange(N - 1 + c, -1 + c, -1)` (the DiscoPOP paper's
    /// reversed positions) is `N - 1 + c - i`. Anything whose length is not the batch size `N` is refused.
    mutating func arange(_ call: Arguments, count: Int, line: Int) throws(LossError) -> NodeID {
        let start = count >= 2 || call.kwargs["start"] != nil ? try call.tensor(0, "start") : try builder.constant(0)
        let end = try call.tensor(count >= 2 ? 1 : 0, "end")
        let step =
            try call.optional(2, "step").map { id throws(LossError) -> Double in
                guard let value = builder.constantValue(of: id), value == 1 || value == -1 else {
                    throw .unsupported("torch.arange's step must be 1 or -1", line: line)
                }
                return value
            } ?? 1
        let index = try builder.add(.index)
        // Counting up, start c and end N + c; counting down, start N + c and end c (both length N).
        let (from, to) = step == 1 ? (start, end) : (end, start)
        guard let offset = batchSizeOffset(to), builder.constantValue(of: from) == offset else {
            throw .unsupported("torch.arange must count the batch: arange(N), arange(c, N + c) or arange(N - 1, -1, -1) with N = policy_chosen_logps.size(0)", line: line)
        }
        if step == 1 { return offset == 0 ? index : try builder.add(.binary(.add), [start, index], line: line) }
        return try builder.add(.binary(.sub), [start, index], line: line)
    }

    /// `c` when `id` is the batch size plus a constant `c` (`N`, `N - 1`, `N + 2`).
    private func batchSizeOffset(_ id: NodeID) -> Double? {
        let node = builder.nodes[id]
        switch node.op {
        case .batchSize: return 0
        case .binary(.add):
            if case .batchSize = builder.op(of: node.args[0]), let c = builder.constantValue(of: node.args[1]) { return c }
            if case .batchSize = builder.op(of: node.args[1]), let c = builder.constantValue(of: node.args[0]) { return c }
            return nil
        case .binary(.sub):
            if case .batchSize = builder.op(of: node.args[0]), let c = builder.constantValue(of: node.args[1]) { return -c }
            return nil
        default: return nil
        }
    }
}
