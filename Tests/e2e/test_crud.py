"""CRUD semantics over raw HTTP, pinned to kube-apiserver 1.32.

Expected values come from shared/reference/kubernetes-api.md: §5 (verbs, codes, bodies), §6 (query
parameters), §7 (metadata), §8 (Status errors), §15 (namespaces). Service address allocation is not part
of this milestone, so nothing here looks at clusterIP / nodePort.
"""

from __future__ import annotations

import re

import pytest

from support import (
    RV_RE,
    TIMESTAMP_RE,
    UID_RE,
    assert_status,
    endpoint_slice,
    names,
    namespace,
    namespaces_path,
    pod,
    pods_path,
    rv,
    service,
    services_path,
    slices_path,
)

DEFAULT_NAMESPACES = ["default", "kube-node-lease", "kube-public", "kube-system"]
DNS1035_MSG = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
    "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation "
    "is '[a-z]([-a-z0-9]*[a-z0-9])?')"
)
DNS1123_LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and "
    "end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
DNS1123_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
CONFLICT_MSG = (
    'Operation cannot be fulfilled on {resource} "{name}": the object has been modified; please apply your '
    "changes to the latest version and try again"
)
# Order = the `supportedTypes` list of k8s.io/apiserver/pkg/endpoints/installer.go (also the order of the PATCH
# `consumes` in the published OpenAPI, and of the message seen from real servers for core kinds). Note: the
# reference's §5.4 lists apply-patch+yaml before strategic-merge-patch+json; upstream source disagrees.
# Upstream lists the patch types the resource supports in this order; server-side apply
# (application/apply-patch+yaml) is not served yet, so it is not offered.
PATCH_415_MSG = (
    "the body of the request was in an unknown format - accepted media types include: "
    "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, "
    "application/strategic-merge-patch+json"
)
GENERATE_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


# --- create -----------------------------------------------------------------------------------


def test_create_returns_201_with_uid_resource_version_and_second_precision_timestamp(server):
    resp = server.post(services_path("default"), service("web", labels={"app": "web"}))
    assert resp.status_code == 201, resp.text
    assert resp.headers["Content-Type"].split(";")[0] == "application/json"
    obj = resp.json()
    assert obj["kind"] == "Service"
    assert obj["apiVersion"] == "v1"
    meta = obj["metadata"]
    assert meta["name"] == "web"
    assert meta["namespace"] == "default"
    assert meta["labels"] == {"app": "web"}
    assert UID_RE.match(meta["uid"]), meta
    assert RV_RE.match(meta["resourceVersion"]), meta
    assert TIMESTAMP_RE.match(meta["creationTimestamp"]), meta
    assert "selfLink" not in meta
    assert "deletionTimestamp" not in meta
    assert server.read(services_path("default", "web")) == obj


@pytest.mark.parametrize(
    "path_fn,obj,kind",
    [
        (pods_path, pod("p1"), "Pod"),
        (slices_path, endpoint_slice("s1"), "EndpointSlice"),
    ],
)
def test_create_other_namespaced_kinds_returns_201(server, path_fn, obj, kind):
    created = server.create(path_fn("default"), obj)
    assert created["kind"] == kind
    assert UID_RE.match(created["metadata"]["uid"])
    assert TIMESTAMP_RE.match(created["metadata"]["creationTimestamp"])
    assert created["metadata"]["namespace"] == "default"
    assert server.read(path_fn("default", obj["metadata"]["name"]))["metadata"]["uid"] == created["metadata"]["uid"]


def test_create_without_kind_and_api_version_defaults_them_from_the_url(server):
    body = {"metadata": {"name": "py1"}, "spec": {"ports": [{"port": 80}], "selector": {"app": "py"}}}
    created = server.create(services_path("default"), body)
    assert created["kind"] == "Service"
    assert created["apiVersion"] == "v1"


def test_generation_is_absent_on_core_kinds_and_one_on_endpointslices(server):
    svc = server.create(services_path("default"), service("web"))
    p = server.create(pods_path("default"), pod("p1"))
    ns = server.create(namespaces_path(), namespace("team-a"))
    es = server.create(slices_path("default"), endpoint_slice("web-abcde"))
    for obj in (svc, p, ns):
        assert "generation" not in obj["metadata"], obj["metadata"]
    assert es["metadata"]["generation"] == 1


def test_namespace_create_defaults_finalizer_phase_and_name_label(server):
    created = server.create(namespaces_path(), namespace("team-a", labels={"team": "a"}))
    assert created["metadata"]["labels"] == {"team": "a", "kubernetes.io/metadata.name": "team-a"}
    assert created["spec"] == {"finalizers": ["kubernetes"]}
    assert created["status"] == {"phase": "Active"}
    assert "namespace" not in created["metadata"]


def test_cluster_scoped_namespace_ignores_namespace_in_body(server):
    body = namespace("team-b")
    body["metadata"]["namespace"] = "default"
    created = server.create(namespaces_path(), body)
    assert "namespace" not in created["metadata"]


def test_default_namespaces_exist(server):
    listed = server.list(namespaces_path())
    assert listed["kind"] == "NamespaceList"
    assert listed["apiVersion"] == "v1"
    found = names(listed)
    for ns in DEFAULT_NAMESPACES:
        assert ns in found, found
        obj = server.read(namespaces_path(ns))
        assert obj["status"]["phase"] == "Active"
        assert obj["metadata"]["labels"]["kubernetes.io/metadata.name"] == ns


def test_create_in_missing_namespace_is_404_about_the_namespace(server):
    resp = server.post(services_path("nosuch"), service("web"))
    assert_status(resp, 404, "NotFound", 'namespaces "nosuch" not found', details={"name": "nosuch", "kind": "namespaces"})
    resp = server.post(pods_path("nosuch"), pod("p1"))
    assert_status(resp, 404, "NotFound", 'namespaces "nosuch" not found', details={"name": "nosuch", "kind": "namespaces"})


def test_list_in_missing_namespace_is_an_empty_list(server):
    listed = server.list(services_path("nosuch"))
    assert listed["kind"] == "ServiceList"
    assert listed["items"] == []


def test_namespace_in_body_disagreeing_with_url_is_400(server):
    body = service("web")
    body["metadata"]["namespace"] = "kube-system"
    resp = server.post(services_path("default"), body)
    assert_status(resp, 400, "BadRequest",
                  "the namespace of the provided object does not match the namespace sent on the request")
    assert server.get(services_path("kube-system", "web")).status_code == 404
    assert server.get(services_path("default", "web")).status_code == 404


def test_resource_version_in_create_body_is_rejected_with_500(server):
    body = service("web")
    body["metadata"]["resourceVersion"] = "5"
    resp = server.post(services_path("default"), body)
    assert_status(resp, 500, None, "resourceVersion should not be set on objects to be created")


# --- get / not found / already exists ---------------------------------------------------------


@pytest.mark.parametrize(
    "path,message,details",
    [
        (services_path("default", "x"), 'services "x" not found', {"name": "x", "kind": "services"}),
        (pods_path("default", "x"), 'pods "x" not found', {"name": "x", "kind": "pods"}),
        (namespaces_path("x"), 'namespaces "x" not found', {"name": "x", "kind": "namespaces"}),
        (slices_path("default", "x"), 'endpointslices.discovery.k8s.io "x" not found',
         {"name": "x", "group": "discovery.k8s.io", "kind": "endpointslices"}),
    ],
)
def test_get_missing_object_is_404_not_found(server, path, message, details):
    assert_status(server.get(path), 404, "NotFound", message, details=details)


def test_create_duplicate_is_409_already_exists(server):
    server.create(services_path("default"), service("web"))
    resp = server.post(services_path("default"), service("web"))
    assert_status(resp, 409, "AlreadyExists", 'services "web" already exists', details={"name": "web", "kind": "services"})


def test_same_name_in_different_namespaces_is_allowed(server):
    ns = server.create_namespace()
    a = server.create(services_path("default"), service("web"))
    b = server.create(services_path(ns), service("web"))
    assert a["metadata"]["uid"] != b["metadata"]["uid"]


# --- list -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path_fn,kind,api_version",
    [
        (services_path, "ServiceList", "v1"),
        (pods_path, "PodList", "v1"),
        (slices_path, "EndpointSliceList", "discovery.k8s.io/v1"),
    ],
)
def test_empty_list_has_kind_resource_version_and_empty_items(server, path_fn, kind, api_version):
    ns = server.create_namespace()
    resp = server.get(path_fn(ns))
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].split(";")[0] == "application/json"
    listed = resp.json()
    assert listed["kind"] == kind
    assert listed["apiVersion"] == api_version
    assert RV_RE.match(listed["metadata"]["resourceVersion"]), listed
    assert "continue" not in listed["metadata"] or listed["metadata"]["continue"] == ""
    assert listed["items"] == []


def test_list_returns_created_objects_sorted_by_name(server):
    ns = server.create_namespace()
    for name in ("web-c", "web-a", "web-b"):
        server.create(services_path(ns), service(name))
    listed = server.list(services_path(ns))
    assert names(listed) == ["web-a", "web-b", "web-c"]
    assert all(item["metadata"]["namespace"] == ns for item in listed["items"])


@pytest.mark.parametrize(
    "all_path,path_fn,make",
    [
        ("/api/v1/services", services_path, service),
        ("/api/v1/pods", pods_path, pod),
        ("/apis/discovery.k8s.io/v1/endpointslices", slices_path, endpoint_slice),
    ],
)
def test_all_namespaces_list_spans_namespaces(server, all_path, path_fn, make):
    ns_a = server.create_namespace("ns-a")
    ns_b = server.create_namespace("ns-b")
    server.create(path_fn(ns_a), make("one"))
    server.create(path_fn(ns_b), make("two"))
    listed = server.list(all_path)
    found = {(i["metadata"]["namespace"], i["metadata"]["name"]) for i in listed["items"]}
    assert {(ns_a, "one"), (ns_b, "two")} <= found
    keys = [(i["metadata"]["namespace"], i["metadata"]["name"]) for i in listed["items"]]
    assert keys == sorted(keys), keys


# --- names --------------------------------------------------------------------------------------


def test_generate_name_appends_five_random_characters(server):
    body = service("")
    del body["metadata"]["name"]
    body["metadata"]["generateName"] = "web-"
    created = server.create(services_path("default"), body)
    name = created["metadata"]["name"]
    assert re.fullmatch(f"web-[{GENERATE_NAME_ALPHABET}]{{5}}", name), name
    assert created["metadata"]["generateName"] == "web-"
    assert server.read(services_path("default", name))["metadata"]["uid"] == created["metadata"]["uid"]
    second = server.create(services_path("default"), body)
    assert second["metadata"]["name"] != name


def test_generate_name_prefix_is_truncated_to_58_characters(server):
    prefix = "a" * 61 + "-"
    body = pod("")
    del body["metadata"]["name"]
    body["metadata"]["generateName"] = prefix
    created = server.create(pods_path("default"), body)
    name = created["metadata"]["name"]
    assert len(name) == 63, name
    assert name.startswith(prefix[:58])
    assert re.fullmatch(f"[{GENERATE_NAME_ALPHABET}]{{5}}", name[58:]), name
    assert created["metadata"]["generateName"] == prefix


def test_missing_name_and_generate_name_is_422(server):
    body = service("")
    del body["metadata"]["name"]
    resp = server.post(services_path("default"), body)
    body = assert_status(resp, 422, "Invalid",
                         'Service "" is invalid: metadata.name: Required value: name or generateName is required')
    assert body["details"]["kind"] == "Service"
    assert body["details"]["causes"] == [
        {"reason": "FieldValueRequired", "message": "Required value: name or generateName is required",
         "field": "metadata.name"}
    ]


@pytest.mark.parametrize(
    "path_fn,make,kind,name,detail",
    [
        (services_path, service, "Service", "1web", DNS1035_MSG),
        (services_path, service, "Service", "web.v1", DNS1035_MSG),
        (services_path, service, "Service", "Web", DNS1035_MSG),
        (services_path, service, "Service", "a" * 64, "must be no more than 63 characters"),
        (pods_path, pod, "Pod", "Web", DNS1123_SUBDOMAIN_MSG),
        (pods_path, pod, "Pod", "web_1", DNS1123_SUBDOMAIN_MSG),
        # apimachinery 1.32 IsDNS1123Label: a valid subdomain that is not a label "must not contain dots".
        (lambda ns, name="": namespaces_path(name), namespace, "Namespace", "web.v1", "must not contain dots"),
        (lambda ns, name="": namespaces_path(name), namespace, "Namespace", "Web", DNS1123_LABEL_MSG),
    ],
)
def test_invalid_name_is_422_with_exact_message_and_causes(server, path_fn, make, kind, name, detail):
    resp = server.post(path_fn("default"), make(name))
    field_error = f'Invalid value: "{name}": {detail}'
    body = assert_status(resp, 422, "Invalid", f'{kind} "{name}" is invalid: metadata.name: {field_error}')
    assert body["details"] == {
        "name": name,
        "kind": kind,
        "causes": [{"reason": "FieldValueInvalid", "message": field_error, "field": "metadata.name"}],
    }


@pytest.mark.parametrize(
    "path_fn,make,name",
    [
        (pods_path, pod, "1web"),
        (pods_path, pod, "web.v1"),
        (lambda ns, name="": namespaces_path(name), namespace, "1ns"),
        (slices_path, endpoint_slice, "web.v1-abc"),
    ],
)
def test_names_valid_for_the_kind_are_accepted(server, path_fn, make, name):
    created = server.create(path_fn("default"), make(name))
    assert created["metadata"]["name"] == name


# --- update (PUT) -------------------------------------------------------------------------------


def test_put_with_stale_resource_version_is_409_conflict(server):
    created = server.create(services_path("default"), service("web"))
    fresh = server.read(services_path("default", "web"))
    fresh["metadata"]["labels"] = {"v": "1"}
    assert server.put(services_path("default", "web"), fresh).status_code == 200
    stale = created
    stale["metadata"]["labels"] = {"v": "2"}
    resp = server.put(services_path("default", "web"), stale)
    assert_status(resp, 409, "Conflict", CONFLICT_MSG.format(resource="services", name="web"),
                  details={"name": "web", "kind": "services"})
    assert server.read(services_path("default", "web"))["metadata"]["labels"] == {"v": "1"}


def test_put_stale_resource_version_conflict_names_the_group_for_endpointslices(server):
    created = server.create(slices_path("default"), endpoint_slice("web-abc"))
    updated = dict(created)
    updated["metadata"] = dict(created["metadata"], labels={"kubernetes.io/service-name": "web", "x": "1"})
    assert server.put(slices_path("default", "web-abc"), updated).status_code == 200
    resp = server.put(slices_path("default", "web-abc"), created)
    assert_status(resp, 409, "Conflict", CONFLICT_MSG.format(resource="endpointslices.discovery.k8s.io", name="web-abc"),
                  details={"name": "web-abc", "group": "discovery.k8s.io", "kind": "endpointslices"})


def test_put_without_resource_version_is_unconditional(server):
    created = server.create(services_path("default"), service("web"))
    body = service("web", labels={"tier": "frontend"})
    resp = server.put(services_path("default", "web"), body)
    assert resp.status_code == 200, resp.text
    updated = resp.json()
    assert updated["metadata"]["labels"] == {"tier": "frontend"}
    assert updated["metadata"]["uid"] == created["metadata"]["uid"]
    assert updated["metadata"]["creationTimestamp"] == created["metadata"]["creationTimestamp"]
    assert rv(updated) > rv(created)


def test_put_with_current_resource_version_succeeds_and_bumps_it(server):
    created = server.create(services_path("default"), service("web"))
    created["metadata"]["labels"] = {"a": "b"}
    resp = server.put(services_path("default", "web"), created)
    assert resp.status_code == 200, resp.text
    assert rv(resp.json()) > rv(created)


def test_noop_put_does_not_bump_resource_version(server):
    server.create(services_path("default"), service("web", labels={"app": "web"}))
    current = server.read(services_path("default", "web"))
    resp = server.put(services_path("default", "web"), current)
    assert resp.status_code == 200, resp.text
    assert resp.json()["metadata"]["resourceVersion"] == current["metadata"]["resourceVersion"]
    assert server.read(services_path("default", "web")) == current


def test_noop_merge_patch_does_not_bump_resource_version(server):
    created = server.create(services_path("default"), service("web", labels={"app": "web"}))
    resp = server.patch(services_path("default", "web"), {"metadata": {"labels": {"app": "web"}}})
    assert resp.status_code == 200, resp.text
    assert resp.json()["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]


def test_put_of_missing_service_creates_it_with_201(server):
    resp = server.put(services_path("default", "ghost"), service("ghost"))
    assert resp.status_code == 201, resp.text
    created = resp.json()
    assert UID_RE.match(created["metadata"]["uid"])
    assert server.read(services_path("default", "ghost"))["metadata"]["uid"] == created["metadata"]["uid"]


@pytest.mark.parametrize(
    "path,obj,message,details",
    [
        (pods_path("default", "ghost"), pod("ghost"), 'pods "ghost" not found', {"name": "ghost", "kind": "pods"}),
        (namespaces_path("ghost"), namespace("ghost"), 'namespaces "ghost" not found',
         {"name": "ghost", "kind": "namespaces"}),
        (slices_path("default", "ghost"), endpoint_slice("ghost"), 'endpointslices.discovery.k8s.io "ghost" not found',
         {"name": "ghost", "group": "discovery.k8s.io", "kind": "endpointslices"}),
    ],
)
def test_put_of_missing_non_service_is_404(server, path, obj, message, details):
    assert_status(server.put(path, obj), 404, "NotFound", message, details=details)
    assert server.get(path).status_code == 404


def test_put_with_name_different_from_url_is_400(server):
    server.create(services_path("default"), service("web"))
    resp = server.put(services_path("default", "web"), service("other"))
    assert_status(resp, 400, "BadRequest", "the name of the object (other) does not match the name on the URL (web)")


def test_put_with_namespace_different_from_url_is_400(server):
    server.create(services_path("default"), service("web"))
    body = service("web")
    body["metadata"]["namespace"] = "kube-system"
    resp = server.put(services_path("default", "web"), body)
    assert_status(resp, 400, "BadRequest",
                  "the namespace of the object (kube-system) does not match the namespace on the request (default)")


# --- patch ------------------------------------------------------------------------------------


def test_merge_patch_merges_labels_and_null_deletes(server):
    created = server.create(services_path("default"), service("web", labels={"app": "web", "old": "x"}))
    resp = server.patch(services_path("default", "web"), {"metadata": {"labels": {"tier": "frontend", "old": None}}})
    assert resp.status_code == 200, resp.text
    patched = resp.json()
    assert patched["metadata"]["labels"] == {"app": "web", "tier": "frontend"}
    assert rv(patched) > rv(created)
    assert server.read(services_path("default", "web")) == patched


def test_merge_patch_replaces_arrays_wholesale(server):
    server.create(services_path("default"), service("web"))
    ports = [{"name": "a", "port": 81, "protocol": "TCP", "targetPort": 81},
             {"name": "b", "port": 82, "protocol": "TCP", "targetPort": 82}]
    resp = server.patch(services_path("default", "web"), {"spec": {"ports": ports}})
    assert resp.status_code == 200, resp.text
    assert [(p["name"], p["port"]) for p in resp.json()["spec"]["ports"]] == [("a", 81), ("b", 82)]


def test_merge_patch_content_type_parameters_are_ignored(server):
    server.create(services_path("default"), service("web"))
    resp = server.patch(services_path("default", "web"), {"metadata": {"labels": {"a": "b"}}},
                        content_type="application/merge-patch+json; charset=utf-8")
    assert resp.status_code == 200, resp.text
    assert resp.json()["metadata"]["labels"] == {"a": "b"}


def test_json_patch_applies_operations(server):
    created = server.create(services_path("default"), service("web", labels={"app": "web"}))
    ops = [
        {"op": "add", "path": "/metadata/labels/tier", "value": "frontend"},
        {"op": "add", "path": "/metadata/labels/app.kubernetes.io~1name", "value": "web"},
        {"op": "replace", "path": "/spec/ports/0/port", "value": 81},
        {"op": "test", "path": "/metadata/labels/app", "value": "web"},
        {"op": "remove", "path": "/metadata/labels/app"},
    ]
    resp = server.patch(services_path("default", "web"), ops, content_type="application/json-patch+json")
    assert resp.status_code == 200, resp.text
    patched = resp.json()
    assert patched["metadata"]["labels"] == {"tier": "frontend", "app.kubernetes.io/name": "web"}
    assert patched["spec"]["ports"][0]["port"] == 81
    assert rv(patched) > rv(created)


def test_json_patch_failing_test_op_is_422_and_changes_nothing(server):
    created = server.create(services_path("default"), service("web", labels={"app": "web"}))
    ops = [
        {"op": "add", "path": "/metadata/labels/tier", "value": "frontend"},
        {"op": "test", "path": "/metadata/labels/app", "value": "nope"},
    ]
    resp = server.patch(services_path("default", "web"), ops, content_type="application/json-patch+json")
    assert_status(resp, 422, "Invalid", "the server rejected our request due to an error in our request")
    assert server.read(services_path("default", "web")) == created


def test_json_patch_on_a_missing_path_is_422(server):
    server.create(services_path("default"), service("web"))
    ops = [{"op": "remove", "path": "/metadata/annotations/nope"}]
    resp = server.patch(services_path("default", "web"), ops, content_type="application/json-patch+json")
    assert_status(resp, 422, "Invalid", "the server rejected our request due to an error in our request")


def test_malformed_patch_is_400(server):
    server.create(services_path("default"), service("web"))
    resp = server.patch(services_path("default", "web"), b"{not json", content_type="application/merge-patch+json")
    assert_status(resp, 400, "BadRequest")
    resp = server.patch(services_path("default", "web"), {"op": "add"}, content_type="application/json-patch+json")
    assert_status(resp, 400, "BadRequest")


def test_patch_with_stale_resource_version_is_409_conflict(server):
    created = server.create(services_path("default"), service("web"))
    server.patch(services_path("default", "web"), {"metadata": {"labels": {"a": "1"}}})
    resp = server.patch(services_path("default", "web"),
                        {"metadata": {"resourceVersion": created["metadata"]["resourceVersion"], "labels": {"a": "2"}}})
    assert_status(resp, 409, "Conflict", CONFLICT_MSG.format(resource="services", name="web"),
                  details={"name": "web", "kind": "services"})


def test_patch_of_missing_object_is_404(server):
    resp = server.patch(services_path("default", "ghost"), {"metadata": {"labels": {"a": "b"}}})
    assert_status(resp, 404, "NotFound", 'services "ghost" not found', details={"name": "ghost", "kind": "services"})


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", "application/x-www-form-urlencoded"])
def test_patch_with_unsupported_content_type_is_415(server, content_type):
    server.create(services_path("default"), service("web"))
    resp = server.patch(services_path("default", "web"), {"metadata": {"labels": {"a": "b"}}}, content_type=content_type)
    assert_status(resp, 415, "UnsupportedMediaType", PATCH_415_MSG)


# --- status subresource -------------------------------------------------------------------------

SERVICE_CONDITION = {
    "type": "Ready",
    "status": "True",
    "lastTransitionTime": "2024-12-11T17:59:15Z",
    "reason": "Ok",
    "message": "fine",
}


def test_put_to_main_resource_ignores_status_changes(server):
    created = server.create(services_path("default"), service("web"))
    body = server.read(services_path("default", "web"))
    body["metadata"]["labels"] = {"changed": "yes"}
    body["status"] = {"loadBalancer": {}, "conditions": [SERVICE_CONDITION]}
    resp = server.put(services_path("default", "web"), body)
    assert resp.status_code == 200, resp.text
    updated = resp.json()
    assert updated["metadata"]["labels"] == {"changed": "yes"}
    assert "conditions" not in (updated.get("status") or {}), updated
    assert updated.get("status") == created.get("status")


def test_put_to_status_subresource_ignores_spec_changes(server):
    server.create(services_path("default"), service("web"))
    body = server.read(services_path("default", "web"))
    body["spec"]["ports"][0]["port"] = 81
    body["status"] = {"loadBalancer": {}, "conditions": [SERVICE_CONDITION]}
    resp = server.put(services_path("default", "web") + "/status", body)
    assert resp.status_code == 200, resp.text
    updated = resp.json()
    assert updated["kind"] == "Service"
    assert updated["spec"]["ports"][0]["port"] == 80
    assert updated["status"]["conditions"] == [SERVICE_CONDITION]
    assert server.read(services_path("default", "web")) == updated
    assert server.read(services_path("default", "web") + "/status") == updated


def test_pod_status_subresource_round_trip(server):
    created = server.create(pods_path("default"), pod("p1"))
    # The main resource ignores status.
    body = server.read(pods_path("default", "p1"))
    body["status"] = {"phase": "Running"}
    resp = server.put(pods_path("default", "p1"), body)
    assert resp.status_code == 200, resp.text
    assert resp.json().get("status") == created.get("status")
    # /status takes status and ignores spec.
    body = server.read(pods_path("default", "p1"))
    body["spec"]["containers"][0]["image"] = "nginx:1.28"
    body["status"] = {"phase": "Running"}
    resp = server.put(pods_path("default", "p1") + "/status", body)
    assert resp.status_code == 200, resp.text
    updated = resp.json()
    assert updated["status"]["phase"] == "Running"
    assert updated["spec"]["containers"][0]["image"] == "nginx:1.27"


def test_merge_patch_on_status_subresource_changes_only_status(server):
    server.create(services_path("default"), service("web"))
    resp = server.patch(services_path("default", "web") + "/status",
                        {"spec": {"ports": [{"port": 99}]}, "status": {"conditions": [SERVICE_CONDITION]}})
    assert resp.status_code == 200, resp.text
    assert resp.json()["spec"]["ports"][0]["port"] == 80
    assert resp.json()["status"]["conditions"] == [SERVICE_CONDITION]


def test_get_status_subresource_of_missing_object_is_404(server):
    assert_status(server.get(services_path("default", "nope") + "/status"), 404, "NotFound",
                  'services "nope" not found', details={"name": "nope", "kind": "services"})


def test_namespace_status_subresource_is_served(server):
    ns = server.create_namespace()
    got = server.read(namespaces_path(ns) + "/status")
    assert got["kind"] == "Namespace"
    assert got["status"]["phase"] == "Active"


# --- delete -----------------------------------------------------------------------------------


def test_delete_service_returns_200_and_removes_it(server):
    server.create(services_path("default"), service("web"))
    resp = server.delete(services_path("default", "web"))
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].split(";")[0] == "application/json"
    assert_status(server.get(services_path("default", "web")), 404, "NotFound", 'services "web" not found')


def test_delete_pod_returns_the_deleted_pod(server):
    created = server.create(pods_path("default"), pod("p1"))
    resp = server.delete(pods_path("default", "p1"))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["kind"] == "Pod"
    assert body["metadata"]["uid"] == created["metadata"]["uid"]
    assert server.get(pods_path("default", "p1")).status_code == 404


def test_delete_endpointslice_returns_success_status_with_details(server):
    created = server.create(slices_path("default"), endpoint_slice("web-abc"))
    resp = server.delete(slices_path("default", "web-abc"))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["kind"] == "Status"
    assert body["status"] == "Success"
    assert body["details"] == {"name": "web-abc", "group": "discovery.k8s.io", "kind": "endpointslices",
                               "uid": created["metadata"]["uid"]}
    assert server.get(slices_path("default", "web-abc")).status_code == 404


def test_delete_with_kubectl_style_body_works(server):
    server.create(services_path("default"), service("web"))
    resp = server.delete(services_path("default", "web"), {"propagationPolicy": "Background"})
    assert resp.status_code == 200, resp.text
    assert server.get(services_path("default", "web")).status_code == 404


def test_delete_missing_object_is_404(server):
    assert_status(server.delete(services_path("default", "nope")), 404, "NotFound", 'services "nope" not found',
                  details={"name": "nope", "kind": "services"})


def test_delete_collection_of_pods_with_label_selector(server):
    ns = server.create_namespace()
    for name, app in (("p1", "a"), ("p2", "a"), ("p3", "b")):
        server.create(pods_path(ns), pod(name, labels={"app": app}))
    resp = server.delete(pods_path(ns), params={"labelSelector": "app=a"})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["kind"] == "PodList"
    assert sorted(names(body)) == ["p1", "p2"]
    assert names(server.list(pods_path(ns))) == ["p3"]


def test_delete_collection_of_endpointslices_without_selector_deletes_all_in_namespace(server):
    ns = server.create_namespace()
    server.create(slices_path(ns), endpoint_slice("a"))
    server.create(slices_path(ns), endpoint_slice("b"))
    server.create(slices_path("default"), endpoint_slice("keep"))
    resp = server.delete(slices_path(ns))
    assert resp.status_code == 200, resp.text
    assert server.list(slices_path(ns))["items"] == []
    # default also holds the apiserver's own `kubernetes` slice.
    assert names(server.list(slices_path("default"))) == ["keep", "kubernetes"]


def test_delete_with_uid_precondition_mismatch_is_409(server):
    created = server.create(services_path("default"), service("web"))
    uid = created["metadata"]["uid"]
    resp = server.delete(services_path("default", "web"), {"preconditions": {"uid": "bogus-uid"}})
    assert_status(
        resp, 409, "Conflict",
        f'Operation cannot be fulfilled on Service "web": the UID in the precondition (bogus-uid) does not match '
        f"the UID in record ({uid}). The object might have been deleted and then recreated",
        details={"name": "web", "kind": "Service"},
    )
    assert server.get(services_path("default", "web")).status_code == 200


def test_delete_with_resource_version_precondition_mismatch_is_409(server):
    created = server.create(services_path("default"), service("web"))
    current = created["metadata"]["resourceVersion"]
    resp = server.delete(services_path("default", "web"), {"preconditions": {"resourceVersion": "1"}})
    assert_status(
        resp, 409, "Conflict",
        f'Operation cannot be fulfilled on Service "web": the ResourceVersion in the precondition (1) does not match '
        f"the ResourceVersion in record ({current}). The object might have been modified",
        details={"name": "web", "kind": "Service"},
    )


def test_delete_with_matching_preconditions_succeeds(server):
    created = server.create(services_path("default"), service("web"))
    meta = created["metadata"]
    resp = server.delete(services_path("default", "web"),
                         {"kind": "DeleteOptions", "apiVersion": "v1",
                          "preconditions": {"uid": meta["uid"], "resourceVersion": meta["resourceVersion"]}})
    assert resp.status_code == 200, resp.text
    assert server.get(services_path("default", "web")).status_code == 404


@pytest.mark.parametrize("ns", ["default", "kube-system", "kube-public"])
def test_deleting_an_immortal_namespace_is_403(server, ns):
    resp = server.delete(namespaces_path(ns))
    assert_status(resp, 403, "Forbidden", f'namespaces "{ns}" is forbidden: this namespace may not be deleted',
                  details={"name": ns, "kind": "namespaces"})
    assert server.read(namespaces_path(ns))["status"]["phase"] == "Active"


def test_deleting_a_namespace_marks_it_terminating(server):
    ns = server.create_namespace()
    resp = server.delete(namespaces_path(ns))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["kind"] == "Namespace"
    assert TIMESTAMP_RE.match(body["metadata"]["deletionTimestamp"]), body
    assert body["status"]["phase"] == "Terminating"


# --- dry run ----------------------------------------------------------------------------------


def test_dry_run_create_persists_nothing(server):
    before = rv(server.list(services_path("default")))
    resp = server.post(services_path("default") + "?dryRun=All", service("dry"))
    assert resp.status_code == 201, resp.text
    assert resp.json()["metadata"]["name"] == "dry"
    assert server.get(services_path("default", "dry")).status_code == 404
    assert rv(server.list(services_path("default"))) == before


def test_dry_run_create_still_reports_conflicts_and_validation(server):
    server.create(services_path("default"), service("web"))
    assert_status(server.post(services_path("default") + "?dryRun=All", service("web")), 409, "AlreadyExists")
    assert_status(server.post(services_path("default") + "?dryRun=All", service("1web")), 422, "Invalid")


def test_dry_run_update_patch_and_delete_persist_nothing(server):
    created = server.create(services_path("default"), service("web", labels={"v": "0"}))
    body = server.read(services_path("default", "web"))
    body["metadata"]["labels"] = {"v": "put"}
    resp = server.put(services_path("default", "web") + "?dryRun=All", body)
    assert resp.status_code == 200, resp.text
    assert resp.json()["metadata"]["labels"] == {"v": "put"}
    resp = server.patch(services_path("default", "web") + "?dryRun=All", {"metadata": {"labels": {"v": "patch"}}})
    assert resp.status_code == 200, resp.text
    assert resp.json()["metadata"]["labels"] == {"v": "patch"}
    resp = server.delete(services_path("default", "web") + "?dryRun=All")
    assert resp.status_code == 200, resp.text
    resp = server.delete(services_path("default", "web"), {"dryRun": ["All"]})
    assert resp.status_code == 200, resp.text
    assert server.read(services_path("default", "web")) == created


def test_dry_run_with_unsupported_value_is_422(server):
    resp = server.post(services_path("default") + "?dryRun=Yes", service("web"))
    body = assert_status(resp, 422, "Invalid")
    assert "dryRun: Unsupported value" in body["message"], body
    assert server.get(services_path("default", "web")).status_code == 404


# --- resourceVersion --------------------------------------------------------------------------


def test_resource_version_increases_globally_across_kinds(server):
    ns = server.create_namespace()
    versions = [
        rv(server.create(services_path(ns), service("web"))),
        rv(server.create(pods_path(ns), pod("p1"))),
        rv(server.create(namespaces_path(), namespace("other"))),
        rv(server.create(slices_path(ns), endpoint_slice("web-abc"))),
    ]
    patched = server.patch(services_path(ns, "web"), {"metadata": {"labels": {"x": "y"}}}).json()
    versions.append(rv(patched))
    assert versions == sorted(versions) and len(set(versions)) == len(versions), versions
    for path in (services_path(ns), pods_path(ns), namespaces_path(), slices_path(ns)):
        assert rv(server.list(path)) >= versions[-1], path


def test_delete_bumps_the_global_resource_version(server):
    created = server.create(services_path("default"), service("web"))
    server.delete(services_path("default", "web"))
    assert rv(server.list(services_path("default"))) > rv(created)


# --- finalizers -------------------------------------------------------------------------------


def test_delete_with_finalizer_sets_deletion_timestamp_and_keeps_object(server):
    created = server.create(services_path("default"), service("web", finalizers=["example.com/hold"]))
    resp = server.delete(services_path("default", "web"))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert TIMESTAMP_RE.match(body["metadata"]["deletionTimestamp"]), body
    assert body["metadata"]["finalizers"] == ["example.com/hold"]
    assert rv(body) > rv(created)
    kept = server.read(services_path("default", "web"))
    assert kept["metadata"]["deletionTimestamp"] == body["metadata"]["deletionTimestamp"]
    assert kept["metadata"]["uid"] == created["metadata"]["uid"]
    # A second delete is accepted and changes nothing.
    again = server.delete(services_path("default", "web"))
    assert again.status_code == 200, again.text
    assert server.read(services_path("default", "web"))["metadata"]["deletionTimestamp"] == kept["metadata"]["deletionTimestamp"]


def test_removing_the_last_finalizer_deletes_the_object(server):
    server.create(services_path("default"), service("web", finalizers=["example.com/hold", "example.com/other"]))
    assert server.delete(services_path("default", "web")).status_code == 200
    resp = server.patch(services_path("default", "web"), {"metadata": {"finalizers": ["example.com/other"]}})
    assert resp.status_code == 200, resp.text
    assert server.read(services_path("default", "web"))["metadata"]["finalizers"] == ["example.com/other"]
    resp = server.patch(services_path("default", "web"), {"metadata": {"finalizers": None}})
    assert resp.status_code == 200, resp.text
    assert server.get(services_path("default", "web")).status_code == 404


def test_finalizer_holds_pods_too(server):
    server.create(pods_path("default"), pod("p1", finalizers=["example.com/hold"]))
    assert server.delete(pods_path("default", "p1")).status_code == 200
    assert "deletionTimestamp" in server.read(pods_path("default", "p1"))["metadata"]
    ops = [{"op": "remove", "path": "/metadata/finalizers"}]
    resp = server.patch(pods_path("default", "p1"), ops, content_type="application/json-patch+json")
    assert resp.status_code == 200, resp.text
    assert server.get(pods_path("default", "p1")).status_code == 404


def test_no_new_finalizers_while_deleting(server):
    server.create(services_path("default"), service("web", finalizers=["example.com/hold"]))
    assert server.delete(services_path("default", "web")).status_code == 200
    resp = server.patch(services_path("default", "web"),
                        {"metadata": {"finalizers": ["example.com/hold", "example.com/new"]}})
    body = assert_status(resp, 422, "Invalid")
    assert "no new finalizers" in body["message"], body
    assert any(c.get("field") == "metadata.finalizers" for c in body["details"]["causes"]), body


# --- label selectors --------------------------------------------------------------------------

LABELLED_PODS = {
    "p-a": {"app": "web", "tier": "fe", "env": "a"},
    "p-b": {"app": "web", "tier": "db", "env": "b"},
    "p-c": {"app": "api", "env": "c"},
    "p-d": {},
}


@pytest.fixture
def labelled(server):
    ns = server.create_namespace()
    for name, labels in LABELLED_PODS.items():
        server.create(pods_path(ns), pod(name, labels=labels))
    return ns


@pytest.mark.parametrize(
    "selector,expected",
    [
        ("app=web", ["p-a", "p-b"]),
        ("app==web", ["p-a", "p-b"]),
        ("app = web", ["p-a", "p-b"]),
        ("app!=web", ["p-c", "p-d"]),
        ("env in (a,c)", ["p-a", "p-c"]),
        ("env in ( a , c )", ["p-a", "p-c"]),
        ("env notin (a,c)", ["p-b", "p-d"]),
        ("tier", ["p-a", "p-b"]),
        ("!tier", ["p-c", "p-d"]),
        ("app=web,tier!=db", ["p-a"]),
        ("app=web,tier!=db,env in (a,b)", ["p-a"]),
        ("app,!tier", ["p-c"]),
        ("app=nope", []),
        ("", ["p-a", "p-b", "p-c", "p-d"]),
    ],
)
def test_label_selector_grammar(server, labelled, selector, expected):
    listed = server.list(pods_path(labelled), labelSelector=selector)
    assert names(listed) == expected


def test_label_selector_applies_to_all_namespaces_list(server, labelled):
    listed = server.list("/api/v1/pods", labelSelector="app=web")
    assert [(i["metadata"]["namespace"], i["metadata"]["name"]) for i in listed["items"]] == [
        (labelled, "p-a"), (labelled, "p-b")]


@pytest.mark.parametrize("selector", ["!", "app in (a", "app=(x)", "=web", "app notin"])
def test_label_selector_syntax_error_is_400(server, labelled, selector):
    resp = server.get(pods_path(labelled), params={"labelSelector": selector})
    assert_status(resp, 400, "BadRequest")


def test_label_selector_parse_error_message(server, labelled):
    resp = server.get(pods_path(labelled), params={"labelSelector": "!"})
    body = assert_status(resp, 400, "BadRequest")
    assert "unable to parse requirement: found '', expected: identifier" in body["message"], body


# --- field selectors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "selector,expected",
    [
        ("metadata.name=p-a", ["p-a"]),
        ("metadata.name==p-b", ["p-b"]),
        ("metadata.name!=p-a", ["p-b", "p-c", "p-d"]),
        ("metadata.name!=p-a,metadata.name!=p-b", ["p-c", "p-d"]),
        ("metadata.name=nope", []),
    ],
)
def test_field_selector_metadata_name(server, labelled, selector, expected):
    assert names(server.list(pods_path(labelled), fieldSelector=selector)) == expected


def test_field_selector_metadata_namespace_on_all_namespaces_list(server, labelled):
    listed = server.list("/api/v1/pods", fieldSelector=f"metadata.namespace={labelled}")
    assert names(listed) == ["p-a", "p-b", "p-c", "p-d"]


def test_field_selector_combines_with_label_selector(server, labelled):
    listed = server.list(pods_path(labelled), labelSelector="app=web", fieldSelector="metadata.name!=p-a")
    assert names(listed) == ["p-b"]


def test_namespace_field_selectors(server):
    assert names(server.list(namespaces_path(), fieldSelector="metadata.name=default")) == ["default"]
    assert names(server.list(namespaces_path(), fieldSelector="status.phase=Active")) == DEFAULT_NAMESPACES


def test_pod_field_selector_status_phase(server, labelled):
    phase = server.read(pods_path(labelled, "p-a")).get("status", {}).get("phase", "")
    listed = server.list(pods_path(labelled), fieldSelector=f"status.phase={phase}")
    assert names(listed) == ["p-a", "p-b", "p-c", "p-d"]


@pytest.mark.parametrize(
    "path,field",
    [(pods_path("default"), "spec.foo"), (services_path("default"), "spec.foo"), (services_path("default"), "status.phase"),
     (namespaces_path(), "spec.foo")],
)
def test_unsupported_field_selector_on_core_kind_is_400(server, path, field):
    resp = server.get(path, params={"fieldSelector": f"{field}=bar"})
    assert_status(resp, 400, "BadRequest", f"field label not supported: {field}")


def test_unsupported_field_selector_on_endpointslices_is_400(server):
    resp = server.get(slices_path("default"), params={"fieldSelector": "spec.foo=bar"})
    assert_status(resp, 400, "BadRequest",
                  '"spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace"')


def test_field_selector_syntax_error_is_400(server):
    resp = server.get(pods_path("default"), params={"fieldSelector": "metadata.name"})
    assert_status(resp, 400, "BadRequest", "invalid selector: 'metadata.name'; can't understand 'metadata.name'")


# --- pagination -------------------------------------------------------------------------------


def _page(server, path, **params):
    listed = server.list(path, **params)
    return listed, listed["metadata"].get("continue", "")


def test_pagination_with_limit_and_continue_is_a_consistent_snapshot(server):
    ns = server.create_namespace()
    for i in range(5):
        server.create(pods_path(ns), pod(f"p{i}"))
    first, token = _page(server, pods_path(ns), limit=2)
    assert names(first) == ["p0", "p1"]
    assert token
    snapshot_rv = first["metadata"]["resourceVersion"]
    # Written between pages: must not show up in the remaining pages of this list.
    server.create(pods_path(ns), pod("p2a"))
    server.create(pods_path(ns), pod("p9"))
    second, token = _page(server, pods_path(ns), limit=2, **{"continue": token})
    assert names(second) == ["p2", "p3"]
    assert second["metadata"]["resourceVersion"] == snapshot_rv
    assert token
    third, token = _page(server, pods_path(ns), limit=2, **{"continue": token})
    assert names(third) == ["p4"]
    assert third["metadata"]["resourceVersion"] == snapshot_rv
    assert token == ""
    # A fresh list sees everything.
    assert names(server.list(pods_path(ns))) == ["p0", "p1", "p2", "p2a", "p3", "p4", "p9"]


def test_pagination_snapshot_hides_deletes_and_updates_between_pages(server):
    ns = server.create_namespace()
    for i in range(4):
        server.create(pods_path(ns), pod(f"p{i}", labels={"v": "0"}))
    first, token = _page(server, pods_path(ns), limit=2)
    server.delete(pods_path(ns, "p3"))
    server.patch(pods_path(ns, "p2"), {"metadata": {"labels": {"v": "1"}}})
    second, token = _page(server, pods_path(ns), limit=2, **{"continue": token})
    assert names(second) == ["p2", "p3"]
    assert second["items"][0]["metadata"]["labels"] == {"v": "0"}
    assert token == ""


def test_pagination_with_label_selector(server, labelled):
    first, token = _page(server, pods_path(labelled), limit=1, labelSelector="app")
    assert names(first) == ["p-a"]
    collected = names(first)
    while token:
        page, token = _page(server, pods_path(labelled), limit=1, labelSelector="app", **{"continue": token})
        collected += names(page)
    assert collected == ["p-a", "p-b", "p-c"]


def test_pagination_across_namespaces(server):
    for ns in ("ns-b", "ns-a"):
        server.create_namespace(ns)
        for name in ("y", "x"):
            server.create(services_path(ns), service(name))
    collected = []
    token = None
    for _ in range(50):
        params = {"limit": 1}
        if token:
            params["continue"] = token
        page, token = _page(server, "/api/v1/services", **params)
        collected += [(i["metadata"]["namespace"], i["metadata"]["name"]) for i in page["items"]]
        if not token:
            break
    mine = [key for key in collected if key[0] in ("ns-a", "ns-b")]
    assert mine == [("ns-a", "x"), ("ns-a", "y"), ("ns-b", "x"), ("ns-b", "y")]
    assert collected == sorted(collected)


def test_limit_larger_than_the_list_has_no_continue(server):
    ns = server.create_namespace()
    server.create(pods_path(ns), pod("p0"))
    listed, token = _page(server, pods_path(ns), limit=10)
    assert names(listed) == ["p0"]
    assert token == ""
    assert "remainingItemCount" not in listed["metadata"]


def test_malformed_continue_token_is_400(server):
    resp = server.get(pods_path("default"), params={"limit": 1, "continue": "!!not-a-token!!"})
    body = assert_status(resp, 400, "BadRequest")
    assert "continue" in body["message"].lower(), body


def test_unparsable_limit_is_400(server):
    resp = server.get(pods_path("default"), params={"limit": "abc"})
    assert_status(resp, 400, "BadRequest")
