"""The official Python client (`kubernetes` 32.0.1) works unchanged against the server.

What the client sends is in shared/reference/kubernetes-api.md §16.3 and §18.2: bodies without
apiVersion/kind, `patch_*` with a dict = strategic merge patch, with a list = JSON patch, booleans as
`True`/`False`, DELETE without a body.
"""

from __future__ import annotations

import json

import pytest
from kubernetes import client
from kubernetes.client.rest import ApiException

from support import UID_RE, unique_name

TIMEOUT = 10  # seconds, passed as _request_timeout to every call


def _svc(name: str, labels: dict | None = None) -> client.V1Service:
    return client.V1Service(
        metadata=client.V1ObjectMeta(name=name, labels=labels),
        spec=client.V1ServiceSpec(selector={"app": "web"}, ports=[client.V1ServicePort(port=80, target_port=8080)]),
    )


def _pod(name: str, labels: dict | None = None, finalizers: list | None = None) -> client.V1Pod:
    return client.V1Pod(
        metadata=client.V1ObjectMeta(name=name, labels=labels, finalizers=finalizers),
        spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="nginx:1.27")]),
    )


def _status_body(exc: ApiException) -> dict:
    body = json.loads(exc.body)
    assert body["kind"] == "Status", body
    return body


def _namespace(kube) -> str:
    name = unique_name("py")
    kube.core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)), _request_timeout=TIMEOUT)
    return name


# --- services ---------------------------------------------------------------------------------


def test_service_create_read_list_and_delete(kube):
    ns = _namespace(kube)
    created = kube.core.create_namespaced_service(ns, _svc("web", {"app": "web"}), _request_timeout=TIMEOUT)
    assert created.metadata.name == "web"
    assert created.metadata.namespace == ns
    assert UID_RE.match(created.metadata.uid)
    assert created.metadata.resource_version
    assert created.metadata.creation_timestamp is not None
    assert created.spec.ports[0].port == 80

    read = kube.core.read_namespaced_service("web", ns, _request_timeout=TIMEOUT)
    assert read.metadata.uid == created.metadata.uid
    assert read.metadata.resource_version == created.metadata.resource_version

    kube.core.create_namespaced_service(ns, _svc("api", {"app": "api"}), _request_timeout=TIMEOUT)
    listed = kube.core.list_namespaced_service(ns, label_selector="app=web", _request_timeout=TIMEOUT)
    assert [s.metadata.name for s in listed.items] == ["web"]
    assert listed.metadata.resource_version

    everywhere = kube.core.list_service_for_all_namespaces(label_selector="app in (web,api)", _request_timeout=TIMEOUT)
    assert {(s.metadata.namespace, s.metadata.name) for s in everywhere.items} >= {(ns, "web"), (ns, "api")}

    kube.core.delete_namespaced_service("web", ns, _request_timeout=TIMEOUT)
    with pytest.raises(ApiException) as info:
        kube.core.read_namespaced_service("web", ns, _request_timeout=TIMEOUT)
    assert info.value.status == 404
    body = _status_body(info.value)
    assert body["reason"] == "NotFound"
    assert body["message"] == 'services "web" not found'


def test_service_create_duplicate_raises_409(kube):
    ns = _namespace(kube)
    kube.core.create_namespaced_service(ns, _svc("web"), _request_timeout=TIMEOUT)
    with pytest.raises(ApiException) as info:
        kube.core.create_namespaced_service(ns, _svc("web"), _request_timeout=TIMEOUT)
    assert info.value.status == 409
    assert _status_body(info.value)["reason"] == "AlreadyExists"


def test_service_replace_with_stale_resource_version_raises_409(kube):
    ns = _namespace(kube)
    created = kube.core.create_namespaced_service(ns, _svc("web"), _request_timeout=TIMEOUT)
    fresh = kube.core.read_namespaced_service("web", ns, _request_timeout=TIMEOUT)
    fresh.metadata.labels = {"v": "1"}
    replaced = kube.core.replace_namespaced_service("web", ns, fresh, _request_timeout=TIMEOUT)
    assert replaced.metadata.labels == {"v": "1"}
    assert int(replaced.metadata.resource_version) > int(created.metadata.resource_version)

    created.metadata.labels = {"v": "2"}
    with pytest.raises(ApiException) as info:
        kube.core.replace_namespaced_service("web", ns, created, _request_timeout=TIMEOUT)
    assert info.value.status == 409
    body = _status_body(info.value)
    assert body["reason"] == "Conflict"
    assert body["message"] == (
        'Operation cannot be fulfilled on services "web": the object has been modified; please apply your changes '
        "to the latest version and try again"
    )
    assert kube.core.read_namespaced_service("web", ns, _request_timeout=TIMEOUT).metadata.labels == {"v": "1"}


def test_service_patch_with_json_patch_list(kube):
    ns = _namespace(kube)
    kube.core.create_namespaced_service(ns, _svc("web", {"app": "web"}), _request_timeout=TIMEOUT)
    ops = [{"op": "add", "path": "/metadata/labels/tier", "value": "frontend"},
           {"op": "replace", "path": "/spec/ports/0/port", "value": 81}]
    patched = kube.core.patch_namespaced_service("web", ns, ops, _request_timeout=TIMEOUT)
    assert patched.metadata.labels == {"app": "web", "tier": "frontend"}
    assert patched.spec.ports[0].port == 81


def test_service_patch_with_dict_is_a_strategic_merge_of_labels(kube):
    # A dict body makes the client send Content-Type: application/strategic-merge-patch+json (§16.3).
    ns = _namespace(kube)
    kube.core.create_namespaced_service(ns, _svc("web", {"app": "web"}), _request_timeout=TIMEOUT)
    patched = kube.core.patch_namespaced_service("web", ns, {"metadata": {"labels": {"a": "b"}}},
                                                 _request_timeout=TIMEOUT)
    assert patched.metadata.labels == {"app": "web", "a": "b"}
    patched = kube.core.patch_namespaced_service("web", ns, {"metadata": {"labels": {"a": None}}},
                                                 _request_timeout=TIMEOUT)
    assert patched.metadata.labels == {"app": "web"}


def test_service_list_pagination_with_limit_and_continue(kube):
    ns = _namespace(kube)
    for i in range(5):
        kube.core.create_namespaced_service(ns, _svc(f"web-{i}"), _request_timeout=TIMEOUT)
    seen, pages, token = [], 0, None
    first_rv = None
    while True:
        kwargs = {"limit": 2, "_request_timeout": TIMEOUT}
        if token:
            kwargs["_continue"] = token
        page = kube.core.list_namespaced_service(ns, **kwargs)
        pages += 1
        first_rv = first_rv or page.metadata.resource_version
        assert page.metadata.resource_version == first_rv
        assert len(page.items) <= 2
        seen += [s.metadata.name for s in page.items]
        token = page.metadata._continue
        if not token:
            break
        assert pages < 10, "pagination does not terminate"
    assert pages == 3
    assert seen == [f"web-{i}" for i in range(5)]


# --- pods -------------------------------------------------------------------------------------


def test_pod_create_read_list_patch_and_delete(kube):
    ns = _namespace(kube)
    created = kube.core.create_namespaced_pod(ns, _pod("p1", {"app": "web"}), _request_timeout=TIMEOUT)
    assert created.metadata.name == "p1"
    assert created.spec.containers[0].image == "nginx:1.27"
    kube.core.create_namespaced_pod(ns, _pod("p2", {"app": "db"}), _request_timeout=TIMEOUT)

    assert kube.core.read_namespaced_pod("p1", ns, _request_timeout=TIMEOUT).metadata.uid == created.metadata.uid
    listed = kube.core.list_namespaced_pod(ns, label_selector="app!=db", _request_timeout=TIMEOUT)
    assert [p.metadata.name for p in listed.items] == ["p1"]
    listed = kube.core.list_namespaced_pod(ns, field_selector="metadata.name=p2", _request_timeout=TIMEOUT)
    assert [p.metadata.name for p in listed.items] == ["p2"]

    patched = kube.core.patch_namespaced_pod(
        "p1", ns, [{"op": "add", "path": "/metadata/labels/tier", "value": "fe"}], _request_timeout=TIMEOUT)
    assert patched.metadata.labels == {"app": "web", "tier": "fe"}

    kube.core.delete_namespaced_pod("p1", ns, _request_timeout=TIMEOUT)
    with pytest.raises(ApiException) as info:
        kube.core.read_namespaced_pod("p1", ns, _request_timeout=TIMEOUT)
    assert info.value.status == 404
    assert _status_body(info.value)["message"] == 'pods "p1" not found'


def test_pod_replace_with_stale_resource_version_raises_409(kube):
    ns = _namespace(kube)
    created = kube.core.create_namespaced_pod(ns, _pod("p1"), _request_timeout=TIMEOUT)
    kube.core.patch_namespaced_pod("p1", ns, [{"op": "add", "path": "/metadata/labels", "value": {"v": "1"}}],
                                   _request_timeout=TIMEOUT)
    with pytest.raises(ApiException) as info:
        kube.core.replace_namespaced_pod("p1", ns, created, _request_timeout=TIMEOUT)
    assert info.value.status == 409
    assert _status_body(info.value)["reason"] == "Conflict"


def test_pod_finalizer_flow_via_patch(kube):
    ns = _namespace(kube)
    kube.core.create_namespaced_pod(ns, _pod("p1", finalizers=["example.com/hold"]), _request_timeout=TIMEOUT)
    kube.core.delete_namespaced_pod("p1", ns, _request_timeout=TIMEOUT)
    held = kube.core.read_namespaced_pod("p1", ns, _request_timeout=TIMEOUT)
    assert held.metadata.deletion_timestamp is not None
    assert held.metadata.finalizers == ["example.com/hold"]
    kube.core.patch_namespaced_pod("p1", ns, [{"op": "remove", "path": "/metadata/finalizers"}],
                                   _request_timeout=TIMEOUT)
    with pytest.raises(ApiException) as info:
        kube.core.read_namespaced_pod("p1", ns, _request_timeout=TIMEOUT)
    assert info.value.status == 404


def test_service_finalizer_flow_via_dict_patch(kube):
    ns = _namespace(kube)
    svc = _svc("web")
    svc.metadata.finalizers = ["example.com/hold"]
    kube.core.create_namespaced_service(ns, svc, _request_timeout=TIMEOUT)
    kube.core.delete_namespaced_service("web", ns, _request_timeout=TIMEOUT)
    assert kube.core.read_namespaced_service("web", ns, _request_timeout=TIMEOUT).metadata.deletion_timestamp
    kube.core.patch_namespaced_service("web", ns, {"metadata": {"finalizers": None}}, _request_timeout=TIMEOUT)
    with pytest.raises(ApiException) as info:
        kube.core.read_namespaced_service("web", ns, _request_timeout=TIMEOUT)
    assert info.value.status == 404


# --- namespaces -------------------------------------------------------------------------------


def test_namespace_create_read_list_patch_and_delete(kube):
    name = unique_name("py")
    created = kube.core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)),
                                         _request_timeout=TIMEOUT)
    assert created.status.phase == "Active"
    assert created.spec.finalizers == ["kubernetes"]
    assert created.metadata.labels == {"kubernetes.io/metadata.name": name}

    listed = kube.core.list_namespace(_request_timeout=TIMEOUT)
    names = [n.metadata.name for n in listed.items]
    for expected in ("default", "kube-node-lease", "kube-public", "kube-system", name):
        assert expected in names
    listed = kube.core.list_namespace(field_selector=f"metadata.name={name}", _request_timeout=TIMEOUT)
    assert [n.metadata.name for n in listed.items] == [name]

    patched = kube.core.patch_namespace(name, [{"op": "add", "path": "/metadata/labels/team", "value": "a"}],
                                        _request_timeout=TIMEOUT)
    assert patched.metadata.labels == {"kubernetes.io/metadata.name": name, "team": "a"}

    kube.core.delete_namespace(name, _request_timeout=TIMEOUT)
    try:
        after = kube.core.read_namespace(name, _request_timeout=TIMEOUT)
    except ApiException as exc:  # already finalized by the namespace controller
        assert exc.status == 404
    else:
        assert after.metadata.deletion_timestamp is not None
        assert after.status.phase == "Terminating"


def test_deleting_default_namespace_raises_403(kube):
    with pytest.raises(ApiException) as info:
        kube.core.delete_namespace("default", _request_timeout=TIMEOUT)
    assert info.value.status == 403
    assert _status_body(info.value)["message"] == 'namespaces "default" is forbidden: this namespace may not be deleted'


def test_create_in_missing_namespace_raises_404(kube):
    with pytest.raises(ApiException) as info:
        kube.core.create_namespaced_service("nosuch", _svc("web"), _request_timeout=TIMEOUT)
    assert info.value.status == 404
    assert _status_body(info.value)["message"] == 'namespaces "nosuch" not found'


# --- endpointslices ---------------------------------------------------------------------------


def test_endpointslice_create_list_and_delete(kube):
    ns = _namespace(kube)
    body = client.V1EndpointSlice(
        metadata=client.V1ObjectMeta(name="web-abcde", labels={"kubernetes.io/service-name": "web"}),
        address_type="IPv4",
        endpoints=[client.V1Endpoint(addresses=["10.244.0.5"],
                                     conditions=client.V1EndpointConditions(ready=True, serving=True, terminating=False),
                                     node_name="node-1")],
        ports=[client.DiscoveryV1EndpointPort(name="http", port=8080, protocol="TCP")],
    )
    created = kube.discovery.create_namespaced_endpoint_slice(ns, body, _request_timeout=TIMEOUT)
    assert created.metadata.name == "web-abcde"
    assert created.metadata.generation == 1
    assert created.address_type == "IPv4"
    assert created.endpoints[0].addresses == ["10.244.0.5"]
    assert created.endpoints[0].conditions.ready is True
    assert created.ports[0].name == "http"
    assert created.ports[0].port == 8080
    assert created.ports[0].protocol == "TCP"

    kube.discovery.create_namespaced_endpoint_slice(
        ns,
        client.V1EndpointSlice(metadata=client.V1ObjectMeta(name="other", labels={"kubernetes.io/service-name": "db"}),
                               address_type="IPv4", endpoints=[]),
        _request_timeout=TIMEOUT,
    )
    listed = kube.discovery.list_namespaced_endpoint_slice(ns, label_selector="kubernetes.io/service-name=web",
                                                           _request_timeout=TIMEOUT)
    assert [s.metadata.name for s in listed.items] == ["web-abcde"]
    everywhere = kube.discovery.list_endpoint_slice_for_all_namespaces(_request_timeout=TIMEOUT)
    assert {(s.metadata.namespace, s.metadata.name) for s in everywhere.items} >= {(ns, "web-abcde"), (ns, "other")}

    kube.discovery.delete_namespaced_endpoint_slice("web-abcde", ns, _request_timeout=TIMEOUT)
    listed = kube.discovery.list_namespaced_endpoint_slice(ns, _request_timeout=TIMEOUT)
    assert [s.metadata.name for s in listed.items] == ["other"]
    with pytest.raises(ApiException) as info:
        kube.discovery.read_namespaced_endpoint_slice("web-abcde", ns, _request_timeout=TIMEOUT)
    assert info.value.status == 404
    assert _status_body(info.value)["message"] == 'endpointslices.discovery.k8s.io "web-abcde" not found'


def test_endpointslice_delete_collection(kube):
    ns = _namespace(kube)
    for name in ("a", "b"):
        kube.discovery.create_namespaced_endpoint_slice(
            ns, client.V1EndpointSlice(metadata=client.V1ObjectMeta(name=name), address_type="IPv4", endpoints=[]),
            _request_timeout=TIMEOUT)
    kube.discovery.delete_collection_namespaced_endpoint_slice(ns, _request_timeout=TIMEOUT)
    assert kube.discovery.list_namespaced_endpoint_slice(ns, _request_timeout=TIMEOUT).items == []


def test_pod_delete_collection_with_label_selector(kube):
    ns = _namespace(kube)
    for name, app in (("p1", "a"), ("p2", "a"), ("p3", "b")):
        kube.core.create_namespaced_pod(ns, _pod(name, {"app": app}), _request_timeout=TIMEOUT)
    kube.core.delete_collection_namespaced_pod(ns, label_selector="app=a", _request_timeout=TIMEOUT)
    assert [p.metadata.name for p in kube.core.list_namespaced_pod(ns, _request_timeout=TIMEOUT).items] == ["p3"]


# --- discovery through the client -------------------------------------------------------------


def test_client_reads_version_and_api_resources(kube):
    version = client.VersionApi(kube.api_client).get_code(_request_timeout=TIMEOUT)
    assert version.git_version.startswith("v1.32.")
    resources = kube.core.get_api_resources(_request_timeout=TIMEOUT)
    names = {r.name for r in resources.resources}
    assert {"namespaces", "pods", "services"} <= names
    groups = client.ApisApi(kube.api_client).get_api_versions(_request_timeout=TIMEOUT)
    assert "discovery.k8s.io" in {g.name for g in groups.groups}
