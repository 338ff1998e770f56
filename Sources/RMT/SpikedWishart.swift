// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation

/// The edge of a Wishart (Marchenko–Pastur) bulk and what crosses it.
///
/// Setting: a layer W of M × N (M ≥ N; transpose otherwise), γ = N/M ∈ (0, 1],
/// X = WᵀW/M. With i.i.d. entries of variance σ² the eigenvalues of X fill
/// Marchenko–Pastur with ratio γ and scale σ², support σ²(1 ∓ √γ)².
///
/// - Tracy–Widom: the largest bulk eigenvalue fluctuates around the edge
///   σ²(1 + √γ)² on the scale σ²(1 + √γ)^{4/3} γ^{−1/6} M^{−2/3} (Johnstone 2001,
///   whose centring and scaling for an M × N Gaussian W reduce to these at large M);
///   the β = 1 Tracy–Widom law has mean −1.21 and standard deviation 1.27.
/// - Spiked model (Baik–Ben Arous–Péché 2005; Benaych-Georges–Nadakuditi 2012):
///   W = σ(G/√M + t·u vᵀ), G i.i.d. N(0, 1), unit u and v. For t > γ^{1/4} one
///   eigenvalue of X leaves the bulk and converges to σ²(1 + t²)(γ + t²)/t²,
///   with Gaussian fluctuations of order M^{−1/2}; for t ≤ γ^{1/4} it sticks to
///   the edge (within the Tracy–Widom scale).
public enum SpikedWishart {
    /// The upper edge σ²(1 + √γ)² of the bulk.
    public static func bulkEdge(variance: Double, ratio: Double) -> Double {
        variance * pow(1 + ratio.squareRoot(), 2)
    }

    /// The Tracy–Widom scale σ²(1 + √γ)^{4/3} γ^{−1/6} M^{−2/3} of the largest
    /// bulk eigenvalue, for M the larger dimension.
    public static func tracyWidomScale(variance: Double, ratio: Double, rows m: Int) -> Double {
        variance * pow(1 + ratio.squareRoot(), 4.0 / 3) * pow(ratio, -1.0 / 6) * pow(Double(m), -2.0 / 3)
    }

    /// The signal strength t = γ^{1/4} above which a rank-one spike separates
    /// from the bulk (the BBP transition).
    public static func threshold(ratio: Double) -> Double { pow(ratio, 0.25) }

    /// Where the eigenvalue of a spike of strength t (in units of σ) sits:
    /// σ²(1 + t²)(γ + t²)/t² above the threshold, the bulk edge at or below it.
    public static func outlierLocation(strength t: Double, variance: Double, ratio: Double) -> Double {
        guard t > threshold(ratio: ratio) else { return bulkEdge(variance: variance, ratio: ratio) }
        let t2 = t * t
        return variance * (1 + t2) * (ratio + t2) / t2
    }

    /// The spike strength t whose outlier sits at `x` (inverse of
    /// ``outlierLocation(strength:variance:ratio:)``): the larger root of
    /// t⁴ − (x/σ² − 1 − γ)t² + γ = 0. Nil at or below the bulk edge.
    public static func strength(ofOutlierAt x: Double, variance: Double, ratio: Double) -> Double? {
        guard variance > 0, x > bulkEdge(variance: variance, ratio: ratio) else { return nil }
        let b = x / variance - 1 - ratio
        let disc = b * b - 4 * ratio
        guard disc >= 0 else { return nil }
        return ((b + disc.squareRoot()) / 2).squareRoot()
    }
}
