import Foundation

extension LossEvaluator {
    /// One argument of a node: its values, and how to find segment s's element i (a scalar is
    /// broadcast: element stride 0).
    struct Operand {
        let base: UnsafeMutablePointer<Double>
        let count: Int
        /// 1, or 0 for a scalar.
        let stride: Int
        @inline(__always) init(_ base: UnsafeMutablePointer<Double>, count: Int) {
            (self.base, self.count, stride) = (base, count, count == 1 ? 0 : 1)
        }
        /// Unchecked index arithmetic (an index is within the node's buffer), so that loops over it vectorise.
        @inline(__always) subscript(_ segment: Int, _ i: Int) -> Double { base[segment &* count &+ i &* stride] }
    }

    /// A node's values as an argument.
    @inline(__always) func operand(_ id: NodeID) -> Operand { Operand(values + offsets[id], count: counts[id]) }

    /// Computes every node's value of one segment; returns the objective (the mean of the output).
    @discardableResult
    public func forward(
        pc: UnsafePointer<Double>, pr: UnsafePointer<Double>, rc: UnsafePointer<Double>,
        rr: UnsafePointer<Double>, quality: QualityPointers? = nil, beta: Double
    ) -> Double {
        precondition(segments == 1, "an evaluator of \(segments) segments takes one beta per segment")
        var (beta, objective) = (beta, 0.0)
        forward(pc: pc, pr: pr, rc: rc, rr: rr, quality: quality, betas: &beta, objectives: &objective)
        return objective
    }

    /// Where a quality-prompted input's values are.
    static func source(of input: LossInput, in quality: QualityPointers?) -> UnsafePointer<Double> {
        guard let quality else { preconditionFailure("the loss reads \(input.rawValue), and the batch has no quality-prompted log-probs") }
        switch input {
        case .pra: return quality.pra
        case .rca: return quality.rca
        case .rra: return quality.rra
        default: return quality.pca
        }
    }

    /// Computes every node's value of every segment, and each segment's objective. `quality` must
    /// be given when the loss reads the quality-prompted log-probabilities (tasks check that first).
    public func forward(
        pc: UnsafePointer<Double>, pr: UnsafePointer<Double>, rc: UnsafePointer<Double>,
        rr: UnsafePointer<Double>, quality: QualityPointers? = nil, betas: UnsafePointer<Double>,
        objectives: UnsafeMutablePointer<Double>
    ) {
        let (n, segments) = (batchSize, self.segments)
        let inputs = n * segments
        for id in 0..<graph.nodes.count {
            let out = values + offsets[id]
            let count = counts[id]
            let size = count * segments
            let args = arguments + 3 * id
            switch ops[id] {
            case let .input(input):
                switch input {
                case .pc: out.update(from: pc, count: inputs)
                case .pr: out.update(from: pr, count: inputs)
                case .rc: out.update(from: rc, count: inputs)
                case .rr: out.update(from: rr, count: inputs)
                case .rho: for i in 0..<inputs { out[i] = (pc[i] - rc[i]) - (pr[i] - rr[i]) }
                case .pca, .pra, .rca, .rra: out.update(from: Self.source(of: input, in: quality), count: inputs)
                }
            case .beta: out.update(from: betas, count: segments)
            case .batchSize: out.update(repeating: Double(n), count: segments)
            case .index:
                for s in 0..<segments { for i in 0..<n { out[s * n + i] = Double(i) } }
            case let .constant(c): out.update(repeating: c, count: segments)
            case .fill where perSampleStatistics && counts[args[0]] > 1:  // a per-sample statistic, one copy per block
                for start in stride(from: 0, to: count, by: counts[args[0]]) {
                    (out + start).update(from: values + offsets[args[0]], count: counts[args[0]])
                }
            case .fill:
                let scalar = values + offsets[args[0]]
                for s in 0..<segments { (out + s * count).update(repeating: scalar[s], count: count) }
            case .detach: out.update(from: values + offsets[args[0]], count: size)
            case let .unary(f) where f == .softplus || f == .logsigmoid:
                logistic(negated: f == .logsigmoid, values + offsets[args[0]], out, expMinusMagnitudes + offsets[id], size)
            case let .unary(f):
                unary(f, values + offsets[args[0]], out, size)
            case let .binary(f):
                binary(f, operand(args[0]), operand(args[1]), out, count)
            case let .compare(c):
                let (a, b) = (operand(args[0]), operand(args[1]))
                for s in 0..<segments {
                    for i in 0..<count { out[s * count + i] = Kernels.compare(c, a[s, i], b[s, i]) }
                }
            case .select:
                let (c, a, b) = (operand(args[0]), operand(args[1]), operand(args[2]))
                for s in 0..<segments {
                    for i in 0..<count { out[s * count + i] = c[s, i] != 0 ? a[s, i] : b[s, i] }
                }
            case let .reduce(r):
                let (x, m) = (values + offsets[args[0]], counts[args[0]])
                if perSampleStatistics {
                    statistics?(id, x, m, out)
                } else {
                    for s in 0..<segments { out[s] = Self.reduce(r, x + s * m, m) }
                }
            case .concat:
                let (a, b) = (operand(args[0]), operand(args[1]))
                for s in 0..<segments {
                    (out + s * count).update(from: a.base + s * a.count, count: a.count)
                    (out + s * count + a.count).update(from: b.base + s * b.count, count: b.count)
                }
            }
        }
        let root = values + offsets[graph.root]
        let count = counts[graph.root]
        for s in 0..<segments {
            var sum = 0.0
            for i in 0..<count { sum += root[s * count + i] }
            objectives[s] = sum / Double(count)
        }
    }

    static func reduce(_ r: Reduction, _ x: UnsafePointer<Double>, _ count: Int) -> Double {
        var sum = 0.0
        for i in 0..<count { sum += x[i] }
        switch r {
        case .sum: return sum
        case .mean: return sum / Double(count)
        case .variance, .std:
            let mean = sum / Double(count)
            var squares = 0.0
            for i in 0..<count { squares += (x[i] - mean) * (x[i] - mean) }
            let variance = squares / Double(count - 1)  // unbiased, as torch; NaN for one element
            return r == .variance ? variance : variance.squareRoot()
        }
    }

    @inline(__always) private func map(
        _ x: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>, _ count: Int,
        _ f: (Double) -> Double
    ) {
        for i in 0..<count { out[i] = f(x[i]) }
    }

    /// softplus(x), or logsigmoid(x) = -softplus(-x) when `negated`, four at a time (the tail
    /// padded), keeping e^-|x| of each element in `e` for the backward pass.
    private func logistic(
        negated: Bool, _ x: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>,
        _ e: UnsafeMutablePointer<Double>, _ count: Int
    ) {
        typealias Vector = VectorMath.Vector
        if logisticPrecision == .single {
            VectorMath.softplusAndExpSingle(x, sign: negated ? -1 : 1, out, e, count, scratch: singleScratch)
            return
        }
        let sign = Vector(repeating: negated ? -1 : 1)
        var i = 0
        while i + 4 <= count {
            let (value, exp) = VectorMath.softplusAndExp(sign * UnsafeRawPointer(x + i).loadUnaligned(as: Vector.self))
            UnsafeMutableRawPointer(out + i).storeBytes(of: sign * value, as: Vector.self)
            UnsafeMutableRawPointer(e + i).storeBytes(of: exp, as: Vector.self)
            i += 4
        }
        if i < count {
            var v = Vector()
            for j in 0..<(count - i) { v[j] = x[i + j] }
            let (value, exp) = VectorMath.softplusAndExp(sign * v)
            for j in 0..<(count - i) { (out[i + j], e[i + j]) = (sign[j] * value[j], exp[j]) }
        }
    }

    private func unary(_ f: UnaryFunction, _ x: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>, _ count: Int) {
        switch f {
        case .neg: map(x, out, count) { -$0 }
        case .exp: VectorMath.map(x, out, count, VectorMath.exp)
        case .expm1: map(x, out, count) { Foundation.expm1($0) }
        case .log: map(x, out, count) { Foundation.log($0) }
        case .log1p: map(x, out, count) { Foundation.log1p($0) }
        case .sigmoid: VectorMath.map(x, out, count, VectorMath.sigmoid)
        case .logsigmoid: VectorMath.map(x, out, count, VectorMath.logsigmoid)  // forward() uses logistic(negated:)
        case .softplus: VectorMath.map(x, out, count, VectorMath.softplus)
        case .tanh: map(x, out, count) { Foundation.tanh($0) }
        case .relu: map(x, out, count) { $0 > 0 ? $0 : 0 }
        case .abs: map(x, out, count) { Swift.abs($0) }
        case .sqrt: map(x, out, count) { $0.squareRoot() }
        case .square: map(x, out, count) { $0 * $0 }
        }
    }

    /// out = f(a, b) elementwise over every segment; a scalar argument is broadcast within its segment.
    @inline(__always) private func zip(
        _ a: Operand, _ b: Operand, _ out: UnsafeMutablePointer<Double>, _ count: Int, _ f: (Double, Double) -> Double
    ) {
        // The element stride known in each loop (not read from the operand), so that LLVM vectorises it.
        if a.count == count, b.count == count {
            for i in 0..<(count * segments) { out[i] = f(a.base[i], b.base[i]) }
        } else if a.count == count, b.stride == 0 {
            for s in 0..<segments {
                let (x, y, o) = (a.base + s * count, b.base[s], out + s * count)
                for i in 0..<count { o[i] = f(x[i], y) }
            }
        } else if b.count == count, a.stride == 0 {
            for s in 0..<segments {
                let (x, y, o) = (a.base[s], b.base + s * count, out + s * count)
                for i in 0..<count { o[i] = f(x, y[i]) }
            }
        } else {
            for s in 0..<segments {
                for i in 0..<count { out[s * count + i] = f(a[s, i], b[s, i]) }
            }
        }
    }

    private func binary(_ f: BinaryFunction, _ a: Operand, _ b: Operand, _ out: UnsafeMutablePointer<Double>, _ count: Int) {
        switch f {
        case .add: zip(a, b, out, count) { $0 + $1 }
        case .sub: zip(a, b, out, count) { $0 - $1 }
        case .mul: zip(a, b, out, count) { $0 * $1 }
        case .div: zip(a, b, out, count) { $0 / $1 }
        case .pow: zip(a, b, out, count) { Kernels.apply(.pow, $0, $1) }
        case .min: zip(a, b, out, count) { Kernels.apply(.min, $0, $1) }
        case .max: zip(a, b, out, count) { Kernels.apply(.max, $0, $1) }
        }
    }
}
