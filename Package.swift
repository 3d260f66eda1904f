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
        .library(name: "Server", targets: ["Server"]),
        .library(name: "ClassicML", targets: ["ClassicML"]),
        .library(name: "LargeModels", targets: ["LargeModels"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/vapor/sql-kit", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit", from: "4.5.2"),
        .package(url: "https://github.com/vapor/sqlite-nio", from: "1.13.2"),
        .package(url: "https://github.com/vapor/postgres-kit", from: "2.17.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
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
        // zlib through its header (Debian: zlib1g-dev), for PNG's IDAT stream.
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // Image decoding (PNG) into 8-bit or 16-bit sample arrays.
        .target(name: "ImageIO", dependencies: ["CZlib"]),
        // LAPACK through its C interface (Debian: liblapacke-dev), for
        // least squares and decompositions in ClassicML.
        .systemLibrary(name: "CLAPACK", providers: [.apt(["liblapacke-dev"])]),
        // Classical estimators (scikit-learn's names and defaults) and their
        // saved-model format; the tabular recipe comes from DataPrep.
        .target(
            name: "ClassicML",
            dependencies: ["Tensor", "CBLAS", "CLAPACK", "DataPrep", "ModelFormats"],
            swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
        ),
        .target(name: "TextKit"),
        // Large models: GGUF Llama decoding on quantized weights (kernels in
        // CKernels), BERT sentence embeddings, generation scheduler.
        .target(
            name: "LargeModels",
            dependencies: ["Tensor", "TextKit", "ModelFormats", "CKernels"],
            swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
        ),
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
        // serving), domain entities, stores (memory + SQL), artifact store,
        // job queue and workers, deployment runtime, auth.
        .target(
            name: "Platform",
            dependencies: [
                "Tensor", "NeuralNet", "DataPrep", "ModelFormats", "ClassicML", "LargeModels", "ImageIO",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Server: the Hummingbird app (management API, Open Inference
        // Protocol v2, TF Serving). Sees Platform's protocols only.
        .target(
            name: "Server",
            dependencies: [
                "Platform", "LargeModels",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "orchard",
            dependencies: [
                "Tensor", "NeuralNet", "DataPrep", "ModelFormats", "Platform", "Server", "ClassicML", "LargeModels",
                "ImageIO",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        // Per-op timings of the seed CNN's training step (not a test).
        .executableTarget(
            name: "orchard-bench-ops",
            dependencies: ["Tensor", "CKernels"],
            path: "bench/engine"
        ),
        // Orchard's side of bench/llm/run (prompt, generation, concurrent streams).
        .executableTarget(
            name: "orchard-bench-llm",
            dependencies: ["LargeModels"],
            path: "bench/llm/swift"
        ),
        // Orchard's side of bench/embeddings/run (sentences/s at batch 1 and 32, service).
        .executableTarget(
            name: "orchard-bench-embeddings",
            dependencies: ["LargeModels"],
            path: "bench/embeddings/swift"
        ),
        // CSV parsing speed on the MNIST file (not a test).
        .executableTarget(name: "orchard-bench-csv", dependencies: ["DataPrep"], path: "bench/csv"),
        .testTarget(name: "TensorTests", dependencies: ["Tensor", "CKernels"]),
        .testTarget(
            name: "NeuralNetTests",
            dependencies: ["NeuralNet", "Tensor", "DataPrep"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "DataPrepTests", dependencies: ["DataPrep"]),
        .testTarget(name: "ClassicMLTests", dependencies: ["ClassicML", "DataPrep"], resources: [.copy("Fixtures")]),
        .testTarget(name: "PlatformTests", dependencies: ["Platform", "NeuralNet", "Tensor", "DataPrep"]),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "Platform", "LargeModels", "ImageIO",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .testTarget(name: "TextKitTests", dependencies: ["TextKit"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ModelFormatsTests", dependencies: ["ModelFormats"]),
        .testTarget(name: "ImageIOTests", dependencies: ["ImageIO"], resources: [.copy("Fixtures")]),
        // The CLI's client commands against an in-process server on loopback.
        .testTarget(
            name: "OrchardCLITests",
            dependencies: [
                "orchard", "Server", "Platform", "ImageIO", "NeuralNet",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "LargeModelsTests",
            dependencies: ["LargeModels", "ModelFormats", "TextKit", "CKernels", "Tensor"],
            resources: [.copy("Fixtures")]
        ),
    ],
    swiftLanguageModes: [.v5]
)
