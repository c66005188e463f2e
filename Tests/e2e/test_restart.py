"""Durability: objects survive a crash (kill -9) and a clean shutdown, with identical uid/resourceVersion,
and the resourceVersion counter never goes backwards across restarts. SIGTERM/SIGINT exit 0 promptly.
"""

from __future__ import annotations

import signal
import time

import pytest

from support import (
    endpoint_slice,
    namespace,
    namespaces_path,
    pod,
    pods_path,
    rv,
    service,
    services_path,
    slices_path,
)


def _populate(server) -> dict[str, dict]:
    """Writes one object of every kind plus an update and a delete; returns path -> stored object."""
    ns = "durable"
    server.create(namespaces_path(), namespace(ns, labels={"team": "a"}))
    server.create(services_path(ns), service("web", labels={"app": "web"}))
    server.create(pods_path(ns), pod("p1", labels={"app": "web"}))
    server.create(slices_path(ns), endpoint_slice("web-abcde"))
    server.create(services_path(ns), service("gone"))
    server.create(services_path("default"), service("held", finalizers=["example.com/hold"]))
    # An update and a delete, so the log holds more than creates.
    resp = server.patch(services_path(ns, "web"), {"metadata": {"labels": {"app": "web", "v": "2"}}})
    assert resp.status_code == 200, resp.text
    assert server.delete(services_path(ns, "gone")).status_code == 200
    assert server.delete(services_path("default", "held")).status_code == 200  # held by its finalizer
    paths = [
        namespaces_path(ns),
        namespaces_path("default"),
        services_path(ns, "web"),
        pods_path(ns, "p1"),
        slices_path(ns, "web-abcde"),
        services_path("default", "held"),
    ]
    return {path: server.read(path) for path in paths}


def _assert_survived(server, before: dict[str, dict], list_rv_before: int) -> None:
    for path, obj in before.items():
        after = server.read(path)
        assert after["metadata"]["uid"] == obj["metadata"]["uid"], path
        assert after["metadata"]["resourceVersion"] == obj["metadata"]["resourceVersion"], path
        assert after == obj, path
    assert server.get(services_path("durable", "gone")).status_code == 404
    assert server.read(services_path("durable", "web"))["metadata"]["labels"] == {"app": "web", "v": "2"}
    held = server.read(services_path("default", "held"))
    assert "deletionTimestamp" in held["metadata"]
    # Lists agree with gets and the counter did not go backwards.
    assert rv(server.list(services_path("durable"))) >= list_rv_before
    # Default namespaces are not duplicated or re-created with new uids.
    namespaces = [n["metadata"]["name"] for n in server.list(namespaces_path())["items"]]
    assert sorted(namespaces) == sorted(set(namespaces))
    # The next write gets a larger resourceVersion than anything before the restart.
    created = server.create(services_path("durable"), service("after"))
    assert rv(created) > list_rv_before
    assert rv(created) > max(rv(obj) for obj in before.values())


@pytest.mark.timeout(60)
def test_objects_survive_kill9_with_same_uid_and_resource_version(server):
    before = _populate(server)
    list_rv = rv(server.list(services_path("durable")))
    server.restart(kill9=True)
    _assert_survived(server, before, list_rv)


@pytest.mark.timeout(60)
def test_objects_survive_sigterm_shutdown_with_same_uid_and_resource_version(server):
    before = _populate(server)
    list_rv = rv(server.list(services_path("durable")))
    server.restart(kill9=False)
    _assert_survived(server, before, list_rv)


@pytest.mark.timeout(90)
def test_repeated_crashes_keep_resource_versions_monotonic(server):
    last = 0
    for i in range(3):
        created = server.create(services_path("default"), service(f"web-{i}"))
        assert rv(created) > last
        last = rv(created)
        server.restart(kill9=True)
        assert server.read(services_path("default", f"web-{i}"))["metadata"]["resourceVersion"] == str(last)
    assert [s["metadata"]["name"] for s in server.list(services_path("default"))["items"]
            if s["metadata"]["name"].startswith("web-")] == ["web-0", "web-1", "web-2"]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_exits_with_code_0_within_5_seconds(server, sig):
    server.create(services_path("default"), service("web"))
    started = time.monotonic()
    code = server.stop(sig, timeout=5.0)
    assert code == 0, server.log_tail()
    assert time.monotonic() - started < 5.0


def test_sigterm_with_an_idle_keepalive_connection_still_exits_promptly(server):
    # A client holding a keep-alive connection must not delay shutdown past 5 s.
    assert server.get("/healthz").status_code == 200
    started = time.monotonic()
    code = server.stop(signal.SIGTERM, timeout=5.0)
    assert code == 0, server.log_tail()
    assert time.monotonic() - started < 5.0


def test_durability_full_mode_also_persists(server):
    server.create(services_path("default"), service("web"))
    before = server.read(services_path("default", "web"))
    server.kill()
    server.extra_args = ("--durability", "full")
    server.start()
    assert server.read(services_path("default", "web")) == before
    server.create(services_path("default"), service("web2"))
    server.restart(kill9=True)
    assert server.get(services_path("default", "web2")).status_code == 200
