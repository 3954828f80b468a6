import Foundation

extension LossEvaluator {
    /// Computes every node's value; returns the objective (the mean of the output).
    @discardableResult
    public func forward(
        pc: UnsafePointer<Double>, pr: UnsafePointer<Double>, rc: UnsafePointer<Double>,
        rr: UnsafePointer<Double>, beta: Double
    ) -> Double {
        let n = batchSize
        for id in 0..<graph.nodes.count {
            let out = values + offsets[id]
            let count = counts[id]
            let args = arguments + 3 * id
            switch ops[id] {
            case let .input(input):
                switch input {
                case .pc: out.update(from: pc, count: n)
                case .pr: out.update(from: pr, count: n)
                case .rc: out.update(from: rc, count: n)
                case .rr: out.update(from: rr, count: n)
                case .rho: for i in 0..<n { out[i] = (pc[i] - rc[i]) - (pr[i] - rr[i]) }
                }
            case .beta: out[0] = beta
            case .batchSize: out[0] = Double(n)
            case .index: for i in 0..<n { out[i] = Double(i) }
            case let .constant(c): out[0] = c
            case .fill where counts[args[0]] > 1:  // a per-sample statistic, one copy per block
                for start in stride(from: 0, to: count, by: counts[args[0]]) {
                    (out + start).update(from: values + offsets[args[0]], count: counts[args[0]])
                }
            case .fill: out.update(repeating: values[offsets[args[0]]], count: count)
            case .detach: out.update(from: values + offsets[args[0]], count: count)
            case let .unary(f) where f == .softplus || f == .logsigmoid:
                logistic(negated: f == .logsigmoid, values + offsets[args[0]], out, expMinusMagnitudes + offsets[id], count)
            case let .unary(f):
                let x = values + offsets[args[0]]
                unary(f, x, out, count)
            case let .binary(f):
                let (a, sa) = operand(args[0]), (b, sb) = operand(args[1])
                binary(f, a, sa, b, sb, out, count)
            case let .compare(c):
                let (a, sa) = operand(args[0]), (b, sb) = operand(args[1])
                for i in 0..<count { out[i] = Kernels.compare(c, a[i * sa], b[i * sb]) }
            case .select:
                let (c, sc) = operand(args[0]), (a, sa) = operand(args[1]), (b, sb) = operand(args[2])
                for i in 0..<count { out[i] = c[i * sc] != 0 ? a[i * sa] : b[i * sb] }
            case let .reduce(r):
                let x = values + offsets[args[0]]
                if perSampleStatistics {
                    statistics?(id, x, counts[args[0]], out)
                } else {
                    out[0] = Self.reduce(r, x, counts[args[0]])
                }
            case .concat:
                let a = args[0], b = args[1]
                out.update(from: values + offsets[a], count: counts[a])
                (out + counts[a]).update(from: values + offsets[b], count: counts[b])
            }
        }
        let root = values + offsets[graph.root]
        var sum = 0.0
        for i in 0..<counts[graph.root] { sum += root[i] }
        return sum / Double(counts[graph.root])
    }

    /// A node's values with its stride: 0 for a scalar broadcast against a vector.
    @inline(__always) func operand(_ id: NodeID) -> (UnsafeMutablePointer<Double>, Int) {
        (values + offsets[id], counts[id] == 1 ? 0 : 1)
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

    @inline(__always) private func zip(
        _ a: UnsafePointer<Double>, _ sa: Int, _ b: UnsafePointer<Double>, _ sb: Int,
        _ out: UnsafeMutablePointer<Double>, _ count: Int, _ f: (Double, Double) -> Double
    ) {
        if sa == 1, sb == 1 {
            for i in 0..<count { out[i] = f(a[i], b[i]) }
        } else {
            for i in 0..<count { out[i] = f(a[i * sa], b[i * sb]) }
        }
    }

    private func binary(
        _ f: BinaryFunction, _ a: UnsafePointer<Double>, _ sa: Int, _ b: UnsafePointer<Double>, _ sb: Int,
        _ out: UnsafeMutablePointer<Double>, _ count: Int
    ) {
        switch f {
        case .add: zip(a, sa, b, sb, out, count) { $0 + $1 }
        case .sub: zip(a, sa, b, sb, out, count) { $0 - $1 }
        case .mul: zip(a, sa, b, sb, out, count) { $0 * $1 }
        case .div: zip(a, sa, b, sb, out, count) { $0 / $1 }
        case .pow: zip(a, sa, b, sb, out, count) { Kernels.apply(.pow, $0, $1) }
        case .min: zip(a, sa, b, sb, out, count) { Kernels.apply(.min, $0, $1) }
        case .max: zip(a, sa, b, sb, out, count) { Kernels.apply(.max, $0, $1) }
        }
    }
}
