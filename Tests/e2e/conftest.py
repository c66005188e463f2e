"""pytest fixtures for the end-to-end tests; the machinery lives in support.py.

* `server`: a fresh `serviceplane serve --port 0` with its own SQLite file (see support.Server),
  always killed at teardown; its stderr tail is printed so failing tests show it.
* `kube`: the official `kubernetes` 32.0.1 client configured from the server's kubeconfig.
* every test is bounded by SIGALRM (default support.DEFAULT_TEST_TIMEOUT s, `@pytest.mark.timeout(n)`).
"""

from __future__ import annotations

import os
import pathlib
import signal
from typing import Any, Iterator

import pytest

from support import DEFAULT_TEST_TIMEOUT, KubeClients, Server, TimeLimitExceeded, binary_path


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "timeout(seconds): wall-clock limit for one test (SIGALRM)")


@pytest.fixture(autouse=True)
def _time_limit(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fails the test if it runs longer than its limit; autouse fixtures run first, so setup is covered too."""
    marker = request.node.get_closest_marker("timeout")
    seconds = int(marker.args[0]) if marker and marker.args else DEFAULT_TEST_TIMEOUT

    def on_alarm(signum: int, frame: Any) -> None:
        raise TimeLimitExceeded(f"test exceeded its time limit of {seconds} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def server(tmp_path: pathlib.Path) -> Iterator[Server]:
    """A fresh serviceplane on 127.0.0.1:<random port> with its own database; killed at teardown.

    It runs without the pod simulator, so these tests see the API server's own semantics (a Pod stays
    unscheduled and Pending, and deleting it is immediate); tests of the controllers use `running_server`
    or the `simulated_server` fixture, which run the default configuration.
    """
    binary = binary_path()
    if not binary.is_file() or not os.access(binary, os.X_OK):
        pytest.fail(f"serviceplane binary not found at {binary}: run `make build` or set SERVICEPLANE_BIN")
    srv = Server(binary, tmp_path, extra_args=("--simulate-pods", "false"))
    try:
        srv.start()
        yield srv
    finally:
        try:
            srv.kill()
        finally:
            # Shown by pytest only for failing tests ("Captured stdout teardown").
            print(srv.log_tail())


@pytest.fixture
def kube(server: Server) -> Iterator[KubeClients]:
    clients = KubeClients(server.kubeconfig)
    try:
        yield clients
    finally:
        clients.close()




@pytest.fixture
def simulated_server(tmp_path: pathlib.Path) -> Iterator[Server]:
    """A fresh serviceplane in its default configuration: every controller, the pod simulator included."""
    binary = binary_path()
    if not binary.is_file() or not os.access(binary, os.X_OK):
        pytest.fail(f"serviceplane binary not found at {binary}: run `make build` or set SERVICEPLANE_BIN")
    srv = Server(binary, tmp_path)
    try:
        srv.start()
        yield srv
    finally:
        try:
            srv.kill()
        finally:
            print(srv.log_tail())
