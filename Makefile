# ServicePlane developer entry points (GNU make).
#
#   make deps    install the Debian packages the build, tests and benchmark need (only those missing)
#   make build   release build of the serviceplane binary
#   make run     deps + build, then run the server in the foreground (override ARGS=...)
#   make venv    Python virtualenv for the end-to-end tests (.venv), rebuilt when requirements-test.txt changes
#   make test    unit tests (swift test) + end-to-end tests (pytest Tests/e2e) against the release binary
#   make bench   installs the benchmark's own Debian packages (etcd), release build of serviceplane and
#                serviceplane-bench, then scripts/bench.sh: every workload against its anchor, one table.
#                make bench QUICK=1 (under 2 minutes) / WORKLOADS="T1 T3" / ROUNDS=5 / T6_PODS=20000 ...
#   make soak    release build, then scripts/soak.py: 10 minutes of mixed load, RSS/-wal/db curve (SOAK_SECONDS=...)
#   make fuzz    libFuzzer runs of the JSON parser, selector parsers and patch engine (FUZZ_SECONDS in total,
#                default 180), then schemathesis against our OpenAPI documents (SCHEMATHESIS_EXAMPLES per operation)
#   make clean   remove build outputs and the virtualenv
#
# Swift builds always run one after another: the machines have 2 cores and two concurrent
# `swift build`s of one tree fight over .build/.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build
.DELETE_ON_ERROR:

# Swift lives in /opt/swift on the project's machines; use it when `swift` is not already on PATH.
ifeq ($(shell command -v swift 2>/dev/null),)
ifneq ($(wildcard /opt/swift/usr/bin/swift),)
export PATH := /opt/swift/usr/bin:$(PATH)
endif
endif

SWIFT ?= swift
PYTHON ?= python3
VENV := .venv
VENV_STAMP := $(VENV)/.requirements-stamp
RELEASE_BIN := .build/release/serviceplane

# Debian packages: C libraries for the build (GnuTLS for --tls-self-signed), wrk/curl/openssl/venv for tests and
# the benchmark.
APT_PACKAGES := libmicrohttpd-dev libsqlite3-dev libgnutls28-dev wrk curl openssl python3-venv
# Only `make bench` needs these: etcd 3.4 (bookworm's etcd-server) is the peer anchor, gcc builds the C anchors
# and load generators. `make deps` / `make test` stay free of them.
BENCH_APT_PACKAGES := etcd-server gcc libc6-dev
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

# install_missing LABEL PACKAGES: apt-get install of those not installed yet.
define install_missing
	@missing=""; \
	for pkg in $(2); do \
	  if ! dpkg -s "$$pkg" 2>/dev/null | grep -q '^Status: install ok installed'; then missing="$$missing $$pkg"; fi; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "$(1): installing$$missing"; \
	  $(SUDO) apt-get update; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	else \
	  echo "$(1): all present ($(2))"; \
	fi
endef

# Benchmark knobs given to make (`make bench QUICK=1 WORKLOADS="T1 T3"`) reach scripts/bench.sh.
BENCH_KNOBS := QUICK WORKLOADS ROUNDS DURATION T2_PODS T3_C1 T3_C16 FANOUT_CREATES FANOUT_WATCHERS SCALE_WATCHERS \
               SERVICES PODS_PER FLIPS T6_PODS T7_RUNS ANCHOR_SECONDS JSON_SECONDS OUT_DIR SERVER_ARGS
export $(foreach knob,$(BENCH_KNOBS),$(if $(filter command line,$(origin $(knob))),$(knob)))

# Default arguments for `make run`; override with `make run ARGS='--port 8080 --db :memory: ...'`.
ARGS ?= --bind-address 127.0.0.1 --port 8080 --db serviceplane.db --kubeconfig-out kubeconfig --log-level info

# Extra pytest arguments, e.g. `make test PYTEST_ARGS='-k crud -x'`.
PYTEST_ARGS ?=

# `make fuzz`: seconds of libFuzzer time shared by the three targets, and schemathesis examples per operation.
FUZZ_SECONDS ?= 180
SCHEMATHESIS_EXAMPLES ?= 5

.PHONY: deps bench-deps build run venv test unit e2e bench soak fuzz clean

deps:
	$(call install_missing,deps,$(APT_PACKAGES))

bench-deps:
	$(call install_missing,bench-deps,$(BENCH_APT_PACKAGES))

build:
	$(SWIFT) build -c release --product serviceplane

run: deps build
	exec $(RELEASE_BIN) serve $(ARGS)

venv: $(VENV_STAMP)

# Recreate the virtualenv if it is missing or broken (e.g. its interpreter moved), then install.
$(VENV_STAMP): requirements-test.txt | deps
	@if ! $(VENV)/bin/python -c 'import sys' >/dev/null 2>&1; then \
	  rm -rf $(VENV); \
	  echo "venv: creating $(VENV) with $$(command -v $(PYTHON))"; \
	  $(PYTHON) -m venv $(VENV); \
	fi
	$(VENV)/bin/python -m pip install --disable-pip-version-check --quiet -r requirements-test.txt
	@touch $@

# Unit tests (Swift Testing): build the test bundle, then run it without rebuilding.
unit:
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# End-to-end tests against the release binary (built here, after the unit tests, never concurrently).
e2e: venv
	$(SWIFT) build -c release --product serviceplane
	SERVICEPLANE_BIN="$(CURDIR)/$(RELEASE_BIN)" $(VENV)/bin/python -m pytest -q Tests/e2e $(PYTEST_ARGS)

test: deps venv
	$(MAKE) --no-print-directory unit
	$(MAKE) --no-print-directory e2e

bench: deps bench-deps
	$(SWIFT) build -c release --product serviceplane
	$(SWIFT) build -c release --product serviceplane-bench
	scripts/bench.sh

# Soak: steady mixed load against the release binary; fails on RSS growth or any 5xx (scripts/soak.py).
soak: venv
	$(SWIFT) build -c release --product serviceplane
	SERVICEPLANE_BIN="$(CURDIR)/$(RELEASE_BIN)" $(VENV)/bin/python scripts/soak.py

# Fuzzing: scripts/fuzz.sh builds its own instrumented executables under .build-fuzz/ (swiftc, not SwiftPM), so it
# never shares .build/ with the release build that schemathesis runs against.
fuzz: deps venv
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh
	$(SWIFT) build -c release --product serviceplane
	SERVICEPLANE_BIN="$(CURDIR)/$(RELEASE_BIN)" SCHEMATHESIS_EXAMPLES=$(SCHEMATHESIS_EXAMPLES) \
	  $(VENV)/bin/python scripts/schemathesis.py

clean:
	rm -rf .build .build-fuzz $(VENV) bench-out soak-out
