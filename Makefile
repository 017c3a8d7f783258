# Osprey: the two commands a newcomer needs are `make run` and `make test`.
# The build calls cargo and wasm-bindgen directly (see the README's "Building" section):
# no cargo-leptos, nothing downloaded from outside the package registries.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

TARGET_DIR ?= $(or $(CARGO_TARGET_DIR),target)
FRONT_DIR  := $(TARGET_DIR)/front
NAME       := osprey
WASM_BINDGEN_VERSION := $(shell sed -n '/^name = "wasm-bindgen"$$/{n;s/^version = "\(.*\)"/\1/p;}' Cargo.lock)
E2E_PORT   ?= 3100
E2E_DIR    := end2end

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: help run test test-rust e2e bench bench-quick bench-smoke build-bench lint fmt clean-site \
        tools-wasm tools-wasm-opt tools-e2e site-release site-debug build-release build-debug

help:
	@echo "make run    build in release and start Osprey on ./data/osprey.db (SQLite)"
	@echo "make test   every test: Rust (SQLite + PostgreSQL), the WASM build, browser journeys"
	@echo "make lint   clippy for both targets and rustfmt check"
	@echo "make bench  the benchmark (release; SQLite and PostgreSQL); bench-quick: all of it small"
	@echo "            bench-smoke: bench-quick on the debug build 'make test' leaves (what CI runs)"

# ---------------------------------------------------------------- tools

tools-wasm:
	@if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then \
	  echo "==> installing the Rust target wasm32-unknown-unknown"; \
	  rustup target add wasm32-unknown-unknown; \
	fi
	@if [ -z "$(WASM_BINDGEN_VERSION)" ]; then echo "error: no wasm-bindgen in Cargo.lock" >&2; exit 1; fi
	@if ! wasm-bindgen --version 2>/dev/null | grep -q " $(WASM_BINDGEN_VERSION)$$"; then \
	  echo "==> installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION) from crates.io (about 2 minutes)"; \
	  cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION); \
	fi

$(E2E_DIR)/node_modules/.package-lock.json: $(E2E_DIR)/package.json $(E2E_DIR)/package-lock.json
	@command -v npm >/dev/null || { echo "error: npm is missing: install Node.js (apt-get install nodejs npm)" >&2; exit 1; }
	@echo "==> installing npm packages in $(E2E_DIR)/ (Playwright without its browser download, binaryen)"
	cd $(E2E_DIR) && npm ci --no-audit --no-fund
	@touch $@

tools-wasm-opt: $(E2E_DIR)/node_modules/.package-lock.json

tools-e2e: $(E2E_DIR)/node_modules/.package-lock.json
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "==> installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else \
	    echo "error: the browser tests need Debian's chromium: run 'sudo apt-get install chromium'" >&2; exit 1; \
	  fi; \
	fi

# ---------------------------------------------------------------- builds

# $(1): cargo profile dir of the wasm (debug | wasm-release), $(2): site dir, $(3): optimise (yes | no)
define assemble_site
	rm -rf $(2) && mkdir -p $(2)/pkg
	wasm-bindgen --target web --no-typescript --out-name $(NAME) --out-dir $(2)/pkg \
	  $(FRONT_DIR)/wasm32-unknown-unknown/$(1)/frontend.wasm
	if [ "$(3)" = yes ]; then \
	  if [ -x $(E2E_DIR)/node_modules/.bin/wasm-opt ]; then \
	    $(E2E_DIR)/node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
	      --enable-reference-types --enable-multivalue --enable-mutable-globals \
	      $(2)/pkg/$(NAME)_bg.wasm -o $(2)/pkg/$(NAME)_bg.wasm; \
	  else echo "warning: wasm-opt (npm binaryen) is missing: the WASM bundle is not size-optimised" >&2; fi; \
	fi
	cp style/main.css $(2)/pkg/$(NAME).css
	cp -r public/. $(2)/
endef

site-debug: tools-wasm
	cargo build -p frontend --lib --target wasm32-unknown-unknown --target-dir $(FRONT_DIR)
	$(call assemble_site,debug,$(TARGET_DIR)/site-debug,no)

site-release: tools-wasm tools-wasm-opt
	cargo build -p frontend --lib --target wasm32-unknown-unknown --target-dir $(FRONT_DIR) --profile wasm-release
	$(call assemble_site,wasm-release,$(TARGET_DIR)/site,yes)
	@echo "==> WASM bundle: $$(du -k $(TARGET_DIR)/site/pkg/$(NAME)_bg.wasm | cut -f1) KB, $$(gzip -9c $(TARGET_DIR)/site/pkg/$(NAME)_bg.wasm | wc -c | awk '{printf "%d", $$1/1024}') KB gzipped"

build-release: site-release
	cargo build -p server --bin osprey --release

build-debug: site-debug
	cargo build -p server --bins

# ---------------------------------------------------------------- the two commands

run: build-release
	@mkdir -p data
	OSPREY_SITE_ROOT=$(TARGET_DIR)/site $(TARGET_DIR)/release/osprey

test: test-rust e2e

# Rust tests: unit tests, store tests on SQLite and PostgreSQL, HTTP tests of the server.
test-rust:
	cargo test

e2e: build-debug tools-e2e
	rm -rf $(TARGET_DIR)/e2e $(E2E_DIR)/screenshots && mkdir -p $(TARGET_DIR)/e2e $(E2E_DIR)/screenshots
	cd $(E2E_DIR) && \
	  OSPREY_BIN=$(abspath $(TARGET_DIR))/debug/osprey \
	  CPE_SIM_BIN=$(abspath $(TARGET_DIR))/debug/cpe-sim \
	  OSPREY_SITE_ROOT=$(abspath $(TARGET_DIR))/site-debug \
	  OSPREY_DATABASE_URL="sqlite://$(abspath $(TARGET_DIR))/e2e/osprey.db?mode=rwc" \
	  E2E_PORT=$(E2E_PORT) \
	  npx playwright test

lint: tools-wasm
	cargo fmt --all --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy -p frontend --lib --target wasm32-unknown-unknown --target-dir $(FRONT_DIR) -- -D warnings

fmt:
	cargo fmt --all

# The benchmark: a release server on a fresh database (SQLite, then PostgreSQL at
# DATABASE_URL_PG), simulated devices from a second process, a table and JSON lines.
# `make bench BENCH_ARGS="--db sqlite --seconds 30"` narrows it; see `osprey-bench --help`.
BENCH_ARGS ?=

build-bench:
	cargo build --release -p server --bin osprey --bin osprey-bench

bench: build-bench
	$(TARGET_DIR)/release/osprey-bench $(BENCH_ARGS)

# Everything small (well under three minutes).
bench-quick: build-bench
	$(TARGET_DIR)/release/osprey-bench --quick $(BENCH_ARGS)

# The same on the debug build `make test` has just made: CI runs it to prove the benchmark
# works (it asserts no figure, and a cold release build would add a quarter of an hour).
bench-smoke: build-debug
	$(TARGET_DIR)/debug/osprey-bench --quick $(BENCH_ARGS)
