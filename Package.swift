// swift-tools-version:6.0
// dyson — watch the weight matrices of learning algorithms move like random matrices.
// SPDX-License-Identifier: GPL-3.0-or-later

import PackageDescription

let package = Package(
    name: "dyson",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "dyson", targets: ["dyson"]),
        .library(name: "Linalg", targets: ["Linalg"]),
        .library(name: "RMT", targets: ["RMT"]),
        .library(name: "Plot", targets: ["Plot"]),
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
        // Matrices, BLAS/LAPACK calls, random numbers.
        .target(name: "Linalg", dependencies: ["COpenBLAS"]),
        // Random-matrix laws, statistics and fits: pure functions.
        .target(name: "RMT", dependencies: ["Linalg"]),
        // One figure model, rendered as text and as SVG; knows nothing of physics.
        .target(name: "Plot"),
        // The command-line tool.
        .executableTarget(
            name: "dyson",
            dependencies: [
                "Linalg",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Benchmarks (run by `make bench-linalg`, never by the tests).
        .executableTarget(name: "LinalgBench", dependencies: ["Linalg", "COpenBLAS"], path: "bench/LinalgBench"),
        .testTarget(name: "LinalgTests", dependencies: ["Linalg"], exclude: ["Fixtures"]),
        .testTarget(name: "RMTTests", dependencies: ["RMT", "Linalg"], exclude: ["Fixtures"]),
        .testTarget(name: "PlotTests", dependencies: ["Plot"], exclude: ["Snapshots"]),
    ]
)
