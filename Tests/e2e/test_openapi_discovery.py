"""OpenAPI v3, aggregated discovery and fieldValidation, driven by the real kubectl 1.32 and raw HTTP (reference §2.3,
§3, §6.9, §17.2.1). kubectl runs with a generated kubeconfig and a private cache dir, and validates as it does by
default (`--validate=strict`): no `--validate=false` anywhere here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from support import assert_status, service, services_path, unique_name

KUBECTL = shutil.which("kubectl") or ("/usr/bin/kubectl" if os.access("/usr/bin/kubectl", os.X_OK) else None)
COMMAND_TIMEOUT = 30
AGGREGATED_ACCEPT = ("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
                     "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json")
V2_CONTENT_TYPE = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"

SVC_YAML = """apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - port: 80
    targetPort: {target}
"""

UNKNOWN_FIELD_YAML = """apiVersion: v1
kind: Service
metadata:
  name: odd
spec:
  foo: 1
  ports:
  - port: 80
    bar: x
"""

needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")


@pytest.fixture
def kubectl(server, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    cache = tmp_path / "kube-cache"
    env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
    env["HOME"] = str(home)

    def run(*args: str, check: bool = True, editor: str | None = None) -> subprocess.CompletedProcess:
        cmd = [KUBECTL, "--kubeconfig", str(server.kubeconfig), "--cache-dir", str(cache), "--request-timeout=20s",
               *args]
        proc_env = dict(env, EDITOR=editor) if editor else env
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, env=proc_env,
                              stdin=subprocess.DEVNULL)
        if check:
            assert proc.returncode == 0, f"{' '.join(cmd)} -> {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
        return proc

    return run


# --- OpenAPI over HTTP -------------------------------------------------------------------------------------------


def test_openapi_v3_index_points_at_each_group_version_by_hash(server):
    resp = server.get("/openapi/v3")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "application/json"
    paths = resp.json()["paths"]
    assert set(paths) == {"api/v1", "apis/discovery.k8s.io/v1"}
    for key, entry in paths.items():
        url = entry["serverRelativeURL"]
        assert url.startswith(f"/openapi/v3/{key}?hash=")
        doc = server.get(url)
        assert doc.status_code == 200
        assert doc.headers["Content-Type"] == "application/json"
        assert doc.headers["Cache-Control"] == "public, immutable"
        assert doc.headers["ETag"] == '"' + url.split("hash=")[1] + '"'
        assert doc.json()["openapi"] == "3.0.0"


def test_openapi_v3_document_revalidates_and_redirects_stale_hashes(server):
    url = server.get("/openapi/v3").json()["paths"]["api/v1"]["serverRelativeURL"]
    etag = server.get(url).headers["ETag"]
    assert server.get(url, headers={"If-None-Match": etag}).status_code == 304
    stale = server.get("/openapi/v3/api/v1?hash=0123", allow_redirects=False)
    assert stale.status_code == 301
    assert stale.headers["Location"] == url
    assert server.get("/openapi/v3/apis/nosuch.k8s.io/v1").status_code == 404


def test_openapi_v2_is_not_served(server):
    # kubectl asks for v2 only as protobuf; a 404 sends it to v3 or its built-in types (reference §3.1).
    assert server.get("/openapi/v2").status_code == 404


def test_openapi_v3_service_patch_operation_declares_field_validation(server):
    url = server.get("/openapi/v3").json()["paths"]["api/v1"]["serverRelativeURL"]
    doc = server.get(url).json()
    patch = doc["paths"]["/api/v1/namespaces/{namespace}/services/{name}"]["patch"]
    assert patch["x-kubernetes-group-version-kind"] == {"group": "", "kind": "Service", "version": "v1"}
    assert patch["x-kubernetes-action"] == "patch"
    assert any(p["name"] == "fieldValidation" and p["in"] == "query" for p in patch["parameters"])
    assert "application/strategic-merge-patch+json" in patch["requestBody"]["content"]
    ports = doc["components"]["schemas"]["io.k8s.api.core.v1.ServiceSpec"]["properties"]["ports"]
    assert ports["x-kubernetes-patch-merge-key"] == "port"
    assert ports["items"] == {"$ref": "#/components/schemas/io.k8s.api.core.v1.ServicePort"}


# --- aggregated discovery ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api", "/apis"])
def test_aggregated_discovery_content_type_and_etag(server, path):
    resp = server.get(path, headers={"Accept": AGGREGATED_ACCEPT})
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == V2_CONTENT_TYPE
    body = resp.json()
    assert body["kind"] == "APIGroupDiscoveryList"
    assert body["apiVersion"] == "apidiscovery.k8s.io/v2"
    etag = resp.headers["ETag"]
    again = server.get(path, headers={"Accept": AGGREGATED_ACCEPT, "If-None-Match": etag})
    assert again.status_code == 304


def test_aggregated_discovery_v2beta1_and_legacy(server):
    beta = server.get("/apis", headers={
        "Accept": "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"})
    assert beta.headers["Content-Type"] == "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"
    assert beta.json()["items"][0]["metadata"]["name"] == "discovery.k8s.io"
    legacy = server.get("/api", headers={"Accept": "application/json, */*"})
    assert legacy.headers["Content-Type"] == "application/json"
    assert legacy.json()["kind"] == "APIVersions"


@needs_kubectl
def test_aggregated_content_type_with_curl(server):
    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("curl is not installed")
    out = subprocess.run([curl, "-s", "-o", "/dev/null", "-w", "%{content_type}", "-H", f"Accept: {AGGREGATED_ACCEPT}",
                          server.url("/api")], capture_output=True, text=True, timeout=10).stdout
    assert out == V2_CONTENT_TYPE


# --- fieldValidation over HTTP -----------------------------------------------------------------------------------


def test_field_validation_strict_create_is_400_listing_every_problem(server):
    ns = server.create_namespace()
    body = service(unique_name("s"))
    body["spec"]["foo"] = 1
    body["spec"]["ports"][0]["bar"] = 2
    resp = server.post(services_path(ns), body, params={"fieldValidation": "Strict"})
    assert_status(resp, 400, "BadRequest",
                  'Service in version "v1" cannot be handled as a Service: strict decoding error: '
                  'unknown field "spec.ports[0].bar", unknown field "spec.foo"')  # document order


def test_field_validation_strict_reports_duplicate_fields(server):
    ns = server.create_namespace()
    name = unique_name("s")
    raw = ('{"apiVersion":"v1","kind":"Service","metadata":{"name":"%s"},'
           '"spec":{"type":"ClusterIP","type":"ClusterIP","ports":[{"port":80}]}}' % name)
    resp = server.request("POST", services_path(ns), data=raw, params={"fieldValidation": "Strict"},
                          headers={"Content-Type": "application/json"})
    assert_status(resp, 400, "BadRequest",
                  'Service in version "v1" cannot be handled as a Service: strict decoding error: '
                  'duplicate field "spec.type"')


def test_field_validation_warn_is_the_default_and_drops_the_fields(server):
    ns = server.create_namespace()
    name = unique_name("s")
    body = service(name)
    body["spec"]["foo"] = 1
    resp = server.post(services_path(ns), body)
    assert resp.status_code == 201
    assert '299 - "unknown field \\"spec.foo\\""' in resp.headers.get("Warning", "")
    assert "foo" not in server.read(services_path(ns, name))["spec"]


def test_field_validation_ignore_is_silent(server):
    ns = server.create_namespace()
    body = service(unique_name("s"))
    body["metadata"]["bogus"] = "x"
    resp = server.post(services_path(ns), body, params={"fieldValidation": "Ignore"})
    assert resp.status_code == 201
    assert "unknown field" not in resp.headers.get("Warning", "")
    assert "bogus" not in resp.json()["metadata"]


def test_field_validation_strict_patch_is_422(server):
    ns = server.create_namespace()
    name = unique_name("s")
    server.create(services_path(ns), service(name))
    resp = server.patch(services_path(ns, name), {"spec": {"foo": 1}},
                        content_type="application/strategic-merge-patch+json", params={"fieldValidation": "Strict"})
    assert_status(resp, 422, "Invalid",
                  ' "" is invalid: patch: Invalid value: "map[spec:map[foo:1]]": strict decoding error: '
                  'unknown field "spec.foo"')
    warned = server.patch(services_path(ns, name), {"spec": {"foo": 1}})
    assert warned.status_code == 200
    assert 'unknown field \\"spec.foo\\"' in warned.headers.get("Warning", "")
    assert "foo" not in warned.json()["spec"]


# --- kubectl -----------------------------------------------------------------------------------------------------


@needs_kubectl
def test_kubectl_api_resources(kubectl):
    out = kubectl("api-resources").stdout
    lines = out.strip().splitlines()
    assert lines[0].split() == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert rows["services"] == ["services", "svc", "v1", "true", "Service"]
    assert rows["namespaces"] == ["namespaces", "ns", "v1", "false", "Namespace"]
    assert rows["endpointslices"] == ["endpointslices", "discovery.k8s.io/v1", "true", "EndpointSlice"]


@needs_kubectl
def test_kubectl_apply_create_then_change_with_default_validation(kubectl, tmp_path):
    manifest = tmp_path / "svc.yaml"
    manifest.write_text(SVC_YAML.format(target=8080))
    assert kubectl("apply", "-f", str(manifest)).stdout.strip() == "service/web created"
    manifest.write_text(SVC_YAML.format(target=9090))
    assert kubectl("apply", "-f", str(manifest)).stdout.strip() == "service/web configured"
    ports = json.loads(kubectl("get", "svc", "web", "-o", "jsonpath={.spec.ports}").stdout)
    assert ports == [{"port": 80, "protocol": "TCP", "targetPort": 9090}]


@needs_kubectl
def test_kubectl_create_with_unknown_field_is_a_strict_error(kubectl, tmp_path):
    manifest = tmp_path / "odd.yaml"
    manifest.write_text(UNKNOWN_FIELD_YAML)
    proc = kubectl("create", "-f", str(manifest), check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip() == (
        f'Error from server (BadRequest): error when creating "{manifest}": Service in version "v1" cannot be '
        'handled as a Service: strict decoding error: unknown field "spec.foo", unknown field "spec.ports[0].bar"')
    assert kubectl("get", "svc", "odd", check=False).returncode == 1


@needs_kubectl
def test_kubectl_create_validate_warn_prints_warnings(kubectl, tmp_path):
    manifest = tmp_path / "odd.yaml"
    manifest.write_text(UNKNOWN_FIELD_YAML)
    proc = kubectl("create", "-f", str(manifest), "--validate=warn")
    assert proc.stdout.strip() == "service/odd created"
    assert 'Warning: unknown field "spec.foo"' in proc.stderr
    assert 'Warning: unknown field "spec.ports[0].bar"' in proc.stderr


@needs_kubectl
def test_kubectl_edit_with_scripted_editor(kubectl, tmp_path):
    manifest = tmp_path / "svc.yaml"
    manifest.write_text(SVC_YAML.format(target=8080))
    kubectl("apply", "-f", str(manifest))
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nsed -i 's/targetPort: 8080/targetPort: 7070/' \"$1\"\n")
    editor.chmod(0o755)
    assert kubectl("edit", "svc", "web", editor=str(editor)).stdout.strip() == "service/web edited"
    assert kubectl("get", "svc", "web", "-o", "jsonpath={.spec.ports[0].targetPort}").stdout == "7070"


@needs_kubectl
def test_kubectl_explain_service_spec_ports(kubectl):
    out = kubectl("explain", "service.spec.ports").stdout
    assert out.startswith("KIND:       Service\nVERSION:    v1\n\nFIELD: ports <[]ServicePort>\n"), out
    assert "The list of ports that are exposed by this service." in out
    for field in ("appProtocol\t<string>", "nodePort\t<integer>", "port\t<integer> -required-",
                  "targetPort\t<IntOrString>"):
        assert field in out, out
