#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Unloading dibs_smcd, and removing dibs devices (rmmod dibs_lo), while
# SMC-D connections are open: smc terminates the link groups, the
# applications see their connections end, the unload finishes, the kernel
# log stays clean (the harness checks it), and everything works again after
# reloading.  Covers the loopback device (v2, 127.0.0.1), a pair of fabric
# devices in two namespaces (v1), and deleting one device of such a pair with
# dibsctl.
#
# Where smc uses its system EID (s390, see smcd_seid in smcd_lib.sh) the
# namespace parts negotiate SMC-Dv2 and the server may use the client's
# fabric device instead of its own (smcd_netns.sh): the GID checks accept
# that, and the device deleted under open connections is the one the
# connections' server side uses.
# shellcheck disable=SC2317 # functions run through ktap_check

# shellcheck source=../lib/ktap.sh
. ../lib/ktap.sh
# shellcheck source=smcd_lib.sh
. ./smcd_lib.sh

trap smcd_cleanup EXIT
# runs where smc has no SMC_GEN_NETLINK too (smcd_lib.sh): without it,
# smc cannot list its devices, and the cases that need that skip
# shellcheck disable=SC2034 # read by smcd_need_smc
SMCD_NO_SMC_NETLINK_OK=1
smcd_need_smc
DUMP=1
smcd_smc_netlink || DUMP=0

ktap_plan 25

# ended NAME N: the N held connections ended and both programs exited
# cleanly, within ENDED_TIMEOUT seconds (60): a watchdog kills the programs
# then and the case fails, instead of waiting for smcd_xfer's own timeout.
ENDED_TIMEOUT=60
ended() {
	_to=$SMCD_TMP/$1.timeout
	rm -f "$_to"
	(
		sleep "$ENDED_TIMEOUT" &
		_s=$!
		trap 'kill $_s 2> /dev/null; exit 0' TERM
		wait "$_s"
		: > "$_to"
		kill "$HOLD_CLI" "$HOLD_SRV" 2> /dev/null
	) &
	_wd=$!
	wait "$HOLD_CLI"
	_crc=$?
	sed 's/^/# client: /' "$SMCD_TMP/$1.client" | grep -v ': holding$'
	smcd_server_wait "$1" "$HOLD_SRV" "$_crc"
	_src=$?
	kill "$_wd" 2> /dev/null
	wait "$_wd" 2> /dev/null
	if [ -e "$_to" ]; then
		ktap_diag "the connections did not end within $ENDED_TIMEOUT s: programs killed"
		return 1
	fi
	[ "$_crc" -eq 0 ] && [ "$_src" -eq 0 ] &&
		[ "$(grep -c ': ended' "$SMCD_TMP/$1.client")" -eq "$2" ]
}

# quick NAME PORT: one checked SMC-D transfer over 127.0.0.1
quick() {
	smcd_server "$1" - -p "$2" --count 1 --expect smcd || return 1
	_srv=$SMCD_SERVER
	./smcd_xfer client -a 127.0.0.1 -p "$2" -s 100000 --expect smcd
	_crc=$?
	smcd_server_wait "$1" "$_srv" "$_crc" && [ "$_crc" -eq 0 ]
}

dump_empty() {
	[ -z "$(dibsctl smc device)" ]
}

# check_dump NAME: dump_empty, where smc can list its devices
check_dump() {
	if [ "$DUMP" = 1 ]; then
		ktap_check "$1" dump_empty
	else
		ktap_skip "$1" "smc has no SMC_GEN_NETLINK (before 5.11) to list its devices"
	fi
}

# agree N: byte order across the interfaces.  Each of the N SMC-D sockets
# (smc_diag: u64 GIDs and DMB tokens, as smc got them from dibs_smcd) has
# the SMC-D GID of lo (sysfs), and its own and its peer's DMB token are DMBs
# that `dibsctl dmb show` (dibs netlink) lists on lo, each written by lo's
# GID (the RGID, a UUID, as in sysfs).
agree() {
	./smcd_xfer diag > "$SMCD_TMP/diag"
	dibsctl dmb show dev lo | awk 'NR > 1 { print $3, $6 }' > "$SMCD_TMP/dmbs"
	_g=$(smcd_gid lo)
	_u=$(cat /sys/class/dibs/lo/gid)
	_n=$(grep -c '^smcd ' "$SMCD_TMP/diag")
	ktap_diag "$_n SMC-D sockets, $(wc -l < "$SMCD_TMP/dmbs") DMBs on lo; lo: $_u"
	head -n 2 "$SMCD_TMP/diag" | sed 's/^/# diag: /'
	head -n 2 "$SMCD_TMP/dmbs" | sed 's/^/# dmb: /'
	[ "$_n" -ge "$1" ] || return 1
	while read -r _ _ _my _peer _tok _ptok; do
		if [ "$_my $_peer" != "my_gid=$_g peer_gid=$_g" ] ||
			! grep -qx "${_tok#token=} $_u" "$SMCD_TMP/dmbs" ||
			! grep -qx "${_ptok#peer_token=} $_u" "$SMCD_TMP/dmbs"; then
			ktap_diag "no match: $_my $_peer $_tok $_ptok"
			return 1
		fi
	done < "$SMCD_TMP/diag"
}

ktap_check "load dibs_lo, dibs_smcd; ueid add" \
	eval 'modprobe dibs_lo && modprobe dibs_smcd && smcd_ueid_add DIBS-SELFTEST'

# 1. rmmod dibs_smcd under 8 open connections on lo
ktap_check "8 connections open on lo" smcd_hold h1 - - 127.0.0.1 5300 8
smcd_show lgr
if command -v dibsctl > /dev/null; then
	ktap_check "GIDs, DMB tokens: smc_diag agrees with sysfs and dibs netlink" agree 16
else
	ktap_skip "GIDs, DMB tokens: smc_diag agrees with sysfs and dibs netlink" "no dibsctl"
fi
ktap_check "rmmod dibs_smcd with connections open" timeout 120 rmmod dibs_smcd
ktap_check "connections ended, programs exited cleanly" ended h1 8
check_dump "no SMC-D device left"
ktap_check "DMBs all unregistered" [ "$(cat /sys/class/dibs/lo/dmbs)" -eq 0 ]
ktap_check "modprobe dibs_smcd again" modprobe dibs_smcd
ktap_check "SMC-D works after reload" quick q1 5301

# 2. device removal: rmmod dibs_lo under open connections
ktap_check "8 connections open on lo" smcd_hold h2 - - 127.0.0.1 5302 8
ktap_check "rmmod dibs_lo with connections open" timeout 120 rmmod dibs_lo
ktap_check "connections ended, programs exited cleanly" ended h2 8
check_dump "no SMC-D device left"

# 3. the same across namespaces, lo1 <-> lo2 (v1: PNET tables)
# xfer_ab PORT: one checked SMC-D transfer A->B, lo1 -> (new) lo2
xfer_ab() {
	_g="$(smcd_gid lo1):$(smcd_gid lo2)"
	[ "$SEID" = 0 ] || _g="$_g|$(smcd_gid lo1):$(smcd_gid lo1)"
	smcd_server x4 "$SMCD_NS_B" -a 10.7.0.2 -p "$1" --count 1 --expect smcd || return 1
	_srv=$SMCD_SERVER
	nsenter -t "$SMCD_NS_A" -n ./smcd_xfer client -a 10.7.0.2 -p "$1" -s 1M \
		--expect smcd --gids "$_g"
	_crc=$?
	smcd_server_wait x4 "$_srv" "$_crc" && [ "$_crc" -eq 0 ]
}
dibsctl smc ueid flush 2> /dev/null
SEID=$(smcd_seid)
[ "$SEID" = 0 ] || ktap_diag "smc uses its system EID: SMC-Dv2 between the namespaces"
setup_ns() {
	modprobe dibs_lo devices=2 && smcd_netns_setup && smcd_netns_pnet lo1 lo2
}
ktap_check "dibs_lo devices=2, namespaces, PNET tables" setup_ns
# one connection first: see smcd_netns.sh
ktap_check "A->B: first connection (link groups)" xfer_ab 5304
ktap_check "16 connections open A->B (lo1->lo2)" \
	smcd_hold h3 "$SMCD_NS_A" "$SMCD_NS_B" 10.7.0.2 5303 16
ktap_check "rmmod dibs_lo with connections open" timeout 120 rmmod dibs_lo
ktap_check "connections ended, programs exited cleanly" ended h3 16

# 4. delete one device (the server's: lo2; with the system EID the one the
# client's link group names as its peer) with dibsctl under open
# connections, make a new one of that name: smc applies the PNET ID of the
# name again
VICTIM=lo2
victim() {
	_ga=$(smcd_gid lo1)
	_peer=$(smcd_peer_gid "$_ga")
	for _d in lo1 lo2; do
		[ "$(smcd_gid $_d)" = "$_peer" ] && VICTIM=$_d
	done
	ktap_diag "the server side of the connections uses $VICTIM"
}
readd() {
	_pn=NSB
	[ "$VICTIM" = lo1 ] && _pn=NSA
	dibsctl dev add lo name "$VICTIM" > /dev/null || return 1
	# (smc before 5.11 cannot show it: no SMC_GEN_NETLINK)
	[ "$DUMP" = 0 ] || dibsctl smc device | grep -q "^smcd $VICTIM pnetid $_pn "
}
if command -v dibsctl > /dev/null && modprobe dibs_lo devices=2; then
	ktap_check "A->B: first connection (link groups)" xfer_ab 5305
	ktap_check "8 connections open A->B (lo1->lo2)" \
		smcd_hold h4 "$SMCD_NS_A" "$SMCD_NS_B" 10.7.0.2 5306 8
	smcd_show lgr
	[ "$SEID" = 0 ] || victim
	ktap_check "dibsctl dev del $VICTIM with connections open" \
		timeout 120 dibsctl dev del "$VICTIM"
	ktap_check "connections ended, programs exited cleanly" ended h4 8
	ktap_check "dibsctl dev add lo name $VICTIM: its PNET ID again" readd
	ktap_check "A->B works with the new $VICTIM" xfer_ab 5307
	ktap_check "rmmod dibs_lo" rmmod dibs_lo
else
	for t in "first connection" "connections open" "dev del" "connections ended" \
		"dev add" "new lo2" "rmmod dibs_lo"; do
		ktap_skip "dibsctl: $t" "no dibsctl"
	done
fi

ktap_finished
