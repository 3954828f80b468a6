/// Every way a loss can be rejected, each with a one-line message fit to show a user or an LLM.
///
/// Line numbers are 1-based lines of the source the loss came from; `nil` where the problem is not
/// tied to a line (a size limit, a numerical check on random batches).
public enum LossError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The text is not well formed (an unexpected token, an unclosed bracket, bad indentation).
    case syntax(String, line: Int?)
    /// A construct outside the loss language: a name, call, attribute or statement that is not allowed.
    case unsupported(String, line: Int?)
    /// Operands whose shapes do not fit together, or a returned value of the wrong shape.
    case shape(String, line: Int?)
    /// The source or its IR is larger than the limits allow.
    case tooLarge(String)
    /// The loss failed a numerical check of stage-0 validation on random batches.
    case numerical(String)

    /// The message without the kind, e.g. `line 3: torch.save is not allowed`.
    public var description: String {
        switch self {
        case let .syntax(message, line), let .unsupported(message, line), let .shape(message, line):
            if let line { return "line \(line): \(message)" }
            return message
        case let .tooLarge(message), let .numerical(message):
            return message
        }
    }

    /// A short machine-readable name of the kind of error, for counting rejections by reason.
    public var kind: String {
        switch self {
        case .syntax: "syntax"
        case .unsupported: "unsupported"
        case .shape: "shape"
        case .tooLarge: "too_large"
        case .numerical: "numerical"
        }
    }
}
