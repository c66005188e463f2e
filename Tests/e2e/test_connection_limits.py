"""Slow and greedy clients: slowloris headers, a trickled body, idle connections, connection limits answered with
429 instead of a hang, a watcher that never reads, and a watcher that leaves while idle. Timeouts are set short by
flags so every test is bounded."""

from __future__ import annotations

import json
import socket
import time

import pytest

from support import running_server, service, services_path, unique_name
from test_metrics import scrape, value

FAST = ("--request-header-timeout", "2", "--request-body-timeout", "2", "--controllers", "")


def connect(server, rcvbuf: int | None = None) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(10)
    sock.connect((server.host, server.port))
    return sock


def closed_by_server(sock: socket.socket, within: float) -> bool:
    """True when the server ends the connection (EOF or reset) within `within` seconds; data is read and dropped."""
    sock.settimeout(0.2)
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if sock.recv(65536) == b"":
                return True
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return True
    return False


def answered_or_closed(sock: socket.socket, within: float) -> bool:
    """True when a request on `sock` is closed at once or answered 429 within `within` seconds: past every overflow
    slot the accept policy closes the connection, but under load libmicrohttpd may accept it before it has counted
    the last overflow connections, and then it is one of them (429). Either way the client is not left hanging."""
    sock.settimeout(within)
    try:
        sock.sendall(HEALTHZ)
        first = sock.recv(64)
    except (BrokenPipeError, ConnectionResetError):
        return True
    except socket.timeout:
        return False
    return first == b"" or first.startswith(b"HTTP/1.1 429")


def response_of(sock: socket.socket, request: bytes) -> tuple[int, dict[str, str], bytes]:
    sock.sendall(request)
    data = b""
    sock.settimeout(10)
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed without a response: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk
        body += chunk
    return int(lines[0].split()[1]), headers, body


HEALTHZ = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"


def held_connection(server) -> socket.socket:
    """A kept-alive connection the server has certainly accepted (it answered a request on it): a bare connect
    returns once the kernel completes the handshake, before libmicrohttpd accepts and counts the connection."""
    sock = connect(server)
    status, _, _ = response_of(sock, HEALTHZ)
    assert status == 200
    return sock


def test_slowloris_headers_are_cut_at_the_header_timeout(tmp_path):
    with running_server(tmp_path, extra_args=FAST) as server:
        sock = connect(server)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        started = time.monotonic()
        closed = False
        try:
            while time.monotonic() - started < 8:
                sock.sendall(b"X")  # one byte at a time: restarts libmicrohttpd's inactivity timer every time
                time.sleep(0.2)
        except (BrokenPipeError, ConnectionResetError):
            closed = True
        closed = closed or closed_by_server(sock, 1)
        assert closed and time.monotonic() - started < 6, "a trickled header kept its connection"
        # Meanwhile and afterwards, ordinary requests are served.
        assert server.get("/healthz").status_code == 200


def test_trickled_body_is_cut_at_the_body_timeout(tmp_path):
    with running_server(tmp_path, extra_args=FAST) as server:
        sock = connect(server)
        body = json.dumps(service(unique_name("slow"))).encode()
        sock.sendall(b"POST " + services_path("default").encode() + b" HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/json\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n")
        started = time.monotonic()
        closed = False
        try:
            for byte in body:
                sock.sendall(bytes([byte]))
                time.sleep(0.2)
                if time.monotonic() - started > 8:
                    break
        except (BrokenPipeError, ConnectionResetError):
            closed = True
        closed = closed or closed_by_server(sock, 1)
        assert closed and time.monotonic() - started < 6, "a trickled body kept its connection"


def test_idle_connections_are_closed_and_do_not_block_others(tmp_path):
    with running_server(tmp_path, extra_args=FAST) as server:
        idle = [connect(server) for _ in range(100)]
        assert server.get("/healthz").status_code == 200
        time.sleep(3.5)
        assert all(closed_by_server(sock, 0.5) for sock in idle)
        assert value(scrape(server), "serviceplane_http_open_connections") <= 2


def test_connections_over_the_limit_get_429_not_a_hang(tmp_path):
    args = ("--max-connections", "20", "--request-header-timeout", "30", "--controllers", "")
    with running_server(tmp_path, extra_args=args) as server:
        held = [held_connection(server) for _ in range(20)]
        extra = connect(server)
        status, headers, body = response_of(extra, HEALTHZ)
        assert status == 429
        assert headers["retry-after"] == "1"
        status_object = json.loads(body)
        assert status_object["kind"] == "Status" and status_object["reason"] == "TooManyRequests"
        assert closed_by_server(extra, 2), "a refused connection stays open"
        # Past the overflow slots new connections are closed at once instead of waiting in the backlog.
        overflow = [connect(server) for _ in range(16)]
        time.sleep(1)  # let libmicrohttpd accept them (see held_connection)
        beyond = connect(server)
        assert answered_or_closed(beyond, within=6), "a connection past every slot hangs"
        for sock in held + overflow:
            sock.close()
        deadline = time.monotonic() + 5
        while True:
            try:
                if server.get("/healthz").status_code == 200:
                    break
            except Exception:
                pass
            assert time.monotonic() < deadline, "the server did not recover after the connections closed"
            time.sleep(0.1)
        assert value(scrape(server), "serviceplane_http_refused_connections_total") >= 1


def test_per_client_connection_limit(tmp_path):
    args = ("--max-connections-per-client", "5", "--controllers", "")
    with running_server(tmp_path, extra_args=args) as server:
        held = [held_connection(server) for _ in range(4)]
        assert server.get("/healthz").status_code == 200  # the test client's own kept-alive connection is the 5th
        status, _, _ = response_of(connect(server), HEALTHZ)
        assert status == 429
        for sock in held:
            sock.close()


@pytest.mark.timeout(120)
@pytest.mark.parametrize("args,megabytes", [
    # No progress for 3 s: libmicrohttpd's inactivity timeout closes it.
    (("--idle-connection-timeout", "3"), 9),
    # No inactivity timeout at all: the 64 MiB bound on a watch's unsent bytes closes it.
    (("--idle-connection-timeout", "0", "--watch-history", "100", "--watch-history-window", "0"), 80),
], ids=["idle-timeout", "64MiB-bound"])
def test_a_watcher_that_never_reads_is_closed_and_memory_stays_bounded(tmp_path, args, megabytes):
    with running_server(tmp_path, extra_args=(*args, "--controllers", "")) as server:
        sock = connect(server, rcvbuf=4096)
        sock.sendall(b"GET " + services_path("default").encode() + b"?watch=1 HTTP/1.1\r\nHost: x\r\n\r\n")
        labels = dict(verb="WATCH", resource="services")
        deadline = time.monotonic() + 5
        while value(scrape(server), "apiserver_longrunning_requests", **labels) != 1:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        blob = "y" * 60_000
        for index in range(megabytes * 1_000_000 // 60_000):  # events the watcher never reads
            name = f"big-{index % 20}"
            assert server.put(services_path("default", name),
                              service(name, annotations={"blob": blob + str(index)})).status_code in (200, 201)
        deadline = time.monotonic() + 20
        while value(scrape(server), "apiserver_longrunning_requests", **labels) != 0:
            assert time.monotonic() < deadline, "a watcher that never reads is still open"
            time.sleep(0.2)
        assert value(scrape(server), "process_resident_memory_bytes") < 400 << 20
        sock.close()


@pytest.mark.timeout(60)
def test_a_watcher_that_leaves_an_idle_watch_is_noticed_without_a_write(tmp_path):
    with running_server(tmp_path, extra_args=("--controllers", "")) as server:
        labels = dict(verb="WATCH", resource="services")
        sock = connect(server)
        sock.sendall(b"GET " + services_path("default").encode() + b"?watch=1 HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.recv(65536)
        assert value(scrape(server), "apiserver_longrunning_requests", **labels) == 1
        sock.close()
        deadline = time.monotonic() + 12  # the sweep peeks at streaming sockets every 5 s
        while value(scrape(server), "apiserver_longrunning_requests", **labels) != 0:
            assert time.monotonic() < deadline, "the departed watcher is still counted"
            time.sleep(0.2)
