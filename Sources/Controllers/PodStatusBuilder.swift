import JSON
import Registry

/// The status a 1.32 kubelet writes for a running Pod (reference §13.3).
enum PodStatusBuilder {
    static func condition(_ type: String, _ status: Bool, at time: String, reason: String? = nil) -> JSON {
        var condition: JSONObject = ["type": .string(type), "status": .string(status ? "True" : "False"),
                                     "lastProbeTime": .null, "lastTransitionTime": .string(time)]
        if let reason { condition["reason"] = .string(reason) }
        return .object(condition)
    }

    /// The reason kubelet gives a False Ready condition (`status/generate.go`).
    static func readyReason(containersReady: Bool) -> String {
        containersReady ? "ReadinessGatesNotReady" : "ContainersNotReady"
    }

    /// Running, with an IP, kubelet's condition set in its order, and one running container status each.
    static func running(pod: JSON, podIP: String, hostIP: String, containersReady: Bool, ready: Bool) -> JSON {
        let now = SystemFields.timestamp()
        let scheduledAt = (pod["status"]?["conditions"]?.arrayValue ?? []).first {
            $0["type"]?.stringValue == "PodScheduled"
        }?["lastTransitionTime"]?.stringValue ?? now
        var status = pod["status"]?.objectValue ?? JSONObject()
        status["phase"] = "Running"
        status["conditions"] = [
            condition("PodReadyToStartContainers", true, at: now), condition("Initialized", true, at: now),
            condition("Ready", ready, at: now, reason: ready ? nil : readyReason(containersReady: containersReady)),
            condition("ContainersReady", containersReady, at: now, reason: containersReady ? nil : "ContainersNotReady"),
            condition("PodScheduled", true, at: scheduledAt),
        ]
        status["hostIP"] = .string(hostIP)
        status["hostIPs"] = [["ip": .string(hostIP)]]
        status["podIP"] = .string(podIP)
        status["podIPs"] = [["ip": .string(podIP)]]
        status["startTime"] = .string(now)
        status["containerStatuses"] = .array((pod["spec"]?["containers"]?.arrayValue ?? []).map { container in
            containerStatus(container, ready: containersReady, startedAt: now)
        })
        return .object(status)
    }

    static func containerStatus(_ container: JSON, ready: Bool, startedAt: String) -> JSON {
        let name = container["name"]?.stringValue ?? ""
        let image = container["image"]?.stringValue ?? ""
        let reference = image.contains("/") ? image : "docker.io/library/\(image)"
        let fullImage = reference.contains(":") || reference.contains("@") ? reference : reference + ":latest"
        let digest = stableHex(fullImage, length: 64)
        return ["name": .string(name), "image": .string(fullImage),
                "imageID": .string(fullImage.split(separator: ":").first.map(String.init)! + "@sha256:" + digest),
                "containerID": .string("containerd://" + stableHex(name + startedAt + image, length: 64)),
                "ready": .bool(ready), "started": true, "restartCount": 0,
                "state": ["running": ["startedAt": .string(startedAt)]]]
    }

    /// Deterministic hex of the given length (FNV-1a rounds), for image digests and container IDs.
    static func stableHex(_ text: String, length: Int) -> String {
        var out = ""
        var seed: UInt64 = 1469598103934665603
        while out.count < length {
            for byte in text.utf8 { seed = (seed ^ UInt64(byte)) &* 1099511628211 }
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            out += String(seed, radix: 16)
        }
        return String(out.prefix(length))
    }

    static func isReady(_ pod: JSON) -> Bool {
        (pod["status"]?["conditions"]?.arrayValue ?? []).contains {
            $0["type"]?.stringValue == "Ready" && $0["status"]?.stringValue == "True"
        }
    }

    /// The same status with Ready, ContainersReady and every container's `ready` recomputed.
    static func settingReady(_ status: JSON, containersReady: Bool, ready: Bool) -> JSON {
        var status = status
        let now = SystemFields.timestamp()
        var conditions = status["conditions"]?.arrayValue ?? []
        let wanted: [(String, Bool, String?)] = [
            ("Ready", ready, ready ? nil : readyReason(containersReady: containersReady)),
            ("ContainersReady", containersReady, containersReady ? nil : "ContainersNotReady"),
        ]
        for (type, value, reason) in wanted {
            if let index = conditions.firstIndex(where: { $0["type"]?.stringValue == type }) {
                if conditions[index]["status"]?.stringValue != (value ? "True" : "False") {
                    conditions[index] = condition(type, value, at: now, reason: reason)
                }
            } else {
                conditions.append(condition(type, value, at: now, reason: reason))
            }
        }
        status["conditions"] = .array(conditions)
        if var containers = status["containerStatuses"]?.arrayValue {
            for index in containers.indices { containers[index]["ready"] = .bool(containersReady) }
            status["containerStatuses"] = .array(containers)
        }
        return status
    }
}
