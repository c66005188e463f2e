"""kubectl 1.32 command by command against the binary, compared with what a real v1.32 cluster prints (issue 6).

Every test drives /usr/bin/kubectl with the server's generated kubeconfig, a private `--cache-dir` and HOME,
`--request-timeout` on every call and a subprocess timeout on top (reference §16.1). Expected strings are kubectl's
own (`service/web created|configured|unchanged|serverside-applied|labeled|annotated|patched|edited`,
`service "web" deleted`, `pod/x condition met`, ...) and the column layout of kube-apiserver's Table printers
(reference §10). Output is compared on stdout; stderr may carry ServicePlane's selector warning (issue 4), so only
the messages a test is about are looked for there.

The `server` fixture runs without the pod simulator (a Pod stays Pending and is deleted at once); tests that need
Ready pods, endpoints or graceful deletion use `simulated_server`.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import stat
import subprocess
import threading
import time

import pytest

from support import Server, pods_path, running_server, services_path

KUBECTL = shutil.which("kubectl") or "/usr/bin/kubectl"
#: Seconds one kubectl invocation may take (kubectl's own --request-timeout is shorter).
COMMAND_TIMEOUT = 25
REQUEST_TIMEOUT = "15s"

AGE = r"(\d+s|\d+m(\d+s)?)"  # a freshly created object's AGE cell (§10.2)
IPV4 = r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}"


# --------------------------------------------------------------------------------------------
# kubectl driver
# --------------------------------------------------------------------------------------------


class Kubectl:
    """Runs kubectl against one server; every call is bounded twice (--request-timeout and a subprocess timeout)."""

    def __init__(self, server: Server, tmp_path: pathlib.Path) -> None:
        self.server = server
        self.tmp_path = tmp_path
        home = tmp_path / "kubectl-home"
        home.mkdir(exist_ok=True)
        self.cache = tmp_path / "kubectl-cache"
        self.env = {k: v for k, v in os.environ.items() if k not in ("KUBECONFIG", "KUBE_EDITOR", "EDITOR")}
        self.env["HOME"] = str(home)
        tmp = tmp_path / "kubectl-tmp"  # kubectl edit keeps copies of failed edits in $TMPDIR
        tmp.mkdir(exist_ok=True)
        self.env["TMPDIR"] = str(tmp)

    def command(self, args: tuple[str, ...], request_timeout: str | None = REQUEST_TIMEOUT) -> list[str]:
        base = [KUBECTL, "--kubeconfig", str(self.server.kubeconfig), "--cache-dir", str(self.cache)]
        if request_timeout:
            base.append(f"--request-timeout={request_timeout}")
        return [*base, *args]

    def __call__(self, *args: str, check: bool = True, timeout: float = COMMAND_TIMEOUT,
                 env: dict | None = None, request_timeout: str | None = REQUEST_TIMEOUT) -> subprocess.CompletedProcess:
        cmd = self.command(args, request_timeout)
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              env={**self.env, **(env or {})}, stdin=subprocess.DEVNULL)
        if check:
            assert proc.returncode == 0, describe_run(proc)
        return proc

    def popen(self, *args: str, request_timeout: str | None = REQUEST_TIMEOUT) -> subprocess.Popen:
        return subprocess.Popen(self.command(args, request_timeout), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=self.env, stdin=subprocess.DEVNULL, start_new_session=True)

    def json(self, *args: str) -> dict:
        return json.loads(self(*args, "-o", "json").stdout)

    def write(self, name: str, text: str) -> str:
        path = self.tmp_path / name
        path.write_text(text)
        return str(path)


def describe_run(proc: subprocess.CompletedProcess) -> str:
    args = proc.args[5:] if isinstance(proc.args, list) else proc.args
    return f"kubectl {' '.join(args)} -> exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"


@pytest.fixture
def kubectl(server: Server, tmp_path: pathlib.Path) -> Kubectl:
    return Kubectl(server, tmp_path)


@pytest.fixture
def skubectl(simulated_server: Server, tmp_path: pathlib.Path) -> Kubectl:
    """kubectl against a server with every controller, the pod simulator included."""
    return Kubectl(simulated_server, tmp_path)


def table(stdout: str) -> list[list[str]]:
    """kubectl's tab-writer output as rows of cells (cells never contain spaces in these tests)."""
    return [line.split() for line in stdout.strip().splitlines()]


def rows_by_name(stdout: str, name_col: int = 0) -> dict[str, list[str]]:
    rows = table(stdout)
    return {row[name_col]: row for row in rows[1:]}


def sync(server: Server) -> None:
    resp = server.get("/debug/controllers/sync", timeout=20)
    assert resp.status_code == 200, f"sync: {resp.status_code} {resp.text}"


SVC_JSON = {
    "apiVersion": "v1", "kind": "Service",
    "metadata": {"name": "web", "labels": {"app": "web"}},
    "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]},
}

SVC_YAML_TWO_PORTS = """\
apiVersion: v1
kind: Service
metadata:
  name: web
  labels:
    app: web
spec:
  selector:
    app: web
  ports:
  - name: http
    port: 80
    targetPort: 8080
  - name: https
    port: 443
    targetPort: 8443
"""


def pod_json(name: str, labels: dict | None = None, grace: int | None = None, ports: list | None = None) -> dict:
    container: dict = {"name": "c", "image": "nginx:1.27"}
    if ports:
        container["ports"] = ports
    spec: dict = {"containers": [container]}
    if grace is not None:
        spec["terminationGracePeriodSeconds"] = grace
    meta: dict = {"name": name}
    if labels:
        meta["labels"] = labels
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}


def create_json(kubectl: Kubectl, obj: dict, *extra: str) -> str:
    """`kubectl create -f <json file>` (validation on: OpenAPI is served); returns stdout."""
    path = kubectl.write(f"{obj['kind'].lower()}-{obj['metadata']['name']}.json", json.dumps(obj))
    return kubectl("create", "-f", path, *extra).stdout


# --------------------------------------------------------------------------------------------
# discovery, version, explain
# --------------------------------------------------------------------------------------------


def test_api_resources_lists_the_four_kinds_with_kubectl_columns(kubectl):
    out = kubectl("api-resources").stdout
    rows = table(out)
    assert out.splitlines()[0].split() == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"], out
    # endpointslices has no short name, so its row has one cell fewer once split on whitespace.
    assert ["namespaces", "ns", "v1", "false", "Namespace"] in rows, out
    assert ["pods", "po", "v1", "true", "Pod"] in rows, out
    assert ["services", "svc", "v1", "true", "Service"] in rows, out
    assert ["endpointslices", "discovery.k8s.io/v1", "true", "EndpointSlice"] in rows, out
    # kubectl sorts by group then name: core kinds first, discovery.k8s.io after.
    names = [r[0] for r in rows[1:]]
    assert names.index("endpointslices") > names.index("services"), out


def test_api_resources_wide_shows_verbs_and_the_all_category(kubectl):
    out = kubectl("api-resources", "-o", "wide").stdout
    assert out.splitlines()[0].split() == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND", "VERBS",
                                           "CATEGORIES"], out
    rows = rows_by_name(out)
    for name in ("pods", "services"):
        verbs = rows[name][5].split(",")
        assert {"create", "delete", "get", "list", "patch", "update", "watch"} <= set(verbs), out
        assert rows[name][6] == "all", out
    assert "deletecollection" not in rows["namespaces"][5].split(","), out  # namespaces have no deletecollection
    assert len(rows["namespaces"]) == 6, f"namespaces must have no category: {out}"


def test_api_resources_namespaced_filter_and_name_output(kubectl):
    out = kubectl("api-resources", "--namespaced=false", "-o", "name").stdout.split()
    assert out == ["namespaces"], out
    out = kubectl("api-resources", "--api-group=discovery.k8s.io", "-o", "name").stdout.split()
    assert out == ["endpointslices.discovery.k8s.io"], out


def test_api_versions_prints_sorted_group_versions(kubectl):
    assert kubectl("api-versions").stdout == "discovery.k8s.io/v1\nv1\n"


def test_version_prints_server_version_1_32(kubectl):
    out = kubectl("version").stdout
    assert re.search(r"^Client Version: v1\.32\.", out, re.M), out
    assert re.search(r"^Server Version: v1\.32\.\d+$", out, re.M), out
    server = json.loads(kubectl("version", "-o", "json").stdout)["serverVersion"]
    assert server["major"] == "1" and server["minor"] == "32", server
    assert {"gitVersion", "gitCommit", "gitTreeState", "buildDate", "goVersion", "compiler", "platform"} <= set(server)


def test_explain_service_spec_ports_prints_the_field_documentation(kubectl):
    out = kubectl("explain", "service.spec.ports").stdout
    lines = out.splitlines()
    assert lines[0].split() == ["KIND:", "Service"], out
    assert lines[1].split() == ["VERSION:", "v1"], out
    assert "FIELD: ports <[]ServicePort>" in out, out
    assert "DESCRIPTION:" in out and "FIELDS:" in out, out
    fields = [line.strip() for line in lines if re.match(r"^  [a-zA-Z]+\t", line)]
    assert fields == [
        "appProtocol\t<string>",
        "name\t<string>",
        "nodePort\t<integer>",
        "port\t<integer> -required-",
        "protocol\t<string>",
        "targetPort\t<IntOrString>",
    ], out


def test_explain_shows_protocol_enum_like_a_real_cluster(kubectl):
    # A v1.32 apiserver's OpenAPI carries `enum` and a "Possible enum values" paragraph for core/v1 Protocol,
    # so `kubectl explain` prints an `enum:` line under the field.
    out = kubectl("explain", "service.spec.ports.protocol").stdout
    assert "FIELD: protocol <string>" in out, out
    assert "ENUM:" in out and "SCTP" in out and "UDP" in out, out
    assert "Possible enum values:" in out, out


def test_explain_recursive_and_unknown_field(kubectl):
    out = kubectl("explain", "pods.spec.containers", "--recursive").stdout
    assert "FIELD: containers <[]Container>" in out, out
    assert re.search(r"^\s+livenessProbe\t<Probe>$", out, re.M), out
    proc = kubectl("explain", "service.spec.nosuchfield", check=False)
    assert proc.returncode != 0
    assert 'field "nosuchfield" does not exist' in proc.stderr, describe_run(proc)


# --------------------------------------------------------------------------------------------
# create
# --------------------------------------------------------------------------------------------


def test_create_f_json_file_prints_created_and_validates_against_openapi(kubectl):
    assert create_json(kubectl, SVC_JSON) == "service/web created\n"
    svc = kubectl.json("get", "svc", "web")
    assert svc["spec"]["ports"][0]["targetPort"] == 8080
    assert svc["spec"]["type"] == "ClusterIP"
    # Client-side validation with the served OpenAPI (default --validate=strict) rejects an unknown field.
    bad = json.loads(json.dumps(SVC_JSON))
    bad["metadata"]["name"] = "bad"
    bad["spec"]["bogus"] = 1
    proc = kubectl("create", "-f", kubectl.write("bad.json", json.dumps(bad)), check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip() == (
        f'Error from server (BadRequest): error when creating "{kubectl.tmp_path / "bad.json"}": Service in version '
        '"v1" cannot be handled as a Service: strict decoding error: unknown field "spec.bogus"'), describe_run(proc)


def test_create_f_multi_document_yaml_file_creates_each_object(kubectl):
    text = SVC_YAML_TWO_PORTS + "---\n" + (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p1\n  labels:\n    app: web\n"
        "spec:\n  containers:\n  - name: c\n    image: nginx:1.27\n")
    out = kubectl("create", "-f", kubectl.write("all.yaml", text)).stdout
    assert out == "service/web created\npod/p1 created\n", out
    assert kubectl.json("get", "pod", "p1")["spec"]["containers"][0]["image"] == "nginx:1.27"
    proc = kubectl("create", "-f", kubectl.write("again.yaml", SVC_YAML_TWO_PORTS), check=False)
    assert proc.returncode != 0
    assert 'Error from server (AlreadyExists): error when creating' in proc.stderr, describe_run(proc)
    assert 'services "web" already exists' in proc.stderr, describe_run(proc)


def test_create_namespace_prints_created(kubectl):
    proc = kubectl("create", "namespace", "foo", check=False)
    assert proc.returncode == 0 and proc.stdout == "namespace/foo created\n", describe_run(proc)
    rows = rows_by_name(kubectl("get", "ns", "foo").stdout)
    assert rows["foo"][1] == "Active", rows
    assert kubectl.json("get", "ns", "foo")["metadata"]["labels"] == {"kubernetes.io/metadata.name": "foo"}


@pytest.mark.parametrize("kind,svc_type,port_re,external", [
    ("clusterip", "ClusterIP", r"^80/TCP$", "<none>"),
    ("nodeport", "NodePort", r"^80:3\d{4}/TCP$", "<none>"),
    # ServicePlane's default --load-balancer-ip-range hands out MetalLB-style addresses (issue 4).
    ("loadbalancer", "LoadBalancer", r"^80:3\d{4}/TCP$", r"172\.18\.255\.(2[0-4]\d|250)"),
], ids=["clusterip", "nodeport", "loadbalancer"])
def test_create_service_subcommand_prints_created(kubectl, kind, svc_type, port_re, external):
    proc = kubectl("create", "service", kind, "web2", "--tcp=80:8080", check=False)
    assert proc.returncode == 0 and proc.stdout == "service/web2 created\n", describe_run(proc)
    sync(kubectl.server)
    row = rows_by_name(kubectl("get", "svc", "web2").stdout)["web2"]
    assert row[1] == svc_type and re.match(IPV4, row[2]) and re.fullmatch(external, row[3]), row
    assert re.match(port_re, row[4]), row
    svc = kubectl.json("get", "svc", "web2")
    assert svc["metadata"]["labels"] == {"app": "web2"}
    assert svc["spec"]["selector"] == {"app": "web2"}
    assert svc["spec"]["ports"][0]["name"] == "80-8080" and svc["spec"]["ports"][0]["targetPort"] == 8080


def test_expose_pod_creates_a_service_selecting_the_pod_labels(kubectl):
    create_json(kubectl, pod_json("p1", labels={"app": "web"}))
    proc = kubectl("expose", "pod", "p1", "--port=81", "--name=exp", check=False)
    assert proc.returncode == 0 and proc.stdout == "service/exp exposed\n", describe_run(proc)
    svc = kubectl.json("get", "svc", "exp")
    assert svc["spec"]["selector"] == {"app": "web"}
    assert svc["spec"]["ports"][0]["port"] == 81 and svc["spec"]["ports"][0]["targetPort"] == 81


def test_run_creates_a_pod_labelled_run(kubectl):
    proc = kubectl("run", "nginx", "--image=nginx", check=False)
    assert proc.returncode == 0 and proc.stdout == "pod/nginx created\n", describe_run(proc)
    pod = kubectl.json("get", "pod", "nginx")
    assert pod["metadata"]["labels"] == {"run": "nginx"}
    assert pod["spec"]["containers"][0]["image"] == "nginx"
    assert pod["spec"]["restartPolicy"] == "Always" and pod["spec"]["dnsPolicy"] == "ClusterFirst"
    row = rows_by_name(kubectl("get", "pods").stdout)["nginx"]
    assert row[1:4] == ["0/1", "Pending", "0"], row


# --------------------------------------------------------------------------------------------
# apply (client-side and server-side)
# --------------------------------------------------------------------------------------------


def test_apply_creates_then_configures_then_removes_a_port(kubectl):
    path = kubectl.write("svc.yaml", SVC_YAML_TWO_PORTS)
    assert kubectl("apply", "-f", path).stdout == "service/web created\n"
    svc = kubectl.json("get", "svc", "web")
    last = json.loads(svc["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"])
    assert last["metadata"]["namespace"] == "default" and last["metadata"]["annotations"] == {}, last

    assert kubectl("apply", "-f", path).stdout == "service/web unchanged\n"

    kubectl.write("svc.yaml", SVC_YAML_TWO_PORTS.replace("targetPort: 8080", "targetPort: 8081"))
    assert kubectl("apply", "-f", path).stdout == "service/web configured\n"
    ports = kubectl.json("get", "svc", "web")["spec"]["ports"]
    assert [(p["port"], p["targetPort"]) for p in ports] == [(80, 8081), (443, 8443)], ports

    one_port = SVC_YAML_TWO_PORTS.replace("targetPort: 8080", "targetPort: 8081").split("  - name: https")[0]
    kubectl.write("svc.yaml", one_port)
    assert kubectl("apply", "-f", path).stdout == "service/web configured\n"
    ports = kubectl.json("get", "svc", "web")["spec"]["ports"]
    assert [(p["name"], p["port"], p["targetPort"]) for p in ports] == [("http", 80, 8081)], ports
    row = rows_by_name(kubectl("get", "svc", "web").stdout)["web"]
    assert row[4] == "80/TCP", row


def test_apply_removes_a_label_dropped_from_the_manifest(kubectl):
    text = SVC_YAML_TWO_PORTS.replace("    app: web\nspec", "    app: web\n    tier: fe\nspec")
    path = kubectl.write("svc.yaml", text)
    kubectl("apply", "-f", path)
    assert kubectl.json("get", "svc", "web")["metadata"]["labels"] == {"app": "web", "tier": "fe"}
    kubectl.write("svc.yaml", SVC_YAML_TWO_PORTS)
    assert kubectl("apply", "-f", path).stdout == "service/web configured\n"
    assert kubectl.json("get", "svc", "web")["metadata"]["labels"] == {"app": "web"}


def test_apply_server_side_creates_and_records_the_kubectl_manager(kubectl):
    path = kubectl.write("svc.yaml", SVC_YAML_TWO_PORTS)
    proc = kubectl("apply", "--server-side", "-f", path, check=False)
    assert proc.returncode == 0 and proc.stdout == "service/web serverside-applied\n", describe_run(proc)
    svc = json.loads(kubectl("get", "svc", "web", "-o", "json", "--show-managed-fields").stdout)
    managers = {(m["manager"], m["operation"]) for m in svc["metadata"].get("managedFields", [])}
    assert ("kubectl", "Apply") in managers, svc["metadata"]
    assert "kubectl.kubernetes.io/last-applied-configuration" not in svc["metadata"].get("annotations", {})
    # Re-applying without the https port removes it: this manager owned it and nobody else does.
    kubectl.write("svc.yaml", SVC_YAML_TWO_PORTS.split("  - name: https")[0])
    proc = kubectl("apply", "--server-side", "-f", path, check=False)
    assert proc.returncode == 0 and proc.stdout == "service/web serverside-applied\n", describe_run(proc)
    ports = kubectl.json("get", "svc", "web")["spec"]["ports"]
    assert [p["port"] for p in ports] == [80], ports


def test_apply_server_side_conflicts_with_client_side_apply_then_force_conflicts_wins(kubectl):
    path = kubectl.write("svc.yaml", SVC_YAML_TWO_PORTS)
    assert kubectl("apply", "-f", path).stdout == "service/web created\n"
    kubectl.write("svc.yaml", SVC_YAML_TWO_PORTS.replace("targetPort: 8080", "targetPort: 9999"))
    proc = kubectl("apply", "--server-side", "-f", path, check=False)
    assert proc.returncode == 1, describe_run(proc)
    assert proc.stdout == "", describe_run(proc)
    lines = proc.stderr.strip().splitlines()
    assert lines[0] == ('error: Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: '
                        '.spec.ports[port=80,protocol="TCP"].targetPort'), describe_run(proc)
    assert lines[1] == "Please review the fields above--they currently have other managers. Here", describe_run(proc)
    assert lines[-1] == "See https://kubernetes.io/docs/reference/using-api/server-side-apply/#conflicts", \
        describe_run(proc)
    assert kubectl.json("get", "svc", "web")["spec"]["ports"][0]["targetPort"] == 8080

    proc = kubectl("apply", "--server-side", "--force-conflicts", "-f", path, check=False)
    assert proc.returncode == 0 and proc.stdout == "service/web serverside-applied\n", describe_run(proc)
    svc = json.loads(kubectl("get", "svc", "web", "-o", "json", "--show-managed-fields").stdout)
    assert svc["spec"]["ports"][0]["targetPort"] == 9999
    assert "kubectl" in {m["manager"] for m in svc["metadata"]["managedFields"]}, svc["metadata"]["managedFields"]


# --------------------------------------------------------------------------------------------
# get
# --------------------------------------------------------------------------------------------


def test_get_svc_prints_kube_apiserver_columns_and_cells(kubectl):
    create_json(kubectl, SVC_JSON)
    out = kubectl("get", "svc").stdout
    assert out.splitlines()[0].split() == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"], out
    rows = rows_by_name(out)
    assert rows["kubernetes"][:5] == ["kubernetes", "ClusterIP", "10.96.0.1", "<none>", "443/TCP"], out
    web = rows["web"]
    assert web[1] == "ClusterIP" and re.fullmatch(IPV4, web[2]) and web[3:5] == ["<none>", "80/TCP"], out
    assert re.fullmatch(AGE, web[5]), out
    assert list(rows) == sorted(rows), f"rows are sorted by name: {out}"


def test_get_svc_wide_adds_selector_and_shows_nodeport_headless_and_externalname(kubectl):
    create_json(kubectl, SVC_JSON)
    np = json.loads(json.dumps(SVC_JSON))
    np["metadata"]["name"] = "np"
    np["spec"].update(type="NodePort", selector={"tier": "b", "app": "web"})
    np["spec"]["ports"][0]["nodePort"] = 30080
    create_json(kubectl, np)
    headless = json.loads(json.dumps(SVC_JSON))
    headless["metadata"]["name"] = "db"
    headless["spec"]["clusterIP"] = "None"
    create_json(kubectl, headless)
    create_json(kubectl, {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "ext"},
                          "spec": {"type": "ExternalName", "externalName": "example.com"}})
    out = kubectl("get", "svc", "-o", "wide").stdout
    assert out.splitlines()[0].split() == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE",
                                           "SELECTOR"], out
    rows = rows_by_name(out)
    assert rows["kubernetes"][6] == "<none>", out
    assert rows["web"][6] == "app=web", out
    assert rows["np"][1] == "NodePort" and rows["np"][4] == "80:30080/TCP" and rows["np"][6] == "app=web,tier=b", out
    assert rows["db"][2] == "None" and rows["db"][4] == "80/TCP", out
    assert rows["ext"][1:5] == ["ExternalName", "<none>", "example.com", "<none>"] and rows["ext"][6] == "<none>", out


def test_get_svc_loadbalancer_without_an_ip_range_stays_pending(tmp_path):
    # Like a cloud-less real cluster (reference §11.6): EXTERNAL-IP <pending>, describe has no Ingress line.
    with running_server(tmp_path / "srv", extra_args=("--load-balancer-ip-range", "none")) as srv:
        kubectl = Kubectl(srv, tmp_path)
        lb = json.loads(json.dumps(SVC_JSON))
        lb["spec"]["type"] = "LoadBalancer"
        create_json(kubectl, lb)
        sync(srv)
        row = rows_by_name(kubectl("get", "svc", "web").stdout)["web"]
        assert row[1] == "LoadBalancer" and row[3] == "<pending>" and re.fullmatch(r"80:3\d{4}/TCP", row[4]), row
        f = _describe_fields(kubectl("describe", "svc", "web").stdout)
        assert "LoadBalancer Ingress" not in f and f["External Traffic Policy"] == "Cluster", f


def test_describe_loadbalancer_shows_ingress_ip(kubectl):
    lb = json.loads(json.dumps(SVC_JSON))
    lb["spec"]["type"] = "LoadBalancer"
    create_json(kubectl, lb)
    sync(kubectl.server)
    ip = kubectl("get", "svc", "web", "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}").stdout
    assert re.fullmatch(IPV4, ip), ip
    f = _describe_fields(kubectl("describe", "svc", "web").stdout)
    # ipMode defaults to VIP in v1.32 (LoadBalancerIPMode), and describe appends it.
    assert f["LoadBalancer Ingress"] == f"{ip} (VIP)", f
    assert rows_by_name(kubectl("get", "svc", "web").stdout)["web"][3] == ip


def test_get_pods_wide_for_an_unscheduled_pod(kubectl):
    create_json(kubectl, pod_json("p1"))
    out = kubectl("get", "pods", "-o", "wide").stdout
    assert out.splitlines()[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED",
                                           "NODE", "READINESS", "GATES"], out
    row = rows_by_name(out)["p1"]
    assert row[1:4] == ["0/1", "Pending", "0"] and re.fullmatch(AGE, row[4]), out
    assert row[5:] == ["<none>", "<none>", "<none>", "<none>"], out


def test_get_pods_wide_for_a_running_pod_shows_ip_and_node(skubectl):
    create_json(skubectl, pod_json("p1"))
    skubectl("wait", "--for=condition=Ready", "pod/p1", "--timeout=15s", timeout=20)
    row = rows_by_name(skubectl("get", "pods", "-o", "wide").stdout)["p1"]
    assert row[1:4] == ["1/1", "Running", "0"], row
    assert re.fullmatch(IPV4, row[5]) and row[6] != "<none>" and row[7:] == ["<none>", "<none>"], row


def test_get_ns_and_endpointslices_columns(skubectl):
    out = skubectl("get", "ns").stdout
    assert out.splitlines()[0].split() == ["NAME", "STATUS", "AGE"], out
    assert rows_by_name(out)["default"][1] == "Active", out
    create_json(skubectl, pod_json("p1", labels={"app": "web"}))
    create_json(skubectl, SVC_JSON)
    skubectl("wait", "--for=condition=Ready", "pod/p1", "--timeout=15s", timeout=20)
    sync(skubectl.server)
    out = skubectl("get", "endpointslices", "-l", "kubernetes.io/service-name=web").stdout
    assert out.splitlines()[0].split() == ["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"], out
    rows = table(out)[1:]
    assert len(rows) == 1 and rows[0][0].startswith("web-") and rows[0][1:4] == ["IPv4", "8080", rows[0][3]], out
    assert re.fullmatch(IPV4, rows[0][3]), out


def test_get_single_object_yaml_json_jsonpath_and_name(kubectl):
    create_json(kubectl, SVC_JSON)
    yaml_out = kubectl("get", "svc", "web", "-o", "yaml").stdout
    assert yaml_out.startswith("apiVersion: v1\nkind: Service\nmetadata:\n"), yaml_out
    assert "managedFields" not in yaml_out, "kubectl hides managedFields unless --show-managed-fields"
    assert re.search(r"^  clusterIP: " + IPV4 + "$", yaml_out, re.M), yaml_out
    assert "  - name: http\n    port: 80\n    protocol: TCP\n    targetPort: 8080\n" in yaml_out, yaml_out
    obj = kubectl.json("get", "svc", "web")
    assert obj["kind"] == "Service" and obj["apiVersion"] == "v1"
    lst = kubectl.json("get", "svc")
    assert lst["kind"] == "List" and lst["apiVersion"] == "v1", lst  # kubectl wraps list output in a v1 List
    assert sorted(i["metadata"]["name"] for i in lst["items"]) == ["kubernetes", "web"]
    jp = kubectl("get", "svc", "web", "-o", "jsonpath={.spec.ports[0].port}/{.spec.ports[0].protocol}").stdout
    assert jp == "80/TCP", jp
    names = kubectl("get", "svc", "-o", "jsonpath={range .items[*]}{.metadata.name}{\"\\n\"}{end}").stdout
    assert names == "kubernetes\nweb\n", names
    assert kubectl("get", "svc", "-o", "name").stdout == "service/kubernetes\nservice/web\n"
    cc = kubectl("get", "svc", "web", "-o", "custom-columns=N:.metadata.name,P:.spec.ports[*].port").stdout
    assert table(cc) == [["N", "P"], ["web", "80"]], cc


def test_get_all_prints_one_table_per_kind_with_kind_prefixed_names(kubectl):
    create_json(kubectl, pod_json("p1"))
    out = kubectl("get", "all").stdout
    blocks = out.strip().split("\n\n")
    assert len(blocks) == 2, out
    assert table(blocks[0])[0] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"], out
    assert table(blocks[0])[1][:4] == ["pod/p1", "0/1", "Pending", "0"], out
    assert table(blocks[1])[0] == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"], out
    assert table(blocks[1])[1][:5] == ["service/kubernetes", "ClusterIP", "10.96.0.1", "<none>", "443/TCP"], out


def test_get_all_namespaces_adds_namespace_column(kubectl):
    kubectl.server.create("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}})
    create_json(kubectl, SVC_JSON, "-n", "a")
    out = kubectl("get", "svc", "-A").stdout
    assert out.splitlines()[0].split() == ["NAMESPACE", "NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)",
                                           "AGE"], out
    pairs = [(r[0], r[1]) for r in table(out)[1:]]
    assert pairs == [("a", "web"), ("default", "kubernetes")], out
    wide = kubectl("get", "svc", "--all-namespaces", "-o", "wide").stdout
    assert wide.splitlines()[0].split()[-1] == "SELECTOR", wide


def test_get_with_label_selectors(kubectl):
    for name, labels in (("a", {"app": "web", "env": "a"}), ("b", {"app": "web", "env": "b"}),
                         ("c", {"app": "db"})):
        create_json(kubectl, pod_json(name, labels=labels))
    def names(*selector: str) -> list[str]:
        return [r[0] for r in table(kubectl("get", "pods", *selector).stdout)[1:]]
    assert names("-l", "app=web") == ["a", "b"]
    assert names("-l", "app=web,env!=a") == ["b"]
    assert names("-l", "env in (a,c)") == ["a"]
    assert names("-l", "!env") == ["c"]
    assert names("--selector", "app notin (web)") == ["c"]
    proc = kubectl("get", "pods", "-l", "app=nothing")
    assert proc.stdout == "" and "No resources found in default namespace." in proc.stderr, describe_run(proc)


def test_get_show_labels_and_label_columns(kubectl):
    create_json(kubectl, pod_json("p1", labels={"app": "web", "tier": "fe"}))
    create_json(kubectl, pod_json("p2"))
    out = kubectl("get", "pods", "--show-labels").stdout
    assert out.splitlines()[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "LABELS"], out
    rows = rows_by_name(out)
    assert rows["p1"][-1] == "app=web,tier=fe" and rows["p2"][-1] == "<none>", out
    out = kubectl("get", "pods", "-L", "tier").stdout
    assert out.splitlines()[0].split()[-1] == "TIER", out
    rows = rows_by_name(out)
    assert rows["p1"][-1] == "fe" and len(rows["p2"]) == 5, out  # an absent label is an empty cell


def test_get_missing_object_and_empty_namespace_messages(kubectl):
    proc = kubectl("get", "svc", "nosuch", check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip() == 'Error from server (NotFound): services "nosuch" not found', describe_run(proc)
    proc = kubectl("get", "pods", "-n", "kube-public")
    assert proc.stdout == "" and proc.stderr.strip() == "No resources found in kube-public namespace."
    proc = kubectl("get", "pods", "-A")
    assert proc.stdout == "" and proc.stderr.strip() == "No resources found", describe_run(proc)


class _Reader(threading.Thread):
    """Collects a child's stdout lines so a test can wait for one without blocking forever."""

    def __init__(self, stream) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.lines: list[str] = []
        self.start()

    def run(self) -> None:
        for line in iter(self.stream.readline, ""):
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, predicate, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(predicate(line) for line in list(self.lines)):
                return True
            time.sleep(0.05)
        return False


def _finish(proc: subprocess.Popen, reader: _Reader, timeout: float) -> tuple[int, str]:
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.wait(timeout=5)
        raise AssertionError(f"kubectl did not end within {timeout} s; stdout so far: {reader.lines}")
    reader.join(timeout=5)
    return code, proc.stderr.read() if proc.stderr else ""


def test_get_watch_prints_new_rows_and_ends_at_request_timeout(kubectl):
    proc = kubectl.popen("get", "svc", "-w", request_timeout="4s")
    reader = _Reader(proc.stdout)
    try:
        assert reader.wait_for(lambda l: l.startswith("kubernetes"), 10), f"initial list not printed: {reader.lines}"
        start = time.monotonic()
        kubectl.server.create(services_path("default"), SVC_JSON)
        kubectl.server.patch(services_path("default", "web"), {"metadata": {"labels": {"x": "y"}}})
        code, err = _finish(proc, reader, 15)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 9)
            proc.wait(timeout=5)
    assert code == 0, f"exit {code}; stdout {reader.lines}; stderr {err}"
    assert reader.lines[0].split() == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"], reader.lines
    web_rows = [line.split() for line in reader.lines if line.startswith("web ")]
    assert len(web_rows) == 2, f"ADDED then MODIFIED rows expected: {reader.lines}"
    assert all(r[1] == "ClusterIP" and r[4] == "80/TCP" for r in web_rows), reader.lines
    assert time.monotonic() - start < 10


def test_get_watch_all_namespaces_output_json_streams_objects(kubectl):
    proc = kubectl.popen("get", "pods", "-A", "-w", "-o", "json", "--output-watch-events", request_timeout="3s")
    reader = _Reader(proc.stdout)
    try:
        time.sleep(0.5)  # the initial (empty) list needs no output; give kubectl time to open its watch
        kubectl.server.create(pods_path("kube-system"), pod_json("p1"))
        code, err = _finish(proc, reader, 15)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 9)
            proc.wait(timeout=5)
    assert code == 0, f"exit {code}; stderr {err}"
    # kubectl prints each metav1.WatchEvent as one compact JSON line (cli-runtime JSONPrinter).
    events = [json.loads(line) for line in reader.lines if line.strip()]
    assert [(e["type"], e["object"]["metadata"]["namespace"], e["object"]["metadata"]["name"]) for e in events] \
        == [("ADDED", "kube-system", "p1")], reader.lines
    assert events[0]["object"]["kind"] == "Pod" and events[0]["object"]["status"]["phase"] == "Pending"


# --------------------------------------------------------------------------------------------
# describe
# --------------------------------------------------------------------------------------------


def _describe_fields(out: str) -> dict[str, str]:
    fields = {}
    for line in out.splitlines():
        m = re.match(r"^([A-Z][A-Za-z -]*?):\s+(.*)$", line)
        if m and m.group(1) not in fields:
            fields[m.group(1)] = m.group(2).strip()
    return fields


def test_describe_svc_shows_ip_families_and_endpoints_from_slices(skubectl):
    create_json(skubectl, pod_json("p1", labels={"app": "web"}))
    create_json(skubectl, SVC_JSON)
    skubectl("wait", "--for=condition=Ready", "pod/p1", "--timeout=15s", timeout=20)
    sync(skubectl.server)
    pod_ip = skubectl.json("get", "pod", "p1")["status"]["podIP"]
    out = skubectl("describe", "svc", "web").stdout
    keys = [line.split(":")[0] for line in out.splitlines() if re.match(r"^[A-Z]", line)]
    assert keys == ["Name", "Namespace", "Labels", "Annotations", "Selector", "Type", "IP Family Policy",
                    "IP Families", "IP", "IPs", "Port", "TargetPort", "Endpoints", "Session Affinity",
                    "Internal Traffic Policy", "Events"], out
    f = _describe_fields(out)
    assert f["Name"] == "web" and f["Namespace"] == "default" and f["Labels"] == "app=web", out
    assert f["Annotations"] == "<none>" and f["Selector"] == "app=web" and f["Type"] == "ClusterIP", out
    assert f["IP Family Policy"] == "SingleStack" and f["IP Families"] == "IPv4", out
    assert re.fullmatch(IPV4, f["IP"]) and f["IPs"] == f["IP"], out
    assert f["Port"] == "http  80/TCP" and f["TargetPort"] == "8080/TCP", out
    assert f["Endpoints"] == f"{pod_ip}:8080", out
    assert f["Session Affinity"] == "None" and f["Internal Traffic Policy"] == "Cluster", out
    assert f["Events"] == "<none>", out
    # All lines are aligned at the same column (kubectl's tab writer, one block).
    starts = {len(line) - len(line.split(":", 1)[1].lstrip()) for line in out.splitlines() if re.match(r"^[A-Z]", line)
              and line.split(":", 1)[1].strip()}
    assert len(starts) == 1, out


def test_describe_nodeport_svc_shows_nodeport_and_policy_lines(kubectl):
    np = json.loads(json.dumps(SVC_JSON))
    np["metadata"]["name"] = "np"
    np["spec"]["type"] = "NodePort"
    np["spec"]["ports"][0]["nodePort"] = 30123
    create_json(kubectl, np)
    f = _describe_fields(kubectl("describe", "svc", "np").stdout)
    assert f["Type"] == "NodePort" and f["NodePort"] == "http  30123/TCP", f
    assert f["External Traffic Policy"] == "Cluster" and f["Endpoints"] == "", f


def test_describe_pod_pending_without_a_kubelet(kubectl):
    create_json(kubectl, pod_json("p1", labels={"app": "web"}))
    out = kubectl("describe", "pod", "p1").stdout
    f = _describe_fields(out)
    assert f["Name"] == "p1" and f["Namespace"] == "default" and f["Labels"] == "app=web", out
    assert f["Node"] == "<none>" and f["Status"] == "Pending" and f["IP"] == "", out
    assert f["IPs"] == "<none>" and f["QoS Class"] == "BestEffort" and f["Node-Selectors"] == "<none>", out
    assert re.search(r"^    Image:\s+nginx:1\.27$", out, re.M), out
    assert re.search(r"^    Port:\s+<none>$", out, re.M), out
    assert f["Events"] == "<none>", out


def test_describe_pod_shows_admission_defaults_like_a_real_cluster(kubectl):
    # A real v1.32 apiserver runs the ServiceAccount, Priority and DefaultTolerationSeconds admission plugins
    # (reference §13.1, "SHOULD"): describe then prints these lines for any pod.
    create_json(kubectl, pod_json("p1"))
    out = kubectl("describe", "pod", "p1").stdout
    f = _describe_fields(out)
    assert f.get("Service Account") == "default" and f.get("Priority") == "0", out
    assert re.search(r"^Tolerations:\s+node\.kubernetes\.io/not-ready:NoExecute op=Exists for 300s\n"
                     r"\s+node\.kubernetes\.io/unreachable:NoExecute op=Exists for 300s$", out, re.M), out


def test_describe_pod_running_with_the_simulator(skubectl):
    create_json(skubectl, pod_json("p1"))
    skubectl("wait", "--for=condition=Ready", "pod/p1", "--timeout=15s", timeout=20)
    out = skubectl("describe", "pod", "p1").stdout
    f = _describe_fields(out)
    assert f["Status"] == "Running" and re.fullmatch(IPV4, f["IP"]), out
    assert re.match(r"^\S+/" + IPV4 + "$", f["Node"]), out
    assert re.search(r"^    State:\s+Running$", out, re.M) and re.search(r"^    Ready:\s+True$", out, re.M), out
    conditions = re.findall(r"^  (\w+)\s+(True|False)\s*$", out, re.M)
    assert ("Ready", "True") in conditions and ("PodScheduled", "True") in conditions, out


def test_describe_ns_prints_name_labels_status(kubectl):
    out = kubectl("describe", "ns", "default").stdout
    f = _describe_fields(out)
    assert f["Name"] == "default" and f["Labels"] == "kubernetes.io/metadata.name=default", out
    assert f["Annotations"] == "<none>" and f["Status"] == "Active", out


# --------------------------------------------------------------------------------------------
# edit, label, annotate, patch
# --------------------------------------------------------------------------------------------


def _editor(kubectl: Kubectl, sed_expr: str) -> dict:
    script = kubectl.tmp_path / "editor.sh"
    script.write_text(f"#!/bin/sh\nsed -i -e '{sed_expr}' \"$1\"\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return {"EDITOR": str(script), "KUBE_EDITOR": str(script)}


def test_edit_with_scripted_editor_patches_the_service(kubectl):
    create_json(kubectl, SVC_JSON)
    proc = kubectl("edit", "svc", "web", env=_editor(kubectl, "s/targetPort: 8080/targetPort: 9090/"))
    assert proc.stdout == "service/web edited\n", describe_run(proc)
    assert kubectl.json("get", "svc", "web")["spec"]["ports"][0]["targetPort"] == 9090


def test_edit_without_changes_is_cancelled(kubectl):
    create_json(kubectl, SVC_JSON)
    proc = kubectl("edit", "svc", "web", env=_editor(kubectl, "s/nothing-matches-this//"))
    assert proc.stdout == "" and "Edit cancelled, no changes made." in proc.stderr, describe_run(proc)


def test_edit_json_output_and_invalid_edit_is_reported(kubectl):
    create_json(kubectl, SVC_JSON)
    # -o json edits in JSON and prints the edited object in JSON instead of "service/web edited".
    proc = kubectl("edit", "svc", "web", "-o", "json", env=_editor(kubectl, 's/"port": 80,/"port": 81,/'))
    edited = json.loads(proc.stdout)
    assert edited["kind"] == "Service" and [p["port"] for p in edited["spec"]["ports"]] == [81], describe_run(proc)
    assert [p["port"] for p in kubectl.json("get", "svc", "web")["spec"]["ports"]] == [81]
    proc = kubectl("edit", "svc", "web", check=False, env=_editor(kubectl, "s/type: ClusterIP/type: Bogus/"))
    assert proc.returncode == 1, describe_run(proc)
    # The editor is reopened with the causes as comments; our script changes nothing the second time.
    lines = proc.stderr.strip().splitlines()
    assert lines[0] == 'error: services "web" is invalid' and lines[-1] == \
        "error: Edit cancelled, no valid changes were saved.", describe_run(proc)
    copy = re.search(r'A copy of your changes has been stored to "([^"]+)"', proc.stderr)
    assert copy, describe_run(proc)
    saved = pathlib.Path(copy.group(1)).read_text()
    assert '# services "web" was not valid:\n# * spec.type: Unsupported value: "Bogus": supported values: ' \
        '"ClusterIP", "ExternalName", "LoadBalancer", "NodePort"\n' in saved, saved
    assert kubectl.json("get", "svc", "web")["spec"]["type"] == "ClusterIP"


def test_label_add_overwrite_and_remove(kubectl):
    create_json(kubectl, SVC_JSON)
    assert kubectl("label", "svc", "web", "tier=frontend").stdout == "service/web labeled\n"
    proc = kubectl("label", "svc", "web", "tier=backend", check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip() == "error: 'tier' already has a value (frontend), and --overwrite is false", \
        describe_run(proc)
    assert kubectl("label", "svc", "web", "tier=backend", "--overwrite").stdout == "service/web labeled\n"
    assert kubectl.json("get", "svc", "web")["metadata"]["labels"] == {"app": "web", "tier": "backend"}
    assert kubectl("label", "svc", "web", "tier-").stdout == "service/web unlabeled\n"
    assert kubectl.json("get", "svc", "web")["metadata"]["labels"] == {"app": "web"}
    create_json(kubectl, pod_json("p1", labels={"app": "web"}))
    out = kubectl("label", "pods", "-l", "app=web", "x=1").stdout
    assert out == "pod/p1 labeled\n", out


def test_annotate_add_and_remove(kubectl):
    create_json(kubectl, SVC_JSON)
    assert kubectl("annotate", "svc", "web", "note=hello").stdout == "service/web annotated\n"
    assert kubectl.json("get", "svc", "web")["metadata"]["annotations"] == {"note": "hello"}
    assert kubectl("annotate", "svc", "web", "note-").stdout == "service/web annotated\n"
    assert not kubectl.json("get", "svc", "web")["metadata"].get("annotations")


def test_patch_strategic_merges_ports_by_port_number(kubectl):
    create_json(kubectl, SVC_JSON)
    out = kubectl("patch", "svc", "web", "-p", '{"spec":{"ports":[{"port":80,"targetPort":7070}]}}').stdout
    assert out == "service/web patched\n"
    out = kubectl("patch", "svc", "web", "--type=strategic", "-p",
                  '{"spec":{"ports":[{"name":"https","port":443,"targetPort":8443}]}}').stdout
    assert out == "service/web patched\n"
    ports = kubectl.json("get", "svc", "web")["spec"]["ports"]
    # Without $setElementOrder, SMP puts patch-only items before server-only ones (strategicpatch mergeSortedSlice).
    assert [(p["port"], p["targetPort"]) for p in ports] == [(443, 8443), (80, 7070)], ports
    out = kubectl("patch", "svc", "web", "-p", '{"spec":{"ports":[{"port":443,"$patch":"delete"}]}}').stdout
    assert out == "service/web patched\n"
    assert [p["port"] for p in kubectl.json("get", "svc", "web")["spec"]["ports"]] == [80]
    proc = kubectl("patch", "svc", "web", "-p", '{"spec":{"ports":[{"port":80,"targetPort":7070}]}}')
    assert proc.stdout == "service/web patched (no change)\n", describe_run(proc)


def test_patch_merge_replaces_lists_and_json_patch_edits_paths(kubectl):
    create_json(kubectl, SVC_JSON)
    out = kubectl("patch", "svc", "web", "--type=merge", "-p",
                  '{"metadata":{"labels":{"x":"y"}},"spec":{"ports":[{"port":8000}]}}').stdout
    assert out == "service/web patched\n"
    svc = kubectl.json("get", "svc", "web")
    assert svc["metadata"]["labels"] == {"app": "web", "x": "y"}
    assert [(p.get("name"), p["port"], p["targetPort"]) for p in svc["spec"]["ports"]] == [(None, 8000, 8000)]
    out = kubectl("patch", "svc", "web", "--type=json", "-p",
                  '[{"op":"replace","path":"/spec/sessionAffinity","value":"ClientIP"},'
                  '{"op":"remove","path":"/metadata/labels/x"}]').stdout
    assert out == "service/web patched\n"
    svc = kubectl.json("get", "svc", "web")
    assert svc["spec"]["sessionAffinity"] == "ClientIP" and svc["metadata"]["labels"] == {"app": "web"}
    assert svc["spec"]["sessionAffinityConfig"] == {"clientIP": {"timeoutSeconds": 10800}}
    proc = kubectl("patch", "svc", "web", "--type=json", "-p", '[{"op":"test","path":"/spec/type","value":"X"}]',
                   check=False)
    # 422 Invalid with the json-patch error as a cause; kubectl's Invalid formatting adds the empty field name.
    assert proc.returncode == 1, describe_run(proc)
    assert proc.stderr.strip() == "The request is invalid: : testing value /spec/type failed: test failed", \
        describe_run(proc)


# --------------------------------------------------------------------------------------------
# delete and wait
# --------------------------------------------------------------------------------------------


def test_delete_by_name_label_and_all(kubectl):
    for name, labels in (("a", {"app": "x"}), ("b", {"app": "x"}), ("c", {"app": "y"}), ("d", None)):
        create_json(kubectl, pod_json(name, labels=labels))
    assert kubectl("delete", "pod", "d").stdout == 'pod "d" deleted\n'
    assert kubectl("delete", "pods", "-l", "app=x").stdout == 'pod "a" deleted\npod "b" deleted\n'
    assert [r[0] for r in table(kubectl("get", "pods").stdout)[1:]] == ["c"]
    assert kubectl("delete", "pods", "--all").stdout == 'pod "c" deleted\n'
    proc = kubectl("get", "pods")
    assert "No resources found in default namespace." in proc.stderr
    proc = kubectl("delete", "pod", "nosuch", check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip() == 'Error from server (NotFound): pods "nosuch" not found', describe_run(proc)
    assert kubectl("delete", "pod", "nosuch", "--ignore-not-found").stdout == ""


def test_delete_all_services_recreates_the_kubernetes_service(kubectl):
    create_json(kubectl, SVC_JSON)
    out = kubectl("delete", "svc", "--all").stdout
    assert out == 'service "kubernetes" deleted\nservice "web" deleted\n', out
    # The apiserver re-creates `kubernetes` in the background (a real one within its 10 s reconcile period).
    deadline = time.monotonic() + 12
    names: list[str] = []
    while time.monotonic() < deadline:
        names = [r[0] for r in table(kubectl("get", "svc").stdout)[1:]]
        if names:
            break
        time.sleep(0.25)
    assert names == ["kubernetes"], names


def test_delete_waits_for_graceful_pod_termination(skubectl):
    create_json(skubectl, pod_json("p1", grace=2))
    skubectl("wait", "--for=condition=Ready", "pod/p1", "--timeout=15s", timeout=20)
    start = time.monotonic()
    out = skubectl("delete", "pod", "p1", "--wait=true").stdout
    elapsed = time.monotonic() - start
    assert out == 'pod "p1" deleted\n'
    assert elapsed < 15, f"delete --wait took {elapsed:.1f}s for a 2 s grace period"
    proc = skubectl("get", "pod", "p1", check=False)
    assert 'pods "p1" not found' in proc.stderr, describe_run(proc)


def test_delete_wait_false_leaves_a_terminating_pod(skubectl):
    create_json(skubectl, pod_json("p1", grace=30))
    skubectl("wait", "--for=condition=Ready", "pod/p1", "--timeout=15s", timeout=20)
    assert skubectl("delete", "pod", "p1", "--wait=false").stdout == 'pod "p1" deleted\n'
    row = rows_by_name(skubectl("get", "pods").stdout)["p1"]
    assert row[2] == "Terminating", row
    assert skubectl("delete", "pod", "p1", "--grace-period=0", "--force").stdout == 'pod "p1" force deleted\n'


def test_delete_namespace_waits_until_it_is_gone(kubectl):
    kubectl.server.create("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "gone"}})
    create_json(kubectl, SVC_JSON, "-n", "gone")
    assert kubectl("delete", "ns", "gone").stdout == 'namespace "gone" deleted\n'
    proc = kubectl("get", "ns", "gone", check=False)
    assert 'namespaces "gone" not found' in proc.stderr, describe_run(proc)
    proc = kubectl("delete", "ns", "default", check=False)
    assert proc.returncode == 1
    assert 'Error from server (Forbidden): namespaces "default" is forbidden: this namespace may not be deleted' \
        in proc.stderr, describe_run(proc)


def test_wait_for_condition_ready_on_a_simulated_pod(skubectl):
    create_json(skubectl, pod_json("p1"))
    proc = skubectl("wait", "--for=condition=Ready", "pod/p1", "--timeout=20s", timeout=25)
    assert proc.stdout == "pod/p1 condition met\n", describe_run(proc)
    proc = skubectl("wait", "--for=jsonpath={.status.phase}=Running", "pod/p1", "--timeout=10s")
    assert proc.stdout == "pod/p1 condition met\n", describe_run(proc)


def test_wait_for_condition_times_out_on_an_unscheduled_pod(kubectl):
    create_json(kubectl, pod_json("p1"))
    proc = kubectl("wait", "--for=condition=Ready", "pod/p1", "--timeout=2s", check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip() == "error: timed out waiting for the condition on pods/p1", describe_run(proc)


def test_wait_for_delete_returns_when_the_pod_is_gone(skubectl):
    create_json(skubectl, pod_json("p1", grace=1))
    skubectl("wait", "--for=condition=Ready", "pod/p1", "--timeout=15s", timeout=20)
    waiter = skubectl.popen("wait", "--for=delete", "pod/p1", "--timeout=20s", request_timeout=None)
    reader = _Reader(waiter.stdout)
    try:
        time.sleep(0.5)
        assert skubectl("delete", "pod", "p1", "--wait=false").stdout == 'pod "p1" deleted\n'
        code, err = _finish(waiter, reader, 25)
    finally:
        if waiter.poll() is None:
            os.killpg(waiter.pid, 9)
            waiter.wait(timeout=5)
    assert code == 0, f"exit {code}; stdout {reader.lines}; stderr {err}"
    assert reader.lines == ["pod/p1 condition met"], (reader.lines, err)


def test_wait_for_delete_times_out_while_the_pod_exists(kubectl):
    create_json(kubectl, pod_json("p1"))
    proc = kubectl("wait", "--for=delete", "pod/p1", "--timeout=2s", check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip() == "error: timed out waiting for the condition on pods/p1", describe_run(proc)
