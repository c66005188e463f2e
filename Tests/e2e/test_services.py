"""Service address allocation end to end (issue 4; reference §11): cluster IPs (bands, static requests,
conflicts, dual stack, headless, ExternalName), node ports, load-balancer addresses, type changes and
update normalisation, the `kubernetes` Service and its EndpointSlice, the selector warning, dry run, and
allocation state across a `kill -9` in the middle of a creation storm.

Raw HTTP through the harness (`server.post(...)`, exact Status bodies) plus the official Python client.
"""

from __future__ import annotations

import concurrent.futures
import ipaddress
import json
import threading
import time

import pytest
import requests
from kubernetes import client
from kubernetes.client.rest import ApiException

from support import (
    HTTP_TIMEOUT,
    assert_status,
    pod,
    pods_path,
    running_server,
    services_path,
    slices_path,
    unique_name,
)

TIMEOUT = 10  # seconds, _request_timeout for Python client calls
CLUSTER_RANGE = ipaddress.ip_network("10.96.0.0/12")
NODE_PORTS = range(30000, 32768)
LB_RANGE_FIRST = ipaddress.ip_address("172.18.255.200")
LB_RANGE_LAST = ipaddress.ip_address("172.18.255.250")


# --- helpers ----------------------------------------------------------------------------------


def svc(name: str, **spec) -> dict:
    """A Service: `spec` keys override `{selector: {app: web}, ports: [{port: 80}]}` (None removes a key)."""
    body = {"selector": {"app": "web"}, "ports": [{"port": 80}]}
    for key, value in spec.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": body}


def usable_cluster_ip(text: str, network=CLUSTER_RANGE) -> bool:
    address = ipaddress.ip_address(text)
    return address in network and address != network.network_address and address != network.broadcast_address


def node_ports(service: dict) -> list[int]:
    return [p["nodePort"] for p in service["spec"].get("ports", []) if p.get("nodePort")]


def invalid_message(name: str, body: str) -> str:
    return f'Service "{name}" is invalid: {body}'


def already_allocated(name: str, ip: str) -> str:
    return invalid_message(name, f'spec.clusterIPs: Invalid value: []string{{"{ip}"}}: failed to allocate IP {ip}: '
                                 "provided IP is already allocated")


def not_in_range(name: str, ip: str, cidr: str = "10.96.0.0/12") -> str:
    return invalid_message(name, f'spec.clusterIPs: Invalid value: []string{{"{ip}"}}: failed to allocate IP {ip}: '
                                 f"the provided IP ({ip}) is not in the valid range. The range of valid IPs is {cidr}")


def port_already_allocated(name: str, port: int, index: int = 0) -> str:
    return invalid_message(name, f"spec.ports[{index}].nodePort: Invalid value: {port}: provided port is already allocated")


def port_not_in_range(name: str, port: int, index: int = 0) -> str:
    return invalid_message(name, f"spec.ports[{index}].nodePort: Invalid value: {port}: provided port is not in the valid "
                                 "range. The range of valid ports is 30000-32767")


def lb_ingress(service: dict) -> list:
    return service.get("status", {}).get("loadBalancer", {}).get("ingress", [])


def parallel(fn, items, threads: int = 16) -> list:
    """fn(session, item) over items on `threads` threads, one requests.Session per thread; results in order."""
    local = threading.local()
    sessions: list[requests.Session] = []
    lock = threading.Lock()

    def run(item):
        if not hasattr(local, "session"):
            local.session = requests.Session()
            with lock:
                sessions.append(local.session)
        return fn(local.session, item)

    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=threads) as pool:
            return list(pool.map(run, items))
    finally:
        for session in sessions:
            session.close()


def post_json(session: requests.Session, url: str, body: dict) -> requests.Response:
    return session.post(url, json=body, timeout=HTTP_TIMEOUT)


# --- the kubernetes Service -------------------------------------------------------------------


def _assert_kubernetes_service(server, service: dict) -> None:
    assert service["metadata"]["labels"] == {"component": "apiserver", "provider": "kubernetes"}, service
    spec = service["spec"]
    assert spec["type"] == "ClusterIP"
    assert spec["clusterIP"] == "10.96.0.1"
    assert spec["clusterIPs"] == ["10.96.0.1"]
    assert spec["ports"] == [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": server.port}], spec
    assert spec["ipFamilies"] == ["IPv4"] and spec["ipFamilyPolicy"] == "SingleStack"
    assert spec["sessionAffinity"] == "None" and spec["internalTrafficPolicy"] == "Cluster"
    assert "selector" not in spec


def _assert_kubernetes_slice(server, slice_: dict) -> None:
    assert slice_["metadata"]["labels"] == {"kubernetes.io/service-name": "kubernetes"}, slice_
    assert slice_["addressType"] == "IPv4"
    assert slice_["ports"] == [{"name": "https", "port": server.port, "protocol": "TCP"}], slice_
    assert slice_["endpoints"] == [{"addresses": ["127.0.0.1"], "conditions": {"ready": True}}], slice_


def test_kubernetes_service_and_slice_exist_from_first_start(server, kube):
    _assert_kubernetes_service(server, server.read(services_path("default", "kubernetes")))
    _assert_kubernetes_slice(server, server.read(slices_path("default", "kubernetes")))
    via_client = kube.core.read_namespaced_service("kubernetes", "default", _request_timeout=TIMEOUT)
    assert via_client.spec.cluster_ip == "10.96.0.1"
    assert via_client.spec.ports[0].port == 443 and via_client.spec.ports[0].target_port == server.port
    # Its address is taken.
    resp = server.post(services_path("default"), svc("web", clusterIP="10.96.0.1"))
    assert_status(resp, 422, "Invalid", already_allocated("web", "10.96.0.1"))


@pytest.mark.timeout(40)
def test_kubernetes_service_and_slice_are_recreated_after_deletion(server):
    assert server.delete(services_path("default", "kubernetes")).status_code == 200
    assert server.delete(slices_path("default", "kubernetes")).status_code == 200
    deleted_at = time.monotonic()
    deadline = deleted_at + 15  # the reconciler runs every 10 s
    service = slice_ = None
    while time.monotonic() < deadline and (service is None or slice_ is None):
        time.sleep(0.25)
        if service is None:
            resp = server.get(services_path("default", "kubernetes"))
            service = resp.json() if resp.status_code == 200 else None
        if slice_ is None:
            resp = server.get(slices_path("default", "kubernetes"))
            slice_ = resp.json() if resp.status_code == 200 else None
    assert service is not None, f"kubernetes Service not recreated within 15 s\n{server.log_tail()}"
    assert slice_ is not None, f"kubernetes EndpointSlice not recreated within 15 s\n{server.log_tail()}"
    _assert_kubernetes_service(server, service)
    _assert_kubernetes_slice(server, slice_)


@pytest.mark.timeout(40)
def test_kubernetes_service_ports_are_reset_after_an_edit(server):
    resp = server.patch(services_path("default", "kubernetes"), {"spec": {"ports": [{"name": "https", "port": 8443}]}})
    assert resp.status_code == 200, resp.text
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        current = server.read(services_path("default", "kubernetes"))
        if current["spec"]["ports"][0]["port"] == 443:
            break
        time.sleep(0.25)
    _assert_kubernetes_service(server, server.read(services_path("default", "kubernetes")))


# --- cluster IPs ------------------------------------------------------------------------------


@pytest.mark.timeout(90)
def test_thousand_concurrent_creates_get_distinct_addresses_in_range(server, kube):
    ns = server.create_namespace()
    url = server.url(services_path(ns))

    def create(session, index):
        kind = "NodePort" if index % 4 == 0 else "ClusterIP"
        ports = [{"name": "http", "port": 80}, {"name": "https", "port": 443}] if index % 8 == 0 else [{"port": 80}]
        resp = post_json(session, url, svc(f"s{index}", type=kind, ports=ports))
        return resp.status_code, resp.json()

    started = time.monotonic()
    results = parallel(create, range(1000), threads=16)
    elapsed = time.monotonic() - started
    failures = [(code, body) for code, body in results if code != 201]
    assert not failures, f"{len(failures)} creates failed, first: {failures[:3]}"
    created = [body for _, body in results]

    ips = [s["spec"]["clusterIP"] for s in created]
    assert len(set(ips)) == 1000, "duplicate clusterIPs handed out"
    assert all(usable_cluster_ip(ip) for ip in ips), [ip for ip in ips if not usable_cluster_ip(ip)]
    assert "10.96.0.1" not in ips
    # Dynamic allocation uses the upper band: never the first 256 offsets (10.96.0.1–10.96.1.0).
    low_band = [ip for ip in ips if int(ipaddress.ip_address(ip)) - int(CLUSTER_RANGE.network_address) <= 256]
    assert not low_band, low_band
    assert all(s["spec"]["clusterIPs"] == [s["spec"]["clusterIP"]] for s in created)

    ports = [p for s in created if s["spec"]["type"] == "NodePort" for p in node_ports(s)]
    assert len(ports) == 250 + 125  # every 8th NodePort Service has two ports
    assert len(set(ports)) == len(ports), "duplicate nodePorts handed out"
    assert all(p in range(30086, 32768) for p in ports), sorted(ports)[:5]
    assert all(not node_ports(s) for s in created if s["spec"]["type"] == "ClusterIP")

    # What is stored agrees with what was returned (read with the Python client).
    listed = kube.core.list_namespaced_service(ns, _request_timeout=30)
    assert len(listed.items) == 1000
    assert sorted(item.spec.cluster_ip for item in listed.items) == sorted(ips)
    everything = kube.core.list_service_for_all_namespaces(_request_timeout=30)
    all_ips = [item.spec.cluster_ip for item in everything.items if item.spec.cluster_ip not in (None, "None")]
    assert len(all_ips) == len(set(all_ips)) == 1001  # with the kubernetes Service
    print(f"1000 concurrent creates in {elapsed:.2f} s")


def test_deleted_service_address_and_node_port_are_reusable(server):
    ns = server.create_namespace()
    first = server.create(services_path(ns), svc("first", type="NodePort"))
    ip, port = first["spec"]["clusterIP"], node_ports(first)[0]
    assert_status(server.post(services_path(ns), svc("clash", clusterIP=ip)), 422, "Invalid", already_allocated("clash", ip))
    assert_status(server.post(services_path(ns), svc("clash", type="NodePort", ports=[{"port": 80, "nodePort": port}])),
                  422, "Invalid", port_already_allocated("clash", port))
    assert server.delete(services_path(ns, "first")).status_code == 200
    again = server.create(services_path(ns), svc("again", type="NodePort", clusterIP=ip,
                                                ports=[{"port": 80, "nodePort": port}]))
    assert again["spec"]["clusterIP"] == ip and again["spec"]["clusterIPs"] == [ip]
    assert node_ports(again) == [port]


def test_requested_cluster_ip_conflicts_and_range_errors(server, kube):
    ns = server.create_namespace()
    dns = server.create(services_path(ns), svc("dns", clusterIP="10.96.0.10"))
    assert dns["spec"]["clusterIP"] == "10.96.0.10" and dns["spec"]["clusterIPs"] == ["10.96.0.10"]
    other = server.create_namespace()
    assert_status(server.post(services_path(other), svc("web", clusterIP="10.96.0.10")), 422, "Invalid",
                  already_allocated("web", "10.96.0.10"))
    body = assert_status(server.post(services_path(ns), svc("web", clusterIPs=["10.96.0.10"])), 422, "Invalid",
                         already_allocated("web", "10.96.0.10"))
    assert body["details"]["name"] == "web" and body["details"]["kind"] == "Service"
    assert body["details"]["causes"] == [{
        "reason": "FieldValueInvalid",
        "message": 'Invalid value: []string{"10.96.0.10"}: failed to allocate IP 10.96.0.10: provided IP is already allocated',
        "field": "spec.clusterIPs"}]
    for address in ("1.1.1.1", "10.96.0.0", "10.111.255.255", "10.112.0.1"):
        assert_status(server.post(services_path(ns), svc("web", clusterIP=address)), 422, "Invalid",
                      not_in_range("web", address))
    # The Python client sees the same 422.
    with pytest.raises(ApiException) as caught:
        kube.core.create_namespaced_service(ns, client.V1Service(
            metadata=client.V1ObjectMeta(name="py"),
            spec=client.V1ServiceSpec(cluster_ip="10.96.0.10", ports=[client.V1ServicePort(port=80)])),
            _request_timeout=TIMEOUT)
    assert caught.value.status == 422
    assert json.loads(caught.value.body)["message"] == already_allocated("py", "10.96.0.10")
    # Nothing was taken by the failures: a lower-band address is still free, the conflicting one still held once.
    assert server.create(services_path(ns), svc("low", clusterIP="10.96.0.11"))["spec"]["clusterIP"] == "10.96.0.11"


def test_requested_node_port_conflicts_and_range_errors(server):
    ns = server.create_namespace()
    server.create(services_path(ns), svc("a", type="NodePort", ports=[{"port": 80, "nodePort": 30080}]))
    assert_status(server.post(services_path(ns), svc("b", type="NodePort", ports=[{"port": 80, "nodePort": 30080}])),
                  422, "Invalid", port_already_allocated("b", 30080))
    assert_status(server.post(services_path(ns), svc("b", type="NodePort", ports=[{"port": 80, "nodePort": 80}])),
                  422, "Invalid", port_not_in_range("b", 80))
    assert_status(server.post(services_path(ns), svc("b", type="LoadBalancer", ports=[{"port": 80, "nodePort": 32768}])),
                  422, "Invalid", port_not_in_range("b", 32768))
    # TCP and UDP on the same port number share one node port.
    dns = server.create(services_path(ns), svc("dns", type="NodePort", ports=[
        {"name": "dns-tcp", "port": 53, "protocol": "TCP"}, {"name": "dns-udp", "port": 53, "protocol": "UDP"}]))
    tcp, udp = node_ports(dns)
    assert tcp == udp and tcp in NODE_PORTS


# --- type changes and updates ------------------------------------------------------------------


def test_type_changes_allocate_and_release(server, kube):
    ns = server.create_namespace()
    path = services_path(ns, "web")
    created = server.create(services_path(ns), svc("web"))
    ip = created["spec"]["clusterIP"]
    assert node_ports(created) == [] and created["status"] == {"loadBalancer": {}}

    resp = server.patch(path, {"spec": {"type": "NodePort"}})
    assert resp.status_code == 200, resp.text
    as_node_port = resp.json()
    assert as_node_port["spec"]["clusterIP"] == ip
    [port] = node_ports(as_node_port)
    assert port in NODE_PORTS
    assert as_node_port["spec"]["externalTrafficPolicy"] == "Cluster"
    assert as_node_port["status"] == {"loadBalancer": {}}

    # To LoadBalancer with the Python client (strategic merge patch).
    as_lb = kube.core.patch_namespaced_service("web", ns, {"spec": {"type": "LoadBalancer"}}, _request_timeout=TIMEOUT)
    assert as_lb.spec.cluster_ip == ip
    assert as_lb.spec.ports[0].node_port == port
    assert as_lb.spec.allocate_load_balancer_node_ports is True
    ingress = as_lb.status.load_balancer.ingress
    assert ingress and len(ingress) == 1, as_lb.status
    lb_ip = ingress[0].ip
    assert ingress[0].ip_mode == "VIP"
    assert LB_RANGE_FIRST <= ipaddress.ip_address(lb_ip) <= LB_RANGE_LAST
    stored = server.read(path)
    assert lb_ingress(stored) == [{"ip": lb_ip, "ipMode": "VIP"}]

    resp = server.patch(path, {"spec": {"type": "ClusterIP"}})
    assert resp.status_code == 200, resp.text
    back = resp.json()
    assert back["spec"]["clusterIP"] == ip and back["spec"]["clusterIPs"] == [ip]
    assert node_ports(back) == [], back["spec"]["ports"]
    assert back["status"] == {"loadBalancer": {}}
    for field in ("externalTrafficPolicy", "allocateLoadBalancerNodePorts", "healthCheckNodePort"):
        assert field not in back["spec"], back["spec"]

    # Both released: another Service can take the node port and the load-balancer address.
    taker = server.create(services_path(ns), svc("taker", type="LoadBalancer", loadBalancerIP=lb_ip,
                                                 ports=[{"port": 80, "nodePort": port}]))
    assert node_ports(taker) == [port]
    assert lb_ingress(taker) == [{"ip": lb_ip, "ipMode": "VIP"}]
    # The cluster IP stayed with web throughout.
    assert_status(server.post(services_path(ns), svc("clash", clusterIP=ip)), 422, "Invalid", already_allocated("clash", ip))


def test_change_to_external_name_releases_the_cluster_ip(server):
    ns = server.create_namespace()
    ip = server.create(services_path(ns), svc("web"))["spec"]["clusterIP"]
    resp = server.patch(services_path(ns, "web"), {"spec": {"type": "ExternalName", "externalName": "db.example.com"}})
    assert resp.status_code == 200, resp.text
    spec = resp.json()["spec"]
    for field in ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"):
        assert field not in spec, spec
    assert server.create(services_path(ns), svc("reuse", clusterIP=ip))["spec"]["clusterIP"] == ip


def test_put_without_allocated_values_keeps_them(server):
    ns = server.create_namespace()
    path = services_path(ns, "web")
    created = server.create(services_path(ns), svc("web", type="NodePort", ports=[{"name": "http", "port": 80}]))
    ip, [port] = created["spec"]["clusterIP"], node_ports(created)
    manifest = svc("web", type="NodePort", ports=[{"name": "http", "port": 80, "targetPort": 8080}])
    manifest["metadata"]["labels"] = {"v": "2"}
    resp = server.put(path, manifest)  # no resourceVersion, no clusterIP(s), no nodePort: as `kubectl replace` of a file
    assert resp.status_code == 200, resp.text
    updated = resp.json()
    assert updated["spec"]["clusterIP"] == ip and updated["spec"]["clusterIPs"] == [ip]
    assert node_ports(updated) == [port]
    assert updated["spec"]["ports"][0]["targetPort"] == 8080
    assert updated["metadata"]["labels"] == {"v": "2"}
    assert server.read(path)["spec"]["clusterIP"] == ip


def test_changing_cluster_ip_is_422_may_not_change_once_set(server):
    ns = server.create_namespace()
    path = services_path(ns, "web")
    created = server.create(services_path(ns), svc("web"))
    ip = created["spec"]["clusterIP"]
    expected = invalid_message("web", 'spec.clusterIPs[0]: Invalid value: []string{"10.96.0.99"}: may not change once set')
    changed = dict(created)
    changed["spec"] = {k: v for k, v in created["spec"].items() if k != "clusterIPs"}
    changed["spec"]["clusterIP"] = "10.96.0.99"
    assert_status(server.put(path, changed), 422, "Invalid", expected)
    assert_status(server.patch(path, {"spec": {"clusterIP": "10.96.0.99", "clusterIPs": ["10.96.0.99"]}}),
                  422, "Invalid", expected)
    assert_status(server.patch(path, {"spec": {"clusterIP": "10.96.0.99"}}), 422, "Invalid", expected)
    assert server.read(path)["spec"]["clusterIP"] == ip
    # The refused address was not taken.
    assert server.create(services_path(ns), svc("other", clusterIP="10.96.0.99"))["spec"]["clusterIP"] == "10.96.0.99"


def test_node_ports_changed_or_removed_on_update_are_released(server):
    ns = server.create_namespace()
    path = services_path(ns, "web")
    server.create(services_path(ns), svc("web", type="LoadBalancer", externalTrafficPolicy="Local", ports=[
        {"name": "a", "port": 80, "nodePort": 30100}, {"name": "b", "port": 81, "nodePort": 30200}]))
    health = server.read(path)["spec"]["healthCheckNodePort"]
    # Change port a's nodePort, drop port b, and stop needing a health-check port.
    resp = server.patch(path, {"spec": {"externalTrafficPolicy": "Cluster",
                                        "ports": [{"name": "a", "port": 80, "nodePort": 30101}]}})
    assert resp.status_code == 200, resp.text
    spec = resp.json()["spec"]
    assert node_ports(resp.json()) == [30101]
    assert "healthCheckNodePort" not in spec, spec
    for port in (30100, 30200, health):
        taker = server.create(services_path(ns), svc(f"take-{port}", type="NodePort",
                                                     ports=[{"port": 80, "nodePort": port}]))
        assert node_ports(taker) == [port]
    assert_status(server.post(services_path(ns), svc("clash", type="NodePort", ports=[{"port": 80, "nodePort": 30101}])),
                  422, "Invalid", port_already_allocated("clash", 30101))


# --- headless and ExternalName ------------------------------------------------------------------


def test_headless_service_gets_no_address(server):
    ns = server.create_namespace()
    headless = server.create(services_path(ns), svc("headless", clusterIP="None"))
    spec = headless["spec"]
    assert spec["clusterIP"] == "None" and spec["clusterIPs"] == ["None"]
    assert spec["ipFamilyPolicy"] == "SingleStack" and spec["ipFamilies"] == ["IPv4"]
    # Selector-less headless: RequireDualStack, both families (reference §11.1), no ports needed.
    bare = server.create(services_path(ns), svc("bare", clusterIP="None", selector=None, ports=None))
    assert bare["spec"]["clusterIPs"] == ["None"]
    assert bare["spec"]["ipFamilyPolicy"] == "RequireDualStack"
    assert bare["spec"]["ipFamilies"] == ["IPv4", "IPv6"]
    # A headless NodePort is invalid.
    resp = server.post(services_path(ns), svc("np", clusterIP="None", type="NodePort"))
    body = assert_status(resp, 422, "Invalid")
    assert "may not be set to 'None' for NodePort services" in body["message"], body["message"]
    # Updates keep it headless.
    resp = server.patch(services_path(ns, "headless"), {"metadata": {"labels": {"x": "y"}}})
    assert resp.status_code == 200 and resp.json()["spec"]["clusterIPs"] == ["None"], resp.text


def test_external_name_service_gets_no_address_and_requires_external_name(server, kube):
    ns = server.create_namespace()
    created = server.create(services_path(ns), svc("ext", type="ExternalName", externalName="db.example.com",
                                                   selector=None, ports=None))
    spec = created["spec"]
    assert spec["type"] == "ExternalName" and spec["externalName"] == "db.example.com"
    for field in ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy", "internalTrafficPolicy"):
        assert field not in spec, spec
    read = kube.core.read_namespaced_service("ext", ns, _request_timeout=TIMEOUT)
    assert read.spec.cluster_ip is None and read.spec.external_name == "db.example.com"

    missing = assert_status(server.post(services_path(ns), svc("noname", type="ExternalName", selector=None, ports=None)),
                            422, "Invalid")
    assert missing["message"] == invalid_message("noname", "spec.externalName: Required value"), missing["message"]
    bad = assert_status(server.post(services_path(ns), svc("bad", type="ExternalName", externalName="Not_A_Name",
                                                           selector=None, ports=None)), 422, "Invalid")
    assert "spec.externalName" in bad["message"], bad["message"]
    with_ip = assert_status(server.post(services_path(ns), svc("withip", type="ExternalName", externalName="a.example.com",
                                                               clusterIPs=["10.96.0.50"])), 422, "Invalid")
    assert "spec.clusterIPs: Forbidden: may not be set for ExternalName services" in with_ip["message"], with_ip["message"]

    # ExternalName → ClusterIP allocates an address (reference §11.5 `allocateUpdate`).
    resp = server.patch(services_path(ns, "ext"), {"spec": {"type": "ClusterIP", "ports": [{"port": 80}]}})
    assert resp.status_code == 200, resp.text
    converted = resp.json()["spec"]
    assert usable_cluster_ip(converted["clusterIP"]) and converted["clusterIPs"] == [converted["clusterIP"]]
    assert converted["ipFamilies"] == ["IPv4"] and converted["ipFamilyPolicy"] == "SingleStack"


# --- dual stack ---------------------------------------------------------------------------------


@pytest.mark.timeout(30)
def test_dual_stack_cluster_ip_ranges(tmp_path):
    v4 = ipaddress.ip_network("10.96.0.0/16")
    v6 = ipaddress.ip_network("fd00:10:96::/112")
    with running_server(tmp_path / "dual", ("--service-cluster-ip-range", "10.96.0.0/16,fd00:10:96::/112")) as srv:
        ns = srv.create_namespace()
        kubernetes = srv.read(services_path("default", "kubernetes"))
        assert kubernetes["spec"]["clusterIPs"] == ["10.96.0.1"] and kubernetes["spec"]["ipFamilyPolicy"] == "SingleStack"

        single = srv.create(services_path(ns), svc("single"))
        assert single["spec"]["ipFamilies"] == ["IPv4"] and len(single["spec"]["clusterIPs"]) == 1
        assert usable_cluster_ip(single["spec"]["clusterIP"], v4)

        prefer = srv.create(services_path(ns), svc("prefer", ipFamilyPolicy="PreferDualStack"))
        spec = prefer["spec"]
        assert spec["ipFamilyPolicy"] == "PreferDualStack" and spec["ipFamilies"] == ["IPv4", "IPv6"]
        first, second = spec["clusterIPs"]
        assert spec["clusterIP"] == first
        assert usable_cluster_ip(first, v4)
        assert ipaddress.ip_address(second) in v6 and ipaddress.ip_address(second) != v6.network_address
        assert ipaddress.ip_address(second).compressed == second  # RFC 5952 text

        require = srv.create(services_path(ns), svc("require", ipFamilyPolicy="RequireDualStack", ipFamilies=["IPv6", "IPv4"]))
        first, second = require["spec"]["clusterIPs"]
        assert ipaddress.ip_address(first) in v6 and ipaddress.ip_address(second) in v4
        assert require["spec"]["clusterIP"] == first

        only6 = srv.create(services_path(ns), svc("only6", ipFamilies=["IPv6"]))
        assert only6["spec"]["ipFamilyPolicy"] == "SingleStack" and only6["spec"]["ipFamilies"] == ["IPv6"]
        assert ipaddress.ip_address(only6["spec"]["clusterIP"]) in v6

        static = srv.create(services_path(ns), svc("static", clusterIPs=["FD00:10:96:0:0:0:0:a"]))
        assert static["spec"]["clusterIPs"] == ["fd00:10:96::a"] and static["spec"]["ipFamilies"] == ["IPv6"]
        assert_status(srv.post(services_path(ns), svc("clash6", clusterIP="fd00:10:96::a")), 422, "Invalid",
                      already_allocated("clash6", "fd00:10:96::a"))
        assert_status(srv.post(services_path(ns), svc("out6", clusterIP="fd00:10:97::1")), 422, "Invalid",
                      not_in_range("out6", "fd00:10:97::1", "fd00:10:96::/112"))
        assert_status(srv.post(services_path(ns), svc("out4", clusterIP="10.97.0.1")), 422, "Invalid",
                      not_in_range("out4", "10.97.0.1", "10.96.0.0/16"))

        # Upgrade a single-stack Service: the secondary address is allocated, the primary kept.
        resp = srv.patch(services_path(ns, "single"), {"spec": {"ipFamilyPolicy": "PreferDualStack"}})
        assert resp.status_code == 200, resp.text
        upgraded = resp.json()["spec"]
        assert upgraded["clusterIPs"][0] == single["spec"]["clusterIP"] and len(upgraded["clusterIPs"]) == 2
        assert upgraded["ipFamilies"] == ["IPv4", "IPv6"]
        secondary = upgraded["clusterIPs"][1]
        assert ipaddress.ip_address(secondary) in v6
        # Downgrade: the secondary is released and can be requested by another Service.
        resp = srv.patch(services_path(ns, "single"), {"spec": {"ipFamilyPolicy": "SingleStack", "ipFamilies": ["IPv4"],
                                                                "clusterIPs": [single["spec"]["clusterIP"]]}})
        assert resp.status_code == 200, resp.text
        assert resp.json()["spec"]["clusterIPs"] == [single["spec"]["clusterIP"]]
        reuse = srv.create(services_path(ns), svc("reuse6", clusterIP=secondary))
        assert reuse["spec"]["clusterIPs"] == [secondary]

        # All addresses handed out are distinct.
        listed = srv.list("/api/v1/services")["items"]
        every = [ip for s in listed for ip in s["spec"].get("clusterIPs", []) if ip != "None"]
        assert len(every) == len(set(every)), every


def test_require_dual_stack_on_single_stack_cluster_is_422(server):
    ns = server.create_namespace()
    assert_status(server.post(services_path(ns), svc("web", ipFamilyPolicy="RequireDualStack")), 422, "Invalid",
                  invalid_message("web", 'spec.ipFamilyPolicy: Invalid value: "RequireDualStack": '
                                         "this cluster is not configured for dual-stack services"))
    assert_status(server.post(services_path(ns), svc("web", ipFamilies=["IPv6"])), 422, "Invalid",
                  invalid_message("web", 'spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster'))
    prefer = server.create(services_path(ns), svc("prefer", ipFamilyPolicy="PreferDualStack"))
    assert prefer["spec"]["ipFamilies"] == ["IPv4"] and len(prefer["spec"]["clusterIPs"]) == 1


# --- load balancers -----------------------------------------------------------------------------


def test_load_balancer_gets_an_address_and_honours_load_balancer_ip(server):
    ns = server.create_namespace()
    first = server.create(services_path(ns), svc("first", type="LoadBalancer"))
    assert lb_ingress(first) == [{"ip": "172.18.255.200", "ipMode": "VIP"}]  # lowest free address first
    assert len(node_ports(first)) == 1 and first["spec"]["allocateLoadBalancerNodePorts"] is True
    assert server.read(services_path(ns, "first"))["status"] == first["status"]

    wanted = server.create(services_path(ns), svc("wanted", type="LoadBalancer", loadBalancerIP="172.18.255.222"))
    assert lb_ingress(wanted) == [{"ip": "172.18.255.222", "ipMode": "VIP"}]
    # The same address is not given to a second Service.
    second = server.create(services_path(ns), svc("second", type="LoadBalancer", loadBalancerIP="172.18.255.222"))
    assert [i.get("ip") for i in lb_ingress(second)] != ["172.18.255.222"], second["status"]

    local = server.create(services_path(ns), svc("local", type="LoadBalancer", externalTrafficPolicy="Local"))
    health = local["spec"]["healthCheckNodePort"]
    assert health in NODE_PORTS and health not in node_ports(local)

    # Delete releases the address.
    assert server.delete(services_path(ns, "wanted")).status_code == 200
    again = server.create(services_path(ns), svc("again", type="LoadBalancer", loadBalancerIP="172.18.255.222"))
    assert lb_ingress(again) == [{"ip": "172.18.255.222", "ipMode": "VIP"}]


def test_load_balancer_with_foreign_class_stays_pending(server):
    ns = server.create_namespace()
    created = server.create(services_path(ns), svc("classy", type="LoadBalancer", loadBalancerClass="example.com/other"))
    assert created["status"] == {"loadBalancer": {}}
    assert created["spec"]["loadBalancerClass"] == "example.com/other"
    assert len(node_ports(created)) == 1
    assert server.read(services_path(ns, "classy"))["status"] == {"loadBalancer": {}}
    # The first free pool address is still free.
    assert lb_ingress(server.create(services_path(ns), svc("plain", type="LoadBalancer")))[0]["ip"] == "172.18.255.200"


@pytest.mark.timeout(30)
def test_load_balancer_ip_range_none_leaves_status_empty(tmp_path):
    with running_server(tmp_path / "nolb", ("--load-balancer-ip-range", "none")) as srv:
        ns = srv.create_namespace()
        created = srv.create(services_path(ns), svc("lb", type="LoadBalancer", loadBalancerIP="172.18.255.200"))
        assert created["status"] == {"loadBalancer": {}}
        assert len(node_ports(created)) == 1 and usable_cluster_ip(created["spec"]["clusterIP"])
        assert srv.read(services_path(ns, "lb"))["status"] == {"loadBalancer": {}}


# --- warnings -----------------------------------------------------------------------------------


def _warnings(resp: requests.Response) -> list[str]:
    value = resp.headers.get("Warning")
    return [] if value is None else [value]


def _assert_selector_warning(resp: requests.Response, ns: str, selector: str = "app=nomatch") -> None:
    warnings = _warnings(resp)
    assert len(warnings) == 1, f"expected one Warning header, got {resp.headers}"
    warning = warnings[0]
    assert warning.startswith('299 - "') and warning.endswith('"'), warning  # RFC 7234 form, as kube-apiserver sends
    assert selector in warning and ns in warning, warning


def test_warning_when_selector_matches_no_pod_on_create_and_put(server):
    ns = server.create_namespace()
    resp = server.post(services_path(ns), svc("web", selector={"app": "nomatch"}))
    assert resp.status_code == 201, resp.text
    _assert_selector_warning(resp, ns)

    current = resp.json()
    current["metadata"]["labels"] = {"v": "2"}
    resp = server.put(services_path(ns, "web"), current)
    assert resp.status_code == 200, resp.text
    _assert_selector_warning(resp, ns)

    # A Service without a selector is not warned about.
    resp = server.post(services_path(ns), svc("manual", selector=None))
    assert resp.status_code == 201 and _warnings(resp) == [], resp.headers

    # Once a matching Pod exists: no warning on update or create.
    server.create(pods_path(ns), pod("p", labels={"app": "nomatch", "extra": "x"}))
    current = server.read(services_path(ns, "web"))
    current["metadata"]["labels"] = {"v": "3"}
    resp = server.put(services_path(ns, "web"), current)
    assert resp.status_code == 200 and _warnings(resp) == [], resp.headers
    resp = server.post(services_path(ns), svc("web2", selector={"app": "nomatch"}))
    assert resp.status_code == 201 and _warnings(resp) == [], resp.headers
    # A Pod in another namespace does not count.
    other = server.create_namespace()
    resp = server.post(services_path(other), svc("web", selector={"app": "nomatch"}))
    assert resp.status_code == 201, resp.text
    _assert_selector_warning(resp, other)


def test_warning_when_selector_matches_no_pod_on_patch(server):
    ns = server.create_namespace()
    server.create(services_path(ns), svc("web", selector={"app": "nomatch"}))
    for content_type in ("application/merge-patch+json", "application/strategic-merge-patch+json"):
        resp = server.patch(services_path(ns, "web"), {"metadata": {"labels": {"ct": content_type.split("/")[1][:5]}}},
                            content_type=content_type)
        assert resp.status_code == 200, resp.text
        _assert_selector_warning(resp, ns)
    # A patch that changes the selector to a typo is the case that matters most.
    server.create(pods_path(ns), pod("p", labels={"app": "web"}))
    resp = server.patch(services_path(ns, "web"), {"spec": {"selector": {"app": "web"}}})
    assert resp.status_code == 200 and _warnings(resp) == [], resp.headers
    resp = server.patch(services_path(ns, "web"), {"spec": {"selector": {"app": "wbe"}}})
    assert resp.status_code == 200, resp.text
    _assert_selector_warning(resp, ns, "app=wbe")


# --- dry run ------------------------------------------------------------------------------------


def test_dry_run_create_returns_network_address_and_allocates_nothing(server):
    ns = server.create_namespace()
    resp = server.post(services_path(ns), svc("web", type="LoadBalancer"), params={"dryRun": "All"})
    assert resp.status_code == 201, resp.text
    preview = resp.json()
    assert preview["spec"]["clusterIP"] == "10.96.0.0" and preview["spec"]["clusterIPs"] == ["10.96.0.0"]
    assert "resourceVersion" not in preview["metadata"]
    assert server.get(services_path(ns, "web")).status_code == 404

    resp = server.post(services_path(ns), svc("web", type="NodePort", clusterIP="10.96.0.20",
                                             ports=[{"port": 80, "nodePort": 30500}]), params={"dryRun": "All"})
    assert resp.status_code == 201, resp.text
    assert resp.json()["spec"]["clusterIP"] == "10.96.0.20" and node_ports(resp.json()) == [30500]

    # None of it was claimed.
    real = server.create(services_path(ns), svc("real", type="NodePort", clusterIP="10.96.0.20",
                                               ports=[{"port": 80, "nodePort": 30500}]))
    assert real["spec"]["clusterIP"] == "10.96.0.20" and node_ports(real) == [30500]
    lb = server.create(services_path(ns), svc("lb", type="LoadBalancer"))
    assert lb_ingress(lb)[0]["ip"] == "172.18.255.200"
    assert server.list(services_path(ns))["items"].__len__() == 2


# --- crash in the middle of a creation storm -----------------------------------------------------


@pytest.mark.timeout(90)
def test_kill9_during_creation_storm_leaves_no_duplicate_or_unrecorded_address(server):
    ns = server.create_namespace()
    url = server.url(services_path(ns))
    stop = threading.Event()
    created: list[dict] = []
    errors: list[str] = []
    lock = threading.Lock()

    def storm(worker: int) -> None:
        session = requests.Session()
        index = 0
        try:
            while not stop.is_set():
                kind = "NodePort" if index % 2 else "ClusterIP"
                body = svc(f"w{worker}-{index}", type=kind)
                index += 1
                try:
                    resp = session.post(url, json=body, timeout=HTTP_TIMEOUT)
                except requests.RequestException:
                    return  # the server is gone
                if resp.status_code == 201:
                    with lock:
                        created.append(resp.json())
                else:
                    with lock:
                        errors.append(f"{resp.status_code} {resp.text[:300]}")
        finally:
            session.close()

    threads = [threading.Thread(target=storm, args=(n,), daemon=True) for n in range(4)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(created) < 300:
        time.sleep(0.05)
    server.kill()  # kill -9 while the creates are in flight
    stop.set()
    for thread in threads:
        thread.join(timeout=15)
    assert not errors, errors[:5]
    assert len(created) >= 50, f"only {len(created)} Services created before the kill"
    server.start()  # same database

    stored = server.list(services_path(ns))["items"]
    stored_names = {s["metadata"]["name"] for s in stored}
    # Every acknowledged create survived (durability), with the address it was given.
    acknowledged = {s["metadata"]["name"]: s for s in created}
    assert set(acknowledged) <= stored_names, sorted(set(acknowledged) - stored_names)[:5]
    for s in stored:
        if s["metadata"]["name"] in acknowledged:
            assert s["spec"]["clusterIPs"] == acknowledged[s["metadata"]["name"]]["spec"]["clusterIPs"]

    everything = server.list("/api/v1/services")["items"]
    ips = [ip for s in everything for ip in s["spec"].get("clusterIPs", []) if ip != "None"]
    assert len(ips) == len(set(ips)), "a clusterIP is held by two Services after the restart"
    ports = [p for s in everything for p in node_ports(s)]
    assert len(ports) == len(set(ports)), "a nodePort is held by two Services after the restart"
    assert all(usable_cluster_ip(ip) for ip in ips)

    # Every stored Service's addresses are recorded: requesting any of them is "already allocated".
    base = server.url(services_path(ns))

    def probe(session, item):
        index, service = item
        results = []
        ip = service["spec"]["clusterIP"]
        resp = post_json(session, base, svc(f"probe-ip-{index}", clusterIP=ip))
        results.append((resp.status_code, resp.json().get("message"), already_allocated(f"probe-ip-{index}", ip)))
        for port in node_ports(service):
            resp = post_json(session, base, svc(f"probe-np-{index}", type="NodePort", ports=[{"port": 80, "nodePort": port}]))
            results.append((resp.status_code, resp.json().get("message"), port_already_allocated(f"probe-np-{index}", port)))
        return results

    outcomes = [r for rs in parallel(probe, list(enumerate(stored)), threads=8) for r in rs]
    wrong = [(code, got) for code, got, want in outcomes if code != 422 or got != want]
    assert not wrong, f"{len(wrong)} of {len(outcomes)} probes were not 'already allocated': {wrong[:5]}"
    assert len(server.list(services_path(ns))["items"]) == len(stored), "a probe created a Service"

    # A deleted Service's addresses are reusable after the restart.
    victim = next(s for s in stored if node_ports(s))
    assert server.delete(services_path(ns, victim["metadata"]["name"])).status_code == 200
    reused = server.create(services_path(ns), svc("reused", type="NodePort", clusterIP=victim["spec"]["clusterIP"],
                                                  ports=[{"port": 80, "nodePort": node_ports(victim)[0]}]))
    assert reused["spec"]["clusterIP"] == victim["spec"]["clusterIP"]
    assert node_ports(reused) == node_ports(victim)[:1]
    # And dynamic allocation still works.
    fresh = server.create(services_path(ns), svc("fresh"))
    assert fresh["spec"]["clusterIP"] not in ips
