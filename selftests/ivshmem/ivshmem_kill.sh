#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# ivshmem_kill.sh (multi-guest, every guest; the last program of the
# group): the host kills guest b's QEMU.  Guest a sees the peer lost within
# the bound it states (sysfs loss_ms), its client gets a DIBS_DEV_EVENT
# (DIBS_DEV_DISABLED) with b's GID, b's GID is no longer reachable and
# move_data into b's DMB is refused.  Prints the detection time.
# shellcheck disable=SC2317 # functions run through ktap_check

cd "$(dirname "$0")" || exit 1
# shellcheck source=./ivshmem_lib.sh
. ./ivshmem_lib.sh

trap ivs_down EXIT

if [ "$DIBS_ROLE" = b ]; then
	ktap_plan 2
	ktap_check "dibs_ivshmem and ivs_test loaded, guest a is a peer" ivs_up
	multi_put gid "$(cat "/sys/class/dibs/$DEV/gid")"
	multi_put tok "$(ivt reg "$DEV" "$(multi_get gid@a)" 4096 | cut -d' ' -f1)"
	sleep 100
	ktap_fail "guest b was not killed within 100 s"
	ktap_finished
fi

ktap_plan 6
ktap_check "dibs_ivshmem and ivs_test loaded, guest b is a peer" ivs_up
multi_put gid "$(cat "/sys/class/dibs/$DEV/gid")"
BGID=$(multi_get gid@b)
BTOK=$(multi_get tok@b)
BOUND=$(ivs_attr "$PCI" loss_ms)
ktap_check "move_data into guest b's DMB before" test "$(ivt move "$DEV" "$BTOK" 0 1 1 0 0)" = 0
ktap_check "the host killed guest b's QEMU" multi_host kill b
t0=$(ivs_uptime)
detect() {
	_i=0
	while [ "$(ivs_attr "$PCI" nr_peers)" != 0 ] && [ "$_i" -lt 300 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	t1=$(ivs_uptime)
	ms=$(echo "$t0 $t1" | awk '{ printf "%d", ($2 - $1) * 1000 }')
	ktap_diag "peer loss detected after $ms ms (bound $BOUND ms)"
	echo "# bench: ivshmem peer-loss detection $ms ms (bound $BOUND ms)"
	[ "$(ivs_attr "$PCI" nr_peers)" = 0 ] && [ "$ms" -le "$BOUND" ]
}
ktap_check "guest a sees b lost within $BOUND ms" detect
event() {
	ktap_diag "$(ivt stat)"
	# DIBS_DEV_EVENT (1), DIBS_DEV_DISABLED (1), b's GID
	[ "$(ivt_stat type)" = 1 ] && [ "$(ivt_stat sub)" = 1 ] &&
		[ "$(ivt_stat gid)" = "$BGID" ]
}
ktap_check "its client got DIBS_DEV_EVENT/DIBS_DEV_DISABLED for b's GID" event
gone() {
	_q=$(ivt query "$DEV" "$BGID")
	_m=$(ivt move "$DEV" "$BTOK" 0 1 1 0 0)
	ktap_diag "query_remote_gid $_q, move_data $_m"
	[ "$_q" = -101 ] && [ "$_m" = -13 ]
}
ktap_check "b is unreachable, move_data into its DMB refused" gone
ktap_finished
