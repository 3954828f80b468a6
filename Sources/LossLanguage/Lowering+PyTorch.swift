extension Lowering {
    /// Builtins and modules every PyTorch-form loss may use without importing them.
    static let pythonBuiltins: Set<String> = ["abs", "min", "max", "float", "len", "pow"]
    static let forbiddenNames: Set<String> = [
        "open", "eval", "exec", "compile", "__import__", "getattr", "setattr", "delattr", "globals", "locals",
        "vars", "input", "print", "breakpoint", "exit", "quit", "help", "dir", "type", "object", "super",
        "memoryview", "bytearray", "os", "sys", "subprocess", "importlib", "builtins", "__builtins__",
    ]
    static let modules: Set<String> = ["torch", "torch.nn", "torch.nn.functional", "torch.special", "math", "typing"]
    static let dtypes: Set<String> = ["float", "float32", "float64", "double", "half", "float16", "bfloat16"]

    mutating func pythonName(_ name: String, line: Int) throws(LossError) -> Value {
        switch name {
        case "torch": return .module("torch")
        case "F": return .module("torch.nn.functional")
        case "math": return .module("math")
        case "True": return .tensor(try builder.constant(1))
        case "False": return .tensor(try builder.constant(0))
        case "None": return .marker("None")
        default: break
        }
        if Self.pythonBuiltins.contains(name) { return .function(name) }
        if Self.forbiddenNames.contains(name) || name.hasPrefix("__") {
            throw .unsupported("the name '\(name)' is not allowed", line: line)
        }
        throw .unsupported("name '\(name)' is not defined", line: line)
    }

    mutating func importValue(_ path: String, line: Int) throws(LossError) -> Value {
        let parts = path.split(separator: ".").map(String.init)
        guard let root = parts.first, ["torch", "math", "typing"].contains(root) else {
            throw .unsupported("importing '\(path)' is not allowed (only torch, torch.nn.functional and math)", line: line)
        }
        var value = Value.module(root)
        for part in parts.dropFirst() { value = try pythonAttribute(value, part, line: line) }
        return value
    }

    mutating func pythonAttribute(_ base: Value, _ name: String, line: Int) throws(LossError) -> Value {
        switch base {
        case .marker("self"):
            guard name == "beta" else { throw .unsupported("self.\(name) is not available; only self.beta is", line: line) }
            return .tensor(try builder.add(.beta))
        case let .module(path):
            let full = path + "." + name
            if path == "typing" { return .marker("typing") }
            if Self.modules.contains(full) { return .module(full) }
            if path == "torch", Self.dtypes.contains(name) { return .marker("dtype") }
            switch full {
            case "math.pi": return .tensor(try builder.constant(.pi))
            case "math.e": return .tensor(try builder.constant(2.718281828459045))
            case "math.tau": return .tensor(try builder.constant(2 * .pi))
            default: break
            }
            if Self.pythonFunctionNames.contains(full) { return .function(full) }
            throw .unsupported("'\(full)' is not allowed", line: line)
        case let .tensor(id):
            switch name {
            case "dtype", "device": return .marker(name)
            case "shape": return .marker("shape:\(count(of: id))")
            case "data": return .tensor(try builder.add(.detach, [id], line: line))
            default:
                if Self.tensorMethods.contains(name) { return .method(id, name) }
                throw .unsupported("the tensor attribute '.\(name)' is not supported", line: line)
            }
        default:
            throw .unsupported("'.\(name)' is not available here", line: line)
        }
    }

    /// The k of a node's k·N elements (1 for scalars, which torch would treat as 0-d).
    func count(of id: NodeID) -> Int {
        if case let .vector(k) = builder.shape(of: id) { return k }
        return 1
    }

    static let unaryFunctions: [String: UnaryFunction] = [
        "exp": .exp, "log": .log, "log1p": .log1p, "expm1": .expm1, "sigmoid": .sigmoid, "expit": .sigmoid,
        "tanh": .tanh, "abs": .abs, "absolute": .abs, "fabs": .abs, "sqrt": .sqrt, "square": .square,
        "relu": .relu, "neg": .neg, "negative": .neg, "logsigmoid": .logsigmoid, "softplus": .softplus,
    ]
    static let pythonFunctionNames: Set<String> = {
        var names: Set<String> = []
        for f in [
            "exp", "log", "log1p", "expm1", "sigmoid", "tanh", "abs", "absolute", "sqrt", "square", "relu",
            "neg", "negative", "minimum", "maximum", "min", "max", "fmin", "fmax", "pow", "add", "sub", "mul",
            "div", "where", "clamp", "clip", "mean", "sum", "var", "std", "cat", "concat", "concatenate",
            "ones_like", "zeros_like", "full_like", "arange", "tensor", "as_tensor", "logaddexp",
        ] {
            names.insert("torch." + f)
        }
        for f in ["logsigmoid", "softplus", "relu", "sigmoid", "tanh", "silu", "binary_cross_entropy_with_logits"] {
            names.insert("torch.nn.functional." + f)
        }
        for f in ["expit", "log1p", "expm1"] { names.insert("torch.special." + f) }
        for f in ["exp", "log", "log1p", "expm1", "sqrt", "tanh", "fabs", "pow"] { names.insert("math." + f) }
        return names
    }()
    static let tensorMethods: Set<String> = [
        "mean", "sum", "var", "std", "exp", "log", "log1p", "expm1", "sigmoid", "tanh", "abs", "sqrt", "square",
        "relu", "neg", "negative", "clamp", "clip", "clamp_min", "clamp_max", "float", "double", "half", "bfloat16",
        "to", "type_as", "contiguous", "clone", "cpu", "cuda", "detach", "item", "size", "numel", "pow", "mul", "add",
        "sub", "div", "view", "reshape", "flatten", "squeeze", "view_as", "reshape_as",
    ]
}

extension Lowering {
    /// Binds a PyTorch-form function's parameters to the loss inputs, as its signature reads them.
    mutating func bindParameters(of function: PythonFunction) throws(LossError) {
        func input(_ input: LossInput) throws(LossError) -> NodeID { try builder.add(.input(input)) }
        var values: [NodeID]
        switch function.signature {
        case .logProbs:
            values = [try input(.pc), try input(.pr), try input(.rc), try input(.rr)]
        case .qualityLogProbs:
            values = [try input(.pc), try input(.pr), try input(.rc), try input(.rr)]
            for quality in LossInput.qualityPrompted { values.append(try input(quality)) }
        case .logRatios:
            values = [
                try builder.add(.binary(.sub), [try input(.pc), try input(.rc)]),
                try builder.add(.binary(.sub), [try input(.pr), try input(.rr)]),
            ]
        case .margin:
            values = [try input(.rho)]
        }
        for (parameter, value) in zip(function.parameters, values) { environment[parameter] = .tensor(value) }
        if let beta = function.betaParameter { environment[beta] = .tensor(try builder.add(.beta)) }
    }
}
