#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark of dibs_lo (make bench; not part of make check): dibs_bench.ko
# measures move_data() against memcpy() for 4 KiB, 64 KiB and 1 MiB writes,
# and register+unregister pairs per second with 1 and with 4000 live DMBs.
# Prints the figures as KTAP diagnostics; fails only if an operation fails,
# never on a figure.  DIBS_BENCH_MS (default 500) and DIBS_BENCH_ROUNDS
# (default 3) tune the measurement.

# shellcheck disable=SC2317 # functions run through trap and ktap_check
# shellcheck source=../lib/ktap.sh
. ../lib/ktap.sh
# shellcheck source=dibs_lib.sh
. ./dibs_lib.sh

tmp=${TMPDIR:-/tmp}/dibs_bench.$$
mkdir -p "$tmp" || exit 1
core_was_loaded=0
dibs_loaded dibs_core && core_was_loaded=1

cleanup() {
	dibs_unload dibs_bench
	dibs_unload dibs_lo
	[ "$core_was_loaded" = 1 ] || dibs_unload dibs_core
	rm -rf "$tmp"
}
trap cleanup EXIT

ktap_plan 4
ktap_check "modprobe dibs_lo" modprobe dibs_lo
run=$(dibs_run_id)
if modprobe dibs_bench run_id="$run" ms="${DIBS_BENCH_MS:-500}" \
		rounds="${DIBS_BENCH_ROUNDS:-3}"; then
	ktap_pass "modprobe dibs_bench"
else
	ktap_fail "modprobe dibs_bench"
fi
dibs_module_log dibs_bench "$run" > "$tmp/log"
if dibs_reemit "$tmp/log"; then
	ktap_pass "dibs_bench.ko measurements"
else
	ktap_fail "dibs_bench.ko measurements"
fi
# the figures once more, unindented, for logs and Documentation/benchmarks.rst
grep '^# ' "$tmp/log"
if dibs_unload dibs_bench && dibs_unload dibs_lo; then
	ktap_pass "modules unload"
else
	ktap_fail "modules unload"
fi
ktap_finished
