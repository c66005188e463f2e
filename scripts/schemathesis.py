#!/usr/bin/env python3
"""Runs schemathesis against our own OpenAPI v3 documents on a running server (issue 8 item 3; `make fuzz`).

Starts `serviceplane serve` on 127.0.0.1 port 0 with a throwaway database (Tests/e2e/support.py), then runs
`schemathesis run` once per document — /openapi/v3/api/v1 and /openapi/v3/apis/discovery.k8s.io/v1 — with a bounded
number of examples per operation (SCHEMATHESIS_EXAMPLES, default 5) and exits non-zero on any finding.

Checks: `not_a_server_error` (no 5xx, ever) and `response_schema_conformance` (every documented response body
matches its schema). The other checks are left out on purpose, because they test the upstream documents rather
than us: the Kubernetes OpenAPI lists only 200/201/202/401 for each operation, so every correct 4xx Status would
fail `status_code_conformance`; it types query parameters loosely and kube-apiserver ignores unknown or odd ones
(`pretty=x`), which `negative_data_rejection` calls a failure; and schema-valid objects are routinely refused by
validation (422, e.g. a Service without ports), which `positive_data_acceptance` calls a failure. Only the examples
and fuzzing phases run: the coverage phase alone took 9 minutes for /api/v1 on the shared 2-core machine.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import tempfile

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "Tests" / "e2e"))

from support import running_server  # noqa: E402

DOCUMENTS = ["/openapi/v3/api/v1", "/openapi/v3/apis/discovery.k8s.io/v1"]


def main() -> int:
    examples = os.environ.get("SCHEMATHESIS_EXAMPLES", "5")
    st = REPO / ".venv" / "bin" / "schemathesis"
    failures = 0
    with tempfile.TemporaryDirectory(prefix="schemathesis-") as workdir:
        with running_server(pathlib.Path(workdir)) as server:
            for document in DOCUMENTS:
                report = pathlib.Path(workdir) / ("report" + document.replace("/", "-") + ".xml")
                command = [
                    str(st), "run", server.url(document), "--url", server.base_url,
                    "--checks", "not_a_server_error,response_schema_conformance",
                    "--max-examples", examples, "--phases", "examples,fuzzing",
                    "--workers", "1", "--request-timeout", "10", "--seed", "8",
                    "--generation-database", "none", "--no-color", "--output-truncate", "true",
                    # Hypothesis gives up generating Pod bodies in time ("Data generation is too slow"): the PodSpec
                    # schema is huge. That is a property of the upstream schema, not a finding about the server.
                    "--suppress-health-check", "too_slow,data_too_large",
                    "--report", "junit", "--report-junit-path", str(report),
                ]
                print("schemathesis:", " ".join(command[1:3]), flush=True)
                result = subprocess.run(command, cwd=workdir, timeout=1800)
                if result.returncode != 0:
                    failures += 1
                    print(f"schemathesis: findings on {document} (exit {result.returncode})", flush=True)
            if not server.running():
                print("schemathesis: the server died\n" + server.log_tail(), flush=True)
                return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
