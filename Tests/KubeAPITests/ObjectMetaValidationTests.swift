import JSON
import Testing

@testable import KubeAPI

/// Create-time metadata for a kind, and the field errors as they print in a 422 message.
struct MetaCreateCase: Sendable, CustomTestStringConvertible {
    var name: String
    var metadata: JSON?
    var namespaced = true
    var rule = NameRule.dns1035Label
    var core = true
    var errors: [String]
    var testDescription: String { name }
}

private let bigValue = String(repeating: "x", count: 262_144)

@Test(
    "create metadata validation matches ValidateObjectMeta",
    arguments: [
        MetaCreateCase(
            name: "valid Service",
            metadata: [
                "name": "web", "namespace": "default",
                "labels": ["app": "web", "app.kubernetes.io/part-of": ""],
            ],
            errors: []),
        MetaCreateCase(
            name: "no name", metadata: ["namespace": "default"],
            errors: ["metadata.name: Required value: name or generateName is required"]),
        MetaCreateCase(
            name: "missing metadata", metadata: nil,
            errors: [
                "metadata.name: Required value: name or generateName is required",
                "metadata.namespace: Required value",
            ]),
        MetaCreateCase(
            name: "Service name with leading digit", metadata: ["name": "1web", "namespace": "default"],
            errors: ["metadata.name: Invalid value: \"1web\": " + UpstreamText.dns1035Label]),
        MetaCreateCase(
            name: "Pod may have a dotted name", metadata: ["name": "web.v1", "namespace": "default"],
            rule: .dns1123Subdomain, errors: []),
        MetaCreateCase(
            name: "generateName prefix after name generation",
            metadata: ["generateName": "web-", "name": "web-x7k2p", "namespace": "default"], errors: []),
        MetaCreateCase(
            name: "generateName alone: validation runs after the name is generated",
            metadata: ["generateName": "web-", "namespace": "default"],
            errors: ["metadata.name: Required value: name or generateName is required"]),
        MetaCreateCase(
            name: "bad generateName", metadata: ["generateName": "Web-", "name": "web", "namespace": "default"],
            errors: ["metadata.generateName: Invalid value: \"Web-\": " + UpstreamText.dns1035Label]),
        MetaCreateCase(
            name: "namespace missing", metadata: ["name": "web"], errors: ["metadata.namespace: Required value"]),
        MetaCreateCase(
            name: "namespace invalid", metadata: ["name": "web", "namespace": "Default"],
            errors: ["metadata.namespace: Invalid value: \"Default\": " + UpstreamText.dns1123Label]),
        MetaCreateCase(
            name: "cluster-scoped with namespace", metadata: ["name": "foo", "namespace": "default"],
            namespaced: false, rule: .dns1123Label,
            errors: ["metadata.namespace: Forbidden: not allowed on this type"]),
        MetaCreateCase(
            name: "negative generation", metadata: ["name": "web", "namespace": "d", "generation": -1],
            errors: ["metadata.generation: Invalid value: -1: must be greater than or equal to 0"]),
        MetaCreateCase(
            name: "bad label key", metadata: ["name": "web", "namespace": "d", "labels": ["bad key!": "x"]],
            errors: ["metadata.labels: Invalid value: \"bad key!\": " + UpstreamText.namePart]),
        MetaCreateCase(
            name: "bad label value", metadata: ["name": "web", "namespace": "d", "labels": ["app": "-web"]],
            errors: ["metadata.labels: Invalid value: \"-web\": " + UpstreamText.labelValue]),
        MetaCreateCase(
            name: "labels not an object", metadata: ["name": "web", "namespace": "d", "labels": "app=web"],
            errors: ["metadata.labels: Invalid value: \"app=web\": must be of type object"]),
        MetaCreateCase(
            name: "label value not a string", metadata: ["name": "web", "namespace": "d", "labels": ["app": 5]],
            errors: ["metadata.labels[app]: Invalid value: 5: must be of type string"]),
        MetaCreateCase(
            name: "name not a string", metadata: ["name": 5, "namespace": "d"],
            errors: [
                "metadata.name: Invalid value: 5: must be of type string",
                "metadata.name: Required value: name or generateName is required",
            ]),
        MetaCreateCase(
            name: "metadata not an object", metadata: "web",
            errors: ["metadata: Invalid value: \"web\": must be of type object"]),
        MetaCreateCase(
            name: "annotation keys are case-insensitive",
            metadata: ["name": "web", "namespace": "d", "annotations": ["Example.COM/Note": "hello"]], errors: []),
        MetaCreateCase(
            name: "bad annotation key", metadata: ["name": "web", "namespace": "d", "annotations": ["a b": ""]],
            errors: ["metadata.annotations: Invalid value: \"a b\": " + UpstreamText.namePart]),
        MetaCreateCase(
            name: "annotations over 256 KiB",
            metadata: ["name": "web", "namespace": "d", "annotations": ["a": .string(bigValue)]],
            errors: ["metadata.annotations: Too long: may not be more than 262144 bytes"]),
        MetaCreateCase(
            name: "annotations exactly 256 KiB",
            metadata: ["name": "web", "namespace": "d", "annotations": ["a": .string(String(bigValue.dropFirst()))]],
            errors: []),
        MetaCreateCase(
            name: "core finalizer must be qualified",
            metadata: [
                "name": "web", "namespace": "d",
                "finalizers": ["kubernetes", "foo"],
            ],
            errors: [
                "metadata.finalizers[1]: Invalid value: \"foo\": "
                    + "name is neither a standard finalizer name nor is it fully qualified"
            ]),
        MetaCreateCase(
            name: "non-core finalizer may be unqualified",
            metadata: ["name": "web", "namespace": "d", "finalizers": ["foo"]], core: false, errors: []),
        MetaCreateCase(
            name: "orphan and foreground together",
            metadata: ["name": "web", "namespace": "d", "finalizers": ["orphan", "foregroundDeletion"]],
            errors: [
                "metadata.finalizers: Invalid value: []string{\"orphan\", \"foregroundDeletion\"}: "
                    + "finalizer orphan and foregroundDeletion cannot be both set"
            ]),
        MetaCreateCase(
            name: "finalizer not a qualified name",
            metadata: ["name": "web", "namespace": "d", "finalizers": ["a/b/c"]],
            errors: ["metadata.finalizers: Invalid value: \"a/b/c\": " + UpstreamText.qualifiedNameTooManySlashes]),
        MetaCreateCase(
            name: "owner reference fields required",
            metadata: [
                "name": "web", "namespace": "d",
                "ownerReferences": [["apiVersion": "apps/", "kind": "", "name": "", "uid": ""]],
            ],
            errors: [
                "metadata.ownerReferences.apiVersion: Invalid value: \"apps/\": version must not be empty",
                "metadata.ownerReferences.kind: Invalid value: \"\": kind must not be empty",
                "metadata.ownerReferences.name: Invalid value: \"\": name must not be empty",
                "metadata.ownerReferences.uid: Invalid value: \"\": uid must not be empty",
            ]),
        MetaCreateCase(
            name: "two controllers",
            metadata: [
                "name": "web", "namespace": "d",
                "ownerReferences": [
                    ["apiVersion": "v1", "kind": "Service", "name": "a", "uid": "u1", "controller": true],
                    ["apiVersion": "v1", "kind": "Service", "name": "b", "uid": "u2", "controller": true],
                ],
            ],
            errors: [
                "metadata.ownerReferences: Invalid value: []v1.OwnerReference{"
                    + "v1.OwnerReference{APIVersion:\"v1\", Kind:\"Service\", Name:\"a\", UID:\"u1\", "
                    + "Controller:(*bool)(0xc000000000), BlockOwnerDeletion:(*bool)(nil)}, "
                    + "v1.OwnerReference{APIVersion:\"v1\", Kind:\"Service\", Name:\"b\", UID:\"u2\", "
                    + "Controller:(*bool)(0xc000000000), BlockOwnerDeletion:(*bool)(nil)}}: "
                    + "Only one reference can have Controller set to true. "
                    + "Found \"true\" in references for Service/a and Service/b"
            ]),
        MetaCreateCase(
            name: "owner reference not an object",
            metadata: ["name": "web", "namespace": "d", "ownerReferences": [1]],
            errors: ["metadata.ownerReferences[0]: Invalid value: 1: must be of type object"]),
        MetaCreateCase(
            name: "managed fields entry",
            metadata: [
                "name": "web", "namespace": "d",
                "managedFields": [
                    ["manager": "kubectl", "operation": "Patch", "fieldsType": "FieldsV2"]
                ],
            ],
            errors: [
                "metadata.managedFields[0].operation: Invalid value: \"Patch\": must be `Apply` or `Update`",
                "metadata.managedFields[0].fieldsType: Invalid value: \"FieldsV2\": must be `FieldsV1`",
            ]),
    ])
func metadataCreate(_ testCase: MetaCreateCase) {
    let errors = ObjectMetaValidation.validateCreate(
        metadata: testCase.metadata, namespaced: testCase.namespaced, nameRule: testCase.rule,
        isCoreGroup: testCase.core)
    #expect(errors.map(\.description) == testCase.errors)
}

/// An update from `old` metadata to `new`, and the resulting field errors.
struct MetaUpdateCase: Sendable, CustomTestStringConvertible {
    var name: String
    var new: JSONObject
    var old: JSONObject = MetaUpdateCase.stored
    var errors: [String]
    var testDescription: String { name }

    static let stored: JSONObject = [
        "name": "web", "namespace": "default", "uid": "u1", "resourceVersion": "7", "generation": 2,
        "creationTimestamp": "2024-12-11T17:59:15Z",
    ]

    static func changing(_ key: String, to value: JSON?) -> JSONObject {
        var meta = stored
        meta[key] = value
        return meta
    }
}

private let deleting: JSONObject = {
    var meta = MetaUpdateCase.stored
    meta["deletionTimestamp"] = "2024-12-12T00:00:00Z"
    meta["deletionGracePeriodSeconds"] = 30
    meta["finalizers"] = ["example.com/a"]
    return meta
}()

@Test(
    "update metadata validation matches ValidateObjectMetaUpdate",
    arguments: [
        MetaUpdateCase(name: "unchanged", new: MetaUpdateCase.stored, errors: []),
        MetaUpdateCase(
            name: "labels may change", new: MetaUpdateCase.changing("labels", to: ["app": "web"]), errors: []),
        MetaUpdateCase(
            name: "uid changed", new: MetaUpdateCase.changing("uid", to: "u2"),
            errors: ["metadata.uid: Invalid value: \"u2\": field is immutable"]),
        MetaUpdateCase(
            name: "name changed", new: MetaUpdateCase.changing("name", to: "db"),
            errors: ["metadata.name: Invalid value: \"db\": field is immutable"]),
        MetaUpdateCase(
            name: "namespace changed", new: MetaUpdateCase.changing("namespace", to: "prod"),
            errors: ["metadata.namespace: Invalid value: \"prod\": field is immutable"]),
        MetaUpdateCase(
            name: "generation decremented", new: MetaUpdateCase.changing("generation", to: 1),
            errors: ["metadata.generation: Invalid value: 1: must not be decremented"]),
        MetaUpdateCase(
            name: "resourceVersion missing", new: MetaUpdateCase.changing("resourceVersion", to: nil),
            errors: ["metadata.resourceVersion: Invalid value: \"\": must be specified for an update"]),
        MetaUpdateCase(
            name: "creationTimestamp changed",
            new: MetaUpdateCase.changing("creationTimestamp", to: "2024-12-11T18:00:00.5Z"),
            errors: ["metadata.creationTimestamp: Invalid value: 2024-12-11 18:00:00.5 +0000 UTC: field is immutable"]),
        MetaUpdateCase(
            name: "creationTimestamp same instant in another zone",
            new: MetaUpdateCase.changing("creationTimestamp", to: "2024-12-11T18:59:15+01:00"), errors: []),
        MetaUpdateCase(
            name: "creationTimestamp removed",
            new: MetaUpdateCase.changing("creationTimestamp", to: nil),
            errors: ["metadata.creationTimestamp: Invalid value: 0001-01-01 00:00:00 +0000 UTC: field is immutable"]),
        MetaUpdateCase(
            name: "deletionTimestamp set by update",
            new: MetaUpdateCase.changing("deletionTimestamp", to: "2024-12-12T00:00:00Z"),
            errors: ["metadata.deletionTimestamp: Invalid value: 2024-12-12 00:00:00 +0000 UTC: field is immutable"]),
        MetaUpdateCase(
            name: "deletionTimestamp removed",
            new: {
                var meta = deleting
                meta["deletionTimestamp"] = nil
                return meta
            }(), old: deleting, errors: ["metadata.deletionTimestamp: Invalid value: null: field is immutable"]),
        MetaUpdateCase(
            name: "grace period changed",
            new: {
                var meta = deleting
                meta["deletionGracePeriodSeconds"] = 0
                return meta
            }(), old: deleting, errors: ["metadata.deletionGracePeriodSeconds: Invalid value: 0: field is immutable"]),
        MetaUpdateCase(
            name: "finalizer removed while deleting",
            new: {
                var meta = deleting
                meta["finalizers"] = nil
                return meta
            }(), old: deleting, errors: []),
        MetaUpdateCase(
            name: "finalizer added while deleting",
            new: {
                var meta = deleting
                meta["finalizers"] = ["example.com/a", "example.com/z", "example.com/b"]
                return meta
            }(), old: deleting,
            errors: [
                "metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, "
                    + "found new finalizers []string{\"example.com/b\", \"example.com/z\"}"
            ]),
        MetaUpdateCase(
            name: "bad labels on update", new: MetaUpdateCase.changing("labels", to: ["a": "-"]),
            errors: ["metadata.labels: Invalid value: \"-\": " + UpstreamText.labelValue]),
    ])
func metadataUpdate(_ testCase: MetaUpdateCase) {
    let errors = ObjectMetaValidation.validateUpdate(new: .object(testCase.new), old: .object(testCase.old))
    #expect(errors.map(\.description) == testCase.errors)
}

@Test("a core finalizer name is checked on update too, at its index")
func metadataUpdateCoreFinalizer() {
    let new = MetaUpdateCase.changing("finalizers", to: ["foo"])
    let errors = ObjectMetaValidation.validateUpdate(
        new: .object(new), old: .object(MetaUpdateCase.stored),
        isCoreGroup: true)
    #expect(
        errors.map(\.description) == [
            "metadata.finalizers[0]: Invalid value: \"foo\": "
                + "name is neither a standard finalizer name nor is it fully qualified"
        ])
}

@Test("metadata errors render into kube-apiserver's 422 message")
func metadataErrorsAsStatus() {
    let errors = ObjectMetaValidation.validateCreate(
        metadata: ["name": "1web", "namespace": "default"], namespaced: true, nameRule: .dns1035Label,
        isCoreGroup: true)
    let status = StatusError.invalid(kind: "Service", group: "", name: "1web", errors: errors)
    #expect(status.code == 422)
    #expect(
        status.message == "Service \"1web\" is invalid: metadata.name: Invalid value: \"1web\": "
            + UpstreamText.dns1035Label)
    #expect(status.details?.causes.first?.field == "metadata.name")
}

@Test("field manager names must be printable and short")
func fieldManagerValidation() {
    #expect(ObjectMetaValidation.validateFieldManager("kubectl-client-side-apply", path: "fieldManager").isEmpty)
    #expect(
        ObjectMetaValidation.validateFieldManager("a\u{7}b", path: "fieldManager").map(\.description) == [
            "fieldManager: Invalid value: \"a\\x07b\": invalid character U+0007 (at position 1)"
        ])
    #expect(
        ObjectMetaValidation.validateFieldManager(String(repeating: "m", count: 129), path: "fieldManager")
            .map(\.description) == ["fieldManager: Too long: may not be more than 128 bytes"])
}
