#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# dibs_ivshmem on a guest with one ivshmem-doorbell function of its own
# (the only peer on its server): the device registers with its kind, GID
# and fabric id, the kernel self-check passes on it (a DMB for itself,
# move_data at several offsets up to the last byte, out of bounds refused,
# the signal through its own doorbell), tokens that are not its own are
# refused, and it unloads cleanly.  Skips without such a function.
# shellcheck disable=SC2317 # functions run through ktap_check

cd "$(dirname "$0")" || exit 1
# shellcheck source=./ivshmem_lib.sh
. ./ivshmem_lib.sh

PCI=$(ivs_pci) || {
	ktap_plan 1
	ktap_skip "ivshmem_single" "no ivshmem-doorbell function (1af4:1110)"
	ktap_finished
}
cleanup() {
	rmmod dibs_ivshmem 2> /dev/null
	rmmod dibs_core 2> /dev/null
}
trap cleanup EXIT

ktap_plan 7

load() {
	modprobe dibs_ivshmem || return 1
	DEV=$(ivs_dev "$PCI") && [ -n "$DEV" ]
}
ktap_check "modprobe dibs_ivshmem: a dibs device for $PCI" load
ktap_diag "device $DEV: ivposition $(ivs_attr "$PCI" ivposition) slot $(ivs_attr "$PCI" slot) of $(ivs_attr "$PCI" max_peers)"

kind() {
	dibsctl dev show "$DEV" > /tmp/ivs_show 2>&1
	sed 's/^/# /' /tmp/ivs_show
	grep -q "ivshmem" /tmp/ivs_show
}
ktap_check "dibsctl shows $DEV with kind ivshmem" kind

gid_fabric() {
	gid=$(cat "/sys/class/dibs/$DEV/gid") &&
		fab=$(cat "/sys/class/dibs/$DEV/fabric_id") || return 1
	ktap_diag "GID $gid fabric $fab"
	# a GID that is not all zeroes, a fabric that is not a software one
	[ "${gid#00000000-0000-0000-0000-000000000000}" = "$gid" ] &&
		[ $((fab)) -ge 1 ] && [ $((fab)) -le $((0xfeff)) ]
}
ktap_check "own GID set, fabric id 0x0001..0xfeff" gid_fabric

ktap_check "no peers on its own server" test "$(ivs_attr "$PCI" nr_peers)" = 0

selftest() {
	dibsctl selftest run "$DEV" > /tmp/ivs_st 2>&1
	_rc=$?
	sed 's/^/# /' /tmp/ivs_st
	[ "$_rc" = 0 ]
}
ktap_check "dibsctl selftest run $DEV (a DMB to itself, signal by doorbell)" selftest

ktap_check "no damage reported" test "$(ivs_attr "$PCI" damage)" = 0

unload() {
	rmmod dibs_ivshmem && [ ! -e "/sys/class/dibs/$DEV" ]
}
ktap_check "rmmod dibs_ivshmem removes $DEV" unload
ktap_finished
