import JSON
import KubeAPI

/// `ValidateService` for a Service's own fields (`k/k: pkg/apis/core/validation/validation.go`),
/// messages as kube-apiserver emits them (reference §11.2). Allocation checks live with the allocators.
enum ServiceSpecValidation {
    static func validate(_ spec: JSON?) -> [FieldError] {
        var errors: [FieldError] = []
        guard let spec, spec.objectValue != nil else { return [.required("spec")] }
        let type = FieldValidation.string(spec["type"], "spec.type", &errors) ?? ""
        if !ServiceStrategy.types.contains(type) {
            errors.append(.notSupported("spec.type", .string(type), supported: ServiceStrategy.types))
        }
        let clusterIPs = FieldValidation.array(spec["clusterIPs"], "spec.clusterIPs", &errors).compactMap(\.stringValue)
        let headless = clusterIPs.first == "None" || spec["clusterIP"]?.stringValue == "None"
        let ports = FieldValidation.array(spec["ports"], "spec.ports", &errors)
        if ports.isEmpty, !headless, type != "ExternalName" { errors.append(.required("spec.ports")) }
        validatePorts(ports, type: type, &errors)

        if type == "ExternalName" {
            validateExternalName(spec, &errors)
        } else {
            validateClusterIPs(spec, clusterIPs: clusterIPs, type: type, &errors)
        }
        FieldValidation.oneOf(spec["sessionAffinity"], "spec.sessionAffinity", ["ClientIP", "None"], required: true, &errors)
        if spec["sessionAffinity"]?.stringValue == "ClientIP" {
            let path = "spec.sessionAffinityConfig.clientIP.timeoutSeconds"
            if let timeout = FieldValidation.integer(spec["sessionAffinityConfig"]?["clientIP"]?["timeoutSeconds"], path, &errors),
               timeout <= 0 || timeout > 86400 {
                errors.append(.invalid(path, .int(timeout), "must be greater than 0 and less than 86400"))
            }
        } else if let config = spec["sessionAffinityConfig"], !config.isNull {
            errors.append(.invalid("spec.sessionAffinityConfig", config,
                                   "must not be set when session affinity is None"))
        }
        validateTrafficPolicies(spec, type: type, &errors)
        validateLoadBalancerOnlyFields(spec, type: type, &errors)
        FieldValidation.selectorMap(spec["selector"], "spec.selector", &errors)
        for (index, ip) in FieldValidation.array(spec["externalIPs"], "spec.externalIPs", &errors).enumerated() {
            let path = "spec.externalIPs[\(index)]"
            guard let text = FieldValidation.string(ip, path, &errors) else { continue }
            for message in NameValidation.isValidIP(text) { errors.append(.invalid(path, string: text, message)) }
        }
        return errors
    }

    private static func validatePorts(_ ports: [JSON], type: String, _ errors: inout [FieldError]) {
        var names: Set<String> = []
        var keys: Set<String> = []
        var nodePorts: Set<String> = []
        for (index, port) in ports.enumerated() {
            let path = "spec.ports[\(index)]"
            guard port.objectValue != nil else {
                errors.append(.invalid(path, port, "must be an object"))
                continue
            }
            let name = FieldValidation.string(port["name"], "\(path).name", &errors) ?? ""
            if ports.count > 1, name.isEmpty { errors.append(.required("\(path).name")) }
            if !name.isEmpty {
                FieldValidation.dns1123Label(name, "\(path).name", &errors)
                if !names.insert(name).inserted { errors.append(.duplicate("\(path).name", .string(name))) }
            }
            FieldValidation.portNumber(port["port"], "\(path).port", required: true, &errors)
            FieldValidation.portProtocol(port["protocol"], "\(path).protocol", &errors)
            FieldValidation.intOrStringPort(port["targetPort"], "\(path).targetPort", &errors)
            if let appProtocol = FieldValidation.string(port["appProtocol"], "\(path).appProtocol", &errors) {
                FieldValidation.qualifiedName(appProtocol, "\(path).appProtocol", &errors)
            }
            let number = port["port"]?.intValue ?? 0
            let proto = port["protocol"]?.stringValue ?? ""
            if !keys.insert("\(number)/\(proto)").inserted {
                errors.append(FieldError(.duplicate, field: path, value: goServicePort(port: number, protocol: proto)))
            }
            if let nodePort = port["nodePort"]?.intValue, nodePort != 0 {
                if type == "ClusterIP" {
                    errors.append(.forbidden("\(path).nodePort", "may not be used when `type` is 'ClusterIP'"))
                }
                if !nodePorts.insert("\(nodePort)/\(proto)").inserted {
                    errors.append(FieldError(.duplicate, field: "\(path).nodePort",
                                             value: goServicePort(port: 0, protocol: proto, nodePort: nodePort)))
                }
            }
            if type == "LoadBalancer", number == 10250 {
                errors.append(.invalid(path, .int(number), "may not expose port 10250 externally since it is used by kubelet"))
            }
        }
    }

    /// The `%#v` rendering of the `core.ServicePort` key upstream reports duplicates with.
    private static func goServicePort(port: Int64, protocol proto: String, nodePort: Int64 = 0) -> String {
        "core.ServicePort{Name:\"\", Protocol:\"\(proto)\", AppProtocol:(*string)(nil), Port:\(port), "
            + "TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}, NodePort:\(nodePort)}"
    }

    private static func validateExternalName(_ spec: JSON, _ errors: inout [FieldError]) {
        let name = FieldValidation.string(spec["externalName"], "spec.externalName", &errors) ?? ""
        if name.isEmpty {
            errors.append(.required("spec.externalName"))
        } else {
            let trimmed = name.hasSuffix(".") ? String(name.dropLast()) : name
            for message in NameValidation.isDNS1123Subdomain(trimmed) {
                errors.append(.invalid("spec.externalName", string: name, message))
            }
        }
        for field in ["clusterIPs", "ipFamilies", "ipFamilyPolicy"] {
            if let value = spec[field], !value.isNull, value != .array([]) {
                errors.append(.forbidden("spec.\(field)", "may not be set for ExternalName services"))
            }
        }
        if let clusterIP = spec["clusterIP"]?.stringValue, !clusterIP.isEmpty {
            errors.append(.forbidden("spec.clusterIP", "may not be set for ExternalName services"))
        }
    }

    private static func validateClusterIPs(_ spec: JSON, clusterIPs: [String], type: String, _ errors: inout [FieldError]) {
        let clusterIP = spec["clusterIP"]?.stringValue ?? ""
        if !clusterIP.isEmpty, let first = clusterIPs.first, first != clusterIP {
            errors.append(.invalid("spec.clusterIPs", .array(clusterIPs.map { .string($0) }),
                                   "element [0] must match clusterIP"))
        }
        if clusterIPs.count > 2 {
            errors.append(.invalid("spec.clusterIPs", .array(clusterIPs.map { .string($0) }),
                                   "may only hold up to 2 values"))
        }
        for (index, ip) in clusterIPs.enumerated() {
            let path = "spec.clusterIPs[\(index)]"
            if ip == "None" {
                if index > 0 || clusterIPs.count > 1 {
                    errors.append(.invalid(path, string: ip, "must not repeat or be combined with other values"))
                } else if type == "NodePort" || type == "LoadBalancer" {
                    errors.append(.invalid(path, string: ip, "may not be set to 'None' for \(type) services"))
                }
            } else if !NameValidation.isValidIP(ip).isEmpty {
                errors.append(.invalid(path, string: ip, "must be empty, 'None', or a valid IP address"))
            }
        }
        if clusterIPs.count == 2, clusterIPs.allSatisfy({ $0 != "None" }),
           clusterIPs[0].contains(":") == clusterIPs[1].contains(":") {
            errors.append(.invalid("spec.clusterIPs[1]", string: clusterIPs[1],
                                   "may not have the same IP family as spec.clusterIPs[0]"))
        }
        if let policy = FieldValidation.string(spec["ipFamilyPolicy"], "spec.ipFamilyPolicy", &errors),
           !ServiceStrategy.ipFamilyPolicies.contains(policy) {
            errors.append(.notSupported("spec.ipFamilyPolicy", .string(policy), supported: ServiceStrategy.ipFamilyPolicies))
        }
        var seen: Set<String> = []
        let families = FieldValidation.array(spec["ipFamilies"], "spec.ipFamilies", &errors)
        if families.count > 2 {
            errors.append(.invalid("spec.ipFamilies", .array(families), "may only hold up to 2 values"))
        }
        for (index, family) in families.enumerated() {
            let path = "spec.ipFamilies[\(index)]"
            guard let text = FieldValidation.string(family, path, &errors) else { continue }
            if text != "IPv4" && text != "IPv6" {
                errors.append(.notSupported(path, family, supported: ["IPv4", "IPv6"]))
            } else if !seen.insert(text).inserted {
                errors.append(.duplicate(path, family))
            }
        }
        if spec["ipFamilyPolicy"]?.stringValue == "SingleStack", clusterIPs.count > 1 || families.count > 1 {
            errors.append(.invalid("spec.ipFamilyPolicy", .string("SingleStack"),
                                   "must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified"))
        }
    }

    private static func validateTrafficPolicies(_ spec: JSON, type: String, _ errors: inout [FieldError]) {
        let externalIPs = spec["externalIPs"]?.arrayValue ?? []
        let externallyAccessible = type == "NodePort" || type == "LoadBalancer" || (type == "ClusterIP" && !externalIPs.isEmpty)
        if externallyAccessible {
            FieldValidation.oneOf(spec["externalTrafficPolicy"], "spec.externalTrafficPolicy", ServiceStrategy.trafficPolicies,
                                  required: true, &errors)
        } else if let policy = spec["externalTrafficPolicy"]?.stringValue, !policy.isEmpty {
            errors.append(.invalid("spec.externalTrafficPolicy", .string(policy),
                                   "may only be set for externally-accessible services"))
        }
        if type != "ExternalName" {
            FieldValidation.oneOf(spec["internalTrafficPolicy"], "spec.internalTrafficPolicy", ServiceStrategy.trafficPolicies,
                                  required: true, &errors)
        }
        if let port = spec["healthCheckNodePort"]?.intValue, port != 0,
           !(type == "LoadBalancer" && spec["externalTrafficPolicy"]?.stringValue == "Local") {
            errors.append(.invalid("spec.healthCheckNodePort", .int(port),
                                   "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"))
        }
    }

    private static func validateLoadBalancerOnlyFields(_ spec: JSON, type: String, _ errors: inout [FieldError]) {
        guard type != "LoadBalancer" else { return }
        for field in ["allocateLoadBalancerNodePorts", "loadBalancerClass"] {
            if let value = spec[field], !value.isNull {
                errors.append(.forbidden("spec.\(field)", "may only be used when `type` is 'LoadBalancer'"))
            }
        }
        if let ranges = spec["loadBalancerSourceRanges"]?.arrayValue, !ranges.isEmpty {
            errors.append(.forbidden("spec.loadBalancerSourceRanges", "may only be used when `type` is 'LoadBalancer'"))
        }
    }
}
