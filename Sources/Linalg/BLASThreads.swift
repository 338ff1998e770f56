// SPDX-License-Identifier: GPL-3.0-or-later
import COpenBLAS

/// OpenBLAS's own thread pool and build identification.
///
/// dyson parallelises ensembles itself (one run per core), so BLAS should use one
/// thread then; for single large matrices more threads may pay.
public enum BLAS {
    /// Sets the number of threads OpenBLAS uses inside one call.
    public static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }

    /// The number of threads OpenBLAS currently uses.
    public static var threads: Int { Int(openblas_get_num_threads()) }

    /// The CPU kernel family OpenBLAS chose (e.g. "Haswell", "Zen").
    public static var coreName: String { openblas_get_corename().map { String(cString: $0) } ?? "unknown" }

    /// OpenBLAS's build configuration string (version and options).
    public static var configuration: String { openblas_get_config().map { String(cString: $0) } ?? "unknown" }

    /// One line for notes and `--version`: "OpenBLAS 0.3.21 (Haswell)".
    public static var summary: String {
        let words = configuration.split(separator: " ")
        let version = words.count >= 2 ? "\(words[0]) \(words[1])" : configuration
        return "\(version) (\(coreName))"
    }
}
