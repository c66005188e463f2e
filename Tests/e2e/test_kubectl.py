"""kubectl 1.32 against the server, with the generated kubeconfig and a private cache dir (§2.4, §16.1).

OpenAPI is not served in this milestone, and kubectl's client-side validation of `create -f` needs it
(reference §3, §17.2.1), so `create -f` runs with `--validate=false`. Skipped only when kubectl is absent.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

KUBECTL = shutil.which("kubectl") or ("/usr/bin/kubectl" if os.access("/usr/bin/kubectl", os.X_OK) else None)
COMMAND_TIMEOUT = 30  # seconds per kubectl invocation

pytestmark = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")


@pytest.fixture
def kubectl(server, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    cache = tmp_path / "kube-cache"
    env = {k: v for k, v in os.environ.items() if k not in ("KUBECONFIG",)}
    env["HOME"] = str(home)

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [KUBECTL, "--kubeconfig", str(server.kubeconfig), "--cache-dir", str(cache),
               "--request-timeout=20s", *args]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, env=env,
                              stdin=subprocess.DEVNULL)
        if check:
            assert proc.returncode == 0, f"{' '.join(cmd)} -> {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
        return proc

    return run


def test_kubectl_get_raw_lists_pods(kubectl):
    out = kubectl("get", "--raw", "/api/v1/namespaces/default/pods").stdout
    body = json.loads(out)
    assert body["kind"] == "PodList"
    assert body["items"] == []


def test_kubectl_get_ns_lists_the_four_default_namespaces(kubectl):
    out = kubectl("get", "ns").stdout
    lines = out.strip().splitlines()
    assert lines[0].split()[0] == "NAME", out
    names = {line.split()[0] for line in lines[1:]}
    assert {"default", "kube-system", "kube-public", "kube-node-lease"} <= names, out


def test_kubectl_get_ns_output_name(kubectl):
    out = kubectl("get", "ns", "-o", "name").stdout.split()
    for ns in ("default", "kube-node-lease", "kube-public", "kube-system"):
        assert f"namespace/{ns}" in out


def test_kubectl_create_get_and_delete_service(kubectl, tmp_path):
    manifest = tmp_path / "svc.json"
    manifest.write_text(json.dumps({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]},
    }))
    out = kubectl("create", "-f", str(manifest), "--validate=false").stdout
    assert out.strip() == "service/web created"

    obj = json.loads(kubectl("get", "svc", "web", "-o", "json").stdout)
    assert obj["kind"] == "Service"
    assert obj["metadata"]["name"] == "web"
    assert obj["metadata"]["namespace"] == "default"
    assert obj["metadata"]["labels"] == {"app": "web"}
    assert obj["spec"]["ports"][0]["port"] == 80

    listed = json.loads(kubectl("get", "services", "-l", "app=web", "-o", "json").stdout)
    assert [i["metadata"]["name"] for i in listed["items"]] == ["web"]

    out = kubectl("delete", "svc", "web").stdout
    assert out.strip() == 'service "web" deleted'

    proc = kubectl("get", "svc", "web", check=False)
    assert proc.returncode != 0
    assert 'Error from server (NotFound): services "web" not found' in proc.stderr


def test_kubectl_create_in_missing_namespace_reports_not_found(kubectl, tmp_path):
    manifest = tmp_path / "pod.json"
    manifest.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p1"},
        "spec": {"containers": [{"name": "c", "image": "nginx"}]},
    }))
    proc = kubectl("create", "-f", str(manifest), "-n", "nosuchns", "--validate=false", check=False)
    assert proc.returncode != 0
    assert 'namespaces "nosuchns" not found' in proc.stderr


def test_kubectl_get_pods_in_empty_namespace(kubectl):
    proc = kubectl("get", "pods")
    assert "No resources found in default namespace." in proc.stderr


def test_kubectl_label_uses_merge_patch(kubectl, tmp_path):
    manifest = tmp_path / "svc.json"
    manifest.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]},
    }))
    kubectl("create", "-f", str(manifest), "--validate=false")
    assert kubectl("label", "svc", "web", "tier=frontend").stdout.strip() == "service/web labeled"
    obj = json.loads(kubectl("get", "svc", "web", "-o", "json").stdout)
    assert obj["metadata"]["labels"] == {"tier": "frontend"}


def test_kubectl_version_reports_server_1_32(kubectl):
    info = json.loads(kubectl("version", "-o", "json").stdout)
    assert info["serverVersion"]["gitVersion"].startswith("v1.32.")
