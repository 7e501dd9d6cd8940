#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Stress of dibs_core + dibs_lo: dibs_stress.ko runs writer kthreads doing
# move_data() on DMBs that another kthread unregisters and re-registers,
# and on a device that a third kthread creates and deletes under the
# traffic, for DIBS_STRESS_DURATION seconds (default 30).  Then checks that
# the module reported no failure, that nothing is left and that the kernel
# log is clean.  Meanwhile `dibsctl selftest run dstr0` runs again and again:
# its dmbs-in-use check must pass although the churn changes how many DMBs
# the device holds all the time (only the self-check's own count).

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

ktap_plan 7
run=$(dibs_run_id)
mark="dibs_stress.sh: start run=$run"
dibs_mark "$mark"

# the self-check on dstr0, from when dibs_stress has made it until it goes
selfcheck_loop() {
	_n=0
	while [ ! -e /sys/class/dibs/dstr0 ] && [ "$_n" -lt 300 ]; do
		usleep 100000
		_n=$((_n + 1))
	done
	while [ -e /sys/class/dibs/dstr0 ]; do
		dibsctl selftest run dstr0 >> "$tmp/selfcheck" 2>&1
		usleep 200000
	done
}

ktap_check "modprobe dibs_lo" modprobe dibs_lo
ktap_diag "$duration s of traffic"
: > "$tmp/selfcheck"
sc=""
if command -v dibsctl > /dev/null; then
	selfcheck_loop &
	sc=$!
fi
if modprobe dibs_stress duration="$duration" run_id="$run"; then
	ktap_pass "modprobe dibs_stress"
else
	ktap_fail "modprobe dibs_stress"
fi
[ -z "$sc" ] || wait "$sc"

# dstr0's dmbs-in-use: passed in every run, and there were runs
selfcheck_ok() {
	_runs=$(awk '$1 == "dstr0" && $2 == "dmbs-in-use"' "$tmp/selfcheck" | wc -l)
	_bad=$(awk '$1 == "dstr0" && $2 == "dmbs-in-use" && $3 != "pass"' "$tmp/selfcheck")
	ktap_diag "self-check runs on dstr0 under the churn: $_runs"
	if [ -n "$_bad" ]; then
		echo "$_bad" | head -n 5 | sed 's/^/# /'
		return 1
	fi
	[ "$_runs" -gt 0 ]
}
if [ -z "$sc" ]; then
	ktap_skip "self-check dmbs-in-use under the churn" "no dibsctl"
else
	ktap_check "self-check dmbs-in-use under the churn" selfcheck_ok
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
