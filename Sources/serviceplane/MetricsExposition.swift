import APIServer
import Foundation
import HTTPServer
import Prometheus
import Store
import Synchronization

/// The Prometheus side of `/metrics`: the registry behind the swift-metrics factory the API server records into,
/// plus the gauges read at scrape time (store size, compaction totals, connections, RSS).
///
/// Thread-safety: the registry is thread-safe; `lastTotals` (to turn the store's running totals into counter
/// increments) is guarded by its mutex, which also serializes scrapes.
final class MetricsExposition: Sendable {
    let registry = PrometheusCollectorRegistry()
    let factory: PrometheusMetricsFactory
    private let store: Store
    private let databasePath: String
    private let server: HTTPServer
    private let lastTotals = Mutex((runs: 0, deletedEvents: 0, refused: 0))

    /// Request latencies from 0.5 ms to a minute: kube-apiserver's buckets start at 5 ms, which would put every
    /// request this server answers in the first one.
    static let durationBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
    ]

    init(store: Store, databasePath: String, server: HTTPServer) {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.durationBuckets
        self.factory = factory
        self.store = store
        self.databasePath = databasePath
        self.server = server
    }

    /// Refreshes the scrape-time gauges and renders everything in the text exposition format.
    func render() -> [UInt8] {
        lastTotals.withLock { last in
            for (resource, count) in store.objectCounts {
                registry.makeGauge(descriptor: Self.storageObjects, labels: [("resource", resource)]).set(Double(count))
            }
            let totals = store.compactionTotals
            let refused = server.refusedConnections
            registry.makeCounter(descriptor: Self.compactions).increment(by: Int64(totals.runs - last.runs))
            registry.makeCounter(descriptor: Self.compactedEvents)
                .increment(by: Int64(totals.deletedEvents - last.deletedEvents))
            registry.makeCounter(descriptor: Self.refusedConnections).increment(by: Int64(refused - last.refused))
            last = (totals.runs, totals.deletedEvents, refused)
        }
        let files = databaseFileSizes()
        registry.makeGauge(descriptor: Self.storageSize).set(Double(files.database + files.wal))
        registry.makeGauge(descriptor: Self.walSize).set(Double(files.wal))
        registry.makeGauge(descriptor: Self.historyEvents).set(Double(store.retainedEventCount))
        registry.makeGauge(descriptor: Self.openConnections).set(Double(server.openConnections))
        registry.makeGauge(descriptor: Self.residentMemory).set(Double(Self.residentBytes()))
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16 * 1024)
        registry.emit(into: &buffer)
        return buffer
    }

    // The scrape-time metrics: kube-apiserver's names where it has one, `serviceplane_` where it has none.
    // (Computed: MetricNameDescriptor is not Sendable, so it cannot be a static constant.)
    static var storageObjects: MetricNameDescriptor {
        describe("apiserver_storage_objects", "Number of stored objects at the time of last check split by kind.")
    }
    static var storageSize: MetricNameDescriptor {
        describe("apiserver_storage_size_bytes", "Size of the SQLite database file and its -wal file in bytes.")
    }
    static var walSize: MetricNameDescriptor { describe("serviceplane_storage_wal_bytes", "Size of the -wal file in bytes.") }
    static var compactions: MetricNameDescriptor {
        describe("serviceplane_storage_compactions_total", "Event-log compaction passes that deleted rows.")
    }
    static var compactedEvents: MetricNameDescriptor {
        describe("serviceplane_storage_compacted_events_total", "Event rows deleted by compaction.")
    }
    static var historyEvents: MetricNameDescriptor {
        describe("serviceplane_watch_history_events", "Events kept in memory for watches and paginated lists.")
    }
    static var openConnections: MetricNameDescriptor { describe("serviceplane_http_open_connections", "Open HTTP connections.") }
    static var refusedConnections: MetricNameDescriptor {
        describe("serviceplane_http_refused_connections_total", "Connections answered 429 for a connection limit.")
    }
    static var residentMemory: MetricNameDescriptor { describe("process_resident_memory_bytes", "Resident memory size in bytes.") }

    /// A descriptor for a full metric name (the unit is part of the name already).
    private static func describe(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    /// The sizes of the database file and its `-wal` (0 for `:memory:` or a missing file).
    private func databaseFileSizes() -> (database: Int, wal: Int) {
        guard databasePath != ":memory:" else { return (0, 0) }
        func size(_ path: String) -> Int {
            var info = stat()
            return stat(path, &info) == 0 ? Int(info.st_size) : 0
        }
        return (size(databasePath), size(databasePath + "-wal"))
    }

    /// This process's resident set size, from /proc/self/statm (0 where there is none).
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
