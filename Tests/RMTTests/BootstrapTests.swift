// SPDX-License-Identifier: GPL-3.0-or-later
import Linalg
@testable import RMT
import Testing

/// The KS parametric bootstrap: replicas on all cores, each from its own
/// stream, drawn already sorted.
@Suite struct BootstrapTests {
    static func surmiseSample(_ count: Int, seed: UInt64) -> [Double] {
        var rng = Xoshiro256StarStar(seed: seed)
        return WignerSurmise(beta: 1).sample(count: count) { rng.nextUniform() }
    }

    /// The p-value is a count over replicas that each draw from stream
    /// (seed, r): the same for any number of threads.
    @Test func pValueDoesNotDependOnTheThreadCount() {
        let s = Self.surmiseSample(3000, seed: 9).map { 1.3 * $0 }
        let one = KolmogorovSmirnov.testSpacings(s, law: WignerSurmise(beta: 1), replicas: 101, seed: 5, threads: 1)
        for threads in [2, 3, 8] {
            let many = KolmogorovSmirnov.testSpacings(s, law: WignerSurmise(beta: 1), replicas: 101, seed: 5, threads: threads)
            #expect(many == one)
        }
        // And with a law whose quantile is found numerically (bisection).
        let g1 = KolmogorovSmirnov.testSpacings(Array(s.prefix(400)), law: GaudinSpacing(beta: 1), replicas: 23, seed: 2, threads: 1)
        let g3 = KolmogorovSmirnov.testSpacings(Array(s.prefix(400)), law: GaudinSpacing(beta: 1), replicas: 23, seed: 2, threads: 3)
        #expect(g1 == g3)
    }

    /// A replica is the sample `ContinuousLaw.sample` draws from the same
    /// stream, in ascending order, bit for bit.
    @Test func sortedDrawIsTheSortedSample() {
        var draw = SortedDraw(size: 5000)
        for r in 0..<4 {
            var a = Xoshiro256StarStar.stream(seed: 17, index: UInt64(r))
            var b = Xoshiro256StarStar.stream(seed: 17, index: UInt64(r))
            let sorted = draw.sample(WignerSurmise(beta: 2), rng: &a)
            let reference = WignerSurmise(beta: 2).sample(count: 5000) { b.nextUniform() }.sorted()
            #expect(sorted.map(\.bitPattern) == reference.map(\.bitPattern))
        }
    }

    @Test func bucketSortSortsEdgeCases() {
        var rng = Xoshiro256StarStar(seed: 1)
        let cases: [[Double]] = [[], [0.5], [0.9, 0.1], Array(repeating: 0.25, count: 50), (0..<1000).map { _ in rng.nextUniform() },
                                 (0..<1000).map { _ in 0.999 * rng.nextUniform() * rng.nextUniform() }, [0x1.fffffffffffffp-1, 0, 0.5]]
        for c in cases {
            var v = c, scratch = c, buckets = [Int](repeating: 0, count: c.count + 1)
            SortedDraw.bucketSort(&v, scratch: &scratch, buckets: &buckets)
            #expect(v == c.sorted())
        }
    }

    /// The test still rejects what it should and accepts what it should: the
    /// surmise against its own samples gives p roughly uniform (here > 0.01),
    /// a Poisson sample against the surmise p at its floor 1/(1 + replicas).
    @Test func bootstrapStillDiscriminates() {
        let good = KolmogorovSmirnov.testSpacings(Self.surmiseSample(2000, seed: 4), law: WignerSurmise(beta: 1), replicas: 199, seed: 1)
        #expect(good.pValue > 0.01)
        var rng = Xoshiro256StarStar(seed: 8)
        let poisson = PoissonSpacing().sample(count: 2000) { rng.nextUniform() }
        let bad = KolmogorovSmirnov.testSpacings(poisson, law: WignerSurmise(beta: 1), replicas: 199, seed: 1)
        #expect(bad.isUpperBound && bad.pValue == 1.0 / 200)
    }
}
