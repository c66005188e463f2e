#!/usr/bin/env python3
"""Soak: steady mixed load against the release binary, sampling its RSS, -wal and database size.

Starts `serviceplane serve` on 127.0.0.1 port 0 with a fresh database and every controller, then for SOAK_SECONDS
(default 600) runs a small load generator: writer threads that create, update and delete Services and Pods (each
in its own namespace, holding at most RING objects), list threads, watch threads that keep re-opening watches, and
a /metrics scraper. Every SAMPLE_SECONDS it records elapsed time, RSS (from /proc), -wal bytes, database bytes,
requests done, 5xx and transport errors; prints each row and writes them to OUT (CSV).

It fails (exit 1) when
  * any request got a 5xx or failed at the transport level, or the server died;
  * RSS keeps growing: after a warm-up (the first WARMUP_FRACTION of the run, at least 30 s, when the watch
    history and caches fill), the largest RSS in the last third exceeds the largest in the first third by more
    than RSS_GROWTH_PERCENT percent plus RSS_SLACK_MIB (allocator noise).

The server runs with --watch-history 5000 --watch-history-window 10, so its event history (which by design holds
the last N events or the last W seconds, whichever is more) reaches its steady size within the warm-up instead of
growing for the whole run. Knobs: SOAK_SECONDS, SAMPLE_SECONDS, WRITERS, LISTERS, WATCHERS, RING, OUT,
SERVICEPLANE_BIN. Everything the script starts is stopped on exit; every request has a timeout.
"""

from __future__ import annotations

import csv
import os
import pathlib
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

import requests

ROOT = pathlib.Path(__file__).resolve().parents[1]
BIN = os.environ.get("SERVICEPLANE_BIN", str(ROOT / ".build" / "release" / "serviceplane"))
SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS", "600"))
SAMPLE_SECONDS = float(os.environ.get("SAMPLE_SECONDS", "5"))
WRITERS = int(os.environ.get("WRITERS", "4"))
LISTERS = int(os.environ.get("LISTERS", "2"))
WATCHERS = int(os.environ.get("WATCHERS", "4"))
RING = int(os.environ.get("RING", "40"))
OUT = pathlib.Path(os.environ.get("OUT", str(ROOT / "soak-out" / "soak.csv")))
WARMUP_FRACTION = float(os.environ.get("WARMUP_FRACTION", "0.1"))
RSS_GROWTH_PERCENT = float(os.environ.get("RSS_GROWTH_PERCENT", "10"))
RSS_SLACK_MIB = float(os.environ.get("RSS_SLACK_MIB", "8"))
TIMEOUT = 10


class Counters:
    """Request outcomes, shared by the load threads (guarded by `lock`)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests = 0
        self.server_errors = 0
        self.transport_errors = 0
        self.watch_events = 0
        self.last_error = ""

    def record(self, response: requests.Response | None, error: Exception | None = None) -> None:
        with self.lock:
            self.requests += 1
            if error is not None:
                self.transport_errors += 1
                self.last_error = repr(error)
            elif response is not None and response.status_code >= 500:
                self.server_errors += 1
                self.last_error = f"{response.status_code} {response.request.method} {response.url}: {response.text[:200]}"


def call(session: requests.Session, counters: Counters, method: str, url: str, **kwargs) -> requests.Response | None:
    try:
        response = session.request(method, url, timeout=TIMEOUT, **kwargs)
    except requests.RequestException as error:
        counters.record(None, error)
        return None
    counters.record(response)
    return response


def service(name: str, generation: int) -> dict:
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "labels": {"app": name, "gen": str(generation)}},
            "spec": {"selector": {"app": name}, "ports": [{"port": 80, "targetPort": 8080}]}}


def pod(name: str, generation: int) -> dict:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "labels": {"app": name.rsplit("-", 1)[0], "gen": str(generation)}},
            "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}


def writer(base: str, index: int, stop: threading.Event, counters: Counters) -> None:
    """Creates, updates (merge patch) and deletes Services and Pods in its own namespace, RING of each at most."""
    session = requests.Session()
    ns = f"soak-{index}"
    call(session, counters, "POST", f"{base}/api/v1/namespaces",
         json={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    generation = 0
    while not stop.is_set():
        slot = generation % RING
        for kind, build in (("services", service), ("pods", pod)):
            name = f"obj{index}-{slot}"
            item = f"{base}/api/v1/namespaces/{ns}/{kind}/{name}"
            if generation >= RING:
                call(session, counters, "DELETE", item, json={"gracePeriodSeconds": 0})
            call(session, counters, "POST", f"{base}/api/v1/namespaces/{ns}/{kind}", json=build(name, generation))
            call(session, counters, "PATCH", item, data='{"metadata":{"annotations":{"touched":"%d"}}}' % generation,
                 headers={"Content-Type": "application/merge-patch+json"})
            call(session, counters, "GET", item)
        generation += 1


def lister(base: str, stop: threading.Event, counters: Counters) -> None:
    session = requests.Session()
    paths = ["/api/v1/services", "/api/v1/pods", "/apis/discovery.k8s.io/v1/endpointslices",
             "/api/v1/pods?labelSelector=gen%3D1&limit=10", "/api/v1/namespaces"]
    turn = 0
    while not stop.is_set():
        call(session, counters, "GET", base + paths[turn % len(paths)])
        turn += 1
        time.sleep(0.05)


def watcher(base: str, index: int, stop: threading.Event, counters: Counters) -> None:
    """Keeps a watch open, re-opening it every few seconds (as informers do after their timeout)."""
    kinds = ["/api/v1/pods", "/api/v1/services", "/apis/discovery.k8s.io/v1/endpointslices", "/api/v1/namespaces"]
    path = kinds[index % len(kinds)]
    while not stop.is_set():
        try:
            with requests.get(f"{base}{path}?watch=1&timeoutSeconds={5 + index}&allowWatchBookmarks=true",
                              stream=True, timeout=(TIMEOUT, 30)) as response:
                counters.record(response)
                for line in response.iter_lines():
                    if line:
                        with counters.lock:
                            counters.watch_events += 1
                    if stop.is_set():
                        break
        except requests.RequestException as error:
            if not stop.is_set():
                counters.record(None, error)
                time.sleep(0.5)


def scraper(base: str, stop: threading.Event, counters: Counters) -> None:
    session = requests.Session()
    while not stop.wait(2):
        call(session, counters, "GET", base + "/metrics")


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def judge(rows: list[dict]) -> list[str]:
    """The reasons the soak failed (empty when it passed)."""
    problems = []
    last = rows[-1]
    if last["server_5xx"] or last["transport_errors"]:
        problems.append(f"{last['server_5xx']} responses were 5xx and {last['transport_errors']} requests failed")
    warm = max(30.0, SOAK_SECONDS * WARMUP_FRACTION)
    steady = [row for row in rows if row["seconds"] >= warm]
    if len(steady) >= 3:
        third = max(1, len(steady) // 3)
        first = max(row["rss_bytes"] for row in steady[:third])
        final = max(row["rss_bytes"] for row in steady[-third:])
        bound = first * (1 + RSS_GROWTH_PERCENT / 100) + RSS_SLACK_MIB * (1 << 20)
        print(f"soak: RSS first-third max {first / 2**20:.1f} MiB, last-third max {final / 2**20:.1f} MiB, "
              f"bound {bound / 2**20:.1f} MiB")
        if final > bound:
            problems.append(f"RSS grew: last-third max {final} > bound {int(bound)}")
    else:
        problems.append("too few samples after the warm-up to judge RSS growth (raise SOAK_SECONDS)")
    return problems


def main() -> int:
    workdir = pathlib.Path(tempfile.mkdtemp(prefix="serviceplane-soak-"))
    db = str(workdir / "soak.db")
    command = [BIN, "serve", "--bind-address", "127.0.0.1", "--port", "0", "--db", db, "--kubeconfig-out", "",
               "--log-level", "warning", "--watch-history", "5000", "--watch-history-window", "10"]
    log = open(workdir / "server.log", "wb")
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL,
                              start_new_session=True)
    stop = threading.Event()
    threads: list[threading.Thread] = []
    try:
        line = server.stdout.readline().decode().strip()
        match = re.match(r"^READY (http://\S+)$", line)
        if not match:
            print(f"soak: server did not start: {line!r}", file=sys.stderr)
            return 1
        base = match.group(1)
        counters = Counters()
        for index in range(WRITERS):
            threads.append(threading.Thread(target=writer, args=(base, index, stop, counters), daemon=True))
        for _ in range(LISTERS):
            threads.append(threading.Thread(target=lister, args=(base, stop, counters), daemon=True))
        for index in range(WATCHERS):
            threads.append(threading.Thread(target=watcher, args=(base, index, stop, counters), daemon=True))
        threads.append(threading.Thread(target=scraper, args=(base, stop, counters), daemon=True))
        for thread in threads:
            thread.start()

        OUT.parent.mkdir(parents=True, exist_ok=True)
        fields = ["seconds", "rss_bytes", "wal_bytes", "db_bytes", "requests", "server_5xx", "transport_errors",
                  "watch_events"]
        rows: list[dict] = []
        started = time.monotonic()
        print(f"soak: {SOAK_SECONDS:.0f} s against {base} (pid {server.pid}), sampling every {SAMPLE_SECONDS:.0f} s")
        print("   secs    RSS MiB   WAL MiB    DB MiB   requests  5xx  errors  watch events")
        with open(OUT, "w", newline="") as out:
            table = csv.DictWriter(out, fieldnames=fields)
            table.writeheader()
            while True:
                elapsed = time.monotonic() - started
                if server.poll() is not None:
                    print(f"soak: the server exited with {server.returncode}", file=sys.stderr)
                    return 1
                with counters.lock:
                    row = {"seconds": round(elapsed, 1), "rss_bytes": rss_bytes(server.pid),
                           "wal_bytes": size(db + "-wal"), "db_bytes": size(db), "requests": counters.requests,
                           "server_5xx": counters.server_errors, "transport_errors": counters.transport_errors,
                           "watch_events": counters.watch_events}
                rows.append(row)
                table.writerow(row)
                out.flush()
                print(f"{row['seconds']:7.0f} {row['rss_bytes'] / 2**20:10.1f} {row['wal_bytes'] / 2**20:9.1f} "
                      f"{row['db_bytes'] / 2**20:9.1f} {row['requests']:10d} {row['server_5xx']:4d} "
                      f"{row['transport_errors']:7d} {row['watch_events']:13d}", flush=True)
                if elapsed >= SOAK_SECONDS:
                    break
                time.sleep(min(SAMPLE_SECONDS, max(0.0, SOAK_SECONDS - elapsed)))
        if counters.last_error:
            print(f"soak: last error: {counters.last_error}")
        problems = judge(rows)
        print(f"soak: curve written to {OUT}")
        for problem in problems:
            print(f"soak: FAIL: {problem}", file=sys.stderr)
        if not problems:
            print(f"soak: PASS ({rows[-1]['requests']} requests, 0 5xx)")
        return 1 if problems else 0
    finally:
        stop.set()
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)
        for thread in threads:
            thread.join(timeout=15)
        log.close()


if __name__ == "__main__":
    sys.exit(main())
