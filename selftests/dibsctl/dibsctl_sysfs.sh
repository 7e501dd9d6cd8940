#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# dibsctl_sysfs.sh - what dibsctl shows against /sys/class/dibs, for every
# device: the device list, GID, fabric id, DMBs in use and the maximum,
# the per-device DMB list, clients, and statistics that move.

cd "$(dirname "$0")" || exit 1
. ../lib/ktap.sh
. ./dibsctl_lib.sh

dctl_init
ktap_plan 11

# check_table: `dibsctl dev show NAME` row against sysfs, for every device.
check_table() {
	_ok=0
	for _d in $(dctl_devs); do
		_s=/sys/class/dibs/$_d
		_row=$(dibsctl dev show "$_d" | sed -n 2p)
		_want="$_d $(cat "$_s/gid") $(cat "$_s/fabric_id") $(cat "$_s/dmbs")/$(cat "$_s/max_dmbs")"
		_got=$(echo "$_row" | awk '{ print $1, $3, $4, $5 }')
		if [ "$_got" != "$_want" ]; then
			ktap_diag "$_d: dibsctl '$_got', sysfs '$_want'"
			_ok=1
		fi
	done
	return $_ok
}

# check_list: the device names of `dibsctl dev` are those in sysfs.
check_list() {
	_got=$(dibsctl dev | awk 'NR > 1 { print $1 }' | sort | tr '\n' ' ')
	_want=$(dctl_devs | tr '\n' ' ')
	[ "$_got" = "$_want" ] || ktap_diag "dibsctl: '$_got', sysfs: '$_want'"
	[ "$_got" = "$_want" ] && [ -n "$_want" ]
}

# check_gids: `dibsctl gid` is "NAME GID" per device, as in sysfs.
check_gids() {
	dibsctl gid | sort > "$DCTL_TMP/gid"
	for _d in $(dctl_devs); do
		echo "$_d $(cat /sys/class/dibs/$_d/gid)"
	done > "$DCTL_TMP/gid.want"
	cmp -s "$DCTL_TMP/gid" "$DCTL_TMP/gid.want" ||
		diff "$DCTL_TMP/gid.want" "$DCTL_TMP/gid" | sed 's/^/# /'
	cmp -s "$DCTL_TMP/gid" "$DCTL_TMP/gid.want"
}

# check_dmbs: `dibsctl dmb show dev NAME` lists as many DMBs as sysfs counts,
# and only that device's; `dibsctl dmb` lists them all.
check_dmbs() {
	_ok=0
	_total=0
	for _d in $(dctl_devs); do
		_n=$(dibsctl dmb show dev "$_d" | awk -v d="$_d" '
			NR > 1 && $1 == d { n++ } NR > 1 && $1 != d { n = -1000 }
			END { print n + 0 }')
		_want=$(cat /sys/class/dibs/$_d/dmbs)
		_total=$((_total + _want))
		if [ "$_n" != "$_want" ]; then
			ktap_diag "$_d: dmb show lists $_n, sysfs dmbs $_want"
			_ok=1
		fi
	done
	_all=$(dibsctl dmb | awk 'NR > 1' | wc -l)
	if [ "$_all" != "$_total" ]; then
		ktap_diag "dmb show lists $_all DMBs, sysfs counts $_total"
		_ok=1
	fi
	return $_ok
}

if modprobe dibs_lo devices=3; then
	ktap_pass "modprobe dibs_lo devices=3"
else
	ktap_fail "modprobe dibs_lo devices=3"
fi
ktap_check "dev list is the sysfs list" check_list
ktap_check "dev show NAME: GID, fabric, DMBS/MAX as in sysfs" check_table
ktap_check "gid: NAME GID as in sysfs" check_gids

# dibs_test keeps two clients, its devices and a few DMBs after loading
if modprobe dibs_test run_id=$(( $(date +%s) % 100000 * 1000 + $$ % 1000 )); then
	ktap_pass "modprobe dibs_test (clients with DMBs)"
else
	ktap_fail "modprobe dibs_test (clients with DMBs)"
fi
ktap_check "with DMBs: dev list is the sysfs list" check_list
ktap_check "with DMBs: dev show matches sysfs" check_table
ktap_check "dmb show [dev NAME] matches sysfs counts" check_dmbs

# clients: every client named in a device's CLIENTS column is registered
dibsctl client | awk 'NR > 1 { print $2 }' | sort > "$DCTL_TMP/clients"
dibsctl dev | awk 'NR > 1 && $6 != "-" { n = split($6, c, ","); for (i = 1; i <= n; i++) print c[i] }' |
	sort -u > "$DCTL_TMP/devclients"
if [ -s "$DCTL_TMP/clients" ] &&
   ! grep -vxF -f "$DCTL_TMP/clients" "$DCTL_TMP/devclients" > /dev/null; then
	ktap_pass "client show lists the clients devices report"
else
	ktap_diag "clients: $(tr '\n' ' ' < "$DCTL_TMP/clients"); in devices: $(tr '\n' ' ' < "$DCTL_TMP/devclients")"
	ktap_fail "client show lists the clients devices report"
fi

# -s: statistics move when the self-check moves data on lo
stat_of() {
	dibsctl -s dev show lo | awk -v k="$1" '
		NR == 3 { for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'
}
m0=$(stat_of move_data)
r0=$(stat_of dmb_registered)
dibsctl selftest run lo > /dev/null
m1=$(stat_of move_data)
r1=$(stat_of dmb_registered)
if [ -n "$m0" ] && [ -n "$m1" ] && [ "$m1" -gt "$m0" ] &&
   [ "$r1" -gt "$r0" ]; then
	ktap_pass "-s shows statistics that count (move_data $m0 -> $m1)"
else
	ktap_diag "move_data '$m0' -> '$m1', dmb_registered '$r0' -> '$r1'"
	ktap_fail "-s shows statistics that count"
fi

# -d adds the client ids and the parent column
# (and PARENT is a column: it starts at the same place on every line)
if dibsctl -d dev | awk 'NR == 1 && $NF == "PARENT" { h = 1; col = index($0, "PARENT") }
	NR > 1 && NF != 7 { bad = 1 }
	NR > 1 && length($0) - length($NF) + 1 != col { bad = 1 }
	END { exit !(h && !bad) }'; then
	ktap_pass "-d adds details"
else
	dibsctl -d dev | sed 's/^/# /'
	ktap_fail "-d adds details"
fi

ktap_finished
