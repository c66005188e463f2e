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

    /// Runs the benchmark and returns the report text (several lines, no trailing newline).
    static func run(rounds: Int = 5, secondsPerRound: Double = 1.0) -> String {
        let bytes = Array(podJSON.utf8)
        let data = Data(bytes)
        let value = try! JSON.parse(bytes)
        let foundationValue = try! JSONSerialization.jsonObject(with: data)
        let roundTrips = value.serialized() == bytes

        var rates: [Measurement: [Double]] = [:]
        for _ in 0..<max(1, rounds) {
            rates[.ourParse, default: []].append(rate(seconds: secondsPerRound) { sink(try! JSON.parse(bytes)) })
            rates[.foundationParse, default: []].append(
                rate(seconds: secondsPerRound) { sink(try! JSONSerialization.jsonObject(with: data)) })
            rates[.ourSerialize, default: []].append(rate(seconds: secondsPerRound) { sink(value.serialized()) })
            rates[.foundationSerialize, default: []].append(
                rate(seconds: secondsPerRound) { sink(try! JSONSerialization.data(withJSONObject: foundationValue)) })
        }

        var lines = [
            "JSON benchmark: Pod of \(bytes.count) bytes, \(max(1, rounds)) rounds x \(secondsPerRound) s each",
            "compact serialization reproduces the input byte for byte: \(roundTrips ? "yes" : "NO")",
        ]
        for measurement in Measurement.allCases {
            let samples = rates[measurement, default: []].sorted()
            let megabytes = median(samples) * Double(bytes.count) / 1_000_000
            lines.append(
                "\(measurement.rawValue.padding(22)) median \(format(median(samples)).leftPadded(9))/s  "
                    + "(min \(format(samples.first ?? 0)), max \(format(samples.last ?? 0)))  \(format(megabytes)) MB/s"
            )
        }
        let parseRatio = median(rates[.ourParse, default: []]) / median(rates[.foundationParse, default: []])
        let serializeRatio =
            median(rates[.ourSerialize, default: []]) / median(rates[.foundationSerialize, default: []])
        lines.append("ratio parse ours/Foundation: \(format(parseRatio, decimals: 1))x (goal >= 20x)")
        lines.append("ratio serialize ours/Foundation: \(format(serializeRatio, decimals: 1))x (goal >= 20x)")
        return lines.joined(separator: "\n")
    }

    /// What is timed.
    enum Measurement: String, CaseIterable {
        case ourParse = "parse JSON"
        case foundationParse = "parse Foundation"
        case ourSerialize = "serialize JSON"
        case foundationSerialize = "serialize Foundation"
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
