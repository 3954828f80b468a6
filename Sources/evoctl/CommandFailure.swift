/// A command that could not do its work (a bad file, an island that does not answer, a cluster
/// already running): printed as `Error: <message>` with no usage banner. `ValidationError` is for
/// bad arguments only.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}
