// SPDX-License-Identifier: GPL-3.0-or-later
import Foundation
@testable import Cluster
import Learning

/// A fresh folder under the system's temporary folder.
func temporaryFolder(_ name: String = "job") throws -> String {
    let dir = NSTemporaryDirectory() + "dyson-cluster-\(name)-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// The dyson executable built beside the test bundle.
func dysonBinary() throws -> String {
    let path = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("dyson").path
    guard FileManager.default.isExecutableFile(atPath: path) else {
        throw ClusterError("no dyson executable at \(path)", suggestion: "build it first (swift build)")
    }
    return path
}

/// Runs a program to its end; its output (stdout and stderr together) and status.
@discardableResult
func runProcess(_ path: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = arguments
    p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let out = Pipe()
    p.standardOutput = out
    p.standardError = out
    p.standardInput = FileHandle.nullDevice
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    if p.terminationReason == .uncaughtSignal { return (128 + p.terminationStatus, text + "\n(killed by signal \(p.terminationStatus))") }
    return (p.terminationStatus, text)
}

/// Models and trainings small enough for tests, one of each kind and kernel.
enum Cases {
    static let all: [(name: String, model: any LearningModel, config: TrainingConfig)] = {
        var out = [(name: String, model: any LearningModel, config: TrainingConfig)]()
        if let m = try? TeacherStudent(n: 2) {
            out.append(("ts n=2 shared data", m, TrainingConfig(lr: 0.1, batch: 16, steps: 400, runs: 11, seed: 3, every: 100)))
        }
        if let m = try? TeacherStudent(n: 3, teacher: [1, 2, 3], noise: 1e-7, batchesPerEpoch: 7, sharedData: false) {
            out.append(("ts n=3 fresh data", m, TrainingConfig(lr: 0.05, batch: 4, steps: 300, runs: 7, seed: 4, every: 50)))
        }
        if let m = try? GaussianRBM(n: 6) {
            out.append(("rbm n=6", m, TrainingConfig(lr: 0.01, batch: 8, steps: 300, runs: 5, seed: 5, every: 100)))
        }
        if let m = try? GaussianRBM(n: 20) {
            out.append(("rbm n=20", m, TrainingConfig(lr: 0.01, batch: 8, steps: 100, runs: 4, seed: 6, every: 50)))
        }
        if let m = try? ReferenceDBM(n: 5) {
            out.append(("dbm n=5", m, TrainingConfig(lr: 0.01, batch: 1, steps: 200, runs: 9, seed: 9_223_372_036_854_775_807 + 12_345, every: 100)))
        }
        return out
    }()

    /// Unequal shards: one run, then the rest split unevenly.
    static func ranges(runs: Int) -> [ShardRange] {
        let cuts = Array(Set([0, 1, 1 + (runs - 1) / 3, runs])).sorted()
        return zip(cuts, cuts.dropFirst()).map { ShardRange($0..<$1) }
    }
}
