#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# dibsctl_dmbs.sh - the DMBs in use: sysfs `dmbs`, the DMBS column and the
# DMB list of dibsctl agree, on devices that can hold 65535 DMBs; and
# reading the count (sysfs, dev-get do and dump) takes no lock of the
# device (its IRQ-safe lock is the one ISM's interrupt handler needs), as
# the function graph tracer shows.

cd "$(dirname "$0")" || exit 1
. ../lib/ktap.sh
. ./dibsctl_lib.sh

TRACING=/sys/kernel/tracing
READS=20

dctl_init
ktap_plan 6

# check_counts: for every device, sysfs dmbs = DMBS column = DMBs listed.
check_counts() {
	_ok=0
	for _d in $(dctl_devs); do
		_sys=$(cat /sys/class/dibs/$_d/dmbs)
		_col=$(dibsctl dev show "$_d" | awk 'NR == 2 { split($5, a, "/"); print a[1] }')
		_list=$(dibsctl dmb show dev "$_d" | awk 'NR > 1' | wc -l)
		if [ "$_sys" != "$_col" ] || [ "$_sys" != "$_list" ]; then
			ktap_diag "$_d: sysfs dmbs $_sys, DMBS column $_col, $_list DMBs listed"
			_ok=1
		fi
	done
	return $_ok
}

total_dmbs() {
	cat /sys/class/dibs/*/dmbs | awk '{ n += $1 } END { print n + 0 }'
}

tracing_off() {
	echo 0 > $TRACING/tracing_on
	echo nop > $TRACING/current_tracer
	echo > $TRACING/set_graph_function
	echo 1 > $TRACING/options/funcgraph-irqs 2> /dev/null
	echo > $TRACING/trace
}

if modprobe dibs_lo devices=2 max_dmbs=65535; then
	ktap_pass "modprobe dibs_lo devices=2 max_dmbs=65535"
else
	ktap_fail "modprobe dibs_lo devices=2 max_dmbs=65535"
fi
if modprobe dibs_test run_id=$(( $(date +%s) % 100000 * 1000 + $$ % 1000 )); then
	ktap_pass "modprobe dibs_test (clients with DMBs)"
else
	ktap_fail "modprobe dibs_test (clients with DMBs)"
fi
n0=$(total_dmbs)
ktap_diag "$n0 DMBs in use"
if [ "$n0" -gt 0 ] && check_counts; then
	ktap_pass "sysfs dmbs, the DMBS column and the DMB list agree ($n0 DMBs)"
else
	ktap_fail "sysfs dmbs, the DMBS column and the DMB list agree ($n0 DMBs)"
fi

# the self-check registers and unregisters a DMB on every device
dibsctl selftest all > /dev/null
n1=$(total_dmbs)
if [ "$n1" = "$n0" ] && check_counts; then
	ktap_pass "after the self-check on every device: still $n1, and they agree"
else
	ktap_fail "after the self-check on every device: $n0 -> $n1 DMBs"
fi

# Who takes which lock under dmbs_show() and dibs_dev_dmbs_in_use()?
if [ ! -w $TRACING/set_graph_function ] ||
   ! grep -qw function_graph $TRACING/available_tracers; then
	ktap_skip "reading the DMB count takes no lock" "no function graph tracer"
	ktap_skip "the trace saw the reads" "no function graph tracer"
	ktap_finished
	exit 0
fi
tracing_off
if ! echo 'dmbs_show dibs_dev_dmbs_in_use' > $TRACING/set_graph_function; then
	ktap_fail "reading the DMB count takes no lock (cannot trace)"
	ktap_fail "the trace saw the reads"
	tracing_off
	ktap_finished
	exit 1
fi
# interrupts that arrive meanwhile are not ours
echo 0 > $TRACING/options/funcgraph-irqs 2> /dev/null
echo function_graph > $TRACING/current_tracer
echo 1 > $TRACING/tracing_on
ndev=0
for _d in $(dctl_devs); do
	ndev=$((ndev + 1))
	_i=0
	while [ $_i -lt $READS ]; do
		cat /sys/class/dibs/$_d/dmbs > /dev/null
		_i=$((_i + 1))
	done
	dibsctl dev show "$_d" > /dev/null
done
dibsctl dev > /dev/null
echo 0 > $TRACING/tracing_on
cat $TRACING/trace > "$DCTL_TMP/trace"
tracing_off

# entries look like "dmbs_show [dibs_core]() {" (module functions)
shows=$(grep -cE 'dmbs_show( \[[a-z_]+\])?\(\)' "$DCTL_TMP/trace")
counts=$(grep -cE 'dibs_dev_dmbs_in_use( \[[a-z_]+\])?\(\)' "$DCTL_TMP/trace")
locks=$(grep -c 'spin_lock' "$DCTL_TMP/trace")
ktap_diag "traced: $shows dmbs_show, $counts dibs_dev_dmbs_in_use, $locks spin locks taken in them"
# A stray softirq may take a lock now and then; a scan takes one per read.
[ "$locks" -gt 0 ] && grep -B4 -m 2 'spin_lock' "$DCTL_TMP/trace" | sed 's/^/# /'
if [ $((locks * 4)) -lt $((shows + counts)) ]; then
	ktap_pass "reading the DMB count takes no lock"
else
	ktap_fail "reading the DMB count takes no lock"
fi
# sysfs reads of every device, plus a do and a dump per device (netlink)
if [ "$shows" -ge $((ndev * READS)) ] && [ "$counts" -ge $((ndev * 2)) ]; then
	ktap_pass "the trace saw the reads ($ndev devices)"
else
	ktap_fail "the trace saw the reads ($ndev devices, $READS sysfs reads each)"
fi
ktap_finished
