"""`GET /metrics`: Prometheus text format read with prometheus_client's own parser, and values that move.

Names and labels follow kube-apiserver (apiserver_request_total, apiserver_request_duration_seconds,
apiserver_longrunning_requests, apiserver_watch_events_total, apiserver_storage_objects), plus serviceplane_*
gauges for what kube-apiserver has no name for (WAL size, compaction runs, connections).
"""

from __future__ import annotations

import time

from prometheus_client.parser import text_string_to_metric_families

from support import open_watch, running_server, service, services_path, unique_name


def scrape(server) -> dict[tuple[str, tuple], float]:
    """Every sample as {(name, sorted labels): value}, parsed by the reference parser (it raises on bad syntax)."""
    resp = server.get("/metrics")
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for family in text_string_to_metric_families(resp.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def types(server) -> dict[str, str]:
    return {family.name: family.type for family in text_string_to_metric_families(server.get("/metrics").text)}


def test_metrics_parse_and_name_what_kube_apiserver_names(server):
    server.get("/api/v1/namespaces/default/services")
    kinds = types(server)
    assert kinds["apiserver_request"] == "counter"  # the parser drops `_total` from a counter family's name
    assert kinds["apiserver_request_duration_seconds"] == "histogram"
    assert kinds["apiserver_storage_objects"] == "gauge"
    for gauge in ("apiserver_storage_size_bytes", "serviceplane_storage_wal_bytes", "process_resident_memory_bytes",
                  "serviceplane_http_open_connections"):
        assert kinds[gauge] == "gauge", gauge
    assert kinds["serviceplane_storage_compactions"] == "counter"


def test_request_counts_and_latency_move_by_verb_resource_and_code(server):
    ns = "default"
    before = scrape(server)
    for index in range(3):
        server.create(services_path(ns), service(unique_name(f"m{index}")))
    name = unique_name("m")
    server.create(services_path(ns), service(name))
    assert server.get(services_path(ns, name)).status_code == 200
    assert server.get(services_path(ns, "missing")).status_code == 404
    assert server.get(services_path(ns)).status_code == 200
    assert server.patch(services_path(ns, name), {"metadata": {"labels": {"a": "b"}}}).status_code == 200
    apply = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "labels": {"c": "d"}}}
    resp = server.patch(services_path(ns, name), apply, content_type="application/apply-patch+yaml",
                        params={"fieldManager": "test", "force": "true"})
    assert resp.status_code == 200, resp.text
    assert server.get(services_path(ns, name) + "/status").status_code == 200
    assert server.delete(services_path(ns, name)).status_code == 200
    after = scrape(server)

    def moved(verb: str, code: str, resource: str = "services", subresource: str = "") -> float:
        labels = dict(verb=verb, resource=resource, subresource=subresource, code=code)
        return value(after, "apiserver_request_total", **labels) - value(before, "apiserver_request_total", **labels)

    assert moved("POST", "201") == 4
    assert moved("GET", "200") == 1
    assert moved("GET", "404") == 1
    assert moved("LIST", "200") == 1
    assert moved("PATCH", "200") == 1
    assert moved("APPLY", "200") == 1
    assert moved("GET", "200", subresource="status") == 1
    assert moved("DELETE", "200") == 1
    # Non-resource requests are counted with an empty resource (the scrape before this one included).
    assert value(after, "apiserver_request_total", verb="GET", resource="", subresource="", code="200") >= 1

    series = dict(verb="POST", resource="services", subresource="")
    count = value(after, "apiserver_request_duration_seconds_count", **series)
    assert count - value(before, "apiserver_request_duration_seconds_count", **series) == 4
    assert value(after, "apiserver_request_duration_seconds_sum", **series) > 0
    assert value(after, "apiserver_request_duration_seconds_bucket", le="+Inf", **series) == count
    assert value(after, "apiserver_request_duration_seconds_bucket", le="60.0", **series) == count


def test_watchers_open_and_events_sent(server):
    ns = "default"
    labels = dict(verb="WATCH", resource="services")
    before = scrape(server)
    watch = open_watch(server, services_path(ns), watch="1", timeoutSeconds="2")
    try:
        watch.take(1)  # the kubernetes Service, as a synthetic ADDED
        during = scrape(server)
        assert value(during, "apiserver_longrunning_requests", **labels) == 1
        server.create(services_path(ns), service(unique_name("w")))
        watch.take(1)
        moved = scrape(server)
        sent = value(moved, "apiserver_watch_events_total", resource="services")
        assert sent - value(before, "apiserver_watch_events_total", resource="services") >= 2
        assert value(moved, "apiserver_request_total", verb="WATCH", resource="services", subresource="",
                     code="200") >= 1
        watch.wait_end(timeout=10)
    finally:
        watch.close()
    deadline = time.monotonic() + 5
    while value(scrape(server), "apiserver_longrunning_requests", **labels) != 0:
        assert time.monotonic() < deadline, "the watch gauge did not go back to 0"
        time.sleep(0.1)


def test_store_size_and_compaction(tmp_path):
    # Keep one event of history so compaction has work the first second after the writes.
    args = ("--watch-history", "1", "--watch-history-window", "0", "--controllers", "")
    with running_server(tmp_path / "srv", extra_args=args) as server:
        before = scrape(server)
        for index in range(20):
            server.create(services_path("default"), service(unique_name(f"c{index}")))
        deadline = time.monotonic() + 10
        while True:
            after = scrape(server)
            if value(after, "serviceplane_storage_compactions_total") > value(before, "serviceplane_storage_compactions_total"):
                break
            assert time.monotonic() < deadline, "no compaction run was counted"
            time.sleep(0.2)
        assert value(after, "serviceplane_storage_compacted_events_total") >= 19
        assert value(after, "apiserver_storage_objects", resource="services") == \
            len(server.list("/api/v1/services").get("items", []))
        assert value(after, "apiserver_storage_objects", resource="namespaces") == 4
        assert value(after, "apiserver_storage_size_bytes") > 0
        assert value(after, "process_resident_memory_bytes") > 1 << 20
        assert value(after, "serviceplane_http_open_connections") >= 1
