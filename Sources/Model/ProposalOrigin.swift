/// Where a proposal came from. Stored and sent as text: `seed`, `mutation:<operator>`, `llm`,
/// `migrant:<island>` (the form the island databases, scripts and the JSON API have always used).
public enum ProposalOrigin: Sendable, Hashable {
    /// One of the island's seed losses (the standard losses, or `seed_losses`).
    case seed
    /// A child of the built-in proposer, made by this operator.
    case mutation(MutationOperator)
    /// A proposal of the LLM proposer.
    case llm
    /// An elite accepted from another island.
    case migrant(island: Int)

    /// The stored form.
    public var rawValue: String {
        switch self {
        case .seed: "seed"
        case let .mutation(operation): Self.mutationPrefix + operation.rawValue
        case .llm: "llm"
        case let .migrant(island): Self.migrantPrefix + String(island)
        }
    }

    /// Reads the stored form; nil for anything else.
    public init?(rawValue: String) {
        switch rawValue {
        case "seed": self = .seed
        case "llm": self = .llm
        case _ where rawValue.hasPrefix(Self.mutationPrefix):
            guard let operation = MutationOperator(rawValue: String(rawValue.dropFirst(Self.mutationPrefix.count))) else { return nil }
            self = .mutation(operation)
        case _ where rawValue.hasPrefix(Self.migrantPrefix):
            guard let island = Int(rawValue.dropFirst(Self.migrantPrefix.count)) else { return nil }
            self = .migrant(island: island)
        default: return nil
        }
    }

    /// The stored prefix of every mutation's origin (`mutation:`), for queries over all of them.
    public static let mutationPrefix = "mutation:"
    /// The stored prefix of every migrant's origin (`migrant:`).
    public static let migrantPrefix = "migrant:"

    /// Whether the built-in proposer made it, by any operator.
    public var isMutation: Bool { if case .mutation = self { true } else { false } }
}

extension ProposalOrigin: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let origin = ProposalOrigin(rawValue: text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not a proposal origin (seed, mutation:<operator>, llm, migrant:<island>)"))
        }
        self = origin
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
