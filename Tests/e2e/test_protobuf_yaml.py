"""Protobuf and YAML request bodies, and YAML answers (reference §4.1, §4.3; issue 6 items 4 and 6).

kubectl 1.32's typed commands (`create namespace`, `create service ...`) send `application/vnd.kubernetes.protobuf`
and never fall back to JSON; `curl --data-binary @svc.yaml -H 'Content-Type: application/yaml'` sends YAML.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from test_kubectl import KUBECTL, kubectl  # noqa: F401  (fixture)

CURL = shutil.which("curl")
ACCEPTED = "application/json, application/yaml, application/vnd.kubernetes.protobuf"


def curl(server, *args: str) -> tuple[int, dict[str, str], str]:
    proc = subprocess.run([CURL, "-sS", "-D", "-", *args], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    head, _, body = proc.stdout.partition("\n\n")  # text mode turned CRLF into LF
    lines = head.split("\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return status, headers, body


@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")
def test_kubectl_typed_creates_send_protobuf_and_store_the_objects(server, kubectl):  # noqa: F811
    kubectl("create", "namespace", "foo")
    ns = server.read("/api/v1/namespaces/foo")
    assert ns["metadata"]["name"] == "foo" and ns["status"]["phase"] == "Active"

    kubectl("create", "service", "clusterip", "web2", "--tcp=80:8080")
    svc = server.read("/api/v1/namespaces/default/services/web2")
    assert svc["metadata"]["labels"] == {"app": "web2"}
    assert svc["spec"]["type"] == "ClusterIP" and svc["spec"]["selector"] == {"app": "web2"}
    assert svc["spec"]["ports"] == [{"name": "80-8080", "protocol": "TCP", "port": 80, "targetPort": 8080}]
    assert svc["spec"]["clusterIP"] and svc["spec"]["clusterIP"] != "None"
    fields = [m for m in svc["metadata"].get("managedFields", []) if m.get("manager") == "kubectl-create"]
    assert fields or "managedFields" not in svc["metadata"]

    kubectl("create", "service", "nodeport", "np", "--tcp=80:8080")
    np = server.read("/api/v1/namespaces/default/services/np")
    assert np["spec"]["type"] == "NodePort"
    assert 30000 <= np["spec"]["ports"][0]["nodePort"] <= 32767

    kubectl("create", "service", "loadbalancer", "lb", "--tcp=80:8080")
    lb = server.read("/api/v1/namespaces/default/services/lb")
    assert lb["spec"]["type"] == "LoadBalancer" and lb["spec"]["ports"][0]["nodePort"] >= 30000

    kubectl("run", "nginx", "--image=nginx")
    pod = server.read("/api/v1/namespaces/default/pods/nginx")
    assert pod["metadata"]["labels"] == {"run": "nginx"}
    assert pod["spec"]["containers"][0]["image"] == "nginx"
    assert pod["spec"]["restartPolicy"] == "Always"

    kubectl("expose", "pod", "nginx", "--port=81", "--name=exp")
    exp = server.read("/api/v1/namespaces/default/services/exp")
    assert exp["spec"]["selector"] == {"run": "nginx"}
    assert exp["spec"]["ports"][0]["port"] == 81 and exp["spec"]["ports"][0]["targetPort"] == 81

    out = kubectl("get", "svc", "web2", "np", "lb", "exp", "-o", "name").stdout.split()
    assert out == ["service/web2", "service/np", "service/lb", "service/exp"]


def test_malformed_protobuf_is_a_400(server):
    resp = server.post("/api/v1/namespaces", data=b"k8s\x00\x0a\xff",
                       headers={"Content-Type": "application/vnd.kubernetes.protobuf"})
    assert resp.status_code == 400, resp.text
    assert resp.json()["reason"] == "BadRequest"
    resp = server.post("/api/v1/namespaces", data=b"{}", headers={"Content-Type": "application/vnd.kubernetes.protobuf"})
    assert resp.status_code == 400


def test_unsupported_body_type_lists_the_three_encodings(server):
    resp = server.post("/api/v1/namespaces", data=b"x", headers={"Content-Type": "text/plain"})
    assert resp.status_code == 415
    assert resp.json()["message"].endswith("accepted media types include: " + ACCEPTED)
    resp = server.get("/api/v1/namespaces", headers={"Accept": "text/html"})
    assert resp.status_code == 406
    assert resp.json()["message"] == "only the following media types are accepted: " + ACCEPTED


SERVICE_YAML = """\
apiVersion: v1
kind: Service
metadata:
  name: yaml-svc
  labels:
    app: web
    enabled: "on"
spec:
  selector:
    app: web
  ports:
  - name: http
    port: 80
    targetPort: 8080
"""


@pytest.mark.skipif(CURL is None, reason="curl is not installed")
def test_curl_yaml_create_and_yaml_get(server, tmp_path):
    path = tmp_path / "svc.yaml"
    path.write_text(SERVICE_YAML)
    status, headers, body = curl(server, "--data-binary", f"@{path}", "-H", "Content-Type: application/yaml",
                                 server.url("/api/v1/namespaces/default/services"))
    assert status == 201, body
    created = json.loads(body)
    assert created["metadata"]["labels"] == {"app": "web", "enabled": "on"}
    assert created["spec"]["ports"][0]["targetPort"] == 8080

    status, headers, body = curl(server, "-H", "Accept: application/yaml",
                                 server.url("/api/v1/namespaces/default/services/yaml-svc"))
    assert status == 200 and headers["content-type"] == "application/yaml"
    assert body.startswith("apiVersion: v1\nkind: Service\nmetadata:\n")
    assert '    enabled: "on"\n' in body and "  - name: http\n" in body

    status, headers, body = curl(server, "-H", "Accept: application/yaml",
                                 server.url("/api/v1/namespaces/default/services"))
    assert status == 200 and headers["content-type"] == "application/yaml"
    assert "kind: ServiceList" in body and "name: yaml-svc" in body


def test_yaml_update_and_strict_field_validation(server):
    created = server.post("/api/v1/namespaces/default/services", data=SERVICE_YAML.replace("yaml-svc", "y2"),
                          headers={"Content-Type": "application/yaml"})
    assert created.status_code == 201, created.text
    rv = created.json()["metadata"]["resourceVersion"]
    update = SERVICE_YAML.replace("yaml-svc", "y2").replace("port: 80", "port: 81") + "  sessionAffinity: None\n"
    update = update.replace("  name: y2\n", f"  name: y2\n  resourceVersion: \"{rv}\"\n")
    resp = server.put("/api/v1/namespaces/default/services/y2", data=update,
                      headers={"Content-Type": "application/yaml"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["spec"]["ports"][0]["port"] == 81

    bad = SERVICE_YAML.replace("yaml-svc", "y3") + "  bogus: 1\n"
    resp = server.post("/api/v1/namespaces/default/services?fieldValidation=Strict", data=bad,
                       headers={"Content-Type": "application/yaml"})
    assert resp.status_code == 400
    assert 'strict decoding error: unknown field "spec.bogus"' in resp.json()["message"]
    resp = server.post("/api/v1/namespaces/default/services?fieldValidation=Warn", data=bad,
                       headers={"Content-Type": "application/yaml"})
    assert resp.status_code == 201 and 'unknown field \\"spec.bogus\\"' in resp.headers.get("Warning", "")

    resp = server.post("/api/v1/namespaces/default/services", data="metadata: [unclosed",
                       headers={"Content-Type": "application/yaml"})
    assert resp.status_code == 400


def test_yaml_delete_options(server):
    server.create("/api/v1/namespaces/default/services",
                  {"metadata": {"name": "del"}, "spec": {"ports": [{"port": 80}]}})
    resp = server.delete("/api/v1/namespaces/default/services/del", data="propagationPolicy: Bogus\n",
                         headers={"Content-Type": "application/yaml"})
    assert resp.status_code == 422, resp.text
    resp = server.delete("/api/v1/namespaces/default/services/del", data="kind: DeleteOptions\napiVersion: v1\n",
                         headers={"Content-Type": "application/yaml"})
    assert resp.status_code == 200, resp.text
