# Edge Shop — the two commands:
#   make dev    install what is missing, start the whole shop locally, print its address
#   make test   install what is missing and run every test
# Everything installed lives in git-ignored folders (.local-deps/, node_modules/, target/).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never
# CI builds from scratch once: incremental compilation's bookkeeping only costs time there.
ifneq ($(CI),)
export CARGO_INCREMENTAL ?= 0
endif

.PHONY: dev test deps deps-apt deps-npm deps-python deps-test lint unit edge edge-test sam-check sam-build journeys contract bench bench-edge bench-site bench-init bench-size bench-dev bench-checkout cost publish-site clean-deps

## dev: start the whole shop on http://127.0.0.1:3000 (stand-ins included). The stand-ins
## install while shop-local compiles. shop-local is built as the tests build it
## (tools/build-shop-local.sh), compiling only what shop-local needs; after `make test` there
## is nothing left to compile. ARGS go to shop-local (e.g. ARGS="--port 3456"),
## DEV_CARGO_FLAGS to its build (e.g. --timings; `make bench-dev` uses it).
dev:
	@$(MAKE) --no-print-directory deps & deps=$$!; \
	echo "==> building shop-local while the stand-ins install (the first build takes a few minutes)"; \
	if ! bin="$$(bash tools/build-shop-local.sh $(DEV_CARGO_FLAGS))"; then wait $$deps || true; exit 1; fi; \
	wait $$deps || { echo "make dev: installing the stand-ins failed (see above)" >&2; exit 1; }; \
	"$$bin" $(ARGS)

## test: everything CI runs — lint, unit and stand-in tests, the edge bundle in Node,
## the SAM template offline (lint + sam build), the browser journeys, the API contract.
## tools/test.sh runs them in two phases, a stage that mostly waits beside one that mostly
## compiles, and prints each stage's time (TEST_SERIAL=1: one after the other).
test:
	@bash tools/test.sh

## unit: the workspace's tests, from the build `make lint` made (tools/cargo.sh)
unit:
	bash tools/cargo.sh test --workspace --no-fail-fast

edge-test:
	bash edge/test.sh

sam-check:
	bash sam/check.sh --fast

## sam-build: the offline checks with the release build a deploy uses (prints bootstrap sizes)
sam-build:
	bash sam/check.sh

journeys:
	bash tests/run-journeys.sh

## contract: the API against sam/openapi.yaml (schemathesis as shopper and owner; no 5xx, no
## undocumented status, responses match their schemas)
contract:
	bash tests/contract/run.sh

## lint: formatting and clippy, warnings are errors. Clippy runs inside the test build
## (tools/cargo.sh: clippy-driver compiles the workspace's crates), so this stage compiles the
## workspace once for lint, unit, journeys, contract and dev; `make unit` then only runs.
lint:
	$(CARGO) fmt --all -- --check
	bash tools/cargo.sh --deny-warnings test --workspace --no-run

## deps: install what is missing (Debian packages, npm packages, Python venvs)
deps: deps-apt deps-npm deps-python

deps-apt:
	@bash tools/apt.sh

deps-npm:
	@bash tools/npm.sh

deps-python:
	@bash tools/venv.sh stripe local/python/requirements-stripe.txt >/dev/null
	@bash tools/venv.sh moto local/python/requirements-moto.txt >/dev/null

## deps-test: what `make test`'s longest stage (sam-check) waits for, made while the workspace
## compiles: the SAM CLI, and the edge bundle sam build packages (which needs zig and
## cargo-zigbuild). cargo-lambda and its zig install with the build (tools/cargo.sh); the other
## tools in the stages that use them.
deps-test:
	@bash tools/venv.sh sam sam/requirements.txt >/dev/null
	@bash edge/build.sh

edge:
	bash edge/build.sh $(EDGE_CONFIG)

bench: bench-edge bench-site bench-init bench-size bench-dev bench-checkout

bench-edge:
	bash bench/edge/run.sh

## cost: idle cost and cost per 1,000 orders, from the routing table (edge/routes.json)
cost:
	node edge/cost.mjs

bench-site:
	bash bench/site/run.sh

bench-init:
	bash bench/init/run.sh

bench-checkout:
	bash bench/checkout/run.sh

## bench-size: what each Lambda bootstrap is made of (sections, and symbols by crate)
bench-size:
	bash bench/size/run.sh

## bench-dev: `make dev` from a fresh clone of HEAD, timed to READY, and what its build costs
bench-dev:
	bash bench/dev/run.sh

## publish-site: render the catalogue from the deployed table and upload it (after sam deploy)
publish-site:
	bash sam/publish-site.sh

## clean-deps: remove installed stand-ins (to try a fresh-machine run)
clean-deps:
	rm -rf .local-deps node_modules
