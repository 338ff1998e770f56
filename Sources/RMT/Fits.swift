// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Linalg

/// A least-squares polynomial in the scaled variable u = (x − shift)/scale.
public struct PolynomialFit: Sendable {
    public let coefficients: [Double]
    public let shift: Double
    public let scale: Double

    public func evaluate(_ x: Double) -> Double {
        let u = (x - shift) / scale
        return coefficients.reversed().reduce(0) { $0 * u + $1 }
    }
}

/// Least-squares fits.
public enum LeastSquares {
    /// The polynomial of `degree` minimising Σ(yᵢ − p(xᵢ))², solved by QR-free
    /// normal equations in a variable scaled to [−1, 1] (well conditioned for
    /// the degrees ≤ 10 used for unfolding).
    ///
    /// Throws ``FitError`` when the degree is negative, x and y differ in length,
    /// there are no more points than the degree, or a value is not finite.
    public static func polynomialFit(x: [Double], y: [Double], degree: Int) throws(FitError) -> PolynomialFit {
        guard degree >= 0 else { throw FitError(.invalidParameter, "polynomial fit: the degree must be at least 0, got \(degree)") }
        guard x.count == y.count else {
            throw FitError(.mismatchedLengths, "polynomial fit: \(x.count) x values but \(y.count) y values")
        }
        try FitError.require(x.count, atLeast: degree + 1, "polynomial fit of degree \(degree)")
        try FitError.requireFinite(x, "polynomial fit (x)")
        try FitError.requireFinite(y, "polynomial fit (y)")
        let lo = x.min() ?? 0, hi = x.max() ?? 0
        let shift = 0.5 * (lo + hi), scale = max(0.5 * (hi - lo), 1e-300)
        let k = degree + 1
        var ata = Matrix(rows: k, cols: k), aty = [Double](repeating: 0, count: k)
        var powers = [Double](repeating: 1, count: k)
        for (xi, yi) in zip(x, y) {
            let u = (xi - shift) / scale
            for p in 1..<max(1, k) { powers[p] = powers[p - 1] * u }
            for i in 0..<k {
                aty[i] += powers[i] * yi
                for j in 0..<k { ata[i, j] += powers[i] * powers[j] }
            }
        }
        let inv = (try? ata.inverseSPD()) ?? Matrix.identity(k)
        return PolynomialFit(coefficients: inv * aty, shift: shift, scale: scale)
    }

    /// Straight line through the origin y = a·x weighted by 1/σᵢ²:
    /// a = Σwxy/Σwx², σ_a = 1/√(Σwx²), χ²/dof with dof = n − 1 (NaN for one point).
    ///
    /// Throws ``FitError`` when there is no point, the three arrays differ in
    /// length, a value is not finite, an error σᵢ is not positive, or every x is
    /// zero (then Σwx² = 0 and the slope is undetermined).
    public static func lineThroughOrigin(x: [Double], y: [Double], yErrors: [Double]) throws(FitError) -> (slope: Estimate, chi2PerDof: Double) {
        guard x.count == y.count && y.count == yErrors.count else {
            throw FitError(.mismatchedLengths, "line fit: \(x.count) x values, \(y.count) y values and \(yErrors.count) errors")
        }
        try FitError.require(x.count, atLeast: 1, "line fit through the origin")
        try FitError.requireFinite(x, "line fit (x)")
        try FitError.requireFinite(y, "line fit (y)")
        try FitError.requireFinite(yErrors, "line fit (errors)")
        guard yErrors.allSatisfy({ $0 > 0 }) else {
            throw FitError(.degenerate, "line fit: \(yErrors.filter { !($0 > 0) }.count) of \(yErrors.count) errors are not positive")
        }
        var swxx = 0.0, swxy = 0.0
        for i in x.indices {
            let w = 1 / (yErrors[i] * yErrors[i])
            swxx += w * x[i] * x[i]
            swxy += w * x[i] * y[i]
        }
        guard swxx > 0 && swxx.isFinite else {
            throw FitError(.degenerate, swxx > 0 ? "line fit: the weights overflow (errors too small for the scale of x)"
                                                 : "line fit: every x is zero, so the slope is undetermined")
        }
        let a = swxy / swxx
        var chi2 = 0.0
        for i in x.indices { chi2 += pow((y[i] - a * x[i]) / yErrors[i], 2) }
        let dof = x.count - 1
        return (Estimate(value: a, error: 1 / swxx.squareRoot(), sampleSize: x.count,
                         method: "weighted least squares through the origin"),
                dof > 0 ? chi2 / Double(dof) : .nan)
    }
}

/// Minimises f over ℝᵈ by the Nelder–Mead simplex method.
func nelderMead(_ start: [Double], step: [Double], tolerance: Double = 1e-10, maxEvaluations: Int = 2000,
                _ f: ([Double]) -> Double) -> [Double] {
    let d = start.count
    var simplex = [start]
    for i in 0..<d { var p = start; p[i] += step[i]; simplex.append(p) }
    var values = simplex.map(f)
    var evaluations = d + 1
    while evaluations < maxEvaluations {
        let order = values.indices.sorted { values[$0] < values[$1] }
        simplex = order.map { simplex[$0] }
        values = order.map { values[$0] }
        if abs(values[d] - values[0]) <= tolerance * (abs(values[0]) + 1e-300) { break }
        var centroid = [Double](repeating: 0, count: d)
        for p in simplex.dropLast() { for i in 0..<d { centroid[i] += p[i] / Double(d) } }
        func along(_ t: Double) -> [Double] { (0..<d).map { centroid[$0] + t * (simplex[d][$0] - centroid[$0]) } }
        let reflected = along(-1), fr = f(reflected); evaluations += 1
        if fr < values[0] {
            let expanded = along(-2), fe = f(expanded); evaluations += 1
            if fe < fr { simplex[d] = expanded; values[d] = fe } else { simplex[d] = reflected; values[d] = fr }
        } else if fr < values[d - 1] {
            simplex[d] = reflected; values[d] = fr
        } else {
            let contracted = along(fr < values[d] ? -0.5 : 0.5), fc = f(contracted); evaluations += 1
            if fc < min(fr, values[d]) {
                simplex[d] = contracted; values[d] = fc
            } else {
                for k in 1...d {
                    simplex[k] = (0..<d).map { simplex[0][$0] + 0.5 * (simplex[k][$0] - simplex[0][$0]) }
                    values[k] = f(simplex[k]); evaluations += 1
                }
            }
        }
    }
    return simplex[values.indices.min { values[$0] < values[$1] }!]
}

/// Fits of eigenvalue densities.
public enum DensityFit {
    /// Maximum-likelihood fit of the 2×2 GOE one-eigenvalue density (centre λ₀,
    /// width σ) to eigenvalues pooled from pairs. The likelihood treats them as
    /// independent (a pseudo-likelihood: the point estimate is consistent); the
    /// errors come from a blocked jackknife over the sample order, which keeps
    /// each pair's two levels together when they are stored adjacently.
    ///
    /// Throws ``FitError`` with fewer than 4 eigenvalues (two pairs), non-finite
    /// ones, or none spread apart (all equal: there is no width to fit); and when
    /// the fitted σ comes out zero or infinite, so the returned σ is always a
    /// valid ``GOE2x2Density`` width.
    public static func goe2x2(_ eigenvalues: [Double], jackknifeBlocks: Int = 20) throws(FitError) -> (center: Estimate, sigma: Estimate) {
        try FitError.require(eigenvalues.count, atLeast: 4, "2×2 GOE fit")
        try FitError.requireFinite(eigenvalues, "2×2 GOE fit")
        try requireSpread(eigenvalues, "2×2 GOE fit")
        // The simplex moves in log σ; clamping it keeps every trial width a positive
        // finite number (a jackknife replica with little spread drives log σ down).
        func width(_ logSigma: Double) -> Double { exp(logSigma.isNaN ? 0 : min(max(logSigma, -700), 700)) }
        func fit(_ x: [Double], from start: (Double, Double)) -> (Double, Double) {
            let likelihood = GOE2x2NegativeLogLikelihood(x)
            let best = nelderMead([start.0, log(start.1)], step: [0.1 * start.1, 0.1]) { p in
                let nll = likelihood(GOE2x2Density(center: p[0], sigma: width(p[1])))
                return nll.isNaN ? .infinity : nll
            }
            return (best[0], width(best[1]))
        }
        // Moments: ⟨(λ − λ₀)²⟩ = 3σ²/2.
        let m = Statistics.mean(eigenvalues)
        let start = (m, max((Statistics.variance(eigenvalues) / 1.5).squareRoot(), 1e-12))
        let full = fit(eigenvalues, from: start)
        let n = eigenvalues.count, b = min(jackknifeBlocks, n / 2)
        var centers = [Double](), sigmas = [Double]()
        for k in 0..<b {
            let s = k * n / b, e = (k + 1) * n / b
            let r = fit(Array(eigenvalues[0..<s] + eigenvalues[e..<n]), from: full)
            centers.append(r.0); sigmas.append(r.1)
        }
        func jackError(_ r: [Double]) -> Double {
            let mr = Statistics.mean(r)
            return (Double(b - 1) / Double(b) * r.reduce(0) { $0 + ($1 - mr) * ($1 - mr) }).squareRoot()
        }
        guard full.1 > 0 && full.1.isFinite else {
            throw FitError(.degenerate, "2×2 GOE fit: the fitted width σ = \(full.1) is not a positive number (the levels' spread is \(Statistics.variance(eigenvalues).squareRoot()))")
        }
        let method = "maximum likelihood, jackknife (\(b) blocks)"
        return (Estimate(value: full.0, error: jackError(centers), sampleSize: n, method: method),
                Estimate(value: full.1, error: jackError(sigmas), sampleSize: n, method: method))
    }

    /// A g×g GOE block fitted by moments: for off-diagonal variance v (diagonal 2v)
    /// the mean squared deviation of its eigenvalues from the centre is v(g + 1),
    /// for every g. Returns the centre, v and the semicircle radius R = 2√(g v),
    /// each with a jackknife error. Exact for any g: use ``FiniteGOEDensity`` for
    /// the finite-g shape, which the semicircle only approaches as g → ∞.
    ///
    /// Throws ``FitError`` when g < 2, with fewer than 2 eigenvalues, non-finite
    /// ones, or none spread apart; so the returned v and R are always positive
    /// (valid for ``FiniteGOEDensity`` and ``Semicircle``).
    public static func goeBlock(_ eigenvalues: [Double], size g: Int, jackknifeBlocks: Int = 50) throws(FitError)
        -> (center: Estimate, offDiagonalVariance: Estimate, radius: Estimate)
    {
        guard g >= 2 else { throw FitError(.invalidParameter, "GOE block fit: the block size must be at least 2, got \(g)") }
        try FitError.require(eigenvalues.count, atLeast: 2, "GOE block fit")
        try FitError.requireFinite(eigenvalues, "GOE block fit")
        try requireSpread(eigenvalues, "GOE block fit")
        let center = Statistics.jackknife(eigenvalues, blocks: jackknifeBlocks, label: "centre = mean")
        let v = Statistics.jackknife(eigenvalues, blocks: jackknifeBlocks, label: "v = ⟨(λ−c)²⟩/(g+1)") { x in
            let m = Statistics.mean(x)
            return x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count) / Double(g + 1)
        }
        let r = Statistics.jackknife(eigenvalues, blocks: jackknifeBlocks, label: "R = 2√(g v)") { x in
            let m = Statistics.mean(x)
            let vv = x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count) / Double(g + 1)
            return 2 * (Double(g) * vv).squareRoot()
        }
        guard v.value > 0 && r.value > 0 && r.value.isFinite else {
            throw FitError(.degenerate, "GOE block fit: the fitted variance v = \(v.value) is not a positive number")
        }
        return (center, v, r)
    }

    /// Throws ``FitError/Reason/degenerate`` when all values are equal.
    static func requireSpread(_ values: [Double], _ what: String) throws(FitError) {
        guard let lo = values.min(), let hi = values.max(), hi > lo else {
            throw FitError(.degenerate, "\(what): all \(values.count) values are equal, so there is no width to fit")
        }
    }
}

/// −Σᵢ log max(ρ(xᵢ), 10⁻³⁰⁰) of a sample under a 2×2 GOE density, the
/// objective of ``DensityFit/goe2x2(_:jackknifeBlocks:)``.
///
/// Each term costs an exp, an erf and a log, so a long sample's terms are
/// computed on every core, chunk by chunk into a buffer; the buffer is then
/// summed on the calling thread in the order of the sample, so the value is
/// the serial sum bit for bit whatever the number of threads.
final class GOE2x2NegativeLogLikelihood: @unchecked Sendable {
    /// Values per chunk of terms (about 0.3 ms of work): shorter samples are summed serially.
    static let chunk = 8192
    private let values: [Double]
    private var terms: [Double]

    init(_ values: [Double]) {
        self.values = values
        terms = values.count > Self.chunk ? Array(repeating: 0, count: values.count) : []
    }

    func callAsFunction(_ law: GOE2x2Density) -> Double {
        let n = values.count
        var nll = 0.0
        guard n > Self.chunk else {
            for v in values { nll -= log(max(law.pdf(v), 1e-300)) }
            return nll
        }
        let chunks = (n + Self.chunk - 1) / Self.chunk
        values.withUnsafeBufferPointer { x in
            terms.withUnsafeMutableBufferPointer { t in
                let source = UnsafeSendable(x), target = UnsafeSendable(t)
                DispatchQueue.concurrentPerform(iterations: chunks) { c in
                    let x = source.value, t = target.value
                    for i in (c * Self.chunk)..<min(n, (c + 1) * Self.chunk) { t[i] = log(max(law.pdf(x[i]), 1e-300)) }
                }
            }
        }
        for term in terms { nll -= term }
        return nll
    }
}

/// A buffer pointer handed to worker threads that touch disjoint parts of it.
private struct UnsafeSendable<Pointer>: @unchecked Sendable {
    let value: Pointer
    init(_ value: Pointer) { self.value = value }
}

/// The one-eigenvalue density of a g×g GOE matrix (off-diagonal variance v,
/// diagonal 2v, centred at c), tabulated once per g by sampling 4·10⁵/g… matrices
/// with a fixed seed and smoothing the histogram of their eigenvalues. For
/// g = 2 the exact ``GOE2x2Density`` is used instead. For large g the shape
/// tends to the semicircle of radius 2√(g v). Accuracy of the table ≈ 1 % of the
/// peak density, ample for a reference curve and KS distances above 0.01.
public struct FiniteGOEDensity: ContinuousLaw {
    public let size: Int
    public let offDiagonalVariance: Double
    public let center: Double
    private let table: FiniteGOETable?

    public init(size g: Int, offDiagonalVariance v: Double, center: Double = 0) {
        precondition(g >= 2 && v > 0, "finite GOE density: need g ≥ 2 and v > 0")
        size = g
        offDiagonalVariance = v
        self.center = center
        table = g == 2 ? nil : FiniteGOETable.shared(g)
    }

    public var name: String { "GOE \(size)×\(size) density" }
    /// In units of the semicircle radius R = 2√(g v), the table spans |y| ≤ 1.6.
    private var radius: Double { 2 * (Double(size) * offDiagonalVariance).squareRoot() }
    public var support: ClosedRange<Double> {
        size == 2 ? -Double.infinity...Double.infinity : (center - 1.6 * radius)...(center + 1.6 * radius)
    }

    public func pdf(_ x: Double) -> Double {
        guard let table else { return GOE2x2Density(center: center, sigma: (2 * offDiagonalVariance).squareRoot()).pdf(x) }
        return table.pdf((x - center) / radius) / radius
    }

    public func cdf(_ x: Double) -> Double {
        guard let table else { return GOE2x2Density(center: center, sigma: (2 * offDiagonalVariance).squareRoot()).cdf(x) }
        return table.cdf((x - center) / radius)
    }
}

/// Density of y = λ/R for a g×g GOE matrix, on [−1.6, 1.6].
final class FiniteGOETable: Sendable {
    static let bins = 320
    static let span = 1.6
    let density: [Double]
    let cumulative: [Double]

    private nonisolated(unsafe) static var cache: [Int: FiniteGOETable] = [:]
    private static let lock = NSLock()

    static func shared(_ g: Int) -> FiniteGOETable {
        lock.lock(); defer { lock.unlock() }
        if let t = cache[g] { return t }
        let t = FiniteGOETable(g: g)
        cache[g] = t
        return t
    }

    init(g: Int) {
        let samples = max(200, 400_000 / g)
        var rng = Xoshiro256StarStar.stream(seed: 0x60E, index: UInt64(g))
        let radius = 2 * Double(g).squareRoot()  // v = 1
        let solver = SymmetricEigenSolver(n: g)
        var counts = [Double](repeating: 0, count: FiniteGOETable.bins)
        let width = 2 * FiniteGOETable.span / Double(FiniteGOETable.bins)
        var w = [Double](repeating: 0, count: g)
        for _ in 0..<samples {
            let h = RandomMatrices.goe(n: g, variance: 1, using: &rng)
            try? h.elements.withUnsafeBufferPointer { p in
                try w.withUnsafeMutableBufferPointer { q in try solver.solve(p.baseAddress!, values: q.baseAddress!) }
            }
            for x in w {
                let y = x / radius + FiniteGOETable.span
                let i = Int(y / width)
                if i >= 0 && i < FiniteGOETable.bins { counts[i] += 1 }
            }
        }
        // Three-point smoothing, then normalise to a density in y.
        var smooth = counts
        for i in 1..<(counts.count - 1) { smooth[i] = 0.25 * counts[i - 1] + 0.5 * counts[i] + 0.25 * counts[i + 1] }
        let total = smooth.reduce(0, +) * width
        density = smooth.map { $0 / total }
        var c = [0.0]
        for d in density { c.append(c.last! + d * width) }
        cumulative = c
    }

    func pdf(_ y: Double) -> Double {
        let width = 2 * FiniteGOETable.span / Double(FiniteGOETable.bins)
        let t = (y + FiniteGOETable.span) / width - 0.5
        let i = Int(t.rounded(.down))
        if i < 0 || i >= density.count - 1 { return i == -1 || i == density.count - 1 ? 0 : 0 }
        let f = t - Double(i)
        return (1 - f) * density[i] + f * density[i + 1]
    }

    func cdf(_ y: Double) -> Double {
        let width = 2 * FiniteGOETable.span / Double(FiniteGOETable.bins)
        let t = (y + FiniteGOETable.span) / width
        if t <= 0 { return 0 }
        if t >= Double(density.count) { return 1 }
        let i = Int(t), f = t - Double(i)
        return cumulative[i] + f * (cumulative[i + 1] - cumulative[i])
    }
}
