#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# SMC-D where smc has no netlink family of its own (SMC_GEN_NETLINK, before
# 5.11; Debian 11's 5.10), which the other smcd tests need to read smc's
# counters and set its EID tables.  Such an smc has no EID tables: it
# offers SMC-Dv2 once the first SMC-D device registered reports a v2
# system EID (dibs_smcd's always does), and takes it when both ends have a
# device of the same CHID; SMC-Dv1 would need a PNET table.
#
# AF_SMC over 127.0.0.1 with dibs_lo's `lo`: without a PNET table every
# connection must be SMC-D (smc_diag: SMC_DIAG_MODE_SMCD, both GIDs the GID
# of `lo`), which without a PNET table can only be v2; every byte is
# checked, and lo's move_data must have moved them.  A plain TCP peer must
# be detected as a fallback.  The PNET table (SMC_PNETID, which this smc
# has) is set and read with dibsctl smc pnet, and SMC-D keeps working.
#
# Where smc has SMC_GEN_NETLINK this skips: smcd_lo.sh and the others cover
# the same with smc's own counters.
# shellcheck disable=SC2317 # functions run through ktap_check

# shellcheck source=../lib/ktap.sh
. ../lib/ktap.sh
# shellcheck source=smcd_lib.sh
. ./smcd_lib.sh

trap smcd_cleanup EXIT
# shellcheck disable=SC2034 # read by smcd_need_smc
SMCD_NO_SMC_NETLINK_OK=1
smcd_need_smc
if smcd_smc_netlink; then
	ktap_plan 1
	ktap_skip "smcd_basic" "smc has its netlink family SMC_GEN_NETLINK: smcd_lo.sh covers this"
	ktap_finished
fi

ktap_plan 8

ktap_check "load dibs_lo, dibs_smcd" smcd_load
G=$(smcd_gid lo)
ktap_diag "lo: SMC-D GID $G"

# xfer NAME PORT CONNS SIZES: server + client, all SMC-D between lo and lo
xfer() {
	_n=$(($3 * $(echo "$4" | tr ',' '\n' | wc -l)))
	smcd_server "$1" - -p "$2" --count "$_n" --expect smcd --gids "$G:$G" || return 1
	_srv=$SMCD_SERVER
	./smcd_xfer client -a 127.0.0.1 -p "$2" -n "$3" -s "$4" \
		--expect smcd --gids "$G:$G"
	_crc=$?
	smcd_server_wait "$1" "$_srv" "$_crc"
	_src=$?
	[ "$_crc" -eq 0 ] && [ "$_src" -eq 0 ]
}

ktap_check "no PNET table, system EID (v2): 8 connections x 1 B..1 MiB" \
	xfer v2a 5111 8 1,4095,65536,1048576
m0=$(smcd_moved lo)
ktap_check "no PNET table, system EID (v2): 64 MiB" xfer v2b 5112 1 64M
m1=$(smcd_moved lo)
# 64 MiB each way, plus smc's connection data (CDC) messages
moved() {
	ktap_diag "lo bytes_moved: $m0 -> $m1"
	[ $((m1 - m0)) -ge 134217728 ]
}
ktap_check "the 128 MiB went through lo's move_data" moved
dmbs=$(cat /sys/class/dibs/lo/dmbs)
ktap_diag "DMBs on lo: $dmbs"
ktap_check "DMBs live on the lo device" [ "$dmbs" -gt 0 ]

# a peer that is a plain TCP socket: fallback, detected
tcp_peer() {
	smcd_server tcp - -p 5113 --tcp --count 1 || return 1
	_srv=$SMCD_SERVER
	./smcd_xfer client -a 127.0.0.1 -p 5113 -s 1000 --expect smcd > "$SMCD_TMP/tcp.client"
	_crc=$?
	sed 's/^/# /' "$SMCD_TMP/tcp.client"
	wait "$_srv"
	[ "$_crc" -ne 0 ] && grep -q "not SMC-D (mode TCP-fallback)" "$SMCD_TMP/tcp.client"
}
ktap_check "TCP peer: the fallback is detected as failure" tcp_peer

# the PNET table through SMC_PNETID, the one family this smc has
pnet() {
	dibsctl smc pnet add DIBSLO eth lo && dibsctl smc pnet add DIBSLO smcd lo || return 1
	dibsctl smc pnet show | sed 's/^/# /'
	[ "$(dibsctl smc pnet show | grep -c DIBSLO)" -ge 1 ]
}
ktap_check "dibsctl smc pnet add DIBSLO eth lo, smcd lo; pnet show" pnet
ktap_check "PNET table set: 4 connections x 1 B..1 MiB" xfer pn 5114 4 1,100,65537,1048576
ktap_finished
