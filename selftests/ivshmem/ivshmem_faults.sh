#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# ivshmem_faults.sh (multi-guest, every guest): the fault-injection walk
# of dibs_ivshmem's probe on a function attached to a live server with a
# live peer.  Guest a loads dibs_ivshmem with its 1st, 2nd, 3rd ...
# allocation failed (selftests/faults/fault_walk load: finit_module runs
# the PCI probe in the same task; every step fails cleanly or succeeds,
# and is unloaded) while guest b keeps dibs_ivshmem loaded and sees guest
# a come and go.  Then a loads it for good: both guests must be peers
# again and move data both ways (what the walk left in the shared memory
# does not confuse either), and neither kernel log may have a report
# (the harness's check).  Needs fail-nth and failslab/fail_page_alloc in
# debugfs (the 6.1-debug kernel); skips elsewhere.
# shellcheck disable=SC2317 # functions run through ktap_check

cd "$(dirname "$0")" || exit 1
# shellcheck source=./ivshmem_lib.sh
. ./ivshmem_lib.sh

dbg=/sys/kernel/debug
[ -d "$dbg/failslab" ] || mount -t debugfs none "$dbg" 2> /dev/null
if [ ! -e /proc/thread-self/fail-nth ] || [ ! -d "$dbg/failslab" ] ||
	[ ! -d "$dbg/fail_page_alloc" ]; then
	ktap_plan 1
	ktap_skip "dibs_ivshmem probe fault walk" "no fail-nth or failslab/fail_page_alloc (kernel without fault injection)"
	ktap_finished
fi

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
	ivs_down
}
trap cleanup EXIT

O=$(ivs_other)
LEN=4096
ktap_plan 5

if [ "$DIBS_ROLE" = a ]; then
	# As selftests/faults/faults.sh: only fail-nth fails anything.
	for _a in failslab fail_page_alloc; do
		knob "$dbg/$_a/ignore-gfp-wait" N
		knob "$dbg/$_a/verbose" 0
		knob "$dbg/$_a/probability" 0
	done
	knob "$dbg/fail_page_alloc/ignore-gfp-highmem" N
	knob "$dbg/fail_page_alloc/min-order" 0
	ko=$(find "/lib/modules/$(uname -r)" -name dibs_ivshmem.ko | head -n 1)
	modprobe dibs_core
	multi_sync walk
	tmp=${TMPDIR:-/tmp}/ivs_faults.$$
	../faults/fault_walk load "$ko" > "$tmp" 2>&1
	rc=$?
	sed 's/^/  /' "$tmp"
	n=$(sed -n 's/^# [^ ]*: \([0-9]*\) allocation points.*/\1/p' "$tmp")
	rm -f "$tmp"
	if [ "$rc" = 0 ] && [ -n "$n" ]; then
		ktap_pass "dibs_ivshmem probe under fault injection: $n allocation points, every step clean"
	else
		ktap_fail "dibs_ivshmem probe under fault injection (fault_walk exit $rc)"
	fi
	multi_sync walked
else
	ktap_check "guest b: dibs_ivshmem loaded" modprobe dibs_ivshmem
	multi_sync walk
	multi_sync walked
fi

ktap_check "dibs_ivshmem and ivs_test loaded, the other guest is a peer again" ivs_up
multi_put gid "$(cat "/sys/class/dibs/$DEV/gid")"
OGID=$(multi_get "gid@$O")
TOK=$(ivt reg "$DEV" "$OGID" "$LEN" | cut -d' ' -f1)
multi_put tok "$TOK"
OTOK=$(multi_get "tok@$O")
ktap_check "a DMB for the other guest registered" test -n "$TOK"
multi_sync registered
# move_data with a signal into the other's DMB; the other's byte arrives.
byte=3
[ "$DIBS_ROLE" = a ] && byte=5
ktap_check "move_data into the other guest's DMB" test "$(ivt move "$DEV" "$OTOK" 0 1 "$byte" 1 0)" = 0
multi_sync moved
obyte=5
[ "$DIBS_ROLE" = a ] && obyte=3
arrived() {
	_i=0
	while [ "$(ivt peek "$TOK" 0)" != "$obyte" ] && [ "$_i" -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	[ "$(ivt peek "$TOK" 0)" = "$obyte" ]
}
ktap_check "the other guest's byte arrived" arrived
multi_sync finished
ktap_finished
