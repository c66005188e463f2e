#!/usr/bin/env python3
"""Generates the protobuf field table the server decodes request bodies with.

Two steps, so that the upstream schemas stay out of the repository:

  1. extract (needs the upstream files, see ../shared/reference/proto/README.md):
       scripts/gen-proto-table.py extract --proto-dir ../shared/reference/proto \
           [--go-api DIR --go-apimachinery DIR]
     reads the `.proto` files (kubernetes/api and kubernetes/apimachinery v0.32.9), walks every message reachable
     from Namespace, Service, Pod, EndpointSlice and DeleteOptions, and writes openapi/protobuf-fields.json.
     With --go-api/--go-apimachinery (git directories of kubernetes/api and kubernetes/apimachinery; the tag
     v0.32.9 is read with `git show`), each field is also marked with what the Go type says: a pointer
     (`*int64`: a zero value on the wire is a real value) and `omitempty` (a zero value is left out of the JSON).
     Without them, the marks of the existing openapi/protobuf-fields.json are kept.
  2. emit (default; needs only the committed JSON):
       scripts/gen-proto-table.py
     writes Sources/KubeAPI/ProtobufSchemaTable.swift from openapi/protobuf-fields.json. A unit test
     (Tests/KubeAPITests/ProtobufSchemaTableTests.swift) checks that the Swift table matches the JSON.

Field descriptors (the third element of each field row):
  string, bytes, bool, int32, int64, uint32, uint64, double, float  scalars
  message:<name>                                                    a nested message
  map:<key scalar>:<value descriptor>                               map<K, V> (entries are messages {1 key, 2 value})
  intOrString, quantity, time, microTime, rawJSON, duration         messages with their own JSON form
Flags (the fourth element): r = repeated, p = Go pointer, o = json omitempty, i = embedded inline (the message's
fields are members of the enclosing JSON object).
"""

import argparse
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JSON_PATH = os.path.join(ROOT, "openapi", "protobuf-fields.json")
SWIFT_PATH = os.path.join(ROOT, "Sources", "KubeAPI", "ProtobufSchemaTable.swift")
TAG = "v0.32.9"

PROTO_FILES = [
    "k8s.io/api/core/v1/generated.proto",
    "k8s.io/api/discovery/v1/generated.proto",
    "k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto",
    "k8s.io/apimachinery/pkg/runtime/generated.proto",
    "k8s.io/apimachinery/pkg/runtime/schema/generated.proto",
    "k8s.io/apimachinery/pkg/util/intstr/generated.proto",
    "k8s.io/apimachinery/pkg/api/resource/generated.proto",
]

# The kinds whose bodies are decoded, by the `kind` of the runtime.Unknown envelope.
ROOTS = {
    "Namespace": "core.v1.Namespace",
    "Service": "core.v1.Service",
    "Pod": "core.v1.Pod",
    "EndpointSlice": "discovery.v1.EndpointSlice",
    "DeleteOptions": "meta.v1.DeleteOptions",
}

# Messages whose Go type has its own JSON form (a custom MarshalJSON).
SPECIAL = {
    "intstr.IntOrString": "intOrString",
    "resource.Quantity": "quantity",
    "resource.QuantityValue": "quantity",
    "meta.v1.Time": "time",
    "meta.v1.MicroTime": "microTime",
    "meta.v1.Duration": "duration",
    "runtime.RawExtension": "rawJSON",
    "meta.v1.FieldsV1": "rawJSON",
}

SCALARS = {"string", "bytes", "bool", "int32", "int64", "uint32", "uint64", "double", "float", "sint32", "sint64"}

# Go sources that define the messages of each proto package (repository, path at TAG).
GO_SOURCES = {
    "core.v1": ("api", ["core/v1/types.go"]),
    "discovery.v1": ("api", ["discovery/v1/types.go"]),
    "meta.v1": ("apimachinery", ["pkg/apis/meta/v1/types.go"]),
}


def short_package(package):
    for prefix in ("k8s.io.api.", "k8s.io.apimachinery.pkg.apis.", "k8s.io.apimachinery.pkg.util.",
                   "k8s.io.apimachinery.pkg.api.", "k8s.io.apimachinery.pkg."):
        if package.startswith(prefix):
            return package[len(prefix):]
    return package


def parse_proto(text):
    """Returns (package, {message: [(number, name, type, label)]}) for a proto2 file of top-level messages."""
    text = re.sub(r"//[^\n]*", "", text)
    package = re.search(r"^package\s+([\w.]+);", text, re.M).group(1)
    messages = {}
    for match in re.finditer(r"^message\s+(\w+)\s*\{(.*?)^\}", text, re.M | re.S):
        fields = []
        for line in match.group(2).split(";"):
            line = " ".join(line.split())
            if not line:
                continue
            field = re.fullmatch(r"(optional|repeated)\s+([\w.]+)\s+(\w+)\s*=\s*(\d+)", line)
            mapped = re.fullmatch(r"map\s*<\s*([\w.]+)\s*,\s*([\w.]+)\s*>\s+(\w+)\s*=\s*(\d+)", line)
            if field:
                fields.append((int(field.group(4)), field.group(3), field.group(2), field.group(1)))
            elif mapped:
                fields.append((int(mapped.group(4)), mapped.group(3), (mapped.group(1), mapped.group(2)), "map"))
            else:
                raise SystemExit(f"unparsed line in message {match.group(1)}: {line!r}")
        messages[match.group(1)] = fields
    return package, messages


def resolve(type_name, package):
    """The short qualified name of a message type referenced from `package`."""
    type_name = type_name.lstrip(".")
    if "." in type_name:
        owner, _, name = type_name.rpartition(".")
        return f"{short_package(owner)}.{name}"
    return f"{short_package(package)}.{type_name}"


def descriptor(type_name, package):
    if type_name in SCALARS:
        return {"sint32": "int32", "sint64": "int64"}.get(type_name, type_name)
    qualified = resolve(type_name, package)
    return SPECIAL.get(qualified, f"message:{qualified}")


def load_protos(proto_dir):
    all_messages = {}
    for relative in PROTO_FILES:
        with open(os.path.join(proto_dir, relative)) as handle:
            package, messages = parse_proto(handle.read())
        for name, fields in messages.items():
            all_messages[f"{short_package(package)}.{name}"] = (package, fields)
    return all_messages


def go_fields(repos):
    """{qualified message: {json name: (pointer, omitempty)}} from the Go struct definitions."""
    result = {}
    for package, (repo_key, paths) in GO_SOURCES.items():
        repo = repos.get(repo_key)
        if not repo:
            continue
        for path in paths:
            text = subprocess.run(["git", "--git-dir", repo, "show", f"{TAG}:{path}"], check=True,
                                  capture_output=True, text=True).stdout
            for struct in re.finditer(r"^type\s+(\w+)\s+struct\s*\{\n(.*?)^\}", text, re.M | re.S):
                fields = {}
                for line in struct.group(2).splitlines():
                    # `Name Type `json:.. protobuf:"..,name=x"`` or an embedded `LocalObjectReference `json:",inline"``.
                    field = re.match(r'\s*(?:\w+\s+)?([*\w.\[\]]+)\s+`([^`]*)`', line)
                    if not field:
                        continue
                    tags = dict(re.findall(r'(\w+):"([^"]*)"', field.group(2)))
                    json_name, _, options = tags.get("json", "").partition(",")
                    proto_name = re.search(r"name=(\w+)", tags.get("protobuf", ""))
                    name = proto_name.group(1) if proto_name else json_name
                    if not name and "inline" in options:  # `protobuf:"bytes,1,req"`: the proto name is the type's
                        base = field.group(1).rpartition(".")[2]
                        name = base[:1].lower() + base[1:]
                    if name and json_name != "-":
                        fields[name] = (field.group(1).startswith("*"), "omitempty" in options.split(","),
                                        "inline" in options.split(",") and not json_name)
                result[f"{package}.{struct.group(1)}"] = fields
    return result


def extract(proto_dir, repos):
    messages = load_protos(proto_dir)
    previous = {}
    if os.path.exists(JSON_PATH):
        with open(JSON_PATH) as handle:
            for name, rows in json.load(handle)["messages"].items():
                previous[name] = {row[1]: row[3] for row in rows}
    go = go_fields(repos) if repos else None
    table, pending, seen = {}, list(ROOTS.values()), set()
    while pending:
        name = pending.pop()
        if name in seen or name in SPECIAL:
            continue
        seen.add(name)
        package, fields = messages[name]
        rows = []
        for number, field_name, type_name, label in fields:
            if label == "map":
                key, value = type_name
                value_descriptor = descriptor(value, package)
                kind = f"map:{descriptor(key, package)}:{value_descriptor}"
                referenced = value_descriptor
            else:
                kind = descriptor(type_name, package)
                referenced = kind
            if referenced.startswith("message:"):
                pending.append(referenced[len("message:"):])
            flags = "r" if label == "repeated" else ""
            if go is not None:
                pointer, omitempty, inline = go.get(name, {}).get(field_name, (False, True, False))
                if name not in go:
                    print(f"warning: no Go struct for {name}; assuming omitempty", file=sys.stderr)
                elif field_name not in go[name]:
                    print(f"warning: no Go field {name}.{field_name}; assuming omitempty", file=sys.stderr)
                flags += ("p" if pointer else "") + ("o" if omitempty else "") + ("i" if inline else "")
            else:
                flags = previous.get(name, {}).get(field_name, flags + "o")
            rows.append([number, field_name, kind, flags])
        table[name] = rows
    document = {
        "source": f"kubernetes/api and kubernetes/apimachinery {TAG} generated.proto (+ Go types.go for p/o flags)",
        "roots": ROOTS,
        "messages": dict(sorted(table.items())),
    }
    with open(JSON_PATH, "w") as handle:
        handle.write(json.dumps(document, indent=1, separators=(",", ": ")) + "\n")


def swift_string(value):
    return json.dumps(value)


def emit():
    with open(JSON_PATH) as handle:
        document = json.load(handle)
    lines = [
        "// Code generated by scripts/gen-proto-table.py from openapi/protobuf-fields.json. DO NOT EDIT.",
        f"// Source: {document['source']}.",
        "",
        "extension ProtobufSchema {",
        "    /// The message decoded for each kind named by a `runtime.Unknown` envelope.",
        "    static let rootMessages: [String: String] = [",
    ]
    for kind, message in sorted(document["roots"].items()):
        lines.append(f"        {swift_string(kind)}: {swift_string(message)},")
    lines += [
        "    ]",
        "",
        "    /// Every message reachable from the root kinds: field number, JSON name, type descriptor, flags",
        "    /// (`r` repeated, `p` Go pointer, `o` omitempty, `i` inlined into the enclosing object).",
        "    static let messageRows: [String: [ProtobufFieldRow]] = [",
    ]
    for name, rows in document["messages"].items():
        lines.append(f"        {swift_string(name)}: [")
        for number, field_name, kind, flags in rows:
            lines.append(f"            ProtobufFieldRow({number}, {swift_string(field_name)}, {swift_string(kind)}, "
                         f"{swift_string(flags)}),")
        lines.append("        ],")
    lines += ["    ]", "}", ""]
    with open(SWIFT_PATH, "w") as handle:
        handle.write("\n".join(lines))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", nargs="?", default="emit", choices=["emit", "extract"])
    parser.add_argument("--proto-dir", default=os.path.join(ROOT, "..", "shared", "reference", "proto"))
    parser.add_argument("--go-api", help="git directory of kubernetes/api (for pointer/omitempty flags)")
    parser.add_argument("--go-apimachinery", help="git directory of kubernetes/apimachinery")
    args = parser.parse_args()
    if args.command == "extract":
        repos = {key: value for key, value in (("api", args.go_api), ("apimachinery", args.go_apimachinery)) if value}
        extract(args.proto_dir, repos)
    emit()


if __name__ == "__main__":
    main()
