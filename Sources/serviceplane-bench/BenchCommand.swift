import ArgumentParser

/// `serviceplane-bench`: in-process micro-benchmarks that `make bench` runs next to the HTTP ones
/// (scripts/bench.sh). Each reports ratios against an anchor measured in the same run.
@main
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serviceplane-bench",
        abstract: "ServicePlane micro-benchmarks (ratios against anchors measured in the same run).",
        subcommands: [JSONBench.self])
}

/// JSON parse and serialize of a realistic Pod and a list of 100, against Foundation's JSONSerialization.
struct JSONBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "json")

    @Option(help: "Alternating rounds of ours and Foundation.")
    var rounds = 5

    @Option(help: "Seconds per measurement.")
    var seconds = 1.0

    @Flag(help: "Print \"key value\" lines (median min max per measurement) for scripts/bench.sh.")
    var keyValue = false

    @Option(help: "Profile one measurement (parse_ours, serialize_ours, ...) of one document (pod, podlist100): run only it, N times, and print nothing else; for valgrind --tool=callgrind.")
    var profile: String?

    @Option(help: "Calls made with --profile.")
    var iterations = 1000

    func run() throws {
        if let profile {
            guard JSONBenchmark.profile(profile, iterations: iterations) else {
                throw ValidationError("--profile takes DOCUMENT.MEASUREMENT, e.g. pod.parse_ours")
            }
            return
        }
        print(keyValue ? JSONBenchmark.keyValues(rounds: rounds, secondsPerRound: seconds)
                       : JSONBenchmark.run(rounds: rounds, secondsPerRound: seconds))
    }
}
