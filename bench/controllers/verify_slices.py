#!/usr/bin/env python3
"""Checks the EndpointSlices of the controller benchmark (issue 5) against the Pods, from two lists.

    verify_slices.py URL NAMESPACE SERVICES PODS_PER

For every Service svc-<i> (i < SERVICES) of NAMESPACE: exactly one managed EndpointSlice (labels
kubernetes.io/service-name and endpointslice.kubernetes.io/managed-by), addressType IPv4, ports [http/TCP/8080],
and its endpoints exactly the Pods svc-<i>-<j> (targetRef name and uid), each with the Pod's podIP as its only
address, ready/serving true, terminating false, nodeName the Pod's. Also: every Pod Running with a podIP, no
podIP used twice. Prints "key value" lines (pods_listed, pods_ready, pod_ip_duplicates, slices_listed,
services_correct, endpoints_ready, verified 1|0) and the first problems on stderr. Standard library only; exit
status 0 if it could list (whatever it found), 1 if not.
"""
import json
import sys
import urllib.parse
import urllib.request

TIMEOUT_S = 120


def list_all(url, path):
    items, cont = [], ""
    for _ in range(100000):
        q = {"limit": "1000"}
        if cont:
            q["continue"] = cont
        req = urllib.request.Request(f"{url}{path}?{urllib.parse.urlencode(q)}", headers={"Accept": "application/json"})
        with urllib.request.urlopen(req, timeout=TIMEOUT_S) as r:
            page = json.load(r)
        items.extend(page.get("items") or [])
        cont = (page.get("metadata") or {}).get("continue") or ""
        if not cont:
            return items
    raise RuntimeError("too many pages")


def main():
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    url, ns, nsvc, per = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    try:
        pods = list_all(url, f"/api/v1/namespaces/{ns}/pods")
        slices = list_all(url, f"/apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices")
    except Exception as e:  # noqa: BLE001 - reported, not raised
        print(f"verify_slices: listing: {e}", file=sys.stderr)
        return 1
    problems = []
    by_name, ips, dup_ips, ready = {}, {}, 0, 0
    for p in pods:
        name = p["metadata"]["name"]
        by_name[name] = p
        st = p.get("status") or {}
        ip = st.get("podIP")
        if any(c.get("type") == "Ready" and c.get("status") == "True" for c in st.get("conditions") or []):
            ready += 1
        if ip:
            if ip in ips:
                dup_ips += 1
                problems.append(f"podIP {ip} of {name} also of {ips[ip]}")
            ips[ip] = name
    per_svc = {}
    for s in slices:
        labels = (s.get("metadata") or {}).get("labels") or {}
        if labels.get("endpointslice.kubernetes.io/managed-by") != "endpointslice-controller.k8s.io":
            continue
        per_svc.setdefault(labels.get("kubernetes.io/service-name"), []).append(s)
    correct, eps_ready = 0, 0
    for i in range(nsvc):
        svc = f"svc-{i}"
        got = per_svc.get(svc, [])
        if len(got) != 1:
            problems.append(f"{svc}: {len(got)} slices")
            continue
        s = got[0]
        bad = []
        if s.get("addressType") != "IPv4":
            bad.append(f"addressType {s.get('addressType')}")
        ports = s.get("ports") or []
        if [(p.get("name"), p.get("protocol"), p.get("port")) for p in ports] != [("http", "TCP", 8080)]:
            bad.append(f"ports {ports}")
        want = {f"{svc}-{j}" for j in range(per)}
        seen = set()
        for ep in s.get("endpoints") or []:
            ref = ep.get("targetRef") or {}
            pod = by_name.get(ref.get("name"))
            cond = ep.get("conditions") or {}
            if cond.get("ready") is True:
                eps_ready += 1
            if not pod or ref.get("name") not in want:
                bad.append(f"endpoint for unexpected pod {ref.get('name')}")
                continue
            seen.add(ref.get("name"))
            pst = pod.get("status") or {}
            if ref.get("uid") != pod["metadata"].get("uid"):
                bad.append(f"{ref.get('name')}: targetRef uid differs")
            if ep.get("addresses") != [pst.get("podIP")]:
                bad.append(f"{ref.get('name')}: addresses {ep.get('addresses')} vs podIP {pst.get('podIP')}")
            if not (cond.get("ready") is True and cond.get("serving") is True and cond.get("terminating") is False):
                bad.append(f"{ref.get('name')}: conditions {cond}")
            if ep.get("nodeName") != (pod.get("spec") or {}).get("nodeName"):
                bad.append(f"{ref.get('name')}: nodeName {ep.get('nodeName')}")
        if seen != want or len(s.get("endpoints") or []) != per:
            bad.append(f"endpoints for {sorted(seen)[:3]}... ({len(s.get('endpoints') or [])}), want {per}")
        if bad:
            problems.append(f"{svc}: " + "; ".join(bad[:3]))
        else:
            correct += 1
    ok = correct == nsvc and dup_ips == 0 and ready == nsvc * per
    for k, v in [("pods_listed", len(pods)), ("pods_ready", ready), ("pod_ip_duplicates", dup_ips),
                 ("slices_listed", len(slices)), ("services_correct", correct), ("endpoints_ready", eps_ready),
                 ("verified", int(ok))]:
        print(k, v)
    for p in problems[:5]:
        print(f"verify_slices: {p}", file=sys.stderr)
    if len(problems) > 5:
        print(f"verify_slices: ... {len(problems) - 5} more", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
