"""Server-side printing (reference §4.2, §9.7, §10): `kubectl get` prints exactly what a v1.32 cluster prints.

kubectl renders the server's Table with its tab writer (min width 6, padding 3), upper-casing column names and
hiding priority-1 columns unless `-o wide`. The tests build the expected text with the same layout rule, taking
only the AGE cells from kubectl's output (they depend on the clock) after checking their format, so headers,
cells and alignment are all compared exactly.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time

import pytest

from support import (
    WatchStream,
    assert_status,
    namespaces_path,
    pods_path,
    services_path,
    slices_path,
)

KUBECTL = shutil.which("kubectl") or ("/usr/bin/kubectl" if os.access("/usr/bin/kubectl", os.X_OK) else None)
COMMAND_TIMEOUT = 30
TABLE_ACCEPT = ("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,"
                "application/json")
TABLE_CONTENT_TYPE = "application/json;g=meta.k8s.io;v=v1;as=Table"
AGE_RE = re.compile(r"^(\d+s|\d+m(\d+s)?|\d+h(\d+m)?|\d+d(\d+h)?|\d+y(\d+d)?)$")

needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")


# --------------------------------------------------------------------------------------------
# kubectl and its table layout
# --------------------------------------------------------------------------------------------


def kubectl_runner(server, tmp_path):
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    cache = tmp_path / "kube-cache"
    env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
    env["HOME"] = str(home)

    def command(*args: str) -> list[str]:
        return [KUBECTL, "--kubeconfig", str(server.kubeconfig), "--cache-dir", str(cache), *args]

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = command("--request-timeout=20s", *args)
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, env=env,
                              stdin=subprocess.DEVNULL)
        if check:
            assert proc.returncode == 0, f"{' '.join(cmd)} -> {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
        return proc

    run.command = command  # type: ignore[attr-defined]
    run.env = env  # type: ignore[attr-defined]
    return run


@pytest.fixture
def kubectl(server, tmp_path):
    return kubectl_runner(server, tmp_path)


@pytest.fixture
def simulated_kubectl(simulated_server, tmp_path):
    return kubectl_runner(simulated_server, tmp_path)


def layout(rows: list[list[str]]) -> str:
    """kubectl's tab writer (`tabwriter.NewWriter(out, 6, 4, 3, ' ', 0)`): every cell but the last of a line is
    padded to its column's widest cell plus 3 (at least 6); the last cell is written as is."""
    columns = max(len(row) for row in rows)
    widths = [max(6, max(len(row[i]) + 3 for row in rows if len(row) > i + 1)) for i in range(columns - 1)]
    lines = []
    for row in rows:
        lines.append("".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])) + row[-1])
    return "\n".join(lines) + "\n"


def column_cells(output: str, column: str) -> list[str]:
    """The cells of `column` (a header name) in kubectl's output, located by the header's offsets."""
    lines = output.splitlines()
    header = lines[0]
    start = re.search(rf"(?:^|(?<=   )){re.escape(column)}(?=   |$)", header)
    assert start, f"no {column} column in {header!r}"
    following = re.search(r"   (\S)", header[start.end():])
    end = start.end() + following.start(1) if following else None
    return [line[start.start():end].strip() for line in lines[1:]]


def expect_table(output: str, header: list[str], rows: list[list[str]]) -> None:
    """Asserts kubectl printed exactly `header` and `rows`; a row cell of None is an AGE taken from the output."""
    for column in ("AGE", "RESTARTS") if any(None in row for row in rows) else ():
        if column not in header:
            continue
        index = header.index(column)
        actual = column_cells(output, column)
        assert len(actual) == len(rows), f"expected {len(rows)} rows:\n{output}"
        for row, cell in zip(rows, actual):
            if row[index] is None:
                assert AGE_RE.match(cell), f"{column} cell {cell!r} is not a HumanDuration:\n{output}"
                row[index] = cell
    assert output == layout([header, *rows]), f"kubectl printed:\n{output}\nexpected:\n{layout([header, *rows])}"


SVC_HEADER = ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
POD_HEADER = ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
POD_WIDE_HEADER = POD_HEADER + ["IP", "NODE", "NOMINATED NODE", "READINESS GATES"]


def make_service(server, ns: str, name: str, spec: dict, labels: dict | None = None) -> dict:
    meta: dict = {"name": name}
    if labels:
        meta["labels"] = labels
    return server.create(services_path(ns), {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": spec})


def make_pod(server, ns: str, name: str, labels: dict | None = None, **metadata) -> dict:
    meta: dict = {"name": name, **metadata}
    if labels:
        meta["labels"] = labels
    return server.create(pods_path(ns), {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
                                         "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}})


# --------------------------------------------------------------------------------------------
# Services
# --------------------------------------------------------------------------------------------


@needs_kubectl
def test_get_svc_prints_the_kubernetes_service(kubectl):
    out = kubectl("get", "svc").stdout
    assert out.splitlines()[0] == "NAME         TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE", out
    expect_table(out, SVC_HEADER, [["kubernetes", "ClusterIP", "10.96.0.1", "<none>", "443/TCP", None]])


@needs_kubectl
def test_get_svc_every_type_default_and_wide(server, kubectl):
    ns = server.create_namespace()
    web = make_service(server, ns, "web", {"selector": {"tier": "fe", "app": "web"},
                                           "ports": [{"port": 80, "targetPort": 8080}]}, labels={"app": "web"})
    make_service(server, ns, "np", {"type": "NodePort", "selector": {"app": "web"},
                                    "ports": [{"name": "http", "port": 80, "nodePort": 30080},
                                              {"name": "https", "port": 443, "nodePort": 31443}]})
    pending = make_service(server, ns, "lb-pending", {"type": "LoadBalancer", "loadBalancerClass": "example.com/none",
                                                      "selector": {"app": "web"}, "ports": [{"port": 80}]})
    lb = make_service(server, ns, "lb", {"type": "LoadBalancer", "selector": {"app": "web"}, "ports": [{"port": 80}]})
    make_service(server, ns, "db", {"clusterIP": "None", "selector": {"app": "db"},
                                    "ports": [{"name": "dns", "port": 53, "protocol": "UDP"},
                                              {"name": "dns-tcp", "port": 53, "protocol": "TCP"}]})
    make_service(server, ns, "ext", {"type": "ExternalName", "externalName": "example.com"})
    lb_ip = lb["status"]["loadBalancer"]["ingress"][0]["ip"]

    def node_port(svc: dict) -> int:
        return svc["spec"]["ports"][0]["nodePort"]

    expected = [
        ["db", "ClusterIP", "None", "<none>", "53/UDP,53/TCP", None, "app=db"],
        ["ext", "ExternalName", "<none>", "example.com", "<none>", None, "<none>"],
        ["lb", "LoadBalancer", lb["spec"]["clusterIP"], lb_ip, f"80:{node_port(lb)}/TCP", None, "app=web"],
        ["lb-pending", "LoadBalancer", pending["spec"]["clusterIP"], "<pending>", f"80:{node_port(pending)}/TCP", None,
         "app=web"],
        ["np", "NodePort", server.read(services_path(ns, "np"))["spec"]["clusterIP"], "<none>",
         "80:30080/TCP,443:31443/TCP", None, "app=web"],
        ["web", "ClusterIP", web["spec"]["clusterIP"], "<none>", "80/TCP", None, "app=web,tier=fe"],
    ]
    out = kubectl("get", "svc", "-n", ns).stdout
    expect_table(out, SVC_HEADER, [row[:-1] for row in expected])
    wide = kubectl("get", "svc", "-n", ns, "-o", "wide").stdout
    expect_table(wide, SVC_HEADER + ["SELECTOR"], [list(row) for row in expected])


@needs_kubectl
def test_load_balancer_external_ip_follows_status(server, kubectl):
    ns = server.create_namespace()
    svc = make_service(server, ns, "lb", {"type": "LoadBalancer", "loadBalancerClass": "example.com/none",
                                          "ports": [{"port": 80}]})
    port = svc["spec"]["ports"][0]["nodePort"]
    expect_table(kubectl("get", "svc", "-n", ns).stdout, SVC_HEADER,
                 [["lb", "LoadBalancer", svc["spec"]["clusterIP"], "<pending>", f"80:{port}/TCP", None]])
    resp = server.patch(services_path(ns, "lb") + "/status",
                        {"status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.9"}, {"hostname": "a.example.com"},
                                                                 {"ip": "203.0.113.10"}]}}})
    assert resp.status_code == 200, resp.text
    expect_table(kubectl("get", "svc", "-n", ns).stdout, SVC_HEADER,
                 [["lb", "LoadBalancer", svc["spec"]["clusterIP"], "203.0.113.10,203.0.113.9,a.example.com",
                   f"80:{port}/TCP", None]])


@needs_kubectl
def test_get_svc_all_namespaces_labels_and_selectors(server, kubectl):
    ns = server.create_namespace()
    web = make_service(server, ns, "web", {"selector": {"app": "web"}, "ports": [{"port": 80}]},
                       labels={"app": "web", "tier": "fe"})
    other = make_service(server, ns, "other", {"ports": [{"port": 81}]}, labels={"app": "other"})
    kubernetes = server.read(services_path("default", "kubernetes"))
    k8s_labels = ",".join(f"{k}={v}" for k, v in sorted((kubernetes["metadata"].get("labels") or {}).items())) or "<none>"

    out = kubectl("get", "svc", "-A").stdout
    expect_table(out, ["NAMESPACE"] + SVC_HEADER, [
        ["default", "kubernetes", "ClusterIP", "10.96.0.1", "<none>", "443/TCP", None],
        [ns, "other", "ClusterIP", other["spec"]["clusterIP"], "<none>", "81/TCP", None],
        [ns, "web", "ClusterIP", web["spec"]["clusterIP"], "<none>", "80/TCP", None],
    ])
    out = kubectl("get", "svc", "-A", "--show-labels").stdout
    expect_table(out, ["NAMESPACE"] + SVC_HEADER + ["LABELS"], [
        ["default", "kubernetes", "ClusterIP", "10.96.0.1", "<none>", "443/TCP", None, k8s_labels],
        [ns, "other", "ClusterIP", other["spec"]["clusterIP"], "<none>", "81/TCP", None, "app=other"],
        [ns, "web", "ClusterIP", web["spec"]["clusterIP"], "<none>", "80/TCP", None, "app=web,tier=fe"],
    ])
    out = kubectl("get", "svc", "-n", ns, "-l", "app=web").stdout
    expect_table(out, SVC_HEADER, [["web", "ClusterIP", web["spec"]["clusterIP"], "<none>", "80/TCP", None]])
    out = kubectl("get", "svc", "web", "-n", ns, "-o", "wide").stdout
    expect_table(out, SVC_HEADER + ["SELECTOR"],
                 [["web", "ClusterIP", web["spec"]["clusterIP"], "<none>", "80/TCP", None, "app=web"]])
    empty = kubectl("get", "svc", "-n", ns, "-l", "app=none")
    assert empty.stdout == ""
    assert empty.stderr.strip() == f"No resources found in {ns} namespace."


# --------------------------------------------------------------------------------------------
# Pods, Namespaces, EndpointSlices
# --------------------------------------------------------------------------------------------


@needs_kubectl
def test_get_pods_unscheduled_terminating_and_wide(server, kubectl):
    ns = server.create_namespace()
    make_pod(server, ns, "p1", labels={"app": "web"})
    make_pod(server, ns, "p2", finalizers=["example.com/hold"])
    assert server.delete(pods_path(ns, "p2")).status_code == 200
    out = kubectl("get", "pods", "-n", ns).stdout
    expect_table(out, POD_HEADER, [["p1", "0/1", "Pending", "0", None], ["p2", "0/1", "Terminating", "0", None]])
    wide = kubectl("get", "pods", "-n", ns, "-o", "wide").stdout
    expect_table(wide, POD_WIDE_HEADER, [
        ["p1", "0/1", "Pending", "0", None, "<none>", "<none>", "<none>", "<none>"],
        ["p2", "0/1", "Terminating", "0", None, "<none>", "<none>", "<none>", "<none>"],
    ])
    labelled = kubectl("get", "pods", "-n", ns, "--show-labels").stdout
    expect_table(labelled, POD_HEADER + ["LABELS"], [["p1", "0/1", "Pending", "0", None, "app=web"],
                                                     ["p2", "0/1", "Terminating", "0", None, "<none>"]])
    server.patch(pods_path(ns, "p2"), {"metadata": {"finalizers": None}})


@needs_kubectl
@pytest.mark.timeout(90)
def test_get_pods_running_under_the_simulator(simulated_server, simulated_kubectl):
    server = simulated_server
    ns = server.create_namespace()
    make_pod(server, ns, "web-1")
    deadline = time.monotonic() + 20
    pod: dict = {}
    while time.monotonic() < deadline:
        pod = server.read(pods_path(ns, "web-1"))
        if pod.get("status", {}).get("phase") == "Running" and pod["status"].get("containerStatuses", [{}])[0].get("ready"):
            break
        time.sleep(0.2)
    assert pod["status"]["phase"] == "Running", pod
    restarts = str(sum(c.get("restartCount", 0) for c in pod["status"]["containerStatuses"]))
    out = simulated_kubectl("get", "pods", "-n", ns, "-o", "wide").stdout
    expect_table(out, POD_WIDE_HEADER, [["web-1", "1/1", "Running", restarts, None, pod["status"]["podIP"],
                                         pod["spec"]["nodeName"], "<none>", "<none>"]])


@needs_kubectl
def test_get_namespaces_active_and_terminating(server, kubectl):
    ns = server.create_namespace()
    make_pod(server, ns, "held", finalizers=["example.com/hold"])
    assert server.delete(namespaces_path(ns)).status_code == 200
    out = kubectl("get", "ns").stdout
    names = ["default", "kube-node-lease", "kube-public", "kube-system", ns]
    rows = [[name, "Terminating" if name == ns else "Active", None] for name in sorted(names)]
    expect_table(out, ["NAME", "STATUS", "AGE"], rows)
    out = kubectl("get", "ns", ns, "--show-labels").stdout
    expect_table(out, ["NAME", "STATUS", "AGE", "LABELS"], [[ns, "Terminating", None, f"kubernetes.io/metadata.name={ns}"]])
    server.patch(pods_path(ns, "held"), {"metadata": {"finalizers": None}})


@needs_kubectl
def test_get_endpointslices(server, kubectl):
    ns = server.create_namespace()

    def slice_body(name: str, addresses: list[str], ports: list[dict], address_type: str = "IPv4") -> dict:
        return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                "metadata": {"name": name, "labels": {"kubernetes.io/service-name": "manual"}},
                "addressType": address_type,
                "endpoints": [{"addresses": [a], "conditions": {"ready": i % 2 == 0}} for i, a in enumerate(addresses)],
                "ports": ports}

    server.create(slices_path(ns), slice_body("a-empty", [], []))
    server.create(slices_path(ns), slice_body("b-one", ["10.244.1.5"], [{"name": "http", "port": 8080, "protocol": "TCP"}]))
    server.create(slices_path(ns), slice_body(
        "c-many", [f"10.244.1.{i}" for i in range(1, 8)],
        [{"name": f"p{i}", "port": 8000 + i, "protocol": "TCP"} for i in range(5)]))
    out = kubectl("get", "endpointslices", "-n", ns).stdout
    expect_table(out, ["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"], [
        ["a-empty", "IPv4", "<unset>", "<unset>", None],
        ["b-one", "IPv4", "8080", "10.244.1.5", None],
        ["c-many", "IPv4", "8000,8001,8002 + 2 more...", "10.244.1.1,10.244.1.2,10.244.1.3 + 4 more...", None],
    ])


# --------------------------------------------------------------------------------------------
# Watch (`kubectl get -w`) and the raw Table protocol
# --------------------------------------------------------------------------------------------


@needs_kubectl
@pytest.mark.timeout(60)
def test_get_svc_watch_prints_new_rows(server, kubectl):
    ns = server.create_namespace()
    make_service(server, ns, "first", {"ports": [{"port": 80}]})
    cmd = kubectl.command("get", "svc", "-n", ns, "-w", "--request-timeout=5s")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=kubectl.env,
                            stdin=subprocess.DEVNULL)
    try:
        time.sleep(2)
        second = make_service(server, ns, "second", {"type": "NodePort", "ports": [{"port": 80, "nodePort": 30123}]})
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    lines = out.splitlines()
    assert lines[0].split() == SVC_HEADER, out
    assert lines[1].split()[:5] == ["first", "ClusterIP", server.read(services_path(ns, "first"))["spec"]["clusterIP"],
                                    "<none>", "80/TCP"], out
    watched = [line.split() for line in lines[2:]]
    assert [cells[:5] for cells in watched] == [["second", "NodePort", second["spec"]["clusterIP"], "<none>",
                                                  "80:30123/TCP"]], out
    assert AGE_RE.match(watched[0][5]), out


def test_table_list_and_get_over_http(server):
    ns = server.create_namespace()
    make_service(server, ns, "a", {"ports": [{"port": 80}]}, labels={"app": "a"})
    make_service(server, ns, "b", {"ports": [{"port": 81}]})
    resp = server.get(services_path(ns), headers={"Accept": TABLE_ACCEPT}, params={"limit": "1"})
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"] == TABLE_CONTENT_TYPE
    table = resp.json()
    assert list(table) == ["kind", "apiVersion", "metadata", "columnDefinitions", "rows"]
    assert (table["kind"], table["apiVersion"]) == ("Table", "meta.k8s.io/v1")
    assert table["metadata"]["continue"] and table["metadata"]["remainingItemCount"] == 1
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Type", "Cluster-IP", "External-IP", "Port(s)",
                                                               "Age", "Selector"]
    assert all(set(c) == {"name", "type", "format", "description", "priority"} for c in table["columnDefinitions"])
    (row,) = table["rows"]
    assert row["cells"][0] == "a" and len(row["cells"]) == 7
    assert row["object"]["kind"] == "PartialObjectMetadata" and row["object"]["apiVersion"] == "meta.k8s.io/v1"
    assert row["object"]["metadata"]["namespace"] == ns and row["object"]["metadata"]["labels"] == {"app": "a"}
    page2 = server.get(services_path(ns), headers={"Accept": TABLE_ACCEPT},
                       params={"limit": "1", "continue": table["metadata"]["continue"]}).json()
    assert [r["cells"][0] for r in page2["rows"]] == ["b"]
    assert page2["metadata"]["resourceVersion"] == table["metadata"]["resourceVersion"]

    single = server.get(services_path(ns, "a"), headers={"Accept": TABLE_ACCEPT})
    assert single.headers["Content-Type"] == TABLE_CONTENT_TYPE
    body = single.json()
    assert len(body["rows"]) == 1
    assert body["metadata"]["resourceVersion"] == body["rows"][0]["object"]["metadata"]["resourceVersion"]

    beta = server.get(services_path(ns, "a"), headers={"Accept": "application/json;as=Table;v=v1beta1;g=meta.k8s.io"})
    assert beta.status_code == 200 and beta.json()["apiVersion"] == "meta.k8s.io/v1beta1"
    assert beta.headers["Content-Type"] == "application/json;g=meta.k8s.io;v=v1beta1;as=Table"
    plain = server.get(services_path(ns, "a"), headers={"Accept": "application/json"})
    assert plain.json()["kind"] == "Service" and plain.headers["Content-Type"] == "application/json"


def test_include_object(server):
    ns = server.create_namespace()
    make_service(server, ns, "a", {"ports": [{"port": 80}]})
    path = services_path(ns)
    none = server.get(path, headers={"Accept": TABLE_ACCEPT}, params={"includeObject": "None"}).json()
    assert none["rows"][0]["object"] is None
    full = server.get(path, headers={"Accept": TABLE_ACCEPT}, params={"includeObject": "Object"}).json()
    assert full["rows"][0]["object"]["kind"] == "Service" and "spec" in full["rows"][0]["object"]
    bad = server.get(path, headers={"Accept": TABLE_ACCEPT}, params={"includeObject": "Everything"})
    assert_status(bad, 400, "BadRequest", 'unrecognized includeObject value: "Everything"')
    # Only a Table request reads includeObject.
    assert server.get(path, params={"includeObject": "Everything"}).status_code == 200


def test_table_watch_sends_column_definitions_once(server):
    ns = server.create_namespace()
    make_service(server, ns, "a", {"ports": [{"port": 80}]})
    with WatchStream(server.base_url, services_path(ns), {"watch": "1", "resourceVersion": "0"},
                     headers={"Accept": TABLE_ACCEPT}) as stream:
        assert stream.status_code == 200, stream.body
        assert stream.headers["Content-Type"] == "application/json"
        first = stream.next_event()
        assert first["type"] == "ADDED"
        assert first["object"]["kind"] == "Table" and len(first["object"]["columnDefinitions"]) == 7
        assert [r["cells"][0] for r in first["object"]["rows"]] == ["a"]
        make_service(server, ns, "b", {"ports": [{"port": 81}]})
        second = stream.next_event()
        assert second["type"] == "ADDED"
        assert second["object"]["columnDefinitions"] is None
        (row,) = second["object"]["rows"]
        assert row["cells"][0] == "b" and row["object"]["kind"] == "PartialObjectMetadata"
        assert second["object"]["metadata"]["resourceVersion"] == row["object"]["metadata"]["resourceVersion"]
        assert server.delete(services_path(ns, "b")).status_code == 200
        third = stream.next_event()
        assert third["type"] == "DELETED" and third["object"]["rows"][0]["cells"][0] == "b"


def test_table_watch_bookmarks_stay_objects(server):
    ns = server.create_namespace()
    with WatchStream(server.base_url, services_path(ns),
                     {"watch": "1", "sendInitialEvents": "true", "resourceVersionMatch": "NotOlderThan",
                      "allowWatchBookmarks": "true"}, headers={"Accept": TABLE_ACCEPT}) as stream:
        assert stream.status_code == 200, stream.body
        bookmark = stream.next_event()
        assert bookmark["type"] == "BOOKMARK"
        assert bookmark["object"]["kind"] == "Service"
        assert bookmark["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}


def test_json_accept_still_gets_plain_objects(server):
    ns = server.create_namespace()
    make_service(server, ns, "a", {"ports": [{"port": 80}]})
    body = server.get(services_path(ns), headers={"Accept": "application/json"}).json()
    assert body["kind"] == "ServiceList"
    resp = server.get(services_path(ns), headers={"Accept": "application/json;as=Table"})
    assert_status(resp, 406, "NotAcceptable")
