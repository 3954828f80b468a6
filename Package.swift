// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "evod",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "evoctl", targets: ["evoctl"]),
        .library(name: "LossLanguage", targets: ["LossLanguage"]),
        .library(name: "LossDescriptors", targets: ["LossDescriptors"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    ],
    targets: [
        // C libraries, bound as GRDB binds SQLite: a module map with `link`, pkg-config and apt providers.
        .systemLibrary(
            name: "CZeroMQ",
            pkgConfig: "libzmq",
            providers: [.apt(["libzmq3-dev"])]
        ),
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),

        // The loss language: parsing, IR, autodiff, validation, fingerprint, export. No I/O.
        .target(
            name: "LossLanguage",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        // Loss-shape descriptors (convexity, gradient at 0, beta sensitivity). No I/O.
        .target(name: "LossDescriptors", dependencies: ["LossLanguage"]),

        .executableTarget(
            name: "evoctl",
            dependencies: [
                "LossLanguage", "LossDescriptors",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "EvodBench",
            dependencies: ["LossLanguage", "LossDescriptors"],
            path: "Sources/EvodBench"
        ),

        .testTarget(
            name: "LossLanguageTests",
            dependencies: [
                "LossLanguage",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            exclude: ["Fixtures"]
        ),
        .testTarget(name: "LossDescriptorTests", dependencies: ["LossDescriptors"]),
        // Runs the built evoctl binary on real files.
        .testTarget(name: "EvoctlTests", dependencies: ["evoctl", "LossLanguage"]),
        .testTarget(
            name: "SystemLibraryTests",
            dependencies: ["CZeroMQ", "COpenBLAS", .product(name: "GRDB", package: "GRDB.swift")]
        ),
    ]
)
