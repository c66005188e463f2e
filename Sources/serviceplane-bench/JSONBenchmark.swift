import Foundation
import JSON

/// Measures the `JSON` target against Foundation's `JSONSerialization` on a realistic Pod (DESIGN.md §5).
///
/// Each round runs, for `secondsPerRound` each and in this order: our parse, Foundation's parse, our serialize,
/// Foundation's serialize, so the two sides alternate and share the machine's noise. The report gives the median
/// and min–max rate of every measurement over the rounds, and the median ratios (goal: at least 20x).
enum JSONBenchmark {
    /// A running nginx Pod as kube-apiserver serves it (compact, Go key order, no managedFields), 1,435 bytes.
    static let podJSON = """
        {"kind":"Pod","apiVersion":"v1","metadata":{"name":"nginx","namespace":"default","uid":"1c6a3e2b-9f0\
        d-4c1e-8b7a-2d5f6e9a0b3c","resourceVersion":"48213","creationTimestamp":"2025-01-14T09:21:37Z","labe\
        ls":{"app":"nginx"}},"spec":{"containers":[{"name":"nginx","image":"nginx:1.27.3","ports":[{"name":"\
        http","containerPort":80,"protocol":"TCP"}],"terminationMessagePath":"/dev/termination-log","termina\
        tionMessagePolicy":"File","imagePullPolicy":"IfNotPresent"}],"restartPolicy":"Always","terminationGr\
        acePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":"default","nodeName":"node-1","\
        schedulerName":"default-scheduler"},"status":{"phase":"Running","conditions":[{"type":"Initialized",\
        "status":"True","lastProbeTime":null,"lastTransitionTime":"2025-01-14T09:21:37Z"},{"type":"Ready","s\
        tatus":"True","lastProbeTime":null,"lastTransitionTime":"2025-01-14T09:21:41Z"},{"type":"ContainersR\
        eady","status":"True","lastProbeTime":null,"lastTransitionTime":"2025-01-14T09:21:41Z"},{"type":"Pod\
        Scheduled","status":"True","lastProbeTime":null,"lastTransitionTime":"2025-01-14T09:21:37Z"}],"hostI\
        P":"10.0.0.11","podIP":"10.244.1.17","startTime":"2025-01-14T09:21:37Z","containerStatuses":[{"name"\
        :"nginx","state":{"running":{"startedAt":"2025-01-14T09:21:40Z"}},"lastState":{},"ready":true,"resta\
        rtCount":0,"image":"docker.io/library/nginx:1.27.3","containerID":"containerd://4f3b2a1c0d9e","start\
        ed":true}],"qosClass":"Burstable"}}
        """

    /// A list of 100 such Pods, as a LIST answers it (the shape of T2's 1,000-Pod list, a tenth of its size).
    static let podListJSON: String = {
        let items = [String](repeating: podJSON, count: 100).joined(separator: ",")
        return #"{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"48213"},"items":["# + items + "]}"
    }()

    /// The documents measured, by the name the report gives them.
    static let documents: [(name: String, json: String)] = [("pod", podJSON), ("podlist100", podListJSON)]

    /// Rates (calls per second, one sample per round) of every measurement on one document.
    struct Samples {
        let document: String
        let bytes: Int
        let roundTrips: Bool
        var rates: [Measurement: [Double]] = [:]

        func median(_ measurement: Measurement) -> Double { JSONBenchmark.median(rates[measurement, default: []]) }
        var parseRatio: Double { median(.ourParse) / median(.foundationParse) }
        var serializeRatio: Double { median(.ourSerialize) / median(.foundationSerialize) }
    }

    /// Measures every document: per round, ours and Foundation's parse, then ours and Foundation's serialize.
    static func measure(rounds: Int, secondsPerRound: Double) -> [Samples] {
        documents.map { document in
            let bytes = Array(document.json.utf8)
            let data = Data(bytes)
            let value = try! JSON.parse(bytes)
            let foundationValue = try! JSONSerialization.jsonObject(with: data)
            var samples = Samples(document: document.name, bytes: bytes.count, roundTrips: value.serialized() == bytes)
            for _ in 0..<max(1, rounds) {
                samples.rates[.ourParse, default: []].append(rate(seconds: secondsPerRound) { sink(try! JSON.parse(bytes)) })
                samples.rates[.foundationParse, default: []].append(
                    rate(seconds: secondsPerRound) { sink(try! JSONSerialization.jsonObject(with: data)) })
                samples.rates[.ourSerialize, default: []].append(rate(seconds: secondsPerRound) { sink(value.serialized()) })
                samples.rates[.foundationSerialize, default: []].append(
                    rate(seconds: secondsPerRound) { sink(try! JSONSerialization.data(withJSONObject: foundationValue)) })
            }
            return samples
        }
    }

    /// Runs one measurement (`pod.parse_ours`, `podlist100.serialize_foundation`, ...) `iterations` times and nothing
    /// else, so that a profiler (valgrind --tool=callgrind) sees only that work. False if there is no such measurement.
    static func profile(_ name: String, iterations: Int) -> Bool {
        let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2, let document = documents.first(where: { $0.name == parts[0] }),
              let measurement = Measurement.allCases.first(where: { $0.key == parts[1] })
        else { return false }
        let bytes = Array(document.json.utf8)
        let data = Data(bytes)
        let value = try! JSON.parse(bytes)
        let foundationValue = try! JSONSerialization.jsonObject(with: data)
        for _ in 0..<max(1, iterations) {
            switch measurement {
            case .ourParse: sink(try! JSON.parse(bytes))
            case .foundationParse: sink(try! JSONSerialization.jsonObject(with: data))
            case .ourSerialize: sink(value.serialized())
            case .foundationSerialize: sink(try! JSONSerialization.data(withJSONObject: foundationValue))
            }
        }
        return true
    }

    /// Runs the benchmark and returns the report text (several lines, no trailing newline).
    static func run(rounds: Int = 5, secondsPerRound: Double = 1.0) -> String {
        var lines: [String] = []
        for samples in measure(rounds: rounds, secondsPerRound: secondsPerRound) {
            lines.append("JSON benchmark: \(samples.document), \(samples.bytes) bytes, \(max(1, rounds)) rounds x \(secondsPerRound) s each")
            lines.append("compact serialization reproduces the input byte for byte: \(samples.roundTrips ? "yes" : "NO")")
            for measurement in Measurement.allCases {
                let sorted = samples.rates[measurement, default: []].sorted()
                let megabytes = median(sorted) * Double(samples.bytes) / 1_000_000
                lines.append(
                    "\(measurement.rawValue.padding(22)) median \(format(median(sorted)).leftPadded(9))/s  "
                        + "(min \(format(sorted.first ?? 0)), max \(format(sorted.last ?? 0)))  \(format(megabytes)) MB/s")
            }
            lines.append("ratio parse ours/Foundation: \(format(samples.parseRatio, decimals: 1))x (goal >= 20x)")
            lines.append("ratio serialize ours/Foundation: \(format(samples.serializeRatio, decimals: 1))x (goal >= 20x)")
        }
        return lines.joined(separator: "\n")
    }

    /// The same measurements as "key value" lines for scripts/bench.sh: `<document>.<measurement> median min max`
    /// (calls per second), `<document>.bytes` and `<document>.round_trips` (1 if our serialization reproduces the
    /// input byte for byte, the check that both sides did the same work).
    static func keyValues(rounds: Int, secondsPerRound: Double) -> String {
        var lines: [String] = []
        for samples in measure(rounds: rounds, secondsPerRound: secondsPerRound) {
            lines.append("\(samples.document).bytes \(samples.bytes)")
            lines.append("\(samples.document).round_trips \(samples.roundTrips ? 1 : 0)")
            for measurement in Measurement.allCases {
                let sorted = samples.rates[measurement, default: []].sorted()
                lines.append("\(samples.document).\(measurement.key) \(format(median(sorted))) "
                    + "\(format(sorted.first ?? 0)) \(format(sorted.last ?? 0))")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// What is timed.
    enum Measurement: String, CaseIterable {
        case ourParse = "parse JSON"
        case foundationParse = "parse Foundation"
        case ourSerialize = "serialize JSON"
        case foundationSerialize = "serialize Foundation"

        /// The name in `keyValues` output.
        var key: String {
            switch self {
            case .ourParse: "parse_ours"
            case .foundationParse: "parse_foundation"
            case .ourSerialize: "serialize_ours"
            case .foundationSerialize: "serialize_foundation"
            }
        }
    }

    /// Runs `body` in batches until `seconds` have passed; returns calls per second.
    static func rate(seconds: Double, _ body: () -> Void) -> Double {
        let clock = ContinuousClock()
        for _ in 0..<10 { body() }  // warm up caches and allocator
        let start = clock.now
        let deadline = start + .milliseconds(Int(seconds * 1000))
        var calls = 0
        repeat {
            for _ in 0..<50 { body() }
            calls += 50
        } while clock.now < deadline
        let elapsed = start.duration(to: clock.now)
        let elapsedSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return Double(calls) / elapsedSeconds
    }

    /// Keeps the optimizer from discarding a result.
    @inline(never)
    static func sink<T>(_ value: T) {
        withExtendedLifetime(value) {}
    }

    static func median(_ samples: [Double]) -> Double {
        let sorted = samples.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    static func format(_ value: Double, decimals: Int = 0) -> String {
        String(format: "%.\(decimals)f", value)
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }

    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
