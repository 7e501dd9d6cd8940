#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# dibsctl_monitor.sh - `dibsctl monitor` across an unload and reload of
# dibs_core: it says when the family goes away, joins its notifications
# again when it is back and goes on printing events; -t timestamps, text
# and JSON.

cd "$(dirname "$0")" || exit 1
. ../lib/ktap.sh
. ./dibsctl_lib.sh

dctl_init
ktap_plan 7

# wait_for FILE PATTERN: up to 20 s
wait_for() {
	_i=0
	while [ $_i -lt 40 ]; do
		grep -q -- "$2" "$1" 2> /dev/null && return 0
		sleep 0.5
		_i=$((_i + 1))
	done
	ktap_diag "'$2' did not appear in $1"
	return 1
}

modprobe dibs_lo || ktap_diag "modprobe dibs_lo failed"

dibsctl -t monitor > "$DCTL_TMP/mon" 2> "$DCTL_TMP/mon.err" &
mon=$!
dibsctl -j -t monitor > "$DCTL_TMP/monj" 2> "$DCTL_TMP/monj.err" &
monj=$!
DCTL_MON="$mon $monj"
sleep 2	# both subscribed

dibsctl dev add lo name mon0 > /dev/null
dibsctl dev del mon0
wait_for "$DCTL_TMP/mon" "\[dev,del\] mon0"

dctl_unload_all
if wait_for "$DCTL_TMP/mon.err" "went away" &&
   wait_for "$DCTL_TMP/monj.err" "went away"; then
	ktap_pass "monitor says when dibs_core goes away"
else
	sed 's/^/# stderr: /' "$DCTL_TMP/mon.err"
	ktap_fail "monitor says when dibs_core goes away"
fi
if kill -0 $mon 2> /dev/null && kill -0 $monj 2> /dev/null; then
	ktap_pass "monitor keeps running without dibs_core"
else
	ktap_fail "monitor keeps running without dibs_core"
fi

modprobe dibs_lo || ktap_diag "modprobe dibs_lo failed"
if wait_for "$DCTL_TMP/mon.err" "is back" &&
   wait_for "$DCTL_TMP/monj.err" "is back"; then
	ktap_pass "monitor says when dibs_core is back"
else
	sed 's/^/# stderr: /' "$DCTL_TMP/mon.err"
	ktap_fail "monitor says when dibs_core is back"
fi
dibsctl dev add lo name mon1 > /dev/null
dibsctl dev del mon1
wait_for "$DCTL_TMP/mon" "\[dev,del\] mon1"
sleep 1
kill $mon $monj 2> /dev/null
wait $mon 2> /dev/null
wait $monj 2> /dev/null
DCTL_MON=
sed 's/^/# monitor: /' "$DCTL_TMP/mon" "$DCTL_TMP/mon.err"

# the events of our devices, before and after the reload
events=$(awk '$3 ~ /^mon[01]$/ { print $2, $3 }' "$DCTL_TMP/mon" | tr '\n' ';')
want="[dev,new] mon0;[dev,del] mon0;[dev,new] mon1;[dev,del] mon1;"
if [ "$events" = "$want" ]; then
	ktap_pass "monitor: events before and after the reload, [dev,new]/[dev,del]"
else
	ktap_diag "got '$events', want '$want'"
	ktap_fail "monitor: events before and after the reload, [dev,new]/[dev,del]"
fi
if [ -s "$DCTL_TMP/mon" ] &&
   ! grep -qv '^\[[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9]\{6\}\] \[dev,' "$DCTL_TMP/mon"; then
	ktap_pass "monitor -t: every event has a timestamp"
else
	ktap_fail "monitor -t: every event has a timestamp"
fi
if ./dibs_json monitor < "$DCTL_TMP/monj" > "$DCTL_TMP/monj.ev" &&
   [ "$(grep ' mon[01]$' "$DCTL_TMP/monj.ev" | tr '\n' ';')" = "dev,new mon0;dev,del mon0;dev,new mon1;dev,del mon1;" ] &&
   [ "$(grep -c '"timestamp":' "$DCTL_TMP/monj")" -eq "$(wc -l < "$DCTL_TMP/monj")" ]; then
	ktap_pass "monitor -j -t: the same events as JSON, with timestamps"
else
	sed 's/^/# /' "$DCTL_TMP/monj" "$DCTL_TMP/monj.ev"
	ktap_fail "monitor -j -t: the same events as JSON, with timestamps"
fi
if [ "$(grep -cv 'went away\|is back' "$DCTL_TMP/mon.err" "$DCTL_TMP/monj.err" | awk -F: '{ s += $NF } END { print s }')" -eq 0 ]; then
	ktap_pass "monitor: no other messages"
else
	sed 's/^/# /' "$DCTL_TMP/mon.err" "$DCTL_TMP/monj.err"
	ktap_fail "monitor: no other messages"
fi

ktap_finished
