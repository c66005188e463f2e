import JSON
import KubeAPI
import Store

extension Registry {
    /// `PATCH` with `application/apply-patch+yaml` (reference §5.4, §14.4): server-side apply of `configuration` by
    /// `options.fieldManager`, creating the object when it is absent (`handlers/patch.go` `applyPatcher`).
    func apply(_ info: ResourceInfo, namespace: String, name: String, subresource: String?, configuration: JSON,
               options: WriteOptions) throws(StatusError) -> WriteResult {
        guard configuration.objectValue != nil else {
            throw .badRequest("error decoding patch: json: cannot unmarshal \(configuration.typeName) "
                + "into Go value of type map[string]interface {}")
        }
        var configuration = configuration
        if let mismatch = FieldTypeCheck.firstMismatch(in: configuration, kind: info.kind) {
            throw FieldPruning.patchDecodeError(mismatch, shownValue: FieldPruning.sortedJSON(configuration))
        }
        let problems = options.patchDecodingProblems + FieldPruning.prune(&configuration, kind: info.kind)
        if options.fieldValidation == .strict, !problems.isEmpty {
            throw FieldPruning.strictPatchError(problems, shownValue: FieldPruning.sortedJSON(configuration))
        }
        var options = options
        options.managedFieldsApplied = true
        let applier = ServerSideApply(kind: info.kind, apiVersion: info.apiVersion, manager: options.fieldManager ?? "",
                                      force: options.force, subresource: subresource, now: SystemFields.timestamp())
        let result = try guaranteedUpdate(info, namespace: namespace, name: name, subresource: subresource,
                                          options: options, createIfMissing: subresource == nil) {
            (current: StoredObject?) throws(StatusError) -> JSON in
            var configuration = configuration
            try checkTypeMeta(&configuration, info)
            return try applier.apply(configuration, to: current?.object)
        }
        guard options.fieldValidation == .warn, !problems.isEmpty else { return result }
        return WriteResult(object: result.object, created: result.created, warnings: problems + result.warnings)
    }
}
