import Foundation

extension GraphBuilder {
    /// The constant (or simpler node) that `op` on `args` folds to, or nil to build the node as is.
    ///
    /// Only folds that are exact in floating point and keep the shape: operations on constants whose
    /// result is finite, double negation, and repeated detaches.
    mutating func fold(_ op: Op, _ args: [NodeID]) throws(LossError) -> NodeID? {
        guard !args.isEmpty else { return nil }
        if op == .binary(.sub), let rho = try recogniseRho(args[0], args[1]) { return rho }
        let values = args.map { constantValue(of: $0) }
        if op == .unary(.neg), self.op(of: args[0]) == .unary(.neg) {  // -(-x) is x, exactly
            return nodes[args[0]].args[0]
        }
        if case .detach = op {
            if values[0] != nil { return args[0] }
            if case .detach = self.op(of: args[0]) { return args[0] }
            return nil
        }
        guard values.allSatisfy({ $0 != nil }) else { return nil }
        let v = values.map { $0! }
        let result: Double
        switch op {
        case let .unary(f): result = Kernels.apply(f, v[0])
        case let .binary(f): result = Kernels.apply(f, v[0], v[1])
        case let .compare(c): result = Kernels.compare(c, v[0], v[1])
        case .select: result = v[0] != 0 ? v[1] : v[2]
        case .reduce(.mean), .reduce(.sum): result = v[0]
        default: return nil
        }
        guard result.isFinite else { return nil }
        return try constant(Self.snappedToShortDecimal(result))
    }

    /// `value`, or the short decimal it is floating-point noise away from: `1 - 0.786` folds to
    /// 0.21399999999999997, which is 1 ulp from 0.214, and a reader should see `0.214`. A value whose
    /// 15-significant-digit rounding lies within 2 ulps is replaced by that rounding; any other value
    /// (1 / 3, say) is kept as computed. Literals are never changed, so the language can still write
    /// every double; folds move by at most 2 ulps, far below the fingerprint's 9 digits.
    static func snappedToShortDecimal(_ value: Double) -> Double {
        guard value.isFinite, value != 0, let short = Double(String(format: "%.15g", value)) else { return value }
        return Swift.abs(short - value) <= 2 * value.ulp ? short : value
    }

    /// `(pc - rc) - (pr - rr)` and `(pc - pr) - (rc - rr)`, the two ways losses spell the log-ratio
    /// difference, are the input rho (equal up to one rounding).
    private mutating func recogniseRho(_ left: NodeID, _ right: NodeID) throws(LossError) -> NodeID? {
        func inputs(_ id: NodeID) -> (LossInput, LossInput)? {
            guard op(of: id) == .binary(.sub) else { return nil }
            let args = nodes[id].args
            guard case let .input(a) = op(of: args[0]), case let .input(b) = op(of: args[1]) else { return nil }
            return (a, b)
        }
        guard let l = inputs(left), let r = inputs(right) else { return nil }
        if (l == (.pc, .rc) && r == (.pr, .rr)) || (l == (.pc, .pr) && r == (.rc, .rr)) {
            return try add(.input(.rho))
        }
        return nil
    }
}
