import JSON
import Registry

/// The status a 1.32 kubelet writes for a running Pod (reference §13.3).
enum PodStatusBuilder {
    static func condition(_ type: String, _ status: Bool, at time: String) -> JSON {
        ["type": .string(type), "status": .string(status ? "True" : "False"), "lastProbeTime": .null,
         "lastTransitionTime": .string(time)]
    }

    /// Running, with an IP, kubelet's condition set in its order, and one running container status each.
    static func running(pod: JSON, podIP: String, hostIP: String, ready: Bool) -> JSON {
        let now = SystemFields.timestamp()
        let scheduledAt = (pod["status"]?["conditions"]?.arrayValue ?? []).first {
            $0["type"]?.stringValue == "PodScheduled"
        }?["lastTransitionTime"]?.stringValue ?? now
        var status = pod["status"]?.objectValue ?? JSONObject()
        status["phase"] = "Running"
        status["conditions"] = [
            condition("PodReadyToStartContainers", true, at: now), condition("Initialized", true, at: now),
            condition("Ready", ready, at: now), condition("ContainersReady", ready, at: now),
            condition("PodScheduled", true, at: scheduledAt),
        ]
        status["hostIP"] = .string(hostIP)
        status["hostIPs"] = [["ip": .string(hostIP)]]
        status["podIP"] = .string(podIP)
        status["podIPs"] = [["ip": .string(podIP)]]
        status["startTime"] = .string(now)
        status["containerStatuses"] = .array((pod["spec"]?["containers"]?.arrayValue ?? []).map { container in
            containerStatus(container, ready: ready, startedAt: now)
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

    /// The same status with Ready, ContainersReady and every container's `ready` set to `ready`.
    static func settingReady(_ status: JSON, ready: Bool) -> JSON {
        var status = status
        let now = SystemFields.timestamp()
        var conditions = status["conditions"]?.arrayValue ?? []
        for type in ["Ready", "ContainersReady"] {
            if let index = conditions.firstIndex(where: { $0["type"]?.stringValue == type }) {
                if conditions[index]["status"]?.stringValue != (ready ? "True" : "False") {
                    conditions[index] = condition(type, ready, at: now)
                }
            } else {
                conditions.append(condition(type, ready, at: now))
            }
        }
        status["conditions"] = .array(conditions)
        if var containers = status["containerStatuses"]?.arrayValue {
            for index in containers.indices { containers[index]["ready"] = .bool(ready) }
            status["containerStatuses"] = .array(containers)
        }
        return status
    }
}
