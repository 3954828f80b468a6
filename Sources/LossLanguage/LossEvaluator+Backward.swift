import Foundation

extension LossEvaluator {
    /// Reverse pass after ``forward(pc:pr:rc:rr:beta:)``: accumulates adjoints from the root down and
    /// writes d(seeded output)/d pc and d pr.
    func backward(seed: Seed, gradPC: UnsafeMutablePointer<Double>, gradPR: UnsafeMutablePointer<Double>) {
        let n = batchSize
        adjoints.update(repeating: 0, count: total)
        gradPC.update(repeating: 0, count: n)
        gradPR.update(repeating: 0, count: n)
        let root = graph.root
        guard carries[root] else { return }
        let rootSeed = seed == .mean ? 1 / Double(counts[root]) : 1
        (adjoints + offsets[root]).update(repeating: rootSeed, count: counts[root])

        for id in stride(from: root, through: 0, by: -1) where carries[id] {
            let args = arguments + 3 * id
            let g = adjoints + offsets[id]
            let y = values + offsets[id]
            let count = counts[id]
            switch ops[id] {
            case let .input(input):
                switch input {
                case .pc: for i in 0..<n { gradPC[i] += g[i] }
                case .pr: for i in 0..<n { gradPR[i] += g[i] }
                case .rho: for i in 0..<n { gradPC[i] += g[i]; gradPR[i] -= g[i] }
                case .rc, .rr: break
                }
            case .fill:
                var sum = 0.0
                for i in 0..<count { sum += g[i] }
                adjoints[offsets[args[0]]] += sum
            case let .unary(f):
                let x = values + offsets[args[0]]
                let gx = adjoints + offsets[args[0]]
                switch f {
                case .logsigmoid, .softplus:  // derivative sigmoid(-x) or sigmoid(x), from the forward pass's e^-|x|
                    let sign: Double = f == .logsigmoid ? -1 : 1
                    let e = expMinusMagnitudes + offsets[id]
                    typealias Vector = VectorMath.Vector
                    func load(_ p: UnsafePointer<Double>) -> Vector { UnsafeRawPointer(p).loadUnaligned(as: Vector.self) }
                    var i = 0
                    while i + 4 <= count {
                        let d = VectorMath.sigmoid(sign * load(x + i), expMinusMagnitude: load(e + i))
                        UnsafeMutableRawPointer(gx + i).storeBytes(of: load(gx + i) + load(g + i) * d, as: Vector.self)
                        i += 4
                    }
                    while i < count {
                        let d = VectorMath.sigmoid(Vector(sign * x[i], 0, 0, 0), expMinusMagnitude: Vector(e[i], 0, 0, 0))[0]
                        gx[i] += g[i] * d
                        i += 1
                    }
                default:
                    for i in 0..<count { gx[i] += g[i] * Kernels.derivative(f, x: x[i], y: y[i]) }
                }
            case let .binary(f):
                binaryBackward(f, args[0], args[1], g, y, count)
            case .select:
                let (c, sc) = operand(args[0])
                accumulate(args[1], g, count) { i in c[i * sc] != 0 ? 1 : 0 }
                accumulate(args[2], g, count) { i in c[i * sc] != 0 ? 0 : 1 }
            case .reduce where perSampleStatistics:
                break  // no gradient flows through per-sample statistics
            case let .reduce(r):
                let arg = args[0]
                let x = values + offsets[arg], gx = adjoints + offsets[arg], m = counts[arg]
                let gy = g[0]
                switch r {
                case .sum: for i in 0..<m { gx[i] += gy }
                case .mean: for i in 0..<m { gx[i] += gy / Double(m) }
                case .variance, .std:
                    let mean = Self.reduce(.mean, x, m)
                    let scale = r == .variance ? 2 / Double(m - 1) : 1 / (Double(m - 1) * y[0])
                    for i in 0..<m { gx[i] += gy * scale * (x[i] - mean) }
                }
            case .concat:
                let a = args[0], b = args[1]
                let ga = adjoints + offsets[a], gb = adjoints + offsets[b]
                for i in 0..<counts[a] { ga[i] += g[i] }
                for i in 0..<counts[b] { gb[i] += g[counts[a] + i] }
            case .beta, .batchSize, .index, .constant, .compare, .detach:
                break
            }
        }
    }

    /// Adds g[i] * d(i) into the adjoint of `arg`, summing over the batch when `arg` is a broadcast scalar.
    @inline(__always) private func accumulate(
        _ arg: NodeID, _ g: UnsafePointer<Double>, _ count: Int,
        _ d: (Int) -> Double
    ) {
        guard carries[arg] else { return }
        let ga = adjoints + offsets[arg]
        if counts[arg] == count {
            for i in 0..<count { ga[i] += g[i] * d(i) }
        } else {
            var sum = 0.0
            for i in 0..<count { sum += g[i] * d(i) }
            ga[0] += sum
        }
    }

    private func binaryBackward(
        _ f: BinaryFunction, _ ia: NodeID, _ ib: NodeID, _ g: UnsafePointer<Double>,
        _ y: UnsafePointer<Double>, _ count: Int
    ) {
        let (a, sa) = operand(ia), (b, sb) = operand(ib)
        switch f {
        case .add:
            accumulate(ia, g, count) { _ in 1 }
            accumulate(ib, g, count) { _ in 1 }
        case .sub:
            accumulate(ia, g, count) { _ in 1 }
            accumulate(ib, g, count) { _ in -1 }
        case .mul:
            accumulate(ia, g, count) { i in b[i * sb] }
            accumulate(ib, g, count) { i in a[i * sa] }
        case .div:
            accumulate(ia, g, count) { i in 1 / b[i * sb] }
            accumulate(ib, g, count) { i in -y[i] / b[i * sb] }
        case .pow:
            accumulate(ia, g, count) { i in
                let e = b[i * sb]
                return e == 0 ? 0 : e * Foundation.pow(a[i * sa], e - 1)
            }
            accumulate(ib, g, count) { i in
                let base = a[i * sa]
                return base == 0 && b[i * sb] >= 0 ? 0 : y[i] * Foundation.log(base)  // torch's mask at 0
            }
        case .min, .max:
            let pick: (Double, Double) -> Bool = f == .min ? { $0 < $1 } : { $0 > $1 }
            accumulate(ia, g, count) { i in
                let (x, z) = (a[i * sa], b[i * sb])
                return x == z ? 0.5 : (pick(x, z) ? 1 : 0)
            }
            accumulate(ib, g, count) { i in
                let (x, z) = (a[i * sa], b[i * sb])
                return x == z ? 0.5 : (pick(z, x) ? 1 : 0)
            }
        }
    }
}
