"""Machinery for the end-to-end tests: the server process, raw HTTP, the Python client, builders, assertions.

The binary is taken from $SERVICEPLANE_BIN (`make test` sets it to .build/release/serviceplane) or,
when unset, from .build/release/serviceplane in the repository. Every test gets a fresh server with
its own SQLite file, so tests never see each other's objects.

Every test is bounded in time: conftest's autouse fixture arms SIGALRM (DEFAULT_TEST_TIMEOUT, override
with `@pytest.mark.timeout(seconds)`), and every HTTP helper passes a request timeout (HTTP_TIMEOUT).
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import selectors
import signal
import subprocess
import threading
import time
import uuid
from typing import Any

import requests

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
DEFAULT_BINARY = REPO_ROOT / ".build" / "release" / "serviceplane"

#: Seconds the server gets to print its READY line.
READY_TIMEOUT = 10.0
#: Seconds a single HTTP request may take.
HTTP_TIMEOUT = 10.0
#: Default per-test wall-clock limit (SIGALRM).
DEFAULT_TEST_TIMEOUT = 60

READY_RE = re.compile(r"^READY (http://([0-9.]+|\[[0-9a-fA-F:]+\]|localhost):(\d+))$")


# --------------------------------------------------------------------------------------------
# Time limits
# --------------------------------------------------------------------------------------------


class TimeLimitExceeded(Exception):
    """Raised inside a test when its SIGALRM time limit expires."""


# --------------------------------------------------------------------------------------------
# The server process
# --------------------------------------------------------------------------------------------


def binary_path() -> pathlib.Path:
    configured = os.environ.get("SERVICEPLANE_BIN")
    path = pathlib.Path(configured) if configured else DEFAULT_BINARY
    if not path.is_absolute():
        path = REPO_ROOT / path
    return path


class ServerError(RuntimeError):
    pass


class Server:
    """One `serviceplane serve` process plus helpers for raw HTTP against it.

    `restart()` stops the process (SIGTERM, or SIGKILL with kill9=True) and starts a new one on the
    same database; the port is chosen anew (port 0), so always build URLs from `base_url`.
    """

    def __init__(self, binary: pathlib.Path, workdir: pathlib.Path, extra_args: tuple[str, ...] = ()) -> None:
        self.binary = binary
        self.workdir = workdir
        self.db_path = workdir / "db.sqlite"
        self.kubeconfig = workdir / "kubeconfig"
        self.log_path = workdir / "server.log"
        self.extra_args = tuple(extra_args)
        self.proc: subprocess.Popen[bytes] | None = None
        self.base_url = ""
        self.host = ""
        self.port = 0
        #: stdout lines printed after READY (must stay empty: READY is the only stdout line).
        self.extra_stdout: list[str] = []
        self._drain: threading.Thread | None = None
        self.session = requests.Session()

    # -- lifecycle -------------------------------------------------------------------------

    def command(self) -> list[str]:
        return [
            str(self.binary), "serve",
            "--bind-address", "127.0.0.1",
            "--port", "0",
            "--db", str(self.db_path),
            "--kubeconfig-out", str(self.kubeconfig),
            "--log-level", "info",
            *self.extra_args,
        ]

    def start(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            raise ServerError("server already running")
        self.extra_stdout = []
        with open(self.log_path, "ab") as log:
            log.write(f"\n=== start {' '.join(self.command())}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=log,
                start_new_session=True,  # own process group, so teardown can kill exactly what we started
            )
        line = self._read_ready_line()
        match = READY_RE.match(line)
        if not match:
            self.kill()
            raise ServerError(f"first stdout line is not 'READY http://HOST:PORT': {line!r}\n{self.log_tail()}")
        self.base_url, self.host, self.port = match.group(1), match.group(2), int(match.group(3))
        self._drain = threading.Thread(target=self._drain_stdout, daemon=True)
        self._drain.start()

    def _read_ready_line(self) -> str:
        assert self.proc is not None and self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + READY_TIMEOUT
        buffer = b""
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while b"\n" not in buffer:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self.kill()
                    raise ServerError(f"no READY line within {READY_TIMEOUT} s (got {buffer!r})\n{self.log_tail()}")
                if not selector.select(remaining):
                    continue
                chunk = os.read(fd, 4096)
                if not chunk:
                    code = self.proc.wait(timeout=5)
                    raise ServerError(f"server exited with {code} before READY (got {buffer!r})\n{self.log_tail()}")
                buffer += chunk
        line, _, rest = buffer.partition(b"\n")
        if rest.strip():
            self.extra_stdout.extend(rest.decode(errors="replace").splitlines())
        return line.decode(errors="replace").rstrip("\r")

    def _drain_stdout(self) -> None:
        proc = self.proc
        if proc is None or proc.stdout is None:
            return
        for raw in iter(proc.stdout.readline, b""):
            self.extra_stdout.append(raw.decode(errors="replace").rstrip("\n"))

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 5.0) -> int:
        """Sends `sig` and waits up to `timeout` s; returns the exit code. SIGKILLs on timeout and raises."""
        proc = self.proc
        if proc is None:
            raise ServerError("server was never started")
        if proc.poll() is None:
            proc.send_signal(sig)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                raise ServerError(f"server did not exit within {timeout} s of signal {sig}\n{self.log_tail()}")
        self._finish()
        return proc.returncode

    def kill(self) -> None:
        """SIGKILLs the server's process group (only the process this harness started and its children)."""
        proc = self.proc
        if proc is None:
            return
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        self._finish()

    def _finish(self) -> None:
        if self._drain is not None:
            self._drain.join(timeout=2)
            self._drain = None
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()
        self.session.close()
        self.session = requests.Session()

    def restart(self, kill9: bool = False) -> None:
        if kill9:
            self.kill()
        else:
            code = self.stop(signal.SIGTERM)
            if code != 0:
                raise ServerError(f"server exited with {code} on SIGTERM\n{self.log_tail()}")
        self.start()

    def log_tail(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no server log)"
        return "--- server stderr (tail) ---\n" + "\n".join(text.splitlines()[-lines:])

    # -- raw HTTP ----------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return self.base_url + path

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """requests call with a timeout; `json=` bodies are sent as application/json."""
        kwargs.setdefault("timeout", HTTP_TIMEOUT)
        return self.session.request(method, self.url(path), **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        if body is not None:
            kwargs["json"] = body
        return self.request("POST", path, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        if body is not None:
            kwargs["json"] = body
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, body: Any, content_type: str = "application/merge-patch+json",
              **kwargs: Any) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        headers["Content-Type"] = content_type
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        return self.request("PATCH", path, data=data, headers=headers, **kwargs)

    def delete(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        if body is not None:
            kwargs["json"] = body
        return self.request("DELETE", path, **kwargs)

    # -- object helpers (assert success, return the decoded body) --------------------------

    def create(self, collection_path: str, obj: dict, **kwargs: Any) -> dict:
        resp = self.post(collection_path, obj, **kwargs)
        assert resp.status_code == 201, f"create {collection_path}: {resp.status_code} {resp.text}"
        return resp.json()

    def read(self, item_path: str) -> dict:
        resp = self.get(item_path)
        assert resp.status_code == 200, f"get {item_path}: {resp.status_code} {resp.text}"
        return resp.json()

    def list(self, collection_path: str, **params: Any) -> dict:
        resp = self.get(collection_path, params=params or None)
        assert resp.status_code == 200, f"list {collection_path}: {resp.status_code} {resp.text}"
        return resp.json()

    def create_namespace(self, name: str | None = None) -> str:
        name = name or unique_name("ns")
        self.create("/api/v1/namespaces", namespace(name))
        return name


# --------------------------------------------------------------------------------------------
# The official Python client
# --------------------------------------------------------------------------------------------


class KubeClients:
    """`kubernetes` (32.0.1) API objects configured from the server's generated kubeconfig."""

    def __init__(self, kubeconfig: pathlib.Path) -> None:
        from kubernetes import client, config

        configuration = client.Configuration()
        config.load_kube_config(config_file=str(kubeconfig), client_configuration=configuration,
                                persist_config=False)
        self.configuration = configuration
        self.api_client = client.ApiClient(configuration)
        self.core = client.CoreV1Api(self.api_client)
        self.discovery = client.DiscoveryV1Api(self.api_client)

    def close(self) -> None:
        self.api_client.close()


# --------------------------------------------------------------------------------------------
# Object builders and assertions shared by the test files
# --------------------------------------------------------------------------------------------

UID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
RV_RE = re.compile(r"^[1-9][0-9]*$")


def unique_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def namespace(name: str, labels: dict | None = None) -> dict:
    meta: dict = {"name": name}
    if labels:
        meta["labels"] = labels
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": meta}


def service(name: str, labels: dict | None = None, port: int = 80, **metadata: Any) -> dict:
    meta: dict = {"name": name, **metadata}
    if labels is not None:
        meta["labels"] = labels
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta,
        "spec": {"selector": {"app": "web"}, "ports": [{"port": port, "targetPort": 8080}]},
    }


def pod(name: str, labels: dict | None = None, image: str = "nginx:1.27", **metadata: Any) -> dict:
    meta: dict = {"name": name, **metadata}
    if labels is not None:
        meta["labels"] = labels
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": {"containers": [{"name": "c", "image": image}]},
    }


def endpoint_slice(name: str, service_name: str = "web", address: str = "10.244.0.5", **metadata: Any) -> dict:
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {"name": name, "labels": {"kubernetes.io/service-name": service_name}, **metadata},
        "addressType": "IPv4",
        "endpoints": [{"addresses": [address], "conditions": {"ready": True}}],
        "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
    }


def services_path(ns: str, name: str = "") -> str:
    return f"/api/v1/namespaces/{ns}/services" + (f"/{name}" if name else "")


def pods_path(ns: str, name: str = "") -> str:
    return f"/api/v1/namespaces/{ns}/pods" + (f"/{name}" if name else "")


def slices_path(ns: str, name: str = "") -> str:
    return f"/apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices" + (f"/{name}" if name else "")


def namespaces_path(name: str = "") -> str:
    return "/api/v1/namespaces" + (f"/{name}" if name else "")


def rv(obj: dict) -> int:
    """The object's (or list's) resourceVersion as an int; asserts it is a decimal string."""
    value = obj["metadata"]["resourceVersion"]
    assert isinstance(value, str) and RV_RE.match(value), f"resourceVersion {value!r} is not a decimal string"
    return int(value)


def names(list_body: dict) -> list[str]:
    return [item["metadata"]["name"] for item in list_body["items"]]


def assert_status(resp: requests.Response, code: int, reason: str | None, message: str | None = None,
                  details: dict | None = None) -> dict:
    """Asserts a Kubernetes `Status` failure response and returns its body.

    `reason=None` means the reason must be absent (StatusReasonUnknown is ""), `message`/`details`
    are compared exactly when given.
    """
    assert resp.status_code == code, f"expected HTTP {code}, got {resp.status_code}: {resp.text}"
    content_type = resp.headers.get("Content-Type", "")
    assert content_type.split(";")[0].strip() == "application/json", f"Content-Type {content_type!r}: {resp.text}"
    body = resp.json()
    assert body.get("kind") == "Status", body
    assert body.get("apiVersion") == "v1", body
    assert body.get("metadata") == {}, body
    assert body.get("status") == "Failure", body
    assert body.get("code") == code, body
    if reason is None:
        assert "reason" not in body or body["reason"] == "", body
    else:
        assert body.get("reason") == reason, body
    if message is not None:
        assert body.get("message") == message, body
    if details is not None:
        assert body.get("details") == details, body
    return body
