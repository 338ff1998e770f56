// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
import Learning
@testable import Notebook
import Testing
import Weights

/// `export spectra FILE.npy` and the streamed CSV: the same numbers as the
/// result, in the documented layouts, read back by dyson's own reader and by numpy.
@Suite struct ExportTests {
    /// A result with distinct runs, snapshots and levels (3 runs × 4 snapshots × 5 levels).
    static func trained() throws -> (Notebook, String, TrainingResult) {
        let (nb, dir) = try makeSession(seed: 11)
        nb.run("model rbm n=5")
        nb.run("train lr=0.01 batch=8 steps=300 runs=3 every=100")
        let result = try #require(nb.workspace.last)
        return (nb, dir, result)
    }

    @Test func spectraNpyIsRunsBySnapshotsByLevels() throws {
        let (nb, dir, r) = try Self.trained()
        let out = nb.run("export spectra s.npy")
        #expect(out.lines.joined().contains("shape (3, 4, 5)"))
        let file = try WeightFile.open(dir + "/s.npy")
        let tensor = try #require(file.tensors.first)
        #expect(tensor.shape == [3, 4, 5] && tensor.typeName == "<f8" && !tensor.fortranOrder)
        let a = try tensor.values()
        for k in 0..<3 { for s in 0..<4 { for i in 0..<5 {
            #expect(a[(k * 4 + s) * 5 + i].bitPattern == r.spectra[(s * 3 + k) * 5 + i].bitPattern)
        } } }
    }

    @Test func spectraCSVHoldsEveryValueExactly() throws {
        let (nb, dir, r) = try Self.trained()
        nb.run("export spectra s.csv")
        let lines = try String(contentsOfFile: dir + "/s.csv", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1 + 4 * 3 * 5)
        for (row, line) in lines.dropFirst().enumerated() {
            let f = line.split(separator: ",")
            let s = row / 15, k = (row / 5) % 3, i = row % 5
            #expect(f.count == 5)
            #expect(Int(f[0]) == r.runIndices[k] && Int(f[1]) == r.snapshotSteps[s] && Int(f[2]) == i)
            #expect(Double(f[3]) == r.spectra[(s * 3 + k) * 5 + i])
            #expect(Double(f[4]) == r.target.values[i])
        }
    }

    /// Streams longer than the sink's buffer come out whole (the buffer is
    /// written out and refilled many times).
    @Test func exportsLargerThanTheBufferAreWhole() throws {
        let (nb, dir) = try makeSession(seed: 5)
        nb.run("model ts n=2")
        nb.run("train lr=0.1 batch=16 steps=40 runs=3000 every=4")
        let r = try #require(nb.workspace.last)
        nb.run("export spectra big.csv")
        nb.run("export spectra big.npy")
        let csv = try Data(contentsOf: URL(fileURLWithPath: dir + "/big.csv"))
        #expect(csv.count > FileSink.capacity)
        #expect(csv.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) } == 1 + r.spectra.count)
        let npy = try WeightFile.open(dir + "/big.npy").tensors[0]
        #expect(npy.shape == [3000, 11, 2])
        #expect(try Set(npy.values()) == Set(r.spectra))
    }

    /// numpy reads the array back with the same values (skipped without python3 and numpy).
    @Test(.enabled(if: ExportTests.pythonWithNumpy() != nil, "needs python3 with numpy"))
    func numpyLoadsTheSpectra() throws {
        let python = try #require(Self.pythonWithNumpy())
        let (nb, dir, r) = try Self.trained()
        nb.run("export spectra s.npy")
        let script = "import numpy as np; a = np.load('s.npy'); print(a.shape, a.dtype); print(repr(float(a[2, 3, 4])), repr(float(a[1, 0, 2])))"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = ["-c", script]
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let lines = text.split(separator: "\n")
        #expect(lines.first == "(3, 4, 5) float64")
        let values = lines.dropFirst().first?.split(separator: " ").compactMap { Double($0) } ?? []
        #expect(values == [r.spectra[(3 * 3 + 2) * 5 + 4], r.spectra[(0 * 3 + 1) * 5 + 2]])
    }

    /// python3 on PATH if it imports numpy, else nil (the test then has nothing to check).
    static func pythonWithNumpy() -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let path = "\(dir)/python3"
            guard FileManager.default.isExecutableFile(atPath: path) else { continue }
            let p = Process()
            p.executableURL = URL(fileURLWithPath: path)
            p.arguments = ["-c", "import numpy"]
            p.standardError = FileHandle.nullDevice
            guard (try? p.run()) != nil else { return nil }
            p.waitUntilExit()
            return p.terminationStatus == 0 ? path : nil
        }
        return nil
    }
}
