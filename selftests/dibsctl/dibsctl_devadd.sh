#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# dibsctl_devadd.sh - dev add/del round trip, with `dibsctl monitor` (plain
# and JSON) catching the add and the delete notifications.

cd "$(dirname "$0")" || exit 1
. ../lib/ktap.sh
. ./dibsctl_lib.sh

dctl_init
ktap_plan 12

modprobe dibs_lo || ktap_diag "modprobe dibs_lo failed"
before=$(dctl_devs | tr '\n' ' ')

dibsctl monitor > "$DCTL_TMP/mon" 2> "$DCTL_TMP/mon.err" &
mon=$!
dibsctl -j monitor > "$DCTL_TMP/monj" 2> "$DCTL_TMP/monj.err" &
monj=$!
DCTL_MON="$mon $monj"
sleep 2	# both subscribed

new=$(dibsctl dev add lo)
if [ -n "$new" ] && [ -d "/sys/class/dibs/$new" ]; then
	ktap_pass "dev add lo: prints the new name ($new), in sysfs"
else
	ktap_fail "dev add lo: prints the new name, in sysfs"
fi
if [ "$(dibsctl dev add lo name rt0)" = rt0 ] && [ -d /sys/class/dibs/rt0 ]; then
	ktap_pass "dev add lo name rt0"
else
	ktap_fail "dev add lo name rt0"
fi
ktap_check "dev show rt0 finds it" dctl_quiet dibsctl dev show rt0
g1=$(cat /sys/class/dibs/rt0/gid 2>/dev/null)
ktap_check "the new device passes the self-check" dctl_quiet dibsctl selftest run rt0
ktap_check "dev del rt0" dibsctl dev del rt0
ktap_check "dev del $new" dibsctl dev del "$new"
if [ ! -e /sys/class/dibs/rt0 ] && [ ! -e "/sys/class/dibs/$new" ] &&
   [ "$(dctl_devs | tr '\n' ' ')" = "$before" ]; then
	ktap_pass "both devices are gone, nothing else changed"
else
	ktap_fail "both devices are gone, nothing else changed"
fi
if ! dibsctl dev show rt0 > /dev/null 2>&1; then
	ktap_pass "dev show rt0 fails after the delete"
else
	ktap_fail "dev show rt0 fails after the delete"
fi

sleep 1	# let the monitors print
kill $mon $monj 2> /dev/null
wait $mon 2> /dev/null
wait $monj 2> /dev/null
DCTL_MON=
sed 's/^/# monitor: /' "$DCTL_TMP/mon"

events=$(awk '{ print $1, $2 }' "$DCTL_TMP/mon" | tr '\n' ';')
want="[dev,new] $new;[dev,new] rt0;[dev,del] rt0;[dev,del] $new;"
if [ "$events" = "$want" ]; then
	ktap_pass "monitor: add and del of both devices, in order"
else
	ktap_diag "got '$events', want '$want'"
	ktap_fail "monitor: add and del of both devices, in order"
fi
if grep -q "^\[dev,new\] rt0 kind lo gid $g1 fabric 0xfffe$" "$DCTL_TMP/mon"; then
	ktap_pass "monitor: the add event carries kind, GID and fabric"
else
	ktap_fail "monitor: the add event carries kind, GID and fabric"
fi
if ./dibs_json monitor < "$DCTL_TMP/monj" > "$DCTL_TMP/monj.ev" &&
   [ "$(tr '\n' ';' < "$DCTL_TMP/monj.ev")" = "dev,new $new;dev,new rt0;dev,del rt0;dev,del $new;" ]; then
	ktap_pass "monitor -j: the same events as JSON"
else
	sed 's/^/# /' "$DCTL_TMP/monj" "$DCTL_TMP/monj.ev"
	ktap_fail "monitor -j: the same events as JSON"
fi
if [ ! -s "$DCTL_TMP/mon.err" ] && [ ! -s "$DCTL_TMP/monj.err" ]; then
	ktap_pass "monitor: no errors"
else
	sed 's/^/# /' "$DCTL_TMP/mon.err" "$DCTL_TMP/monj.err"
	ktap_fail "monitor: no errors"
fi

ktap_finished
