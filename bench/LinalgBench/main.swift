// SPDX-License-Identifier: GPL-3.0-or-later
//
// Times dyson's Linalg on the cases of bench/peers/linalg_numpy.py and prints one
// JSON object per line: {"case": …, "seconds": per-operation time}. The timing
// method is the same in both: repeat the operation until a batch takes ≥ 0.1 s,
// take the best per-operation time of 5 batches. Run by bench/run-linalg.py.
import Dispatch
import Linalg

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }

/// Best per-call time of `body` over 5 batches of ≥ 0.1 s each.
func measure(_ body: () -> Void) -> Double {
    var reps = 1
    while true {
        let t0 = now()
        for _ in 0..<reps { body() }
        if now() - t0 >= 0.1 { break }
        reps *= 2
    }
    var best = Double.infinity
    for _ in 0..<5 {
        let t0 = now()
        for _ in 0..<reps { body() }
        best = min(best, (now() - t0) / Double(reps))
    }
    return best
}

var sink = 0.0
func report(_ name: String, _ seconds: Double) {
    print("{\"case\": \"\(name)\", \"seconds\": \(seconds)}")
}

let only = CommandLine.arguments.dropFirst().first
func wanted(_ name: String) -> Bool { only == nil || name.hasPrefix(only!) }

BLAS.setThreads(1)
var rng = Xoshiro256StarStar(seed: 1)

for n in [10, 100, 400, 1000] where wanted("eigvalsh") {
    let h = RandomMatrices.goe(n: n, variance: 1.0 / Double(n), using: &rng)
    let solver = SymmetricEigenSolver(n: n)
    var w = [Double](repeating: 0, count: n)
    let t = h.elements.withUnsafeBufferPointer { ph in
        w.withUnsafeMutableBufferPointer { pw in
            measure { try! solver.solve(ph.baseAddress!, values: pw.baseAddress!); sink += pw[0] }
        }
    }
    report("eigvalsh n=\(n)", t)
}

for n in [16, 100, 1000] where wanted("dgemm") {
    let a = RandomMatrices.gaussian(rows: n, cols: n, using: &rng)
    let b = RandomMatrices.gaussian(rows: n, cols: n, using: &rng)
    var c = [Double](repeating: 0, count: n * n)
    let t = a.elements.withUnsafeBufferPointer { pa in
        b.elements.withUnsafeBufferPointer { pb in
            c.withUnsafeMutableBufferPointer { pc in
                measure {
                    Products.blasMultiply(pa.baseAddress!, pb.baseAddress!, into: pc.baseAddress!, m: n, n: n, k: n)
                    sink += pc[0]
                }
            }
        }
    }
    report("dgemm n=\(n)", t)
}

if wanted("normals") {
    var buffer = [Double](repeating: 0, count: 10_000_000)
    let t = buffer.withUnsafeMutableBufferPointer { p in
        measure { rng.fillNormals(p); sink += p[0] }
    }
    report("normals 1e7", t)
    // The same into a 4096-entry buffer that stays in L1: the generator's own
    // speed, without the memory traffic of writing 80 MB (reported per 1e7).
    var small = [Double](repeating: 0, count: 4096)
    let tl1 = small.withUnsafeMutableBufferPointer { p in
        measure { for _ in 0..<(10_000_000 / 4096) { rng.fillNormals(p) }; sink += p[0] }
    }
    report("normals 1e7 in L1", tl1 * 10_000_000 / Double((10_000_000 / 4096) * 4096))
    // The eight-lane generator (NormalLanes: AVX-512 where the CPU has it).
    var lanes = NormalLanes(seededBy: &rng)
    let tLanes = buffer.withUnsafeMutableBufferPointer { p in
        measure { lanes.fill(p.baseAddress!, count: p.count); sink += p[0] }
    }
    report("lanes normals 1e7", tLanes)
    let tLanesL1 = small.withUnsafeMutableBufferPointer { p in
        measure { for _ in 0..<(10_000_000 / 4096) { lanes.fill(p.baseAddress!, count: 4096) }; sink += p[0] }
    }
    report("lanes normals 1e7 in L1", tLanesL1 * 10_000_000 / Double((10_000_000 / 4096) * 4096))
}

// Small products in a loop: the loop kernel against a dgemm call of the same size.
for n in [2, 10, 16] where wanted("small") {
    let a = RandomMatrices.gaussian(rows: n, cols: n, using: &rng)
    let b = RandomMatrices.gaussian(rows: n, cols: n, sd: 0.1, using: &rng)
    var c = [Double](repeating: 0, count: n * n)
    a.elements.withUnsafeBufferPointer { pa in
        b.elements.withUnsafeBufferPointer { pb in
            c.withUnsafeMutableBufferPointer { pc in
                let loop = measure {
                    Products.smallMultiply(pa.baseAddress!, pb.baseAddress!, into: pc.baseAddress!, m: n, n: n, k: n)
                    sink += pc[0]
                }
                let blas = measure {
                    Products.blasMultiply(pa.baseAddress!, pb.baseAddress!, into: pc.baseAddress!, m: n, n: n, k: n)
                    sink += pc[0]
                }
                report("small loop n=\(n)", loop)
                report("small dgemm n=\(n)", blas)
            }
        }
    }
}

if sink == 42.4242 { print("") }  // keeps the work observable
