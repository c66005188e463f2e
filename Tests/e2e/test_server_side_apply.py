"""Server-side apply with the real kubectl 1.32 (`kubectl apply --server-side`, reference §5.4, §14.4, §7.7).

Create, change and re-apply (including dropping a port), taking over an object that `kubectl apply` (client-side)
created: the conflict on the changed field, then `--force-conflicts`; and managedFields as
`kubectl get -o yaml --show-managed-fields` shows them. Raw HTTP pins the 422 for a missing fieldManager and the
409's Status body.
"""

from __future__ import annotations

import json

import pytest

from test_kubectl import KUBECTL, kubectl  # noqa: F401  (the fixture)

pytestmark = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")

PORT80 = 'k:{"port":80,"protocol":"TCP"}'


def manifest(tmp_path, target_port=8080, https=False):
    ports = [{"name": "http", "port": 80, "targetPort": target_port}]
    if https:
        ports.append({"name": "https", "port": 443, "targetPort": 8443})
    path = tmp_path / "svc.json"
    path.write_text(json.dumps({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {"selector": {"app": "web"}, "ports": ports},
    }))
    return str(path)


def managed(kubectl, name="web"):  # noqa: F811
    obj = json.loads(kubectl("get", "svc", name, "-o", "json", "--show-managed-fields").stdout)
    return obj, {(e["manager"], e["operation"]): e for e in obj["metadata"].get("managedFields", [])}


def test_server_side_apply_creates_then_updates_and_prunes(kubectl, tmp_path):  # noqa: F811
    out = kubectl("apply", "--server-side", "-f", manifest(tmp_path, https=True)).stdout
    assert out.strip() == "service/web serverside-applied"
    obj, entries = managed(kubectl)
    assert [p["port"] for p in obj["spec"]["ports"]] == [80, 443]
    entry = entries[("kubectl", "Apply")]
    assert entry["apiVersion"] == "v1" and entry["fieldsType"] == "FieldsV1"
    assert entry["fieldsV1"]["f:spec"]["f:ports"][PORT80] == {".": {}, "f:name": {}, "f:port": {}, "f:targetPort": {}}

    out = kubectl("apply", "--server-side", "-f", manifest(tmp_path, target_port=9090)).stdout
    assert out.strip() == "service/web serverside-applied"
    obj, entries = managed(kubectl)
    assert [(p["port"], p["targetPort"]) for p in obj["spec"]["ports"]] == [(80, 9090)]
    assert 'k:{"port":443,"protocol":"TCP"}' not in entries[("kubectl", "Apply")]["fieldsV1"]["f:spec"]["f:ports"]

    # kubectl hides managedFields unless asked.
    assert "managedFields" not in kubectl("get", "svc", "web", "-o", "yaml").stdout
    shown = kubectl("get", "svc", "web", "-o", "yaml", "--show-managed-fields").stdout
    assert "managedFields:" in shown and "manager: kubectl" in shown and "operation: Apply" in shown


def test_server_side_apply_takeover_conflicts_then_forces(kubectl, tmp_path):  # noqa: F811
    assert kubectl("apply", "-f", manifest(tmp_path, target_port=8081)).stdout.strip() == "service/web created"
    _, entries = managed(kubectl)
    assert ("kubectl-client-side-apply", "Update") in entries

    proc = kubectl("apply", "--server-side", "-f", manifest(tmp_path, target_port=8080), check=False)
    assert proc.returncode != 0
    assert ('Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: '
            '.spec.ports[port=80,protocol="TCP"].targetPort') in proc.stderr
    obj, _ = managed(kubectl)
    assert obj["spec"]["ports"][0]["targetPort"] == 8081

    # With the conflict forced, kubectl also migrates the client-side manager's fields to its own Apply entry (a
    # JSON patch of managedFields) and re-applies; that re-apply must keep the ports it still lists.
    proc = kubectl("apply", "--server-side", "--force-conflicts", "-f", manifest(tmp_path, target_port=8080))
    assert proc.stdout.strip() == "service/web serverside-applied"
    assert "failed to re-apply" not in proc.stderr, proc.stderr
    obj, entries = managed(kubectl)
    assert obj["spec"]["ports"][0]["targetPort"] == 8080
    assert "f:targetPort" in entries[("kubectl", "Apply")]["fieldsV1"]["f:spec"]["f:ports"][PORT80]
    for (manager, _), entry in entries.items():
        if manager != "kubectl":
            assert "f:targetPort" not in entry["fieldsV1"].get("f:spec", {}).get("f:ports", {}).get(PORT80, {})


def test_apply_patch_requires_field_manager_and_reports_conflicts_as_status(server):
    body = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
            "spec": {"ports": [{"port": 80, "targetPort": 8080}]}}
    path = "/api/v1/namespaces/default/services/web"
    resp = server.patch(path, body, content_type="application/apply-patch+yaml")
    assert resp.status_code == 422
    assert resp.json()["message"] == (
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch')

    resp = server.patch(path + "?fieldManager=one", body, content_type="application/apply-patch+yaml")
    assert resp.status_code == 201
    body["spec"]["ports"][0]["targetPort"] = 9090
    resp = server.patch(path + "?fieldManager=two", body, content_type="application/apply-patch+yaml")
    assert resp.status_code == 409
    status = resp.json()
    assert status["reason"] == "Conflict"
    assert status["message"] == ('Apply failed with 1 conflict: conflict with "one": '
                                 '.spec.ports[port=80,protocol="TCP"].targetPort')
    assert status["details"]["causes"] == [{"reason": "FieldManagerConflict", "message": 'conflict with "one"',
                                            "field": '.spec.ports[port=80,protocol="TCP"].targetPort'}]
    resp = server.patch(path + "?fieldManager=two&force=true", body, content_type="application/apply-patch+yaml")
    assert resp.status_code == 200
    assert resp.json()["spec"]["ports"][0]["targetPort"] == 9090

    resp = server.patch(path + "?force=true", {"metadata": {"labels": {"a": "b"}}})
    assert resp.status_code == 422


def test_apply_patch_body_may_be_yaml(server):
    # application/apply-patch+yaml bodies are YAML or JSON; curl users send YAML.
    body = ("apiVersion: v1\nkind: Service\nmetadata:\n  name: yamlweb\n  labels:\n    app: web\n"
            "spec:\n  ports:\n  - port: 80\n    targetPort: 8080\n")
    path = "/api/v1/namespaces/default/services/yamlweb?fieldManager=curl"
    resp = server.request("PATCH", path, data=body.encode(), headers={"Content-Type": "application/apply-patch+yaml"})
    assert resp.status_code == 201, resp.text
    created = resp.json()
    assert created["metadata"]["labels"] == {"app": "web"}
    assert created["spec"]["ports"][0]["targetPort"] == 8080
    assert any(entry["manager"] == "curl" and entry["operation"] == "Apply"
               for entry in created["metadata"]["managedFields"]), created["metadata"]["managedFields"]
