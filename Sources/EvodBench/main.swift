import Foundation
import LossDescriptors
import LossLanguage
import Model

/// `make bench`: speed of the loss language in release, on one core (scripts/bench.sh pins it).
///
/// Prints one line per measurement and writes, into the directory given as argument, `batch.json`
/// (the LRML batch with the Swift objective and gradient, for `bench/lrml_numpy.py`) and
/// `prefbandit-*.json` (task instances with Swift's results, for `bench/prefbandit_numpy.py`).

/// The best of `repeats` timings of `body`, in seconds.
func time(repeats: Int = 5, _ body: () -> Void) -> Double {
    var best = Double.infinity
    for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return best
}

// `EvodBench cluster`: the farm and migration benchmarks (multi-threaded, so not pinned to a core).
if CommandLine.arguments.dropFirst().first == "cluster" {
    try benchmarkFarm()
    try benchmarkMigration()
    exit(0)
}

// `EvodBench scale`: the broker with 16 islands and 64 to 256 workers (issue 19).
if CommandLine.arguments.dropFirst().first == "scale" {
    try benchmarkScale()
    exit(0)
}

// `EvodBench shapes DIRECTORY`: training runs at features 128 and K 8 and 32, instances written for numpy and JAX.
if CommandLine.arguments.dropFirst().first == "shapes" {
    try benchmarkShapes(directory: CommandLine.arguments.dropFirst(2).first ?? ".")
    exit(0)
}

// `EvodBench share CANDIDATES.json`: the island's time per candidate, descriptors against evaluation.
if CommandLine.arguments.dropFirst().first == "share", let file = CommandLine.arguments.dropFirst(2).first {
    try benchmarkShare(file: file)
    exit(0)
}

// `EvodBench suite`: only the default suite's per-stage evaluation times.
if CommandLine.arguments.dropFirst().first == "suite" {
    benchmarkDefaultSuite()
    exit(0)
}

// `EvodBench train LOSS [RUNS] [TOGETHER]`: only the 1,000-step training runs of one standard loss,
// TOGETHER (default 4) in lockstep, for a profiler.
if CommandLine.arguments.dropFirst().first == "train" {
    profileTraining(
        loss: CommandLine.arguments.dropFirst(2).first ?? "nca_pair",
        runs: CommandLine.arguments.dropFirst(3).first.flatMap { Int($0) } ?? 200,
        together: CommandLine.arguments.dropFirst(4).first.flatMap { Int($0) } ?? 4)
    exit(0)
}

let directory = CommandLine.arguments.dropFirst().first ?? "."
var isDirectory: ObjCBool = false
guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
    FileHandle.standardError.write(
        Data(
            """
            EvodBench: \(directory) is not a directory (nor a benchmark's name)
            usage: EvodBench [DIRECTORY] | cluster | scale | shapes DIRECTORY | share CANDIDATES.json | suite
                   | train LOSS [RUNS] [TOGETHER]

            """.utf8))
    exit(2)
}
let output = directory + "/batch.json"
let lrml = StandardLosses.named("lrml")!.graph

// 1. Objective plus gradient for LRML on a batch of 64.
var random = RandomSource(seed: 2026)
let batch = random.logProbBatch(count: 64)
let evaluator = LossEvaluator(graph: lrml, batchSize: 64)
var gpc = [Double](repeating: 0, count: 64), gpr = gpc
let iterations = 100_000
var sink = 0.0
let seconds = time {
    batch.pc.withUnsafeBufferPointer { pc in
        batch.pr.withUnsafeBufferPointer { pr in
            batch.rc.withUnsafeBufferPointer { rc in
                batch.rr.withUnsafeBufferPointer { rr in
                    gpc.withUnsafeMutableBufferPointer { gc in
                        gpr.withUnsafeMutableBufferPointer { gr in
                            for _ in 0..<iterations {
                                sink += evaluator.objectiveAndGradient(
                                    pc: pc.baseAddress!, pr: pr.baseAddress!, rc: rc.baseAddress!,
                                    rr: rr.baseAddress!, beta: 0.1, seed: .mean,
                                    gradPC: gc.baseAddress!, gradPR: gr.baseAddress!)
                            }
                        }
                    }
                }
            }
        }
    }
}
let samplesPerSecond = Double(iterations * 64) / seconds
print(String(format: "lrml_objective_gradient_batch64  %.2f M samples/s  (%.3f us per batch)", samplesPerSecond / 1e6, seconds / Double(iterations) * 1e6))

let reference = evaluator.gradient(batch, beta: 0.1)
let record: [String: Any] = [
    "beta": 0.1, "pc": batch.pc, "pr": batch.pr, "rc": batch.rc, "rr": batch.rr,
    "objective": reference.objective, "grad_pc": reference.pc, "grad_pr": reference.pr,
    "swift_samples_per_second": samplesPerSecond,
]
try JSONSerialization.data(withJSONObject: record).write(to: URL(fileURLWithPath: output))

// 2. Descriptors: a per-sample loss, and a loss with batch statistics.
let aql = try LossParser.parse("q = sigmoid(-beta * (rho - (0.5 + 0.01 * (sigmoid(mean(rho)) - 0.5)))); q * -logsigmoid(beta*rho) + (1 - q) * relu(1 - beta*rho)").graph
let perSample = time { _ = try? Descriptors(of: lrml) }
let coupled = time(repeats: 3) { _ = try? Descriptors(of: aql) }
let detached = time(repeats: 3) { _ = try? Descriptors(of: StandardLosses.named("bco_pair")!.graph) }
print(String(format: "descriptors_per_sample_lrml      %.1f ms  (target < 50 ms)", perSample * 1e3))
print(String(format: "descriptors_batch_statistic_aql  %.1f ms  (target < 1000 ms)", coupled * 1e3))
print(String(format: "descriptors_detached_statistic_bco_pair  %.1f ms  (the probe sample alone)", detached * 1e3))

// 3. Stage-0 validation: parse and validate a PyTorch-form LRML as an LLM writes it.
let source = lrml.export(.pytorch, name: "lrml")
let validations = 2_000
let validation = time { for _ in 0..<validations { _ = try? LossValidator.parseAndValidate(source) } } / Double(validations)
print(String(format: "stage0_parse_and_validate_lrml   %.3f ms  (target < 1 ms)", validation * 1e3))
if sink.isNaN { print("unexpected NaN") }

try benchmarkPrefBandit(directory: directory)
try benchmarkIslandOverhead()
