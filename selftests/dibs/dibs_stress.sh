#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Stress of dibs_core + dibs_lo: dibs_stress.ko runs writer kthreads doing
# move_data() on DMBs that another kthread unregisters and re-registers,
# and on a device that a third kthread creates and deletes under the
# traffic, for DIBS_STRESS_DURATION seconds (default 30).  Then checks that
# the module reported no failure, that nothing is left and that the kernel
# log is clean.

# shellcheck disable=SC2317 # functions run through trap and ktap_check
# shellcheck source=../lib/ktap.sh
. ../lib/ktap.sh
# shellcheck source=dibs_lib.sh
. ./dibs_lib.sh

duration=${DIBS_STRESS_DURATION:-30}
tmp=${TMPDIR:-/tmp}/dibs_stress.$$
mkdir -p "$tmp" || exit 1
core_was_loaded=0
dibs_loaded dibs_core && core_was_loaded=1

cleanup() {
	dibs_unload dibs_stress
	dibs_unload dibs_lo
	[ "$core_was_loaded" = 1 ] || dibs_unload dibs_core
	rm -rf "$tmp"
}
trap cleanup EXIT

only_lo_left() {
	[ "$(dibs_devices | tr '\n' ' ')" = "lo " ]
}

ktap_plan 6
run=$(dibs_run_id)
mark="dibs_stress.sh: start run=$run"
dibs_mark "$mark"

ktap_check "modprobe dibs_lo" modprobe dibs_lo
ktap_diag "$duration s of traffic"
if modprobe dibs_stress duration="$duration" run_id="$run"; then
	ktap_pass "modprobe dibs_stress"
else
	ktap_fail "modprobe dibs_stress"
fi
dibs_module_log dibs_stress "$run" > "$tmp/log"
if dibs_reemit "$tmp/log"; then
	ktap_pass "dibs_stress.ko cases"
else
	ktap_fail "dibs_stress.ko cases"
fi
ktap_check "only lo is left" only_lo_left
if dibs_unload dibs_stress && dibs_unload dibs_lo; then
	ktap_pass "modules unload"
else
	ktap_fail "modules unload"
fi
dibs_log_since "$mark" > "$tmp/kmsg"
if dibs_log_bad < "$tmp/kmsg" > "$tmp/bad"; then
	sed 's/^/# /' "$tmp/bad" | head -n 20
	ktap_fail "kernel log clean"
else
	ktap_pass "kernel log clean"
fi
ktap_finished
