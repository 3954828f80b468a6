/// A value during lowering: an IR node, or one of the few non-tensor things a loss mentions.
enum Value {
    case tensor(NodeID)
    /// A module or namespace, by its full dotted path (`torch.nn.functional`).
    case module(String)
    /// A callable, by its full dotted path (`torch.nn.functional.logsigmoid`, `math.log`, `abs`).
    case function(String)
    /// A tensor method, not yet called (`x.mean`).
    case method(NodeID, String)
    case string(String)
    case tuple([Value])
    /// Something that only matters to torch's bookkeeping: a dtype, a device, `self`, `None`.
    case marker(String)
}

/// Turns parsed statements into IR nodes: resolves names, applies operators, checks shapes.
struct Lowering {
    var builder = GraphBuilder()
    var environment: [String: Value] = [:]
    let python: Bool

    init(python: Bool) { self.python = python }

    // MARK: statements

    /// Runs the statements; returns the value of `return` (Python) or of the last expression (compact).
    mutating func run(_ statements: [Statement]) throws(LossError) -> (NodeID, line: Int) {
        for (position, statement) in statements.enumerated() {
            switch statement {
            case let .assign(targets, expr, line):
                let value = try lower(expr)
                if targets.count == 1 {
                    environment[targets[0]] = value
                } else {
                    guard case let .tuple(items) = value, items.count == targets.count else {
                        throw .unsupported("cannot unpack this value into \(targets.count) names", line: line)
                    }
                    for (name, item) in zip(targets, items) { environment[name] = item }
                }
            case let .augmentedAssign(target, op, expr, line):
                guard let current = environment[target] else { throw .unsupported("name '\(target)' is not defined", line: line) }
                environment[target] = try binary(op, current, try lower(expr), line: line)
            case let .importModule(module, alias, line):
                environment[alias] = try importValue(module, line: line)
            case let .returnValue(expr, line):
                return (try tensor(try lower(expr), what: "the returned value", line: line), line)
            case let .expression(expr, line):
                if case .string = expr.kind { continue }  // docstring
                if !python, position == statements.count - 1 {
                    return (try tensor(try lower(expr), what: "the loss", line: line), line)
                }
                throw .unsupported(
                    python
                        ? "a statement that is only an expression has no effect; assign it or return it"
                        : "only the last statement may be an expression", line: line)
            }
        }
        if python { throw .syntax("the loss function never returns a value", line: nil) }
        throw .syntax("the loss is missing: the last statement must be an expression", line: nil)
    }

    // MARK: expressions

    mutating func lower(_ expr: Expr) throws(LossError) -> Value {
        let line = expr.line
        switch expr.kind {
        case let .number(v):
            return .tensor(try builder.constant(v))
        case let .string(s):
            return .string(s)
        case let .name(name):
            if let value = environment[name] { return value }
            return try resolveName(name, line: line)
        case let .attribute(base, name):
            if name.hasPrefix("__") { throw .unsupported("the attribute '\(name)' is not allowed", line: line) }
            return try attribute(try lower(base), name, line: line)
        case let .call(callee, arguments, keywords):
            let function = try lower(callee)
            var args: [Value] = []
            for argument in arguments { args.append(try lower(argument)) }
            var kwargs: [String: Value] = [:]
            for (key, argument) in keywords { kwargs[key] = try lower(argument) }
            return try call(function, args, kwargs, line: line)
        case let .subscripted(base, index):
            return try subscripted(try lower(base), index, line: line)
        case let .unary(op, operand):
            let value = try tensor(try lower(operand), what: "the operand of '\(op)'", line: line)
            switch op {
            case "-": return .tensor(try builder.add(.unary(.neg), [value], line: line))
            case "~": return .tensor(try builder.add(.binary(.sub), [try builder.constant(1), value], line: line))
            default: return .tensor(value)
            }
        case let .binary(op, left, right):
            return try binary(op, try lower(left), try lower(right), line: line)
        case let .compare(comparison, left, right):
            let a = try tensor(try lower(left), what: "a comparison operand", line: line)
            let b = try tensor(try lower(right), what: "a comparison operand", line: line)
            return .tensor(try builder.add(.compare(comparison), [a, b], line: line))
        case let .tuple(items):
            var values: [Value] = []
            for item in items { values.append(try lower(item)) }
            return .tuple(values)
        }
    }

    mutating func binary(_ op: String, _ left: Value, _ right: Value, line: Int) throws(LossError) -> Value {
        let function: BinaryFunction
        switch op {
        case "+": function = .add
        case "-": function = .sub
        case "*", "&": function = .mul
        case "/": function = .div
        case "**": function = .pow
        case "|": function = .max
        case "//": throw .unsupported("floor division (//) is not supported", line: line)
        case "%": throw .unsupported("the remainder operator (%) is not supported", line: line)
        case "@": throw .unsupported("matrix multiplication (@) is not supported", line: line)
        default: throw .unsupported("the operator '\(op)' is not supported", line: line)
        }
        let a = try tensor(left, what: "the left operand of '\(op)'", line: line)
        let b = try tensor(right, what: "the right operand of '\(op)'", line: line)
        return .tensor(try builder.add(.binary(function), [a, b], line: line))
    }

    /// The node of a value that must be a tensor or number.
    func tensor(_ value: Value, what: String, line: Int?) throws(LossError) -> NodeID {
        switch value {
        case let .tensor(id): return id
        case let .method(_, name): throw .unsupported("\(what) is the method '\(name)' itself; call it with ()", line: line)
        case let .function(name): throw .unsupported("\(what) is the function '\(name)' itself, not a value", line: line)
        case let .module(name): throw .unsupported("\(what) is the module '\(name)', not a value", line: line)
        case .string: throw .unsupported("\(what) is a string, not a number", line: line)
        case .tuple: throw .unsupported("\(what) is a tuple, not a tensor", line: line)
        case let .marker(name): throw .unsupported("\(what) is \(name), not a number", line: line)
        }
    }

    /// The value of a constant node, for arguments that must be numbers (`size(0)`, `dim=0`).
    func integer(_ value: Value, what: String, line: Int) throws(LossError) -> Int {
        guard case let .tensor(id) = value, let v = builder.constantValue(of: id), v == v.rounded(), abs(v) < 1e6 else {
            throw .unsupported("\(what) must be an integer constant", line: line)
        }
        return Int(v)
    }

    // MARK: dispatch to the form

    mutating func resolveName(_ name: String, line: Int) throws(LossError) -> Value {
        python ? try pythonName(name, line: line) : try compactName(name, line: line)
    }

    mutating func attribute(_ base: Value, _ name: String, line: Int) throws(LossError) -> Value {
        guard python else { throw .unsupported("attributes ('.\(name)') are not part of the compact form", line: line) }
        return try pythonAttribute(base, name, line: line)
    }

    mutating func call(_ function: Value, _ args: [Value], _ kwargs: [String: Value], line: Int) throws(LossError) -> Value {
        switch function {
        case let .function(name):
            return python ? try pythonCall(name, args, kwargs, line: line) : try compactCall(name, args, line: line)
        case let .method(receiver, name):
            return try methodCall(receiver, name, args, kwargs, line: line)
        case .marker("self"):
            throw .unsupported("self cannot be called", line: line)
        default:
            throw .unsupported("this value cannot be called", line: line)
        }
    }

    mutating func subscripted(_ base: Value, _ index: Expr, line: Int) throws(LossError) -> Value {
        if case let .marker(marker) = base, marker.hasPrefix("shape:"), let k = Int(marker.dropFirst(6)) {
            if case let .tensor(i) = try lower(index), builder.constantValue(of: i) == 0 {
                return .tensor(try batchSize(times: k, line: line))
            }
        }
        throw .unsupported("indexing (x[...]) is not supported; losses work on whole per-sample vectors", line: line)
    }

    /// The node for k·N.
    mutating func batchSize(times k: Int, line: Int) throws(LossError) -> NodeID {
        let n = try builder.add(.batchSize)
        return k == 1 ? n : try builder.add(.binary(.mul), [try builder.constant(Double(k)), n], line: line)
    }

    /// Applies a unary function to a node.
    mutating func apply(_ f: UnaryFunction, _ x: NodeID, line: Int) throws(LossError) -> Value {
        .tensor(try builder.add(.unary(f), [x], line: line))
    }
}
