import Dispatch
import Evaluation

#if canImport(Glibc)
    import Glibc
#endif

/// SIGINT (Ctrl-C) and SIGTERM during an evaluation interrupt the evaluator instead of ending evoctl
/// at once: an external command runs in a process group of its own, which the terminal's Ctrl-C
/// does not reach, so it would go on training alone. Interrupted, its group is killed, its files are
/// removed, and evoctl exits with status 130.
enum SignalInterruption {
    static func during<Result>(_ evaluator: any Evaluator, _ body: () -> Result) -> Result {
        let signals = [SIGINT, SIGTERM]
        let sources = signals.map { number -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { evaluator.interrupt() }
            source.resume()
            return source
        }
        defer {
            for source in sources { source.cancel() }
            for number in signals { signal(number, SIG_DFL) }
        }
        return body()
    }
}
