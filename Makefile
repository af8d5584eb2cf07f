# MCPbox — the two commands are `make run` and `make test`.
#
#   make run     install missing Debian packages, build, start a local
#                PostgreSQL under var/ (unless MCPBOX_DATABASE_URL is set),
#                migrate, serve on MCPBOX_LISTEN (default 127.0.0.1:8000)
#   make test    the same set-up, then every test suite
#   make build   build the server and the sandbox
#   make bench   benchmarks (numbers, not pass/fail)
#   make fuzz    libFuzzer targets in fuzz/, FUZZ_SECONDS each (clang)
#   make clean   remove build output (keeps var/: database and key)

SHELL		:= /bin/bash
BUILD		:= build
APP		:= $(BUILD)/mcpbox/mcpbox
SANDBOX		:= sandbox/build/mcpbox-sandbox
MIGRATIONS	:= $(sort $(wildcard src/db/migrations/*.sql))
APP_SRC		:= $(shell find src -name '*.c' -o -name '*.h') \
		   $(wildcard conf/*.conf assets/*)

CC		?= cc
# Recursive (=): pkg-config must run after `deps` installed check and
# jansson, not when make reads this file on a fresh machine.
CHECK_CFLAGS	= -std=c11 -D_GNU_SOURCE -Isrc -Wall -Wextra -Werror -g \
		   $(shell pkg-config --cflags check jansson 2>/dev/null)
CHECK_LIBS	= $(shell pkg-config --libs check jansson 2>/dev/null) -lcrypto \
		   -ljwt -largon2 -lpthread
SANITIZE	:= -fsanitize=address,undefined -fno-omit-frame-pointer \
		   -fno-sanitize-recover=all
# core/ is plain C: its unit tests link it without Kore.
CORE_SRC	:= $(wildcard src/core/*.c)
UNIT_TESTS	:= $(wildcard tests/unit/test_*.c)

.PHONY: all deps build run test test-unit test-sandbox test-integration \
	test-e2e test-docker bench clean

all: build

# Debian packages in groups (scripts/packages/): each target installs only
# what it needs, so `make run` never pulls in Chromium or wrk.
.PHONY: run-deps test-deps bench-deps
deps:
	@scripts/install-deps build

run-deps:
	@scripts/install-deps build run

test-deps:
	@scripts/install-deps build run test

bench-deps:
	@scripts/install-deps build run bench

build: deps $(APP) sandbox-build

# The directory too: a migration removed must leave the binary as well.
src/db/migrations_embed.c: src/db/migrations $(MIGRATIONS) \
    scripts/embed-migrations
	scripts/embed-migrations src/db/migrations > $@.tmp && mv $@.tmp $@

# The /static/<name> lookup table; assets/ as a prerequisite catches files
# added or removed, not only changed.
src/http/assets_table.c: assets $(wildcard assets/*) scripts/embed-assets-table
	scripts/embed-assets-table assets > $@.tmp && mv $@.tmp $@

# kodev names the app after its directory and rebuilds only .c files whose
# mtime changed, so build in build/mcpbox/ and start clean when a header or
# the config changed.
$(APP): $(APP_SRC) src/db/migrations_embed.c src/http/assets_table.c \
    conf/build.conf
	@dups=$$(find src -name '*.c' -printf '%f\n' | sort | uniq -d); \
	    if [ -n "$$dups" ]; then echo "kodev needs unique .c basenames" \
	    "under src/: $$dups" >&2; exit 1; fi
	@mkdir -p $(BUILD)/mcpbox
	@for d in conf src assets; do ln -sfn ../../$$d $(BUILD)/mcpbox/$$d; done
	@if [ -f $@ ] && [ -n "$$(find src conf -name '*.h' -newer $@ -o \
	    -name '*.conf' -newer $@ | head -n 1)" ]; then \
		(cd $(BUILD)/mcpbox && kodev clean >/dev/null); fi
	@cd $(BUILD)/mcpbox && kodev build > build.log 2>&1 || \
		{ cat build.log; exit 1; }
	@echo "built $@"

.PHONY: sandbox-build
sandbox-build:
	@if [ -f sandbox/Makefile ]; then $(MAKE) -s -C sandbox all; fi

run: run-deps build
	@scripts/run

# ---- tests ---------------------------------------------------------------

$(BUILD)/unit/%: tests/unit/%.c $(CORE_SRC) $(wildcard src/core/*.h)
	@mkdir -p $(BUILD)/unit
	$(CC) $(CHECK_CFLAGS) -o $@ $< $(CORE_SRC) $(CHECK_LIBS)

$(BUILD)/unit-asan/%: tests/unit/%.c $(CORE_SRC) $(wildcard src/core/*.h)
	@mkdir -p $(BUILD)/unit-asan
	$(CC) $(CHECK_CFLAGS) $(SANITIZE) -o $@ $< $(CORE_SRC) $(CHECK_LIBS)

UNIT_BINS	:= $(UNIT_TESTS:tests/unit/%.c=$(BUILD)/unit/%)
UNIT_ASAN_BINS	:= $(UNIT_TESTS:tests/unit/%.c=$(BUILD)/unit-asan/%)

test-unit: test-deps $(UNIT_BINS) $(UNIT_ASAN_BINS)
	@scripts/check-layers
	@set -e; for t in $(UNIT_BINS) $(UNIT_ASAN_BINS); do \
		echo "== $$t"; CK_FORK=yes $$t; done

test-sandbox: test-deps
	@if [ -f sandbox/Makefile ]; then $(MAKE) -C sandbox test; fi

$(BUILD)/integration/migrate_check: tests/integration/migrate_check.c \
    src/db/migrate.c src/db/blocking.c $(CORE_SRC)
	@mkdir -p $(BUILD)/integration
	$(CC) $(CHECK_CFLAGS) -I/usr/include/postgresql -o $@ $< \
	    src/db/migrate.c src/db/blocking.c $(CORE_SRC) $(CHECK_LIBS) -lpq

test-integration: test-deps build $(BUILD)/integration/migrate_check
	@python3 tests/integration/run.py

# The tool-call path under LeakSanitizer (tests/leaks/run): fails on any
# leak. The server built with the asan flavor of conf/build.conf, like
# $(APP) but in its own directory (named mcpbox: kodev names the binary
# and looks for conf/<dir>.conf after it). Its seccomp filter is relaxed
# for the sanitizer (MCPBOX_SANITIZE; docs/DECISIONS.md D28).
ASAN_APP	:= $(BUILD)/asan/mcpbox/mcpbox

$(ASAN_APP): $(APP_SRC) src/db/migrations_embed.c src/http/assets_table.c \
    conf/build.conf
	@mkdir -p $(@D)
	@for d in conf src assets; do ln -sfn ../../../$$d $(@D)/$$d; done
	@if [ -f $@ ] && [ -n "$$(find src conf -name '*.h' -newer $@ -o \
	    -name '*.conf' -newer $@ | head -n 1)" ]; then \
		(cd $(@D) && kodev clean >/dev/null); fi
	@cd $(@D) && kodev flavor asan >/dev/null
	@cd $(@D) && kodev build > build.log 2>&1 || { cat build.log; exit 1; }
	@echo "built $@"

.PHONY: test-leaks
test-leaks: test-deps sandbox-build $(ASAN_APP)
	@python3 tests/leaks/run

test-e2e: test-deps build
	@python3 tests/e2e/run.py

# docker/Dockerfile built and run for real under docker-compose.yml's
# hardening (Debian's docker.io; the base from debootstrap when no
# registry answers). The image builds the tree itself: no `build` needed.
test-docker: test-deps
	@python3 tests/docker/run

# test-snapshot first, the leftovers check last: no server, sandbox,
# PostgreSQL, node or nginx of the run may still be running, and the tree
# must be as the snapshot found it (scripts/check-leftovers).
.PHONY: test-snapshot
test-snapshot:
	@scripts/check-leftovers --snapshot $(BUILD)/leftovers-before.json

test: test-snapshot test-deps build test-unit test-fuzz-corpus test-sandbox test-integration test-leaks test-e2e test-docker
	@scripts/check-leftovers --check $(BUILD)/leftovers-before.json
	@echo "make test: all suites passed"

bench: bench-deps build
	@$(MAKE) -s -C sandbox bench
	@python3 bench/gateway.py 1000
	@python3 bench/run.py

clean:
	rm -rf $(BUILD) src/db/migrations_embed.c src/http/assets_table.c
	@if [ -f sandbox/Makefile ]; then $(MAKE) -C sandbox clean; fi

# ---- fuzzing (make fuzz): libFuzzer targets, FUZZ_SECONDS each ------------

FUZZ_SECONDS	?= 60
FUZZ_CC		:= clang
FUZZ_CFLAGS	:= -std=c11 -D_GNU_SOURCE -Isrc -Isandbox \
		   -I/usr/include/postgresql -DKORE_USE_PGSQL -DKORE_USE_TASKS \
		   -Wall -Wextra -Werror -Wno-unused-parameter -g -O1 \
		   -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer \
		   -fno-sanitize-recover=all
FUZZ_LIBS	:= -ljansson -lcrypto -ljwt -largon2 -lpthread
FUZZ_TARGETS	:= $(patsubst fuzz/%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_SRC_fuzz_mcp_rpc		:= src/mcp/protocol.c $(CORE_SRC)
FUZZ_SRC_fuzz_api_fields	:= src/api/support.c $(CORE_SRC)
FUZZ_SRC_fuzz_frame		:= src/core/frame.c
FUZZ_SRC_fuzz_core		:= $(CORE_SRC)

.PHONY: fuzz fuzz-build fuzz-deps
# The targets link the build's libraries (jansson, OpenSSL, libjwt,
# argon2, the PostgreSQL headers) besides clang.
fuzz-deps:
	@scripts/install-deps build dev

.SECONDEXPANSION:
$(BUILD)/fuzz/%: fuzz/%.c $$(FUZZ_SRC_$$*) src/core/core.h
	@mkdir -p $(BUILD)/fuzz
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_SRC_$*) $(FUZZ_LIBS)

fuzz-build: fuzz-deps $(FUZZ_TARGETS:%=$(BUILD)/fuzz/%)

# make test replays every committed corpus (seeds and past crashes) with
# the ordinary compiler and sanitizers: no clang needed.
$(BUILD)/fuzz-replay/%: fuzz/%.c fuzz/replay.c $$(FUZZ_SRC_$$*) src/core/core.h
	@mkdir -p $(BUILD)/fuzz-replay
	$(CC) $(CHECK_CFLAGS) -Isandbox -I/usr/include/postgresql \
	    -DKORE_USE_PGSQL -DKORE_USE_TASKS -Wno-unused-parameter \
	    $(SANITIZE) -o $@ $< fuzz/replay.c $(FUZZ_SRC_$*) $(FUZZ_LIBS)

.PHONY: test-fuzz-corpus
test-fuzz-corpus: deps $(FUZZ_TARGETS:%=$(BUILD)/fuzz-replay/%)
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "== corpus $$t"; $(BUILD)/fuzz-replay/$$t fuzz/corpus/$$t; \
	done

# Each target runs on a scratch copy of its committed seeds; a crash
# leaves its input in $(BUILD)/fuzz/ and fails the run.
fuzz: fuzz-build
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "== $$t ($(FUZZ_SECONDS) s)"; \
		rm -rf $(BUILD)/fuzz/corpus-$$t; \
		mkdir -p $(BUILD)/fuzz/corpus-$$t; \
		$(BUILD)/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) \
		    -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
		    -artifact_prefix=$(BUILD)/fuzz/$$t- \
		    $(BUILD)/fuzz/corpus-$$t fuzz/corpus/$$t 2>&1 | \
		    grep -E '^(stat::number_of_executed_units|stat::new_units_added|==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)' \
		    ; test $${PIPESTATUS[0]} -eq 0; \
	done
