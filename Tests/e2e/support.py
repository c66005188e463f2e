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

READY_RE = re.compile(r"^READY (https?://([0-9.]+|\[[0-9a-fA-F:]+\]|localhost):(\d+))$")


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


# --------------------------------------------------------------------------------------------
# Watch streams (raw chunked reader) and servers with extra arguments
# --------------------------------------------------------------------------------------------

import contextlib  # noqa: E402  (appended section; kept next to its users)
import queue  # noqa: E402
import socket  # noqa: E402

#: Seconds a watch socket read may block before the stream counts as broken.
WATCH_READ_TIMEOUT = 20.0
#: Default seconds to wait for one expected watch event.
EVENT_TIMEOUT = 5.0


def event_summary(event: dict) -> tuple[str, str, str]:
    """(type, name, resourceVersion) of a watch event, for readable assertion messages."""
    obj = event.get("object") or {}
    meta = obj.get("metadata") or {}
    return (event.get("type", "?"), meta.get("name", ""), meta.get("resourceVersion", ""))


class WatchStream:
    """One raw watch request: `requests.get(stream=True)` plus a reader thread that splits the chunked body
    into lines and decodes one JSON event per line into a queue.

    Every wait is bounded (`timeout` arguments, and WATCH_READ_TIMEOUT per socket read). The reader records
    whether the body ended cleanly (zero-length chunk: `iter_lines` finishes without an exception) and when.
    `close()` shuts the socket down so the server sees the disconnect even while the reader is blocked.
    """

    def __init__(self, base_url: str, path: str, params: dict | None = None, headers: dict | None = None,
                 read_timeout: float = WATCH_READ_TIMEOUT, start_reader: bool = True) -> None:
        self.path = path
        self.params = dict(params or {})
        self.opened_at = time.monotonic()
        self.response = requests.get(base_url + path, params=self.params, headers=headers, stream=True,
                                     timeout=(HTTP_TIMEOUT, read_timeout))
        self.headers_at = time.monotonic()
        self.status_code = self.response.status_code
        self.headers = self.response.headers
        #: Every event the reader decoded, in arrival order, and the monotonic time each arrived.
        self.received: list[dict] = []
        self.arrival: list[float] = []
        self.blank_lines = 0
        self.ended_at: float | None = None
        #: None after a clean end (terminating chunk); the exception otherwise.
        self.end_error: BaseException | None = None
        self._queue: queue.Queue = queue.Queue()
        self._reader: threading.Thread | None = None
        self._sock = self._find_socket()
        self.body = ""
        if self.status_code != 200:
            self.body = self.response.text
        elif start_reader:
            self.start_reader()

    # -- plumbing -----------------------------------------------------------------------------

    def _find_socket(self) -> socket.socket | None:
        raw = self.response.raw
        sock = getattr(getattr(raw, "_connection", None), "sock", None)
        if sock is None:
            fp = getattr(getattr(raw, "_fp", None), "fp", None)
            sock = getattr(getattr(fp, "raw", None), "_sock", None)
        return sock

    def start_reader(self) -> None:
        if self._reader is None:
            self._reader = threading.Thread(target=self._read, daemon=True)
            self._reader.start()

    def _read(self) -> None:
        try:
            for line in self.response.iter_lines(chunk_size=65536):
                now = time.monotonic()
                if not line:
                    self.blank_lines += 1
                    continue
                try:
                    event = json.loads(line)
                except ValueError:
                    self._queue.put(("bad", line[:300], now))
                    continue
                self.received.append(event)
                self.arrival.append(now)
                self._queue.put(("event", event, now))
            self.end_error = None
        except BaseException as exc:  # noqa: BLE001 - recorded for the test to judge
            self.end_error = exc
        finally:
            self.ended_at = time.monotonic()
            self._queue.put(("end", None, self.ended_at))

    def describe(self) -> str:
        query = "&".join(f"{k}={v}" for k, v in self.params.items())
        recent = [event_summary(e) for e in self.received[-8:]]
        return f"watch {self.path}?{query} (received {len(self.received)} events, last {recent})"

    def end_description(self) -> str:
        if self.ended_at is None:
            return "still open"
        how = "cleanly" if self.end_error is None else f"with {type(self.end_error).__name__}: {self.end_error}"
        return f"ended {how} after {self.ended_at - self.opened_at:.2f} s"

    def _get(self, timeout: float) -> tuple:
        try:
            item = self._queue.get(timeout=max(timeout, 0))
        except queue.Empty:
            raise AssertionError(f"no watch event within {timeout:.1f} s on {self.describe()}") from None
        if item[0] == "bad":
            raise AssertionError(f"watch line is not one JSON object: {item[1]!r} on {self.describe()}")
        if item[0] == "end":
            self._queue.put(item)  # later calls see the end too
        return item

    # -- reading ------------------------------------------------------------------------------

    def next_event(self, timeout: float = EVENT_TIMEOUT) -> dict:
        """The next event; fails if none arrives within `timeout` or the stream ends first."""
        kind, payload, _ = self._get(timeout)
        if kind == "end":
            raise AssertionError(f"watch stream {self.end_description()} while an event was expected: {self.describe()}")
        assert isinstance(payload, dict) and set(payload) == {"type", "object"}, \
            f"watch event must be exactly {{type, object}}: {str(payload)[:300]}"
        return payload

    def take(self, count: int, timeout: float = EVENT_TIMEOUT) -> list[dict]:
        """Exactly the next `count` events, all within `timeout` seconds in total."""
        deadline = time.monotonic() + timeout
        events = []
        for _ in range(count):
            try:
                events.append(self.next_event(deadline - time.monotonic()))
            except AssertionError as exc:
                raise AssertionError(f"got {len(events)} of {count} events: {exc}") from None
        return events

    def assert_quiet(self, seconds: float) -> None:
        """Fails if any event (or the end of the stream) arrives within `seconds`."""
        try:
            kind, payload, _ = self._get(seconds)
        except AssertionError as exc:
            if "no watch event within" in str(exc):
                return
            raise
        if kind == "end":
            raise AssertionError(f"watch stream {self.end_description()} while it should have stayed open: {self.describe()}")
        raise AssertionError(f"unexpected watch event {event_summary(payload)}: {json.dumps(payload)[:400]}")

    def wait_end(self, timeout: float) -> list[dict]:
        """Events received until the stream ends, which must happen cleanly within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        events = []
        while True:
            remaining = deadline - time.monotonic()
            try:
                kind, payload, _ = self._get(remaining)
            except AssertionError as exc:
                if "no watch event within" in str(exc):
                    raise AssertionError(f"watch stream did not end within {timeout} s: {self.describe()}") from None
                raise
            if kind == "end":
                assert self.end_error is None, f"watch stream did not end cleanly: {self.end_description()}"
                return events
            events.append(payload)

    # -- closing ------------------------------------------------------------------------------

    def close(self) -> None:
        """Disconnects: shuts the socket down (wakes a blocked reader), then closes the response."""
        if self._sock is not None:
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._reader is not None:
            self._reader.join(timeout=5)
        self.response.close()

    def __enter__(self) -> "WatchStream":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def open_watch(server: "Server", path: str, **params: Any) -> WatchStream:
    """A raw watch on `path` of `server`; pass `watch="1"` yourself unless the path is a legacy /watch/ path."""
    return WatchStream(server.base_url, path, params)


@contextlib.contextmanager
def running_server(workdir: pathlib.Path, extra_args: tuple[str, ...] = (), simulate_pods: bool = False):
    """A Server started with extra command-line arguments, cleaned up like conftest's `server` fixture.

    Like that fixture it runs without the pod simulator unless `simulate_pods` is set.
    """
    if not simulate_pods:
        extra_args = ("--simulate-pods", "false", *extra_args)
    binary = binary_path()
    if not binary.is_file() or not os.access(binary, os.X_OK):
        raise ServerError(f"serviceplane binary not found at {binary}: run `make build` or set SERVICEPLANE_BIN")
    workdir.mkdir(parents=True, exist_ok=True)
    srv = Server(binary, workdir, extra_args=extra_args)
    try:
        srv.start()
        yield srv
    finally:
        try:
            srv.kill()
        finally:
            print(srv.log_tail())
