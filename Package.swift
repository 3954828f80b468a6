// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "evod",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "evoctl", targets: ["evoctl"]),
        .executable(name: "evod", targets: ["evod"]),
        .library(name: "LossLanguage", targets: ["LossLanguage"]),
        .library(name: "LossDescriptors", targets: ["LossDescriptors"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
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
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),

        // The loss language: parsing, IR, autodiff, validation, fingerprint, export. No I/O.
        .target(
            name: "LossLanguage",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        // The domain types every layer shares (descriptors and bins, stages, candidate status and
        // summary, origins, the ranking key, member results, proposer status). No I/O, no dependencies.
        .target(name: "Model"),
        // Loss-shape descriptors (convexity, gradient at 0, beta sensitivity). No I/O.
        .target(name: "LossDescriptors", dependencies: ["LossLanguage", "Model"]),
        // The prefbandit proxy task: instances, training, exact metrics. No I/O; OpenBLAS for products.
        .target(name: "PrefBandit", dependencies: ["LossLanguage", "COpenBLAS", "CVectorIntrinsics"]),
        // A vector square root (Swift's SIMD types call the C library lane by lane).
        .target(name: "CVectorIntrinsics"),
        // The search: MAP-Elites archive, parent selection, the built-in mutation proposer. No I/O.
        .target(name: "Search", dependencies: ["LossLanguage", "LossDescriptors", "Model"]),
        // Starting another program (posix_spawn without our descriptors), for evaluators and launchers.
        .target(name: "Subprocess"),
        // Starting and stopping a cluster's processes: forked on this host or as Slurm jobs, and
        // waiting until they are ready. What `evoctl up` and `down` run.
        .target(name: "Launch", dependencies: ["Cluster", "ControlPlane", "Subprocess"]),
        // The typed control protocol: requests and replies over the model's types. Plain Codable types, no I/O.
        .target(name: "Control", dependencies: ["Model"]),
        // The control protocol's client over ZeroMQ, for islands and the farm alike.
        .target(name: "ControlPlane", dependencies: ["Model", "Cluster", "Control", "Wire"]),
        // The cluster's configuration: the cluster config, island settings, farm settings, migration
        // policies, the state directory's layout and token. What evoctl needs to find the processes.
        .target(
            name: "Cluster",
            dependencies: ["Model", "ConfigFiles", "Control", "Evaluation", "LossLanguage", "Search", "Wire", .product(name: "Logging", package: "swift-log")]
        ),
        // SQLite upkeep shared by the island's store and the farm's cache (vacuum once a file has grown).
        .target(name: "Storage", dependencies: [.product(name: "GRDB", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log")]),
        // One island: its SQLite state, the generation loop, the local evaluation pool.
        .target(
            name: "Island",
            dependencies: [
                "Model", "LossLanguage", "LossDescriptors", "Search", "Evaluation", "ConfigFiles", "Cluster", "Control", "ControlPlane", "Wire",
                "Storage", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The evaluator farm: broker, workers, the island's client, the result cache.
        .target(
            name: "Farm",
            dependencies: [
                "Model", "LossLanguage", "Evaluation", "ConfigFiles", "Cluster", "Control", "ControlPlane", "Wire",
                "Storage", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The LLM proposer: an OpenAI-compatible client (libcurl) speaking the DiscoPOP protocol.
        .target(name: "LLMProposer", dependencies: ["Model", "CCurl", "Control", "LossLanguage", "LossDescriptors", "ConfigFiles", "Search"]),
        // ZeroMQ sockets with a maximum message size on every socket.
        .target(name: "Wire", dependencies: ["CZeroMQ", .product(name: "Logging", package: "swift-log")]),
        // TOML configuration files read with errors that name the file, the key and the expectation.
        .target(name: "ConfigFiles", dependencies: [.product(name: "TOMLKit", package: "TOMLKit")]),
        // Evaluators: the prefbandit task, command evaluators, the cascade, task configs.
        .target(
            name: "Evaluation",
            dependencies: ["LossLanguage", "LossDescriptors", "Model", "PrefBandit", "ConfigFiles", "Subprocess", .product(name: "Crypto", package: "swift-crypto")]
        ),

        // The daemons as services (island, migration, control, farm broker, worker) and their start-up,
        // so that evod is argument parsing over it and the services are tested in-process.
        .target(
            name: "Daemon",
            dependencies: [
                "Model", "Cluster", "Control", "ControlPlane", "ConfigFiles", "Island", "Evaluation", "Farm", "Wire", "LossLanguage", "LLMProposer", "Search",
                "Storage", .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        // The web dashboard over a running cluster (Hummingbird): pages, a JSON API and Prometheus
        // metrics, all read through the control endpoints; the SVG plots; the cluster report.
        .target(
            name: "Dashboard",
            dependencies: [
                "Model", "Cluster", "Control", "ControlPlane", "LossLanguage", "LossDescriptors",
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The command line: loss tools (no cluster needed) and a control client for the cluster; it
        // links neither SQLite nor libcurl.
        .executableTarget(
            name: "evoctl",
            dependencies: [
                "Model", "LossLanguage", "LossDescriptors", "Evaluation", "Cluster", "Control", "ControlPlane", "Dashboard", "Launch",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "evod",
            dependencies: [
                "Model", "Daemon", "Cluster", "Evaluation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // A farm worker that holds the cluster key and lies (issue 38's tests and `make soak`).
        .executableTarget(
            name: "evod-liar",
            dependencies: ["Cluster", "Daemon", "Evaluation", "Farm", "LossLanguage", "Model", .product(name: "Logging", package: "swift-log")],
            path: "Tests/LyingWorker"
        ),
        // The decoders as fuzz targets; EvodFuzz is libFuzzer's binary (`make fuzz`), built apart.
        .target(name: "FuzzTargets", dependencies: ["Model", "Cluster", "ConfigFiles", "Control", "Evaluation", "Farm", "Island", "LLMProposer", "LossLanguage", "Wire"]),
        .executableTarget(name: "EvodFuzz", dependencies: ["Model", "FuzzTargets"], swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        .executableTarget(
            name: "EvodBench",
            dependencies: [
                "Model", "LossLanguage", "LossDescriptors", "PrefBandit", "Evaluation", "Cluster", "Control", "Island", "Search", "Farm", "Wire",
                .product(name: "Logging", package: "swift-log"),
            ],
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
        .testTarget(name: "LossDescriptorTests", dependencies: ["Model", "LossDescriptors"]),
        // Real evod processes: kill -9 and restart, tokens, malformed messages, bad configs.
        .testTarget(
            name: "DaemonTests",
            dependencies: [
                "Model", "evod", "evod-liar", "CZeroMQ", "Cluster", "Control", "ControlPlane", "Daemon", "Evaluation", "Farm", "Island", "Wire", "LLMProposer",
                "LossLanguage", "LossDescriptors", "Search", "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(name: "FuzzCorpusTests", dependencies: ["FuzzTargets"]),
        // The broker's bookkeeping and the wire envelope, without sockets.
        .testTarget(name: "FarmTests", dependencies: ["Farm", "Model", "Wire"]),
        // The control protocol's wire form, its errors and the client against silent peers.
        .testTarget(name: "ControlTests", dependencies: ["Model", "Control", "ControlPlane", "Wire"]),
        // The dashboard's pages (escaping), plots, metrics and routes (bad requests, peers down).
        .testTarget(
            name: "DashboardTests",
            dependencies: [
                "Dashboard", "Cluster", "Control", "ControlPlane", "LossLanguage", "Model", "Wire", .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The upkeep of the SQLite files (vacuum once a bounded file has grown).
        .testTarget(name: "StorageTests", dependencies: ["Storage", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(
            name: "IslandTests",
            dependencies: ["Model", "Island", "Cluster", "Control", "Evaluation", "PrefBandit", "Search", "LossLanguage", .product(name: "GRDB", package: "GRDB.swift")],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "SearchTests",
            dependencies: ["Model", "Search", "LossLanguage", "LossDescriptors", .product(name: "PropertyBased", package: "swift-property-based")]
        ),
        .testTarget(
            name: "EvaluationTests",
            dependencies: ["Model", "Evaluation", "PrefBandit", "ConfigFiles", "LossLanguage", "TestSupport"],
            exclude: ["Scripts"]
        ),
        // A scripted OpenAI-compatible server (real HTTP on loopback) shared by the LLM tests, and a
        // probe for processes that must not outlive their evaluation.
        .target(name: "TestSupport", path: "Tests/TestSupport", exclude: ["Scripts"]),
        // The client and the DiscoPOP conversation against the scripted server.
        .testTarget(name: "LLMProposerTests", dependencies: ["Model", "LLMProposer", "LossLanguage", "ConfigFiles", "TestSupport"]),
        // Runs the built evoctl binary on real files.
        .testTarget(name: "EvoctlTests", dependencies: ["evoctl", "LossLanguage", "TestSupport"]),
        .testTarget(
            name: "SystemLibraryTests",
            dependencies: ["CZeroMQ", "COpenBLAS", "CCurl", .product(name: "GRDB", package: "GRDB.swift")]
        ),
    ]
)
