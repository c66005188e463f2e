"""Bad input (issue 8 item 3): every malformed, hostile or ill-typed request gets a Kubernetes `Status` with the right
code and reason — never a 5xx, a crash or a hang — and the server stays healthy after each one.

The cases are tables: malformed JSON, invalid UTF-8, deep nesting, out-of-range and non-integer numbers, a 100 MB
body, huge headers, wrong types in every field of every kind (generated from openapi/definitions.json), unknown and
mismatched kinds and apiVersions, path traversal in names, garbage protobuf, bad query parameters and bad patch bodies.
One server serves the whole module (the cases are independent: each creates at most one object under a fresh name);
after every case the test checks that the process is alive and `/readyz` answers.

What upstream answers (reference §5.2, §5.4, §5.5, §6, §8): a body that does not decode into the Go type is 400
BadRequest (`Service in version "v1" cannot be handled as a Service: json: cannot unmarshal string into Go struct
field ServicePort.spec.ports.port of type int32`), and the same problem in a patch result is 422 Invalid on `patch`;
malformed JSON is 400 (`the object provided is unrecognized (must be of type Service): couldn't get version/kind; json
parse error: ...`); a body over 3 MiB is 413 RequestEntityTooLarge.
"""

from __future__ import annotations

import json
import pathlib
import socket
import time
from typing import Any, Iterator

import pytest
import requests

from support import REPO_ROOT, Server, running_server, unique_name

#: Seconds any single request of these tests may take (the server must answer, not hang).
REQUEST_TIMEOUT = 10.0

SERVICES = "/api/v1/namespaces/default/services"
PODS = "/api/v1/namespaces/default/pods"
NAMESPACES = "/api/v1/namespaces"
SLICES = "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices"

#: Every answer these tests collect, for the module's summary line (cases checked, 5xx seen).
ANSWERS: list[int] = []


@pytest.fixture(scope="module")
def bad_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("bad-input")) as srv:
        srv.create(SERVICES, {"metadata": {"name": "target"},
                              "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]}})
        srv.create(PODS, {"metadata": {"name": "target"}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
        yield srv
    fivexx = sum(1 for code in ANSWERS if code >= 500)
    print(f"bad input: {len(ANSWERS)} requests checked, {fivexx} answered 5xx")


def send(server: Server, method: str, path: str, body: bytes | None = None,
         content_type: str = "application/json", headers: dict | None = None,
         params: dict | None = None) -> requests.Response:
    all_headers = dict(headers or {})
    if body is not None:
        all_headers.setdefault("Content-Type", content_type)
    return requests.request(method, server.url(path), data=body, headers=all_headers, params=params,
                            timeout=REQUEST_TIMEOUT)


def check_status(server: Server, resp: requests.Response, codes: set[int] | int,
                 reason: str | set[str] | None = None, contains: str | None = None) -> dict:
    """The answer is a failure `Status` whose code is the HTTP status (one of `codes`), with `reason` and a message
    containing `contains`; then the server must still be alive and ready."""
    ANSWERS.append(resp.status_code)
    codes = {codes} if isinstance(codes, int) else codes
    assert resp.status_code < 500, f"5xx for bad input: {resp.status_code} {resp.text[:500]}"
    assert resp.status_code in codes, f"expected {sorted(codes)}, got {resp.status_code}: {resp.text[:500]}"
    assert resp.headers.get("Content-Type", "").split(";")[0] == "application/json", resp.headers
    body = resp.json()
    assert body.get("kind") == "Status" and body.get("apiVersion") == "v1", body
    assert body.get("status") == "Failure" and body.get("code") == resp.status_code, body
    if reason is not None:
        reasons = {reason} if isinstance(reason, str) else reason
        assert body.get("reason") in reasons, body
    if contains is not None:
        assert contains in body.get("message", ""), body
    assert_healthy(server)
    return body


def assert_healthy(server: Server) -> None:
    assert server.running(), f"server died\n{server.log_tail()}"
    ready = requests.get(server.url("/readyz"), timeout=REQUEST_TIMEOUT)
    assert ready.status_code == 200, ready.text


# --------------------------------------------------------------------------------------------
# Malformed JSON, invalid UTF-8, nesting, numbers
# --------------------------------------------------------------------------------------------

def service_body(port: str = "80", name: str | None = None) -> bytes:
    name = name or unique_name("bad")
    return ('{"metadata":{"name":"%s"},"spec":{"ports":[{"port":%s}]}}' % (name, port)).encode()


UNRECOGNIZED = "the object provided is unrecognized (must be of type Service): couldn't get version/kind; json parse error"
CANNOT_HANDLE = 'Service in version "v1" cannot be handled as a Service: '

MALFORMED_BODIES = [
    ("empty", b"", 400, UNRECOGNIZED + ": unexpected end of JSON input (<empty>)"),
    ("open brace", b"{", 400, "unexpected end of JSON input"),
    ("truncated member", b'{"metadata":', 400, "unexpected end of JSON input"),
    ("trailing garbage", b'{"a":1}x', 400, "invalid character 'x' after top-level value"),
    ("single quotes", b"{'a':1}", 400, "invalid character '\\''"),
    ("trailing comma", b'{"a":1,}', 400, "invalid character '}'"),
    ("bare word", b"hello", 400, "invalid character 'h'"),
    ("leading zero", b'{"spec":{"ports":[{"port":080}]}}', 400, "invalid character '8' after object key:value pair"),
    ("NaN", b'{"spec":{"ports":[{"port":NaN}]}}', 400, "invalid character 'N'"),
    ("control character in string", b'{"metadata":{"name":"a\x01b"}}', 400, "invalid character '\\x01' in string literal"),
    ("bad escape", b'{"metadata":{"name":"a\\qb"}}', 400, "invalid character 'q' in string escape code"),
    ("NUL byte", b'{"metadata"\x00:1}', 400, "invalid character"),
    ("null body", b"null", 400, None),
    ("array body", b"[]", 400, None),
    ("string body", b'"svc"', 400, None),
    ("number body", b"1", 400, None),
    # invalid UTF-8 (Go would substitute U+FFFD; we refuse the body, which is still a 400 BadRequest)
    ("invalid UTF-8 in a value", b'{"metadata":{"name":"a\xffb"}}', 400, "invalid UTF-8 in string"),
    ("invalid UTF-8 in a key", b'{"meta\xfedata":{}}', 400, "invalid UTF-8 in string"),
    ("overlong encoding of '/'", b'{"metadata":{"name":"a\xc0\xafb"}}', 400, "invalid UTF-8 in string"),
    ("overlong 3-byte NUL", b'{"metadata":{"name":"\xe0\x80\x80"}}', 400, "invalid UTF-8 in string"),
    ("encoded surrogate", b'{"metadata":{"name":"\xed\xa0\x80"}}', 400, "invalid UTF-8 in string"),
    ("truncated sequence", b'{"metadata":{"name":"\xe2\x82"}}', 400, "invalid UTF-8 in string"),
    ("beyond U+10FFFF", b'{"metadata":{"name":"\xf4\x90\x80\x80"}}', 400, "invalid UTF-8 in string"),
    ("bare byte outside a string", b'\xff{}', 400, "invalid character"),
    ("lone high surrogate escape", b'{"metadata":{"name":"\\ud800"}}', 400, "surrogate"),
    ("lone low surrogate escape", b'{"metadata":{"name":"\\udc00x"}}', 400, "surrogate"),
    ("reversed surrogate pair", b'{"metadata":{"name":"\\udc00\\ud800"}}', 400, "surrogate"),
    ("high surrogate then letter escape", b'{"metadata":{"name":"\\ud800\\u0041"}}', 400, "surrogate"),
    # nesting
    ("10,000 nested arrays", b"[" * 10_000 + b"]" * 10_000, 400, "exceeded max depth"),
    ("100,000 nested arrays", b"[" * 100_000 + b"]" * 100_000, 400, "exceeded max depth"),
    ("10,000 nested objects", b'{"a":' * 10_000 + b"1" + b"}" * 10_000, 400, "exceeded max depth"),
    ("100,000 unclosed objects", b'{"a":' * 100_000, 400, "exceeded max depth"),
    ("nesting inside a field", b'{"metadata":{"annotations":{"a":' + b"[" * 10_000 + b"]" * 10_000 + b"}}}",
     400, "exceeded max depth"),
    # numbers where integers are expected (port is an int32)
    ("port 1e400", service_body("1e400"), 400, None),
    ("port -1e400", service_body("-1e400"), 400, None),
    ("port 1.5", service_body("1.5"), 400,
     CANNOT_HANDLE + "json: cannot unmarshal number 1.5 into Go struct field ServicePort.spec.ports.port of type int32"),
    ("port 1e2", service_body("1e2"), 400, "json: cannot unmarshal number"),
    # (Go prints the literal; we print the parsed double's shortest form, 9223372036854776000)
    ("port 9223372036854775808", service_body("9223372036854775808"), 400, "cannot unmarshal number 922337203685477"),
    ("port -9223372036854775809", service_body("-9223372036854775809"), 400, "cannot unmarshal number"),
    ("port 2147483648 (int32 overflow)", service_body("2147483648"), 400,
     "cannot unmarshal number 2147483648 into Go struct field ServicePort.spec.ports.port of type int32"),
    ("port 99999999999999999999999", service_body("99999999999999999999999"), 400, "cannot unmarshal number"),
    ("port -0 (an integer zero: validation)", service_body("-0"), 422,
     "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"),
    ("port -1", service_body("-1"), 422, "spec.ports[0].port: Invalid value: -1: must be between 1 and 65535"),
    ("generation 1e400", b'{"metadata":{"name":"g","generation":1e400}}', 400, None),
    ("a long run of digits", service_body("1" * 100_000), 400, "cannot unmarshal number"),
]


@pytest.mark.parametrize("label,body,code,message", MALFORMED_BODIES, ids=[c[0] for c in MALFORMED_BODIES])
def test_malformed_bodies_are_bad_requests(bad_server, label, body, code, message):
    started = time.monotonic()
    resp = send(bad_server, "POST", SERVICES, body)
    check_status(bad_server, resp, code, "BadRequest" if code == 400 else "Invalid", message)
    assert time.monotonic() - started < 5, f"{label}: took {time.monotonic() - started:.1f} s"
    # the same body as an update of an existing object is refused the same way
    if code == 400:
        check_status(bad_server, send(bad_server, "PUT", SERVICES + "/target", body), 400, "BadRequest")


def test_duplicate_keys_are_rejected_under_strict_validation(bad_server):
    body = b'{"metadata":{"name":"dup","name":"dup2"},"spec":{"ports":[{"port":80}]}}'
    check_status(bad_server, send(bad_server, "POST", SERVICES, body, params={"fieldValidation": "Strict"}),
                 400, "BadRequest", 'duplicate field "metadata.name"')


# --------------------------------------------------------------------------------------------
# Wrong types in every field of every kind (from openapi/definitions.json)
# --------------------------------------------------------------------------------------------

DEFINITIONS = json.loads((REPO_ROOT / "openapi" / "definitions.json").read_text())["$defs"]
REF = "#/$defs/"
KIND_DEFINITIONS = {
    "Namespace": ("io.k8s.api.core.v1.Namespace", NAMESPACES),
    "Service": ("io.k8s.api.core.v1.Service", SERVICES),
    "Pod": ("io.k8s.api.core.v1.Pod", PODS),
    "EndpointSlice": ("io.k8s.api.discovery.v1.EndpointSlice", SLICES),
}
INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
FREE_FORM = {"io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1"}


def wrong_value(prop: dict) -> Any | None:
    """A value of a JSON type the property cannot hold; None when every type fits (free-form)."""
    if "$ref" in prop:
        target = prop["$ref"][len(REF):]
        if target in FREE_FORM:
            return None
        if target in (INT_OR_STRING, QUANTITY):
            return True
        definition = DEFINITIONS[target]
        if "properties" in definition:
            return "not-an-object"
        return 12345  # Time and friends: strings
    if "items" in prop:
        return "not-a-list"
    if "additionalProperties" in prop:
        return ["not", "a", "map"]
    kinds = prop.get("type")
    kinds = [kinds] if isinstance(kinds, str) else [k for k in kinds or [] if k != "null"]
    if kinds == ["string"]:
        return 12345
    if kinds == ["integer"]:
        return "12345"
    if kinds == ["boolean"]:
        return "true"
    raise AssertionError(f"unexpected property {prop}")


def field_cases(definition: str, path: tuple, depth: int = 0) -> Iterator[tuple[tuple, Any]]:
    """(path, wrong value) for every field reachable from `definition`; a path step is a field name, or `[]` for
    "inside the only element of this list", or `{}` for "inside the value of key k in this map"."""
    if depth > 12:
        return
    for field, prop in sorted(DEFINITIONS[definition].get("properties", {}).items()):
        here = path + (field,)
        value = wrong_value(prop)
        if value is not None:
            yield here, value
        inner, step = prop, None
        if "items" in prop:
            inner, step = prop["items"], "[]"
        elif "additionalProperties" in prop:
            inner, step = prop["additionalProperties"], "{}"
        if step:
            element_wrong = wrong_value(inner)
            if element_wrong is not None:
                yield here + (step,), element_wrong
        if "$ref" in inner and "properties" in DEFINITIONS[inner["$ref"][len(REF):]]:
            yield from field_cases(inner["$ref"][len(REF):], here + ((step,) if step else ()), depth + 1)


def build(path: tuple, value: Any) -> Any:
    """The nested JSON that puts `value` at `path`."""
    if not path:
        return value
    step, rest = path[0], path[1:]
    if step == "[]":
        return [build(rest, value)]
    if step == "{}":
        return {"k": build(rest, value)}
    return {step: build(rest, value)}


def merge(base: dict, overlay: dict) -> dict:
    out = dict(base)
    for key, value in overlay.items():
        out[key] = merge(out[key], value) if isinstance(out.get(key), dict) and isinstance(value, dict) else value
    return out


WRONG_TYPE_CASES = [
    (kind, ".".join(path), path, value)
    for kind, (definition, _) in KIND_DEFINITIONS.items()
    for path, value in field_cases(definition, ())
]


def test_the_wrong_type_table_covers_every_kind():
    counts = {kind: sum(1 for case in WRONG_TYPE_CASES if case[0] == kind) for kind in KIND_DEFINITIONS}
    assert all(count >= 10 for count in counts.values()), counts
    assert len(WRONG_TYPE_CASES) > 1000, len(WRONG_TYPE_CASES)


@pytest.mark.timeout(600)
@pytest.mark.parametrize("kind", list(KIND_DEFINITIONS))
def test_wrong_types_in_every_field_are_decode_errors(bad_server, kind):
    """Creates are 400 BadRequest with Go's `json: cannot unmarshal` text (or the Interpret error for kind and
    apiVersion, or the Quantity format error); nothing is stored."""
    _, collection = KIND_DEFINITIONS[kind]
    failures = []
    checked = 0
    for case_kind, label, path, value in WRONG_TYPE_CASES:
        if case_kind != kind:
            continue
        name = unique_name("wt")
        body = merge({"metadata": {"name": name}}, build(path, value))
        if path[0] == "metadata" and len(path) > 1 and path[1] == "name":
            body["metadata"]["generateName"] = "wt-"
        resp = send(bad_server, "POST", collection, json.dumps(body).encode())
        ANSWERS.append(resp.status_code)
        checked += 1
        try:
            assert resp.status_code == 400, f"{resp.status_code}: {resp.text[:300]}"
            status = resp.json()
            assert status["kind"] == "Status" and status["reason"] == "BadRequest" and status["code"] == 400
            message = status["message"]
            assert ("cannot unmarshal" in message or "quantities must match" in message), message
            if path[0] not in ("kind", "apiVersion"):
                assert message.startswith(f'{kind} in version "v1" cannot be handled as a {kind}: '), message
        except (AssertionError, ValueError, KeyError) as exc:
            failures.append(f"{label} = {value!r}: {exc}")
    assert_healthy(bad_server)
    assert not failures, f"{len(failures)} of {checked} fields:\n" + "\n".join(failures[:40])
    listed = bad_server.list(collection)
    assert not [n for n in (i["metadata"]["name"] for i in listed["items"]) if n.startswith("wt")], "stored"


PATCH_TYPE_CASES = [
    ("merge", "application/merge-patch+json", {"spec": {"ports": [{"port": "eighty"}]}}),
    ("strategic", "application/strategic-merge-patch+json", {"spec": {"type": 5}}),
    ("json", "application/json-patch+json", [{"op": "replace", "path": "/spec/ports/0/port", "value": 1.5}]),
    ("apply", "application/apply-patch+yaml", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "target"},
                                               "spec": {"selector": "app=web"}}),
]


@pytest.mark.parametrize("label,content_type,patch", PATCH_TYPE_CASES, ids=[c[0] for c in PATCH_TYPE_CASES])
def test_wrong_types_in_patches_are_invalid_patches(bad_server, label, content_type, patch):
    params = {"fieldManager": "bad-input"} if label == "apply" else None
    resp = send(bad_server, "PATCH", SERVICES + "/target", json.dumps(patch).encode(), content_type, params=params)
    body = check_status(bad_server, resp, 422, "Invalid", "json: cannot unmarshal")
    assert body["details"]["causes"][0]["field"] == "patch", body
    assert bad_server.read(SERVICES + "/target")["spec"]["ports"][0]["port"] == 80


# --------------------------------------------------------------------------------------------
# Kinds and apiVersions
# --------------------------------------------------------------------------------------------

TYPE_META_CASES = [
    ("unknown kind", SERVICES, {"kind": "Widget", "apiVersion": "v1"}, 400,
     'Widget in version "v1" cannot be handled as a Service'),
    ("kind of another resource", SERVICES, {"kind": "Pod", "apiVersion": "v1"}, 400,
     "the kind in the data (Pod) does not match the expected kind (Service)"),
    ("lower-case kind", SERVICES, {"kind": "service", "apiVersion": "v1"}, 400, None),
    ("unknown apiVersion", SERVICES, {"kind": "Service", "apiVersion": "v9"}, 400,
     "the API version in the data (v9) does not match the expected API version (v1)"),
    ("apiVersion of another group", SERVICES, {"kind": "Service", "apiVersion": "apps/v1"}, 400, "apps/v1"),
    ("group kind at the core path", SERVICES, {"kind": "EndpointSlice", "apiVersion": "discovery.k8s.io/v1"}, 400, None),
    ("core kind at the group path", SLICES, {"kind": "Service", "apiVersion": "v1"}, 400, None),
    ("slice with v1beta1", SLICES, {"kind": "EndpointSlice", "apiVersion": "discovery.k8s.io/v1beta1"}, 400, None),
    ("numeric kind", SERVICES, {"kind": 5}, 400, "couldn't get version/kind"),
    ("object apiVersion", SERVICES, {"apiVersion": {"v": 1}}, 400, "couldn't get version/kind"),
    ("namespace kind at pods", PODS, {"kind": "Namespace", "apiVersion": "v1"}, 400, None),
    ("empty kind and apiVersion (inferred from the URL)", SERVICES, {"kind": "", "apiVersion": ""}, 201, None),
]


@pytest.mark.parametrize("label,collection,type_meta,code,message", TYPE_META_CASES, ids=[c[0] for c in TYPE_META_CASES])
def test_kinds_and_api_versions(bad_server, label, collection, type_meta, code, message):
    name = unique_name("tm")
    bodies = {
        SERVICES: {"metadata": {"name": name}, "spec": {"ports": [{"port": 80}]}},
        PODS: {"metadata": {"name": name}, "spec": {"containers": [{"name": "c", "image": "i"}]}},
        SLICES: {"metadata": {"name": name}, "addressType": "IPv4", "endpoints": []},
    }
    body = {**type_meta, **bodies[collection]}
    resp = send(bad_server, "POST", collection, json.dumps(body).encode())
    if code == 201:
        assert resp.status_code == 201, resp.text
        ANSWERS.append(resp.status_code)
        return
    check_status(bad_server, resp, code, "BadRequest", message)
    # the same on update
    check_status(bad_server, send(bad_server, "PUT", collection + "/" + name, json.dumps(body).encode()),
                 {400, 404}, {"BadRequest", "NotFound"})


# --------------------------------------------------------------------------------------------
# Path traversal and odd names
# --------------------------------------------------------------------------------------------

TRAVERSAL_PATHS = [
    "/api/v1/namespaces/default/services/..",
    "/api/v1/namespaces/default/services/.",
    "/api/v1/namespaces/default/services/%2e%2e",
    "/api/v1/namespaces/default/services/%2E%2E",
    "/api/v1/namespaces/default/services/..%2F..%2Fnamespaces",
    "/api/v1/namespaces/default/services/a%2Fb",
    "/api/v1/namespaces/default/services/a%252Fb",
    "/api/v1/namespaces/default/services/a/b",
    "/api/v1/namespaces/default/services/a/b/c/d",
    "/api/v1/namespaces/../services",
    "/api/v1/namespaces/%2e%2e/services",
    "/api/v1/namespaces/..%2Fkube-system/services",
    "/api/v1/namespaces/default/services/%00",
    "/api/v1/namespaces/default/services/a%00b",
    "/api/v1/namespaces/default/services/%ff%fe",
    "/api/v1/namespaces/default/services/" + "a" * 10_000,
    "/api/v1/namespaces/" + "n" * 10_000 + "/services",
    "/api/v1/namespaces/default/services/target/..",
    "/api/v1/namespaces/default/services/target/status/..",
    "/api/v1/namespaces/default/services/target/%2e%2e/target",
    "/api/v1/namespaces/default/pods/target/../../services/target",
    "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/..",
    "/apis/discovery.k8s.io/../../api/v1/namespaces",
    "/api/v1/../../etc/passwd",
    "/../../../etc/passwd",
    "/api/v1/namespaces/default/services/%",
    "/api/v1/namespaces/default/services/%zz",
]


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
@pytest.mark.parametrize("path", TRAVERSAL_PATHS, ids=[f"{i}:{p[-40:]}" for i, p in enumerate(TRAVERSAL_PATHS)])
def test_path_traversal_never_escapes_or_fails(bad_server, method, path):
    body = b'{"metadata":{"name":"x"}}' if method in ("PUT", "PATCH") else None
    ctype = "application/merge-patch+json" if method == "PATCH" else "application/json"
    resp = send_raw_path(bad_server, method, path, body, ctype)
    ANSWERS.append(resp[0])
    status, headers, payload = resp
    assert status < 500, f"{method} {path[:80]}: {status} {payload[:300]!r}"
    # A dot segment is a (nonexistent) namespace or name, as for kube-apiserver, which does not clean API paths:
    # listing or deleting the collection of namespace ".." finds nothing (200, empty). What must never happen is
    # reaching another object — checked below: "target" is untouched.
    if status != 200:
        assert headers.get("content-type", "").split(";")[0] == "application/json", (status, headers, payload[:200])
        decoded = json.loads(payload)
        assert decoded["kind"] == "Status" and decoded["code"] == status, decoded
        assert status in (400, 404, 405, 409, 414, 415, 422), decoded
    else:
        assert b"root:" not in payload
        assert json.loads(payload).get("items", []) == [] or "kubernetes" in payload.decode(), payload[:300]
    assert_healthy(bad_server)
    assert bad_server.read(SERVICES + "/target")["metadata"]["name"] == "target"


def send_raw_path(server: Server, method: str, path: str, body: bytes | None, content_type: str
                  ) -> tuple[int, dict[str, str], bytes]:
    """Sends the request target exactly as given (requests would normalize dot segments)."""
    request = f"{method} {path} HTTP/1.1\r\nHost: {server.host}:{server.port}\r\nConnection: close\r\n"
    if body is not None:
        request += f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
    data = request.encode() + b"\r\n" + (body or b"")
    return raw_exchange(server, data)


def raw_exchange(server: Server, data: bytes, timeout: float = REQUEST_TIMEOUT) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection((server.host, server.port), timeout=timeout) as sock:
        sock.sendall(data)
        return read_response(sock, timeout)


def read_response(sock: socket.socket, timeout: float) -> tuple[int, dict[str, str], bytes]:
    """Reads one HTTP/1.1 response (Content-Length, chunked, or until close) within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    buffer = b""
    while b"\r\n\r\n" not in buffer:
        sock.settimeout(max(deadline - time.monotonic(), 0.01))
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"connection closed before a complete response head: {buffer[:200]!r}")
        buffer += chunk
    head, _, rest = buffer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    def more() -> bytes:
        sock.settimeout(max(deadline - time.monotonic(), 0.01))
        try:
            return sock.recv(65536)
        except ConnectionResetError:
            return b""
    if "content-length" in headers:
        length = int(headers["content-length"])
        while len(rest) < length:
            chunk = more()
            if not chunk:
                break
            rest += chunk
        return status, headers, rest[:length]
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while not rest.endswith(b"0\r\n\r\n"):
            chunk = more()
            if not chunk:
                break
            rest += chunk
        body, data = b"", rest
        while data:
            size_line, _, data = data.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                break
            body += data[:size]
            data = data[size + 2:]
        return status, headers, body
    while True:
        chunk = more()
        if not chunk:
            return status, headers, rest
        rest += chunk


@pytest.mark.parametrize("name", ["..", ".", "a/b", "../x", "a%2Fb", "A", "-a", "a" * 254, "a b", "ä", "a\u0000b"])
def test_bad_names_in_bodies_are_invalid(bad_server, name):
    body = {"metadata": {"name": name}, "spec": {"ports": [{"port": 80}]}}
    resp = send(bad_server, "POST", SERVICES, json.dumps(body).encode())
    check_status(bad_server, resp, 422, "Invalid", "metadata.name: Invalid value")


# --------------------------------------------------------------------------------------------
# Protobuf garbage
# --------------------------------------------------------------------------------------------

MAGIC = b"k8s\x00"
PROTOBUF_BODIES = [
    ("empty", b""),
    ("random bytes", bytes(range(256)) * 4),
    ("JSON sent as protobuf", b'{"metadata":{"name":"x"}}'),
    ("magic only", MAGIC),
    ("magic and garbage", MAGIC + b"\xff" * 64),
    ("truncated varint", MAGIC + b"\x0a\xff\xff\xff"),
    ("length beyond the end", MAGIC + b"\x12\xff\xff\xff\x0f"),
    ("huge length prefix", MAGIC + b"\x12\xff\xff\xff\xff\xff\xff\xff\xff\x7f"),
    ("10-byte varint overflow", MAGIC + b"\x08" + b"\xff" * 11),
    ("wrong wire type", MAGIC + b"\x0b\x0c"),
    ("group wire types", MAGIC + b"\x13\x14" * 20),
    ("reserved field 0", MAGIC + b"\x00\x00"),
    ("type meta of another kind", MAGIC + b"\x0a\x0d\x0a\x02v1\x12\x07Widget\x12\x00"),
    ("raw with garbage", MAGIC + b"\x0a\x0e\x0a\x02v1\x12\x07Service\x12\x05\xff\xff\xff\xff\xff"),
    ("deeply nested messages", MAGIC + b"\x12" + b"\x0a\x7f" * 5000),
]


@pytest.mark.parametrize("label,body", PROTOBUF_BODIES, ids=[c[0] for c in PROTOBUF_BODIES])
def test_garbage_protobuf_is_a_bad_request(bad_server, label, body):
    resp = send(bad_server, "POST", SERVICES, body, "application/vnd.kubernetes.protobuf")
    check_status(bad_server, resp, 400, "BadRequest")
    resp = send(bad_server, "PUT", SERVICES + "/target", body, "application/vnd.kubernetes.protobuf")
    check_status(bad_server, resp, 400, "BadRequest")


# --------------------------------------------------------------------------------------------
# Query parameters
# --------------------------------------------------------------------------------------------

QUERY_CASES = [
    ("labelSelector garbage", SERVICES, {"labelSelector": "a=b=c"}, 400, "BadRequest"),
    ("labelSelector unbalanced", SERVICES, {"labelSelector": "env in (a,b"}, 400, "BadRequest"),
    ("labelSelector bang only", SERVICES, {"labelSelector": "!"}, 400, "BadRequest"),
    ("labelSelector bad key", SERVICES, {"labelSelector": "-bad-=x"}, 400, "BadRequest"),
    ("labelSelector long value", SERVICES, {"labelSelector": "a=" + "b" * 100}, 400, "BadRequest"),
    ("labelSelector gt non-integer", SERVICES, {"labelSelector": "a>b"}, 400, "BadRequest"),
    ("labelSelector control bytes", SERVICES, {"labelSelector": "a=\x01"}, 400, "BadRequest"),
    ("labelSelector 2,000 commas", SERVICES, {"labelSelector": "," * 2_000}, {200, 400}, None),
    ("labelSelector 500 terms", SERVICES, {"labelSelector": ",".join(f"k{i}=v" for i in range(500))}, 200, None),
    ("fieldSelector garbage", SERVICES, {"fieldSelector": "garbage"}, 400, "BadRequest"),
    ("fieldSelector unsupported field", SERVICES, {"fieldSelector": "spec.foo=bar"}, 400, "BadRequest"),
    ("fieldSelector set operator", PODS, {"fieldSelector": "metadata.name in (a)"}, 400, "BadRequest"),
    ("fieldSelector trailing backslash", PODS, {"fieldSelector": "metadata.name=a\\"}, 400, "BadRequest"),
    ("limit -1", SERVICES, {"limit": "-1"}, {200, 400}, None),
    ("limit abc", SERVICES, {"limit": "abc"}, 400, "BadRequest"),
    ("limit 1e400", SERVICES, {"limit": "1e400"}, 400, "BadRequest"),
    ("limit int64 overflow", SERVICES, {"limit": "9223372036854775808"}, 400, "BadRequest"),
    ("continue garbage", SERVICES, {"limit": "1", "continue": "garbage!!"}, 400, "BadRequest"),
    ("continue base64 of garbage", SERVICES, {"limit": "1", "continue": "e30"}, 400, "BadRequest"),
    # A resourceVersion that is not a number: we serve the current state (reference §6.5 allows serving current
    # state where kube-apiserver would check the version against its cache).
    ("resourceVersion abc", SERVICES, {"resourceVersion": "abc"}, {200, 400, 422}, None),
    ("resourceVersion negative", SERVICES, {"resourceVersion": "-5"}, {200, 400, 422}, None),
    ("resourceVersion overflow", SERVICES, {"resourceVersion": "99999999999999999999999"}, {200, 400, 422}, None),
    ("resourceVersion abc on get", SERVICES + "/target", {"resourceVersion": "abc"}, {200, 400, 422}, None),
    ("resourceVersionMatch bogus", SERVICES, {"resourceVersion": "1", "resourceVersionMatch": "Bogus"}, 422, "Invalid"),
    ("timeoutSeconds x", SERVICES, {"watch": "1", "timeoutSeconds": "x"}, 400, "BadRequest"),
    ("timeoutSeconds overflow", SERVICES, {"watch": "1", "timeoutSeconds": "99999999999999999999"}, 400, "BadRequest"),
    ("watch resourceVersion abc", SERVICES, {"watch": "1", "resourceVersion": "abc", "timeoutSeconds": "1"},
     {200, 400, 410, 422}, None),
    ("fieldValidation bogus", SERVICES, {"fieldValidation": "Bogus"}, 422, "Invalid"),
    ("dryRun bogus", SERVICES, {"dryRun": "Bogus"}, 422, "Invalid"),
    ("gracePeriodSeconds x on delete", SERVICES + "/nonexistent", {"gracePeriodSeconds": "x"}, 400, "BadRequest"),
    ("propagationPolicy bogus", SERVICES + "/nonexistent", {"propagationPolicy": "Bogus"}, 422, "Invalid"),
    ("includeObject bogus", SERVICES, {"includeObject": "Everything"}, 400, "BadRequest"),
]


@pytest.mark.parametrize("label,path,params,codes,reason", QUERY_CASES, ids=[c[0] for c in QUERY_CASES])
def test_bad_query_parameters(bad_server, label, path, params, codes, reason):
    method = "GET"
    body = None
    if label.startswith(("fieldValidation", "dryRun")):
        method, body = "POST", service_body()
    elif "delete" in label or label.startswith("propagationPolicy"):
        method = "DELETE"
    headers = {"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"} if label.startswith("includeObject") else None
    resp = send(bad_server, method, path, body, params=params, headers=headers)
    if resp.status_code == 200:
        ANSWERS.append(200)
        assert 200 in (codes if isinstance(codes, set) else {codes}), resp.text[:300]
        assert_healthy(bad_server)
        return
    check_status(bad_server, resp, codes, reason)


# --------------------------------------------------------------------------------------------
# Patch bodies
# --------------------------------------------------------------------------------------------

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
APPLY = "application/apply-patch+yaml"

PATCH_BODY_CASES = [
    (ct, label, body, code)
    for ct in (JSON_PATCH, MERGE_PATCH, STRATEGIC, APPLY)
    for label, body, code in [
        ("empty", b"", 400),
        ("malformed", b"{", 400),
        ("deep", b"[" * 100_000, 400),
        ("invalid UTF-8", b'{"metadata":{"labels":{"a":"\xff"}}}', 400),
        ("number", b"5", 400),
    ]
] + [
    (JSON_PATCH, "object instead of a list", b'{"op":"add"}', 400),
    (JSON_PATCH, "operation without op", b'[{"path":"/metadata/labels"}]', {400, 422}),
    (JSON_PATCH, "unknown op", b'[{"op":"frobnicate","path":"/a"}]', {400, 422}),
    (JSON_PATCH, "path without slash", b'[{"op":"add","path":"metadata","value":1}]', {400, 422}),
    (JSON_PATCH, "index out of range", b'[{"op":"add","path":"/spec/ports/99","value":{}}]', 422),
    (JSON_PATCH, "huge index", b'[{"op":"add","path":"/spec/ports/99999999999999999999","value":{}}]', 422),
    (JSON_PATCH, "negative index", b'[{"op":"remove","path":"/spec/ports/-1"}]', 422),
    (JSON_PATCH, "failed test", b'[{"op":"test","path":"/metadata/name","value":"other"}]', 422),
    (JSON_PATCH, "move into itself", b'[{"op":"move","from":"/spec","path":"/spec/x"}]', 422),
    (JSON_PATCH, "remove the root", b'[{"op":"remove","path":""}]', 422),
    (JSON_PATCH, "replace the root with a string", b'[{"op":"replace","path":"","value":"x"}]', {400, 422}),
    (JSON_PATCH, "bad escape", b'[{"op":"add","path":"/metadata/labels/a~2b","value":"x"}]', {400, 422}),
    (JSON_PATCH, "10,001 operations", ("[" + ",".join(['{"op":"test","path":"/kind","value":"Service"}'] * 10_001)
                                       + "]").encode(), {400, 413, 422}),
    (MERGE_PATCH, "list body", b"[]", 400),
    (MERGE_PATCH, "null metadata", b'{"metadata":null}', {400, 422}),
    (STRATEGIC, "list body", b"[]", 400),
    # kube-apiserver answers these three with 500 (the error passes through unwrapped); we answer 400
    (STRATEGIC, "bad $patch directive", b'{"spec":{"$patch":"bogus"}}', 400),
    (STRATEGIC, "delete directive on a list element without merge key", b'{"spec":{"ports":[{"$patch":"delete"}]}}',
     400),
    (STRATEGIC, "$setElementOrder garbage", b'{"spec":{"$setElementOrder/ports":"x"}}', {400, 422}),
    (STRATEGIC, "$retainKeys garbage", b'{"spec":{"$retainKeys":5}}', {400, 422}),
    # with no finalizers to delete from, the directive is a no-op (200) rather than a format error
    (STRATEGIC, "$deleteFromPrimitiveList garbage", b'{"metadata":{"$deleteFromPrimitiveList/finalizers":"x"}}',
     {200, 400, 422}),
    (APPLY, "YAML garbage", b"a: [b\n  c: }", 400),
    (APPLY, "YAML list", b"- a\n- b\n", 400),
    (APPLY, "YAML anchors bomb", b"a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
                                 b"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
                                 b"e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
                                 b"g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n",
     400),
    (APPLY, "other kind", b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: target\n", 400),
    ("application/x-unknown-patch", "unknown patch type", b"{}", 415),
]


@pytest.mark.parametrize("content_type,label,body,codes", PATCH_BODY_CASES,
                         ids=[f"{c[0].split('/')[1]}-{c[1]}" for c in PATCH_BODY_CASES])
def test_bad_patch_bodies(bad_server, content_type, label, body, codes):
    params = {"fieldManager": "bad-input"} if content_type == APPLY else None
    before = bad_server.read(SERVICES + "/target")
    resp = send(bad_server, "PATCH", SERVICES + "/target", body, content_type, params=params)
    if resp.status_code == 200 and 200 in ({codes} if isinstance(codes, int) else codes):
        ANSWERS.append(200)
        assert bad_server.read(SERVICES + "/target")["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
        return
    check_status(bad_server, resp, codes, {"BadRequest", "Invalid", "RequestEntityTooLarge", "UnsupportedMediaType"})
    after = bad_server.read(SERVICES + "/target")
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"], "a failed patch wrote"


# --------------------------------------------------------------------------------------------
# Oversized bodies and headers
# --------------------------------------------------------------------------------------------

HUNDRED_MB = 100 * 1024 * 1024


def test_a_declared_100_mb_body_is_refused_before_it_is_sent(bad_server):
    """413 as soon as the headers are in: the client has sent 64 KiB of the 100 MB when the answer arrives."""
    head = (f"POST {SERVICES} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {HUNDRED_MB}\r\n\r\n").encode()
    started = time.monotonic()
    with socket.create_connection((bad_server.host, bad_server.port), timeout=REQUEST_TIMEOUT) as sock:
        sock.sendall(head + b" " * 65536)
        status, headers, body = read_response(sock, REQUEST_TIMEOUT)
    elapsed = time.monotonic() - started
    ANSWERS.append(status)
    assert status == 413, (status, body[:300])
    decoded = json.loads(body)
    assert decoded["kind"] == "Status" and decoded["reason"] == "RequestEntityTooLarge" and decoded["code"] == 413
    assert decoded["message"] == "Request entity too large: limit is 3145728", decoded
    assert elapsed < 2, f"413 took {elapsed:.2f} s"
    assert_healthy(bad_server)


def test_a_streamed_100_mb_body_is_refused_and_the_server_stays_responsive(bad_server):
    """A chunked body has no declared length: past 3 MiB the server drops every further chunk unbuffered (memory
    stays bounded) and answers 413 when the body ends — libmicrohttpd 0.9.75 cannot queue a reply in the middle of an
    upload, so it does read the 100 MB, at local-socket speed. The answer must come promptly and the server must
    stay healthy."""
    head = (f"POST {SERVICES} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n").encode()
    chunk = b"%x\r\n%s\r\n" % (1 << 20, b" " * (1 << 20))
    started = time.monotonic()
    sent = 0
    with socket.create_connection((bad_server.host, bad_server.port), timeout=REQUEST_TIMEOUT) as sock:
        sock.sendall(head)
        status = None
        try:
            while sent < HUNDRED_MB:
                sock.sendall(chunk)
                sent += 1 << 20
            sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed: what we want
        status, headers, body = read_response(sock, REQUEST_TIMEOUT)
    elapsed = time.monotonic() - started
    ANSWERS.append(status)
    assert status == 413, (status, body[:300])
    assert json.loads(body)["reason"] == "RequestEntityTooLarge"
    assert elapsed < 20, f"413 took {elapsed:.2f} s"
    assert_healthy(bad_server)


def test_a_100_kb_request_target_is_refused_without_harm(bad_server):
    """A request line larger than the connection's memory pool: libmicrohttpd answers 414 itself, before any
    handler runs, so the body is its own HTML, not a Status (Go's net/http in front of kube-apiserver answers such
    heads with a plain-text 431 too). The server must stay healthy."""
    target = SERVICES + "?labelSelector=" + "," * 100_000
    status, headers, body = raw_exchange(bad_server, f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    ANSWERS.append(status)
    assert status in (414, 431), (status, body[:200])
    assert_healthy(bad_server)


@pytest.mark.parametrize("label,headers", [
    ("one 1 MB header", {"X-Big": "a" * (1 << 20)}),
    ("one 64 KiB header", {"X-Big": "a" * (1 << 16)}),
    ("5,000 headers", {f"X-H{i}": "v" for i in range(5000)}),
    ("1 MB cookie", {"Cookie": "a=" + "b" * (1 << 20)}),
    ("1 MB Accept", {"Accept": "application/json," * 60_000}),
])
def test_huge_headers_are_refused_without_harm(bad_server, label, headers):
    """libmicrohttpd refuses a request head larger than the connection's memory pool with 431 (Go's net/http, in
    front of kube-apiserver, answers 431 too, for heads over 1 MB); the connection closes and the server is fine."""
    lines = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    data = f"GET {SERVICES} HTTP/1.1\r\nHost: x\r\n{lines}Connection: close\r\n\r\n".encode()
    started = time.monotonic()
    try:
        status, response_headers, body = raw_exchange(bad_server, data)
    except (BrokenPipeError, ConnectionResetError):
        status, response_headers, body = 431, {}, b""  # closed while we were still sending: refused
    ANSWERS.append(status)
    assert time.monotonic() - started < 5
    assert status in (431, 400, 413), (status, body[:300])
    assert_healthy(bad_server)
