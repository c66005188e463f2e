"""Watch: the stream format, start semantics, bookmarks, WatchList, selector transitions, deletion, delivery
under load, resume, restart, the Python client, kubectl, slow watchers and shutdown.

Reference sections pinned: 1.3 (legacy /watch/ paths), 6.1 (booleans), 6.3 (single-object watch),
6.5 (resourceVersion semantics and ListOptions validation), 6.6 (watch parameters), 9 (watch protocol),
13.4 (graceful pod deletion), 16.3 (Python client), 18.1 (kubectl captures); issue 3.

Every stream is read by support.WatchStream (a reader thread over `requests` + `iter_lines`), so every wait
has a timeout; a test that expects silence waits a fixed short time (QUIET) for nothing to arrive.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time

import pytest
import requests

from support import (
    EVENT_TIMEOUT,
    WatchStream,
    endpoint_slice,
    event_summary,
    namespace,
    namespaces_path,
    open_watch,
    pod,
    pods_path,
    running_server,
    rv,
    service,
    services_path,
    slices_path,
    unique_name,
)

#: Seconds of silence that count as "no further event".
QUIET = 0.4

KUBECTL = shutil.which("kubectl") or ("/usr/bin/kubectl" if os.access("/usr/bin/kubectl", os.X_OK) else None)

KINDS = {
    # name: (namespaced path builder, all-namespaces path, legacy all-namespaces watch path, builder, kind, apiVersion)
    "services": (services_path, "/api/v1/services", "/api/v1/watch/services", service, "Service", "v1"),
    "pods": (pods_path, "/api/v1/pods", "/api/v1/watch/pods", pod, "Pod", "v1"),
    "endpointslices": (slices_path, "/apis/discovery.k8s.io/v1/endpointslices",
                       "/apis/discovery.k8s.io/v1/watch/endpointslices", endpoint_slice, "EndpointSlice",
                       "discovery.k8s.io/v1"),
}

LEGACY_NAMESPACED = {
    "services": lambda ns: f"/api/v1/watch/namespaces/{ns}/services",
    "pods": lambda ns: f"/api/v1/watch/namespaces/{ns}/pods",
    "endpointslices": lambda ns: f"/apis/discovery.k8s.io/v1/watch/namespaces/{ns}/endpointslices",
}


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def check_event(event: dict, type_: str, kind: str, api_version: str = "v1") -> dict:
    """Asserts one watch event's type and its object's kind/apiVersion/resourceVersion; returns the object."""
    assert event["type"] == type_, f"expected {type_}, got {event_summary(event)}: {json.dumps(event)[:400]}"
    obj = event["object"]
    assert obj.get("kind") == kind, f"event object kind: {json.dumps(obj)[:300]}"
    assert obj.get("apiVersion") == api_version, f"event object apiVersion: {json.dumps(obj)[:300]}"
    rv(obj)  # decimal string
    return obj


def key(obj: dict) -> tuple[str, str]:
    meta = obj["metadata"]
    return (meta.get("namespace", ""), meta["name"])


def label(server, path: str, labels: dict) -> dict:
    resp = server.patch(path, {"metadata": {"labels": labels}})
    assert resp.status_code == 200, resp.text
    return resp.json()


def set_pod_phase(server, ns: str, name: str, phase: str) -> dict:
    resp = server.patch(pods_path(ns, name) + "/status", {"status": {"phase": phase}})
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"]["phase"] == phase
    return resp.json()


def assert_stream_headers(stream: WatchStream) -> None:
    assert stream.status_code == 200, f"{stream.describe()}: HTTP {stream.status_code} {stream.body[:500]}"
    content_type = stream.headers.get("Content-Type", "")
    assert content_type.split(";")[0].strip() == "application/json", f"Content-Type {content_type!r}"
    assert stream.headers.get("Transfer-Encoding", "").lower() == "chunked", dict(stream.headers)
    assert "Content-Length" not in stream.headers, dict(stream.headers)


def assert_listoptions_invalid(resp, causes: list[tuple[str, str, str]]) -> None:
    """422 Invalid on kind ListOptions.meta.k8s.io (reference §6.5, §8.3); causes = [(reason, field, detail)]."""
    texts = [f"{field}: {detail}" for _, field, detail in causes]
    joined = texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"
    expected = f'ListOptions.meta.k8s.io "" is invalid: {joined}'
    assert resp.status_code == 422, f"expected 422, got {resp.status_code}: {resp.text[:500]}"
    body = resp.json()
    assert body.get("kind") == "Status" and body.get("status") == "Failure", body
    assert body.get("reason") == "Invalid", body
    assert body.get("code") == 422, body
    assert body.get("message") == expected, body
    details = body.get("details", {})
    assert details.get("group") == "meta.k8s.io" and details.get("kind") == "ListOptions", body
    assert details.get("name", "") == "", body
    assert [(c.get("reason"), c.get("field"), c.get("message")) for c in details.get("causes", [])] == \
        [(reason, field, detail) for reason, field, detail in causes], body


def wait_for_expired(srv, path: str, resource_version: int, deadline_s: float = 8.0) -> tuple[WatchStream, dict]:
    """Compaction runs off the write path (about once a second): re-opens the watch until it answers with ERROR."""
    deadline = time.monotonic() + deadline_s
    while True:
        stream = open_watch(srv, path, watch="1", resourceVersion=str(resource_version))
        assert_stream_headers(stream)
        try:
            first = stream.next_event(timeout=1.0)
        except AssertionError:
            first = None
        if first is not None and first["type"] == "ERROR":
            return stream, first
        stream.close()
        assert time.monotonic() < deadline, \
            f"watch from resourceVersion {resource_version} never expired; first event {first and event_summary(first)}"
        time.sleep(0.3)


# --------------------------------------------------------------------------------------------
# stream format, paths and boolean parsing (§6.1, §9.1, §1.3)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scope", ["namespaced", "all-namespaces"])
@pytest.mark.parametrize("kind_name", list(KINDS))
def test_any_true_watch_value_streams_existing_then_new_objects(server, kind_name, scope):
    path_fn, all_path, _, make, kind, api_version = KINDS[kind_name]
    ns = server.create_namespace()
    other = server.create_namespace()
    server.create(path_fn(ns), make("first"))
    server.create(path_fn(other), make("elsewhere"))
    path = path_fn(ns) if scope == "namespaced" else all_path
    expected = {key(obj) for obj in server.list(path)["items"]}
    assert (ns, "first") in expected

    streams = [open_watch(server, path, watch=value) for value in ("1", "true", "True", "")]
    try:
        for stream in streams:
            assert_stream_headers(stream)
            initial = stream.take(len(expected))
            assert {key(check_event(e, "ADDED", kind, api_version)) for e in initial} == expected, stream.describe()
        created = server.create(path_fn(ns), make("second"))
        if scope == "all-namespaces":
            server.create(path_fn(other), make("second-elsewhere"))
        for stream in streams:
            obj = check_event(stream.next_event(), "ADDED", kind, api_version)
            assert key(obj) == (ns, "second")
            assert obj["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]
            if scope == "all-namespaces":
                assert key(check_event(stream.next_event(), "ADDED", kind, api_version)) == (other, "second-elsewhere")
            stream.assert_quiet(QUIET if stream is streams[0] else 0.05)
            assert stream.blank_lines == 0, "the JSON framer writes exactly one event per line"
    finally:
        for stream in streams:
            stream.close()


def test_namespaces_watch_streams_existing_namespaces_then_new_ones(server):
    expected = {obj["metadata"]["name"] for obj in server.list(namespaces_path())["items"]}
    assert {"default", "kube-system", "kube-public", "kube-node-lease"} <= expected
    with open_watch(server, namespaces_path(), watch="True") as stream:
        assert_stream_headers(stream)
        initial = stream.take(len(expected))
        assert {check_event(e, "ADDED", "Namespace")["metadata"]["name"] for e in initial} == expected
        name = server.create_namespace()
        obj = check_event(stream.next_event(), "ADDED", "Namespace")
        assert obj["metadata"]["name"] == name
        assert "namespace" not in obj["metadata"]
        stream.assert_quiet(QUIET)


@pytest.mark.parametrize("value", ["0", "false", "False", "FALSE"])
def test_false_watch_values_return_a_plain_list(server, value):
    ns = server.create_namespace()
    server.create(services_path(ns), service("web"))
    resp = server.get(services_path(ns), params={"watch": value})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["kind"] == "ServiceList"
    assert [i["metadata"]["name"] for i in body["items"]] == ["web"]


def test_watch_headers_arrive_before_any_event(server):
    # An empty namespace: nothing to send, yet the 200 and the headers must be flushed at once (§9.1).
    ns = server.create_namespace()
    started = time.monotonic()
    with open_watch(server, services_path(ns), watch="true") as stream:
        assert time.monotonic() - started < 2.0, "watch response headers were not flushed before the first event"
        assert_stream_headers(stream)
        stream.assert_quiet(QUIET)
        created = server.create(services_path(ns), service("web"))
        obj = check_event(stream.next_event(timeout=2.0), "ADDED", "Service")
        assert obj == created, "the ADDED object is the stored object"


def test_each_event_is_flushed_on_its_own(server):
    # One write, one line delivered promptly: the server must not wait for more output before flushing.
    ns = server.create_namespace()
    with open_watch(server, services_path(ns), watch="1", resourceVersion=str(rv(server.list(services_path(ns))))) as stream:
        assert_stream_headers(stream)
        for i in range(5):
            sent = time.monotonic()
            server.create(services_path(ns), service(f"s{i}"))
            event = stream.next_event(timeout=2.0)
            assert event_summary(event)[:2] == ("ADDED", f"s{i}")
            assert stream.arrival[-1] - sent < 1.0, "event was not flushed promptly"


def test_watch_in_a_missing_namespace_is_an_open_empty_stream(server):
    ns = unique_name("later")
    with open_watch(server, services_path(ns), watch="1") as stream:
        assert_stream_headers(stream)
        stream.assert_quiet(QUIET)
        server.create(namespaces_path(), namespace(ns))
        server.create(services_path(ns), service("web"))
        assert event_summary(stream.next_event())[:2] == ("ADDED", "web")


@pytest.mark.parametrize("kind_name", list(KINDS))
def test_legacy_watch_paths_are_aliases_of_the_list_watch(server, kind_name):
    path_fn, _, legacy_all, make, kind, api_version = KINDS[kind_name]
    ns = server.create_namespace()
    server.create(path_fn(ns), make("first"))
    with open_watch(server, LEGACY_NAMESPACED[kind_name](ns)) as namespaced, open_watch(server, legacy_all) as everywhere:
        assert_stream_headers(namespaced)
        assert_stream_headers(everywhere)
        assert key(check_event(namespaced.next_event(), "ADDED", kind, api_version)) == (ns, "first")
        expected_all = {key(o) for o in server.list(KINDS[kind_name][1])["items"]}
        assert {key(e["object"]) for e in everywhere.take(len(expected_all))} == expected_all
        server.create(path_fn(ns), make("second"))
        assert key(check_event(namespaced.next_event(), "ADDED", kind, api_version)) == (ns, "second")
        assert key(check_event(everywhere.next_event(), "ADDED", kind, api_version)) == (ns, "second")
        namespaced.assert_quiet(QUIET)


def test_legacy_watch_path_for_namespaces_and_single_items(server):
    ns = server.create_namespace()
    server.create(services_path(ns), service("web"))
    server.create(services_path(ns), service("other"))
    with open_watch(server, f"/api/v1/watch/namespaces/{ns}/services/web") as item, \
            open_watch(server, f"/api/v1/watch/namespaces/{ns}") as ns_item, \
            open_watch(server, "/api/v1/watch/namespaces") as all_ns:
        for stream in (item, ns_item, all_ns):
            assert_stream_headers(stream)
        assert event_summary(item.next_event())[:2] == ("ADDED", "web")
        assert check_event(ns_item.next_event(), "ADDED", "Namespace")["metadata"]["name"] == ns
        count = len(server.list(namespaces_path())["items"])
        assert ns in {e["object"]["metadata"]["name"] for e in all_ns.take(count)}
        label(server, services_path(ns, "other"), {"touched": "yes"})
        updated = label(server, services_path(ns, "web"), {"touched": "yes"})
        event = item.next_event()
        assert event_summary(event) == ("MODIFIED", "web", updated["metadata"]["resourceVersion"])
        item.assert_quiet(QUIET)
        ns_item.assert_quiet(0.05)


def test_legacy_item_watch_with_a_conflicting_name_selector_is_400(server):
    server.create(services_path("default"), service("web"))
    resp = server.get("/api/v1/watch/namespaces/default/services/web", params={"fieldSelector": "metadata.name=other"})
    assert resp.status_code == 400, resp.text[:500]
    body = resp.json()
    assert body.get("reason") == "BadRequest", body
    assert body.get("message") == "fieldSelector metadata.name doesn't match requested name", body


def test_single_object_watch_by_name_field_selector(server):
    # kubectl get svc web -w: fieldSelector=metadata.name=web&resourceVersion=0 and it drops the first
    # (synthetic ADDED) event, so the server must send it (§9.2, §18.1).
    ns = server.create_namespace()
    web = server.create(services_path(ns), service("web"))
    server.create(services_path(ns), service("other"))
    with open_watch(server, services_path(ns), watch="true", resourceVersion="0",
                    fieldSelector="metadata.name=web") as stream:
        assert_stream_headers(stream)
        assert check_event(stream.next_event(), "ADDED", "Service") == web
        stream.assert_quiet(QUIET)
        label(server, services_path(ns, "other"), {"x": "1"})
        server.create(services_path(ns), service("web2"))
        updated = label(server, services_path(ns, "web"), {"x": "1"})
        assert event_summary(stream.next_event()) == ("MODIFIED", "web", updated["metadata"]["resourceVersion"])
        assert server.delete(services_path(ns, "web")).status_code == 200
        assert event_summary(stream.next_event())[:2] == ("DELETED", "web")
        stream.assert_quiet(QUIET)


def test_watch_param_on_an_item_path_is_a_plain_get_like_upstream(server):
    # kube-apiserver routes watch only on collections (and the legacy /watch/ item path): GET on an item
    # with ?watch=1 is an ordinary GET of the object (reference §5.1 verb table; kubernetes/kubernetes#89755).
    created = server.create(services_path("default"), service("web"))
    resp = requests.get(server.url(services_path("default", "web")), params={"watch": "1"}, stream=True,
                        timeout=(5, 2))
    try:
        try:
            body = resp.content
        except requests.RequestException as exc:
            raise AssertionError(f"GET item?watch=1 did not complete (served as a stream? HTTP {resp.status_code}, "
                                 f"headers {dict(resp.headers)}): {exc}") from None
    finally:
        resp.close()
    assert resp.status_code == 200, body[:500]
    assert json.loads(body) == created, body[:500]


def test_bad_selector_on_a_watch_is_an_http_400_not_a_stream(server):
    resp = server.get(services_path("default"), params={"watch": "1", "labelSelector": "!"})
    assert resp.status_code == 400, resp.text[:300]
    assert resp.json().get("reason") == "BadRequest"
    resp = server.get(services_path("default"), params={"watch": "1", "fieldSelector": "spec.foo=bar"})
    assert resp.status_code == 400, resp.text[:300]
    assert resp.json().get("message") == "field label not supported: spec.foo"


def test_unparsable_timeout_seconds_is_400(server):
    resp = server.get(services_path("default"), params={"watch": "1", "timeoutSeconds": "soon"})
    assert resp.status_code == 400, resp.text[:300]
    assert resp.json().get("reason") == "BadRequest"


# --------------------------------------------------------------------------------------------
# start semantics (§6.5, §9.2)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("start", [None, "0"])
def test_watch_without_or_at_rv_0_sends_synthetic_added_then_live_changes(server, start):
    ns = server.create_namespace()
    for name in ("a", "b", "c"):
        server.create(services_path(ns), service(name))
    label(server, services_path(ns, "b"), {"v": "2"})
    stored = {o["metadata"]["name"]: o for o in server.list(services_path(ns))["items"]}
    params = {"watch": "1"} if start is None else {"watch": "1", "resourceVersion": start}
    with open_watch(server, services_path(ns), **params) as stream:
        assert_stream_headers(stream)
        initial = stream.take(3)
        for event in initial:
            obj = check_event(event, "ADDED", "Service")
            # Synthetic ADDED events carry the objects' own resourceVersions and current state.
            assert obj == stored[obj["metadata"]["name"]]
        stream.assert_quiet(QUIET)
        updated = label(server, services_path(ns, "a"), {"v": "3"})
        event = stream.next_event()
        assert event_summary(event) == ("MODIFIED", "a", updated["metadata"]["resourceVersion"])
        assert event["object"] == updated
        stream.assert_quiet(QUIET)


def test_watch_from_a_list_resource_version_replays_exactly_the_later_changes(server):
    ns = server.create_namespace()
    server.create(services_path(ns), service("a"))
    server.create(services_path(ns), service("b"))
    list_rv = rv(server.list(services_path(ns)))
    # Changes made before the watch is opened must be replayed, in order, after the list RV.
    c = server.create(services_path(ns), service("c"))
    a2 = label(server, services_path(ns, "a"), {"v": "2"})
    assert server.delete(services_path(ns, "b")).status_code == 200
    server.create(services_path("default"), service("not-in-ns"))
    with open_watch(server, services_path(ns), watch="1", resourceVersion=str(list_rv)) as stream:
        assert_stream_headers(stream)
        replay = stream.take(3)
        assert [event_summary(e)[:2] for e in replay] == [("ADDED", "c"), ("MODIFIED", "a"), ("DELETED", "b")]
        assert replay[0]["object"] == c
        assert replay[1]["object"] == a2
        rvs = [rv(e["object"]) for e in replay]
        assert rvs == sorted(rvs) and rvs[0] > list_rv and len(set(rvs)) == 3
        stream.assert_quiet(QUIET)
        d = server.create(services_path(ns), service("d"))
        assert event_summary(stream.next_event()) == ("ADDED", "d", d["metadata"]["resourceVersion"])
        stream.assert_quiet(QUIET)


def test_watch_from_an_intermediate_resource_version_skips_earlier_changes(server):
    ns = server.create_namespace()
    server.create(services_path(ns), service("a"))
    server.create(services_path(ns), service("b"))
    a2 = label(server, services_path(ns, "a"), {"v": "2"})
    a3 = label(server, services_path(ns, "a"), {"v": "3"})
    with open_watch(server, services_path(ns), watch="1", resourceVersion=a2["metadata"]["resourceVersion"]) as stream:
        assert event_summary(stream.next_event()) == ("MODIFIED", "a", a3["metadata"]["resourceVersion"])
        stream.assert_quiet(QUIET)
    # Watching from the newest resourceVersion replays nothing.
    with open_watch(server, services_path(ns), watch="1", resourceVersion=a3["metadata"]["resourceVersion"]) as stream:
        stream.assert_quiet(QUIET)


def test_noop_update_emits_no_event(server):
    ns = server.create_namespace()
    created = server.create(services_path(ns), service("web", labels={"app": "web"}))
    with open_watch(server, services_path(ns), watch="1", resourceVersion=created["metadata"]["resourceVersion"]) as stream:
        assert label(server, services_path(ns, "web"), {"app": "web"})["metadata"]["resourceVersion"] == \
            created["metadata"]["resourceVersion"]
        stream.assert_quiet(QUIET)


@pytest.fixture
def small_history(tmp_path):
    """A server keeping only the last 5 events (and no time window), so compaction is observable.

    No controllers run, so the only events are the test's own (the history counts every resource's events).
    """
    with running_server(tmp_path / "small", ("--watch-history", "5", "--watch-history-window", "0",
                                             "--controllers", "")) as srv:
        yield srv


@pytest.mark.timeout(30)
def test_too_old_resource_version_is_a_single_410_expired_error_event(small_history):
    srv = small_history
    ns = srv.create_namespace()
    first = srv.create(services_path(ns), service("s0"))
    for i in range(1, 30):
        srv.create(services_path(ns), service(f"s{i}"))
    old = rv(first)
    stream, event = wait_for_expired(srv, services_path(ns), old)
    with stream:
        # HTTP 200 with one ERROR event carrying a Status, then the end of the stream (§9.5).
        assert event["type"] == "ERROR"
        status = event["object"]
        assert status.get("kind") == "Status" and status.get("apiVersion") == "v1", status
        assert status.get("status") == "Failure", status
        assert status.get("reason") == "Expired", status
        assert status.get("code") == 410, status
        match = re.fullmatch(r"too old resource version: (\d+) \((\d+)\)", status.get("message", ""))
        assert match, status
        assert int(match.group(1)) == old
        oldest = int(match.group(2))
        current = rv(srv.list(services_path(ns)))
        assert old < oldest <= current, status
        assert stream.wait_end(timeout=3.0) == [], "nothing may follow the ERROR event"
    # The resourceVersion the message names is still usable.
    with open_watch(srv, services_path(ns), watch="1", resourceVersion=str(oldest)) as stream:
        events = []
        try:
            while True:
                events.append(stream.next_event(timeout=QUIET))
        except AssertionError as exc:
            assert "no watch event within" in str(exc), exc
        assert all(e["type"] == "ADDED" for e in events), [event_summary(e) for e in events]


@pytest.mark.timeout(30)
def test_recent_resource_versions_still_replay_after_compaction(small_history):
    srv = small_history
    ns = srv.create_namespace()
    created = [srv.create(services_path(ns), service(f"s{i}")) for i in range(30)]
    wait_for_expired(srv, services_path(ns), rv(created[0]))[0].close()
    # --watch-history 5 keeps at least the last 5 events: the changes after created[24] are all there.
    with open_watch(srv, services_path(ns), watch="1", resourceVersion=created[24]["metadata"]["resourceVersion"]) as stream:
        events = stream.take(5)
        assert [event_summary(e) for e in events] == \
            [("ADDED", c["metadata"]["name"], c["metadata"]["resourceVersion"]) for c in created[25:]]
        stream.assert_quiet(QUIET)
    # And a plain watch (no resourceVersion) is never affected by compaction.
    with open_watch(srv, services_path(ns), watch="1") as stream:
        assert len(stream.take(30)) == 30


# --------------------------------------------------------------------------------------------
# WatchList: sendInitialEvents (§9.4) and its validation (§6.5)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("with_rv", [False, True])
def test_send_initial_events_ends_with_an_annotated_bookmark(server, with_rv):
    ns = server.create_namespace()
    for name in ("a", "b", "c"):
        server.create(services_path(ns), service(name))
    listed = server.list(services_path(ns))
    params = {"watch": "1", "sendInitialEvents": "true", "resourceVersionMatch": "NotOlderThan",
              "allowWatchBookmarks": "true"}
    if with_rv:
        params["resourceVersion"] = listed["metadata"]["resourceVersion"]
    with open_watch(server, services_path(ns), **params) as stream:
        assert_stream_headers(stream)
        initial = stream.take(3)
        assert {check_event(e, "ADDED", "Service")["metadata"]["name"] for e in initial} == {"a", "b", "c"}
        bookmark = stream.next_event()
        obj = check_event(bookmark, "BOOKMARK", "Service")
        assert obj["metadata"].get("annotations") == {"k8s.io/initial-events-end": "true"}, obj
        assert rv(obj) >= rv(listed), "the initial state is as of the requested RV or newer"
        assert set(obj) == {"kind", "apiVersion", "metadata"}, obj
        stream.assert_quiet(QUIET)
        created = server.create(services_path(ns), service("d"))
        assert event_summary(stream.next_event()) == ("ADDED", "d", created["metadata"]["resourceVersion"])


@pytest.mark.parametrize(
    "params,causes",
    [
        ({"resourceVersionMatch": "NotOlderThan"},
         [("FieldValueForbidden", "resourceVersionMatch",
           "Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided")]),
        ({"sendInitialEvents": "true"},
         [("FieldValueForbidden", "resourceVersionMatch",
           "Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan")]),
        ({"sendInitialEvents": "true", "resourceVersionMatch": "Exact", "allowWatchBookmarks": "true"},
         [("FieldValueForbidden", "resourceVersionMatch",
           "Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"),
          ("FieldValueNotSupported", "resourceVersionMatch",
           'Unsupported value: "Exact": supported values: "NotOlderThan"')]),
    ],
    ids=["match-without-sendInitialEvents", "sendInitialEvents-without-match", "sendInitialEvents-with-Exact"],
)
def test_watchlist_option_validation_is_422(server, params, causes):
    resp = server.get(services_path("default"), params={"watch": "1", **params})
    assert_listoptions_invalid(resp, causes)


def test_send_initial_events_without_bookmarks_is_accepted(server):
    # Upstream deliberately does not require allowWatchBookmarks here (validation_test.go,
    # "watch-sendInitialEvents-no-allowWatchBookmark": it would break backward compatibility); without
    # bookmarks allowed the client gets the initial ADDED events and no BOOKMARK.
    ns = server.create_namespace()
    server.create(services_path(ns), service("a"))
    with open_watch(server, services_path(ns), watch="1", sendInitialEvents="true",
                    resourceVersionMatch="NotOlderThan") as stream:
        assert_stream_headers(stream)
        assert event_summary(stream.next_event())[:2] == ("ADDED", "a")
        stream.assert_quiet(QUIET)


# --------------------------------------------------------------------------------------------
# bookmarks and timeoutSeconds (§6.6, §9.3, §9.6)
# --------------------------------------------------------------------------------------------


def test_bookmark_before_timeout_carries_only_kind_api_version_and_resource_version(server):
    ns = server.create_namespace()
    server.create(services_path(ns), service("web"))
    # Let the EndpointSlice controller write the Service's slice first: the bookmark carries the global
    # resourceVersion, which that write would otherwise move after the list.
    assert server.get("/debug/controllers/sync").status_code == 200
    list_rv = rv(server.list(services_path(ns)))
    with open_watch(server, services_path(ns), watch="1", resourceVersion=str(list_rv),
                    allowWatchBookmarks="true", timeoutSeconds="3") as stream:
        assert_stream_headers(stream)
        events = stream.wait_end(timeout=6.0)
        elapsed = stream.ended_at - stream.opened_at
        assert [e["type"] for e in events] == ["BOOKMARK"], [event_summary(e) for e in events]
        # Upstream (cacher.go nextBookmarkTime) aims at 2 s before the deadline, on a 1 s tick: a client whose
        # own deadline is timeoutSeconds must still get it.
        bookmark_at = stream.arrival[0] - stream.opened_at
        assert bookmark_at < 2.5, f"the bookmark came {bookmark_at:.2f} s into a 3 s watch (stream ended at {elapsed:.2f} s)"
        assert 2.0 <= elapsed <= 3.5, f"timeoutSeconds=3 ended the stream after {elapsed:.2f} s"
        obj = events[0]["object"]
        assert obj.get("kind") == "Service" and obj.get("apiVersion") == "v1", obj
        assert set(obj) == {"kind", "apiVersion", "metadata"}, obj
        meta = dict(obj["metadata"])
        # kube-apiserver also serialises an empty creationTimestamp as null (§9.3); nothing else.
        if "creationTimestamp" in meta:
            assert meta.pop("creationTimestamp") is None, obj
        assert set(meta) == {"resourceVersion"}, obj
        assert rv(obj) == list_rv, "a bookmark carries the current resourceVersion"


def test_bookmark_carries_the_current_global_resource_version_for_a_quiet_namespace(server):
    # A reflector on a quiet namespace resumes from the bookmark RV, so it must advance with writes elsewhere.
    quiet = server.create_namespace()
    busy = server.create_namespace()
    list_rv = rv(server.list(services_path(quiet)))
    with open_watch(server, services_path(quiet), watch="1", resourceVersion=str(list_rv),
                    allowWatchBookmarks="true", timeoutSeconds="3") as stream:
        last = server.create(services_path(busy), service("elsewhere"))
        events = stream.wait_end(timeout=6.0)
    assert [e["type"] for e in events] == ["BOOKMARK"], [event_summary(e) for e in events]
    assert rv(events[0]["object"]) >= rv(last)


def test_no_bookmarks_without_allow_watch_bookmarks(server):
    ns = server.create_namespace()
    list_rv = rv(server.list(services_path(ns)))
    with open_watch(server, services_path(ns), watch="1", resourceVersion=str(list_rv), timeoutSeconds="2") as stream:
        assert stream.wait_end(timeout=5.0) == []


@pytest.mark.parametrize("seconds", [1, 2])
def test_timeout_seconds_closes_the_stream_cleanly_on_time(server, seconds):
    ns = server.create_namespace()
    server.create(services_path(ns), service("web"))
    with open_watch(server, services_path(ns), watch="1", timeoutSeconds=str(seconds)) as stream:
        assert_stream_headers(stream)
        events = stream.wait_end(timeout=seconds + 3.0)
        elapsed = stream.ended_at - stream.opened_at
        assert [event_summary(e)[:2] for e in events] == [("ADDED", "web")]
        assert elapsed >= max(seconds - 1.0, 0.5), f"closed {seconds - elapsed:.2f} s early"
        assert elapsed <= seconds + 0.5, f"closed {elapsed - seconds:.2f} s late"


def test_timeout_query_parameter_is_not_the_watch_timeout(server):
    # kubectl's --request-timeout adds timeout=4s; the server must ignore it (§6.1).
    ns = server.create_namespace()
    with open_watch(server, services_path(ns), watch="1", timeout="1s") as stream:
        stream.assert_quiet(1.5)
        server.create(services_path(ns), service("web"))
        assert event_summary(stream.next_event())[:2] == ("ADDED", "web")


# --------------------------------------------------------------------------------------------
# selector transitions and namespace scoping (§9.1)
# --------------------------------------------------------------------------------------------


def test_label_selector_transitions_are_added_and_deleted(server):
    ns = server.create_namespace()
    list_rv = rv(server.list(services_path(ns)))
    with open_watch(server, services_path(ns), watch="1", resourceVersion=str(list_rv),
                    labelSelector="app=web") as stream:
        s1 = server.create(services_path(ns), service("s1", labels={"app": "web"}))
        assert event_summary(stream.next_event()) == ("ADDED", "s1", s1["metadata"]["resourceVersion"])
        server.create(services_path(ns), service("s2", labels={"app": "db"}))
        stream.assert_quiet(QUIET)

        # Stops matching: DELETED with the old content (old labels) and the NEW resourceVersion.
        moved = label(server, services_path(ns, "s1"), {"app": "db"})
        event = stream.next_event()
        assert event_summary(event) == ("DELETED", "s1", moved["metadata"]["resourceVersion"])
        assert event["object"]["metadata"]["labels"] == {"app": "web"}
        assert rv(event["object"]) > rv(s1)
        assert event["object"]["metadata"]["uid"] == s1["metadata"]["uid"]

        # Starts matching: ADDED with the new content.
        s2 = label(server, services_path(ns, "s2"), {"app": "web"})
        event = stream.next_event()
        assert event_summary(event) == ("ADDED", "s2", s2["metadata"]["resourceVersion"])
        assert event["object"] == s2

        back = label(server, services_path(ns, "s1"), {"app": "web"})
        event = stream.next_event()
        assert event_summary(event) == ("ADDED", "s1", back["metadata"]["resourceVersion"])
        assert event["object"]["metadata"]["labels"] == {"app": "web"}

        # Still matching: MODIFIED. Neither matching: nothing.
        more = label(server, services_path(ns, "s1"), {"tier": "front"})
        assert event_summary(stream.next_event()) == ("MODIFIED", "s1", more["metadata"]["resourceVersion"])
        server.create(services_path(ns), service("s3", labels={"app": "db"}))
        label(server, services_path(ns, "s3"), {"app": "cache"})
        assert server.delete(services_path(ns, "s3")).status_code == 200
        stream.assert_quiet(QUIET)
        assert server.delete(services_path(ns, "s2")).status_code == 200
        assert event_summary(stream.next_event())[:2] == ("DELETED", "s2")
        stream.assert_quiet(QUIET)


def test_field_selector_transitions_on_pod_phase_via_the_status_subresource(server):
    ns = server.create_namespace()
    list_rv = rv(server.list(pods_path(ns)))
    with open_watch(server, pods_path(ns), watch="1", resourceVersion=str(list_rv),
                    fieldSelector="status.phase=Running") as stream:
        server.create(pods_path(ns), pod("p1"))
        server.create(pods_path(ns), pod("p2"))
        stream.assert_quiet(QUIET)
        running = set_pod_phase(server, ns, "p1", "Running")
        event = stream.next_event()
        assert event_summary(event) == ("ADDED", "p1", running["metadata"]["resourceVersion"])
        assert event["object"]["status"]["phase"] == "Running"
        done = set_pod_phase(server, ns, "p1", "Succeeded")
        event = stream.next_event()
        assert event_summary(event) == ("DELETED", "p1", done["metadata"]["resourceVersion"])
        assert event["object"]["status"]["phase"] == "Running", "DELETED carries the last matching content"
        set_pod_phase(server, ns, "p2", "Failed")
        stream.assert_quiet(QUIET)


def test_namespaced_watch_sees_only_its_namespace(server):
    a = server.create_namespace()
    b = server.create_namespace()
    with open_watch(server, pods_path(a), watch="1") as only_a, open_watch(server, "/api/v1/pods", watch="1") as both:
        server.create(pods_path(b), pod("pb"))
        server.create(pods_path(a), pod("pa"))
        server.create(services_path(a), service("not-a-pod"))
        assert [key(e["object"]) for e in both.take(2)] == [(b, "pb"), (a, "pa")]
        assert [key(e["object"]) for e in only_a.take(1)] == [(a, "pa")]
        only_a.assert_quiet(QUIET)
        both.assert_quiet(0.05)


# --------------------------------------------------------------------------------------------
# deletion (§9.1, §13.4, §5.6)
# --------------------------------------------------------------------------------------------


def test_deleted_event_carries_the_last_state_with_a_newer_resource_version(server):
    ns = server.create_namespace()
    server.create(services_path(ns), service("web", labels={"app": "web"}))
    last = label(server, services_path(ns, "web"), {"v": "2"})
    with open_watch(server, services_path(ns), watch="1", resourceVersion=last["metadata"]["resourceVersion"]) as stream:
        assert server.delete(services_path(ns, "web")).status_code == 200
        event = stream.next_event()
        obj = check_event(event, "DELETED", "Service")
        assert rv(obj) > rv(last)
        assert rv(obj) <= rv(server.list(services_path(ns)))
        for field in ("uid", "name", "namespace", "labels", "creationTimestamp"):
            assert obj["metadata"].get(field) == last["metadata"].get(field), field
        assert obj["spec"] == last["spec"]
        stream.assert_quiet(QUIET)


def test_graceful_pod_deletion_is_modified_then_deleted(server):
    ns = server.create_namespace()
    scheduled = pod("p1")
    scheduled["spec"]["nodeName"] = "node-1"
    created = server.create(pods_path(ns), scheduled)
    with open_watch(server, pods_path(ns), watch="1", resourceVersion=created["metadata"]["resourceVersion"]) as stream:
        resp = server.delete(pods_path(ns, "p1"))
        assert resp.status_code == 200, resp.text
        event = stream.next_event()
        obj = check_event(event, "MODIFIED", "Pod")
        assert obj["metadata"].get("deletionTimestamp"), obj["metadata"]
        assert obj["metadata"].get("deletionGracePeriodSeconds") == 30, obj["metadata"]
        assert rv(obj) > rv(created)
        stream.assert_quiet(QUIET)
        assert server.get(pods_path(ns, "p1")).status_code == 200, "a scheduled pod is kept while terminating"

        resp = server.delete(pods_path(ns, "p1"), {"gracePeriodSeconds": 0})
        assert resp.status_code == 200, resp.text
        deleted = next_deleted(stream, "Pod")
        assert deleted["metadata"]["name"] == "p1"
        assert rv(deleted) > rv(obj)
        assert deleted["metadata"].get("deletionTimestamp"), deleted["metadata"]
        stream.assert_quiet(QUIET)
    assert server.get(pods_path(ns, "p1")).status_code == 404


def next_deleted(stream: WatchStream, kind: str) -> dict:
    """The DELETED event of an immediate (grace 0) delete. Upstream's two-phase delete (`rest/delete.go`
    BeforeDelete: update deletionTimestamp/deletionGracePeriodSeconds=0, then remove) may first show that
    update as MODIFIED; the reference (§13.4) only promises the DELETED, so one such MODIFIED is tolerated."""
    event = stream.next_event()
    if event["type"] == "MODIFIED":
        meta = event["object"]["metadata"]
        assert meta.get("deletionTimestamp") and meta.get("deletionGracePeriodSeconds") == 0, \
            f"unexpected MODIFIED before DELETED: {json.dumps(meta)}"
        event = stream.next_event()
    return check_event(event, "DELETED", kind)


def test_unscheduled_pod_delete_ends_with_deleted_at_once(server):
    ns = server.create_namespace()
    created = server.create(pods_path(ns), pod("p1"))
    with open_watch(server, pods_path(ns), watch="1", resourceVersion=created["metadata"]["resourceVersion"]) as stream:
        assert server.delete(pods_path(ns, "p1")).status_code == 200
        assert next_deleted(stream, "Pod")["metadata"]["name"] == "p1"
        stream.assert_quiet(QUIET)
    assert server.get(pods_path(ns, "p1")).status_code == 404


def test_finalizer_delete_is_modified_then_deleted_when_released(server):
    ns = server.create_namespace()
    created = server.create(services_path(ns), service("held", finalizers=["example.com/hold"]))
    with open_watch(server, services_path(ns), watch="1", resourceVersion=created["metadata"]["resourceVersion"]) as stream:
        assert server.delete(services_path(ns, "held")).status_code == 200
        marked = check_event(stream.next_event(), "MODIFIED", "Service")
        assert marked["metadata"].get("deletionTimestamp")
        resp = server.patch(services_path(ns, "held"), {"metadata": {"finalizers": None}})
        assert resp.status_code == 200, resp.text
        gone = check_event(stream.next_event(), "DELETED", "Service")
        assert rv(gone) > rv(marked)
        stream.assert_quiet(QUIET)


def test_deletecollection_emits_one_deleted_event_per_object(server):
    ns = server.create_namespace()
    for i in range(5):
        server.create(pods_path(ns), pod(f"p{i}", labels={"batch": "x" if i < 3 else "y"}))
    list_rv = rv(server.list(pods_path(ns)))
    with open_watch(server, pods_path(ns), watch="1", resourceVersion=str(list_rv)) as stream:
        resp = server.delete(pods_path(ns), params={"labelSelector": "batch=x"})
        assert resp.status_code == 200, resp.text
        events = stream.take(3)
        assert sorted(event_summary(e)[:2] for e in events) == [("DELETED", "p0"), ("DELETED", "p1"), ("DELETED", "p2")]
        rvs = [rv(e["object"]) for e in events]
        assert rvs == sorted(set(rvs)), rvs
        stream.assert_quiet(QUIET)


# --------------------------------------------------------------------------------------------
# delivery: fan-out under a create storm, resume after disconnect (§9.1, issue 3)
# --------------------------------------------------------------------------------------------


@pytest.mark.timeout(60)
def test_every_watcher_gets_every_event_once_in_order_under_a_create_storm(server):
    ns = server.create_namespace()
    list_rv = rv(server.list(services_path(ns)))
    watchers = [open_watch(server, services_path(ns), watch="1", resourceVersion=str(list_rv)) for _ in range(20)]
    created: list[dict] = []
    errors: list[str] = []
    lock = threading.Lock()

    def writer(t: int) -> None:
        with requests.Session() as session:
            for i in range(75):
                resp = session.post(server.url(services_path(ns)), json=service(f"w{t}-{i:02d}"), timeout=10)
                if resp.status_code != 201:
                    errors.append(f"{resp.status_code} {resp.text[:200]}")
                    return
                with lock:
                    created.append(resp.json())

    try:
        for w in watchers:
            assert_stream_headers(w)
        threads = [threading.Thread(target=writer, args=(t,)) for t in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=40)
        assert not errors, errors[:3]
        assert len(created) == 300
        expected = sorted((rv(o), o["metadata"]["name"]) for o in created)
        for n, w in enumerate(watchers):
            events = w.take(300, timeout=20.0)
            got = [(rv(e["object"]), e["object"]["metadata"]["name"]) for e in events]
            assert all(e["type"] == "ADDED" for e in events), f"watcher {n}: {[event_summary(e) for e in events[:5]]}"
            assert all(a[0] < b[0] for a, b in zip(got, got[1:])), f"watcher {n}: resourceVersions not strictly increasing"
            assert got == expected, f"watcher {n}: missing {sorted(set(expected) - set(got))[:5]}, " \
                                    f"extra {sorted(set(got) - set(expected))[:5]}"
        watchers[0].assert_quiet(QUIET)
        for w in watchers[1:]:
            w.assert_quiet(0.01)
    finally:
        for w in watchers:
            w.close()


def test_resume_after_disconnect_misses_and_duplicates_nothing(server):
    ns = server.create_namespace()
    list_rv = rv(server.list(services_path(ns)))
    first = open_watch(server, services_path(ns), watch="1", resourceVersion=str(list_rv))
    try:
        changes = [server.create(services_path(ns), service(f"s{i:02d}")) for i in range(20)]
        seen = first.take(7)
    finally:
        first.close()
    last_rv = seen[-1]["object"]["metadata"]["resourceVersion"]
    assert [event_summary(e) for e in seen] == [("ADDED", c["metadata"]["name"], c["metadata"]["resourceVersion"])
                                                for c in changes[:7]]
    # More changes while disconnected, of every type.
    changes.append(label(server, services_path(ns, "s00"), {"v": "2"}))
    assert server.delete(services_path(ns, "s01")).status_code == 200
    changes.extend(server.create(services_path(ns), service(f"t{i}")) for i in range(5))
    with open_watch(server, services_path(ns), watch="1", resourceVersion=last_rv) as second:
        rest = second.take(13 + 1 + 1 + 5)
        second.assert_quiet(QUIET)
    names = [event_summary(e)[:2] for e in seen + rest]
    expected = [("ADDED", f"s{i:02d}") for i in range(20)] + [("MODIFIED", "s00"), ("DELETED", "s01")] + \
               [("ADDED", f"t{i}") for i in range(5)]
    assert names == expected
    rvs = [rv(e["object"]) for e in seen + rest]
    assert all(a < b for a, b in zip(rvs, rvs[1:])), rvs


# --------------------------------------------------------------------------------------------
# restart: the event log is durable (issue 3)
# --------------------------------------------------------------------------------------------


@pytest.mark.timeout(60)
def test_watch_from_a_resource_version_recorded_before_kill9_replays_later_changes(server):
    ns = server.create_namespace()
    server.create(services_path(ns), service("a"))
    before = rv(server.list(services_path(ns)))
    b = server.create(services_path(ns), service("b"))
    a2 = label(server, services_path(ns, "a"), {"v": "2"})
    middle = rv(server.list(services_path(ns)))
    server.restart(kill9=True)
    c = server.create(services_path(ns), service("c"))
    assert server.delete(services_path(ns, "b")).status_code == 200
    expected_all = [("ADDED", "b", b["metadata"]["resourceVersion"]), ("MODIFIED", "a", a2["metadata"]["resourceVersion"]),
                    ("ADDED", "c", c["metadata"]["resourceVersion"])]
    with open_watch(server, services_path(ns), watch="1", resourceVersion=str(middle)) as stream:
        events = stream.take(2)
        assert [event_summary(e) for e in events][0] == expected_all[2]
        assert event_summary(events[1])[:2] == ("DELETED", "b")
        stream.assert_quiet(QUIET)
    with open_watch(server, services_path(ns), watch="1", resourceVersion=str(before)) as stream:
        events = stream.take(4)
        assert [event_summary(e) for e in events][:3] == expected_all
        assert event_summary(events[3])[:2] == ("DELETED", "b")
        assert events[1]["object"] == a2
        stream.assert_quiet(QUIET)


# --------------------------------------------------------------------------------------------
# the Python client (§9.6, §16.3, §18.2)
# --------------------------------------------------------------------------------------------


@pytest.mark.timeout(30)
def test_python_watch_stream_yields_typed_added_modified_deleted(server, kube):
    from kubernetes import client, watch

    ns = server.create_namespace()
    kube.core.create_namespaced_service(ns, client.V1Service(
        metadata=client.V1ObjectMeta(name="py1"),
        spec=client.V1ServiceSpec(selector={"app": "py"}, ports=[client.V1ServicePort(port=80)])))
    seen = []
    w = watch.Watch()
    started = time.monotonic()
    for event in w.stream(kube.core.list_namespaced_service, ns, timeout_seconds=3):
        obj = event["object"]
        assert isinstance(obj, client.V1Service), type(obj)
        assert obj.metadata.resource_version and obj.metadata.resource_version.isdigit()
        assert event["raw_object"]["kind"] == "Service"
        seen.append((event["type"], obj.metadata.name))
        if (event["type"], obj.metadata.name) == ("ADDED", "py1"):
            # A JSON patch (list body), so this test does not depend on strategic merge patch support.
            kube.core.patch_namespaced_service("py1", ns,
                                               [{"op": "add", "path": "/metadata/labels", "value": {"a": "b"}}])
        elif event["type"] == "MODIFIED":
            assert obj.metadata.labels == {"a": "b"}
            kube.core.delete_namespaced_service("py1", ns)
        elif event["type"] == "DELETED":
            w.stop()
    assert seen == [("ADDED", "py1"), ("MODIFIED", "py1"), ("DELETED", "py1")]
    assert time.monotonic() - started < 3.0, "the client stopped itself after DELETED"


@pytest.mark.timeout(30)
def test_python_watch_resumes_from_resource_version(server, kube):
    from kubernetes import client, watch

    ns = server.create_namespace()
    listed = kube.core.list_namespaced_service(ns)
    for name in ("r1", "r2"):
        server.create(services_path(ns), service(name))
    w = watch.Watch()
    first = [(e["type"], e["object"].metadata.name)
             for e in w.stream(kube.core.list_namespaced_service, ns, timeout_seconds=1,
                               resource_version=listed.metadata.resource_version)]
    assert first == [("ADDED", "r1"), ("ADDED", "r2")]
    resume_from = w.resource_version
    assert resume_from == server.read(services_path(ns, "r2"))["metadata"]["resourceVersion"]
    label(server, services_path(ns, "r1"), {"v": "2"})
    server.create(services_path(ns), service("r3"))
    w2 = watch.Watch()
    second = [(e["type"], e["object"].metadata.name)
              for e in w2.stream(kube.core.list_namespaced_service, ns, timeout_seconds=1,
                                 resource_version=resume_from)]
    assert second == [("MODIFIED", "r1"), ("ADDED", "r3")]
    assert isinstance(kube.core.read_namespaced_service("r3", ns), client.V1Service)


@pytest.mark.timeout(30)
def test_python_watch_on_an_expired_resource_version_raises_410(small_history):
    from kubernetes import watch
    from kubernetes.client.rest import ApiException

    from support import KubeClients

    srv = small_history
    first = srv.create(services_path("default"), service("s0"))
    for i in range(1, 20):
        srv.create(services_path("default"), service(f"s{i}"))
    wait_for_expired(srv, services_path("default"), rv(first))[0].close()
    clients = KubeClients(srv.kubeconfig)
    try:
        with pytest.raises(ApiException) as info:
            for _ in watch.Watch().stream(clients.core.list_namespaced_service, "default", timeout_seconds=3,
                                          resource_version=first["metadata"]["resourceVersion"]):
                pass
        assert info.value.status == 410
        assert str(info.value.reason).startswith(f"Expired: too old resource version: {rv(first)} ("), info.value.reason
    finally:
        clients.close()


# --------------------------------------------------------------------------------------------
# kubectl (§9.6, §18.1): get -w with -o name / -o json, wait --for=delete
# --------------------------------------------------------------------------------------------


class KubectlProcess:
    """kubectl running in the background with the server's kubeconfig and a private cache dir; stdout is
    pumped line by line so a test can wait (bounded) for a line before acting."""

    def __init__(self, server, workdir, *args: str) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        (workdir / "home").mkdir(exist_ok=True)
        env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
        env["HOME"] = str(workdir / "home")
        self.cmd = [KUBECTL, "--kubeconfig", str(server.kubeconfig), "--cache-dir", str(workdir / "kube-cache"), *args]
        self.stderr_path = workdir / "kubectl.stderr"
        with open(self.stderr_path, "w") as stderr:
            self.proc = subprocess.Popen(self.cmd, stdout=subprocess.PIPE, stderr=stderr, text=True, env=env,
                                         stdin=subprocess.DEVNULL)
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._pump = threading.Thread(target=self._read, daemon=True)
        self._pump.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in iter(self.proc.stdout.readline, ""):
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()

    def wait_for_line(self, needle: str, timeout: float) -> None:
        with self._changed:
            ok = self._changed.wait_for(lambda: any(needle in line for line in self.lines), timeout=timeout)
        assert ok, f"kubectl printed no line with {needle!r} within {timeout} s: {self.report()}"

    def finish(self, timeout: float) -> int:
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"kubectl did not exit within {timeout} s: {self.report()}") from None
        self._pump.join(timeout=5)
        return self.proc.returncode

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=5)

    @property
    def stdout(self) -> str:
        return "".join(self.lines)

    def report(self) -> str:
        return (f"{' '.join(self.cmd)} -> {self.proc.poll()}\nstdout:\n{self.stdout[:1500]}\n"
                f"stderr:\n{self.stderr_path.read_text(errors='replace')[:1500]}")


def split_json_documents(text: str) -> list[dict]:
    decoder = json.JSONDecoder()
    objects, text = [], text.strip()
    while text:
        obj, end = decoder.raw_decode(text)
        objects.append(obj)
        text = text[end:].lstrip()
    return objects


@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")
@pytest.mark.timeout(45)
def test_kubectl_get_watch_prints_later_changes(server, tmp_path):
    # kubectl get svc -w lists, then watches from the list's resourceVersion (§18.1); without -o it asks for
    # server-side Tables, which are not served yet, so -o name and -o json are used.
    ns = server.create_namespace()
    server.create(services_path(ns), service("before"))
    by_name = KubectlProcess(server, tmp_path / "name", "get", "svc", "-n", ns, "-w", "--request-timeout=4s",
                             "-o", "name")
    as_json = KubectlProcess(server, tmp_path / "json", "get", "svc", "-n", ns, "-w", "--request-timeout=4s",
                             "-o", "json")
    try:
        # Once the listed object is printed, later changes reach kubectl through the watch (replayed from the
        # list RV even if the watch request itself comes later).
        by_name.wait_for_line("service/before", timeout=15)
        as_json.wait_for_line('"name": "before"', timeout=15)
        server.create(services_path(ns), service("after"))
        label(server, services_path(ns, "before"), {"v": "2"})
        by_name.finish(timeout=20)
        as_json.finish(timeout=20)
    finally:
        by_name.kill()
        as_json.kill()
    assert by_name.stdout.split() == ["service/before", "service/after", "service/before"], by_name.report()
    objects = split_json_documents(as_json.stdout)
    assert [(o["kind"], o["metadata"]["name"]) for o in objects] == \
        [("Service", "before"), ("Service", "after"), ("Service", "before")], as_json.report()
    assert objects[2]["metadata"]["labels"] == {"v": "2"}
    # The client-side --request-timeout ends the watch; kubectl get -w then exits 0 (§9.6).
    assert by_name.proc.returncode == 0, by_name.report()
    assert as_json.proc.returncode == 0, as_json.report()


@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")
@pytest.mark.timeout(45)
def test_kubectl_wait_for_delete_returns_when_the_pod_goes(server, tmp_path):
    ns = server.create_namespace()
    server.create(pods_path(ns), pod("p1"))
    started = time.monotonic()
    waiter = KubectlProcess(server, tmp_path, "wait", "-n", ns, "--for=delete", "pod/p1", "--timeout=10s")
    try:
        time.sleep(2.0)  # let kubectl get past its GET and list into the watch
        assert waiter.proc.poll() is None, f"kubectl wait exited before the delete: {waiter.report()}"
        deleted_at = time.monotonic()
        assert server.delete(pods_path(ns, "p1")).status_code == 200  # unscheduled: gone at once
        code = waiter.finish(timeout=20)
    finally:
        waiter.kill()
    assert code == 0, waiter.report()
    assert waiter.stdout.strip() == "pod/p1 condition met", waiter.report()
    assert time.monotonic() - deleted_at < 5.0, "kubectl wait did not see the DELETED event promptly"
    assert time.monotonic() - started < 9.0


# --------------------------------------------------------------------------------------------
# a slow watcher, graceful shutdown (issue 3, §9.1)
# --------------------------------------------------------------------------------------------


@pytest.mark.timeout(60)
def test_unread_watcher_does_not_stall_the_server_and_is_never_skipped(server):
    ns = server.create_namespace()
    list_rv = rv(server.list(services_path(ns)))
    slow = WatchStream(server.base_url, services_path(ns), {"watch": "1", "resourceVersion": str(list_rv)},
                       start_reader=False)
    created = []
    try:
        assert_stream_headers(slow)
        big = "x" * 100_000
        worst = 0.0
        for i in range(300):
            created.append(server.create(services_path(ns), service(f"big-{i:03d}", annotations={"blob": big})))
            if i % 25 == 0:
                t0 = time.monotonic()
                assert server.get("/healthz").status_code == 200
                assert server.get(services_path(ns, f"big-{i:03d}")).status_code == 200
                worst = max(worst, time.monotonic() - t0)
        assert worst < 1.0, f"GETs took up to {worst:.2f} s while a watcher was not reading"
        # Now read it: either every event in order, or a prefix of them and then the end of the stream
        # (a watcher too slow to keep up is closed, never silently skipped).
        slow.start_reader()
        got = []
        while len(got) < 300:
            try:
                got.append(slow.next_event(timeout=10.0))
            except AssertionError as exc:
                assert slow.ended_at is not None, f"slow watcher neither delivered nor closed: {exc}"
                break
        print(f"slow watcher: {len(got)} of 300 events delivered, {slow.end_description()}")
        assert all(e["type"] == "ADDED" for e in got)
        assert [e["object"]["metadata"]["name"] for e in got] == [c["metadata"]["name"] for c in created[:len(got)]]
        assert [e["object"]["metadata"]["resourceVersion"] for e in got] == \
            [c["metadata"]["resourceVersion"] for c in created[:len(got)]]
    finally:
        slow.close()
    # The server keeps serving afterwards, watches included.
    assert server.get(services_path(ns, "big-299")).status_code == 200
    with open_watch(server, services_path(ns), watch="1", resourceVersion=created[-1]["metadata"]["resourceVersion"]) as w:
        server.create(services_path(ns), service("after"))
        assert event_summary(w.next_event())[:2] == ("ADDED", "after")


@pytest.mark.timeout(30)
def test_sigterm_ends_open_watches_cleanly_and_exits_0(server):
    ns = server.create_namespace()
    server.create(services_path(ns), service("web"))
    streams = [open_watch(server, services_path(ns), watch="1") for _ in range(3)]
    streams.append(open_watch(server, "/api/v1/pods", watch="1", allowWatchBookmarks="true"))
    try:
        for s in streams[:3]:
            assert event_summary(s.next_event())[:2] == ("ADDED", "web")
        sent = time.monotonic()
        code = server.stop(signal.SIGTERM, timeout=5.0)
        exited = time.monotonic() - sent
        for s in streams:
            s.wait_end(timeout=max(0.1, 2.0 - (time.monotonic() - sent)))
            assert s.ended_at - sent <= 2.0, f"watch ended {s.ended_at - sent:.2f} s after SIGTERM"
        assert code == 0, server.log_tail()
        assert exited < 5.0
    finally:
        for s in streams:
            s.close()
