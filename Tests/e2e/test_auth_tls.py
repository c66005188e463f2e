"""Authentication and transport (issue 8 item 5): loopback by default, bearer tokens from a kube-apiserver
token CSV, the read-only authorization mode, HTTPS from certificate files or a self-signed CA, and the audit log.

Each test starts its own server with the flags it needs (support.running_server); certificates for
--tls-cert-file are made with openssl in the test. kubectl tests are skipped only when kubectl is absent.
"""

from __future__ import annotations

import base64
import json
import os
import pathlib
import shutil
import signal
import socket
import ssl
import subprocess
import time

import pytest
import requests
import yaml

from support import (
    Server, WatchStream, assert_status, binary_path, namespace, namespaces_path, running_server, service,
    services_path, unique_name,
)

KUBECTL = shutil.which("kubectl") or ("/usr/bin/kubectl" if os.access("/usr/bin/kubectl", os.X_OK) else None)
OPENSSL = shutil.which("openssl")
needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")

ADMIN_TOKEN = "admin-0123456789abcdef"
VIEWER_TOKEN = "viewer-0123456789abcdef"
TOKEN_FILE = (
    f'{ADMIN_TOKEN},admin,uid-1,"system:masters,developers"\n'
    "\n"
    f'{VIEWER_TOKEN},viewer,uid-2,"serviceplane:read-only"\n'
)
UNAUTHORIZED = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": "Unauthorized", "reason": "Unauthorized", "code": 401}
HEALTH_PATHS = ["/healthz", "/livez", "/readyz", "/version"]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def token_args(tmp_path: pathlib.Path, *extra: str) -> tuple[str, ...]:
    path = tmp_path / "tokens.csv"
    path.write_text(TOKEN_FILE)
    return ("--token-auth-file", str(path), *extra)


def kubeconfig_ca(kubeconfig: pathlib.Path, dest: pathlib.Path) -> pathlib.Path:
    """Writes the kubeconfig's certificate-authority-data to `dest` (PEM) and returns it."""
    config = yaml.safe_load(kubeconfig.read_text())
    dest.write_bytes(base64.b64decode(config["clusters"][0]["cluster"]["certificate-authority-data"]))
    return dest


def trust(srv: Server, ca: pathlib.Path) -> None:
    """Makes the server's requests session verify against `ca` only (REQUESTS_CA_BUNDLE would override it)."""
    srv.session.trust_env = False
    srv.session.verify = str(ca)


def run_kubectl(kubeconfig: pathlib.Path, tmp_path: pathlib.Path, *args: str) -> subprocess.CompletedProcess:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
    env["HOME"] = str(home)
    cmd = [KUBECTL, "--kubeconfig", str(kubeconfig), "--cache-dir", str(tmp_path / "kube-cache"),
           "--request-timeout=20s", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=30, env=env, stdin=subprocess.DEVNULL)


# ---------------------------------------------------------------------------------------------------------
# Bind address
# ---------------------------------------------------------------------------------------------------------


class DefaultBindServer(Server):
    """A server started without --bind-address, to see the default."""

    def command(self) -> list[str]:
        return [str(self.binary), "serve", "--port", "0", "--db", str(self.db_path),
                "--kubeconfig-out", str(self.kubeconfig), "--simulate-pods", "false"]


def listening_addresses(port: int) -> set[str]:
    """Local addresses (hex, as /proc/net/tcp{,6} print them) of sockets listening on `port`."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = pathlib.Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            address, hex_port = fields[1].split(":")
            if int(hex_port, 16) == port and fields[3] == "0A":  # 0A = TCP_LISTEN
                found.add(address)
    return found


def test_default_bind_address_is_loopback_only(tmp_path):
    srv = DefaultBindServer(binary_path(), tmp_path)
    try:
        srv.start()
        assert srv.host == "127.0.0.1", srv.base_url
        assert listening_addresses(srv.port) == {"0100007F"}  # 127.0.0.1 only, no 0.0.0.0 or ::
        assert srv.get("/healthz").text == "ok"
    finally:
        srv.kill()


# ---------------------------------------------------------------------------------------------------------
# Authentication
# ---------------------------------------------------------------------------------------------------------


def test_requests_without_a_valid_token_get_401_status(tmp_path):
    with running_server(tmp_path, token_args(tmp_path)) as srv:
        for headers in ({}, bearer("not-a-token"), {"Authorization": "Basic YWRtaW46YWRtaW4="}, bearer("")):
            for method, path in [("GET", "/api/v1/namespaces"), ("GET", "/api"), ("GET", "/openapi/v3"),
                                 ("POST", "/api/v1/namespaces"), ("DELETE", "/api/v1/namespaces/default"),
                                 ("GET", "/api/v1/namespaces/default/widgets")]:
                resp = srv.request(method, path, headers=headers, json={} if method == "POST" else None)
                body = assert_status(resp, 401, "Unauthorized", "Unauthorized")
                assert body == UNAUTHORIZED
        # The namespace was not deleted by the rejected request.
        resp = srv.get("/api/v1/namespaces/default", headers=bearer(ADMIN_TOKEN))
        assert resp.status_code == 200, resp.text
        assert srv.get("/api/v1/namespaces", headers=bearer(ADMIN_TOKEN)).status_code == 200
        assert srv.get("/api/v1/namespaces", headers={"Authorization": f"bearer {VIEWER_TOKEN}"}).status_code == 200


def test_metrics_need_a_token_when_token_auth_is_on(tmp_path):
    with running_server(tmp_path, token_args(tmp_path)) as srv:
        assert_status(srv.get("/metrics"), 401, "Unauthorized", "Unauthorized")
        for token in (ADMIN_TOKEN, VIEWER_TOKEN):  # scraping is a read, so read-only tokens may
            resp = srv.get("/metrics", headers=bearer(token))
            assert resp.status_code == 200, resp.text
            assert "apiserver_request_total" in resp.text


def test_watches_need_a_token_too(tmp_path):
    with running_server(tmp_path, token_args(tmp_path)) as srv:
        anonymous = WatchStream(srv.base_url, "/api/v1/namespaces", {"watch": "1"})
        try:
            assert anonymous.status_code == 401
            assert json.loads(anonymous.body) == UNAUTHORIZED
        finally:
            anonymous.close()
        legacy = requests.get(srv.url("/api/v1/watch/namespaces"), timeout=10)
        assert legacy.status_code == 401 and legacy.json() == UNAUTHORIZED
        with WatchStream(srv.base_url, "/api/v1/namespaces", {"watch": "1"}, headers=bearer(VIEWER_TOKEN)) as watch:
            assert watch.status_code == 200
            first = watch.take(4)
            assert {e["object"]["metadata"]["name"] for e in first} >= {"default", "kube-system"}
            name = unique_name("ns")
            srv.create("/api/v1/namespaces", namespace(name), headers=bearer(ADMIN_TOKEN))
            event = watch.next_event()
            assert (event["type"], event["object"]["metadata"]["name"]) == ("ADDED", name)


@pytest.mark.parametrize("path", HEALTH_PATHS)
def test_health_and_version_are_anonymous_by_default(tmp_path, path):
    with running_server(tmp_path, token_args(tmp_path)) as srv:
        assert srv.get(path).status_code == 200
        assert srv.get(path, headers=bearer(ADMIN_TOKEN)).status_code == 200
        # A token that is not in the file is refused even here, as kube-apiserver does.
        assert_status(srv.get(path, headers=bearer("wrong")), 401, "Unauthorized", "Unauthorized")


def test_anonymous_health_false_closes_health_endpoints(tmp_path):
    with running_server(tmp_path, token_args(tmp_path, "--anonymous-health=false")) as srv:
        for path in HEALTH_PATHS:
            assert srv.get(path).json() == UNAUTHORIZED
            assert srv.get(path).status_code == 401
            assert srv.get(path, headers=bearer(VIEWER_TOKEN)).status_code == 200


def test_bad_token_file_stops_startup_with_the_csv_error(tmp_path):
    path = tmp_path / "tokens.csv"
    path.write_text('t1,alice\n')
    proc = subprocess.run([str(binary_path()), "serve", "--port", "0", "--db", ":memory:", "--kubeconfig-out", "",
                           "--token-auth-file", str(path)], capture_output=True, text=True, timeout=20)
    assert proc.returncode != 0
    assert proc.stdout == ""
    assert "must have at least 3 columns (token, user name, user uid), found 2" in proc.stderr


# ---------------------------------------------------------------------------------------------------------
# Read-only authorization
# ---------------------------------------------------------------------------------------------------------


def forbidden(verb: str, resource: str, ns: str, name: str = "", kind: str | None = None) -> str:
    subject = f'{kind or resource} "{name}"' if name else (kind or resource)
    scope = f'in the namespace "{ns}"' if ns else "at the cluster scope"
    return f'{subject} is forbidden: User "viewer" cannot {verb} resource "{resource}" in API group "" {scope}'


def write(srv: Server, method: str, path: str, body: dict | None, token: dict) -> requests.Response:
    """Sends a write with `token`'s headers: a JSON body (a merge patch for PATCH), or none."""
    headers = dict(token)
    data = None
    if body is not None:
        headers["Content-Type"] = "application/merge-patch+json" if method == "PATCH" else "application/json"
        data = json.dumps(body)
    return srv.request(method, path, data=data, headers=headers)


def test_read_only_tokens_get_403_on_every_write(tmp_path):
    with running_server(tmp_path, token_args(tmp_path)) as srv:
        admin, viewer = bearer(ADMIN_TOKEN), bearer(VIEWER_TOKEN)
        srv.create(services_path("default"), service("web"), headers=admin)
        before = srv.get(services_path("default", "web"), headers=viewer).json()
        cases = [
            ("POST", services_path("default"), service("other"), "create", "services", "default", ""),
            ("PUT", services_path("default", "web"), before, "update", "services", "default", "web"),
            ("PATCH", services_path("default", "web"), {"metadata": {"labels": {"a": "b"}}}, "patch", "services",
             "default", "web"),
            ("DELETE", services_path("default", "web"), None, "delete", "services", "default", "web"),
            ("DELETE", services_path("default"), None, "deletecollection", "services", "default", ""),
            ("PUT", services_path("default", "web") + "/status", before, "update", "services/status", "default", "web"),
            ("POST", "/api/v1/namespaces", namespace("nope"), "create", "namespaces", "", ""),
            ("DELETE", "/api/v1/namespaces/default", None, "delete", "namespaces", "default", "default"),
        ]
        for method, path, body, verb, resource, ns, name in cases:
            resp = write(srv, method, path, body, viewer)
            base = resource.split("/")[0]
            details = {"kind": base, **({"name": name} if name else {})}
            assert_status(resp, 403, "Forbidden", forbidden(verb, resource, ns, name, kind=base), details)
        # Reads work and nothing changed.
        after = srv.get(services_path("default", "web"), headers=viewer).json()
        assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
        listed = srv.get(services_path("default"), headers=viewer).json()["items"]
        assert sorted(s["metadata"]["name"] for s in listed) == ["kubernetes", "web"]
        # The same requests from a writer succeed.
        resp = srv.patch(services_path("default", "web"), {"metadata": {"labels": {"a": "b"}}}, headers=admin)
        assert resp.status_code == 200, resp.text


def test_watch_paths_serve_only_get_so_read_only_tokens_cannot_write_through_them(tmp_path):
    # A /watch/ path authorizes as "watch" (as upstream's RequestInfo does), so it must not serve writes.
    with running_server(tmp_path, token_args(tmp_path)) as srv:
        admin, viewer = bearer(ADMIN_TOKEN), bearer(VIEWER_TOKEN)
        srv.create(services_path("default"), service("web"), headers=admin)
        before = srv.get(services_path("default", "web"), headers=viewer).json()
        item = "/api/v1/watch/namespaces/default/services/web"
        collection = "/api/v1/watch/namespaces/default/services"
        cases = [("PUT", item, before), ("PATCH", item, {"metadata": {"labels": {"a": "b"}}}), ("DELETE", item, None),
                 ("POST", collection, service("other")), ("DELETE", collection, None)]
        for token in (viewer, admin):
            for method, path, body in cases:
                assert_status(write(srv, method, path, body, token), 405, "MethodNotAllowed")
        resp = srv.request("GET", item + "/status", headers=admin)
        assert resp.status_code == 404, resp.text
        after = srv.get(services_path("default", "web"), headers=viewer).json()
        assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
        listed = srv.get(services_path("default"), headers=viewer).json()["items"]
        assert sorted(s["metadata"]["name"] for s in listed) == ["kubernetes", "web"]


def test_read_only_token_through_the_python_client(tmp_path):
    from kubernetes import client
    from kubernetes.client.rest import ApiException

    with running_server(tmp_path, token_args(tmp_path)) as srv:
        configuration = client.Configuration()
        configuration.host = srv.base_url
        configuration.api_key = {"authorization": VIEWER_TOKEN}
        configuration.api_key_prefix = {"authorization": "Bearer"}
        with client.ApiClient(configuration) as api_client:
            core = client.CoreV1Api(api_client)
            assert "default" in [n.metadata.name for n in core.list_namespace().items]
            with pytest.raises(ApiException) as raised:
                core.create_namespaced_service("default", service("web"))
            assert raised.value.status == 403
            assert json.loads(raised.value.body)["message"] == forbidden("create", "services", "default")


# ---------------------------------------------------------------------------------------------------------
# TLS
# ---------------------------------------------------------------------------------------------------------


def make_certificates(directory: pathlib.Path) -> tuple[pathlib.Path, pathlib.Path, pathlib.Path]:
    """An openssl CA and a serving certificate for 127.0.0.1/localhost it signed: (ca, cert, key)."""
    ca_key, ca, key, csr, cert = (directory / n for n in ("ca.key", "ca.crt", "tls.key", "tls.csr", "tls.crt"))
    ext = directory / "ext.cnf"
    ext.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
    steps = [
        ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", str(ca_key),
         "-out", str(ca), "-days", "2", "-subj", "/CN=test-ca"],
        ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr), "-subj", "/CN=serviceplane"],
        ["x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key), "-CAcreateserial", "-out", str(cert),
         "-days", "2", "-extfile", str(ext)],
    ]
    for step in steps:
        subprocess.run([OPENSSL, *step], check=True, capture_output=True, timeout=60)
    return ca, cert, key


@pytest.mark.skipif(OPENSSL is None, reason="openssl is not installed")
def test_tls_with_certificate_files(tmp_path):
    ca, cert, key = make_certificates(tmp_path)
    chain = tmp_path / "chain.crt"
    chain.write_text(cert.read_text() + ca.read_text())
    with running_server(tmp_path, ("--tls-cert-file", str(chain), "--tls-private-key-file", str(key))) as srv:
        assert srv.base_url.startswith("https://127.0.0.1:"), srv.base_url
        trust(srv, ca)
        assert srv.get("/version").json()["major"] == "1"
        assert srv.create_namespace("tls-ns") == "tls-ns"
        # The certificate served is the one given.
        pem = ssl.get_server_certificate(("127.0.0.1", srv.port))
        assert ssl.PEM_cert_to_DER_cert(pem) == ssl.PEM_cert_to_DER_cert(cert.read_text())
        # Plain HTTP on the TLS port gets no HTTP answer.
        with pytest.raises(requests.exceptions.RequestException):
            requests.get(f"http://127.0.0.1:{srv.port}/version", timeout=5)
        # Clients that do not trust the CA refuse the connection.
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(srv.url("/version"), timeout=5)
        # curl with the CA, as a user would.
        out = subprocess.run(["curl", "-sS", "--cacert", str(ca), srv.url("/api/v1/namespaces/tls-ns")],
                             capture_output=True, text=True, timeout=20)
        assert json.loads(out.stdout)["metadata"]["name"] == "tls-ns", out.stderr
        # The kubeconfig trusts the chain file and carries a placeholder token (without one kubectl would prompt
        # for a username on an HTTPS server); the Python client and kubectl work from it alone.
        config = yaml.safe_load(srv.kubeconfig.read_text())
        assert base64.b64decode(config["clusters"][0]["cluster"]["certificate-authority-data"]).decode() == chain.read_text()
        from kubernetes import client, config as kube_config
        configuration = client.Configuration()
        kube_config.load_kube_config(config_file=str(srv.kubeconfig), client_configuration=configuration,
                                     persist_config=False)
        with client.ApiClient(configuration) as api_client:
            assert client.CoreV1Api(api_client).read_namespace("tls-ns").metadata.name == "tls-ns"
        if KUBECTL is not None:
            proc = run_kubectl(srv.kubeconfig, tmp_path, "get", "ns", "tls-ns", "-o", "name")
            assert (proc.returncode, proc.stdout.strip()) == (0, "namespace/tls-ns"), proc.stderr


@pytest.mark.skipif(OPENSSL is None, reason="openssl is not installed")
def test_unusable_tls_files_stop_startup_with_a_clear_error(tmp_path):
    ca, cert, key = make_certificates(tmp_path)
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate\n")
    for cert_file, key_file in [(garbage, key), (cert, tmp_path / "ca.key"), (cert, tmp_path / "missing.key")]:
        proc = subprocess.run([str(binary_path()), "serve", "--port", "0", "--db", ":memory:", "--kubeconfig-out", "",
                               "--tls-cert-file", str(cert_file), "--tls-private-key-file", str(key_file)],
                              capture_output=True, text=True, timeout=20)
        assert proc.returncode != 0 and proc.stdout == "", proc
        assert ("the TLS certificate and key cannot be used" in proc.stderr
                or "--tls-private-key-file: cannot read" in proc.stderr), proc.stderr


def test_tls_self_signed_writes_a_trusting_kubeconfig(tmp_path):
    with running_server(tmp_path, token_args(tmp_path, "--tls-self-signed")) as srv:
        assert srv.base_url.startswith("https://"), srv.base_url
        config = yaml.safe_load(srv.kubeconfig.read_text())
        assert config["clusters"][0]["cluster"]["server"] == srv.base_url
        # The kubeconfig carries the first token whose user is not read-only.
        assert config["users"][0]["user"] == {"token": ADMIN_TOKEN}
        assert srv.kubeconfig.stat().st_mode & 0o077 == 0
        ca = kubeconfig_ca(srv.kubeconfig, tmp_path / "ca.pem")
        trust(srv, ca)
        assert srv.get("/healthz").text == "ok"
        assert srv.get("/api/v1/namespaces").status_code == 401
        assert srv.get("/api/v1/namespaces", headers=bearer(ADMIN_TOKEN)).status_code == 200
        # The serving certificate names 127.0.0.1 and localhost.
        context = ssl.create_default_context(cafile=str(ca))
        for host in ("127.0.0.1", "localhost"):
            with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as raw:
                with context.wrap_socket(raw, server_hostname=host) as tls:
                    assert tls.version() in ("TLSv1.2", "TLSv1.3")
        # The official Python client works from the kubeconfig alone, watch included.
        from kubernetes import client, config as kube_config, watch
        configuration = client.Configuration()
        kube_config.load_kube_config(config_file=str(srv.kubeconfig), client_configuration=configuration,
                                     persist_config=False)
        with client.ApiClient(configuration) as api_client:
            core = client.CoreV1Api(api_client)
            core.create_namespace(namespace("from-python"))
            stream = watch.Watch().stream(core.list_namespace, timeout_seconds=5, _request_timeout=10)
            names = set()
            for event in stream:
                names.add(event["object"].metadata.name)
                if "from-python" in names:
                    break
            assert "from-python" in names


@needs_kubectl
def test_kubectl_over_self_signed_tls_with_no_flags(tmp_path):
    with running_server(tmp_path, token_args(tmp_path, "--tls-self-signed")) as srv:
        proc = run_kubectl(srv.kubeconfig, tmp_path, "get", "ns", "-o", "name")
        assert proc.returncode == 0, proc.stderr
        assert "namespace/default" in proc.stdout.split()
        proc = run_kubectl(srv.kubeconfig, tmp_path, "create", "namespace", "made-by-kubectl")
        assert proc.returncode == 0, proc.stderr
        proc = run_kubectl(srv.kubeconfig, tmp_path, "--token", VIEWER_TOKEN, "delete", "namespace", "made-by-kubectl")
        assert proc.returncode != 0
        assert ('Error from server (Forbidden): namespaces "made-by-kubectl" is forbidden: User "viewer" cannot '
                'delete resource "namespaces" in API group "" in the namespace "made-by-kubectl"') in proc.stderr
        proc = run_kubectl(srv.kubeconfig, tmp_path, "--token", "wrong", "get", "ns")
        assert proc.returncode != 0
        assert "Unauthorized" in proc.stderr


@needs_kubectl
def test_kubectl_over_self_signed_tls_without_tokens(tmp_path):
    with running_server(tmp_path, ("--tls-self-signed",)) as srv:
        config = yaml.safe_load(srv.kubeconfig.read_text())
        assert config["users"][0]["user"] == {"token": "serviceplane-unauthenticated"}
        proc = run_kubectl(srv.kubeconfig, tmp_path, "create", "namespace", "no-auth")
        assert proc.returncode == 0, proc.stderr
        assert "Username" not in proc.stderr + proc.stdout


# ---------------------------------------------------------------------------------------------------------
# Audit log
# ---------------------------------------------------------------------------------------------------------


def test_audit_log_has_one_json_line_per_request(tmp_path):
    audit = tmp_path / "audit.log"
    with running_server(tmp_path, token_args(tmp_path, "--audit-log", str(audit))) as srv:
        admin, viewer = bearer(ADMIN_TOKEN), bearer(VIEWER_TOKEN)
        srv.get("/api/v1/namespaces")  # 401
        srv.create(services_path("default"), service("web"), headers=admin)
        srv.get(services_path("default", "web"), headers=viewer)
        srv.get(services_path("default"), headers=viewer)
        srv.patch(services_path("default", "web"), {"metadata": {"labels": {"x": "y"}}}, headers=viewer)  # 403
        srv.delete(services_path("default", "web"), headers=admin)
        srv.get("/healthz")
        with WatchStream(srv.base_url, services_path("default"), {"watch": "1", "timeoutSeconds": "1"},
                         headers=admin) as stream:
            stream.wait_end(10)
        srv.stop(signal.SIGTERM)  # drains the log
        lines = audit.read_text().splitlines()
    entries = [json.loads(line) for line in lines]
    for entry in entries:
        assert set(entry) >= {"timestamp", "user", "verb", "resource", "namespace", "name", "code", "latencySeconds"}
        assert entry["timestamp"].endswith("Z") and "T" in entry["timestamp"]
        assert isinstance(entry["latencySeconds"], (int, float)) and 0 <= entry["latencySeconds"] < 10
    summary = [(e["user"], e["verb"], e["resource"], e["namespace"], e["name"], e["code"]) for e in entries]
    assert summary == [
        ("", "list", "namespaces", "", "", 401),
        ("admin", "create", "services", "default", "", 201),
        ("viewer", "get", "services", "default", "web", 200),
        ("viewer", "list", "services", "default", "", 200),
        ("viewer", "patch", "services", "default", "web", 403),
        ("admin", "delete", "services", "default", "web", 200),
        ("system:anonymous", "get", "", "", "", 200),
        ("admin", "watch", "services", "default", "", 200),
    ], summary
    assert entries[6]["requestURI"] == "/healthz"
    assert [e["timestamp"] for e in entries] == sorted(e["timestamp"] for e in entries)
