extension Lowering {
    /// Tensor methods: `x.mean()`, `x.clamp(min=0)`, `x.float()`, `x.size(0)`, ...
    mutating func methodCall(_ x: NodeID, _ name: String, _ args: [Value], _ kwargs: [String: Value], line: Int) throws(LossError) -> Value {
        var call = Arguments(name: "." + name, args, kwargs, line: line, lowering: self)
        switch name {
        case "mean", "sum", "var", "std":
            return try reduce(name, x, &call, firstOption: 0)
        case "clamp", "clip":
            return .tensor(try clamp(x, low: try call.optional(0, "min"), high: try call.optional(1, "max"), line: line))
        case "clamp_min":
            return .tensor(try clamp(x, low: try call.tensor(0, "min"), high: nil, line: line))
        case "clamp_max":
            return .tensor(try clamp(x, low: nil, high: try call.tensor(0, "max"), line: line))
        case "float", "double", "half", "bfloat16", "to", "type_as", "contiguous", "clone", "cpu", "cuda", "view_as", "reshape_as":
            return .tensor(x)
        case "detach", "item":
            return .tensor(try builder.add(.detach, [x], line: line))
        case "size":
            guard args.count == 1 else { throw .unsupported(".size() needs the dimension: .size(0)", line: line) }
            try call.requireDimension(0)
            return .tensor(try batchSize(times: count(of: x), line: line))
        case "numel":
            return .tensor(try batchSize(times: count(of: x), line: line))
        case "view", "reshape", "flatten", "squeeze":
            for (i, arg) in args.enumerated() where try integer(arg, what: "argument \(i + 1) of .\(name)", line: line) != -1 {
                if name == "squeeze", i == 0, try integer(arg, what: "dim", line: line) == 0 { continue }
                throw .unsupported(".\(name) can only keep the 1-D shape (e.g. .view(-1))", line: line)
            }
            return .tensor(x)
        case "pow", "mul", "add", "sub", "div":
            let other = try call.tensor(0, name == "pow" ? "exponent" : "other")
            return .tensor(try builder.add(.binary(Self.binaryFunctions[name]!), [x, other], line: line))
        default:
            if let f = Self.unaryFunctions[name] {
                guard args.isEmpty, kwargs.isEmpty else { throw .unsupported(".\(name)() takes no arguments", line: line) }
                return try apply(f, x, line: line)
            }
            throw .unsupported("the tensor method .\(name)() is not supported", line: line)
        }
    }
}
