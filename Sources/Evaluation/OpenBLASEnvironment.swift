import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Keeps OpenBLAS single-threaded in processes that evaluate (docs/architecture.md §5.1: evaluations run in
/// parallel, so a BLAS thread pool would only oversubscribe the cores; an idle pool even spins).
public enum OpenBLASEnvironment {
    /// OpenBLAS sizes its pool when the library loads, before `main`; so when
    /// `OPENBLAS_NUM_THREADS` is unset, set it and re-execute this program. Returns only when set.
    public static func ensureSingleThreaded() {
        guard getenv("OPENBLAS_NUM_THREADS") == nil else { return }
        setenv("OPENBLAS_NUM_THREADS", "1", 1)
        var arguments = CommandLine.arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", &arguments)
        // execv returned: /proc is unavailable. Carry on; openblas_set_num_threads(1) still applies.
        for pointer in arguments { free(pointer) }
    }
}
