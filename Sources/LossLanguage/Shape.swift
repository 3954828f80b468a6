/// The shape of a value in the IR: a scalar, or a vector of k·N elements for a batch of N samples.
public enum Shape: Hashable, Sendable, CustomStringConvertible {
    case scalar
    /// k·N elements: k = 1 is per-sample; `torch.cat` of two per-sample vectors gives k = 2.
    case vector(Int)

    /// The number of elements for a batch of `batchSize` samples.
    public func count(batchSize: Int) -> Int {
        switch self {
        case .scalar: 1
        case let .vector(k): k * batchSize
        }
    }

    public var isVector: Bool {
        if case .vector = self { return true }
        return false
    }

    /// How torch prints this shape for a batch of `batchSize` samples, e.g. `torch.Size([10])`.
    public func torchSize(batchSize: Int) -> String {
        switch self {
        case .scalar: "torch.Size([])"
        case let .vector(k): "torch.Size([\(k * batchSize)])"
        }
    }

    public var description: String {
        switch self {
        case .scalar: "scalar"
        case let .vector(k): k == 1 ? "(N,)" : "(\(k)N,)"
        }
    }

    /// The shape of an elementwise operation on operands of these shapes, or nil if they do not broadcast.
    static func broadcast(_ shapes: [Shape]) -> Shape? {
        var result = Shape.scalar
        for shape in shapes {
            switch (result, shape) {
            case (_, .scalar): continue
            case (.scalar, .vector): result = shape
            case let (.vector(a), .vector(b)): if a != b { return nil }
            }
        }
        return result
    }
}
