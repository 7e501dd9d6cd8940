#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# ivshmem_pair.sh (multi-guest, every guest): two guests on one
# dibs-ivshmem-server.  Each sees the other as a peer, the GIDs and fabric
# ids agree, each registers a DMB for the other as writer, the other writes
# its first, middle and last byte with move_data() (the last with a signal),
# the reader checks the bytes and the signal's index and mask.  Out of
# bounds, a wrong writer and unknown tokens are refused; dibsctl selftest
# passes on both devices.
# shellcheck disable=SC2317 # functions run through ktap_check

cd "$(dirname "$0")" || exit 1
# shellcheck source=./ivshmem_lib.sh
. ./ivshmem_lib.sh

trap ivs_down EXIT
O=$(ivs_other)
LEN=65536
ktap_plan 15

ktap_check "dibs_ivshmem and ivs_test loaded, the other guest is a peer" ivs_up
GID=$(cat "/sys/class/dibs/$DEV/gid")
FAB=$(cat "/sys/class/dibs/$DEV/fabric_id")
multi_put gid "$GID"
multi_put fabric "$FAB"
OGID=$(multi_get "gid@$O")
OFAB=$(multi_get "fabric@$O")
ktap_diag "$DEV: GID $GID fabric $FAB; guest $O: GID $OGID fabric $OFAB"

shows() {
	dibsctl dev > /tmp/ivs_dev 2>&1
	sed 's/^/# /' /tmp/ivs_dev
	grep -q "^$DEV  *ivshmem  *$GID" /tmp/ivs_dev &&
		grep -q "^    peers 1\$" /tmp/ivs_dev &&
		dibsctl -j dev show "$DEV" | grep -q '"peers":1'
}
ktap_check "dibsctl dev shows $DEV, kind ivshmem, its GID, 1 peer (table and JSON)" shows
ktap_check "the peer list holds guest $O's GID" grep -q " $OGID\$" "$PCI/dibs_ivshmem/peers"
ktap_check "both guests report fabric $FAB" test "$FAB" = "$OFAB"
ktap_check "query_remote_gid($O) is 0" test "$(ivt query "$DEV" "$OGID")" = 0
ktap_check "query_remote_gid(unknown GID) is -ENETUNREACH" \
	test "$(ivt query "$DEV" 0badc0de-0000-4000-8000-000000000001)" = -101

reg() {
	# shellcheck disable=SC2046 # token and index
	set -- $(ivt reg "$DEV" "$OGID" "$LEN")
	TOK=$1
	IDX=$2
	[ -n "$IDX" ]
}
ktap_check "register a DMB of $LEN bytes for guest $O" reg

# The DMB's pages are struct pages of one compound page (BAR2 mapped with
# memremap_pages()), as smc's splice() needs, unless the kernel has no
# ZONE_DEVICE and the driver said so.
pages() {
	_want=yes
	dmesg | grep -q "kernel without compound ZONE_DEVICE pages: DMBs have no struct pages" && _want=no
	_got=$(ivt pages "$TOK")
	ktap_diag "DMB pages: $_got (expected $_want)"
	[ "$_got" = "$_want" ] && ! dmesg | grep -q "BAR2 without struct pages"
}
ktap_check "the DMB's pages are struct pages, one compound page, unless the kernel lacks ZONE_DEVICE" pages

# A DMB bigger than a slot's data area is refused, and the kernel log
# says why (QEMU's ivshmem-server's default 4 MiB region is too small for
# SMC-D's DMBs: Documentation/ivshmem.rst).
too_big() {
	[ "$(ivt reg "$DEV" "$OGID" 4294963200)" = -22 ] &&
		dmesg | grep -q "no room for a DMB of 4294963200 bytes: .* KiB free in slot"
}
ktap_check "a DMB of 4294963200 bytes is refused (-EINVAL) with a kernel log line saying why" too_big
multi_put tok "$TOK"
OTOK=$(multi_get "tok@$O")
ktap_diag "my DMB $TOK (index $IDX), guest $O's $OTOK"

write() {
	[ "$(ivt move "$DEV" "$OTOK" 0 1 17 0 0)" = 0 ] &&
		[ "$(ivt move "$DEV" "$OTOK" $((LEN / 2)) 1 34 0 0)" = 0 ] &&
		[ "$(ivt move "$DEV" "$OTOK" $((LEN - 1)) 1 51 1 3)" = 0 ]
}
ktap_check "move_data into guest $O's DMB: first, middle, last byte (signal idx 3)" write
multi_sync written

got() {
	_i=0
	while [ "$(ivt_stat irqs)" = 0 ] && [ "$_i" -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	ktap_diag "$(ivt stat)"
	[ "$(ivt_stat irqs)" -ge 1 ] && [ "$(ivt_stat idx)" = "$IDX" ] &&
		[ "$(ivt_stat mask)" = 0x0200 ]
}
ktap_check "the signal arrived: index $IDX, mask 0x0200" got
bytes() {
	_b="$(ivt peek "$TOK" 0) $(ivt peek "$TOK" 1) $(ivt peek "$TOK" $((LEN / 2))) $(ivt peek "$TOK" $((LEN - 2))) $(ivt peek "$TOK" $((LEN - 1)))"
	ktap_diag "bytes 0 1 middle last-1 last: $_b"
	[ "$_b" = "17 0 34 0 51" ]
}
ktap_check "my DMB holds 17 at 0, 34 in the middle, 51 at the last byte, 0 between" bytes

refused() {
	# the same token with another generation (the low 32 bits)
	_bad=$(printf '%s%08x' "${OTOK%????????}" $((0x${OTOK#????????} ^ 1)))
	_oob=$(ivt move "$DEV" "$OTOK" $((LEN - 1)) 2 1 0 0)
	_own=$(ivt move "$DEV" "$TOK" 0 1 1 0 0)
	_unk=$(ivt move "$DEV" "$_bad" 0 1 1 0 0)
	_tag=$(ivt move "$DEV" 1234 0 1 1 0 0)
	ktap_diag "out of bounds $_oob, own DMB (wrong writer) $_own, other generation $_unk ($_bad), bad tag $_tag"
	[ "$_oob" = -22 ] && [ "$_own" = -13 ] && [ "$_unk" = -22 ] && [ "$_tag" = -22 ]
}
ktap_check "refused: out of bounds, wrong writer, unknown tokens" refused
multi_sync refused
ktap_check "nothing refused reached my DMB" bytes

selftest() {
	dibsctl selftest run "$DEV" > /tmp/ivs_st 2>&1
	_rc=$?
	sed 's/^/# /' /tmp/ivs_st
	[ "$_rc" = 0 ]
}
ktap_check "dibsctl selftest run $DEV" selftest
multi_sync finished
ktap_finished
