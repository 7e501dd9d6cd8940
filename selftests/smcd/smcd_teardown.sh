#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A device removal that waits blocks nothing else.  smc's
# smcd_unregister_dev() waits until every SMC-D socket on the device has
# been closed by its program; here the programs of one idle connection
# between lo1 and lo2 (two namespaces, as in smcd_netns.sh) are stopped
# (SIGSTOP), so `dibsctl dev del` of the connection's server-side device
# waits for as long as they are.  Meanwhile every other operation must
# answer within seconds: dev show (which shows the device as removing, as
# does sysfs `state`), client show, the self-check of the other device, dev
# add and dev del of a new device, sysfs.  A new device of the removing
# device's name and a second dev del of it are refused.  Once the programs
# are killed the removal finishes and the name is free again.  Then the
# same for the unload: `rmmod dibs_smcd` under stopped programs waits, and
# meanwhile devices come and go (dibs_smcd detaches its devices without the
# lock that a new device's add_dev() takes).
#
# Every probe runs in the background and is waited for with a time limit:
# one that hangs (in D state, on a core that holds its locks across the
# removal) is reported as a failure and collected at the end, after the
# programs are gone and the removal could finish.
# shellcheck disable=SC2317 # functions run through ktap_check

# shellcheck source=../lib/ktap.sh
. ../lib/ktap.sh
# shellcheck source=smcd_lib.sh
. ./smcd_lib.sh

STUCK=""
cleanup() {
	# the held programs first: a removal waiting for them ends with them
	[ -n "$HOLD_CLI" ] && kill -KILL "$HOLD_CLI" "$HOLD_SRV" 2> /dev/null
	for _p in $STUCK $DEL $RM; do
		wait "$_p" 2> /dev/null
	done
	smcd_cleanup
}
trap cleanup EXIT
# runs where smc has no SMC_GEN_NETLINK too (smcd_lib.sh)
# shellcheck disable=SC2034 # read by smcd_need_smc
SMCD_NO_SMC_NETLINK_OK=1
smcd_need_smc
if ! command -v dibsctl > /dev/null; then
	ktap_plan 1
	ktap_skip "device removal under a stopped program" "no dibsctl"
	ktap_finished
fi

ktap_plan 23

# answers SECONDS CMD...: CMD exits 0 within SECONDS.  It runs in the
# background; one still running then is left (in $STUCK) and fails.  Its
# output goes to $SMCD_TMP/answer.
answers() {
	_secs=$1
	shift
	"$@" > "$SMCD_TMP/answer" 2>&1 &
	_ap=$!
	_n=$((_secs * 10))
	while kill -0 "$_ap" 2> /dev/null; do
		_n=$((_n - 1))
		if [ "$_n" -le 0 ]; then
			ktap_diag "'$*' did not answer within $_secs s"
			STUCK="$STUCK $_ap"
			return 1
		fi
		usleep 100000
	done
	wait "$_ap"
	_arc=$?
	[ "$_arc" -eq 0 ] || sed 's/^/# /' "$SMCD_TMP/answer"
	return "$_arc"
}

# fails SECONDS CMD...: CMD answers within SECONDS, with an error.
fails() {
	! answers "$@" && ! echo "$STUCK" | grep -qw "$_ap"
}

# state DEV: its sysfs state
state() {
	cat "/sys/class/dibs/$1/state" 2> /dev/null
}

# wait_state DEV STATE: within 10 s
wait_state() {
	_n=100
	while [ "$(state "$1")" != "$2" ]; do
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] || { ktap_diag "$1: state '$(state "$1")'"; return 1; }
		usleep 100000
	done
}

# xfer_ab PORT: one checked SMC-D transfer A->B (lo1 -> lo2)
xfer_ab() {
	_g="$(smcd_gid lo1):$(smcd_gid lo2)"
	[ "$SEID" = 0 ] || _g="$_g|$(smcd_gid lo1):$(smcd_gid lo1)"
	smcd_server x "$SMCD_NS_B" -a 10.7.0.2 -p "$1" --count 1 --expect smcd || return 1
	_srv=$SMCD_SERVER
	nsenter -t "$SMCD_NS_A" -n ./smcd_xfer client -a 10.7.0.2 -p "$1" -s 64K \
		--expect smcd --gids "$_g"
	_crc=$?
	smcd_server_wait x "$_srv" "$_crc" && [ "$_crc" -eq 0 ]
}

setup() {
	smcd_load devices=2 && smcd_netns_setup && smcd_netns_pnet lo1 lo2
}
ktap_check "dibs_lo devices=2, dibs_smcd, namespaces, PNET tables" setup
SEID=$(smcd_seid)
ktap_check "A->B: first connection (link groups)" xfer_ab 5400
ktap_check "one idle connection A->B (lo1->lo2)" \
	smcd_hold h "$SMCD_NS_A" "$SMCD_NS_B" 10.7.0.2 5401 1

# The device the server side uses (with the system EID: the client's
# link group's peer), and the other one.
VICTIM=lo2
_ga=$(smcd_gid lo1)
_peer=$(smcd_peer_gid "$_ga")
[ "$(smcd_gid lo1)" = "$_peer" ] && [ "$SEID" != 0 ] && VICTIM=lo1
OTHER=lo1
[ "$VICTIM" = lo1 ] && OTHER=lo2
ktap_diag "removing $VICTIM; the other device is $OTHER"

# The programs stop: nobody closes the sockets, smc's removal waits.
kill -STOP "$HOLD_CLI" "$HOLD_SRV"
dibsctl dev del "$VICTIM" > "$SMCD_TMP/del" 2>&1 &
DEL=$!

# smc before 5.11 (no SMC_GEN_NETLINK; Debian 11's 5.10) frees a link
# group as it terminates it, without waiting for the sockets on it: there
# the removal does not wait for the stopped programs, and the rest, which
# probes while it waits, cannot run.
if ! smcd_smc_netlink; then
	usleep 2000000
	if ! kill -0 "$DEL" 2> /dev/null && wait "$DEL" && [ ! -e "/sys/class/dibs/$VICTIM" ]; then
		DEL=""
		ktap_pass "dev del $VICTIM finished without waiting for the stopped programs (smc before 5.11)"
		kill -KILL "$HOLD_CLI" "$HOLD_SRV" 2> /dev/null
		while [ "$KTAP_N" -lt "$KTAP_PLANNED" ]; do
			ktap_skip "case $((KTAP_N + 1))" "smc before 5.11 does not wait for the sockets at a device's removal"
		done
		ktap_finished
	fi
fi

ktap_check "sysfs: $VICTIM is removing" wait_state "$VICTIM" removing
usleep 2000000
ktap_check "dev del $VICTIM waits for the stopped programs" kill -0 "$DEL"

show_removing() {
	answers 10 dibsctl dev show || return 1
	if ! grep -q "^$VICTIM .*(removing)" "$SMCD_TMP/answer" ||
		! grep -q "^$OTHER .*smcd" "$SMCD_TMP/answer"; then
		sed 's/^/# /' "$SMCD_TMP/answer"
		return 1
	fi
}
ktap_check "dibsctl dev show answers, $VICTIM removing" show_removing
ktap_check "dibsctl client show answers" answers 10 dibsctl client show
ktap_check "dibsctl selftest $OTHER answers" answers 60 dibsctl selftest run "$OTHER"
ktap_check "dibsctl dev add lo name tdnew answers" \
	answers 10 dibsctl dev add lo name tdnew
ktap_check "dibsctl dev del tdnew answers" answers 10 dibsctl dev del tdnew
ktap_check "dibsctl dev add lo name $VICTIM is refused" \
	fails 10 dibsctl dev add lo name "$VICTIM"
ktap_check "a second dibsctl dev del $VICTIM is refused" \
	fails 10 dibsctl dev del "$VICTIM"
ktap_check "sysfs answers" answers 10 cat /sys/class/dibs/"$OTHER"/gid \
	/sys/class/dibs/"$OTHER"/dmbs
ktap_check "dev del $VICTIM still waits" kill -0 "$DEL"

# The programs go: smc's removal, and ours, finish.
kill -KILL "$HOLD_CLI" "$HOLD_SRV"
wait "$HOLD_CLI" 2> /dev/null
wait "$HOLD_SRV" 2> /dev/null
HOLD_CLI=""
# del_done: dev del exits 0 within 60 s, and the device is gone
del_done() {
	_n=600
	while kill -0 "$DEL" 2> /dev/null; do
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] || return 1
		usleep 100000
	done
	wait "$DEL"
	_drc=$?
	sed 's/^/# dev del: /' "$SMCD_TMP/del"
	DEL=""
	[ "$_drc" -eq 0 ] && [ ! -e "/sys/class/dibs/$VICTIM" ]
}
ktap_check "the removal finishes once the programs are gone" del_done
# what hung (on a core that blocks) has finished by now
for _p in $STUCK; do
	wait "$_p" 2> /dev/null
done
STUCK=""
ktap_check "dev add lo name $VICTIM again" answers 10 dibsctl dev add lo name "$VICTIM"
ktap_check "A->B works again" xfer_ab 5402

# The unload waits the same way, and blocks nothing else either.
ktap_check "one idle connection A->B again" \
	smcd_hold h2 "$SMCD_NS_A" "$SMCD_NS_B" 10.7.0.2 5403 1
kill -STOP "$HOLD_CLI" "$HOLD_SRV"
rmmod dibs_smcd > "$SMCD_TMP/rmmod" 2>&1 &
RM=$!
usleep 2000000
ktap_check "rmmod dibs_smcd waits for the stopped programs" kill -0 "$RM"
ktap_check "dibsctl dev add lo name tdnew2 answers meanwhile" \
	answers 10 dibsctl dev add lo name tdnew2
ktap_check "dibsctl dev show answers meanwhile" answers 10 dibsctl dev show
ktap_check "dibsctl dev del tdnew2 answers meanwhile" \
	answers 10 dibsctl dev del tdnew2
kill -KILL "$HOLD_CLI" "$HOLD_SRV"
wait "$HOLD_CLI" 2> /dev/null
wait "$HOLD_SRV" 2> /dev/null
HOLD_CLI=""
# rm_done: rmmod exits 0 within 60 s
rm_done() {
	_n=600
	while kill -0 "$RM" 2> /dev/null; do
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] || return 1
		usleep 100000
	done
	wait "$RM"
	_rrc=$?
	sed 's/^/# rmmod: /' "$SMCD_TMP/rmmod"
	RM=""
	[ "$_rrc" -eq 0 ] && ! grep -q '^dibs_smcd ' /proc/modules
}
ktap_check "rmmod dibs_smcd finishes once the programs are gone" rm_done

ktap_finished
