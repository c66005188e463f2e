#!/usr/bin/env python3
"""Checks the Services the Service-creation benchmark (issue 4) created: lists them and verifies the allocation.

    verify_services.py URL NAMESPACE PREFIX EXPECTED CIDR NODE_PORT_RANGE

Lists every Service in the cluster (GET /api/v1/services, paginated), takes those in NAMESPACE named PREFIX-<i>
plus the `kubernetes` Service in `default`, and checks: EXPECTED of them exist; every cluster IP is set, distinct
(the kubernetes Service's included), inside CIDR and neither its network nor its broadcast address; every
nodePort of the NodePort/LoadBalancer ones set, distinct and inside NODE_PORT_RANGE ("30000-32767"). Prints
"key value" lines (services_listed, services_expected, cluster_ips_distinct, cluster_ip_duplicates,
cluster_ip_out_of_range, cluster_ip_missing, node_ports, node_port_duplicates, node_port_out_of_range,
node_port_missing, verified 1|0) and, on stderr, the first few problems. Standard library only; exit status 0 if it
could list (whatever it found), 1 if not.
"""
import ipaddress
import json
import sys
import urllib.parse
import urllib.request

TIMEOUT_S = 60


def list_all(url):
    items, cont = [], ""
    for _ in range(10000):  # pages
        q = {"limit": "500"}
        if cont:
            q["continue"] = cont
        with urllib.request.urlopen(f"{url}/api/v1/services?{urllib.parse.urlencode(q)}", timeout=TIMEOUT_S) as r:
            page = json.load(r)
        items.extend(page.get("items") or [])
        cont = (page.get("metadata") or {}).get("continue") or ""
        if not cont:
            return items
    raise RuntimeError("more than 10000 pages")


def main():
    if len(sys.argv) != 7:
        print(__doc__, file=sys.stderr)
        return 2
    url, ns, prefix, expected, cidr, npr = sys.argv[1:]
    expected = int(expected)
    net = ipaddress.ip_network(cidr)
    np_lo, np_hi = (int(x) for x in npr.split("-"))
    try:
        items = list_all(url)
    except Exception as e:  # noqa: BLE001 - reported, not raised
        print(f"verify_services: listing services: {e}", file=sys.stderr)
        return 1

    def ours(s):
        m = s.get("metadata") or {}
        if m.get("namespace") == "default" and m.get("name") == "kubernetes":
            return True
        name = m.get("name", "")
        return m.get("namespace") == ns and name.startswith(prefix + "-") and name[len(prefix) + 1:].isdigit()

    svcs = [s for s in items if ours(s)]
    bench = [s for s in svcs if s["metadata"]["namespace"] == ns]
    problems = []
    ip_owner, dup_ip, out_ip, miss_ip = {}, 0, 0, 0
    port_owner, dup_port, out_port, miss_port, nports = {}, 0, 0, 0, 0
    for s in svcs:
        who = f'{s["metadata"]["namespace"]}/{s["metadata"]["name"]}'
        spec = s.get("spec") or {}
        ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
        if not ips or ips[0] != spec.get("clusterIP"):
            miss_ip += 1
            problems.append(f"{who}: clusterIP {spec.get('clusterIP')!r} clusterIPs {spec.get('clusterIPs')!r}")
        for ip in ips:
            try:
                a = ipaddress.ip_address(ip)
            except ValueError:
                miss_ip += 1
                problems.append(f"{who}: bad clusterIP {ip!r}")
                continue
            if a.version == net.version:
                if a not in net or a == net.network_address or (net.version == 4 and a == net.broadcast_address):
                    out_ip += 1
                    problems.append(f"{who}: clusterIP {ip} outside {cidr} or network/broadcast")
            if ip in ip_owner:
                dup_ip += 1
                problems.append(f"{who}: clusterIP {ip} also held by {ip_owner[ip]}")
            ip_owner[ip] = who
        if spec.get("type") in ("NodePort", "LoadBalancer"):
            seen_here = {}
            for p in spec.get("ports") or []:
                npv = p.get("nodePort")
                if not npv:
                    miss_port += 1
                    problems.append(f"{who}: port {p.get('port')} has no nodePort")
                    continue
                if p.get("port") in seen_here:  # ports sharing a number share one node port
                    continue
                seen_here[p.get("port")] = npv
                nports += 1
                if not np_lo <= npv <= np_hi:
                    out_port += 1
                    problems.append(f"{who}: nodePort {npv} outside {npr}")
                if npv in port_owner:
                    dup_port += 1
                    problems.append(f"{who}: nodePort {npv} also held by {port_owner[npv]}")
                port_owner[npv] = who
    ok = (len(bench) == expected and dup_ip == 0 and out_ip == 0 and miss_ip == 0
          and dup_port == 0 and out_port == 0 and miss_port == 0)
    for k, v in [("services_listed", len(bench)), ("services_expected", expected),
                 ("cluster_ips_distinct", len(ip_owner)), ("cluster_ip_duplicates", dup_ip),
                 ("cluster_ip_out_of_range", out_ip), ("cluster_ip_missing", miss_ip),
                 ("node_ports", nports), ("node_port_duplicates", dup_port),
                 ("node_port_out_of_range", out_port), ("node_port_missing", miss_port),
                 ("verified", int(ok))]:
        print(k, v)
    for p in problems[:5]:
        print(f"verify_services: {p}", file=sys.stderr)
    if len(problems) > 5:
        print(f"verify_services: ... {len(problems) - 5} more", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
