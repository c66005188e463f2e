"""The OpenAPI v3 documents ServicePlane serves, built from the definitions `gen-openapi.py` selected.

Imported by `scripts/gen-openapi.py` (run that one). The document shape follows kube-apiserver v1.32's
`/openapi/v3/<group-version>` (kube-openapi `builder3`): path-level `name`/`namespace`/`pretty` parameters, one
operation per verb with `operationId`, `tags`, `x-kubernetes-action` and `x-kubernetes-group-version-kind`, inline
query parameters, and `components.schemas` for every definition the group-version's operations reach. kubectl reads
the PATCH operation of a kind (its `fieldValidation` parameter decides server-side validation, its
`application/strategic-merge-patch+json` body makes client-side apply use `components.schemas`), and `kubectl explain`
reads the schema carrying the kind's `x-kubernetes-group-version-kind` (reference §3).
"""

from __future__ import annotations

import copy
import hashlib
import json
import pathlib

REF_PREFIX = "#/$defs/"
V3_REF_PREFIX = "#/components/schemas/"
META = "io.k8s.apimachinery.pkg.apis.meta.v1."
V3_DIR = pathlib.Path(__file__).resolve().parent.parent / "openapi" / "v3"

# What the server serves, as the Registry's ResourceInfo values say (Sources/Registry/Strategies/*Strategy.swift).
# (definition, plural, namespaced, verbs, subresources {name: (kind definition, verbs)})
RESOURCES = [
    ("io.k8s.api.core.v1.Namespace", "namespaces", False,
     ["create", "delete", "get", "list", "patch", "update", "watch"],
     {"finalize": ["update"], "status": ["get", "patch", "update"]}),
    ("io.k8s.api.core.v1.Pod", "pods", True,
     ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
     {"status": ["get", "patch", "update"]}),
    ("io.k8s.api.core.v1.Service", "services", True,
     ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
     {"status": ["get", "patch", "update"]}),
    ("io.k8s.api.discovery.v1.EndpointSlice", "endpointslices", True,
     ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
     {}),
]

# Media types, as kube-apiserver lists them for built-in kinds (JSON first; we answer JSON).
RESPONSE_TYPES = ["application/json", "application/vnd.kubernetes.protobuf", "application/yaml"]
WATCH_TYPES = ["application/json", "application/json;stream=watch", "application/vnd.kubernetes.protobuf",
               "application/vnd.kubernetes.protobuf;stream=watch", "application/yaml"]
PATCH_TYPES = ["application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json",
               "application/strategic-merge-patch+json"]

# Query parameter descriptions (abridged from kube-apiserver's).
PARAMETERS = {
    "allowWatchBookmarks": ("boolean", "allowWatchBookmarks requests watch events with type \"BOOKMARK\"."),
    "continue": ("string", "The continue option should be set when retrieving more results from the server."),
    "dryRun": ("string", "When present, indicates that modifications should not be persisted. Valid values are: "
               "- All: all dry run stages will be processed"),
    "fieldManager": ("string", "fieldManager is a name associated with the actor or entity that is making these "
                     "changes. The value must be less than or 128 characters long, and only contain printable "
                     "characters, as defined by https://golang.org/pkg/unicode/#IsPrint."),
    "fieldSelector": ("string", "A selector to restrict the list of returned objects by their fields. Defaults to "
                      "everything."),
    "fieldValidation": ("string", "fieldValidation instructs the server on how to handle objects in the request "
                        "(POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This "
                        "will ignore any unknown fields that are silently dropped from the object, and will ignore "
                        "all but the last duplicate field that the decoder encounters. - Warn: This will send a "
                        "warning via the standard warning response header for each unknown field that is dropped "
                        "from the object, and for each duplicate field that is encountered. The request will still "
                        "succeed if there are no other errors, and will only persist the last of any duplicate "
                        "fields. This is the default in v1.23+ - Strict: This will fail the request with a "
                        "BadRequest error if any unknown fields would be dropped from the object, or if any "
                        "duplicate fields are present. The error returned from the server will contain all unknown "
                        "and duplicate fields encountered."),
    "force": ("boolean", "Force is going to \"force\" Apply requests. It means user will re-acquire conflicting "
              "fields owned by other people. Force flag must be unset for non-apply patch requests."),
    "gracePeriodSeconds": ("integer", "The duration in seconds before the object should be deleted."),
    "labelSelector": ("string", "A selector to restrict the list of returned objects by their labels. Defaults to "
                      "everything."),
    "limit": ("integer", "limit is a maximum number of responses to return for a list call."),
    "orphanDependents": ("boolean", "Deprecated: please use the PropagationPolicy, this field will be deprecated in "
                         "1.7. Should the dependent objects be orphaned."),
    "pretty": ("string", "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent "
               "indicates a browser or command-line HTTP tool (curl and wget)."),
    "propagationPolicy": ("string", "Whether and how garbage collection will be performed. Acceptable values are: "
                          "'Orphan', 'Background', 'Foreground'."),
    "resourceVersion": ("string", "resourceVersion sets a constraint on what resource versions a request may be "
                        "served from."),
    "resourceVersionMatch": ("string", "resourceVersionMatch determines how resourceVersion is applied to list "
                             "calls."),
    "sendInitialEvents": ("boolean", "`sendInitialEvents=true` may be set together with `watch=true`."),
    "timeoutSeconds": ("integer", "Timeout for the list/watch call."),
    "watch": ("boolean", "Watch for changes to the described resources and return them as a stream of add, update, "
              "and remove notifications. Specify resourceVersion."),
}
LIST_PARAMETERS = ["allowWatchBookmarks", "continue", "fieldSelector", "labelSelector", "limit", "resourceVersion",
                   "resourceVersionMatch", "sendInitialEvents", "timeoutSeconds", "watch"]
DELETE_PARAMETERS = ["dryRun", "gracePeriodSeconds", "orphanDependents", "propagationPolicy"]


def ref(name: str) -> dict:
    return {"$ref": V3_REF_PREFIX + name}


def query(name: str) -> dict:
    kind, description = PARAMETERS[name]
    schema = {"type": kind}
    if kind == "string":
        schema["uniqueItems"] = True
    return {"description": description, "in": "query", "name": name, "schema": schema}


def path_parameter(name: str, description: str) -> dict:
    return {"description": description, "in": "path", "name": name, "required": True,
            "schema": {"type": "string", "uniqueItems": True}}


def content(types: list[str], schema: dict) -> dict:
    return {media: {"schema": schema} for media in types}


def convert_schema(node, *, kind_properties: bool = False):
    """kubernetes-validate's JSON Schema flavour back to kube-openapi's OpenAPI 3.0 one."""
    if isinstance(node, list):
        return [convert_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "type" and isinstance(value, list):
            types = [t for t in value if t != "null"]
            out[key] = types[0]
        elif key == "$ref":
            out[key] = V3_REF_PREFIX + value[len(REF_PREFIX):]
        elif key == "properties":
            out[key] = {field: convert_property(field, prop, kind_properties) for field, prop in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            out[key] = convert_schema(value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def convert_property(field: str, prop: dict, kind_properties: bool) -> dict:
    prop = dict(prop)
    if kind_properties and field in ("apiVersion", "kind"):
        prop.pop("enum", None)  # kubernetes-validate pins these; kube-apiserver's documents do not
    if "$ref" in prop and len(prop) > 1:
        # OpenAPI 3.0 ignores siblings of `$ref`; kube-openapi wraps the reference in `allOf` to keep them.
        target = prop.pop("$ref")
        converted = convert_schema(prop)
        converted["allOf"] = [ref(target[len(REF_PREFIX):])]
        return converted
    return convert_schema(prop)


def convert_definition(name: str, definition: dict) -> dict:
    # kube-openapi's v3 form of the two one-of types (`OpenAPIV3OneOfTypes`): no `type`, which is also what makes
    # `kubectl explain` print `<IntOrString>` and `<map[string]Quantity>` rather than `<string>`.
    if name == "io.k8s.apimachinery.pkg.util.intstr.IntOrString":
        return {"description": definition.get("description", ""), "format": "int-or-string",
                "oneOf": [{"type": "integer"}, {"type": "string"}]}
    if name == "io.k8s.apimachinery.pkg.api.resource.Quantity":
        return {"description": definition.get("description", ""), "oneOf": [{"type": "string"}, {"type": "number"}]}
    return convert_schema(definition, kind_properties=True)


def refs_in(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value.rsplit("/", 1)[1]
            else:
                yield from refs_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs_in(value)


def gvk(definition: dict) -> dict:
    (entry,) = definition["x-kubernetes-group-version-kind"]
    return {"group": entry["group"], "kind": entry["kind"], "version": entry["version"]}


def operation_prefix(group: str, version: str) -> tuple[str, str]:
    """operationId infix and tag: `CoreV1`/`core_v1`, `DiscoveryV1`/`discovery_v1`."""
    short = "core" if group == "" else group.split(".")[0]
    return short[0].upper() + short[1:] + version[0].upper() + version[1:], f"{short}_{version}"


def operation(action: str, verb_id: str, description: str, tag: str, kind: dict, **fields) -> dict:
    op = {"description": description, "operationId": verb_id, "tags": [tag], "x-kubernetes-action": action,
          "x-kubernetes-group-version-kind": kind}
    op.update(fields)
    return op


def ok(schema: dict, *codes: str, types=RESPONSE_TYPES) -> dict:
    responses = {code: {"content": content(types, schema), "description": description}
                 for code, description in (("200", "OK"), ("201", "Created"), ("202", "Accepted")) if code in codes}
    responses["401"] = {"description": "Unauthorized"}
    return responses


def resource_paths(definitions: dict, definition: str, plural: str, namespaced: bool, verbs: list[str],
                   subresources: dict) -> dict:
    kind = gvk(definitions[definition])
    group, version, kind_name = kind["group"], kind["version"], kind["kind"]
    infix, tag = operation_prefix(group, version)
    scoped = "Namespaced" if namespaced else ""
    base = "/api/v1" if group == "" else f"/apis/{group}/{version}"
    collection = f"{base}/namespaces/{{namespace}}/{plural}" if namespaced else f"{base}/{plural}"
    item = collection + "/{name}"
    namespace_param = [path_parameter("namespace", "object name and auth scope, such as for teams and projects")]
    name_param = [path_parameter("name", f"name of the {kind_name}")]
    scope_params = namespace_param if namespaced else []
    object_schema = ref(definition)
    list_schema = ref(definition + "List")
    status_schema = ref(META + "Status")
    write = [query("dryRun"), query("fieldManager"), query("fieldValidation")]
    paths = {}

    ops = {}
    if "list" in verbs:
        ops["get"] = operation("list", f"list{infix}{scoped}{kind_name}", f"list or watch objects of kind {kind_name}",
                               tag, kind, parameters=[query(p) for p in LIST_PARAMETERS],
                               responses=ok(list_schema, "200", types=WATCH_TYPES))
    if "create" in verbs:
        ops["post"] = operation("post", f"create{infix}{scoped}{kind_name}", f"create a {kind_name}", tag, kind,
                                parameters=write, requestBody={"content": content(["*/*"], object_schema),
                                                               "required": True},
                                responses=ok(object_schema, "200", "201", "202"))
    if "deletecollection" in verbs:
        ops["delete"] = operation(
            "deletecollection", f"deleteCollection{infix}{scoped}{kind_name}", f"delete collection of {kind_name}",
            tag, kind, parameters=[query(p) for p in ["continue", "dryRun", "fieldSelector", "gracePeriodSeconds",
                                                      "labelSelector", "limit", "orphanDependents",
                                                      "propagationPolicy", "resourceVersion",
                                                      "resourceVersionMatch", "sendInitialEvents",
                                                      "timeoutSeconds"]],
            requestBody={"content": content(["*/*"], ref(META + "DeleteOptions"))},
            responses=ok(status_schema, "200"))
    paths[collection] = {"parameters": scope_params + [query("pretty")], **ops}

    ops = {}
    if "get" in verbs:
        ops["get"] = operation("get", f"read{infix}{scoped}{kind_name}", f"read the specified {kind_name}", tag, kind,
                               responses=ok(object_schema, "200"))
    if "update" in verbs:
        ops["put"] = operation("put", f"replace{infix}{scoped}{kind_name}", f"replace the specified {kind_name}", tag,
                               kind, parameters=write,
                               requestBody={"content": content(["*/*"], object_schema), "required": True},
                               responses=ok(object_schema, "200", "201"))
    if "patch" in verbs:
        ops["patch"] = operation("patch", f"patch{infix}{scoped}{kind_name}", f"partially update the specified "
                                 f"{kind_name}", tag, kind, parameters=write + [query("force")],
                                 requestBody={"content": content(PATCH_TYPES, ref(META + "Patch")), "required": True},
                                 responses=ok(object_schema, "200", "201"))
    if "delete" in verbs:
        ops["delete"] = operation("delete", f"delete{infix}{scoped}{kind_name}", f"delete a {kind_name}", tag, kind,
                                  parameters=[query(p) for p in DELETE_PARAMETERS],
                                  requestBody={"content": content(["*/*"], ref(META + "DeleteOptions"))},
                                  responses=ok(object_schema if plural != "endpointslices" else status_schema,
                                               "200", "202"))
    paths[item] = {"parameters": name_param + scope_params + [query("pretty")], **ops}

    for subresource, sub_verbs in sorted(subresources.items()):
        title = subresource[0].upper() + subresource[1:]
        ops = {}
        if "get" in sub_verbs:
            ops["get"] = operation("get", f"read{infix}{scoped}{kind_name}{title}",
                                   f"read {subresource} of the specified {kind_name}", tag, kind,
                                   responses=ok(object_schema, "200"))
        if "update" in sub_verbs:
            ops["put"] = operation("put", f"replace{infix}{scoped}{kind_name}{title}",
                                   f"replace {subresource} of the specified {kind_name}", tag, kind,
                                   parameters=write,
                                   requestBody={"content": content(["*/*"], object_schema), "required": True},
                                   responses=ok(object_schema, "200", "201"))
        if "patch" in sub_verbs:
            ops["patch"] = operation("patch", f"patch{infix}{scoped}{kind_name}{title}",
                                     f"partially update {subresource} of the specified {kind_name}", tag, kind,
                                     parameters=write + [query("force")],
                                     requestBody={"content": content(PATCH_TYPES, ref(META + "Patch")),
                                                  "required": True},
                                     responses=ok(object_schema, "200", "201"))
        paths[f"{item}/{subresource}"] = {"parameters": name_param + scope_params + [query("pretty")], **ops}

    if namespaced and "list" in verbs:
        # The all-namespaces list (`/api/v1/services`).
        paths[f"{base}/{plural}"] = {
            "parameters": [query("pretty")],
            "get": operation("list", f"list{infix}{kind_name}ForAllNamespaces",
                             f"list or watch objects of kind {kind_name}", tag, kind,
                             parameters=[query(p) for p in LIST_PARAMETERS],
                             responses=ok(list_schema, "200", types=WATCH_TYPES)),
        }
    return paths


def reachable(definitions: dict, roots: list[str]) -> list[str]:
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        stack.extend(refs_in(definitions[name]))
    return sorted(seen)


def document(definitions: dict, group: str, version: str) -> dict:
    paths = {}
    roots = [META + "DeleteOptions", META + "Patch", META + "Status"]
    for definition, plural, namespaced, verbs, subresources in RESOURCES:
        kind = gvk(definitions[definition])
        if (kind["group"], kind["version"]) != (group, version):
            continue
        paths.update(resource_paths(definitions, definition, plural, namespaced, verbs, subresources))
        roots += [definition, definition + "List"]
    schemas = {name: convert_definition(name, definitions[name]) for name in reachable(definitions, roots)}
    return {"components": {"schemas": schemas},
            "info": {"title": "Kubernetes", "version": "v1.32.0"},
            "openapi": "3.0.0",
            "paths": paths}


def serialize(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def render(definitions: dict) -> dict[pathlib.Path, str]:
    """The v3 files: one document per served group-version, and the index pointing at them by hash."""
    outputs = {}
    index = {}
    for key, group, version in (("api/v1", "", "v1"), ("apis/discovery.k8s.io/v1", "discovery.k8s.io", "v1")):
        text = serialize(document(definitions, group, version))
        digest = hashlib.sha512(text.encode("utf-8")).hexdigest().upper()
        outputs[V3_DIR / (key.replace("/", "__") + "_openapi.json")] = text
        index[key] = {"serverRelativeURL": f"/openapi/v3/{key}?hash={digest}"}
    outputs[V3_DIR / "index.json"] = serialize({"paths": index})
    return outputs
