import JSON

extension ObjectMetaValidation {
    /// The finalizers a core-group object may carry without a `/` (`k/k: pkg/apis/core/helper`, `standardFinalizers`).
    public static let standardFinalizers: Set<String> = ["kubernetes", "orphan", "foregroundDeletion"]

    /// `v1validation.ValidateLabels`: every key a qualified name, every value a label value; errors are reported on
    /// the map itself (`metadata.labels: Invalid value: "bad key!": name part must consist of ...`).
    public static func validateLabels(_ labels: JSON?, path: String) -> [FieldError] {
        var reader = MetadataReader()
        for (key, value) in reader.stringMap(labels, path: path) {
            for message in NameValidation.isQualifiedName(key) {
                reader.errors.append(.invalid(path, string: key, message))
            }
            for message in NameValidation.isValidLabelValue(value) {
                reader.errors.append(.invalid(path, string: value, message))
            }
        }
        return reader.errors
    }

    /// `ValidateAnnotations`: keys are qualified names checked lower-cased (case does not matter), values are free,
    /// and all keys plus values together may not exceed 262144 bytes (`Too long: may not be more than 262144 bytes`).
    public static func validateAnnotations(_ annotations: JSON?, path: String) -> [FieldError] {
        var reader = MetadataReader()
        var totalSize = 0
        for (key, value) in reader.stringMap(annotations, path: path) {
            for message in NameValidation.isQualifiedName(key.lowercased()) {
                reader.errors.append(.invalid(path, string: key, message))
            }
            totalSize += key.utf8.count + value.utf8.count
        }
        if totalSize > totalAnnotationSizeLimit {
            reader.errors.append(.tooLong(path, maxBytes: totalAnnotationSizeLimit))
        }
        return reader.errors
    }

    /// `ValidateFinalizers`: each name a qualified name (reported at the list's path, not per index, as upstream
    /// does), and `orphan` with `foregroundDeletion` together is invalid.
    public static func validateFinalizers(_ finalizers: JSON?, path: String) -> [FieldError] {
        var reader = MetadataReader()
        let names = reader.strings(finalizers, path: path)
        for name in names {
            for message in NameValidation.isQualifiedName(name) {
                reader.errors.append(.invalid(path, string: name, message))
            }
        }
        if names.contains("orphan") && names.contains("foregroundDeletion") {
            reader.errors.append(
                .invalid(
                    path, .array(names.map { .string($0) }),
                    "finalizer orphan and foregroundDeletion cannot be both set"))
        }
        return reader.errors
    }

    /// `validateKubeFinalizerName` for each finalizer of a core-group object, at `path[i]`: a name without `/` must
    /// be one of `standardFinalizers`. Type errors are left to `validateFinalizers`.
    public static func validateKubeFinalizerNames(_ finalizers: JSON?, path: String) -> [FieldError] {
        var reader = MetadataReader()
        var errors: [FieldError] = []
        for (index, name) in reader.strings(finalizers, path: path).enumerated()
        where !name.contains("/") && !standardFinalizers.contains(name) {
            errors.append(
                .invalid(
                    "\(path)[\(index)]", string: name,
                    "name is neither a standard finalizer name nor is it fully qualified"))
        }
        return errors
    }

    /// `ValidateOwnerReferences`: apiVersion (its version part), kind, name and uid must not be empty (reported at
    /// `path.apiVersion` etc., without an index, as upstream does), a core `v1` Event may not be an owner, and at
    /// most one reference may be the controller.
    public static func validateOwnerReferences(_ ownerReferences: JSON?, path: String) -> [FieldError] {
        var reader = MetadataReader()
        var references: [OwnerReference] = []
        for (index, item) in reader.array(ownerReferences, path: path).enumerated() {
            let itemPath = "\(path)[\(index)]"
            guard let object = reader.object(item, path: itemPath) else { continue }
            references.append(
                OwnerReference(
                    apiVersion: reader.string(object["apiVersion"], path: "\(itemPath).apiVersion"),
                    kind: reader.string(object["kind"], path: "\(itemPath).kind"),
                    name: reader.string(object["name"], path: "\(itemPath).name"),
                    uid: reader.string(object["uid"], path: "\(itemPath).uid"),
                    controller: reader.bool(object["controller"], path: "\(itemPath).controller"),
                    blockOwnerDeletion: reader.bool(
                        object["blockOwnerDeletion"], path: "\(itemPath).blockOwnerDeletion")))
        }
        var firstController = ""
        for reference in references {
            let (group, version) = reference.groupVersion
            if version.isEmpty {
                reader.errors.append(
                    .invalid("\(path).apiVersion", string: reference.apiVersion, "version must not be empty"))
            }
            if reference.kind.isEmpty {
                reader.errors.append(.invalid("\(path).kind", string: reference.kind, "kind must not be empty"))
            }
            if reference.name.isEmpty {
                reader.errors.append(.invalid("\(path).name", string: reference.name, "name must not be empty"))
            }
            if reference.uid.isEmpty {
                reader.errors.append(.invalid("\(path).uid", string: reference.uid, "uid must not be empty"))
            }
            if group.isEmpty && version == "v1" && reference.kind == "Event" {
                reader.errors.append(
                    FieldError(
                        .invalid, field: path, value: reference.goSyntax,
                        detail: "/v1, Kind=Event is disallowed from being an owner"))
            }
            if reference.controller == true {
                let current = reference.kind + "/" + reference.name
                if firstController.isEmpty {
                    firstController = current
                } else {
                    let all = "[]v1.OwnerReference{" + references.map(\.goSyntax).joined(separator: ", ") + "}"
                    reader.errors.append(
                        FieldError(
                            .invalid, field: path, value: all,
                            detail: "Only one reference can have Controller set to true. "
                                + "Found \"true\" in references for \(firstController) and \(current)"))
                }
            }
        }
        return reader.errors
    }

    /// `v1validation.ValidateManagedFields`: operation `Apply` or `Update`, fieldsType empty or `FieldsV1`,
    /// manager at most 128 bytes of printable characters, subresource at most 256 bytes.
    public static func validateManagedFields(_ managedFields: JSON?, path: String) -> [FieldError] {
        var reader = MetadataReader()
        for (index, item) in reader.array(managedFields, path: path).enumerated() {
            let itemPath = "\(path)[\(index)]"
            guard let entry = reader.object(item, path: itemPath) else { continue }
            let operation = reader.string(entry["operation"], path: "\(itemPath).operation")
            if operation != "Apply" && operation != "Update" {
                reader.errors.append(
                    .invalid("\(itemPath).operation", string: operation, "must be `Apply` or `Update`"))
            }
            let fieldsType = reader.string(entry["fieldsType"], path: "\(itemPath).fieldsType")
            if !fieldsType.isEmpty && fieldsType != "FieldsV1" {
                reader.errors.append(.invalid("\(itemPath).fieldsType", string: fieldsType, "must be `FieldsV1`"))
            }
            let manager = reader.string(entry["manager"], path: "\(itemPath).manager")
            reader.errors += validateFieldManager(manager, path: "\(itemPath).manager")
            let subresource = reader.string(entry["subresource"], path: "\(itemPath).subresource")
            if subresource.utf8.count > 256 {
                reader.errors.append(.tooLong("\(itemPath).subresource", maxBytes: 256))
            }
        }
        return reader.errors
    }

    /// `v1validation.ValidateFieldManager`: at most 128 bytes, every character printable (`unicode.IsPrint`),
    /// else `invalid character U+0007 (at position 3)` with the byte offset.
    public static func validateFieldManager(_ manager: String, path: String) -> [FieldError] {
        var errors: [FieldError] = []
        if manager.utf8.count > 128 { errors.append(.tooLong(path, maxBytes: 128)) }
        var offset = 0
        for scalar in manager.unicodeScalars {
            if !isGoPrintable(scalar) {
                var hex = String(scalar.value, radix: 16, uppercase: true)
                if hex.count < 4 { hex = String(repeating: "0", count: 4 - hex.count) + hex }
                errors.append(.invalid(path, string: manager, "invalid character U+\(hex) (at position \(offset))"))
            }
            offset += scalar.utf8.count
        }
        return errors
    }

    /// Go's `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space.
    static func isGoPrintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == " " { return true }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .nonspacingMark, .spacingMark, .enclosingMark,
            .decimalNumber, .letterNumber, .otherNumber,
            .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
            .finalPunctuation, .otherPunctuation,
            .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
            return true
        default:
            return false
        }
    }
}
