#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Two network namespaces joined by a veth pair, each with its own dibs_lo
# fabric device (lo1 for A, lo2 for B: distinct GIDs, fabric 0xFFFE), tied
# together by PNET IDs (SMC-Dv1).  Transfers in both
# directions, 1 byte to 64 MiB, many connections at once; every byte is
# checked, and smc_diag must show SMC-D with the GIDs of lo1 and lo2 on both
# ends.  The loopback device `lo` must stay unused.
#
# Where smc uses its system EID (s390, see smcd_seid in smcd_lib.sh) every
# connection negotiates SMC-Dv2 despite the PNET tables, and smc's v2 device
# choice does not look at namespaces: the server takes the first SMC-D
# device in its (global) list with the client's CHID, and all dibs_lo fabric
# devices share CHID 0xFFFE.  There the client still uses its own device
# (lo1 from A, lo2 from B) and the server either its own or the client's:
# the GID checks accept both, the byte counts are checked for lo1 and lo2
# together.
# shellcheck disable=SC2317 # functions run through ktap_check

# shellcheck source=../lib/ktap.sh
. ../lib/ktap.sh
# shellcheck source=smcd_lib.sh
. ./smcd_lib.sh

trap smcd_cleanup EXIT
# runs where smc has no SMC_GEN_NETLINK too (smcd_lib.sh)
# shellcheck disable=SC2034 # read by smcd_need_smc
SMCD_NO_SMC_NETLINK_OK=1
smcd_need_smc

ktap_plan 12

ktap_check "load dibs_lo devices=2, dibs_smcd" smcd_load devices=2
ktap_check "namespaces A and B joined by veth" smcd_netns_setup
GA=$(smcd_gid lo1)
GB=$(smcd_gid lo2)
ktap_diag "A: lo1 GID $GA, B: lo2 GID $GB"
SEID=$(smcd_seid)
[ "$SEID" = 0 ] || ktap_diag "smc uses its system EID: SMC-Dv2, the server may use either fabric device"

ktap_check "PNET IDs: NSA for smcda (A) and lo1, NSB for smcdb (B) and lo2" \
	smcd_netns_pnet lo1 lo2
smcd_show device


# The first connection between two SMC-D devices creates a link group on
# each; connections racing with it are declined by dibs_smcd and fall back
# to TCP (smc 6.1 would end them all otherwise: smcd_race.sh,
# Documentation/smcd.rst).  Every connection here must be SMC-D: one
# connection first, then the concurrent ones.
ktap_check "A->B: first connection (link groups)" smcd_netns_xfer ab0 5200 A B 1 1000
ktap_check "A->B: 8 connections x 1 B..4 MiB" smcd_netns_xfer ab1 5201 A B 8 1,1000,65536,1048577,4M
ktap_check "B->A: 8 connections x 1 B..4 MiB" smcd_netns_xfer ba1 5202 B A 8 1,1000,65536,1048577,4M
m0="$(smcd_moved lo) $(smcd_moved lo1) $(smcd_moved lo2)"
ktap_check "A->B: 2 connections x 64 MiB" smcd_netns_xfer ab2 5203 A B 2 64M
m1="$(smcd_moved lo) $(smcd_moved lo1) $(smcd_moved lo2)"
# lo1 wrote the 128 MiB up into lo2's DMBs, lo2 the 128 MiB down, lo nothing
# (system EID: lo1 and lo2 together 256 MiB)
moved() {
	ktap_diag "bytes_moved lo lo1 lo2: $m0 -> $m1"
	# shellcheck disable=SC2086 # split into the six counters
	set -- $m0 $m1
	[ "$1" -eq "$4" ] || return 1
	if [ "$SEID" = 0 ]; then
		[ $(($5 - $2)) -ge 134217728 ] && [ $(($6 - $3)) -ge 134217728 ]
	else
		[ $(($5 - $2 + $6 - $3)) -ge 268435456 ]
	fi
}
mname="A->B 64 MiB: lo1 and lo2 each moved 128 MiB, lo nothing"
[ "$SEID" = 0 ] || mname="A->B 64 MiB: lo1 and lo2 together moved 256 MiB, lo nothing"
if command -v dibsctl > /dev/null; then
	ktap_check "$mname" moved
else
	ktap_skip "$mname" "no dibsctl"
fi
ktap_check "B->A: 2 connections x 64 MiB" smcd_netns_xfer ba2 5204 B A 2 64M
ktap_check "A->B: 48 concurrent connections" smcd_netns_xfer ab3 5205 A B 48 1,16384

# both directions at the same time
both() {
	smcd_server bb1 "$SMCD_NS_B" -a 10.7.0.2 -p 5206 --count 16 --expect smcd || return 1
	_s1=$SMCD_SERVER
	smcd_server bb2 "$SMCD_NS_A" -a 10.7.0.1 -p 5207 --count 16 --expect smcd || return 1
	_s2=$SMCD_SERVER
	nsenter -t "$SMCD_NS_A" -n ./smcd_xfer client -a 10.7.0.2 -p 5206 -n 8 -s 1,2M \
		--expect smcd --gids "$(smcd_cgids "$GA" "$GB")" &
	_c1=$!
	nsenter -t "$SMCD_NS_B" -n ./smcd_xfer client -a 10.7.0.1 -p 5207 -n 8 -s 1,2M \
		--expect smcd --gids "$(smcd_cgids "$GB" "$GA")"
	_rc=$?
	wait "$_c1" || _rc=1
	smcd_server_wait bb1 "$_s1" "$_rc" || _rc=1
	smcd_server_wait bb2 "$_s2" "$_rc" || _rc=1
	return "$_rc"
}
ktap_check "A<->B at the same time" both

used() {
	_l1=$(cat /sys/class/dibs/lo1/dmbs) _l2=$(cat /sys/class/dibs/lo2/dmbs)
	_l0=$(cat /sys/class/dibs/lo/dmbs)
	ktap_diag "DMBs: lo $_l0, lo1 $_l1, lo2 $_l2"
	[ "$_l0" -eq 0 ] || return 1
	if [ "$SEID" = 0 ]; then
		[ "$_l1" -gt 0 ] && [ "$_l2" -gt 0 ]
	else
		[ $((_l1 + _l2)) -gt 0 ]
	fi
}
if [ "$SEID" = 0 ]; then
	ktap_check "DMBs on lo1 and lo2, none on lo" used
else
	ktap_check "DMBs on the fabric devices, none on lo" used
fi

ktap_finished
