#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# AF_SMC over 127.0.0.1 with dibs_lo's `lo` device.  Every connection must
# be SMC-D (smc_diag: SMC_DIAG_MODE_SMCD, both GIDs the GID of `lo`), every
# byte is checked, and smc's counters must show the expected SMC-D version:
# v2 with a user EID (no PNET table), v1 with a PNET table (no user EID).
# Without either, smc falls back to TCP, and the test program must notice.
#
# Where smc uses its system EID (CONFIG_S390 kernels: on by default, back on
# when the last user EID goes, not to be disabled without one; see
# smcd_seid in smcd_lib.sh) SMC-Dv2 is negotiated in every case: the
# unconfigured and the PNET-table cases then expect v2, which is what smc
# does there.  A TCP fallback is provoked with a plain TCP server instead.
# shellcheck disable=SC2317 # functions run through ktap_check

# shellcheck source=../lib/ktap.sh
. ../lib/ktap.sh
# shellcheck source=smcd_lib.sh
. ./smcd_lib.sh

trap smcd_cleanup EXIT
smcd_need_smc

ktap_plan 15

ktap_check "load dibs_lo, dibs_smcd" smcd_load
G=$(smcd_gid lo)
ktap_diag "lo: SMC-D GID $G"
SEID=$(smcd_seid)
dibsctl smc seid show | sed 's/^/# /'

# xfer NAME PORT CONNS SIZES: server + client, all SMC-D between lo and lo
xfer() {
	_conns=$3
	_n=$(($3 * $(echo "$4" | tr ',' '\n' | wc -l)))
	smcd_server "$1" - -p "$2" --count "$_n" --expect smcd || return 1
	_srv=$SMCD_SERVER
	./smcd_xfer client -a 127.0.0.1 -p "$2" -n "$_conns" -s "$4" \
		--expect smcd --gids "$G:$G"
	_crc=$?
	smcd_server_wait "$1" "$_srv" "$_crc"
	_src=$?
	[ "$_crc" -eq 0 ] && [ "$_src" -eq 0 ]
}

# 1. no PNET table, no user EID: smc must fall back and we must see it
fallback_detected() {
	smcd_server fb - -p 5100 --count 1 || return 1
	_srv=$SMCD_SERVER
	./smcd_xfer client -a 127.0.0.1 -p 5100 -s 1000 --expect smcd > "$SMCD_TMP/fb.client"
	_crc=$?
	sed 's/^/# /' "$SMCD_TMP/fb.client"
	wait "$_srv"
	[ "$_crc" -ne 0 ] && grep -q "not SMC-D (mode TCP-fallback)" "$SMCD_TMP/fb.client"
}
# 1 (system EID in use). no configuration: SMC-Dv2 through the system EID
seid_v2() {
	_v0=$(smcd_stat client_v2)
	xfer seid 5108 1 65536 || return 1
	_v1=$(smcd_stat client_v2)
	ktap_diag "SMC-Dv2 client handshakes: $_v0 -> $_v1"
	[ $((_v1 - _v0)) -eq 1 ]
}
if [ "$SEID" = 1 ]; then
	ktap_check "unconfigured, system EID in use: SMC-Dv2" seid_v2
else
	ktap_check "unconfigured: TCP fallback is detected as failure" fallback_detected
fi

# a peer that is a plain TCP socket: fallback, detected on every arch
tcp_peer() {
	smcd_server tcp - -p 5109 --tcp --count 1 || return 1
	_srv=$SMCD_SERVER
	./smcd_xfer client -a 127.0.0.1 -p 5109 -s 1000 --expect smcd > "$SMCD_TMP/tcp.client"
	_crc=$?
	sed 's/^/# /' "$SMCD_TMP/tcp.client"
	wait "$_srv"
	[ "$_crc" -ne 0 ] && grep -q "not SMC-D (mode TCP-fallback)" "$SMCD_TMP/tcp.client"
}
ktap_check "TCP peer: the fallback is detected as failure" tcp_peer

# the system EID switch behaves as smc defines it for this arch
seid_switch() {
	if [ "$SEID" = 1 ]; then
		# s390: not to be disabled while no user EID is set
		! dibsctl smc seid disable 2> /dev/null && [ "$(smcd_seid)" = 1 ]
	else
		! dibsctl smc seid enable 2> /dev/null && [ "$(smcd_seid)" = 0 ]
	fi
}
if [ "$SEID" = 1 ]; then
	ktap_check "system EID on; disable refused without a user EID" seid_switch
else
	ktap_check "system EID off; enable refused (not s390)" seid_switch
fi

# 2. SMC-Dv2: a user EID, nothing else (s390: system EID disabled, which
# smc allows now)
v2_before=$(smcd_stat client_v2)
ueid_add() {
	dibsctl smc ueid add DIBS-SELFTEST || return 1
	[ "$SEID" = 1 ] || return 0
	dibsctl smc seid disable && [ "$(smcd_seid)" = 0 ]
}
if [ "$SEID" = 1 ]; then
	ktap_check "ueid add; system EID disabled" ueid_add
else
	ktap_check "ueid add" ueid_add
fi
ktap_check "v2: 8 connections x 1 B..1 MiB" xfer v2a 5101 8 1,4095,65536,1048576
m0=$(smcd_moved lo)
ktap_check "v2: 64 MiB" xfer v2b 5102 1 64M
m1=$(smcd_moved lo)
# 64 MiB each way, plus smc's connection data (CDC) messages
moved() {
	ktap_diag "lo bytes_moved: $m0 -> $m1"
	[ $((m1 - m0)) -ge 134217728 ]
}
if [ -n "$m0" ]; then
	ktap_check "v2: the 128 MiB went through lo's move_data" moved
else
	ktap_skip "v2: the 128 MiB went through lo's move_data" "no dibsctl"
fi
v2_after=$(smcd_stat client_v2)
ktap_diag "SMC-Dv2 client handshakes: $v2_before -> $v2_after"
ktap_check "v2: smc counted 33 SMC-Dv2 connections" [ $((v2_after - v2_before)) -eq 33 ]
dmbs=$(cat /sys/class/dibs/lo/dmbs)
ktap_diag "DMBs on lo: $dmbs"
ktap_check "DMBs live on the lo device" [ "$dmbs" -gt 0 ]
# splice(): smc hands the pipe one page of the DMB with offsets up to the
# DMB's length, so a DMB must be one compound page (as ISM's and
# mainline's loopback's are)
xfer_splice() {
	smcd_server spl - -p 5110 --count 1 --expect smcd --splice || return 1
	_srv=$SMCD_SERVER
	./smcd_xfer client -a 127.0.0.1 -p 5110 -s 1048577 --expect smcd \
		--gids "$G:$G" --splice
	_crc=$?
	smcd_server_wait spl "$_srv" "$_crc"
	_src=$?
	[ "$_crc" -eq 0 ] && [ "$_src" -eq 0 ]
}
ktap_check "v2: 1 MiB + 1 each way, both ends receiving with splice()" xfer_splice

# 3. SMC-Dv1: PNET table for the netdev lo and the SMC-D device lo (s390:
# flushing the user EIDs enables the system EID again, v2 wins)
dibsctl smc ueid flush
seid_after=$(smcd_seid)
v1_before=$(smcd_stat client_v1)
v2_before=$(smcd_stat client_v2)
pnet() {
	dibsctl smc pnet add DIBSLO eth lo && dibsctl smc pnet add DIBSLO smcd lo
}
ktap_check "pnet add DIBSLO eth lo, ib lo" pnet
pv=v1
[ "$SEID" = 1 ] && pv="PNET table, system EID (v2)"
ktap_check "$pv: 16 connections x 1 B..1 MiB" xfer v1a 5103 16 1,100,65537,1048576
ktap_check "$pv: 64 MiB" xfer v1b 5104 1 64M
v1_after=$(smcd_stat client_v1)
v2_after=$(smcd_stat client_v2)
ktap_diag "SMC-Dv1 client handshakes: $v1_before -> $v1_after"
ktap_diag "SMC-Dv2 client handshakes: $v2_before -> $v2_after"
v1_counted() {
	[ $((v1_after - v1_before)) -eq 65 ] && [ "$v2_after" -eq "$v2_before" ]
}
v2_counted() {
	ktap_diag "system EID enabled after ueid flush: $seid_after"
	[ "$seid_after" = 1 ] && [ $((v2_after - v2_before)) -eq 65 ] &&
		[ "$v1_after" -eq "$v1_before" ]
}
if [ "$SEID" = 1 ]; then
	ktap_check "PNET table, system EID on again: smc counted 65 SMC-Dv2 connections, no v1" \
		v2_counted
else
	ktap_check "v1: smc counted 65 SMC-Dv1 connections, no v2" v1_counted
fi

ktap_finished
