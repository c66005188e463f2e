"""Reading a stopped server's SQLite database directly, for checks the API cannot make.

`DatabaseSnapshot.take(db_path, into)` copies the database and its WAL (the server must be dead: a copy of a live
database may be torn) into a scratch folder and opens the copy, so the checks never change what the next server
start recovers from. The schema is the one in migrations/ (objects, events, revision, allocations).
"""

from __future__ import annotations

import ipaddress
import json
import pathlib
import shutil
import sqlite3
from dataclasses import dataclass, field

#: Claim pools as the store names them (Sources/Registry/Allocation/ServiceNetwork.swift).
CLUSTER_IP_POOL = "cluster-ip"
NODE_PORT_POOL = "node-port"
LOAD_BALANCER_POOL = "load-balancer-ip"


@dataclass
class StoredRow:
    resource: str
    namespace: str
    name: str
    resource_version: int
    object: dict


@dataclass
class DatabaseSnapshot:
    integrity: str
    revision: int
    objects: dict[tuple[str, str, str], StoredRow] = field(default_factory=dict)
    #: (pool, value) -> (resource, namespace, name) of the owner.
    allocations: dict[tuple[str, str], tuple[str, str, str]] = field(default_factory=dict)
    max_event_rv: int = 0

    @classmethod
    def take(cls, db_path: pathlib.Path, into: pathlib.Path) -> "DatabaseSnapshot":
        into.mkdir(parents=True, exist_ok=True)
        copy = into / "snapshot.sqlite"
        for suffix in ("", "-wal", "-shm"):
            target = pathlib.Path(str(copy) + suffix)
            target.unlink(missing_ok=True)
            source = pathlib.Path(str(db_path) + suffix)
            # The -shm index is rebuilt from the WAL on open; copying a stale one would only confuse SQLite.
            if suffix != "-shm" and source.exists():
                shutil.copyfile(source, target)
        connection = sqlite3.connect(str(copy))
        try:
            integrity = "; ".join(row[0] for row in connection.execute("PRAGMA integrity_check"))
            revision = connection.execute("SELECT resource_version FROM revision WHERE id = 1").fetchone()[0]
            snapshot = cls(integrity=integrity, revision=revision)
            for resource, namespace, name, rv, data in connection.execute(
                    "SELECT resource, namespace, name, resource_version, data FROM objects"):
                snapshot.objects[(resource, namespace, name)] = StoredRow(resource, namespace, name, rv, json.loads(data))
            for pool, value, resource, namespace, name in connection.execute(
                    "SELECT pool, value, resource, namespace, name FROM allocations"):
                snapshot.allocations[(pool, value)] = (resource, namespace, name)
            snapshot.max_event_rv = connection.execute("SELECT COALESCE(MAX(resource_version), 0) FROM events").fetchone()[0]
        finally:
            connection.close()
        return snapshot

    def rows(self, resource: str, namespace: str | None = None) -> list[StoredRow]:
        return [row for key, row in self.objects.items()
                if key[0] == resource and (namespace is None or key[1] == namespace)]

    @staticmethod
    def event_log(db_path: pathlib.Path, into: pathlib.Path) -> tuple[int, list[tuple[int, str, str, str, str]]]:
        """The logged events, as (resourceVersion, type, resource, namespace, name) in order, and the resourceVersion
        up to which compaction has removed them (the log is complete after it)."""
        snapshot = DatabaseSnapshot.take(db_path, into)
        connection = sqlite3.connect(str(into / "snapshot.sqlite"))
        try:
            events = list(connection.execute(
                "SELECT resource_version, type, resource, namespace, name FROM events ORDER BY resource_version"))
        finally:
            connection.close()
        return (events[0][0] - 1 if events else snapshot.revision), events


def service_claims(service: dict, load_balancer_range: ipaddress.IPv4Network) -> set[tuple[str, str]]:
    """The (pool, value) claims a stored Service's spec and status say it holds (as AllocationRepair computes them)."""
    spec = service.get("spec") or {}
    claims: set[tuple[str, str]] = set()
    for ip in spec.get("clusterIPs") or []:
        if ip and ip != "None":
            claims.add((CLUSTER_IP_POOL, str(ipaddress.ip_address(ip))))
    for port in spec.get("ports") or []:
        if port.get("nodePort"):
            claims.add((NODE_PORT_POOL, str(port["nodePort"])))
    if spec.get("healthCheckNodePort"):
        claims.add((NODE_PORT_POOL, str(spec["healthCheckNodePort"])))
    if spec.get("type") == "LoadBalancer":
        ingress = ((service.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
        if ingress and ingress[0].get("ip") and ipaddress.ip_address(ingress[0]["ip"]) in load_balancer_range:
            claims.add((LOAD_BALANCER_POOL, ingress[0]["ip"]))
    return claims


def claim_problems(snapshot: DatabaseSnapshot, load_balancer_range: ipaddress.IPv4Network) -> list[str]:
    """Everything wrong between live Services and the allocations table: a Service missing a claim it uses, a claim
    whose owner is gone or holds it no longer (a leak), and an address or port two live Services use."""
    problems: list[str] = []
    users: dict[tuple[str, str], list[str]] = {}
    expected: dict[tuple[str, str], tuple[str, str, str]] = {}
    for row in snapshot.rows("services"):
        owner = ("services", row.namespace, row.name)
        for claim in service_claims(row.object, load_balancer_range):
            users.setdefault(claim, []).append(f"{row.namespace}/{row.name}")
            expected[claim] = owner
    for claim, holders in users.items():
        if len(holders) > 1:
            problems.append(f"{claim} used by several live Services: {holders}")
    for claim, owner in expected.items():
        recorded = snapshot.allocations.get(claim)
        if recorded != owner:
            problems.append(f"{claim} used by {owner} but recorded for {recorded}")
    for claim, owner in snapshot.allocations.items():
        if expected.get(claim) != owner:
            problems.append(f"leaked claim {claim} recorded for {owner}, which does not use it")
    return problems


def pod_ip_problems(pods: list[dict]) -> list[str]:
    """Pod IPs held by more than one live Pod."""
    holders: dict[str, list[str]] = {}
    for pod in pods:
        status = pod.get("status") or {}
        ips = {status.get("podIP")} | {entry.get("ip") for entry in status.get("podIPs") or []}
        for ip in ips - {None, ""}:
            meta = pod["metadata"]
            holders.setdefault(ip, []).append(f"{meta.get('namespace')}/{meta['name']}")
    return [f"pod IP {ip} held by {names}" for ip, names in holders.items() if len(names) > 1]
