#!/usr/bin/env python3
"""Checks that a namespace holds exactly the Pods a benchmark created: PREFIX-0 .. PREFIX-(N-1), each once.

    verify_pods.py URL NAMESPACE PREFIX N

Lists the namespace's Pods in pages of 500 (limit/continue, as a client of a large store does), and counts the
names of the form PREFIX-<i>: every i in 0..N-1 present exactly once, none outside that range. Pods with other
names are ignored (another phase of the same run). Prints "key value" lines; exit status 0 if verified, 1 if not.
Used by scripts/bench-store.sh (T3) and scripts/bench-restart.sh (T6, after the restart).
"""
import json
import sys
import time
import urllib.parse
import urllib.request


def main() -> int:
    url, namespace, prefix, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    seen = [0] * n
    stray = pages = listed = 0
    token = ""
    started = time.monotonic()
    while True:
        query = {"limit": "500"}
        if token:
            query["continue"] = token
        page_url = f"{url}/api/v1/namespaces/{namespace}/pods?{urllib.parse.urlencode(query)}"
        with urllib.request.urlopen(page_url, timeout=60) as response:
            page = json.load(response)
        pages += 1
        for item in page["items"]:
            listed += 1
            name = item["metadata"]["name"]
            head, _, index = name.rpartition("-")
            if head != prefix:
                continue
            if index.isdigit() and int(index) < n:
                seen[int(index)] += 1
            else:
                stray += 1
        token = page["metadata"].get("continue", "")
        if not token:
            break
    missing = sum(1 for count in seen if count == 0)
    duplicates = sum(count - 1 for count in seen if count > 1)
    verified = missing == 0 and duplicates == 0 and stray == 0
    print(f"pods_listed {listed}")
    print(f"pages {pages}")
    print(f"list_seconds {time.monotonic() - started:.3f}")
    print(f"missing {missing}")
    print(f"duplicates {duplicates}")
    print(f"out_of_range {stray}")
    print(f"verified {int(verified)}")
    if not verified:
        print(f"verify_pods: {prefix}-0..{n - 1}: {missing} missing, {duplicates} duplicated, {stray} out of range",
              file=sys.stderr)
    return 0 if verified else 1


if __name__ == "__main__":
    sys.exit(main())
