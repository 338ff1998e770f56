// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Linalg
import RMT
import Testing

struct GaudinReference: Decodable {
    struct Row: Decodable { let s: Double; let pdf: Double; let cdf: Double }
    let beta1: [Row]
    let beta2: [Row]
    let goeVariance: Double

    static func load() throws -> GaudinReference {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/gaudin_reference.json")
        return try JSONDecoder().decode(GaudinReference.self, from: Data(contentsOf: url))
    }
}

/// ∫ pdf over the support, the first two moments, and F(x) = ∫ pdf for one law.
func checkLaw<L: ContinuousLaw>(_ law: L, mean: Double? = nil, variance: Double? = nil, points: [Double], tolerance: Double = 1e-8) {
    let m0 = law.moment(0), m1 = law.moment(1), m2 = law.moment(2)
    #expect(abs(m0 - 1) < tolerance, "\(law.name): ∫ρ = \(m0)")
    if let mean { #expect(abs(m1 - mean) < tolerance, "\(law.name): mean \(m1), expected \(mean)") }
    if let variance { #expect(abs(m2 - m1 * m1 - variance) < tolerance, "\(law.name): variance \(m2 - m1 * m1), expected \(variance)") }
    let lo = law.support.lowerBound.isFinite ? law.support.lowerBound : -50
    for x in points {
        let integral = Quadrature.integrate(lo, x) { law.pdf($0) }
        #expect(abs(law.cdf(x) - integral) < tolerance, "\(law.name): F(\(x)) = \(law.cdf(x)), ∫ρ = \(integral)")
        let u = law.cdf(x)
        if u > 1e-6 && u < 1 - 1e-6 { #expect(abs(law.quantile(u) - x) < 1e-7 * max(1, abs(x))) }
    }
}

@Suite("Laws")
struct LawTests {
    @Test func wignerSurmises() {
        checkLaw(WignerSurmise(beta: 1), mean: 1, variance: 4 / .pi - 1, points: [0.3, 1, 2.5])
        checkLaw(WignerSurmise(beta: 2), mean: 1, variance: 3 * .pi / 8 - 1, points: [0.3, 1, 2.5])
        checkLaw(WignerSurmise(beta: 4), mean: 1, variance: 45 * .pi / 128 - 1, points: [0.3, 1, 2.5])
        #expect(abs(WignerSurmise(beta: 1).variance - 0.27324) < 1e-5)
        checkLaw(PoissonSpacing(), mean: 1, variance: 1, points: [0.5, 2])
    }

    @Test func exactSpacingLawsMatchIndependentReference() throws {
        let ref = try GaudinReference.load()
        for (beta, rows) in [(1, ref.beta1), (2, ref.beta2)] {
            let law = GaudinSpacing(beta: beta)
            for r in rows {
                #expect(abs(law.pdf(r.s) - r.pdf) < 1e-6, "β=\(beta) p(\(r.s)) = \(law.pdf(r.s)), reference \(r.pdf)")
                #expect(abs(law.cdf(r.s) - r.cdf) < 1e-6, "β=\(beta) F(\(r.s))")
            }
        }
        // Published values (docs/theory.md, Bornemann): p(1) GOE 0.70182, GUE 0.90290; GOE Var(s) 0.28553.
        #expect(abs(GaudinSpacing(beta: 1).pdf(1) - 0.70182) < 1e-5)
        #expect(abs(GaudinSpacing(beta: 2).pdf(1) - 0.90290) < 1e-5)
        let goe = GaudinSpacing(beta: 1)
        checkLaw(goe, mean: 1, variance: ref.goeVariance, points: [0.5, 1.5], tolerance: 1e-6)
        #expect(abs(ref.goeVariance - 0.28553) < 1e-5)
        checkLaw(GaudinSpacing(beta: 2), mean: 1, points: [0.5, 1.5], tolerance: 1e-6)
    }

    /// The surmise differs from the exact GOE law by at most ≈ 0.016.
    @Test func surmiseDiffersFromExactLawByAtMostAboutOnePointSixPercent() {
        let s = stride(from: 0.0, through: 4, by: 0.01)
        let gap = s.map { abs(WignerSurmise(beta: 1).pdf($0) - GaudinSpacing(beta: 1).pdf($0)) }.max()!
        #expect(gap > 0.012 && gap < 0.02, "max |surmise − exact| = \(gap)")
    }

    @Test func densities() {
        let goe2 = GOE2x2Density(center: 3, sigma: 0.5)
        checkLaw(goe2, mean: 3, variance: 1.5 * 0.25, points: [2, 3, 3.7])
        #expect(abs(goe2.meanSpacing - Double.pi.squareRoot() * 0.5) < 1e-15)
        checkLaw(Semicircle(center: 1, radius: 2), mean: 1, variance: 1, points: [-0.5, 1, 2.9])
        let mp = MarchenkoPastur(variance: 0.5, ratio: 0.25)
        checkLaw(mp, mean: 0.5, variance: 0.25 * 0.25, points: [0.2, 0.5, 1.0], tolerance: 1e-7)
    }

    @Test func spacingRatioLaws() {
        #expect(abs(SpacingRatioLaw(beta: 1).mean - 0.53590) < 1e-5)
        #expect(abs(SpacingRatioLaw(beta: 0).mean - 0.38629) < 1e-5)
        for beta in [0, 1, 2, 4] {
            let law = SpacingRatioLaw(beta: beta)
            checkLaw(law, mean: law.mean, points: [0.2, 0.6], tolerance: 1e-7)
        }
        #expect(SpacingRatioReference.goe == 0.5307)
    }
}

@Suite("Statistics on samples of known law")
struct SampleTests {
    /// Bulk spacings of GOE matrices, unfolded three ways, follow the exact law.
    @Test func goeSpacingsFollowTheExactLaw() {
        var rng = Xoshiro256StarStar(seed: 77)
        let n = 200
        let spectra = (0..<60).map { _ in try! RandomMatrices.goe(n: n, variance: 1 / Double(n), using: &rng).symmetricEigenvalues() }
        for method in [Spacings.Unfolding.perIndexAverage, .semicircle(center: 0, radius: 2), .polynomial(degree: 9)] {
            let unfolded = Spacings.unfold(spectra, method: method, discard: 40)
            #expect(unfolded.method == method && unfolded.description.contains("unfolded by"))
            let s = unfolded.values
            #expect(abs(Statistics.mean(s) - 1) < 0.03, "\(method)")
            let ks = KolmogorovSmirnov.testSpacings(s, law: GaudinSpacing(beta: 1), replicas: 200, seed: 3)
            #expect(ks.pValue > 0.01, "\(method): D = \(ks.distance), p = \(ks.pValue)")
        }
        // ⟨r̃⟩ of large GOE matrices.
        let r = Statistics.meanWithError(Spacings.ratios(spectra, discard: 20))
        #expect(abs(r.pull(from: SpacingRatioReference.goe)) < 4, "⟨r̃⟩ = \(r)")
    }

    /// Uncorrelated levels: the surmise must be rejected and ⟨r̃⟩ is Poisson's.
    @Test func poissonLevelsRejectTheSurmise() {
        var rng = Xoshiro256StarStar(seed: 5)
        let spectra = (0..<40).map { _ in (0..<100).map { _ in rng.nextUniform() }.sorted() }
        let s = Spacings.unfolded(spectra, method: .perIndexAverage)
        let ks = KolmogorovSmirnov.testSpacings(s, law: WignerSurmise(beta: 1), replicas: 200, seed: 4)
        #expect(ks.pValue < 0.01, "Poisson spacings vs surmise: p = \(ks.pValue)")
        let r = Statistics.meanWithError(Spacings.ratios(spectra))
        #expect(abs(r.pull(from: SpacingRatioReference.poisson)) < 4, "⟨r̃⟩ = \(r)")
    }

    /// Spacings of 2×2 GOE pairs: ⟨S⟩ = √π σ and S/⟨S⟩ follows the surmise,
    /// while the β = 2 surmise is rejected.
    @Test func pairSpacingsFollowTheSurmise() {
        var rng = Xoshiro256StarStar(seed: 6)
        let sigma = 0.3
        let spectra = (0..<3000).map { _ in
            try! RandomMatrices.goe(n: 2, variance: sigma * sigma / 2, using: &rng).symmetricEigenvalues()
        }
        let s = Spacings.withinBlock(spectra, block: [0, 1])
        let mean = Statistics.meanWithError(s)
        #expect(abs(mean.pull(from: Double.pi.squareRoot() * sigma)) < 4, "⟨S⟩ = \(mean)")
        #expect(KolmogorovSmirnov.testSpacings(s, law: WignerSurmise(beta: 1), replicas: 200).pValue > 0.01)
        #expect(KolmogorovSmirnov.testSpacings(s, law: WignerSurmise(beta: 2), replicas: 200).pValue < 0.01)
    }

    @Test func jackknifeErrorOfAMeanIsTheStandardError() {
        var rng = Xoshiro256StarStar(seed: 9)
        let x = rng.normals(count: 400)
        let j = Statistics.jackknife(x, blocks: 400)
        let se = (Statistics.variance(x) / 400).squareRoot()
        #expect(abs(j.error! - se) < 1e-12)
        #expect(j.sampleSize == 400)
        let blocked = Statistics.jackknife(x, blocks: 40)
        #expect(abs(blocked.error! / se - 1) < 0.35)
    }

    /// AR(1) with coefficient φ: τ_int = (1 + φ)/(2(1 − φ)).
    @Test func autocorrelationTimeOfAnAR1Process() {
        var rng = Xoshiro256StarStar(seed: 10)
        for phi in [0.0, 0.8] {
            var x = [Double](), v = 0.0
            for _ in 0..<200_000 { v = phi * v + rng.nextNormal(); x.append(v) }
            let tau = Statistics.integratedAutocorrelationTime(x)
            let exact = (1 + phi) / (2 * (1 - phi))
            #expect(abs(tau.pull(from: exact)) < 4, "φ = \(phi): τ = \(tau), exact \(exact)")
        }
    }

    @Test func freedmanDiaconisHistogramIsADensity() {
        var rng = Xoshiro256StarStar(seed: 12)
        let x = rng.normals(count: 10_000)
        let h = Histogram(freedmanDiaconis: x)
        let integral = zip(h.densities, zip(h.edges, h.edges.dropFirst())).reduce(0) { $0 + $1.0 * ($1.1.1 - $1.1.0) }
        #expect(abs(integral - 1) < 1e-12)
        // FD width 2·IQR·n^{-1/3} ≈ 2·1.349/21.5 ≈ 0.125 → about 60 bins over ±3.8.
        #expect(h.counts.count > 40 && h.counts.count < 90, "\(h.counts.count) bins")
        #expect(h.method.contains("Freedman"))
    }
}

@Suite("Fits")
struct FitTests {
    @Test func goe2x2FitRecoversCentreAndWidth() throws {
        var rng = Xoshiro256StarStar(seed: 13)
        let sigma = 0.2, center = 4.0
        var eigenvalues = [Double]()
        for _ in 0..<2000 {
            var h = RandomMatrices.goe(n: 2, variance: sigma * sigma / 2, using: &rng)
            h[0, 0] += center; h[1, 1] += center
            eigenvalues += try! h.symmetricEigenvalues()
        }
        let fit = try DensityFit.goe2x2(eigenvalues)
        #expect(abs(fit.sigma.pull(from: sigma)) < 4, "σ = \(fit.sigma)")
        #expect(abs(fit.center.pull(from: center)) < 4, "centre = \(fit.center)")
        #expect(fit.sigma.error! < 0.01 && fit.sigma.error! > 0.001)
        // A wrong factor √2 in σ would be far outside the error.
        #expect(abs(fit.sigma.pull(from: sigma * 2.0.squareRoot())) > 10)
    }

    @Test(arguments: [2, 10, 60])
    func goeBlockFitRecoversVarianceAndRadius(g: Int) throws {
        var rng = Xoshiro256StarStar(seed: UInt64(g))
        let v = 0.01
        var eigenvalues = [Double]()
        for _ in 0..<(20_000 / g) {
            eigenvalues += try! RandomMatrices.goe(n: g, variance: v, using: &rng).symmetricEigenvalues()
        }
        let fit = try DensityFit.goeBlock(eigenvalues, size: g)
        #expect(abs(fit.offDiagonalVariance.pull(from: v)) < 4, "g = \(g): v = \(fit.offDiagonalVariance)")
        #expect(abs(fit.radius.pull(from: 2 * (Double(g) * v).squareRoot())) < 4)
        // The tabulated finite-g density describes these eigenvalues.
        let law = FiniteGOEDensity(size: g, offDiagonalVariance: v)
        let d = KolmogorovSmirnov.distance(eigenvalues, cdf: law.cdf)
        #expect(d < 0.02, "g = \(g): KS distance to the finite-g density \(d)")
        if g == 60 {
            // …and the semicircle is close but visibly not exact at g = 60.
            let sc = KolmogorovSmirnov.distance(eigenvalues, cdf: Semicircle(radius: 2 * (Double(g) * v).squareRoot()).cdf)
            #expect(sc < 0.03)
        }
    }

    @Test func lineThroughOriginRecoversSlope() throws {
        var rng = Xoshiro256StarStar(seed: 14)
        let x = (1...12).map(Double.init)
        let err = x.map { 0.05 * $0 }
        let y = zip(x, err).map { 2.5 * $0 + $1 * rng.nextNormal() }
        let (slope, chi2) = try LeastSquares.lineThroughOrigin(x: x, y: y, yErrors: err)
        #expect(abs(slope.pull(from: 2.5)) < 4)
        #expect(chi2 > 0.1 && chi2 < 3)
        // σ_a = 1/√Σ(x/σ)² = 1/√(12/0.0025)
        #expect(abs(slope.error! - 1 / (12 / 0.0025).squareRoot()) < 1e-12)
    }

    @Test func polynomialFitIsExactOnPolynomials() throws {
        let x = stride(from: -3.0, through: 5, by: 0.1).map { $0 }
        let y = x.map { 1 - 2 * $0 + 0.5 * $0 * $0 * $0 }
        let p = try LeastSquares.polynomialFit(x: x, y: y, degree: 3)
        for v in [-2.0, 0, 1.3, 4.9] { #expect(abs(p.evaluate(v) - (1 - 2 * v + 0.5 * v * v * v)) < 1e-9) }
    }
}
