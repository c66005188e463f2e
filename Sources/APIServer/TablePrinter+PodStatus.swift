import JSON

/// The READY, STATUS and RESTARTS of a pod as `printPod` derives them (`printers.go`, reference §10.4): the
/// phase, overridden by scheduling gates, then by init containers, then by the containers (last to first, so
/// the first container wins), then by deletion.
struct PodSummary {
    var readyContainers = 0
    var totalContainers = 0
    var reason = ""
    var restarts: Int64 = 0
    /// The latest `lastState.terminated.finishedAt` of the containers counted in `restarts` (ns since the epoch).
    var lastRestart: Int64?

    init(_ pod: JSON) {
        let spec = pod["spec"]
        let status = pod["status"]
        let phase = status?["phase"]?.stringValue ?? ""
        let statusReason = status?["reason"]?.stringValue ?? ""
        let conditions = status?["conditions"]?.arrayValue ?? []
        reason = statusReason.isEmpty ? phase : statusReason
        if conditions.contains(where: { $0["type"]?.stringValue == "PodScheduled"
            && $0["reason"]?.stringValue == "SchedulingGated" })
        {
            reason = "SchedulingGated"
        }

        let initContainers = spec?["initContainers"]?.arrayValue ?? []
        // Sidecars (`restartPolicy: Always` init containers) count as containers.
        let sidecars = Set(initContainers.filter { $0["restartPolicy"]?.stringValue == "Always" }
            .compactMap { $0["name"]?.stringValue })
        totalContainers = (spec?["containers"]?.arrayValue ?? []).count + sidecars.count

        var sidecarRestarts: Int64 = 0
        var sidecarLastRestart: Int64?
        var initializing = false
        for (index, container) in (status?["initContainerStatuses"]?.arrayValue ?? []).enumerated() {
            let restartCount = container["restartCount"]?.intValue ?? 0
            let finished = Self.lastTermination(container)
            restarts += restartCount
            lastRestart = Self.later(lastRestart, finished)
            let isSidecar = sidecars.contains(container["name"]?.stringValue ?? "")
            if isSidecar {
                sidecarRestarts += restartCount
                sidecarLastRestart = Self.later(sidecarLastRestart, finished)
            }
            let terminated = container["state"]?["terminated"]
            let waitingReason = container["state"]?["waiting"]?["reason"]?.stringValue ?? ""
            if let terminated, terminated["exitCode"]?.intValue ?? 0 == 0 {
                continue
            } else if isSidecar, container["started"]?.boolValue == true {
                if container["ready"]?.boolValue == true { readyContainers += 1 }
                continue
            } else if let terminated {
                reason = "Init:" + Self.terminationReason(terminated)
            } else if !waitingReason.isEmpty, waitingReason != "PodInitializing" {
                reason = "Init:" + waitingReason
            } else {
                reason = "Init:\(index)/\(initContainers.count)"
            }
            initializing = true
            break
        }

        let initialized = Self.conditionIsTrue("Initialized", in: conditions)
        if !initializing || initialized {
            restarts = sidecarRestarts
            lastRestart = sidecarLastRestart
            var hasRunning = false
            for container in (status?["containerStatuses"]?.arrayValue ?? []).reversed() {
                restarts += container["restartCount"]?.intValue ?? 0
                lastRestart = Self.later(lastRestart, Self.lastTermination(container))
                let state = container["state"]
                if let waiting = state?["waiting"]?["reason"]?.stringValue, !waiting.isEmpty {
                    reason = waiting
                } else if let terminated = state?["terminated"] {
                    reason = Self.terminationReason(terminated)
                } else if container["ready"]?.boolValue == true, state?["running"] != nil {
                    hasRunning = true
                    readyContainers += 1
                }
            }
            // A finished container next to a running one: the pod is still running.
            if reason == "Completed", hasRunning {
                reason = Self.conditionIsTrue("Ready", in: conditions) ? "Running" : "NotReady"
            }
        }

        if pod["metadata"]?["deletionTimestamp"].map({ !$0.isNull }) == true {
            if statusReason == "NodeLost" {
                reason = "Unknown"
            } else if phase != "Succeeded", phase != "Failed" {
                reason = "Terminating"
            }
        }
    }

    /// Whether the pod has condition `type` with status `True`.
    private static func conditionIsTrue(_ type: String, in conditions: [JSON]) -> Bool {
        conditions.contains { $0["type"]?.stringValue == type && $0["status"]?.stringValue == "True" }
    }

    /// `terminated.reason`, or `Signal:<n>` / `ExitCode:<n>` when it has none.
    private static func terminationReason(_ terminated: JSON) -> String {
        if let reason = terminated["reason"]?.stringValue, !reason.isEmpty { return reason }
        if let signal = terminated["signal"]?.intValue, signal != 0 { return "Signal:\(signal)" }
        return "ExitCode:\(terminated["exitCode"]?.intValue ?? 0)"
    }

    private static func lastTermination(_ container: JSON) -> Int64? {
        guard let finished = container["lastState"]?["terminated"]?["finishedAt"]?.stringValue else { return nil }
        return TableTimestamp.parse(finished)
    }

    private static func later(_ a: Int64?, _ b: Int64?) -> Int64? {
        guard let a else { return b }
        guard let b else { return a }
        return max(a, b)
    }
}
