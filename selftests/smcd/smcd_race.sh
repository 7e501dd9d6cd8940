#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Concurrent first contacts: a connection pool that opens all its
# connections at once, without a warm-up connection.  Namespaces A and B
# (veth), lo1 for A and lo2 for B (PNET IDs, SMC-Dv1; s390: v2, see
# smcd_netns.sh).  Each round loads dibs_smcd (so that no link group
# exists yet), opens 8 AF_SMC connections from A to B at the same moment
# (smcd_xfer --together), each carrying 4 MiB up and down, and checks every
# byte and, through smc_diag, every connection's transport: SMC-D between
# lo1 and lo2, or a TCP fallback because dibs_smcd declined it while the
# first contact was half done (server: no SMC-D device, 0x3030000, v2
# 0x3030001; client: peer declined, 0x5000000); at least one connection
# must be SMC-D.  Any other fallback (SYNCERR, 0x4000000) or an aborted
# connection fails.  Then dibs_smcd is unloaded, which must finish within
# RMMOD_BOUND seconds.
#
# Without dibs_smcd's check smc 6.1 lets the server accept a second
# connection into the link group of a first one before the client has made
# its own: the client declines with SYNCERR and the server then terminates
# the link group with all its connections; a connection aborted while it
# waited for accept() then keeps the link group forever, and the unload
# never finishes (Documentation/smcd.rst, "Concurrent first connections").
# That happened in about half the rounds: ROUNDS (10) rounds miss it with
# a probability of about 2^-10.
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

ROUNDS=${SMCD_RACE_ROUNDS:-10}
RMMOD_BOUND=60
ktap_plan $((3 + 2 * ROUNDS))

ktap_check "load dibs_lo devices=2" modprobe dibs_lo devices=2
ktap_check "namespaces A and B joined by veth" smcd_netns_setup
GA=$(smcd_gid lo1)
GB=$(smcd_gid lo2)
ktap_diag "A: lo1 GID $GA, B: lo2 GID $GB"
eth_pnet() {
	nsenter -t "$SMCD_NS_A" -n dibsctl smc pnet add NSA eth smcda &&
		nsenter -t "$SMCD_NS_B" -n dibsctl smc pnet add NSB eth smcdb
}
ktap_check "PNET IDs: NSA for smcda (A), NSB for smcdb (B)" eth_pnet

# The SMC-D devices, and with them smc's link groups, live as long as
# dibs_smcd is loaded.  smc keeps the PNET IDs of lo1 and lo2 by name and
# gives them to the devices of the next load again.
smcd_up() {
	modprobe dibs_smcd || return 1
	[ "$r" -gt 1 ] || { dibsctl smc pnet add NSA smcd lo1 && dibsctl smc pnet add NSB smcd lo2; }
}

SMCD_CLIENT_OPTS="--together --fallback-ok 5000000"
SMCD_SERVER_OPTS="--fallback-ok 3030000,3030001"
# round N: the transfers of round N, at least one of them SMC-D
round() {
	smcd_netns_xfer "r$1" $((5300 + $1)) A B 8 4M > "$SMCD_TMP/round$1" 2>&1
	_rrc=$?
	cat "$SMCD_TMP/round$1"
	[ "$_rrc" -eq 0 ] || return 1
	_fb=$(sed -n 's/^# client: \([0-9]*\) allowed TCP fallback.*/\1/p' "$SMCD_TMP/round$1")
	ktap_diag "round $1: $((8 - ${_fb:-8})) of 8 SMC-D, ${_fb:-?} declined by dibs_smcd (TCP)"
	[ "${_fb:-8}" -lt 8 ]
}
bad=0
r=1
while [ "$r" -le "$ROUNDS" ]; do
	if ! smcd_up; then
		ktap_fail "round $r: load dibs_smcd, PNET IDs of lo1 and lo2"
		ktap_skip "round $r: rmmod dibs_smcd" "not loaded"
		bad=$((bad + 1))
		r=$((r + 1))
		continue
	fi
	[ "$r" -gt 1 ] || SEID=$(smcd_seid)
	t0=$(date +%s)
	if round "$r"; then
		ktap_pass "round $r: 8 concurrent first connections A->B x 4 MiB"
	else
		ktap_fail "round $r: 8 concurrent first connections A->B x 4 MiB"
		bad=$((bad + 1))
	fi
	t1=$(date +%s)
	if smcd_rmmod_within "$RMMOD_BOUND" dibs_smcd; then
		ktap_pass "round $r: rmmod dibs_smcd within $RMMOD_BOUND s"
	else
		ktap_fail "round $r: rmmod dibs_smcd within $RMMOD_BOUND s"
		break
	fi
	ktap_diag "round $r: transfers $((t1 - t0)) s, unload $(($(date +%s) - t1)) s"
	r=$((r + 1))
done
ktap_diag "$bad of $((r > ROUNDS ? ROUNDS : r)) round(s) failed"
# a stuck unload ends the test: nothing can be loaded or unloaded after it
while [ "$r" -lt "$ROUNDS" ]; do
	r=$((r + 1))
	ktap_skip "round $r: transfers" "rmmod dibs_smcd stuck"
	ktap_skip "round $r: rmmod dibs_smcd" "rmmod dibs_smcd stuck"
done

ktap_finished
