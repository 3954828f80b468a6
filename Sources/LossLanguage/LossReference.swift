/// A loss named in a config (`seed_losses`, `baseline`): a standard loss by its name, or a loss
/// written out (either source form).
public enum LossReference: Sendable, Hashable {
    case standard(StandardLoss)
    case source(String)

    /// The reference `text` makes: a standard loss's name, else a source that parses; nil
    /// for anything else.
    public init?(_ text: String) {
        if let loss = StandardLosses.named(text) {
            self = .standard(loss)
        } else if (try? LossParser.parse(text)) != nil {
            self = .source(text)
        } else {
            return nil
        }
    }

    /// As the config wrote it: the standard loss's name, or the source. Candidates are named after
    /// it, and an island keeps its baseline's results under it.
    public var text: String {
        switch self {
        case let .standard(loss): loss.name
        case let .source(source): source
        }
    }

    /// The loss's source.
    public var source: String {
        switch self {
        case let .standard(loss): loss.source
        case let .source(source): source
        }
    }
}
