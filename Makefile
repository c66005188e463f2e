# ServicePlane developer entry points (GNU make).
#
#   make deps    install the Debian packages the build, tests and benchmark need (only those missing)
#   make build   release build of the serviceplane binary
#   make run     deps + build, then run the server in the foreground (override ARGS=...)
#   make venv    Python virtualenv for the end-to-end tests (.venv), rebuilt when requirements-test.txt changes
#   make test    unit tests (swift test) + end-to-end tests (pytest Tests/e2e) against the release binary
#   make bench   release build of serviceplane and serviceplane-bench, then scripts/bench.sh
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

# Debian packages: C libraries for the build, wrk/curl/venv for tests and the benchmark.
APT_PACKAGES := libmicrohttpd-dev libsqlite3-dev wrk curl python3-venv
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

# Default arguments for `make run`; override with `make run ARGS='--port 8080 --db :memory: ...'`.
ARGS ?= --bind-address 127.0.0.1 --port 8080 --db serviceplane.db --kubeconfig-out kubeconfig --log-level info

# Extra pytest arguments, e.g. `make test PYTEST_ARGS='-k crud -x'`.
PYTEST_ARGS ?=

# `make fuzz`: seconds of libFuzzer time shared by the three targets, and schemathesis examples per operation.
FUZZ_SECONDS ?= 180
SCHEMATHESIS_EXAMPLES ?= 5

.PHONY: deps build run venv test unit e2e bench fuzz clean

deps:
	@missing=""; \
	for pkg in $(APT_PACKAGES); do \
	  if ! dpkg -s "$$pkg" 2>/dev/null | grep -q '^Status: install ok installed'; then missing="$$missing $$pkg"; fi; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing$$missing"; \
	  $(SUDO) apt-get update; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	else \
	  echo "deps: all present ($(APT_PACKAGES))"; \
	fi

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

bench: deps
	$(SWIFT) build -c release --product serviceplane
	$(SWIFT) build -c release --product serviceplane-bench
	scripts/bench.sh

# Fuzzing: scripts/fuzz.sh builds its own instrumented executables under .build-fuzz/ (swiftc, not SwiftPM), so it
# never shares .build/ with the release build that schemathesis runs against.
fuzz: deps venv
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh
	$(SWIFT) build -c release --product serviceplane
	SERVICEPLANE_BIN="$(CURDIR)/$(RELEASE_BIN)" SCHEMATHESIS_EXAMPLES=$(SCHEMATHESIS_EXAMPLES) \
	  $(VENV)/bin/python scripts/schemathesis.py

clean:
	rm -rf .build .build-fuzz $(VENV) bench-out
