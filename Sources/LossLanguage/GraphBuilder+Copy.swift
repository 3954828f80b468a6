extension GraphBuilder {
    /// Adds every node of `graph` to this builder (canonicalising as usual) and returns, for each of
    /// its node ids, the id in this builder. A node listed in `substitutions` is not copied: the
    /// given id stands for it (and so for its whole subtree) wherever it is used.
    ///
    /// This is how the proposer edits losses: copy a parent with a subtree replaced.
    public mutating func insert(_ graph: LossGraph, substituting substitutions: [NodeID: NodeID] = [:]) throws(LossError) -> [NodeID] {
        var mapped: [NodeID] = []
        mapped.reserveCapacity(graph.nodes.count)
        for (id, node) in graph.nodes.enumerated() {
            if let replacement = substitutions[id] {
                mapped.append(replacement)
            } else {
                mapped.append(try add(node.op, node.args.map { mapped[$0] }))
            }
        }
        return mapped
    }
}
