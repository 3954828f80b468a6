import Foundation
import FuzzTargets

#if EVOD_LIBFUZZER
    /// The target this process fuzzes: `EVOD_FUZZ_TARGET` (envelope, control, compact, pytorch, config).
    let target: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["EVOD_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            fatalError("set EVOD_FUZZ_TARGET to one of \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")), got '\(name)'")
        }
        return target
    }()

    /// libFuzzer's entry point (`make fuzz` builds with `-sanitize=fuzzer,address -DEVOD_LIBFUZZER`).
    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzOneInput(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> Int32 {
        target.run(Data(bytes: bytes, count: count))
        return 0
    }

    /// libFuzzer's driver, which its own `main` calls.
    @_silgen_name("LLVMFuzzerRunDriver")
    func runFuzzerDriver(
        _ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32
    ) -> Int32

    /// The process's entry: SwiftPM links an executable target's `main` to `<target>_main`, which
    /// here hands over to libFuzzer's driver (libFuzzer's own `main` is then never linked). With
    /// `EVOD_FUZZ_LIST=targets` it prints the targets, with `EVOD_FUZZ_LIST=seeds` the target's seed
    /// folders (one per line, for scripts/fuzz.sh), and fuzzes nothing.
    @_cdecl("EvodFuzz_main")
    public func evodFuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
        switch ProcessInfo.processInfo.environment["EVOD_FUZZ_LIST"] {
        case "targets":
            print(FuzzTarget.allCases.map(\.rawValue).joined(separator: "\n"))
            return 0
        case "seeds":
            print(target.seedFolders.joined(separator: "\n"))
            return 0
        default: break
        }
        var (count, vector) = (argc, argv)
        return runFuzzerDriver(&count, &vector) { bytes, count in fuzzOneInput(bytes, count) }
    }
#else
    /// Without libFuzzer: `EvodFuzz TARGET FILE...` feeds files to a target, to reproduce a crasher
    /// in a plain (debuggable) build.
    @main
    enum EvodFuzz {
        static func main() {
            let arguments = CommandLine.arguments.dropFirst()
            guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
                print("usage: EvodFuzz \(FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")) FILE...")
                exit(2)
            }
            for file in arguments.dropFirst() {
                guard let data = FileManager.default.contents(atPath: file) else {
                    print("cannot read \(file)")
                    exit(1)
                }
                target.run(data)
                print("\(file): ok")
            }
        }
    }
#endif
