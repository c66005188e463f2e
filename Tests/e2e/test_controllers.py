"""The controllers end to end (issue 5; reference §7.5, §7.6, §12, §13.3, §13.4, §15): the EndpointSlice controller,
the pod lifecycle simulator, the garbage collector and the namespace controller, driven through raw HTTP, the
official Python client and kubectl, and always waited for through `GET /debug/controllers/sync` (never sleeps).

Clock-driven work (a Pod's ready delay, a grace period) is not covered by the sync endpoint; those tests wait on a
watch for the expected event instead, with a bound.
"""

from __future__ import annotations

import concurrent.futures
import ipaddress
import json
import os
import shutil
import subprocess
import time

import pytest
from kubernetes import client

from support import (
    KubeClients,
    assert_status,
    namespaces_path,
    open_watch,
    pods_path,
    running_server,
    rv,
    services_path,
    slices_path,
)

NS = "default"
NODES = {"node-1", "node-2", "node-3"}
POD_CIDR = ipaddress.ip_network("10.244.0.0/16")
MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
SERVICE_NAME = "kubernetes.io/service-name"
READY_ANNOTATION = "serviceplane.dev/ready"
KUBECTL = shutil.which("kubectl") or ("/usr/bin/kubectl" if os.access("/usr/bin/kubectl", os.X_OK) else None)
TIMEOUT = 10  # seconds, _request_timeout for Python client calls


# --- helpers ----------------------------------------------------------------------------------


def sync(server) -> int:
    """Waits for the controllers (GET /debug/controllers/sync) and returns the resourceVersion it reports."""
    resp = server.get("/debug/controllers/sync", timeout=40)
    assert resp.status_code == 200, f"sync: {resp.status_code} {resp.text}"
    body = resp.json()
    assert set(body) == {"resourceVersion"} and isinstance(body["resourceVersion"], str), body
    return int(body["resourceVersion"])


def svc(name: str, selector: dict | None = None, ports: list | None = None, labels: dict | None = None,
        **spec) -> dict:
    body: dict = {"ports": ports if ports is not None else [{"port": 80, "targetPort": 8080}], **spec}
    if selector is not None:
        body["selector"] = selector
    meta: dict = {"name": name}
    if labels:
        meta["labels"] = labels
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": body}


def mkpod(name: str, labels: dict | None = None, ports: list | None = None, annotations: dict | None = None,
          grace: int | None = None, **spec) -> dict:
    container: dict = {"name": "c", "image": "nginx:1.27"}
    if ports:
        container["ports"] = ports
    meta: dict = {"name": name, "labels": labels if labels is not None else {"app": "web"}}
    if annotations:
        meta["annotations"] = annotations
    body: dict = {"containers": [container], **spec}
    if grace is not None:
        body["terminationGracePeriodSeconds"] = grace
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": body}


def create_pods(server, pods: list[dict], ns: str = NS) -> None:
    """Creates many pods over a few connections in parallel."""
    def one(obj: dict) -> tuple[int, str]:
        resp = server.post(pods_path(ns), obj)
        return resp.status_code, resp.text

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        for code, text in pool.map(one, pods):
            assert code == 201, f"create pod: {code} {text}"


def service_slices(server, name: str, ns: str = NS) -> list[dict]:
    return server.list(slices_path(ns), labelSelector=f"{SERVICE_NAME}={name}")["items"]


def endpoints_of(slices: list[dict]) -> list[dict]:
    return [endpoint for s in slices for endpoint in (s.get("endpoints") or [])]


def by_pod(slices: list[dict]) -> dict[str, dict]:
    """Endpoint per targetRef pod name."""
    return {e["targetRef"]["name"]: e for e in endpoints_of(slices)}


def condition(obj: dict, kind: str) -> str | None:
    for c in (obj.get("status") or {}).get("conditions") or []:
        if c.get("type") == kind:
            return c.get("status")
    return None


def strategic(server, path: str, body: dict):
    return server.patch(path, body, content_type="application/strategic-merge-patch+json")


def wait_for_event(server, path: str, name: str, from_rv: int, predicate, timeout: float) -> tuple[dict, float]:
    """Watches `path` for `name` from `from_rv` until an event satisfies `predicate`; returns it and its arrival
    time (monotonic)."""
    deadline = time.monotonic() + timeout
    with open_watch(server, path, watch="1", resourceVersion=str(from_rv),
                    fieldSelector=f"metadata.name={name}") as stream:
        assert stream.status_code == 200, stream.body
        while True:
            event = stream.next_event(timeout=deadline - time.monotonic())
            if predicate(event):
                return event, time.monotonic()


def kubectl_runner(server, tmp_path):
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    cache = tmp_path / "kube-cache"
    env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
    env["HOME"] = str(home)

    def command(*args: str) -> list[str]:
        return [KUBECTL, "--kubeconfig", str(server.kubeconfig), "--cache-dir", str(cache),
                "--request-timeout=20s", *args]

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = command(*args)
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=30, env=env, stdin=subprocess.DEVNULL)
        if check:
            assert proc.returncode == 0, f"{' '.join(cmd)} -> {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
        return proc

    def popen(*args: str) -> subprocess.Popen:
        return subprocess.Popen(command(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                                stdin=subprocess.DEVNULL)

    return run, popen


needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")


@pytest.fixture
def skube(simulated_server):
    clients = KubeClients(simulated_server.kubeconfig)
    try:
        yield clients
    finally:
        clients.close()


# --- the EndpointSlice controller --------------------------------------------------------------


def test_service_and_three_pods_give_one_slice_with_three_ready_endpoints(simulated_server, skube):
    core, discovery = skube.core, skube.discovery
    created = core.create_namespaced_service(NS, client.V1Service(
        metadata=client.V1ObjectMeta(name="web", labels={"team": "orders"}),
        spec=client.V1ServiceSpec(selector={"app": "web"}, ports=[client.V1ServicePort(port=80, target_port=8080)])),
        _request_timeout=TIMEOUT)
    pods = {}
    for i in range(3):
        p = core.create_namespaced_pod(NS, client.V1Pod(
            metadata=client.V1ObjectMeta(name=f"web-{i}", labels={"app": "web"}),
            spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="nginx:1.27")])),
            _request_timeout=TIMEOUT)
        pods[p.metadata.name] = p
    sync(simulated_server)

    listed = discovery.list_namespaced_endpoint_slice(NS, label_selector=f"{SERVICE_NAME}=web", _request_timeout=TIMEOUT)
    assert len(listed.items) == 1, [s.metadata.name for s in listed.items]
    s = listed.items[0]
    assert s.metadata.generate_name == "web-" and s.metadata.name.startswith("web-")
    assert s.metadata.labels == {"team": "orders", SERVICE_NAME: "web", MANAGED_BY: "endpointslice-controller.k8s.io"}
    [owner] = s.metadata.owner_references
    assert (owner.api_version, owner.kind, owner.name, owner.uid, owner.controller, owner.block_owner_deletion) == \
        ("v1", "Service", "web", created.metadata.uid, True, True)
    assert s.address_type == "IPv4"
    assert [(p.name, p.port, p.protocol) for p in s.ports] == [("", 8080, "TCP")]
    assert len(s.endpoints) == 3
    for endpoint in s.endpoints:
        pod_obj = core.read_namespaced_pod(endpoint.target_ref.name, NS, _request_timeout=TIMEOUT)
        assert endpoint.addresses == [pod_obj.status.pod_ip]
        assert (endpoint.conditions.ready, endpoint.conditions.serving, endpoint.conditions.terminating) == (True, True, False)
        assert endpoint.node_name == pod_obj.spec.node_name and endpoint.node_name in NODES
        ref = endpoint.target_ref
        assert (ref.kind, ref.namespace, ref.uid) == ("Pod", NS, pods[ref.name].metadata.uid)
        assert ref.api_version is None and ref.resource_version is None
    assert sorted(e.target_ref.name for e in s.endpoints) == ["web-0", "web-1", "web-2"]


def test_unrelated_pod_change_writes_nothing(simulated_server):
    server = simulated_server
    server.create(services_path(NS), svc("web", selector={"app": "web"}))
    create_pods(server, [mkpod(f"web-{i}") for i in range(3)])
    sync(server)
    [before] = service_slices(server, "web")
    resp = server.patch(pods_path(NS, "web-1"), {"metadata": {"annotations": {"note": "unrelated"}}})
    assert resp.status_code == 200, resp.text
    sync(server)
    [after] = service_slices(server, "web")
    assert rv(after) == rv(before), "an unchanged endpoint set must not rewrite the slice (minimal churn)"


def test_relabelled_pod_leaves_the_slice_and_rejoins(simulated_server):
    server = simulated_server
    server.create(services_path(NS), svc("web", selector={"app": "web"}))
    create_pods(server, [mkpod(f"web-{i}") for i in range(3)])
    sync(server)
    assert sorted(by_pod(service_slices(server, "web"))) == ["web-0", "web-1", "web-2"]

    resp = server.patch(pods_path(NS, "web-1"), {"metadata": {"labels": {"app": "other"}}})
    assert resp.status_code == 200, resp.text
    sync(server)
    slices = service_slices(server, "web")
    assert len(slices) == 1 and sorted(by_pod(slices)) == ["web-0", "web-2"], slices

    resp = server.patch(pods_path(NS, "web-1"), {"metadata": {"labels": {"app": "web"}}})
    assert resp.status_code == 200, resp.text
    sync(server)
    assert sorted(by_pod(service_slices(server, "web"))) == ["web-0", "web-1", "web-2"]


def test_ready_annotation_flips_the_endpoint(simulated_server):
    server = simulated_server
    server.create(services_path(NS), svc("web", selector={"app": "web"}))
    create_pods(server, [mkpod("web-0"), mkpod("web-1")])
    sync(server)

    resp = server.patch(pods_path(NS, "web-0"), {"metadata": {"annotations": {READY_ANNOTATION: "false"}}})
    assert resp.status_code == 200, resp.text
    sync(server)
    p = server.read(pods_path(NS, "web-0"))
    assert condition(p, "Ready") == "False", p["status"]
    assert p["status"]["phase"] == "Running"
    assert [c["ready"] for c in p["status"]["containerStatuses"]] == [False]
    endpoints = by_pod(service_slices(server, "web"))
    assert endpoints["web-0"]["conditions"] == {"ready": False, "serving": False, "terminating": False}
    assert endpoints["web-1"]["conditions"] == {"ready": True, "serving": True, "terminating": False}

    resp = server.patch(pods_path(NS, "web-0"), {"metadata": {"annotations": {READY_ANNOTATION: "true"}}})
    assert resp.status_code == 200, resp.text
    sync(server)
    assert condition(server.read(pods_path(NS, "web-0")), "Ready") == "True"
    assert by_pod(service_slices(server, "web"))["web-0"]["conditions"] == \
        {"ready": True, "serving": True, "terminating": False}


def test_pod_created_with_ready_false_annotation_starts_not_ready(simulated_server):
    server = simulated_server
    server.create(services_path(NS), svc("web", selector={"app": "web"}))
    create_pods(server, [mkpod("web-0", annotations={READY_ANNOTATION: "false"})])
    sync(server)
    p = server.read(pods_path(NS, "web-0"))
    assert p["status"]["phase"] == "Running" and condition(p, "Ready") == "False", p["status"]
    assert by_pod(service_slices(server, "web"))["web-0"]["conditions"]["ready"] is False


def test_readiness_gate_set_through_the_status_subresource_flips_ready(simulated_server):
    server = simulated_server
    gate = "example.com/feature-ready"
    server.create(services_path(NS), svc("web", selector={"app": "web"}))
    create_pods(server, [mkpod("web-0", readinessGates=[{"conditionType": gate}])])
    sync(server)
    p = server.read(pods_path(NS, "web-0"))
    assert p["status"]["phase"] == "Running", p["status"]
    assert condition(p, "Ready") == "False", p["status"]["conditions"]
    assert by_pod(service_slices(server, "web"))["web-0"]["conditions"]["ready"] is False

    resp = strategic(server, pods_path(NS, "web-0") + "/status",
                     {"status": {"conditions": [{"type": gate, "status": "True"}]}})
    assert resp.status_code == 200, resp.text
    sync(server)
    p = server.read(pods_path(NS, "web-0"))
    assert condition(p, gate) == "True" and condition(p, "Ready") == "True", p["status"]["conditions"]
    assert by_pod(service_slices(server, "web"))["web-0"]["conditions"] == \
        {"ready": True, "serving": True, "terminating": False}

    resp = strategic(server, pods_path(NS, "web-0") + "/status",
                     {"status": {"conditions": [{"type": gate, "status": "False"}]}})
    assert resp.status_code == 200, resp.text
    sync(server)
    assert condition(server.read(pods_path(NS, "web-0")), "Ready") == "False"
    assert by_pod(service_slices(server, "web"))["web-0"]["conditions"]["ready"] is False


def test_readiness_gate_does_not_touch_containers_ready(simulated_server):
    # kubelet: ContainersReady reflects the containers only; a False gate makes only Ready False (§13.3).
    server = simulated_server
    create_pods(server, [mkpod("web-0", readinessGates=[{"conditionType": "example.com/gate"}])])
    sync(server)
    p = server.read(pods_path(NS, "web-0"))
    assert condition(p, "Ready") == "False", p["status"]["conditions"]
    assert condition(p, "ContainersReady") == "True", p["status"]["conditions"]
    assert [c["ready"] for c in p["status"]["containerStatuses"]] == [True], p["status"]["containerStatuses"]


def test_status_written_by_the_user_is_not_overwritten(simulated_server):
    server = simulated_server
    server.create(services_path(NS), svc("web", selector={"app": "web"}))
    create_pods(server, [mkpod("web-0")])
    sync(server)
    resp = strategic(server, pods_path(NS, "web-0") + "/status",
                     {"status": {"conditions": [{"type": "Ready", "status": "False"}]}})
    assert resp.status_code == 200, resp.text
    sync(server)
    assert condition(server.read(pods_path(NS, "web-0")), "Ready") == "False"
    assert by_pod(service_slices(server, "web"))["web-0"]["conditions"]["ready"] is False


@pytest.mark.parametrize("max_per_slice, expected", [(None, 3), (10, 25)])
def test_250_pods_fill_slices_up_to_the_maximum(tmp_path, max_per_slice, expected):
    # Pods first, then the Service: its first sync sees all 250, so the packing is exactly ceil(250 / max).
    args = () if max_per_slice is None else ("--max-endpoints-per-slice", str(max_per_slice))
    limit = max_per_slice or 100
    with running_server(tmp_path, args, simulate_pods=True) as server:
        create_pods(server, [mkpod(f"web-{i}") for i in range(250)])
        sync(server)
        server.create(services_path(NS), svc("web", selector={"app": "web"}))
        sync(server)
        slices = service_slices(server, "web")
        assert len(slices) == expected, sorted(len(s["endpoints"]) for s in slices)
        assert all(len(s["endpoints"]) <= limit for s in slices)
        endpoints = endpoints_of(slices)
        assert len(endpoints) == 250
        assert len({e["addresses"][0] for e in endpoints}) == 250
        assert all(e["conditions"]["ready"] for e in endpoints)
        assert all(s["metadata"]["generateName"] == "web-" for s in slices)


@pytest.mark.parametrize("max_per_slice", [100, 10])
def test_250_pods_arriving_after_the_service_are_all_listed(tmp_path, max_per_slice):
    # Pods arriving in batches: like kube-controller-manager, slices are filled but never rebalanced, so the
    # count may exceed ceil(250 / max); every endpoint is listed once and no slice exceeds the maximum.
    with running_server(tmp_path, ("--max-endpoints-per-slice", str(max_per_slice)), simulate_pods=True) as server:
        server.create(services_path(NS), svc("web", selector={"app": "web"}))
        create_pods(server, [mkpod(f"web-{i}") for i in range(250)])
        sync(server)
        slices = service_slices(server, "web")
        sizes = sorted(len(s["endpoints"]) for s in slices)
        print(f"max {max_per_slice}: {len(slices)} slices, sizes {sizes}")
        assert len(slices) >= -(-250 // max_per_slice)
        assert all(size <= max_per_slice for size in sizes), sizes
        endpoints = endpoints_of(slices)
        assert len(endpoints) == 250 and len({e["addresses"][0] for e in endpoints}) == 250
        versions = {s["metadata"]["name"]: rv(s) for s in slices}
        sync(server)
        assert {s["metadata"]["name"]: rv(s) for s in service_slices(server, "web")} == versions


def test_named_target_ports_are_resolved_per_pod(simulated_server):
    server = simulated_server
    server.create(services_path(NS), svc("web", selector={"app": "web"},
                                         ports=[{"name": "http", "port": 80, "targetPort": "web"}]))
    create_pods(server, [
        mkpod("a-8080", ports=[{"name": "web", "containerPort": 8080}]),
        mkpod("b-8080", ports=[{"name": "web", "containerPort": 8080}]),
        mkpod("c-9090", ports=[{"name": "web", "containerPort": 9090}]),
        mkpod("d-udp", ports=[{"name": "web", "containerPort": 8080, "protocol": "UDP"}]),
        mkpod("e-none"),
    ])
    sync(server)
    slices = service_slices(server, "web")
    mapping = {}
    for s in slices:
        key = tuple((p["name"], p["port"], p["protocol"]) for p in s["ports"])
        assert key not in mapping, f"two slices for one port mapping: {slices}"
        mapping[key] = sorted(e["targetRef"]["name"] for e in s["endpoints"])
    assert mapping == {
        (("http", 8080, "TCP"),): ["a-8080", "b-8080"],
        (("http", 9090, "TCP"),): ["c-9090"],
        (): ["d-udp", "e-none"],  # no container port of that name AND protocol: endpoint without the port
    }, mapping


def test_deleting_the_service_removes_its_slices(simulated_server):
    server = simulated_server
    server.create(services_path(NS), svc("web", selector={"app": "web"}))
    create_pods(server, [mkpod(f"web-{i}") for i in range(3)])
    sync(server)
    assert len(service_slices(server, "web")) == 1
    resp = server.delete(services_path(NS, "web"))
    assert resp.status_code == 200, resp.text
    sync(server)
    assert service_slices(server, "web") == []
    # the Pods are not the Service's dependents
    assert len(server.list(pods_path(NS))["items"]) == 3


def test_service_without_pods_gets_a_placeholder_and_selectorless_none(simulated_server):
    server = simulated_server
    server.create(services_path(NS), svc("web", selector={"app": "nothing"}))
    server.create(services_path(NS), svc("manual"))
    sync(server)
    [placeholder] = service_slices(server, "web")
    assert placeholder["endpoints"] == [] and placeholder["ports"] == [], placeholder
    assert service_slices(server, "manual") == []


# --- the pod simulator --------------------------------------------------------------------------


def test_pod_lifecycle_scheduled_running_ready(simulated_server):
    server = simulated_server
    create_pods(server, [mkpod(f"p-{i}") for i in range(6)])
    sync(server)
    ips = set()
    for item in server.list(pods_path(NS))["items"]:
        name = item["metadata"]["name"]
        assert item["spec"]["nodeName"] in NODES, item["spec"]
        status = item["status"]
        assert status["phase"] == "Running", status
        ip = status["podIP"]
        assert ipaddress.ip_address(ip) in POD_CIDR, ip
        assert status["podIPs"] == [{"ip": ip}]
        assert status.get("hostIP") and status.get("startTime"), status
        ips.add(ip)
        for kind in ("PodScheduled", "Initialized", "ContainersReady", "Ready"):
            assert condition(item, kind) == "True", (name, kind, status["conditions"])
        [cs] = status["containerStatuses"]
        assert cs["name"] == "c" and cs["ready"] is True and cs["started"] is True and cs["restartCount"] == 0, cs
        assert "running" in cs["state"] and cs["state"]["running"].get("startedAt"), cs
    assert len(ips) == 6, "pod IPs must be unique"


@pytest.mark.timeout(30)
def test_pod_ready_delay_keeps_the_pod_pending_about_a_second(tmp_path):
    with running_server(tmp_path, ("--pod-ready-delay", "1"), simulate_pods=True) as server:
        created = server.create(pods_path(NS), mkpod("slow"))
        start = time.monotonic()
        sync(server)
        p = server.read(pods_path(NS, "slow"))
        assert p["status"]["phase"] == "Pending", p["status"]
        assert not p["status"].get("podIP"), p["status"]
        event, arrived = wait_for_event(server, pods_path(NS), "slow", rv(created),
                                        lambda e: e["object"]["status"].get("phase") == "Running", timeout=6)
        elapsed = arrived - start
        assert 0.7 <= elapsed <= 3.0, f"Running after {elapsed:.2f} s"
        assert condition(event["object"], "Ready") == "True"


@pytest.mark.timeout(30)
def test_graceful_deletion_keeps_the_pod_terminating_until_its_grace_period_ends(simulated_server):
    server = simulated_server
    server.create(services_path(NS), svc("web", selector={"app": "web"}))
    create_pods(server, [mkpod("web-0", grace=2), mkpod("web-1", grace=2)])
    sync(server)

    resp = server.delete(pods_path(NS, "web-0"))
    deleted_at = time.monotonic()
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["metadata"].get("deletionTimestamp") and body["metadata"].get("deletionGracePeriodSeconds") == 2, body
    sync(server)
    p = server.read(pods_path(NS, "web-0"))
    assert p["metadata"].get("deletionTimestamp"), p["metadata"]
    endpoints = by_pod(service_slices(server, "web"))
    assert endpoints["web-0"]["conditions"] == {"ready": False, "serving": True, "terminating": True}, endpoints
    assert endpoints["web-1"]["conditions"]["ready"] is True

    _, gone_at = wait_for_event(server, pods_path(NS), "web-0", rv(p), lambda e: e["type"] == "DELETED", timeout=8)
    assert 1.0 <= gone_at - deleted_at <= 5.0, f"gone after {gone_at - deleted_at:.2f} s"
    assert server.get(pods_path(NS, "web-0")).status_code == 404
    sync(server)
    assert sorted(by_pod(service_slices(server, "web"))) == ["web-1"]


def test_grace_period_zero_removes_at_once(simulated_server):
    server = simulated_server
    server.create(services_path(NS), svc("web", selector={"app": "web"}))
    create_pods(server, [mkpod("web-0")])
    sync(server)
    resp = server.delete(pods_path(NS, "web-0"), {"gracePeriodSeconds": 0})
    assert resp.status_code == 200, resp.text
    assert server.get(pods_path(NS, "web-0")).status_code == 404
    sync(server)
    [placeholder] = service_slices(server, "web")
    assert placeholder["endpoints"] == [] and placeholder["ports"] == []


def test_pod_ips_are_released_and_reused(tmp_path):
    with running_server(tmp_path, ("--pod-cidr", "10.250.0.0/30"), simulate_pods=True) as server:
        create_pods(server, [mkpod("a"), mkpod("b")])
        sync(server)
        first = {p["status"]["podIP"] for p in server.list(pods_path(NS))["items"]}
        assert len(first) == 2 and all(ipaddress.ip_address(ip) in ipaddress.ip_network("10.250.0.0/30")
                                       for ip in first), first
        assert server.delete(pods_path(NS, "a"), {"gracePeriodSeconds": 0}).status_code == 200
        create_pods(server, [mkpod("c")])
        sync(server)
        c = server.read(pods_path(NS, "c"))
        assert c["status"].get("podIP") in first - {server.read(pods_path(NS, "b"))["status"]["podIP"]}, c["status"]


# --- the garbage collector ----------------------------------------------------------------------


def owner_ref(owner: dict, block: bool | None = None) -> dict:
    ref = {"apiVersion": "v1", "kind": "Service", "name": owner["metadata"]["name"], "uid": owner["metadata"]["uid"]}
    if block is not None:
        ref["blockOwnerDeletion"] = block
    return ref


def dependent(name: str, owner: dict, block: bool | None = None, finalizers: list | None = None) -> dict:
    body = svc(name)
    body["metadata"]["ownerReferences"] = [owner_ref(owner, block)]
    if finalizers:
        body["metadata"]["finalizers"] = finalizers
    return body


def test_background_deletion_removes_dependents(simulated_server):
    server = simulated_server
    owner = server.create(services_path(NS), svc("owner"))
    server.create(services_path(NS), dependent("dep", owner))
    resp = server.delete(services_path(NS, "owner"), {"propagationPolicy": "Background"})
    assert resp.status_code == 200, resp.text
    assert server.get(services_path(NS, "owner")).status_code == 404, "Background: the owner goes at once"
    sync(server)
    assert server.get(services_path(NS, "dep")).status_code == 404


def test_dependent_with_a_live_second_owner_stays(simulated_server):
    server = simulated_server
    a = server.create(services_path(NS), svc("owner-a"))
    b = server.create(services_path(NS), svc("owner-b"))
    dep = svc("dep")
    dep["metadata"]["ownerReferences"] = [owner_ref(a), owner_ref(b)]
    server.create(services_path(NS), dep)
    assert server.delete(services_path(NS, "owner-a")).status_code == 200
    sync(server)
    assert server.get(services_path(NS, "dep")).status_code == 200


def test_new_dependent_of_a_gone_owner_is_collected_and_of_a_live_one_kept(simulated_server):
    # Checked on its own when created (no pass over every object): the owner's uid decides, not its name.
    server = simulated_server
    owner = server.create(services_path(NS), svc("owner"))
    server.create(services_path(NS), dependent("kept", owner))
    ghost = {"metadata": {"name": "owner", "uid": "00000000-0000-0000-0000-000000000000"}}
    server.create(services_path(NS), dependent("orphaned", ghost))
    sync(server)
    assert server.get(services_path(NS, "orphaned")).status_code == 404
    assert server.get(services_path(NS, "kept")).status_code == 200


@pytest.mark.timeout(30)
def test_foreground_deletion_waits_for_blocking_dependents(simulated_server):
    server = simulated_server
    owner = server.create(services_path(NS), svc("owner"))
    server.create(services_path(NS), dependent("dep", owner, block=True, finalizers=["example.com/hold"]))
    resp = server.delete(services_path(NS, "owner"), {"propagationPolicy": "Foreground"})
    assert resp.status_code == 200, resp.text
    assert "foregroundDeletion" in resp.json()["metadata"].get("finalizers", []), resp.json()["metadata"]
    sync(server)

    held = server.read(services_path(NS, "owner"))
    assert held["metadata"].get("deletionTimestamp"), held["metadata"]
    assert held["metadata"].get("finalizers") == ["foregroundDeletion"], held["metadata"]
    dep = server.read(services_path(NS, "dep"))
    assert dep["metadata"].get("deletionTimestamp"), "the dependent must be deleted first"
    assert "example.com/hold" in dep["metadata"]["finalizers"], dep["metadata"]

    resp = server.patch(services_path(NS, "dep"), {"metadata": {"finalizers": None}})
    assert resp.status_code == 200, resp.text
    sync(server)
    assert server.get(services_path(NS, "dep")).status_code == 404
    assert server.get(services_path(NS, "owner")).status_code == 404


def test_orphan_deletion_keeps_dependents_without_the_owner_reference(simulated_server):
    server = simulated_server
    owner = server.create(services_path(NS), svc("owner"))
    other = server.create(services_path(NS), svc("other"))
    dep = svc("dep")
    dep["metadata"]["ownerReferences"] = [owner_ref(owner), owner_ref(other)]
    server.create(services_path(NS), dep)
    solo = server.create(services_path(NS), dependent("solo", owner))
    resp = server.delete(services_path(NS, "owner"), {"propagationPolicy": "Orphan"})
    assert resp.status_code == 200, resp.text
    sync(server)
    assert server.get(services_path(NS, "owner")).status_code == 404
    dep_now = server.read(services_path(NS, "dep"))
    assert dep_now["metadata"].get("ownerReferences") == [owner_ref(other)], dep_now["metadata"]
    solo_now = server.read(services_path(NS, "solo"))
    assert "ownerReferences" not in solo_now["metadata"], solo_now["metadata"]
    assert rv(solo_now) > rv(solo)


# --- the namespace controller -------------------------------------------------------------------


@needs_kubectl
@pytest.mark.timeout(45)
def test_namespace_deletion_empties_then_removes_the_namespace(simulated_server, tmp_path):
    server = simulated_server
    kubectl, popen = kubectl_runner(server, tmp_path)
    ns = server.create_namespace("doomed")
    server.create(services_path(ns), svc("web", selector={"app": "web"}))
    create_pods(server, [mkpod("web-0", grace=2), mkpod("web-1", grace=2)], ns=ns)
    sync(server)
    assert len(service_slices(server, "web", ns)) == 1
    start_rv = rv(server.read(namespaces_path(ns)))

    proc = popen("delete", "ns", ns)
    try:
        wait_for_event(server, namespaces_path(), ns, start_rv,
                       lambda e: bool(e["object"]["metadata"].get("deletionTimestamp")), timeout=10)
        sync(server)
        current = server.get(namespaces_path(ns))
        if current.status_code == 200:  # still emptying: the pods are terminating gracefully
            assert current.json()["status"]["phase"] == "Terminating", current.json()
            pods = server.list(pods_path(ns))["items"]
            assert pods and all(p["metadata"].get("deletionTimestamp") for p in pods), pods
            assert server.get(services_path(ns, "web")).status_code == 404
            resp = server.post(services_path(ns), svc("late"))
            assert_status(resp, 403, "Forbidden",
                          f'services "late" is forbidden: unable to create new content in namespace {ns} '
                          "because it is being terminated")
        else:
            pytest.fail(f"namespace gone before its pods' 2 s grace period ended: {current.status_code} {current.text}")
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, f"kubectl delete ns -> {proc.returncode}\n{out}\n{err}"
    assert out.strip() == f'namespace "{ns}" deleted', out
    assert server.get(namespaces_path(ns)).status_code == 404
    assert server.list(pods_path(ns))["items"] == []
    assert server.list(slices_path(ns))["items"] == []


def test_immortal_namespaces_cannot_be_deleted(simulated_server):
    for name in ("default", "kube-system", "kube-public"):
        resp = simulated_server.delete(namespaces_path(name))
        assert_status(resp, 403, "Forbidden", f'namespaces "{name}" is forbidden: this namespace may not be deleted')


# --- kubectl ------------------------------------------------------------------------------------


@needs_kubectl
def test_kubectl_describe_service_shows_the_endpoints(simulated_server, tmp_path):
    server = simulated_server
    kubectl, _ = kubectl_runner(server, tmp_path)
    server.create(services_path(NS), svc("web", selector={"app": "web"},
                                         ports=[{"name": "http", "port": 80, "targetPort": 8080}]))
    create_pods(server, [mkpod(f"web-{i}") for i in range(3)])
    sync(server)
    ips = sorted(p["status"]["podIP"] for p in server.list(pods_path(NS))["items"])
    out = kubectl("describe", "svc", "web").stdout
    lines = [line for line in out.splitlines() if line.startswith("Endpoints:")]
    assert len(lines) == 1, out
    shown = lines[0].split(None, 1)[1].strip().split(",")
    assert sorted(shown) == sorted(f"{ip}:8080" for ip in ips), out


# --- the sync endpoint and controller selection -------------------------------------------------


def test_sync_returns_a_resource_version_at_least_the_last_write_and_is_quick_when_idle(simulated_server):
    server = simulated_server
    created = server.create(services_path(NS), svc("web", selector={"app": "web"}))
    assert sync(server) >= rv(created)
    p = server.create(pods_path(NS), mkpod("web-0"))
    synced = sync(server)
    assert synced >= rv(p)
    # Everything the controllers wrote is at or below the reported version.
    assert synced >= rv(server.read(pods_path(NS, "web-0")))
    assert synced >= max(rv(s) for s in service_slices(server, "web"))
    assert synced >= rv(server.list(pods_path(NS)))
    started = time.monotonic()
    for _ in range(5):
        assert sync(server) == synced, "nothing changed, so the version must not move"
    assert time.monotonic() - started < 1.0


def test_sync_rejects_other_methods(simulated_server):
    resp = simulated_server.post("/debug/controllers/sync", {})
    assert resp.status_code == 405, resp.text


def test_without_the_simulator_pods_stay_pending_and_unscheduled(tmp_path):
    with running_server(tmp_path, ("--simulate-pods", "false"), simulate_pods=True) as server:
        server.create(services_path(NS), svc("web", selector={"app": "web"}))
        server.create(pods_path(NS), mkpod("web-0"))
        sync(server)
        p = server.read(pods_path(NS, "web-0"))
        assert not p["spec"].get("nodeName"), p["spec"]
        assert p["status"]["phase"] == "Pending" and not p["status"].get("podIP"), p["status"]
        [placeholder] = service_slices(server, "web")
        assert placeholder["endpoints"] == [], placeholder
        # unscheduled: deletion is immediate
        assert server.delete(pods_path(NS, "web-0")).status_code == 200
        assert server.get(pods_path(NS, "web-0")).status_code == 404


def test_endpointslice_controller_alone_uses_status_written_by_hand(tmp_path):
    with running_server(tmp_path, ("--controllers", "endpointslice")) as server:
        server.create(services_path(NS), svc("web", selector={"app": "web"}))
        server.create(pods_path(NS), mkpod("web-0"))
        sync(server)
        assert not server.read(pods_path(NS, "web-0"))["spec"].get("nodeName"), "no simulator: not scheduled"
        [placeholder] = service_slices(server, "web")
        assert placeholder["endpoints"] == []

        status = {"status": {"phase": "Running", "podIP": "10.9.8.7", "podIPs": [{"ip": "10.9.8.7"}],
                             "conditions": [{"type": "Ready", "status": "True"}]}}
        resp = strategic(server, pods_path(NS, "web-0") + "/status", status)
        assert resp.status_code == 200, resp.text
        sync(server)
        [s] = service_slices(server, "web")
        assert s["metadata"]["name"] == placeholder["metadata"]["name"], "the placeholder is reused"
        [endpoint] = s["endpoints"]
        assert endpoint["addresses"] == ["10.9.8.7"]
        assert endpoint["conditions"] == {"ready": True, "serving": True, "terminating": False}
        assert "nodeName" not in endpoint
        assert s["ports"] == [{"name": "", "port": 8080, "protocol": "TCP"}]

        resp = strategic(server, pods_path(NS, "web-0") + "/status",
                         {"status": {"conditions": [{"type": "Ready", "status": "False"}]}})
        assert resp.status_code == 200, resp.text
        sync(server)
        [s] = service_slices(server, "web")
        assert s["endpoints"][0]["conditions"] == {"ready": False, "serving": False, "terminating": False}

        # no garbage collector: the slices outlive their Service
        assert server.delete(services_path(NS, "web")).status_code == 200
        sync(server)
        assert len(service_slices(server, "web")) == 1


def test_no_controllers_sync_answers_the_current_version(tmp_path):
    with running_server(tmp_path, ("--controllers", "")) as server:
        created = server.create(services_path(NS), svc("web", selector={"app": "web"}))
        assert sync(server) >= rv(created)
        assert service_slices(server, "web") == []


# --- further edges -------------------------------------------------------------------------------


def test_selector_change_moves_the_endpoints(simulated_server):
    server = simulated_server
    server.create(services_path(NS), svc("web", selector={"app": "web"}))
    create_pods(server, [mkpod("web-0"), mkpod("api-0", labels={"app": "api"})])
    sync(server)
    assert sorted(by_pod(service_slices(server, "web"))) == ["web-0"]
    resp = server.patch(services_path(NS, "web"), {"spec": {"selector": {"app": "api"}}})
    assert resp.status_code == 200, resp.text
    sync(server)
    slices = service_slices(server, "web")
    assert len(slices) == 1 and sorted(by_pod(slices)) == ["api-0"], slices


def test_service_label_change_is_propagated_to_its_slices(simulated_server):
    server = simulated_server
    server.create(services_path(NS), svc("web", selector={"app": "web"}, labels={"tier": "a"}))
    create_pods(server, [mkpod("web-0")])
    sync(server)
    resp = server.patch(services_path(NS, "web"), {"metadata": {"labels": {"tier": "b"}}})
    assert resp.status_code == 200, resp.text
    sync(server)
    [s] = service_slices(server, "web")
    assert s["metadata"]["labels"]["tier"] == "b", s["metadata"]["labels"]


def test_deleted_managed_slice_is_recreated_and_user_slices_are_left_alone(simulated_server):
    server = simulated_server
    server.create(services_path(NS), svc("web", selector={"app": "web"}))
    create_pods(server, [mkpod("web-0")])
    own = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
           "metadata": {"name": "web-mine", "labels": {SERVICE_NAME: "web"}},
           "addressType": "IPv4", "endpoints": [{"addresses": ["192.0.2.1"]}],
           "ports": [{"name": "", "port": 1, "protocol": "TCP"}]}
    mine = server.create(slices_path(NS), own)
    sync(server)
    [managed] = [s for s in service_slices(server, "web") if s["metadata"]["name"] != "web-mine"]
    assert server.delete(slices_path(NS, managed["metadata"]["name"])).status_code == 200
    sync(server)
    slices = service_slices(server, "web")
    names = sorted(s["metadata"]["name"] for s in slices)
    assert len(slices) == 2 and "web-mine" in names and managed["metadata"]["name"] not in names, names
    assert sorted(by_pod([s for s in slices if s["metadata"]["name"] != "web-mine"])) == ["web-0"]
    assert rv(server.read(slices_path(NS, "web-mine"))) == rv(mine), "a user's slice must not be touched"


def test_externalname_service_gets_no_slices(simulated_server):
    server = simulated_server
    server.create(services_path(NS), {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "ext"},
                                      "spec": {"type": "ExternalName", "externalName": "example.com",
                                               "selector": {"app": "web"}}})
    create_pods(server, [mkpod("web-0")])
    sync(server)
    assert service_slices(server, "ext") == []


def test_pod_finished_by_the_user_leaves_the_slice(simulated_server):
    server = simulated_server
    server.create(services_path(NS), svc("web", selector={"app": "web"}))
    create_pods(server, [mkpod("web-0"), mkpod("web-1")])
    sync(server)
    resp = strategic(server, pods_path(NS, "web-0") + "/status", {"status": {"phase": "Succeeded"}})
    assert resp.status_code == 200, resp.text
    sync(server)
    assert server.read(pods_path(NS, "web-0"))["status"]["phase"] == "Succeeded", "the simulator must not fight"
    assert sorted(by_pod(service_slices(server, "web"))) == ["web-1"]


def test_dual_stack_service_gets_an_ipv6_placeholder_for_ipv4_pods(tmp_path):
    args = ("--service-cluster-ip-range", "10.96.0.0/12,fd00:10:96::/108")
    with running_server(tmp_path, args, simulate_pods=True) as server:
        server.create(services_path(NS), svc("web", selector={"app": "web"}, ipFamilyPolicy="RequireDualStack"))
        create_pods(server, [mkpod("web-0")])
        sync(server)
        by_type = {s["addressType"]: s for s in service_slices(server, "web")}
        assert sorted(by_type) == ["IPv4", "IPv6"], by_type
        assert sorted(by_pod([by_type["IPv4"]])) == ["web-0"]
        assert by_type["IPv6"]["endpoints"] == [] and by_type["IPv6"]["ports"] == []


def test_foreground_deletion_of_a_service_removes_its_slices_first(simulated_server):
    server = simulated_server
    server.create(services_path(NS), svc("web", selector={"app": "web"}))
    create_pods(server, [mkpod("web-0")])
    sync(server)
    assert len(service_slices(server, "web")) == 1
    resp = server.delete(services_path(NS, "web"), {"propagationPolicy": "Foreground"})
    assert resp.status_code == 200, resp.text
    sync(server)
    assert server.get(services_path(NS, "web")).status_code == 404
    assert service_slices(server, "web") == []


@pytest.mark.timeout(30)
def test_namespace_waits_for_finalizers_and_refuses_a_second_delete(simulated_server):
    server = simulated_server
    ns = server.create_namespace("held")
    held = svc("held")
    held["metadata"]["finalizers"] = ["example.com/hold"]
    server.create(services_path(ns), held)
    resp = server.delete(namespaces_path(ns))
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"]["phase"] == "Terminating", resp.json()
    sync(server)
    current = server.read(namespaces_path(ns))
    assert current["status"]["phase"] == "Terminating", current
    assert server.read(services_path(ns, "held"))["metadata"].get("deletionTimestamp")
    assert_status(server.delete(namespaces_path(ns)), 409, "Conflict",
                  f'Operation cannot be fulfilled on namespaces "{ns}": The system is ensuring all content is removed '
                  "from this namespace.  Upon completion, this namespace will automatically be purged by the system.")
    resp = server.patch(services_path(ns, "held"), {"metadata": {"finalizers": None}})
    assert resp.status_code == 200, resp.text
    sync(server)
    assert server.get(namespaces_path(ns)).status_code == 404


@pytest.mark.timeout(30)
def test_graceful_deletion_survives_a_restart(simulated_server):
    server = simulated_server
    create_pods(server, [mkpod("web-0", grace=1), mkpod("web-1")])
    sync(server)
    before = {p["metadata"]["name"]: rv(p) for p in server.list(pods_path(NS))["items"]}
    assert server.delete(pods_path(NS, "web-0")).status_code == 200
    server.restart(kill9=True)
    sync(server)
    p = server.get(pods_path(NS, "web-0"))
    if p.status_code == 200:
        wait_for_event(server, pods_path(NS), "web-0", rv(p.json()), lambda e: e["type"] == "DELETED", timeout=6)
    assert server.get(pods_path(NS, "web-0")).status_code == 404
    after = server.read(pods_path(NS, "web-1"))
    assert rv(after) == before["web-1"], "a restart must not rewrite a running pod's status"
    assert condition(after, "Ready") == "True"
