// swift-tools-version:6.0
// ServicePlane: a mock Kubernetes control plane for Namespaces, Services, Pods and EndpointSlices.
//
// Targets follow the layer table in ../shared/DESIGN.md; the dependency lists below are what make
// the layering compiler-enforced (e.g. Store cannot import HTTPServer, APIServer cannot import SQLite).
import PackageDescription

let package = Package(
    name: "serviceplane",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "serviceplane", targets: ["serviceplane"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        // /metrics: the swift-metrics API in APIServer, the Prometheus text format in the binary (ARCHITECTURE.md).
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // C libraries: module maps plus tiny inline shims. Only the wrapper targets import these.
        .systemLibrary(name: "CMicroHTTPD", path: "Sources/CMicroHTTPD", providers: [.apt(["libmicrohttpd-dev"])]),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CGnuTLS", path: "Sources/CGnuTLS", providers: [.apt(["libgnutls28-dev"])]),

        // Infrastructure that knows nothing about Kubernetes.
        .target(name: "HTTPServer", dependencies: ["CMicroHTTPD", "CGnuTLS", .product(name: "Logging", package: "swift-log")]),
        .target(name: "SQLite", dependencies: ["CSQLite"]),
        .target(name: "JSON"),

        // The Kubernetes domain.
        .target(name: "KubeAPI", dependencies: ["JSON"]),
        .target(name: "Store", dependencies: ["SQLite", "JSON", "KubeAPI", .product(name: "Logging", package: "swift-log")]),
        .target(name: "Registry", dependencies: ["Store", "KubeAPI", "JSON", .product(name: "Logging", package: "swift-log")]),
        .target(name: "Controllers", dependencies: ["Registry", "Store", "KubeAPI", "JSON", .product(name: "Logging", package: "swift-log")]),
        .target(name: "APIServer", dependencies: [
            "HTTPServer", "Registry", "Store", "KubeAPI", "JSON", .product(name: "Logging", package: "swift-log"),
            .product(name: "Yams", package: "Yams"), .product(name: "CoreMetrics", package: "swift-metrics"),
        ]),

        // Executables.
        .executableTarget(name: "serviceplane", dependencies: [
            "APIServer", "Controllers", "Registry", "Store", "HTTPServer", "SQLite",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        .executableTarget(name: "serviceplane-bench", dependencies: [
            "JSON", "HTTPServer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Unit tests, one per layer.
        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer"]),
        .testTarget(name: "SQLiteTests", dependencies: ["SQLite"]),
        .testTarget(name: "KubeAPITests", dependencies: ["KubeAPI", "JSON"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "JSON", "KubeAPI"]),
        .testTarget(name: "RegistryTests", dependencies: ["Registry", "Store", "KubeAPI", "JSON"]),
        .testTarget(name: "ControllersTests", dependencies: ["Controllers", "Registry", "Store", "KubeAPI", "JSON"]),
        .testTarget(name: "APIServerTests", dependencies: [
            "APIServer", "Registry", "Store", "HTTPServer", "KubeAPI", "JSON",
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
