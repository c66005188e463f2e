"""The `// +enum` string types of kubernetes/api and the fields that use them, read from the Go sources.

Imported by `scripts/gen-openapi.py` (run that one with `--go-api`). kube-apiserver's OpenAPI comes from kube-openapi's
openapi-gen, whose enum generator (`pkg/generators/enum.go`) gives a field whose Go type (or pointer to it) is a
string type tagged `+enum` an `enum` of the sorted const values of that type, and appends to its description
"Possible enum values:" and one line per value (`` - `"TCP"` is the TCP protocol.``: the const's doc comment with the
const's name trimmed off its front). kubernetes-validate's definitions lack both, so the generator records them from
the Go sources in `openapi/enums.json` and applies them from there.

The Go is read with regular expressions, which is enough for gofmt'ed kubernetes/api sources: a doc comment is the run
of `//` lines ending on the line before the declaration (gengo's `docComment`), a struct is `type X struct {` ... `}`,
a field `Name Type `json:"name,..."``, an embedded inline struct `Type `json:",inline"``.
"""

from __future__ import annotations

import re
import subprocess

TAG = "v0.32.9"
# kubernetes/api package directory -> OpenAPI definition name prefix.
PACKAGES = {
    "core/v1": "io.k8s.api.core.v1.",
    "discovery/v1": "io.k8s.api.discovery.v1.",
}
IMPORT_PATH = "k8s.io/api/"

TYPE_RE = re.compile(r"^type (\w+) string\s*$")
CONST_RE = re.compile(r'^\s*(?:const\s+)?(\w+)\s+([\w.]+)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(?://.*)?$')
STRUCT_RE = re.compile(r"^type (\w+) struct \{\s*$")
FIELD_RE = re.compile(r'^\t(?:(\w+)\s+)?(\*?)([\w.\[\]*]+)\s+`[^`]*json:"([^",]*)[^"]*"[^`]*`')
# `AddressTypeIPv4 = AddressType(v1.IPv4Protocol)`, `AddressTypeFQDN = AddressType("FQDN")`
CONVERSION_RE = re.compile(r'^\s*(?:const\s+)?(\w+)\s*=\s*([\w.]+)\(("(?:[^"\\]|\\.)*"|[\w.]+)\)\s*(?://.*)?$')
UNTYPED_RE = re.compile(r'^\s*(?:const\s+)?(\w+)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(?://.*)?$')
IMPORT_RE = re.compile(r'^\s*(?:import\s+)?(\w+)\s+"k8s\.io/api/([\w/]+)"\s*$')


def git_files(git_dir: str, package: str) -> list[tuple[str, str]]:
    """(path, text) of the package's non-test Go files at TAG."""
    names = subprocess.run(["git", "--git-dir", git_dir, "ls-tree", "--name-only", f"{TAG}:{package}"],
                           check=True, capture_output=True, text=True).stdout.split()
    out = []
    for name in sorted(names):
        if name.endswith(".go") and not name.endswith("_test.go"):
            text = subprocess.run(["git", "--git-dir", git_dir, "show", f"{TAG}:{package}/{name}"],
                                  check=True, capture_output=True, text=True).stdout
            out.append((f"{package}/{name}", text))
    return out


def doc_comment(lines: list[str], index: int) -> list[str]:
    """The `//` lines ending right above line `index`, markers (and one space) removed, directives dropped."""
    out = []
    i = index - 1
    while i >= 0 and lines[i].lstrip().startswith("//"):
        text = lines[i].lstrip()[2:]
        if not re.match(r"^[a-z0-9]+:[a-z0-9]", text):  # `//go:build` and the like are not documentation
            out.append(text[1:] if text.startswith(" ") else text)
        i -= 1
    return list(reversed(out))


def go_quote(value: str) -> str:
    """Go's `%q` of a const value (the values are plain printable ASCII; anything else is refused)."""
    if not all(32 <= ord(c) < 127 for c in value) or '"' in value or "\\" in value:
        raise SystemExit(f"gen-openapi: enum value {value!r} needs Go quoting rules not implemented here")
    return f'"{value}"'


def value_line(name: str, value: str, comment: list[str]) -> str:
    """enum.go's `enumValue.Description()`, after openapi-gen's description writer trimmed trailing spaces."""
    text = " ".join(comment).strip()
    text = text[len(name):] if text.startswith(name) else text
    text = re.sub(r"\s+", " ", text.strip())
    return f" - `{go_quote(value)}` {text}".rstrip(" ")


def extract(git_dir: str) -> dict:
    """{"types": {"core/v1.Protocol": {"SCTP": " - `\\"SCTP\\"` is the SCTP protocol.", ...}},
        "fields": {"io.k8s.api.core.v1.ServicePort": {"protocol": "core/v1.Protocol"}}}"""
    enum_types: dict[str, dict[str, str]] = {}
    consts: list[tuple[str, str, str, list[str]]] = []  # (type, name, value or const reference, doc comment)
    values: dict[str, str] = {}  # "core/v1.IPv4Protocol" -> "IPv4", every string const
    structs: dict[str, list[tuple[str, str, str]]] = {}  # "pkg.Name" -> [(json name or "" if inline, type, pkg)]
    imports: dict[str, dict[str, str]] = {}
    for package in PACKAGES:
        for path, text in git_files(git_dir, package):
            lines = text.split("\n")
            aliases = imports.setdefault(path, {})
            current = None
            in_const = False
            for index, line in enumerate(lines):
                if line.startswith("const ("):
                    in_const = True
                    continue
                if in_const and line.startswith(")"):
                    in_const = False
                if m := IMPORT_RE.match(line):
                    aliases[m.group(1)] = m.group(2)
                if current is not None:
                    if line.startswith("}"):
                        current = None
                    elif m := FIELD_RE.match(line):
                        _, _, go_type, json_name = m.groups()  # an embedded type with a json name is a field
                        structs[current].append((json_name, resolve(go_type, package, aliases), path))
                    continue
                if m := STRUCT_RE.match(line):
                    current = f"{package}.{m.group(1)}"
                    structs[current] = []
                elif m := TYPE_RE.match(line):
                    tags = [c.strip() for c in doc_comment(lines, index)]
                    if any(t == "+enum" or t.startswith("+enum=") for t in tags):
                        enum_types[f"{package}.{m.group(1)}"] = {}
                elif (in_const or line.startswith("const ")) and (m := CONST_RE.match(line)):
                    name, go_type, value = m.groups()
                    values[f"{package}.{name}"] = value
                    consts.append((resolve(go_type, package, aliases), name, value, doc_comment(lines, index)))
                elif (in_const or line.startswith("const ")) and (m := CONVERSION_RE.match(line)):
                    name, go_type, argument = m.groups()
                    if argument.startswith('"'):
                        value = argument[1:-1]
                        values[f"{package}.{name}"] = value
                    else:
                        value = "ref:" + resolve(argument, package, aliases)
                    consts.append((resolve(go_type, package, aliases), name, value, doc_comment(lines, index)))
                elif (in_const or line.startswith("const ")) and (m := UNTYPED_RE.match(line)):
                    values[f"{package}.{m.group(1)}"] = m.group(2)
    for go_type, name, value, comment in consts:
        if value.startswith("ref:"):
            if value[4:] not in values:
                raise SystemExit(f"gen-openapi: const {name} = {go_type}({value[4:]}): value not found")
            value = values[value[4:]]
        if go_type in enum_types:
            # enum.go's addIfNotPresent: the first const of a value wins
            enum_types[go_type].setdefault(value, value_line(name, value, comment))

    def enum_fields(struct: str, stack: tuple = ()) -> dict[str, str]:
        if struct in stack:
            raise SystemExit(f"gen-openapi: recursive inline struct {struct}")
        out = {}
        for json_name, go_type, _ in structs[struct]:
            if json_name == "":
                if go_type in structs:
                    out.update(enum_fields(go_type, stack + (struct,)))
            elif go_type in enum_types and enum_types[go_type]:
                out[json_name] = go_type
        return out

    fields = {}
    for struct in sorted(structs):
        package, name = struct.rsplit(".", 1)
        found = enum_fields(struct)
        if found:
            fields[PACKAGES[package] + name] = dict(sorted(found.items()))
    used = {t for f in fields.values() for t in f.values()}
    types = {name: dict(sorted(values.items())) for name, values in sorted(enum_types.items()) if name in used}
    return {"fields": fields, "types": types}


def resolve(go_type: str, package: str, aliases: dict[str, str]) -> str:
    """`Protocol` -> `core/v1.Protocol`, `*v1.Protocol` -> `core/v1.Protocol`; slices and maps stay as written
    (openapi-gen gives only direct and pointer fields an enum)."""
    go_type = go_type.lstrip("*")
    if go_type.startswith("[") or go_type.startswith("map"):
        return go_type
    if "." in go_type:
        alias, name = go_type.split(".", 1)
        return f"{aliases[alias]}.{name}" if alias in aliases else go_type
    return f"{package}.{go_type}"


def description_paragraph(values: dict[str, str]) -> str:
    """What openapi-gen appends to the field's description: a new paragraph, the header, the sorted value lines."""
    return "\n\nPossible enum values:" + "".join("\n" + line for line in sorted(values.values()))


def apply(definitions: dict, enums: dict) -> dict:
    """A copy of `definitions` whose enum-typed properties carry `enum` and the "Possible enum values" paragraph.
    Idempotent: a property that already ends with the paragraph is left as it is."""
    out = dict(definitions)
    for name, fields in enums["fields"].items():
        if name not in definitions:
            continue
        definition = dict(definitions[name])
        properties = dict(definition.get("properties", {}))
        for field, go_type in fields.items():
            if field not in properties:
                raise SystemExit(f"gen-openapi: {name} has no property {field!r} (Go type {go_type})")
            prop = dict(properties[field])
            values = enums["types"][go_type]
            paragraph = description_paragraph(values)
            description = prop.get("description", "")
            if not description.endswith(paragraph):
                prop["description"] = description + paragraph if description else paragraph.lstrip("\n")
            prop["enum"] = sorted(values)
            properties[field] = prop
        definition["properties"] = properties
        out[name] = definition
    return out
