"""HTTP-level behaviour: routing errors, limits, content negotiation, health, version and discovery.

Expected values come from shared/reference/kubernetes-api.md (§1, §2, §4.1, §5.1, §5.5, §6.1, §6.8, §8).
"""

from __future__ import annotations

import json

import pytest
import yaml

from support import assert_status, service, services_path

NOT_FOUND_MESSAGE = "the server could not find the requested resource"
METHOD_NOT_ALLOWED_MESSAGES = {
    "the server does not allow this method on the requested resource",
}
NOT_ACCEPTABLE_MESSAGE = (
    "only the following media types are accepted: application/json, application/yaml, "
    "application/vnd.kubernetes.protobuf"
)
UNSUPPORTED_MEDIA_PREFIX = "the body of the request was in an unknown format - accepted media types include: "


# --- startup contract -------------------------------------------------------------------------


def test_ready_line_is_the_only_stdout_output(server):
    server.get("/healthz")
    server.get("/api/v1/namespaces")
    server.post(services_path("default"), service("web"))
    assert server.stop() == 0
    assert server.extra_stdout == [], f"stdout after READY must stay empty: {server.extra_stdout}"


def test_kubeconfig_out_points_at_the_server(server):
    config = yaml.safe_load(server.kubeconfig.read_text())
    assert config["kind"] == "Config"
    assert config["apiVersion"] == "v1"
    current = config["current-context"]
    context = next(c["context"] for c in config["contexts"] if c["name"] == current)
    cluster = next(c["cluster"] for c in config["clusters"] if c["name"] == context["cluster"])
    assert cluster["server"] == server.base_url


# --- unknown paths and verbs ----------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/nope",
        "/api/v2",
        "/api/v1/widgets",
        "/api/v1/namespaces/default/widgets",
        "/apis/nosuch.example.com/v1",
        "/apis/discovery.k8s.io/v1/namespaces/default/widgets",
        "/api/v1/namespaces/default/services/web/status/extra",
        "/api/v1/namespaces/default/services/web/nosuchsubresource",
    ],
)
def test_unknown_path_is_404_status_not_found(server, path):
    resp = server.get(path)
    assert_status(resp, 404, "NotFound", NOT_FOUND_MESSAGE, details={})


@pytest.mark.parametrize(
    "method,path",
    [
        ("POST", "/api/v1/pods"),
        ("POST", "/api/v1/services"),
        ("POST", "/apis/discovery.k8s.io/v1/endpointslices"),
        ("DELETE", "/api/v1/namespaces"),
    ],
)
def test_wrong_verb_on_known_path_is_405_method_not_allowed(server, method, path):
    resp = server.request(method, path, json={"metadata": {"name": "x"}} if method == "POST" else None)
    body = assert_status(resp, 405, "MethodNotAllowed")
    assert body["message"] in METHOD_NOT_ALLOWED_MESSAGES or (
        body["message"].endswith("is not supported on resources of kind \"namespaces\"")
    ), body


# --- request bodies -------------------------------------------------------------------------


@pytest.mark.timeout(60)
def test_body_over_3_mib_is_413_request_entity_too_large(server):
    obj = service("big")
    obj["metadata"]["annotations"] = {"big": "x" * (3 * 1024 * 1024)}
    payload = json.dumps(obj).encode()
    assert len(payload) > 3 * 1024 * 1024
    resp = server.post(services_path("default"), data=payload, headers={"Content-Type": "application/json"},
                       timeout=30)
    assert_status(resp, 413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728")
    assert server.get(services_path("default", "big")).status_code == 404


@pytest.mark.parametrize("payload", [b'{"metadata": ', b"not json", b'{"metadata": {"name": "x"}} trailing'])
def test_malformed_json_is_400_bad_request(server, payload):
    resp = server.post(services_path("default"), data=payload, headers={"Content-Type": "application/json"})
    assert_status(resp, 400, "BadRequest")


def test_unsupported_content_type_on_create_is_415(server):
    resp = server.post(
        services_path("default"),
        data=json.dumps(service("web")),
        headers={"Content-Type": "text/plain"},
    )
    body = assert_status(resp, 415, "UnsupportedMediaType")
    assert body["message"].startswith(UNSUPPORTED_MEDIA_PREFIX), body
    assert "application/json" in body["message"][len(UNSUPPORTED_MEDIA_PREFIX):], body
    assert server.get(services_path("default", "web")).status_code == 404


@pytest.mark.parametrize("path", ["/api/v1/namespaces/default", "/api/v1/namespaces", "/api/v1/namespaces/nope"])
def test_unacceptable_accept_header_is_406_not_acceptable(server, path):
    resp = server.get(path, headers={"Accept": "image/png"})
    assert_status(resp, 406, "NotAcceptable", NOT_ACCEPTABLE_MESSAGE)


@pytest.mark.parametrize("accept", ["*/*", "application/*", "application/json", "image/png, application/json;q=0.5",
                                    "application/json, */*"])
def test_json_compatible_accept_headers_get_json(server, accept):
    resp = server.get("/api/v1/namespaces/default", headers={"Accept": accept})
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].split(";")[0] == "application/json"
    assert resp.json()["kind"] == "Namespace"


# --- pretty and booleans --------------------------------------------------------------------


@pytest.mark.parametrize("value", ["true", "True", "TRUE", "1", "yes", ""])
def test_pretty_true_indents_json(server, value):
    resp = server.get(f"/api/v1/namespaces/default?pretty={value}")
    assert resp.status_code == 200, resp.text
    assert resp.text.startswith('{\n  "kind": "Namespace",\n  "apiVersion": "v1",\n'), resp.text[:80]
    compact = server.get("/api/v1/namespaces/default").json()
    assert resp.json() == compact


@pytest.mark.parametrize("query", ["", "?pretty=false", "?pretty=False", "?pretty=0"])
def test_without_pretty_json_is_compact(server, query):
    resp = server.get(f"/api/v1/namespaces/default{query}")
    assert resp.status_code == 200, resp.text
    assert "\n" not in resp.text.rstrip("\n"), resp.text[:200]
    assert resp.text.startswith('{"kind":"Namespace","apiVersion":"v1",'), resp.text[:80]


# --- health and version ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/healthz", "/livez", "/readyz"])
def test_health_endpoints_answer_ok(server, path):
    resp = server.get(path)
    assert resp.status_code == 200
    assert resp.text == "ok"
    assert resp.headers["Content-Type"].startswith("text/plain")


def test_version_reports_kubernetes_1_32(server):
    resp = server.get("/version")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].split(";")[0] == "application/json"
    info = resp.json()
    assert info["major"] == "1"
    assert info["minor"] == "32"
    assert info["gitVersion"].startswith("v1.32."), info
    for key in ("gitCommit", "gitTreeState", "buildDate", "goVersion", "compiler", "platform"):
        assert isinstance(info.get(key), str) and info[key], f"/version lacks {key}: {info}"


# --- discovery ------------------------------------------------------------------------------

CRUD_VERBS = {"create", "delete", "get", "list", "patch", "update"}
STATUS_VERBS = ["get", "patch", "update"]


def test_api_lists_core_version_v1(server):
    doc = server.get("/api").json()
    assert doc["kind"] == "APIVersions"
    assert doc["versions"] == ["v1"]
    assert isinstance(doc["serverAddressByClientCIDRs"], list) and doc["serverAddressByClientCIDRs"]
    assert {"clientCIDR", "serverAddress"} <= set(doc["serverAddressByClientCIDRs"][0])


def test_apis_lists_discovery_group_with_preferred_version(server):
    doc = server.get("/apis").json()
    assert doc["kind"] == "APIGroupList"
    assert doc["apiVersion"] == "v1"
    groups = {g["name"]: g for g in doc["groups"]}
    assert "" not in groups, "the core group is not part of /apis"
    group = groups["discovery.k8s.io"]
    v1 = {"groupVersion": "discovery.k8s.io/v1", "version": "v1"}
    assert v1 in group["versions"]
    assert group["preferredVersion"] == v1


def test_api_group_document_for_discovery_k8s_io(server):
    doc = server.get("/apis/discovery.k8s.io").json()
    assert doc["kind"] == "APIGroup"
    assert doc["apiVersion"] == "v1"
    assert doc["name"] == "discovery.k8s.io"
    assert {"groupVersion": "discovery.k8s.io/v1", "version": "v1"} in doc["versions"]
    assert doc["preferredVersion"] == {"groupVersion": "discovery.k8s.io/v1", "version": "v1"}


def _resources(doc: dict) -> dict:
    return {r["name"]: r for r in doc["resources"]}


def test_core_v1_resource_list_is_sorted_and_includes_status_subresources(server):
    doc = server.get("/api/v1").json()
    assert doc["kind"] == "APIResourceList"
    assert doc["groupVersion"] == "v1"
    names = [r["name"] for r in doc["resources"]]
    assert names == sorted(names), names
    for required in ("namespaces", "namespaces/status", "pods", "pods/status", "services", "services/status"):
        assert required in names, names


@pytest.mark.parametrize(
    "name,singular,kind,namespaced,short,categories,collection_delete",
    [
        ("namespaces", "namespace", "Namespace", False, ["ns"], None, False),
        ("pods", "pod", "Pod", True, ["po"], ["all"], True),
        ("services", "service", "Service", True, ["svc"], ["all"], True),
    ],
)
def test_core_v1_resource_shape(server, name, singular, kind, namespaced, short, categories, collection_delete):
    resource = _resources(server.get("/api/v1").json())[name]
    assert resource["singularName"] == singular
    assert resource["kind"] == kind
    assert resource["namespaced"] is namespaced
    assert resource["shortNames"] == short
    if categories is None:
        assert not resource.get("categories"), resource
    else:
        assert resource["categories"] == categories
    verbs = resource["verbs"]
    assert verbs == sorted(verbs), verbs
    assert CRUD_VERBS <= set(verbs), verbs
    assert ("deletecollection" in verbs) is collection_delete, verbs


@pytest.mark.parametrize(
    "name,kind,namespaced",
    [("namespaces/status", "Namespace", False), ("pods/status", "Pod", True), ("services/status", "Service", True)],
)
def test_core_v1_status_subresource_shape(server, name, kind, namespaced):
    resource = _resources(server.get("/api/v1").json())[name]
    assert resource["singularName"] == ""
    assert resource["kind"] == kind
    assert resource["namespaced"] is namespaced
    assert resource["verbs"] == STATUS_VERBS


def test_discovery_v1_resource_list_has_endpointslices(server):
    doc = server.get("/apis/discovery.k8s.io/v1").json()
    assert doc["kind"] == "APIResourceList"
    assert doc["groupVersion"] == "discovery.k8s.io/v1"
    resource = _resources(doc)["endpointslices"]
    assert resource["singularName"] == "endpointslice"
    assert resource["namespaced"] is True
    assert resource["kind"] == "EndpointSlice"
    assert CRUD_VERBS | {"deletecollection"} <= set(resource["verbs"])
    assert resource["verbs"] == sorted(resource["verbs"])
    assert "all" not in (resource.get("categories") or [])


def test_discovery_documents_are_json(server):
    for path in ("/api", "/api/v1", "/apis", "/apis/discovery.k8s.io", "/apis/discovery.k8s.io/v1", "/version"):
        resp = server.get(path, headers={"Accept": "application/json, */*"})
        assert resp.status_code == 200, (path, resp.text)
        assert resp.headers["Content-Type"].split(";")[0] == "application/json", path


@pytest.mark.parametrize("path", ["/version", "/api", "/api/v1", "/apis", "/apis/discovery.k8s.io",
                                  "/apis/discovery.k8s.io/v1"])
def test_discovery_paths_with_trailing_slash_are_served(server, path):
    # The Python client (32.0.1) asks for /version/, /api/, /api/v1/, /apis/, /apis/{group}/ and /apis/{g}/{v}/
    # (VersionApi.get_code, CoreApi.get_api_versions, CoreV1Api.get_api_resources, ApisApi.get_api_versions, ...).
    plain = server.get(path)
    slashed = server.get(path + "/")
    assert plain.status_code == 200, plain.text
    assert slashed.status_code == 200, slashed.text
    assert slashed.json() == plain.json()
