/// Where an island finds the farm's broker: its island endpoint and its control endpoint, asked
/// anew whenever the client looks (under Slurm the broker publishes them once placed, and again
/// if it is resumed elsewhere).
public struct FarmLocator: Sendable {
    /// The broker's island endpoint now (nil: not known yet).
    public let islands: @Sendable () -> String?
    /// Its control endpoint now, asked when the broker is silent (nil: never asked).
    public let control: (@Sendable () -> String?)?

    public init(islands: @escaping @Sendable () -> String?, control: (@Sendable () -> String?)?) {
        (self.islands, self.control) = (islands, control)
    }

    /// A broker that stays where it is.
    public static func fixed(islands: String, control: String? = nil) -> FarmLocator {
        let locateControl: (@Sendable () -> String?)? = if let control { { control } } else { nil }
        return FarmLocator(islands: { islands }, control: locateControl)
    }
}
