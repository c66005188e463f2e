"""Crash safety: a write storm from several clients while the server is `kill -9`ed at random moments, 20 times.

Each worker thread owns one namespace and a fixed set of Service and Pod names, so it knows exactly what it asked
for: its ledger records, per object, the last acknowledged state (present with label `gen` and resourceVersion, or
absent) and the one request whose answer never came (the kill cut it off). After every kill, with the process dead,
the test copies the database, and checks it:

* `PRAGMA integrity_check` is ok;
* every acknowledged write is there (Services: exactly the acknowledged resourceVersion; Pods, which the pod
  simulator also writes: that one or later, with the acknowledged `gen`), every acknowledged delete is gone, and an
  unanswered request is either fully applied or not at all;
* the allocations table holds exactly the claims of the live Services (no Service without its cluster IP, node
  ports or load-balancer IP claims, no claim without its Service, nothing used twice), no pod IP is held twice;
* the resourceVersion counter is at least every acknowledged resourceVersion, and after the restart the next
  write gets a bigger one than anything acknowledged before (the workers' writes are checked epoch by epoch too).

Watchers on Services and Pods resume from the last resourceVersion they saw after every restart; at the end their
event sequences must equal the event log in the database exactly (every change once, in order), unless the server
answered 410 Expired (then the watcher relists and a new sequence starts). Runs with `--durability normal`, and
with `full` plus a pod ready delay (so kills also catch Pods bound but not yet given an IP).
"""

from __future__ import annotations

import copy
import ipaddress
import json
import pathlib
import random
import threading
import time
from dataclasses import dataclass, field

import pytest
import requests

from db_snapshot import DatabaseSnapshot, StoredRow, claim_problems, pod_ip_problems
from support import namespace, namespaces_path, pod, pods_path, running_server, service, services_path

KILLS = 24
WORKERS = 5
SERVICES_PER_WORKER = 12
PODS_PER_WORKER = 8
LOAD_BALANCER_RANGE = "172.20.0.0/22"
SERVICE_TYPES = ("ClusterIP", "NodePort", "LoadBalancer")
PROBE_NAMESPACE = "crash-probe"
REQUEST_TIMEOUT = 10.0
#: Errors that mean "the answer never came": the request may or may not have been applied.
UNANSWERED = (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError,
              requests.exceptions.Timeout)


class Liveness:
    """Whether the server is up, at which URL, and how many requests are in flight; workers enter before each
    request (blocking while the server is down) and leave after, so the test can wait for all of them to settle."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.up = False
        #: Workers wait while paused (the end of the storm); watchers keep going.
        self.paused = False
        self.stopping = False
        self.epoch = 0
        self.base_url = ""
        self.in_flight = 0

    def enter(self, not_epoch: int = -1) -> tuple[int, str] | None:
        """Waits until the server is up (in an epoch other than `not_epoch`, one whose server died under us)."""
        with self.cond:
            while (not self.up or self.paused or self.epoch == not_epoch) and not self.stopping:
                self.cond.wait()
            if self.stopping:
                return None
            self.in_flight += 1
            return self.epoch, self.base_url

    def leave(self) -> None:
        with self.cond:
            self.in_flight -= 1
            self.cond.notify_all()

    def current(self) -> tuple[int, str] | None:
        """The epoch and URL once the server is up (None when stopping); watchers use it without counting."""
        with self.cond:
            while not self.up and not self.stopping:
                self.cond.wait()
            return None if self.stopping else (self.epoch, self.base_url)

    def go_down(self) -> None:
        with self.cond:
            self.up = False

    def pause(self) -> None:
        with self.cond:
            self.paused = True

    def settle(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self.cond:
            while self.in_flight > 0:
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"{self.in_flight} requests still in flight {timeout} s after the kill"
                self.cond.wait(remaining)

    def come_up(self, base_url: str) -> None:
        with self.cond:
            self.epoch += 1
            self.base_url = base_url
            self.up = True
            self.cond.notify_all()

    def stop(self) -> None:
        with self.cond:
            self.stopping = True
            self.cond.notify_all()


@dataclass
class Entry:
    """What one worker knows about one of its objects."""
    resource: str  # "services" or "pods"
    namespace: str
    name: str
    present: bool = False
    #: A Pod whose delete was acknowledged: it may linger with a deletionTimestamp until the simulator removes it.
    deleting: bool = False
    rv: int = 0
    gen: int = 0
    body: dict | None = None
    #: (operation, gen it writes) of a request whose answer never came.
    pending: tuple[str, int] | None = None


@dataclass
class Totals:
    """Figures across all workers (guarded by `lock`)."""
    lock: threading.Lock = field(default_factory=threading.Lock)
    acknowledged: int = 0
    conflicts: int = 0
    unanswered: int = 0
    failures: list[str] = field(default_factory=list)
    #: epoch -> (smallest, largest) resourceVersion acknowledged to a write in that epoch.
    rv_by_epoch: dict[int, tuple[int, int]] = field(default_factory=dict)
    acknowledged_service_rvs: set[int] = field(default_factory=set)

    def acked(self, epoch: int, rv: int, resource: str) -> None:
        with self.lock:
            self.acknowledged += 1
            low, high = self.rv_by_epoch.get(epoch, (rv, rv))
            self.rv_by_epoch[epoch] = (min(low, rv), max(high, rv))
            if resource == "services":
                self.acknowledged_service_rvs.add(rv)

    def fail(self, message: str) -> None:
        with self.lock:
            self.failures.append(message)

    def max_acknowledged(self) -> int:
        with self.lock:
            return max((high for _, high in self.rv_by_epoch.values()), default=0)


def labels_gen(obj: dict) -> int:
    return int(((obj.get("metadata") or {}).get("labels") or {}).get("gen", "0"))


def object_rv(obj: dict) -> int:
    return int(obj["metadata"]["resourceVersion"])


class Worker(threading.Thread):
    """Creates, updates (with resourceVersion preconditions) and deletes its Services and Pods as fast as it can."""

    def __init__(self, index: int, liveness: Liveness, totals: Totals, seed: int) -> None:
        super().__init__(daemon=True, name=f"storm-{index}")
        self.namespace = f"storm-{index}"
        self.liveness = liveness
        self.totals = totals
        self.random = random.Random(seed)
        self.session = requests.Session()
        self.entries = [Entry("services", self.namespace, f"svc-{i}") for i in range(SERVICES_PER_WORKER)]
        self.entries += [Entry("pods", self.namespace, f"pod-{i}") for i in range(PODS_PER_WORKER)]
        #: The epoch whose server stopped answering this worker: it waits for the next one.
        self.dead_epoch = -1

    def run(self) -> None:
        try:
            while True:
                entered = self.liveness.enter(not_epoch=self.dead_epoch)
                if entered is None:
                    return
                epoch, base_url = entered
                entry = self.random.choice(self.entries)
                try:
                    self.step(entry, epoch, base_url)
                finally:
                    self.liveness.leave()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.totals.fail(f"{self.name} crashed: {type(exc).__name__}: {exc}")
        finally:
            self.session.close()

    # -- one operation -------------------------------------------------------------------

    def step(self, entry: Entry, epoch: int, base_url: str) -> None:
        path = (services_path if entry.resource == "services" else pods_path)(entry.namespace, entry.name)
        collection = (services_path if entry.resource == "services" else pods_path)(entry.namespace)
        if entry.deleting:
            self.call(entry, epoch, "GET", base_url + path, None, ("get", entry.gen))
        elif not entry.present:
            gen = entry.gen + 1
            if entry.resource == "services":
                body = service(entry.name, labels={"gen": str(gen)})
                body["spec"]["type"] = self.random.choice(SERVICE_TYPES)
            else:
                body = pod(entry.name, labels={"gen": str(gen)})
            self.call(entry, epoch, "POST", base_url + collection, body, ("create", gen))
        elif self.random.random() < 0.7:
            gen = entry.gen + 1
            if entry.resource == "pods":
                # Pods change under us (the simulator writes their status): read, then write with that version.
                if not self.call(entry, epoch, "GET", base_url + path, None, ("get", entry.gen)):
                    return
                if not entry.present or entry.deleting:
                    return
            body = copy.deepcopy(entry.body)
            body["metadata"].setdefault("labels", {})["gen"] = str(gen)
            body["metadata"]["resourceVersion"] = str(entry.rv)
            if entry.resource == "services" and self.random.random() < 0.4:
                change_service_type(body, self.random.choice(SERVICE_TYPES))
            self.call(entry, epoch, "PUT", base_url + path, body, ("update", gen))
        else:
            options: dict = {"apiVersion": "v1", "kind": "DeleteOptions"}
            if entry.resource == "services":
                options["preconditions"] = {"resourceVersion": str(entry.rv)}
            else:
                options["gracePeriodSeconds"] = self.random.choice((0, 1))
            self.call(entry, epoch, "DELETE", base_url + path, options, ("delete", entry.gen))

    def call(self, entry: Entry, epoch: int, method: str, url: str, body: dict | None,
             operation: tuple[str, int]) -> bool:
        """Sends one request and records its outcome in the ledger; True when it succeeded."""
        kind, gen = operation
        try:
            resp = self.session.request(method, url, json=body, timeout=REQUEST_TIMEOUT)
        except UNANSWERED:
            self.dead_epoch = epoch
            if kind != "get":
                entry.pending = operation
                with self.totals.lock:
                    self.totals.unanswered += 1
            return False
        where = f"{method} {entry.namespace}/{entry.resource}/{entry.name} ({kind})"
        if resp.status_code >= 500:
            self.totals.fail(f"{where}: {resp.status_code} {resp.text[:300]}")
            return False
        if kind == "get":
            if resp.status_code == 404:
                entry.present, entry.deleting, entry.body = False, False, None
                return False
            if resp.status_code != 200:
                self.totals.fail(f"{where}: {resp.status_code} {resp.text[:300]}")
                return False
            self.adopt(entry, resp.json())
            return True
        if resp.status_code == 409 and entry.resource == "pods" and kind == "update":
            with self.totals.lock:
                self.totals.conflicts += 1  # the simulator wrote the Pod between our read and write
            return False
        expected = {"create": 201, "update": 200, "delete": 200}[kind]
        if resp.status_code != expected:
            self.totals.fail(f"{where}: expected {expected}, got {resp.status_code} {resp.text[:300]}")
            return False
        obj = resp.json()
        if kind == "delete":
            with self.totals.lock:
                self.totals.acknowledged += 1
            entry.present, entry.body = False, None
            entry.deleting = entry.resource == "pods"
            return True
        if labels_gen(obj) != gen:
            self.totals.fail(f"{where}: answer has gen {labels_gen(obj)}, sent {gen}")
        self.adopt(entry, obj)
        self.totals.acked(epoch, entry.rv, entry.resource)
        return True

    @staticmethod
    def adopt(entry: Entry, obj: dict) -> None:
        terminating = "deletionTimestamp" in obj["metadata"]
        entry.present = not terminating
        entry.deleting = terminating
        entry.rv, entry.gen, entry.body = object_rv(obj), labels_gen(obj), obj


def change_service_type(body: dict, new_type: str) -> None:
    """Switches a Service's type the way a careful client does: drops fields the new type forbids."""
    spec = body["spec"]
    spec["type"] = new_type
    if new_type != "LoadBalancer":
        spec.pop("allocateLoadBalancerNodePorts", None)
    if new_type == "ClusterIP":
        spec.pop("externalTrafficPolicy", None)
        spec.pop("healthCheckNodePort", None)
        for port in spec.get("ports") or []:
            port.pop("nodePort", None)


# -- checking the ledger against the stopped server's database ---------------------------------


def acknowledged_state_holds(entry: Entry, row: StoredRow | None) -> bool:
    if entry.deleting:
        return row is None or "deletionTimestamp" in row.object["metadata"]
    if not entry.present:
        return row is None
    if row is None or labels_gen(row.object) != entry.gen:
        return False
    # Nobody but the worker writes its Services; the pod simulator may have moved a Pod on since.
    return row.resource_version == entry.rv if entry.resource == "services" else row.resource_version >= entry.rv


def pending_applied(entry: Entry, row: StoredRow | None) -> bool:
    """Whether the unanswered request is completely there (a create or update with its gen, or the delete)."""
    assert entry.pending is not None
    kind, gen = entry.pending
    if kind == "delete":
        return row is None or (entry.resource == "pods" and "deletionTimestamp" in row.object["metadata"])
    return row is not None and labels_gen(row.object) == gen and row.resource_version > entry.rv


def check_ledgers(workers: list[Worker], snapshot: DatabaseSnapshot, outcomes: dict[str, int]) -> list[str]:
    """Compares every worker's ledger with the database, then brings the ledgers in line with it."""
    problems = []
    for worker in workers:
        for entry in worker.entries:
            row = snapshot.objects.get((entry.resource, entry.namespace, entry.name))
            held = acknowledged_state_holds(entry, row)
            if entry.pending is not None:
                applied = pending_applied(entry, row)
                if not held and not applied:
                    problems.append(f"{entry.resource} {entry.namespace}/{entry.name}: unanswered {entry.pending} is "
                                    f"half there or the acknowledged state is lost (ledger gen {entry.gen} rv {entry.rv} "
                                    f"present={entry.present}; stored {describe_row(row)})")
                outcomes["applied" if applied and not held else "not applied"] += 1
            elif not held:
                problems.append(f"{entry.resource} {entry.namespace}/{entry.name}: acknowledged state lost (gen "
                                f"{entry.gen} rv {entry.rv} present={entry.present} deleting={entry.deleting}; stored "
                                f"{describe_row(row)})")
            outcomes["checked"] += 1
            entry.pending = None
            if row is None:
                entry.present, entry.deleting, entry.body = False, False, None
            else:
                Worker.adopt(entry, row.object)
    return problems


def describe_row(row: StoredRow | None) -> str:
    if row is None:
        return "nothing"
    terminating = " terminating" if "deletionTimestamp" in row.object["metadata"] else ""
    return f"gen {labels_gen(row.object)} rv {row.resource_version}{terminating}"


# -- watchers that resume across restarts ------------------------------------------------------


@dataclass
class Segment:
    """One unbroken run of watch events, from the list it started at; a 410 ends it."""
    start: int
    events: list[tuple[int, str, str, str]] = field(default_factory=list)
    expired: bool = False

    @property
    def last(self) -> int:
        return self.events[-1][0] if self.events else self.start


class Watcher(threading.Thread):
    """Watches one resource across all namespaces and reconnects from the last resourceVersion it saw."""

    def __init__(self, resource: str, path: str, liveness: Liveness, totals: Totals) -> None:
        super().__init__(daemon=True, name=f"watch-{resource}")
        self.resource = resource
        self.path = path
        self.liveness = liveness
        self.totals = totals
        self.segments: list[Segment] = []
        self.reconnects = 0
        self.seen = threading.Condition()
        self.response: requests.Response | None = None

    @property
    def last(self) -> int:
        return self.segments[-1].last if self.segments else 0

    def run(self) -> None:
        try:
            while (current := self.liveness.current()) is not None:
                _, base_url = current
                try:
                    self.follow(base_url)
                except UNANSWERED:
                    time.sleep(0.05)  # the server died (or the read timed out): resume once it is up
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.totals.fail(f"{self.name} crashed: {type(exc).__name__}: {exc}")

    def follow(self, base_url: str) -> None:
        if not self.segments or self.segments[-1].expired:
            listed = requests.get(base_url + self.path, timeout=REQUEST_TIMEOUT)
            if listed.status_code != 200:
                self.totals.fail(f"list {self.path}: {listed.status_code} {listed.text[:200]}")
                return
            self.segments.append(Segment(start=int(listed.json()["metadata"]["resourceVersion"])))
        segment = self.segments[-1]
        resp = requests.get(base_url + self.path, params={"watch": "1", "resourceVersion": str(segment.last)},
                            stream=True, timeout=(REQUEST_TIMEOUT, 3.0))
        self.response = resp
        self.reconnects += 1
        try:
            if resp.status_code == 410:
                segment.expired = True
                return
            if resp.status_code != 200:
                self.totals.fail(f"watch {self.path}: {resp.status_code} {resp.text[:200]}")
                time.sleep(0.2)
                return
            for line in resp.iter_lines(chunk_size=65536):
                if not line:
                    continue
                event = json.loads(line)
                obj = event["object"]
                if event["type"] == "ERROR":
                    if obj.get("code") == 410:
                        segment.expired = True
                    else:
                        self.totals.fail(f"watch {self.path}: error event {obj}")
                    return
                if event["type"] == "BOOKMARK":
                    continue
                rv = object_rv(obj)
                if rv <= segment.last:
                    self.totals.fail(f"watch {self.path}: event {event['type']} {obj['metadata']['name']} rv {rv} "
                                     f"after rv {segment.last} (duplicate or out of order)")
                    continue
                with self.seen:
                    segment.events.append((rv, event["type"], obj["metadata"].get("namespace", ""),
                                           obj["metadata"]["name"]))
                    self.seen.notify_all()
        finally:
            resp.close()

    def wait_for(self, rv: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self.seen:
            while self.last < rv:
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"watch {self.path} did not reach rv {rv} (at {self.last})"
                self.seen.wait(remaining)


# -- the test ----------------------------------------------------------------------------------


def kill_moment(rng: random.Random, round_index: int, liveness: Liveness) -> str:
    """Waits for the moment of the next kill and says which kind it was: right after the restart (while the
    controllers catch up), at a random point of steady load, or when (nearly) every worker is mid-request."""
    mode = ("early", "steady", "burst")[round_index % 3]
    if mode == "early":
        time.sleep(rng.uniform(0.0, 0.1))
    elif mode == "steady":
        time.sleep(rng.uniform(0.2, 1.2))
    else:
        time.sleep(rng.uniform(0.1, 0.5))
        deadline = time.monotonic() + 2.0
        while liveness.in_flight < WORKERS - 1 and time.monotonic() < deadline:
            time.sleep(0.001)
    return mode


@pytest.mark.timeout(170)
# With a ready delay, kills also find Pods bound but not yet started (no IP), which the restarted simulator starts.
@pytest.mark.parametrize("durability,pod_ready_delay", [("normal", "0"), ("full", "0.3")])
def test_kill9_during_write_storm_loses_nothing_acknowledged(tmp_path: pathlib.Path, durability: str,
                                                              pod_ready_delay: str) -> None:
    rng = random.Random(f"crash-{durability}-{time.time_ns()}")
    lb_range = ipaddress.ip_network(LOAD_BALANCER_RANGE)
    args = ("--durability", durability, "--load-balancer-ip-range", LOAD_BALANCER_RANGE,
            "--pod-ready-delay", pod_ready_delay)
    liveness, totals = Liveness(), Totals()
    outcomes = {"checked": 0, "applied": 0, "not applied": 0, "claims": 0, "pod IPs": 0}
    problems: list[str] = []
    kinds: dict[str, int] = {}
    with running_server(tmp_path / "server", extra_args=args, simulate_pods=True) as server:
        for index in range(WORKERS):
            server.create(namespaces_path(), namespace(f"storm-{index}"))
        server.create(namespaces_path(), namespace(PROBE_NAMESPACE))
        workers = [Worker(i, liveness, totals, rng.randrange(1 << 30)) for i in range(WORKERS)]
        watchers = [Watcher("services", "/api/v1/services", liveness, totals),
                    Watcher("pods", "/api/v1/pods", liveness, totals)]
        liveness.come_up(server.base_url)
        for thread in (*workers, *watchers):
            thread.start()
        try:
            for round_index in range(KILLS):
                mode = kill_moment(rng, round_index, liveness)
                kinds[mode] = kinds.get(mode, 0) + 1
                server.kill()
                liveness.go_down()
                liveness.settle(timeout=REQUEST_TIMEOUT + 5)
                acknowledged_before = totals.max_acknowledged()
                snapshot = DatabaseSnapshot.take(server.db_path, tmp_path / "check")
                round_problems = check_database(snapshot, acknowledged_before, lb_range)
                outcomes["claims"] += len(snapshot.allocations)
                outcomes["pod IPs"] += sum(1 for row in snapshot.rows("pods") if (row.object.get("status") or {}).get("podIP"))
                round_problems += check_ledgers(workers, snapshot, outcomes)
                server.start()
                round_problems += check_restarted(server, snapshot, acknowledged_before, round_index)
                problems += [f"kill {round_index + 1} ({mode}): {p}" for p in round_problems]
                assert not problems, "\n".join(problems[:20]) + "\n" + server.log_tail(20)
                liveness.come_up(server.base_url)
            # The end: stop the storm, then make the watchers catch up with a final write of each kind.
            liveness.pause()
            liveness.settle(timeout=REQUEST_TIMEOUT + 5)
            sentinel_service = server.create(services_path(PROBE_NAMESPACE), service("sentinel"))
            sentinel_pod = server.create(pods_path(PROBE_NAMESPACE), pod("sentinel"))
            watchers[0].wait_for(object_rv(sentinel_service), timeout=20)
            watchers[1].wait_for(object_rv(sentinel_pod), timeout=20)
        finally:
            liveness.stop()
            server.kill()
            for thread in (*workers, *watchers):
                thread.join(timeout=15)
        watch_events = 0
        expired = 0
        compacted, log = DatabaseSnapshot.event_log(server.db_path, tmp_path / "events")
        # The default history (100,000 events) keeps the whole storm, so every watched change can be compared.
        assert compacted <= min(watcher.segments[0].start for watcher in watchers), "the event log was compacted"
        for watcher in watchers:
            for segment in watcher.segments:
                seen = [event for event in segment.events if event[0] > compacted]
                logged = [(rv, kind, namespace, name) for rv, kind, resource, namespace, name in log
                          if resource == watcher.resource and max(segment.start, compacted) < rv <= segment.last]
                assert seen == logged, (
                    f"watch {watcher.path} from rv {segment.start}: saw {len(seen)} events, the log has "
                    f"{len(logged)}; first difference: "
                    f"{next(((a, b) for a, b in zip(seen, logged) if a != b), 'length')}")
                watch_events += len(seen)
                expired += segment.expired
        seen_services = {event[0] for segment in watchers[0].segments for event in segment.events}
        covered = [(segment.start, segment.last) for segment in watchers[0].segments]
        unseen = sorted(rv for rv in totals.acknowledged_service_rvs
                        if any(start < rv <= last for start, last in covered) and rv not in seen_services)
        assert not unseen, f"acknowledged Service writes the watcher never saw: {unseen[:10]}"
        log = server.log_path.read_text(errors="replace")
    assert not totals.failures, "\n".join(totals.failures[:20])
    highest_before = 0
    for epoch in sorted(totals.rv_by_epoch):
        lowest, highest = totals.rv_by_epoch[epoch]
        assert lowest > highest_before, f"epoch {epoch} acknowledged rv {lowest}, not above {highest_before} from before"
        highest_before = max(highest_before, highest)
    # Neither SQLite contention nor the allocator repair loop finding a mismatch (which would mean a claim and its
    # Service were not written together) may show up in the log.
    for word in ("database is locked", "SQLITE_BUSY", "commit failed", "ClusterIPNotAllocated", "AlreadyAllocated",
                 "released leaked allocation"):
        assert word not in log, f"server log mentions {word!r}"
    assert outcomes["checked"] >= KILLS * (SERVICES_PER_WORKER + PODS_PER_WORKER) * WORKERS
    assert outcomes["claims"] > KILLS and outcomes["pod IPs"] > KILLS, outcomes  # the checks had something to check
    print(f"\ncrash safety ({durability}, pod ready delay {pod_ready_delay} s): {KILLS} kills survived ({kinds}), {totals.acknowledged} acknowledged writes, "
          f"{outcomes['checked']} object states checked, {totals.unanswered} unanswered writes "
          f"({outcomes['applied']} applied, {outcomes['not applied']} not), {outcomes['claims']} claims and "
          f"{outcomes['pod IPs']} pod IPs checked, {totals.conflicts} pod conflicts, "
          f"{watch_events} watch events verified over {sum(w.reconnects for w in watchers)} watch connections, "
          f"{expired} expired, 5xx seen 0")


def check_database(snapshot: DatabaseSnapshot, acknowledged_before: int, lb_range: ipaddress.IPv4Network) -> list[str]:
    problems = []
    if snapshot.integrity != "ok":
        problems.append(f"integrity_check: {snapshot.integrity}")
    if snapshot.revision < acknowledged_before:
        problems.append(f"revision counter {snapshot.revision} is behind acknowledged rv {acknowledged_before}")
    newest = max((row.resource_version for row in snapshot.objects.values()), default=0)
    if newest > snapshot.revision or snapshot.max_event_rv > snapshot.revision:
        problems.append(f"rows newer (object {newest}, event {snapshot.max_event_rv}) than the counter {snapshot.revision}")
    problems += claim_problems(snapshot, lb_range)
    problems += pod_ip_problems([row.object for row in snapshot.rows("pods")])
    return problems


def check_restarted(server, snapshot: DatabaseSnapshot, acknowledged_before: int, round_index: int) -> list[str]:
    """The restarted server serves what the database holds, and its next write gets a bigger resourceVersion."""
    problems = []
    listed = server.list("/api/v1/services")
    if int(listed["metadata"]["resourceVersion"]) < snapshot.revision:
        problems.append(f"list rv {listed['metadata']['resourceVersion']} < stored counter {snapshot.revision}")
    served = {(item["metadata"]["namespace"], item["metadata"]["name"]): object_rv(item) for item in listed["items"]
              if item["metadata"]["namespace"].startswith("storm-")}
    stored = {(row.namespace, row.name): row.resource_version for row in snapshot.rows("services")
              if row.namespace.startswith("storm-")}
    if served != stored:
        problems.append(f"served Services differ from the database: {sorted(set(served.items()) ^ set(stored.items()))[:5]}")
    resp = server.patch(namespaces_path(PROBE_NAMESPACE), {"metadata": {"labels": {"round": str(round_index)}}})
    if resp.status_code != 200:
        problems.append(f"probe write: {resp.status_code} {resp.text[:200]}")
    elif object_rv(resp.json()) <= max(acknowledged_before, snapshot.revision):
        problems.append(f"write after restart got rv {object_rv(resp.json())}, not above {acknowledged_before}/"
                        f"{snapshot.revision} from before the kill")
    return problems
