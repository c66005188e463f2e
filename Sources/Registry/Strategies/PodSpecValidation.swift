import JSON
import KubeAPI

/// The essentials of `ValidatePodSpec` and `ValidatePodUpdate` (`k/k: pkg/apis/core/validation/validation.go`).
enum PodSpecValidation {
    static let restartPolicies = ["Always", "Never", "OnFailure"]
    static let dnsPolicies = ["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"]

    static func validate(_ spec: JSON?) -> [FieldError] {
        var errors: [FieldError] = []
        guard let spec, spec.objectValue != nil else { return [.required("spec")] }
        var names: Set<String> = []
        let containers = FieldValidation.array(spec["containers"], "spec.containers", &errors)
        if containers.isEmpty { errors.append(.required("spec.containers")) }
        for (index, container) in containers.enumerated() {
            validateContainer(container, "spec.containers[\(index)]", &names, &errors)
        }
        let initContainers = FieldValidation.array(spec["initContainers"], "spec.initContainers", &errors)
        for (index, container) in initContainers.enumerated() {
            validateContainer(container, "spec.initContainers[\(index)]", &names, &errors)
        }
        FieldValidation.oneOf(spec["restartPolicy"], "spec.restartPolicy", restartPolicies, required: true, &errors)
        FieldValidation.oneOf(spec["dnsPolicy"], "spec.dnsPolicy", dnsPolicies, required: true, &errors)
        if let grace = FieldValidation.integer(spec["terminationGracePeriodSeconds"], "spec.terminationGracePeriodSeconds", &errors),
           grace < 0 {
            errors.append(.invalid("spec.terminationGracePeriodSeconds", .int(grace), "must be greater than or equal to 0"))
        }
        if let nodeName = FieldValidation.string(spec["nodeName"], "spec.nodeName", &errors), !nodeName.isEmpty {
            for message in NameValidation.isDNS1123Subdomain(nodeName) {
                errors.append(.invalid("spec.nodeName", string: nodeName, message))
            }
        }
        errors += ObjectMetaValidation.validateLabels(spec["nodeSelector"], path: "spec.nodeSelector")
        return errors
    }

    private static func validateContainer(_ container: JSON, _ path: String, _ names: inout Set<String>,
                                          _ errors: inout [FieldError]) {
        guard container.objectValue != nil else {
            errors.append(.invalid(path, container, "must be an object"))
            return
        }
        if let name = FieldValidation.string(container["name"], "\(path).name", &errors), !name.isEmpty {
            FieldValidation.dns1123Label(name, "\(path).name", &errors)
            if !names.insert(name).inserted { errors.append(.duplicate("\(path).name", .string(name))) }
        } else {
            errors.append(.required("\(path).name"))
        }
        if let image = FieldValidation.string(container["image"], "\(path).image", &errors), !image.isEmpty {
            if image.trimmingWhitespace != image {
                errors.append(.invalid("\(path).image", string: image, "must not have leading or trailing whitespace"))
            }
        } else {
            errors.append(.required("\(path).image"))
        }
        var portNames: Set<String> = []
        var portKeys: Set<String> = []
        let ports = FieldValidation.array(container["ports"], "\(path).ports", &errors)
        for (index, port) in ports.enumerated() {
            let portPath = "\(path).ports[\(index)]"
            FieldValidation.portNumber(port["containerPort"], "\(portPath).containerPort", required: true, &errors)
            if let hostPort = port["hostPort"], hostPort.intValue != 0 {
                FieldValidation.portNumber(hostPort, "\(portPath).hostPort", required: false, &errors)
            }
            if let name = FieldValidation.string(port["name"], "\(portPath).name", &errors), !name.isEmpty {
                for message in NameValidation.isValidPortName(name) {
                    errors.append(.invalid("\(portPath).name", string: name, message))
                }
                if !portNames.insert(name).inserted { errors.append(.duplicate("\(portPath).name", .string(name))) }
            }
            FieldValidation.portProtocol(port["protocol"], "\(portPath).protocol", &errors)
            let key = "\(port["containerPort"]?.intValue ?? 0)/\(port["protocol"]?.stringValue ?? "")"
                + "/\(port["hostPort"]?.intValue ?? 0)"
            if !portKeys.insert(key).inserted {
                errors.append(.duplicate(portPath, .string(key)))
            }
        }
    }

    /// Pod updates may only change images, activeDeadlineSeconds, tolerations (additions) and a negative
    /// grace period to 1; everything else is 422 Forbidden on `spec`.
    static func validateUpdate(_ spec: JSON?, old: JSON?) -> [FieldError] {
        guard var mutable = spec, let old else { return [] }
        var normalized = old
        // Copy over the mutable fields from the new spec, then anything still different is forbidden.
        for field in ["containers", "initContainers"] {
            guard var oldContainers = normalized[field]?.arrayValue, let newContainers = mutable[field]?.arrayValue,
                  oldContainers.count == newContainers.count else { continue }
            for index in oldContainers.indices { oldContainers[index]["image"] = newContainers[index]["image"] }
            normalized[field] = .array(oldContainers)
        }
        normalized["activeDeadlineSeconds"] = mutable["activeDeadlineSeconds"]
        if let oldTolerations = old["tolerations"]?.arrayValue, let newTolerations = mutable["tolerations"]?.arrayValue,
           oldTolerations.allSatisfy(newTolerations.contains) {
            normalized["tolerations"] = mutable["tolerations"]
        } else if old["tolerations"] == nil {
            normalized["tolerations"] = mutable["tolerations"]
        }
        if let oldGrace = old["terminationGracePeriodSeconds"]?.intValue, oldGrace < 0,
           mutable["terminationGracePeriodSeconds"]?.intValue == 1 {
            normalized["terminationGracePeriodSeconds"] = 1
        }
        if mutable["schedulingGates"] == nil { normalized["schedulingGates"] = nil }
        mutable["schedulingGates"] = normalized["schedulingGates"]
        if normalized == mutable { return [] }
        return [.forbidden("spec", "pod updates may not change fields other than `spec.containers[*].image`,"
            + "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),"
            + "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)")]
    }
}

extension String {
    /// The string without leading and trailing ASCII whitespace.
    var trimmingWhitespace: String {
        let scalars = unicodeScalars
        let isSpace: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = scalars.firstIndex(where: { !isSpace($0) }),
              let last = scalars.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(scalars[first...last])
    }
}
