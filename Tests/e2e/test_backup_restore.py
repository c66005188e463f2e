"""`serviceplane backup` while the server runs and writes, `serviceplane restore` into a new database, and a server
started on it serving the same objects with the same resourceVersions; restore refuses a database in use.
Also: the `-wal` file stays bounded under a lot of writes, even while a reader pins an old snapshot."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import threading
import time

import pytest

from support import binary_path, pods_path, pod, running_server, service, services_path, unique_name

NO_CONTROLLERS = ("--controllers", "")


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(binary_path()), *args], capture_output=True, text=True, timeout=60)


def snapshot(server) -> dict[str, dict]:
    """Every object of every kind by path-like key, with its resourceVersion and content."""
    objects = {}
    for path in ("/api/v1/namespaces", "/api/v1/services", "/api/v1/pods", "/apis/discovery.k8s.io/v1/endpointslices"):
        for item in server.list(path).get("items", []):
            meta = item["metadata"]
            objects[f"{path}/{meta.get('namespace', '')}/{meta['name']}"] = item
    return objects


@pytest.mark.timeout(120)
def test_online_backup_restores_identical_objects_and_resource_versions(tmp_path):
    backup = tmp_path / "backup.db"
    with running_server(tmp_path / "a", extra_args=NO_CONTROLLERS) as source:
        ns = source.create_namespace()
        for index in range(30):
            source.create(services_path(ns), service(f"svc-{index}"))
            source.create(pods_path(ns), pod(f"pod-{index}", labels={"app": "x"}))
        for index in range(10):
            source.patch(services_path(ns, f"svc-{index}"), {"metadata": {"labels": {"v": "2"}}})
            assert source.delete(pods_path(ns, f"pod-{index}")).status_code == 200

        # Keep writing while the backup runs: it must still be one consistent snapshot.
        stop = threading.Event()
        written: list[tuple[str, int]] = []

        def writer() -> None:
            index = 0
            while not stop.is_set():
                created = source.create(services_path(ns), service(f"live-{index}"))
                written.append((created["metadata"]["name"], int(created["metadata"]["resourceVersion"])))
                index += 1

        thread = threading.Thread(target=writer)
        thread.start()
        try:
            time.sleep(0.3)
            result = run_cli("backup", "--db", str(source.db_path), "--to", str(backup))
            time.sleep(0.3)
        finally:
            stop.set()
            thread.join(timeout=30)
        assert result.returncode == 0, result.stderr
        assert "backed up" in result.stdout
        assert len(written) > 5, "the writer did not overlap the backup"
        final = snapshot(source)

        # A backup never overwrites a file.
        again = run_cli("backup", "--db", str(source.db_path), "--to", str(backup))
        assert again.returncode != 0 and "exists" in again.stderr

        # Restore refuses the database the running server is using.
        refused = run_cli("restore", "--from", str(backup), "--db", str(source.db_path), "--force")
        assert refused.returncode != 0
        assert "in use" in refused.stderr

    # The resourceVersion the backup was taken at (the restored server moves on from it: it re-points the
    # `kubernetes` Service and its EndpointSlice at its own new port).
    with sqlite3.connect(str(backup)) as connection:
        revision = connection.execute("SELECT resource_version FROM revision WHERE id = 1").fetchone()[0]
    restored_db = tmp_path / "b" / "db.sqlite"
    restored_db.parent.mkdir()
    result = run_cli("restore", "--from", str(backup), "--db", str(restored_db))
    assert result.returncode == 0, result.stderr
    with running_server(tmp_path / "b", extra_args=NO_CONTROLLERS) as restored:
        objects = {key: item for key, item in snapshot(restored).items() if not key.endswith("/default/kubernetes")}
        assert int(restored.list("/api/v1/namespaces")["metadata"]["resourceVersion"]) >= revision
    final = {key: item for key, item in final.items() if not key.endswith("/default/kubernetes")}
    live_in_backup = {name for name, version in written if version <= revision}
    # Exactly the writes committed up to the backup's resourceVersion, nothing half-there.
    assert {key.rsplit("/", 1)[1] for key in objects if "/live-" in key} == live_in_backup
    assert 0 < len(live_in_backup) <= len(written)
    # Everything else is identical to the source, resourceVersions included.
    expected = {key: item for key, item in final.items()
                if "/live-" not in key and int(item["metadata"]["resourceVersion"]) <= revision}
    assert {key: item for key, item in objects.items() if "/live-" not in key} == expected


def test_restore_refuses_to_replace_objects_without_force(tmp_path):
    backup = tmp_path / "backup.db"
    with running_server(tmp_path / "a", extra_args=NO_CONTROLLERS) as source:
        source.create(services_path("default"), service("kept"))
        assert run_cli("backup", "--db", str(source.db_path), "--to", str(backup)).returncode == 0
        db = source.db_path
    refused = run_cli("restore", "--from", str(backup), "--db", str(db))
    assert refused.returncode != 0 and "--force" in refused.stderr
    forced = run_cli("restore", "--from", str(backup), "--db", str(db), "--force")
    assert forced.returncode == 0, forced.stderr
    missing = run_cli("restore", "--from", str(tmp_path / "nope.db"), "--db", str(tmp_path / "x.db"))
    assert missing.returncode != 0
    assert not (tmp_path / "x.db").exists()


@pytest.mark.timeout(180)
def test_wal_stays_bounded_under_writes_and_shrinks_after_a_pinning_reader(tmp_path):
    limit = 16 << 20  # Store.walSizeLimitBytes
    annotation = "x" * 16_000
    with running_server(tmp_path / "w", extra_args=(*NO_CONTROLLERS, "--wal-checkpoint-interval", "1")) as server:
        wal = str(server.db_path) + "-wal"
        ns = server.create_namespace()
        sizes: list[int] = []

        def write(count: int, prefix: str) -> None:
            for index in range(count):
                name = f"{prefix}-{index % 50}"
                body = service(name, annotations={"blob": annotation + str(index)})
                if server.put(services_path(ns, name), body).status_code not in (200, 201):
                    raise AssertionError("write failed")
                if index % 20 == 0:
                    sizes.append(os.path.getsize(wal) if os.path.exists(wal) else 0)

        # Steady writes: ~2 x 16 KB per write (object row and event row), far more than the limit in total.
        write(1500, "steady")
        assert max(sizes) <= limit + (4 << 20), f"-wal reached {max(sizes)} bytes"

        # A reader holding a snapshot stops SQLite from restarting the log, so it grows past the limit...
        reader = sqlite3.connect(str(server.db_path), isolation_level=None)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM objects").fetchall()
        sizes.clear()
        write(1000, "pinned")
        grown = max(sizes)
        reader.execute("COMMIT")
        reader.close()
        # ...and once it is gone the periodic TRUNCATE checkpoint gives the space back.
        deadline = time.monotonic() + 10
        while os.path.getsize(wal) > limit:
            assert time.monotonic() < deadline, f"-wal still {os.path.getsize(wal)} bytes (grew to {grown})"
            time.sleep(0.2)
        assert grown > limit, "the pinned reader did not make the log grow; the test proves nothing"
