#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Fault injection over the allocation points of our code (a kernel with
# CONFIG_FAULT_INJECTION, FAILSLAB, FAIL_PAGE_ALLOC and their debugfs: the
# 6.1-debug flavour; elsewhere the group skips).  fault_walk fails the
# 1st, 2nd, 3rd ... allocation of one operation (/proc/thread-self/fail-nth;
# slab and page allocator, sleeping allocations and order 0 included)
# until the operation no longer reaches the fault, and checks after each
# step that it failed with an error and changed nothing (sysfs devices and
# DMB counts, netlink's device list, ISM emulator functions, modules).
# Operations: dibs_lo's load (devices=2), each op of the dibs netlink
# family, do and dump (dev-new and dev-del of a lo device, the self-check,
# which registers and unregisters DMBs through register_dmb), and the ISM
# probe against the emulator (ism_emu's load, functions=1).  Each walk
# prints its count of allocation points; the kernel log of the walks must
# have no report (the harness's kmemleak scan at the end of the run finds
# any leak).
# shellcheck disable=SC2317 # functions run through ktap_check

cd "$(dirname "$0")" || exit 1
# shellcheck source=../lib/ktap.sh
. ../lib/ktap.sh
# shellcheck source=../dibs/dibs_lib.sh
. ./dibs_lib.sh

if [ ! -e /proc/thread-self/fail-nth ]; then
	ktap_plan 1
	ktap_skip "fault injection" "no /proc/thread-self/fail-nth (kernel without CONFIG_FAULT_INJECTION)"
	ktap_finished
fi
dbg=/sys/kernel/debug
[ -d "$dbg/failslab" ] || mount -t debugfs none "$dbg" 2> /dev/null
if [ ! -d "$dbg/failslab" ] || [ ! -d "$dbg/fail_page_alloc" ]; then
	ktap_plan 1
	ktap_skip "fault injection" "no failslab/fail_page_alloc in debugfs (CONFIG_FAILSLAB, FAIL_PAGE_ALLOC, FAULT_INJECTION_DEBUG_FS)"
	ktap_finished
fi

core_was_loaded=0
dibs_loaded dibs_core && core_was_loaded=1
saved=""
# knob FILE VALUE: set a fault attribute, restored at the end
knob() {
	saved="$saved $1=$(cat "$1")"
	echo "$2" > "$1"
}
cleanup() {
	for _kv in $saved; do
		echo "${_kv#*=}" > "${_kv%%=*}"
	done
	dibs_unload ism_emu
	dibs_unload dibs_ism
	dibs_unload dibs_lo
	[ "$core_was_loaded" = 1 ] || dibs_unload dibs_core
}
trap cleanup EXIT

# Only fail-nth fails anything (probability stays 0); sleeping (GFP_KERNEL)
# allocations and order-0 pages too; no stack dump per injected fault.
for _a in failslab fail_page_alloc; do
	knob "$dbg/$_a/ignore-gfp-wait" N
	knob "$dbg/$_a/verbose" 0
	knob "$dbg/$_a/probability" 0
done
knob "$dbg/fail_page_alloc/ignore-gfp-highmem" N
knob "$dbg/fail_page_alloc/min-order" 0

ko() {
	find "/lib/modules/$(uname -r)" -name "$1.ko" | head -n 1
}

total=0
# walk NAME OP ARGS...: one fault_walk, its output indented, its count
# added to the total
walk() {
	_name=$1
	shift
	./fault_walk "$@" > "$tmp" 2>&1
	_rc=$?
	sed 's/^/  /' "$tmp"
	_n=$(sed -n 's/^# [^ ]*: \([0-9]*\) allocation points.*/\1/p' "$tmp")
	[ -n "$_n" ] && total=$((total + _n))
	if [ "$_rc" -eq 0 ]; then
		ktap_pass "$_name: ${_n:-?} allocation points"
	else
		ktap_fail "$_name"
	fi
}
tmp=${TMPDIR:-/tmp}/faults.$$

ktap_plan 12
mark="faults.sh: start run=$(dibs_run_id)"
dibs_mark "$mark"

modprobe dibs_core
walk "dibs_lo load (finit_module)" load "$(ko dibs_lo)" devices=2
modprobe dibs_lo devices=2
walk "dev-get do" dev-get lo1
walk "dev-get dump" dev-dump
walk "client-get dump" client-get
walk "dmb-get dump" dmb-get
walk "dmb-get dump of one device" dmb-get lo1
walk "dev-new" dev-new lo flt0
dibsctl dev add lo name flt1 > /dev/null
walk "dev-del" dev-del flt1 lo
dibsctl dev del flt1 2> /dev/null
walk "selftest (register_dmb, unregister_dmb, move_data)" selftest lo1
walk "selftest of the loopback device" selftest lo
rmmod dibs_lo
modprobe dibs_ism
walk "ISM probe against the emulator (ism_emu load)" load "$(ko ism_emu)" functions=1
rmmod dibs_ism
rm -f "$tmp"
ktap_diag "faults: $total allocation points in all"

no_report() {
	_bad=$(dibs_log_since "$mark" |
		grep -E 'WARNING:|BUG:|Oops|general protection|circular locking|possible recursive locking|INFO:|KASAN|UBSAN|kernel BUG')
	[ -z "$_bad" ] || { ktap_diag "$_bad"; return 1; }
}
ktap_check "no kernel report during the walks" no_report
ktap_finished
