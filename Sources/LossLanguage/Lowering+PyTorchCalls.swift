extension Lowering {
    /// Calls of `torch.*`, `F.*`, `math.*` and the few builtins.
    mutating func pythonCall(_ name: String, _ args: [Value], _ kwargs: [String: Value], line: Int) throws(LossError) -> Value {
        let short = String(name.split(separator: ".").last ?? "")
        var call = Arguments(name: short, args, kwargs, line: line, lowering: self)
        if name.hasPrefix("math.") {
            return .tensor(try mathCall(short, &call))
        }
        switch short {
        case "tensor", "as_tensor":
            let x = try call.tensor(0)
            guard builder.shape(of: x) == .scalar else { throw .unsupported("torch.tensor of a per-sample value is not supported", line: line) }
            return .tensor(x)
        case "len":
            return .tensor(try batchSize(times: count(of: try call.tensor(0)), line: line))
        case "float":
            return .tensor(try call.tensor(0))
        case "min" where !name.hasPrefix("torch."), "max" where !name.hasPrefix("torch."):
            let (a, b) = (try call.tensor(0), try call.tensor(1))
            guard builder.shape(of: a) == .scalar, builder.shape(of: b) == .scalar else {
                throw .unsupported("Python's \(short)() on tensors is not elementwise; use torch.\(short == "min" ? "minimum" : "maximum")", line: line)
            }
            return .tensor(try builder.add(.binary(short == "min" ? .min : .max), [a, b], line: line))
        case "where":
            return .tensor(try builder.add(.select, [try call.tensor(0), try call.tensor(1), try call.tensor(2)], line: line))
        case "clamp", "clip":
            let x = try call.tensor(0)
            return .tensor(try clamp(x, low: try call.optional(1, "min"), high: try call.optional(2, "max"), line: line))
        case "mean", "sum", "var", "std":
            return try reduce(short, try call.tensor(0), &call, firstOption: 1)
        case "cat", "concat", "concatenate":
            guard case let .tuple(items) = args.first, !items.isEmpty else {
                throw .unsupported("torch.cat takes a tuple of tensors, e.g. torch.cat((a, b), 0)", line: line)
            }
            try call.requireDimension(1)
            var result = try tensor(items[0], what: "a torch.cat operand", line: line)
            for item in items.dropFirst() {
                result = try builder.add(.concat, [result, try tensor(item, what: "a torch.cat operand", line: line)], line: line)
            }
            return .tensor(result)
        case "ones_like", "zeros_like", "full_like":
            let k = count(of: try call.tensor(0))
            let value = short == "full_like" ? try call.tensor(1, "fill_value") : try builder.constant(short == "ones_like" ? 1 : 0)
            return .tensor(try builder.add(.fill(k), [value], line: line))
        case "arange":
            return .tensor(try arange(call, count: args.count, line: line))
        case "binary_cross_entropy_with_logits":
            let (x, target) = (try call.tensor(0), try call.tensor(1, "target"))
            if call.kwargs["weight"] != nil || call.kwargs["pos_weight"] != nil {
                throw .unsupported("binary_cross_entropy_with_logits with weight or pos_weight is not supported", line: line)
            }
            let sp = try builder.add(.unary(.softplus), [x], line: line)
            let losses = try builder.add(.binary(.sub), [sp, try builder.add(.binary(.mul), [x, target], line: line)], line: line)
            switch call.string("reduction") ?? "mean" {
            case "none": return .tensor(losses)
            case "mean": return .tensor(try builder.add(.reduce(.mean), [losses], line: line))
            case "sum": return .tensor(try builder.add(.reduce(.sum), [losses], line: line))
            case let other: throw .unsupported("reduction='\(other)' is not supported (use 'none', 'mean' or 'sum')", line: line)
            }
        case "softplus" where name.hasPrefix("torch.nn.functional"):
            let x = try call.tensor(0)
            guard let b = try call.optional(1, "beta") else { return try apply(.softplus, x, line: line) }
            let scaled = try builder.add(.unary(.softplus), [try builder.add(.binary(.mul), [b, x], line: line)], line: line)
            return .tensor(try builder.add(.binary(.div), [scaled, b], line: line))
        case "silu":
            let x = try call.tensor(0)
            return .tensor(try builder.add(.binary(.mul), [x, try builder.add(.unary(.sigmoid), [x], line: line)], line: line))
        case "logaddexp":
            let (a, b) = (try call.tensor(0), try call.tensor(1))
            let high = try builder.add(.binary(.max), [a, b], line: line)
            let gap = try builder.add(.unary(.abs), [try builder.add(.binary(.sub), [a, b], line: line)], line: line)
            let tail = try builder.add(.unary(.softplus), [try builder.add(.unary(.neg), [gap], line: line)], line: line)
            return .tensor(try builder.add(.binary(.add), [high, tail], line: line))
        default:
            if let f = Self.unaryFunctions[short] { return try apply(f, try call.tensor(0), line: line) }
            if let f = Self.binaryFunctions[short] {
                let other = try call.tensor(1, f == .pow ? "exponent" : "other")
                return .tensor(try builder.add(.binary(f), [try call.tensor(0), other], line: line))
            }
            throw .unsupported("\(name) is not supported", line: line)
        }
    }

    static let binaryFunctions: [String: BinaryFunction] = [
        "minimum": .min, "maximum": .max, "min": .min, "max": .max, "fmin": .min, "fmax": .max,
        "pow": .pow, "add": .add, "sub": .sub, "mul": .mul, "div": .div,
    ]

    /// `math.*` functions: numbers only, as in Python.
    private mutating func mathCall(_ name: String, _ call: inout Arguments) throws(LossError) -> NodeID {
        var operands: [NodeID] = []
        for i in call.args.indices {
            let x = try call.tensor(i)
            guard builder.shape(of: x) == .scalar else {
                throw .unsupported("math.\(name) needs a number, got a per-sample tensor; use torch.\(name)", line: call.line)
            }
            operands.append(x)
        }
        guard !operands.isEmpty else { throw .unsupported("math.\(name) needs an argument", line: call.line) }
        if name == "pow" {
            guard operands.count == 2 else { throw .unsupported("math.pow takes 2 arguments", line: call.line) }
            return try builder.add(.binary(.pow), operands, line: call.line)
        }
        guard let f = Self.unaryFunctions[name] else { throw .unsupported("math.\(name) is not supported", line: call.line) }
        let y = try builder.add(.unary(f), [operands[0]], line: call.line)
        if name == "log", operands.count == 2 {  // math.log(x, base)
            return try builder.add(.binary(.div), [y, try builder.add(.unary(.log), [operands[1]], line: call.line)], line: call.line)
        }
        return y
    }

    /// mean / sum / var / std, with torch's options: `dim` 0 or -1, `unbiased` or `correction` for var and std.
    mutating func reduce(_ name: String, _ x: NodeID, _ call: inout Arguments, firstOption: Int) throws(LossError) -> Value {
        try call.requireDimension(firstOption)
        let line = call.line
        var unbiased = true
        if let value = call.kwargs["unbiased"] { unbiased = try integer(value, what: "unbiased", line: line) != 0 }
        if let value = call.kwargs["correction"] {
            let correction = try integer(value, what: "correction", line: line)
            guard correction == 0 || correction == 1 else { throw .unsupported("correction must be 0 or 1", line: line) }
            unbiased = correction == 1
        }
        if call.kwargs["keepdim"] != nil, try integer(call.kwargs["keepdim"]!, what: "keepdim", line: line) != 0 {
            throw .unsupported("keepdim=True is not supported", line: line)
        }
        let reduction = Reduction(rawValue: name)!
        let reduced = try builder.add(.reduce(reduction), [x], line: line)
        guard !unbiased, reduction == .variance || reduction == .std else { return .tensor(reduced) }
        // Biased: var * (n - 1) / n, std * sqrt((n - 1) / n).
        let n = try batchSize(times: count(of: x), line: line)
        var factor = try builder.add(.binary(.div), [try builder.add(.binary(.sub), [n, try builder.constant(1)], line: line), n], line: line)
        if reduction == .std { factor = try builder.add(.unary(.sqrt), [factor], line: line) }
        return .tensor(try builder.add(.binary(.mul), [reduced, factor], line: line))
    }
}

/// The positional and keyword arguments of one call, with typed accessors that name what is missing.
struct Arguments {
    let name: String
    let args: [Value]
    let kwargs: [String: Value]
    let line: Int
    private let lowering: Lowering

    init(name: String, _ args: [Value], _ kwargs: [String: Value], line: Int, lowering: Lowering) {
        (self.name, self.args, self.kwargs, self.line, self.lowering) = (name, args, kwargs, line, lowering)
    }

    /// The tensor at `position`, or under `keyword` if given by name.
    func tensor(_ position: Int, _ keyword: String? = nil) throws(LossError) -> NodeID {
        if let value = try optional(position, keyword) { return value }
        throw .unsupported("\(name) is missing its argument \(keyword.map { "'\($0)'" } ?? "\(position + 1)")", line: line)
    }

    func optional(_ position: Int, _ keyword: String? = nil) throws(LossError) -> NodeID? {
        let value = position < args.count ? args[position] : keyword.flatMap { kwargs[$0] }
        guard let value else { return nil }
        if case .marker("None") = value { return nil }
        return try lowering.tensor(value, what: "argument \(keyword.map { "'\($0)'" } ?? "\(position + 1)") of \(name)", line: line)
    }

    func string(_ keyword: String) -> String? {
        if case let .string(s) = kwargs[keyword] { return s }
        return nil
    }

    /// Checks that a `dim` (positional at `position`, or keyword) is 0 or -1, the batch dimension.
    func requireDimension(_ position: Int) throws(LossError) {
        guard let value = position < args.count ? args[position] : kwargs["dim"] ?? kwargs["axis"] else { return }
        let dim = try lowering.integer(value, what: "dim", line: line)
        guard dim == 0 || dim == -1 else { throw .unsupported("\(name) over dim=\(dim): losses are 1-D, only dim 0 exists", line: line) }
    }
}
