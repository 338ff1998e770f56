// swift-tools-version:6.0
// dyson — watch the weight matrices of learning algorithms move like random matrices.
// SPDX-License-Identifier: GPL-3.0-or-later

import Foundation
import PackageDescription

// dyson is built from source on the machine that runs it, so release builds are
// tuned for that CPU when it has AVX2, FMA and BMI2 (x86-64-v3, every x86 server
// since 2013): ≈ 20 % faster ensembles. Only kernels marked DYSON_FMA use fused
// multiply–add (results then differ from a portable build in the last bits);
// Swift does not contract a*b + c on its own. DYSON_PORTABLE=1 builds for
// baseline x86-64.
let hostTuning: [SwiftSetting] = {
    #if os(Linux) && arch(x86_64)
    if ProcessInfo.processInfo.environment["DYSON_PORTABLE"] == "1" { return [] }
    let flags = ((try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "")
        .split(separator: "\n").first { $0.hasPrefix("flags") }.map { Set($0.split(separator: " ")) } ?? []
    if flags.contains("avx2") && flags.contains("fma") && flags.contains("bmi2") {
        return [.unsafeFlags(["-target-cpu", "haswell"], .when(configuration: .release)),
                .define("DYSON_FMA", .when(configuration: .release))]
    }
    #endif
    return []
}()

let package = Package(
    name: "dyson",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "dyson", targets: ["dyson"]),
        .library(name: "Linalg", targets: ["Linalg"]),
        .library(name: "RMT", targets: ["RMT"]),
        .library(name: "Plot", targets: ["Plot"]),
        .library(name: "Learning", targets: ["Learning"]),
        .library(name: "Weights", targets: ["Weights"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // OpenBLAS: CBLAS, LAPACK and the thread controls, from libopenblas-dev.
        .systemLibrary(
            name: "COpenBLAS",
            path: "Sources/COpenBLAS",
            providers: [.apt(["libopenblas-dev"])]
        ),
        // Normal variates from eight xoshiro256** lanes (AVX-512 where the CPU
        // has it, a portable path with the same numbers elsewhere).
        .target(name: "CNormalLanes", linkerSettings: [.linkedLibrary("m")]),
        // Matrices, BLAS/LAPACK calls, random numbers.
        .target(name: "Linalg", dependencies: ["COpenBLAS", "CNormalLanes"], swiftSettings: hostTuning),
        // Random-matrix laws, statistics and fits: pure functions.
        .target(name: "RMT", dependencies: ["Linalg"], swiftSettings: hostTuning),
        // Models, the SGD ensemble trainer, snapshots and trajectory sampling.
        .target(name: "Learning", dependencies: ["Linalg", "RMT"], swiftSettings: hostTuning),
        // zlib, for the deflated entries of .npz archives, from zlib1g-dev.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        // Weight files (.npy, .npz, .safetensors): memory-mapped readers, one tensor at a time.
        .target(name: "Weights", dependencies: ["Linalg", "CZlib"], swiftSettings: hostTuning),
        // Cluster jobs: job folders, shard files, Slurm scripts and status.
        // The trainer knows nothing of it: a shard is a range of runs.
        .target(name: "Cluster", dependencies: ["Learning", "Linalg"]),
        // GNU readline for the REPL, from libreadline-dev.
        .systemLibrary(name: "CReadline", path: "Sources/CReadline", providers: [.apt(["libreadline-dev"])]),
        // The language, commands, workspace, lab notes and replay (no terminal).
        .target(name: "Notebook", dependencies: ["Learning", "RMT", "Plot", "Linalg", "Weights", "Cluster"]),
        // One figure model, rendered as text and as SVG; knows nothing of physics.
        .target(name: "Plot"),
        // The command-line tool.
        .executableTarget(
            name: "dyson",
            dependencies: [
                "Notebook", "Learning", "Linalg", "Cluster", "CReadline",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Benchmarks (run by `make bench-linalg`, never by the tests).
        .executableTarget(name: "LinalgBench", dependencies: ["Linalg", "COpenBLAS"], path: "bench/LinalgBench"),
        .executableTarget(name: "LearningBench", dependencies: ["Learning", "RMT", "Linalg"], path: "bench/LearningBench"),
        .executableTarget(name: "ScalingBench", dependencies: ["Notebook", "RMT", "Linalg"], path: "bench/ScalingBench"),
        .testTarget(name: "LinalgTests", dependencies: ["Linalg", "RMT"], exclude: ["Fixtures"]),
        .testTarget(name: "RMTTests", dependencies: ["RMT", "Linalg"], exclude: ["Fixtures"]),
        .testTarget(name: "LearningTests", dependencies: ["Learning", "RMT", "Linalg"]),
        .testTarget(name: "WeightsTests", dependencies: ["Weights", "Linalg"], exclude: ["Fixtures"]),
        .testTarget(name: "ClusterTests", dependencies: ["Cluster", "Learning", "Linalg"], exclude: ["Fixtures"]),
        .testTarget(name: "NotebookTests", dependencies: ["Notebook", "Learning", "Weights"]),
        .testTarget(name: "PlotTests", dependencies: ["Plot"], exclude: ["Snapshots"]),
    ]
)
