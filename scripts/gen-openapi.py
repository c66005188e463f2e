#!/usr/bin/env python3
"""Generate ServicePlane's schema data from the upstream Kubernetes v1.32.0 OpenAPI definitions.

Source: PyPI `kubernetes-validate` 1.37.0, file
`kubernetes_validate/kubernetes-json-schema/v1.32.0-local/_definitions.json` (DESIGN.md decision 6).

Enums: kubernetes-validate's definitions lack what kube-openapi's enum generator adds to a field whose Go type is a
`// +enum` string type (core/v1 `Protocol`, `ServiceType`, `PodPhase`, discovery/v1 `AddressType`, ...): `enum` (the
sorted const values) and a "Possible enum values:" paragraph at the end of the description. `openapi/enums.json`
records them (which definition property has which enum type; each type's values with their description lines), read
from the Go sources of kubernetes/api at v0.32.9 by `--go-api` (scripts/go_enums.py); without `--go-api` the committed
file is used, so the upstream sources are only needed to refresh it.

Outputs (all deterministic; running the script twice changes nothing):

* `openapi/enums.json` -- (only with `--go-api`) the enum data above.
* `openapi/definitions.json` -- every definition reachable (following `$ref` transitively) from the served
  kinds, their List kinds, DeleteOptions and Status, copied verbatim (descriptions, types, `x-kubernetes-*`
  extensions, `$ref`s of the form `#/$defs/<name>`, which resolve inside this file) except that enum-typed
  properties get `enum` and the "Possible enum values" paragraph from `openapi/enums.json` (applying them again to
  this file changes nothing). Sorted keys, 1-space indent.
  The served `/openapi/v2` and `/openapi/v3` documents are to be built from this file.
* `openapi/patch-strategies.json` -- for each served kind, every field path carrying
  `x-kubernetes-patch-strategy` and/or `x-kubernetes-patch-merge-key` (`spec.containers[].ports`), for people.
* `Sources/KubeAPI/PatchSchemaTable.swift` -- the same patch metadata as a Swift table (per definition, the
  fields that have patch metadata or lead to a definition that does), which strategic merge patch walks. The
  binary embeds it and never reads files at run time. `Tests/KubeAPITests/PatchSchemaTests.swift` recomputes the
  table from `openapi/definitions.json` so the two cannot drift.
* `Sources/KubeAPI/ObjectSchemaTable.swift` -- every field of every definition with the shape of its value
  (scalar, definition, list or map of either), which unknown-field pruning and `fieldValidation` walk
  (`Tests/KubeAPITests/SchemaTests.swift` recomputes it from `openapi/definitions.json`).
* `openapi/v3/api__v1_openapi.json`, `openapi/v3/apis__discovery.k8s.io__v1_openapi.json` -- the OpenAPI v3
  documents `/openapi/v3/<group-version>` serves (file names as in k/k `api/openapi-spec/v3/`): the group-version's
  operations (get/put/patch/delete of an item, list/create of a collection, the subresources), each with
  `x-kubernetes-action` and `x-kubernetes-group-version-kind`, PATCH declaring `fieldValidation` and the four patch
  media types, and `components.schemas` holding the definitions reachable from them, converted from JSON Schema to
  OpenAPI 3.0 (`type: [t, "null"]` -> `type: t`, `$ref` with siblings -> `allOf`, `#/components/schemas/` refs).
  Compact JSON with sorted keys, so the bytes, and their SHA-512, only change when the data does.
* `openapi/v3/index.json` -- the `/openapi/v3` discovery document, `?hash=` being the upper-case hex SHA-512 of each
  document's bytes, as kube-openapi's handler3 computes it. `scripts/embed-openapi.sh` embeds these three files
  into `Sources/APIServer/EmbeddedOpenAPI.swift`.

Usage (then run scripts/embed-openapi.sh to embed openapi/v3/ into the binary):
    python3 -m venv /tmp/kv && /tmp/kv/bin/pip install kubernetes-validate==1.37.0
    /tmp/kv/bin/python scripts/gen-openapi.py            # regenerate
    /tmp/kv/bin/python scripts/gen-openapi.py --check    # exit 1 if the committed files are stale
    python3 scripts/gen-openapi.py --source path/to/_definitions.json
    python3 scripts/gen-openapi.py --source openapi/definitions.json --go-api /path/to/kubernetes-api.git  # refresh
        # openapi/enums.json from kubernetes/api's Go sources (a git directory holding the tag v0.32.9) too
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import go_enums  # noqa: E402  (scripts/go_enums.py: `+enum` types from kubernetes/api's Go sources)
import openapi_v3  # noqa: E402  (scripts/openapi_v3.py: the v3 documents)

KUBERNETES_VALIDATE_VERSION = "1.37.0"
SCHEMA_DIR = "v1.32.0-local"
REF_PREFIX = "#/$defs/"
STRATEGY = "x-kubernetes-patch-strategy"
MERGE_KEY = "x-kubernetes-patch-merge-key"

# The served kinds, in the order tables list them; each one's List kind is served too.
KINDS = [
    "io.k8s.api.core.v1.Namespace",
    "io.k8s.api.core.v1.Service",
    "io.k8s.api.core.v1.Pod",
    "io.k8s.api.discovery.v1.EndpointSlice",
]
EXTRA_ROOTS = [
    "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions",
    "io.k8s.apimachinery.pkg.apis.meta.v1.Patch",
    "io.k8s.apimachinery.pkg.apis.meta.v1.Status",
]

REPO = pathlib.Path(__file__).resolve().parent.parent
DEFINITIONS_OUT = REPO / "openapi" / "definitions.json"
ENUMS_OUT = REPO / "openapi" / "enums.json"
STRATEGIES_OUT = REPO / "openapi" / "patch-strategies.json"
SWIFT_OUT = REPO / "Sources" / "KubeAPI" / "PatchSchemaTable.swift"
OBJECT_SCHEMA_OUT = REPO / "Sources" / "KubeAPI" / "ObjectSchemaTable.swift"
SCALAR_TYPES_OUT = REPO / "Sources" / "KubeAPI" / "ScalarTypeTable.swift"
V3_DIR = REPO / "openapi" / "v3"


def find_source(explicit: str | None) -> pathlib.Path:
    """The `_definitions.json` to read: --source, or the one inside the installed kubernetes-validate."""
    if explicit:
        return pathlib.Path(explicit)
    try:
        from importlib import metadata, resources
    except ImportError:  # pragma: no cover - Python < 3.9
        sys.exit("gen-openapi: Python 3.9+ required")
    try:
        version = metadata.version("kubernetes-validate")
    except metadata.PackageNotFoundError:
        sys.exit(f"gen-openapi: install kubernetes-validate=={KUBERNETES_VALIDATE_VERSION} or pass --source")
    if version != KUBERNETES_VALIDATE_VERSION:
        sys.exit(f"gen-openapi: kubernetes-validate {version} found, {KUBERNETES_VALIDATE_VERSION} required")
    base = resources.files("kubernetes_validate") / "kubernetes-json-schema" / SCHEMA_DIR / "_definitions.json"
    return pathlib.Path(str(base))


def refs_in(node):
    """Every `$ref` target name inside a JSON value."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                if not value.startswith(REF_PREFIX):
                    sys.exit(f"gen-openapi: unexpected $ref {value!r}")
                yield value[len(REF_PREFIX):]
            else:
                yield from refs_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs_in(value)


def reachable(definitions: dict, roots: list[str]) -> list[str]:
    """Names of all definitions reachable from `roots`, sorted."""
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        if name not in definitions:
            sys.exit(f"gen-openapi: definition {name!r} not found")
        seen.add(name)
        stack.extend(refs_in(definitions[name]))
    return sorted(seen)


def value_definition(prop: dict) -> str | None:
    """The definition a property's value refers to: `$ref` directly, or its list elements' `$ref`."""
    if "$ref" in prop:
        return prop["$ref"][len(REF_PREFIX):]
    items = prop.get("items")
    if isinstance(items, dict) and "$ref" in items:
        return items["$ref"][len(REF_PREFIX):]
    additional = prop.get("additionalProperties")
    if isinstance(additional, dict) and "$ref" in additional:
        # A map of objects: strategic merge patch would need to know the values' schema by key. None of the served
        # kinds has patch metadata below such a map; fail loudly if that ever changes.
        return "additionalProperties:" + additional["$ref"][len(REF_PREFIX):]
    return None


def patch_meta(prop: dict) -> tuple[str, str]:
    return prop.get(STRATEGY, ""), prop.get(MERGE_KEY, "")


def relevant_definitions(definitions: dict) -> set[str]:
    """Definitions that have patch metadata on a field, or a field leading to such a definition (a fixpoint)."""
    relevant = {name for name, d in definitions.items()
                if any(any(patch_meta(p)) for p in d.get("properties", {}).values())}
    changed = True
    while changed:
        changed = False
        for name, d in definitions.items():
            if name in relevant:
                continue
            for prop in d.get("properties", {}).values():
                target = value_definition(prop)
                if target in relevant:
                    relevant.add(name)
                    changed = True
                    break
    return relevant


def table_rows(definitions: dict) -> list[tuple[str, str, str, str, str]]:
    """(definition, field, strategy, mergeKey, value definition) for every field strategic merge patch must know."""
    relevant = relevant_definitions(definitions)
    rows = []
    for name in sorted(relevant):
        for field, prop in sorted(definitions[name].get("properties", {}).items()):
            strategy, merge_key = patch_meta(prop)
            target = value_definition(prop)
            if target and target.startswith("additionalProperties:"):
                if target.split(":", 1)[1] in relevant:
                    sys.exit(f"gen-openapi: {name}.{field} is a map of objects with patch metadata: unsupported")
                target = None
            target = target if target in relevant else ""
            if strategy or merge_key or target:
                rows.append((name, field, strategy, merge_key, target))
    return rows


def strategy_paths(definitions: dict, name: str, prefix: str = "", stack: tuple = ()) -> dict:
    """Field path -> patch metadata for every field below definition `name` that has some."""
    if name in stack:
        sys.exit(f"gen-openapi: recursive schema at {prefix}: unsupported")
    out = {}
    for field, prop in sorted(definitions[name].get("properties", {}).items()):
        path = f"{prefix}{field}"
        strategy, merge_key = patch_meta(prop)
        if strategy or merge_key:
            entry = {}
            if merge_key:
                entry["mergeKey"] = merge_key
            if strategy:
                entry["strategy"] = strategy
            out[path] = entry
        target = value_definition(prop)
        if target and not target.startswith("additionalProperties:"):
            child = path + ("[]." if "items" in prop else ".")
            out.update(strategy_paths(definitions, target, child, stack + (name,)))
    return out


def kind_of(definition: dict) -> str:
    gvks = definition.get("x-kubernetes-group-version-kind", [])
    if len(gvks) != 1:
        sys.exit("gen-openapi: expected exactly one x-kubernetes-group-version-kind")
    return gvks[0]["kind"]


def swift_string(value: str) -> str:
    return json.dumps(value)  # the names are ASCII without backslashes, so a JSON string is a Swift string


def render_swift(definitions: dict) -> str:
    kinds = sorted((kind_of(definitions[name]), name) for name in KINDS)
    lines = [
        "// Code generated by scripts/gen-openapi.py from openapi/definitions.json. DO NOT EDIT.",
        f"// Source: kubernetes-validate {KUBERNETES_VALIDATE_VERSION}, kubernetes-json-schema/{SCHEMA_DIR}.",
        "",
        "extension PatchSchema {",
        "    /// The OpenAPI definition of each served kind, from `x-kubernetes-group-version-kind`.",
        "    static let kindDefinitions: [String: String] = [",
    ]
    lines += [f"        {swift_string(kind)}: {swift_string(name)}," for kind, name in kinds]
    lines += [
        "    ]",
        "",
        "    /// Every field that carries `x-kubernetes-patch-strategy` / `x-kubernetes-patch-merge-key`, or whose value",
        "    /// (list element) is a definition that has such a field below it, sorted by definition and field.",
        "    static let fieldRows: [PatchSchemaRow] = [",
    ]
    for name, field, strategy, merge_key, target in table_rows(definitions):
        args = [swift_string(name), swift_string(field)]
        if strategy:
            args.append(f"strategy: {swift_string(strategy)}")
        if merge_key:
            args.append(f"mergeKey: {swift_string(merge_key)}")
        if target:
            args.append(f"value: {swift_string(target)}")
        lines.append(f"        PatchSchemaRow({', '.join(args)}),")
    lines += ["    ]", "}", ""]
    return "\n".join(lines)


def value_shape(prop: dict) -> str:
    """A property's value as ObjectSchemaTable spells it: "" (scalar or free-form), a definition name, or a
    definition/scalar behind `[]` (list elements) and `{}` (map values) prefixes, e.g. `[]io.k8s.api.core.v1.ServicePort`."""
    if "$ref" in prop:
        return prop["$ref"][len(REF_PREFIX):]
    if isinstance(prop.get("items"), dict):
        return "[]" + value_shape(prop["items"])
    if isinstance(prop.get("additionalProperties"), dict):
        return "{}" + value_shape(prop["additionalProperties"])
    return ""


def object_schema_rows(definitions: dict) -> list[tuple[str, str, str]]:
    """(definition, field, value shape) for every property of every definition, sorted."""
    rows = []
    for name in sorted(definitions):
        for field, prop in sorted(definitions[name].get("properties", {}).items()):
            rows.append((name, field, value_shape(prop)))
    return rows


def render_object_schema(definitions: dict) -> str:
    objects = sorted(name for name, d in definitions.items() if "properties" in d)
    lines = [
        "// Code generated by scripts/gen-openapi.py from openapi/definitions.json. DO NOT EDIT.",
        f"// Source: kubernetes-validate {KUBERNETES_VALIDATE_VERSION}, kubernetes-json-schema/{SCHEMA_DIR}.",
        "",
        "extension ObjectSchema {",
        "    /// Every field of every definition that has `properties`, sorted by definition and field, with the shape of",
        "    /// its value: \"\" for a scalar or free-form value, a definition name, or `[]`/`{}` (list/map of) before one.",
        "    static let fieldRows: [ObjectSchemaRow] = [",
    ]
    for name, field, shape in object_schema_rows(definitions):
        args = [swift_string(name), swift_string(field)]
        if shape:
            args.append(swift_string(shape))
        lines.append(f"        ObjectSchemaRow({', '.join(args)}),")
    lines += ["    ]", "}", ""]
    assert objects  # every definition with properties has at least one row
    return "\n".join(lines)


def scalar_type(prop: dict) -> str | None:
    """The Go type of a property's scalar leaf (behind any list/map nesting): `string`, `bool`, `int32` or `int64`;
    None when the leaf is a definition (`$ref`)."""
    while True:
        if isinstance(prop.get("items"), dict):
            prop = prop["items"]
        elif isinstance(prop.get("additionalProperties"), dict):
            prop = prop["additionalProperties"]
        else:
            break
    if "$ref" in prop:
        return None
    kinds = prop.get("type")
    kinds = [kinds] if isinstance(kinds, str) else [k for k in (kinds or []) if k != "null"]
    if kinds == ["string"]:
        return "string"
    if kinds == ["boolean"]:
        return "bool"
    if kinds == ["integer"]:
        return prop.get("format", "int64")
    raise ValueError(f"unexpected scalar property {prop}")


def scalar_type_rows(definitions: dict, enum_fields: dict) -> list[tuple[str, str, str]]:
    """(definition, field, Go type) for every property whose leaf is a scalar, sorted. A `+enum` string field
    (openapi/enums.json `fields`) carries its named type, as Go's decode errors print it (`v1.Protocol`)."""
    rows = []
    for name in sorted(definitions):
        for field, prop in sorted(definitions[name].get("properties", {}).items()):
            leaf = scalar_type(prop)
            named = enum_fields.get(name, {}).get(field)
            if leaf == "string" and named:
                leaf = named.rsplit("/", 1)[-1]
            if leaf:
                rows.append((name, field, leaf))
    return rows


def render_scalar_types(definitions: dict, enum_fields: dict) -> str:
    lines = [
        "// Code generated by scripts/gen-openapi.py from openapi/definitions.json. DO NOT EDIT.",
        f"// Source: kubernetes-validate {KUBERNETES_VALIDATE_VERSION}, kubernetes-json-schema/{SCHEMA_DIR}.",
        "",
        "extension ScalarTypes {",
        "    /// Every field whose value (or list element, or map value) is a scalar, with the Go type it decodes into:",
        "    /// `string` (or its named `+enum` type, e.g. `v1.Protocol`), `bool`, `int32` or `int64`. Sorted by",
        "    /// definition and field.",
        "    static let rows: [(definition: String, field: String, type: String)] = [",
    ]
    for name, field, leaf in scalar_type_rows(definitions, enum_fields):
        lines.append(f"        ({swift_string(name)}, {swift_string(field)}, {swift_string(leaf)}),")
    lines += ["    ]", "}", ""]
    return "\n".join(lines)


def render_enums(enums: dict) -> str:
    return json.dumps({"$comment": (f"Generated by scripts/gen-openapi.py --go-api from kubernetes/api "
                                    f"{go_enums.TAG} (core/v1, discovery/v1): for each definition, its properties "
                                    "whose Go type is a `+enum` string type; for each such type, its values and "
                                    "their \"Possible enum values\" lines. Do not edit."), **enums},
                      indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def render_outputs(source: dict, enums: dict) -> dict[pathlib.Path, str]:
    definitions = source["$defs"]
    roots = KINDS + [name + "List" for name in KINDS] + EXTRA_ROOTS
    names = reachable(definitions, roots)
    subset = go_enums.apply({name: definitions[name] for name in names}, enums)
    document = {
        "$comment": (f"Generated by scripts/gen-openapi.py from kubernetes-validate {KUBERNETES_VALIDATE_VERSION} "
                     f"kubernetes-json-schema/{SCHEMA_DIR}/_definitions.json: the definitions reachable from "
                     + ", ".join(roots) + f", with the enums of openapi/enums.json (kubernetes/api {go_enums.TAG}). "
                     "Do not edit."),
        "$defs": subset,
        "$schema": source.get("$schema"),
    }
    strategies = {kind_of(definitions[name]): strategy_paths(definitions, name) for name in KINDS}
    return {
        DEFINITIONS_OUT: json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
        STRATEGIES_OUT: json.dumps(strategies, indent=1, sort_keys=True) + "\n",
        SWIFT_OUT: render_swift(subset),
        OBJECT_SCHEMA_OUT: render_object_schema(subset),
        SCALAR_TYPES_OUT: render_scalar_types(subset, enums.get("fields", {})),
        **openapi_v3.render(subset),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", help="path to _definitions.json (default: from the installed kubernetes-validate)")
    parser.add_argument("--go-api", metavar="GIT_DIR",
                        help=f"git directory of kubernetes/api: re-read the enums at {go_enums.TAG} into "
                             "openapi/enums.json (default: use the committed openapi/enums.json)")
    parser.add_argument("--check", action="store_true", help="only report whether the outputs are up to date")
    args = parser.parse_args()

    with open(find_source(args.source), encoding="utf-8") as handle:
        source = json.load(handle)
    outputs = {}
    if args.go_api:
        enums = go_enums.extract(args.go_api)
        outputs[ENUMS_OUT] = render_enums(enums)
    else:
        with open(ENUMS_OUT, encoding="utf-8") as handle:
            enums = json.load(handle)
    enums = {"fields": enums["fields"], "types": enums["types"]}
    outputs.update(render_outputs(source, enums))
    stale = []
    for path, text in outputs.items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path.relative_to(REPO))
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if args.check:
        for path in stale:
            print(f"gen-openapi: {path} is out of date", file=sys.stderr)
        return 1 if stale else 0
    for path in stale:
        print(f"gen-openapi: wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
