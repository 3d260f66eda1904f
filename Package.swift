// swift-tools-version:6.0
import PackageDescription

// Orchard: machine learning and large models as a service.
// Targets and the direction of their dependencies follow docs/architecture.md
// (a copy of the shared DESIGN.md target table with this package's additions).
let package = Package(
    name: "Orchard",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "orchard", targets: ["orchard"]),
        .library(name: "Tensor", targets: ["Tensor"]),
        .library(name: "NeuralNet", targets: ["NeuralNet"]),
        .library(name: "DataPrep", targets: ["DataPrep"]),
        .library(name: "ModelFormats", targets: ["ModelFormats"]),
        .library(name: "TextKit", targets: ["TextKit"]),
        .library(name: "Platform", targets: ["Platform"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // OpenBLAS through its CBLAS header (Debian: libopenblas-dev).
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        // Vector kernels in C: one source, per-function ISA attributes
        // (AVX-512, AVX2+FMA, portable) chosen at run time by cpuid.
        .target(
            name: "CKernels",
            cSettings: [.unsafeFlags(["-O3", "-fno-math-errno"])]
        ),
        .target(
            name: "Tensor",
            dependencies: ["CBLAS", "CKernels"],
            swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
        ),
        .target(name: "ModelFormats"),
        .target(name: "TextKit"),
        .target(
            name: "NeuralNet",
            dependencies: ["Tensor", "ModelFormats"],
            swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
        ),
        .target(
            name: "DataPrep",
            swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
        ),
        // Platform: workflows over the engine (training runs, saved-model
        // serving); later the stores, job queue and deployments.
        .target(
            name: "Platform",
            dependencies: ["Tensor", "NeuralNet", "DataPrep", "ModelFormats"]
        ),
        .executableTarget(
            name: "orchard",
            dependencies: [
                "Tensor", "NeuralNet", "DataPrep", "ModelFormats", "Platform",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Per-op timings of the seed CNN's training step (not a test).
        .executableTarget(
            name: "orchard-bench-ops",
            dependencies: ["Tensor", "CKernels"],
            path: "bench/engine"
        ),
        .testTarget(name: "TensorTests", dependencies: ["Tensor", "CKernels"]),
        .testTarget(
            name: "NeuralNetTests",
            dependencies: ["NeuralNet", "Tensor", "DataPrep"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "DataPrepTests", dependencies: ["DataPrep"]),
        .testTarget(name: "PlatformTests", dependencies: ["Platform", "NeuralNet", "Tensor"]),
        .testTarget(name: "TextKitTests", dependencies: ["TextKit"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ModelFormatsTests", dependencies: ["ModelFormats"]),
    ],
    swiftLanguageModes: [.v5]
)
