# SPDX-License-Identifier: GPL-2.0
#
# Shared rules for a selftests group Makefile (kselftest's lib.mk, reduced).
# A group Makefile sets any of
#
#   TEST_PROGS       test scripts, run in order (busybox sh in the guests)
#   TEST_GEN_PROGS   C test programs built here from NAME.c, linked static
#   TEST_FILES       other files the tests need (installed, not run)
#   TEST_GEN_FILES   generated files the tests need (built, installed)
#   BENCH_PROGS      benchmark programs/scripts (`make bench`)
#   MULTI_PROGS      multi-guest programs: run on every guest of a set of
#                    guests attached to one ivshmem server (scripts/vm's
#                    multi-guest phase, Documentation/testing.rst), never in
#                    the normal run list
#   MULTI_BENCH_PROGS  multi-guest benchmarks: the same, for `make bench`
#   CFLAGS/LDLIBS    extra flags, e.g. $(shell pkg-config --cflags ...)
#
# and then `include ../lib/lib.mk`.  A `settings` file in the group
# (kselftest format, `timeout=SECONDS`) sets the per-test timeout.

GROUP := $(notdir $(patsubst %/,%,$(CURDIR)))
SELFTESTS_DIR := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)

CC ?= gcc
CFLAGS += -O2 -g -Wall -Wextra -D_GNU_SOURCE
LDFLAGS += -static

.PHONY: all install emit_tests emit_bench emit_multi emit_multi_bench run_tests clean

all: $(TEST_GEN_PROGS) $(TEST_GEN_FILES)

$(TEST_GEN_PROGS): %: %.c
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)

INSTALL_PATH ?= $(CURDIR)/install

install: all
	@mkdir -p $(INSTALL_PATH)
	@for f in $(TEST_PROGS) $(TEST_GEN_PROGS) $(BENCH_PROGS) $(MULTI_PROGS) $(MULTI_BENCH_PROGS); do \
		install -m 0755 $$f $(INSTALL_PATH)/ || exit 1; done
	@for f in $(TEST_FILES) $(TEST_GEN_FILES) $(wildcard settings); do \
		cp -p $$f $(INSTALL_PATH)/ || exit 1; done

emit_tests:
	@for f in $(TEST_PROGS) $(TEST_GEN_PROGS); do echo "$(GROUP)/$$(basename $$f)"; done

emit_bench:
	@for f in $(BENCH_PROGS); do echo "$(GROUP)/$$(basename $$f)"; done

emit_multi:
	@for f in $(MULTI_PROGS); do echo "$(GROUP)/$$(basename $$f)"; done

emit_multi_bench:
	@for f in $(MULTI_BENCH_PROGS); do echo "$(GROUP)/$$(basename $$f)"; done

run_tests: all
	@$(MAKE) -s --no-print-directory emit_tests > $(CURDIR)/.run_list
	@$(SELFTESTS_DIR)/lib/runner.sh -C $(SELFTESTS_DIR) $(CURDIR)/.run_list

clean:
	rm -f $(TEST_GEN_PROGS) $(TEST_GEN_FILES) $(EXTRA_CLEAN) $(CURDIR)/.run_list
