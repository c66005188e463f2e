"""Concurrency: many clients writing the same objects at once, over keep-alive connections, all released together.

* 64 clients appending their id to one Service's annotation with resourceVersion preconditions: exactly one winner
  per resourceVersion (the winners form one chain of versions), every loser gets 409 Conflict, no append is lost;
* 64 clients sending unconditional patches (merge, strategic merge, JSON patch) to one object: every change lands;
* 1,000 concurrent creates of one name: one 201, 999 409 AlreadyExists, and only the winner's cluster IP and node
  port are held afterwards (the losers' allocations are not leaked);
* 1,000 concurrent generateName creates: all 201, all names distinct, all cluster IPs distinct.

No response is a 5xx and no response body or server log line mentions "database is locked" or SQLITE_BUSY.
"""

from __future__ import annotations

import ipaddress
import itertools
import pathlib
import signal
import threading
from typing import Callable

import pytest
import requests

from db_snapshot import DatabaseSnapshot, claim_problems
from support import HTTP_TIMEOUT, Server, assert_status, running_server, service, services_path

CLIENTS = 64
CREATES = 1000
#: The server's default pool; the tests need none of it, but the claim check wants to know it.
DEFAULT_LOAD_BALANCER_RANGE = ipaddress.ip_network("172.18.255.192/26")
BUSY_WORDS = ("database is locked", "sqlite_busy", "database table is locked")


class Clients:
    """`count` threads, each with its own keep-alive session, started together by a barrier; every response is
    screened for 5xx and SQLite busy errors."""

    def __init__(self, server: Server, count: int = CLIENTS) -> None:
        self.server = server
        self.count = count
        self.sessions = [requests.Session() for _ in range(count)]
        self.lock = threading.Lock()
        self.problems: list[str] = []
        self.responses = 0

    def request(self, client: int, method: str, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", HTTP_TIMEOUT)
        resp = self.sessions[client].request(method, self.server.url(path), **kwargs)
        with self.lock:
            self.responses += 1
            if resp.status_code >= 500:
                self.problems.append(f"{method} {path}: {resp.status_code} {resp.text[:300]}")
            if any(word in resp.text.lower() for word in BUSY_WORDS):
                self.problems.append(f"{method} {path}: busy error reached the client: {resp.text[:300]}")
        return resp

    def run(self, work: Callable[[int], None], timeout: float = 90) -> None:
        """Runs `work(client)` on every client at once and re-raises the first failure."""
        barrier = threading.Barrier(self.count)
        errors: list[BaseException] = []

        def body(client: int) -> None:
            try:
                barrier.wait(timeout=30)
                work(client)
            except BaseException as exc:  # noqa: BLE001 - re-raised below
                with self.lock:
                    errors.append(exc)

        threads = [threading.Thread(target=body, args=(i,), daemon=True) for i in range(self.count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout)
        assert not any(thread.is_alive() for thread in threads), "clients still running after the time limit"
        if errors:
            raise errors[0]
        assert not self.problems, "\n".join(self.problems[:10])

    def close(self) -> None:
        for session in self.sessions:
            session.close()


@pytest.fixture
def busy_server(tmp_path: pathlib.Path):
    """A server with more request threads than the default, so concurrent writers really meet in the store."""
    with running_server(tmp_path / "server", extra_args=("--threads", "8")) as server:
        yield server
        log = server.log_path.read_text(errors="replace").lower()
        for word in BUSY_WORDS:
            assert word not in log, f"server log mentions {word!r}"


def annotations(obj: dict) -> dict:
    return obj["metadata"].get("annotations") or {}


def rv(obj: dict) -> int:
    return int(obj["metadata"]["resourceVersion"])


@pytest.mark.timeout(150)
def test_64_clients_with_preconditions_have_one_winner_per_resource_version(busy_server: Server) -> None:
    server = busy_server
    path = services_path("default", "counter")
    initial = server.create(services_path("default"), service("counter", annotations={"ids": ""}))
    clients = Clients(server)
    wins: list[tuple[int, int, int]] = []  # (precondition rv, new rv, client)
    conflicts = 0

    def append_my_id(client: int) -> None:
        nonlocal conflicts
        while True:
            current = clients.request(client, "GET", path)
            assert current.status_code == 200, current.text
            obj = current.json()
            ids = annotations(obj)["ids"]
            obj["metadata"]["annotations"]["ids"] = f"{ids},{client}" if ids else str(client)
            resp = clients.request(client, "PUT", path, json=obj)
            if resp.status_code == 200:
                with clients.lock:
                    wins.append((rv(obj), rv(resp.json()), client))
                return
            assert_status(resp, 409, "Conflict")
            with clients.lock:
                conflicts += 1

    try:
        clients.run(append_my_id)
    finally:
        clients.close()
    assert len(wins) == CLIENTS
    wins.sort(key=lambda win: win[1])
    preconditions = [win[0] for win in wins]
    assert len(set(preconditions)) == CLIENTS, "two updates won with the same resourceVersion precondition"
    assert len({win[1] for win in wins}) == CLIENTS, "two updates got the same new resourceVersion"
    # The winners form one chain: each won on the version the previous winner created.
    assert preconditions == [rv(initial)] + [win[1] for win in wins[:-1]]
    final = server.read(path)
    assert rv(final) == wins[-1][1]
    assert annotations(final)["ids"].split(",") == [str(win[2]) for win in wins], "an append was lost or reordered"
    print(f"\nprecondition updates: {CLIENTS} winners, {conflicts} conflicts (409), {clients.responses} requests, 0 5xx")


PATCHES_PER_CLIENT = 4
PATCH_KINDS = {
    "application/merge-patch+json": lambda key: {"metadata": {"annotations": {key: "1"}}},
    "application/strategic-merge-patch+json": lambda key: {"metadata": {"annotations": {key: "1"}}},
    "application/json-patch+json": lambda key: [{"op": "add", "path": f"/metadata/annotations/{key}", "value": "1"}],
}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("content_type", list(PATCH_KINDS))
def test_64_clients_with_unconditional_patches_lose_no_update(busy_server: Server, content_type: str) -> None:
    server = busy_server
    path = services_path("default", "patched")
    server.create(services_path("default"), service("patched", annotations={"start": "1"}))
    clients = Clients(server)
    versions: list[int] = []
    make = PATCH_KINDS[content_type]

    def patch_my_keys(client: int) -> None:
        for k in range(PATCHES_PER_CLIENT):
            resp = clients.request(client, "PATCH", path, json=make(f"c{client}-{k}"),
                                   headers={"Content-Type": content_type})
            assert resp.status_code == 200, resp.text
            with clients.lock:
                versions.append(rv(resp.json()))

    try:
        clients.run(patch_my_keys)
    finally:
        clients.close()
    expected = {f"c{c}-{k}" for c in range(CLIENTS) for k in range(PATCHES_PER_CLIENT)} | {"start"}
    final = server.read(path)
    assert set(annotations(final)) == expected, f"lost: {sorted(expected - set(annotations(final)))[:10]}"
    assert len(set(versions)) == len(versions) == CLIENTS * PATCHES_PER_CLIENT
    assert rv(final) == max(versions)


def create_many(server: Server, bodies: Callable[[int], dict], namespace: str) -> tuple[list[requests.Response], Clients]:
    """CREATES POSTs of `bodies(i)` to the Services of a new `namespace`, spread over the clients."""
    server.create_namespace(namespace)
    clients = Clients(server)
    tickets = itertools.count()
    responses: list[requests.Response] = []

    def create_until_done(client: int) -> None:
        while (i := next(tickets)) < CREATES:
            resp = clients.request(client, "POST", services_path(namespace), json=bodies(i))
            with clients.lock:
                responses.append(resp)

    try:
        clients.run(create_until_done)
    finally:
        clients.close()
    assert len(responses) == CREATES
    return responses, clients


def stopped_snapshot(server: Server, into: pathlib.Path) -> DatabaseSnapshot:
    assert server.stop(signal.SIGTERM) == 0, server.log_tail()
    return DatabaseSnapshot.take(server.db_path, into)


@pytest.mark.timeout(150)
def test_1000_concurrent_creates_of_one_name_make_one_object(busy_server: Server, tmp_path: pathlib.Path) -> None:
    server = busy_server

    def same(i: int) -> dict:
        body = service("same", annotations={"attempt": str(i)})
        body["spec"]["type"] = "NodePort"
        return body

    responses, _ = create_many(server, same, "race")
    codes = [resp.status_code for resp in responses]
    assert codes.count(201) == 1, sorted(set(codes))
    assert codes.count(409) == CREATES - 1, sorted(set(codes))
    for resp in responses:
        if resp.status_code == 409:
            assert_status(resp, 409, "AlreadyExists", message='services "same" already exists',
                          details={"name": "same", "kind": "services"})
    winner = next(resp.json() for resp in responses if resp.status_code == 201)
    assert server.read(services_path("race", "same")) == winner
    assert [item["metadata"]["name"] for item in server.list(services_path("race"))["items"]] == ["same"]
    snapshot = stopped_snapshot(server, tmp_path / "check")
    assert claim_problems(snapshot, DEFAULT_LOAD_BALANCER_RANGE) == []
    held = sorted(claim for claim, owner in snapshot.allocations.items() if owner[1] == "race")
    assert held == sorted([("cluster-ip", winner["spec"]["clusterIP"]),
                           ("node-port", str(winner["spec"]["ports"][0]["nodePort"]))]), "a loser's allocation leaked"
    print(f"\nsame-name creates: 1 created, {CREATES - 1} AlreadyExists (409), 0 5xx")


@pytest.mark.timeout(150)
def test_1000_concurrent_generate_name_creates_are_all_distinct(busy_server: Server, tmp_path: pathlib.Path) -> None:
    server = busy_server

    def generated(i: int) -> dict:
        body = service("", annotations={"attempt": str(i)})
        del body["metadata"]["name"]
        body["metadata"]["generateName"] = "burst-"
        return body

    responses, _ = create_many(server, generated, "burst")
    assert sorted({resp.status_code for resp in responses}) == [201], \
        [resp.text[:200] for resp in responses if resp.status_code != 201][:5]
    created = [resp.json() for resp in responses]
    names = {obj["metadata"]["name"] for obj in created}
    assert len(names) == CREATES
    assert all(name.startswith("burst-") and len(name) == len("burst-") + 5 for name in names)
    assert len({obj["spec"]["clusterIP"] for obj in created}) == CREATES
    assert {obj["metadata"]["annotations"]["attempt"] for obj in created} == {str(i) for i in range(CREATES)}
    listed = server.list(services_path("burst"))
    assert {item["metadata"]["name"] for item in listed["items"]} == names
    snapshot = stopped_snapshot(server, tmp_path / "check")
    assert claim_problems(snapshot, DEFAULT_LOAD_BALANCER_RANGE) == []
    assert len(snapshot.rows("services", "burst")) == CREATES
