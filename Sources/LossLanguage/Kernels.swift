import Foundation

/// Scalar definitions of every elementwise operation and its derivative, shared by constant folding
/// and by the evaluator so that both compute bit-identical values.
enum Kernels {
    // The exp family goes through VectorMath, as in the evaluator's loops, so folded constants and
    // evaluated values agree bit for bit.
    @inline(__always) static func sigmoid(_ x: Double) -> Double { VectorMath.scalar(x, VectorMath.sigmoid) }
    @inline(__always) static func softplus(_ x: Double) -> Double { VectorMath.scalar(x, VectorMath.softplus) }
    @inline(__always) static func logsigmoid(_ x: Double) -> Double { VectorMath.scalar(x, VectorMath.logsigmoid) }
    @inline(__always) static func exp(_ x: Double) -> Double { VectorMath.scalar(x, VectorMath.exp) }

    @inline(__always) static func apply(_ f: UnaryFunction, _ x: Double) -> Double {
        switch f {
        case .neg: -x
        case .exp: exp(x)
        case .expm1: Foundation.expm1(x)
        case .log: Foundation.log(x)
        case .log1p: Foundation.log1p(x)
        case .sigmoid: sigmoid(x)
        case .logsigmoid: logsigmoid(x)
        case .softplus: softplus(x)
        case .tanh: Foundation.tanh(x)
        case .relu: x > 0 ? x : 0
        case .abs: Swift.abs(x)
        case .sqrt: x.squareRoot()
        case .square: x * x
        }
    }

    /// dy/dx of `f` at x, given y = f(x); at kinks, the value torch uses (relu' = 0 and abs' = 0 at 0).
    @inline(__always) static func derivative(_ f: UnaryFunction, x: Double, y: Double) -> Double {
        switch f {
        case .neg: -1
        case .exp: y
        case .expm1: y + 1
        case .log: 1 / x
        case .log1p: 1 / (1 + x)
        case .sigmoid: y * (1 - y)
        case .logsigmoid: sigmoid(-x)
        case .softplus: sigmoid(x)
        case .tanh: 1 - y * y
        case .relu: x > 0 ? 1 : 0
        case .abs: x > 0 ? 1 : (x < 0 ? -1 : 0)
        case .sqrt: 0.5 / y
        case .square: 2 * x
        }
    }

    @inline(__always) static func apply(_ f: BinaryFunction, _ a: Double, _ b: Double) -> Double {
        switch f {
        case .add: a + b
        case .sub: a - b
        case .mul: a * b
        case .div: a / b
        case .pow: Foundation.pow(a, b)
        case .min: a.isNaN || b.isNaN ? .nan : Swift.min(a, b)
        case .max: a.isNaN || b.isNaN ? .nan : Swift.max(a, b)
        }
    }

    @inline(__always) static func compare(_ c: Comparison, _ a: Double, _ b: Double) -> Double {
        let holds: Bool
        switch c {
        case .lt: holds = a < b
        case .le: holds = a <= b
        case .gt: holds = a > b
        case .ge: holds = a >= b
        case .eq: holds = a == b
        case .ne: holds = a != b
        }
        return holds ? 1 : 0
    }
}
