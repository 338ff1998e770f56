// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Linalg

/// The spectrum of one weight matrix against Marchenko–Pastur: a fitted scale,
/// the bulk edge, the outliers beyond it, spectral norm and stable rank.
///
/// Normalisation. W is M × N with M ≥ N (a wider layer is transposed: its
/// singular values are the same), γ = N/M, and the N eigenvalues analysed are
/// those of X = WᵀW/M, x_i = s_i²/M for the singular values s_i of W. For
/// i.i.d. entries of variance σ² they follow Marchenko–Pastur with ratio γ and
/// scale σ², so the fitted σ² *is* the entry variance of the random part.
/// WeightWatcher's eigenvalues are the unnormalised s_i² (its `normalize` is
/// off by default): multiply x by M to compare; its `spectral_norm` column is
/// s_max² (= M·x_max), its `stable_rank` Σs²/s_max² is the same number as here.
///
/// Fit of σ². Least squares through the origin of the sorted eigenvalues on the
/// Marchenko–Pastur quantiles Q_γ((i + ½)/N) of unit scale, over the ranks
/// between 5 % and 90 %: the top tenth, where outliers and heavy tails live,
/// does not enter, and k outliers move the ranks used by at most k places
/// (singular values interlace under a rank-k change). The error quoted is
/// 1.15·σ²·√(2/(MN)): for Gaussian layers (100×50 to 1000×500, 300 draws
/// each) the fit's spread is 1.06–1.11 times √(2/(MN))·σ², the spread of the
/// mean squared entry, and its bias below a fifth of that. Layers whose entries
/// are not Gaussian fluctuate by √((κ − 1)/(MN)) with κ their kurtosis; heavy-
/// tailed trained layers are not Marchenko–Pastur at all, and then σ² is only
/// the scale of their smallest nine tenths.
///
/// Outliers. An eigenvalue is an outlier when it exceeds the fitted edge
/// σ²(1 + √γ)² by more than four Tracy–Widom scales plus three standard errors
/// of the edge (from σ²'s): the β = 1 Tracy–Widom law exceeds its mean by 4
/// scales (≈ 4.2 standard deviations) with probability below 10⁻⁴.
public struct LayerSpectrum: Sendable {
    /// The larger and the smaller dimension of W.
    public let m: Int
    public let n: Int
    /// γ = N/M.
    public let ratio: Double
    /// x_i = s_i²/M, ascending.
    public let eigenvalues: [Double]
    /// The fitted scale σ² (the random part's entry variance).
    public let variance: Estimate
    /// σ²(1 + √γ)².
    public let bulkEdge: Double
    /// σ²(1 + √γ)^{4/3} γ^{−1/6} M^{−2/3}.
    public let tracyWidomScale: Double
    /// Edge + 4 Tracy–Widom scales + 3 standard errors of the edge.
    public let outlierThreshold: Double
    /// The eigenvalues above the threshold, descending.
    public let outliers: [Double]
    /// ‖W‖₂ = s_max.
    public let spectralNorm: Double
    /// ‖W‖_F²/‖W‖₂² = Σx/x_max, between 1 and N.
    public let stableRank: Double
    /// Kolmogorov–Smirnov distance between the eigenvalues below the threshold
    /// and the fitted law (descriptive: levels are correlated and σ² fitted).
    public let bulkDistance: Double

    /// How many standard errors of σ² the threshold puts above the edge.
    public static let tracyWidomMargin = 4.0
    public static let edgeErrorMargin = 3.0
    /// Ranks used in the fit, as fractions of N.
    public static let fittedQuantiles = 0.05...0.9

    /// The law the bulk is compared with.
    public var law: MarchenkoPastur { MarchenkoPastur(variance: variance.value, ratio: ratio) }

    /// Analyses a `rows × cols` matrix from its singular values (any order).
    public init(singularValues: [Double], rows: Int, cols: Int) throws(FitError) {
        let m = max(rows, cols)
        try FitError.requireFinite(singularValues, "singular values")
        try self.init(levels: singularValues.map { $0 * $0 / Double(m) }, rows: rows, cols: cols)
    }

    /// Analyses a `rows × cols` matrix from its levels x_i = s_i²/M (any order;
    /// ``levels(of:)`` computes them).
    public init(levels: [Double], rows: Int, cols: Int) throws(FitError) {
        let m = max(rows, cols), n = min(rows, cols)
        self.m = m
        self.n = n
        guard levels.count == n, n >= 1 else {
            throw FitError(.mismatchedLengths, "a \(rows)×\(cols) matrix has \(n) levels, got \(levels.count)")
        }
        try FitError.requireFinite(levels, "levels")
        ratio = Double(n) / Double(m)
        let x = levels.sorted()
        eigenvalues = x
        guard let top = x.last, top > 0 else { throw FitError(.degenerate, "the layer is zero: every singular value is 0") }
        spectralNorm = (top * Double(m)).squareRoot()
        stableRank = x.reduce(0, +) / top

        let quantiles = MarchenkoPasturQuantiles(ratio: ratio)
        let first = Int((Self.fittedQuantiles.lowerBound * Double(n)).rounded(.down))
        let last = max(first + 1, Int((Self.fittedQuantiles.upperBound * Double(n)).rounded(.up)))
        var xq = 0.0, qq = 0.0
        for i in first..<min(n, last) {
            let q = quantiles.quantile((Double(i) + 0.5) / Double(n))
            xq += x[i] * q
            qq += q * q
        }
        let s2 = xq / qq
        guard s2 > 0, s2.isFinite else {
            throw FitError(.degenerate, "the lower nine tenths of the spectrum are 0: the layer has rank ≤ \(n - first) of \(n), no random bulk to fit")
        }
        let error = 1.15 * s2 * (2 / (Double(m) * Double(n))).squareRoot()
        variance = Estimate(value: s2, error: error, sampleSize: min(n, last) - first,
                            method: "least squares on Marchenko–Pastur quantiles, ranks 5–90 %")
        bulkEdge = SpikedWishart.bulkEdge(variance: s2, ratio: ratio)
        tracyWidomScale = SpikedWishart.tracyWidomScale(variance: s2, ratio: ratio, rows: m)
        let threshold = bulkEdge + Self.tracyWidomMargin * tracyWidomScale + Self.edgeErrorMargin * bulkEdge * error / s2
        outlierThreshold = threshold
        outliers = x.filter { $0 > threshold }.reversed()
        let law = MarchenkoPastur(variance: s2, ratio: ratio)
        bulkDistance = KolmogorovSmirnov.distance(Array(x.prefix(n - outliers.count)), cdf: law.cdf)
    }
}

/// Quantiles of Marchenko–Pastur with unit scale and ratio γ, from its CDF
/// tabulated in the angle θ (x = m + h·cos θ, which removes the square-root
/// endpoints; midpoint rule on 4096 panels, which never evaluates the 0/0 of
/// γ = 1 at x = 0, then linear interpolation).
struct MarchenkoPasturQuantiles {
    let xs: [Double]
    let cdf: [Double]

    init(ratio: Double, panels: Int = 4096) {
        let lo = pow(1 - ratio.squareRoot(), 2), hi = pow(1 + ratio.squareRoot(), 2)
        let mid = 0.5 * (lo + hi), h = 0.5 * (hi - lo)
        // dF = h² sin²θ / (2π γ x(θ)) dθ, integrated from θ = π (x = lo) down to 0 (x = hi).
        func density(_ theta: Double) -> Double {
            let x = mid + h * cos(theta)
            let s = sin(theta)
            return h * h * s * s / (2 * .pi * ratio * x)
        }
        var xs = [lo], cdf = [0.0]
        var total = 0.0
        let step = Double.pi / Double(panels)
        for k in 1...panels {
            let theta = Double.pi - Double(k) * step
            total += density(theta + 0.5 * step) * step
            xs.append(mid + h * cos(theta))
            cdf.append(total)
        }
        self.xs = xs
        self.cdf = cdf.map { $0 / total }
    }

    /// x with F(x) = p, for p in [0, 1].
    func quantile(_ p: Double) -> Double {
        var a = 0, b = cdf.count - 1
        while b - a > 1 {
            let c = (a + b) / 2
            if cdf[c] < p { a = c } else { b = c }
        }
        let span = cdf[b] - cdf[a]
        return span > 0 ? xs[a] + (xs[b] - xs[a]) * (p - cdf[a]) / span : xs[a]
    }
}

extension LayerSpectrum {
    /// The bulk's spacing ratios r̃ = min(s_i, s_{i−1})/max(s_i, s_{i−1}).
    ///
    /// The bulk is the levels at or below the outlier threshold and above
    /// 10⁻¹² of the largest (exact zeros of a rank-deficient layer would make
    /// zero gaps); a tenth of them is dropped at each end (none below 20
    /// levels), where the density vanishes and Tracy–Widom, not bulk,
    /// statistics hold. The bulk of WᵀW is a Laguerre (Wishart) ensemble with
    /// β = 1, so for a random layer ⟨r̃⟩ is the GOE's 0.5307; levels that do not
    /// repel (independent, as for a diagonal W) give Poisson's 2 ln 2 − 1 =
    /// 0.3863. No unfolding is needed: the local density cancels in r̃.
    /// Neighbouring ratios share a gap, so they are correlated: take errors
    /// from blocks (the jackknife of ``Statistics/meanWithError(_:blocks:)``).
    public var bulkRatios: (ratios: [Double], levels: Int, trimmed: Int) {
        let (bulk, trim) = bulkLevels
        return (Spacings.ratios([bulk], discard: trim), bulk.count, trim)
    }

    /// The bulk (levels at or below the outlier threshold and above 10⁻¹² of
    /// the largest) and how many levels bulk statistics drop at each end (a
    /// tenth, none below 20 levels).
    public var bulkLevels: (levels: [Double], trimmed: Int) {
        let floor = (eigenvalues.last ?? 0) * 1e-12
        let bulk = eigenvalues.filter { $0 <= outlierThreshold && $0 > floor }
        return (bulk, bulk.count >= 20 ? bulk.count / 10 : 0)
    }

    /// Nearest-neighbour spacings of the bulk after unfolding: the bulk's
    /// staircase, as a function of the singular value s = √x, fitted by a
    /// polynomial (degree up to 9, one per 8 levels kept), a tenth of the
    /// levels dropped at each end. In s the density of a square layer is a
    /// quarter circle, finite at 0, where in x it diverges as x^{−1/2}; a
    /// monotone change of variable leaves unfolded spacings unchanged. The fit
    /// follows the bulk's own density, so a trained bulk that is not
    /// Marchenko–Pastur unfolds as well as a random one. For a random layer the spacings follow
    /// the β = 1 (GOE) law: Var(s) = 0.2855, the Wigner surmise's 0.2732.
    /// Neighbouring spacings of one spectrum are anticorrelated (levels are
    /// rigid), so KS p-values that treat them as independent are approximate.
    public var bulkSpacings: Spacings.Unfolded {
        let (bulk, trim) = bulkLevels
        let degree = max(1, min(9, (bulk.count - 2 * trim) / 8))
        return Spacings.unfold([bulk.map { $0.squareRoot() }], method: .polynomial(degree: degree), discard: trim)
    }
}

extension LayerSpectrum {
    /// The levels x_i = λ_i(WᵀW)/M of a `rows × cols` matrix W (M the larger
    /// side, N the smaller), ascending: one symmetric eigensolve (`dsyevd`,
    /// eigenvalues only) of the N × N Gram matrix of the smaller side, formed
    /// by `dsyrk`. That is about MN² + 4N³/3 flops against the ≈ 4MN² + 8N³
    /// of a bidiagonalising SVD, and what WeightWatcher and numpy's `eigvalsh`
    /// of WᵀW do.
    ///
    /// Accuracy: each level to within about N·ε·x_max (the Gram matrix squares
    /// the condition number), so levels below ≈ 10⁻¹³ x_max are rounding
    /// noise; the few that come out negative are set to 0. For a density, an
    /// edge, outliers or a tail that is immaterial; the smallest singular
    /// values of a nearly singular layer need the SVD.
    public static func levels(of matrix: Matrix) throws(LinalgError) -> [Double] {
        let n = min(matrix.rows, matrix.cols), m = max(matrix.rows, matrix.cols)
        guard n >= 1 else { return [] }
        let gram = Products.gram(matrix.rows >= matrix.cols ? matrix : matrix.transposed)
        let eigen = try SymmetricEigenSolver(n: n).eigenvalues(of: gram)
        return eigen.map { max(0, $0) / Double(m) }
    }
}
