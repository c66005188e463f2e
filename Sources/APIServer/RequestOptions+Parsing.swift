import HTTPServer
import JSON
import KubeAPI
import Registry

/// Decoding of query parameters and option bodies into Registry options (reference §6).
enum OptionParsing {
    /// `pretty`: explicit, or implied for curl and browsers the way kube-apiserver does (reference §6.8).
    static func pretty(_ request: HTTPRequest) -> Bool {
        if let value = request.queryValue("pretty") { return QueryValue.bool(value) }
        let agent = request.header("user-agent") ?? ""
        return agent.hasPrefix("curl") || agent.hasPrefix("Mozilla") || agent.hasPrefix("Wget")
    }

    /// `dryRun`: absent, or exactly `All` (422 otherwise).
    static func dryRun(_ values: [String], optionsKind: String) throws(StatusError) -> Bool {
        // `ValidateDryRun` reports the whole list on `dryRun`, e.g. `Unsupported value: []string{"Yes"}`.
        if values.contains(where: { $0 != "All" }) {
            throw .invalid(kind: optionsKind, group: "meta.k8s.io", name: "",
                           errors: [.notSupported("dryRun", .array(values.map { .string($0) }), supported: ["All"])])
        }
        return !values.isEmpty
    }

    static func queryValues(_ request: HTTPRequest, _ name: String) -> [String] {
        request.query.filter { $0.name == name }.map(\.value)
    }

    /// Create/update/patch options; also validates `fieldValidation` and `fieldManager`.
    static func writeOptions(_ request: HTTPRequest, optionsKind: String) throws(StatusError) -> WriteOptions {
        let dryRun = try dryRun(queryValues(request, "dryRun"), optionsKind: optionsKind)
        if let validation = request.queryValue("fieldValidation"), !["", "Ignore", "Warn", "Strict"].contains(validation) {
            throw .invalid(kind: optionsKind, group: "meta.k8s.io", name: "", errors: [
                .notSupported("fieldValidation", .string(validation), supported: ["Ignore", "Strict", "Warn"])])
        }
        var manager = request.queryValue("fieldManager")
        if let manager, manager.utf8.count > 128 {
            throw .invalid(kind: optionsKind, group: "meta.k8s.io", name: "", errors: [.tooLong("fieldManager", maxBytes: 128)])
        }
        if (manager ?? "").isEmpty {
            // `handlers/create.go` `managerOrUserAgent`: the User-Agent up to its first `/`, at most 128 bytes.
            let agent = request.header("user-agent") ?? ""
            let prefix = String(agent.prefix { $0 != "/" }.filter { !$0.isASCII || ($0.asciiValue! >= 0x20 && $0 != "\u{7F}") })
            manager = prefix.isEmpty ? nil : String(decoding: prefix.utf8.prefix(128), as: UTF8.self)
        }
        // Absent or empty means Warn (`handlers/rest.go` `fieldValidation`).
        let fieldValidation = FieldValidationDirective(rawValue: request.queryValue("fieldValidation") ?? "") ?? .warn
        return WriteOptions(dryRun: dryRun, fieldManager: manager, fieldValidation: fieldValidation)
    }

    /// List options from the query, with `ListOptions` validation (`internalversion/validation`).
    static func listOptions(_ request: HTTPRequest, watch: Bool) throws(StatusError) -> ListOptions {
        var options = ListOptions()
        if let text = request.queryValue("labelSelector"), !text.isEmpty { options.labelSelector = try LabelSelector.parse(text) }
        if let text = request.queryValue("fieldSelector"), !text.isEmpty { options.fieldSelector = try FieldSelector.parse(text) }
        if let text = request.queryValue("limit"), !text.isEmpty {
            let limit = try QueryValue.int64(text, name: "limit")
            options.limit = limit > 0 ? Int(clamping: limit) : nil
        }
        options.continueToken = request.queryValue("continue").flatMap { $0.isEmpty ? nil : $0 }
        options.resourceVersion = request.queryValue("resourceVersion").flatMap { $0.isEmpty ? nil : $0 }
        options.resourceVersionMatch = request.queryValue("resourceVersionMatch").flatMap { $0.isEmpty ? nil : $0 }
        guard !watch else { return options }
        var errors: [FieldError] = []
        if let match = options.resourceVersionMatch {
            if options.resourceVersion == nil {
                errors.append(.forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden unless resourceVersion is provided"))
            }
            if options.continueToken != nil {
                errors.append(.forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided"))
            }
            if match != "Exact" && match != "NotOlderThan" {
                errors.append(.notSupported("resourceVersionMatch", .string(match), supported: ["Exact", "NotOlderThan"]))
            } else if match == "Exact", options.resourceVersion == "0" {
                errors.append(.forbidden("resourceVersionMatch", "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\""))
            }
        }
        if request.queryValue("sendInitialEvents") != nil {
            errors.append(.forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list"))
        }
        if !errors.isEmpty { throw .invalidListOptions(errors) }
        if options.continueToken != nil, options.resourceVersion != nil, options.resourceVersion != "0" {
            throw .badRequest("specifying resource version is not allowed when using continue")
        }
        return options
    }

    /// Watch options from the query, with the watch rules of `ListOptions` validation.
    static func watchOptions(_ request: HTTPRequest) throws(StatusError) -> WatchOptions {
        let list = try listOptions(request, watch: true)
        var options = WatchOptions(labelSelector: list.labelSelector, fieldSelector: list.fieldSelector,
                                   resourceVersion: list.resourceVersion)
        let sendInitialEvents = request.queryValue("sendInitialEvents").map { QueryValue.bool($0) }
        // `validateWatchOptions` (`internalversion/validation/validation.go`), in its order.
        var errors: [FieldError] = []
        let match = list.resourceVersionMatch ?? ""
        if sendInitialEvents != nil, match != "NotOlderThan" {
            errors.append(.forbidden("resourceVersionMatch", "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"))
        }
        if !match.isEmpty {
            if sendInitialEvents == nil {
                errors.append(.forbidden("resourceVersionMatch",
                                         "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"))
            }
            if match != "NotOlderThan" {
                errors.append(.notSupported("resourceVersionMatch", .string(match), supported: ["NotOlderThan"]))
            }
            if list.continueToken != nil {
                errors.append(.forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided"))
            }
        }
        options.sendInitialEvents = sendInitialEvents ?? false
        if !errors.isEmpty { throw .invalidListOptions(errors) }
        return options
    }

    /// Delete options from the body (a `DeleteOptions` object) or, when the body is empty, from the query.
    static func deleteOptions(_ request: HTTPRequest) throws(StatusError) -> DeleteOptions {
        var options = DeleteOptions()
        var dryRunValues = queryValues(request, "dryRun")
        var policy = request.queryValue("propagationPolicy")
        var orphan = request.queryValue("orphanDependents").map { QueryValue.bool($0) }
        if let grace = request.queryValue("gracePeriodSeconds"), !grace.isEmpty {
            options.gracePeriodSeconds = try QueryValue.int64(grace, name: "gracePeriodSeconds")
        }
        if !request.body.isEmpty {
            let body = try RequestBodyDecoder.deleteOptions(request)
            guard body.objectValue != nil else { throw .badRequest("error decoding DeleteOptions: expected a JSON object") }
            if let grace = body["gracePeriodSeconds"], !grace.isNull {
                guard let value = grace.intValue else {
                    throw .badRequest("json: cannot unmarshal \(grace.typeName) into Go struct field DeleteOptions.gracePeriodSeconds of type int64")
                }
                options.gracePeriodSeconds = value
            }
            if let value = body["propagationPolicy"]?.stringValue { policy = value }
            if let value = body["orphanDependents"]?.boolValue { orphan = value }
            if let values = body["dryRun"]?.arrayValue { dryRunValues = values.compactMap(\.stringValue) }
            options.preconditionUID = body["preconditions"]?["uid"]?.stringValue
            options.preconditionResourceVersion = body["preconditions"]?["resourceVersion"]?.stringValue
        }
        var errors: [FieldError] = []
        if let policy {
            if let parsed = DeleteOptions.PropagationPolicy(rawValue: policy) {
                options.propagationPolicy = parsed
            } else {
                errors.append(.notSupported("propagationPolicy", .string(policy),
                                            supported: ["Foreground", "Background", "Orphan", "nil"]))
            }
        }
        if orphan != nil, policy != nil {
            errors.append(.invalid("propagationPolicy", .string(policy ?? ""),
                                   "orphanDependents and deletionPropagation cannot be both set"))
        }
        options.orphanDependents = orphan
        if !errors.isEmpty { throw .invalid(kind: "DeleteOptions", group: "meta.k8s.io", name: "", errors: errors) }
        options.dryRun = try dryRun(dryRunValues, optionsKind: "DeleteOptions")
        return options
    }
}
