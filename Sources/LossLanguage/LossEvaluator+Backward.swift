import Foundation

extension LossEvaluator {
    /// Reverse pass after ``forward(pc:pr:rc:rr:betas:objectives:)``: accumulates adjoints from the
    /// root down and writes d(seeded output)/d pc and d pr of every segment.
    func backward(seed: Seed, gradPC: UnsafeMutablePointer<Double>, gradPR: UnsafeMutablePointer<Double>) {
        let (n, segments) = (batchSize * self.segments, self.segments)
        adjoints.update(repeating: 0, count: total)
        gradPC.update(repeating: 0, count: n)
        gradPR.update(repeating: 0, count: n)
        let root = graph.root
        guard carries[root] else { return }
        let rootSeed = seed == .mean ? 1 / Double(counts[root]) : 1
        (adjoints + offsets[root]).update(repeating: rootSeed, count: counts[root] * segments)

        for id in stride(from: root, through: 0, by: -1) where carries[id] {
            let args = arguments + 3 * id
            let g = adjoints + offsets[id]
            let y = values + offsets[id]
            let count = counts[id]
            let size = count * segments
            switch ops[id] {
            case let .input(input):
                switch input {
                case .pc: for i in 0..<n { gradPC[i] += g[i] }
                case .pr: for i in 0..<n { gradPR[i] += g[i] }
                case .rho: for i in 0..<n { gradPC[i] += g[i]; gradPR[i] -= g[i] }
                case .rc, .rr, .pca, .pra, .rca, .rra: break
                }
            case .fill:
                for s in 0..<segments {
                    var sum = 0.0
                    for i in 0..<count { sum += g[s * count + i] }
                    adjoints[offsets[args[0]] + s] += sum
                }
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
                    while i + 4 <= size {
                        let d = VectorMath.sigmoid(sign * load(x + i), expMinusMagnitude: load(e + i))
                        UnsafeMutableRawPointer(gx + i).storeBytes(of: load(gx + i) + load(g + i) * d, as: Vector.self)
                        i += 4
                    }
                    while i < size {
                        let d = VectorMath.sigmoid(Vector(sign * x[i], 0, 0, 0), expMinusMagnitude: Vector(e[i], 0, 0, 0))[0]
                        gx[i] += g[i] * d
                        i += 1
                    }
                default:
                    // The commonest derivatives as their own loops (vectorised); the same arithmetic as Kernels.derivative.
                    @inline(__always) func each(_ d: (_ x: Double, _ y: Double) -> Double) {
                        for i in 0..<size { gx[i] += g[i] * d(x[i], y[i]) }
                    }
                    switch f {
                    case .neg: each { _, _ in -1 }
                    case .exp: each { _, y in y }
                    case .square: each { x, _ in 2 * x }
                    default: each { x, y in Kernels.derivative(f, x: x, y: y) }
                    }
                }
            case let .binary(f):
                binaryBackward(f, args[0], args[1], g, y, count)
            case .select:
                let c = operand(args[0])
                accumulate(args[1], g, count) { s, i in c[s, i] != 0 ? 1 : 0 }
                accumulate(args[2], g, count) { s, i in c[s, i] != 0 ? 0 : 1 }
            case .reduce where perSampleStatistics:
                break  // no gradient flows through per-sample statistics
            case let .reduce(r):
                let arg = args[0], m = counts[arg]
                for s in 0..<segments {
                    let x = values + offsets[arg] + s * m, gx = adjoints + offsets[arg] + s * m
                    let gy = g[s]
                    switch r {
                    case .sum: for i in 0..<m { gx[i] += gy }
                    case .mean: for i in 0..<m { gx[i] += gy / Double(m) }
                    case .variance, .std:
                        let mean = Self.reduce(.mean, x, m)
                        let scale = r == .variance ? 2 / Double(m - 1) : 1 / (Double(m - 1) * y[s])
                        for i in 0..<m { gx[i] += gy * scale * (x[i] - mean) }
                    }
                }
            case .concat:
                let (a, b) = (args[0], args[1])
                let (ca, cb) = (counts[a], counts[b])
                for s in 0..<segments {
                    let ga = adjoints + offsets[a] + s * ca, gb = adjoints + offsets[b] + s * cb
                    for i in 0..<ca { ga[i] += g[s * count + i] }
                    for i in 0..<cb { gb[i] += g[s * count + ca + i] }
                }
            case .beta, .batchSize, .index, .constant, .compare, .detach:
                break
            }
        }
    }

    /// Adds g * d(segment, i) into the adjoint of `arg`, summing over each segment's batch when
    /// `arg` is a broadcast scalar.
    @inline(__always) private func accumulate(
        _ arg: NodeID, _ g: UnsafePointer<Double>, _ count: Int,
        _ d: (_ segment: Int, _ i: Int) -> Double
    ) {
        guard carries[arg] else { return }
        let ga = adjoints + offsets[arg]
        if counts[arg] == count {
            // Each segment's rows as their own pointers, so that the loop has no checked index
            // arithmetic and LLVM vectorises it (the same arithmetic).
            for s in 0..<segments {
                let (gs, gas) = (g + s * count, ga + s * count)
                for i in 0..<count { gas[i] += gs[i] * d(s, i) }
            }
        } else {
            for s in 0..<segments {
                var sum = 0.0
                for i in 0..<count { sum += g[s * count + i] * d(s, i) }
                ga[s] += sum
            }
        }
    }

    /// ``accumulate(_:_:_:_:)`` with d = the other factor of a product, its stride known in each
    /// loop so that LLVM vectorises it (the same arithmetic).
    @inline(__always) private func accumulate(_ arg: NodeID, _ g: UnsafePointer<Double>, _ count: Int, times other: Operand) {
        let (base, stride) = (other.base, other.count)
        if other.stride == 1 {
            accumulate(arg, g, count) { s, i in base[s &* stride &+ i] }
        } else {
            accumulate(arg, g, count) { s, _ in base[s] }
        }
    }

    private func binaryBackward(
        _ f: BinaryFunction, _ ia: NodeID, _ ib: NodeID, _ g: UnsafePointer<Double>,
        _ y: UnsafePointer<Double>, _ count: Int
    ) {
        let (a, b) = (operand(ia), operand(ib))
        switch f {
        case .add:
            accumulate(ia, g, count) { _, _ in 1 }
            accumulate(ib, g, count) { _, _ in 1 }
        case .sub:
            accumulate(ia, g, count) { _, _ in 1 }
            accumulate(ib, g, count) { _, _ in -1 }
        case .mul:
            accumulate(ia, g, count, times: b)
            accumulate(ib, g, count, times: a)
        case .div:
            accumulate(ia, g, count) { s, i in 1 / b[s, i] }
            accumulate(ib, g, count) { s, i in -y[s * count + i] / b[s, i] }
        case .pow:
            accumulate(ia, g, count) { s, i in
                let e = b[s, i]
                return e == 0 ? 0 : e * Foundation.pow(a[s, i], e - 1)
            }
            accumulate(ib, g, count) { s, i in
                let base = a[s, i]
                return base == 0 && b[s, i] >= 0 ? 0 : y[s * count + i] * Foundation.log(base)  // torch's mask at 0
            }
        case .min, .max:
            let pick: (Double, Double) -> Bool = f == .min ? { $0 < $1 } : { $0 > $1 }
            accumulate(ia, g, count) { s, i in
                let (x, z) = (a[s, i], b[s, i])
                return x == z ? 0.5 : (pick(x, z) ? 1 : 0)
            }
            accumulate(ib, g, count) { s, i in
                let (x, z) = (a[s, i], b[s, i])
                return x == z ? 0.5 : (pick(z, x) ? 1 : 0)
            }
        }
    }
}
