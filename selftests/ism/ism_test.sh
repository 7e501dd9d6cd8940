#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# dibs_ism against the emulated ISM firmware (ism_emu.ko):
#  - ism_emu refuses bad parameters and leaves nothing loaded;
#  - ism_emu functions=2 plugs in two functions: dibs devices ism<uid> with
#    the VCHID as fabric id and ISM GIDs (a u64: the UUID's last 8 bytes
#    are zero), shown alike by sysfs and dibsctl;
#  - the kernel's netlink self-check passes on an ism device;
#  - the kind "ism" cannot make devices (hardware does);
#  - ism_test.ko runs its cases (its KTAP is re-emitted as a subtest);
#  - unloading removes every device and module.
# Real ISM functions (an s390x LPAR) are left alone: only devices whose
# parent is an ism_emu.N platform device count, and dibs_ism stays loaded
# if it was.
# shellcheck disable=SC2317 # functions run through ktap_check

cd "$(dirname "$0")" || exit 1
# shellcheck source=../lib/ktap.sh
. ../lib/ktap.sh
# shellcheck source=../dibs/dibs_lib.sh
. ./dibs_lib.sh

tmp=${TMPDIR:-/tmp}/ism_test.$$
mkdir -p "$tmp" || exit 1
# On a machine with ISM hardware dibs_ism may drive real functions: then
# it stays loaded, and only the emulated functions are looked at.
core_was_loaded=0
ism_was_loaded=0
dibs_loaded dibs_core && core_was_loaded=1
dibs_loaded dibs_ism && ism_was_loaded=1

unload_ism() {
	[ "$ism_was_loaded" = 1 ] || dibs_unload dibs_ism
}

cleanup() {
	dibs_unload ism_test
	dibs_unload ism_emu
	unload_ism
	[ "$core_was_loaded" = 1 ] || dibs_unload dibs_core
	rm -rf "$tmp"
}
trap cleanup EXIT

# The dibs devices of emulated functions (parent ism_emu.N), by name.
ism_devices() {
	for _d in /sys/class/dibs/ism*; do
		[ -e "$_d" ] || continue
		case $(readlink "$_d/device") in
		*/ism_emu.*) echo "${_d##*/}" ;;
		esac
	done
}

nothing_left() {
	! dibs_loaded ism_emu && [ -z "$(ism_devices)" ] &&
		{ [ "$ism_was_loaded" = 1 ] || ! dibs_loaded dibs_ism; }
}

# bad_param NAME=VALUE: modprobe fails, an ism_emu line names the
# parameter, nothing is left.
bad_param() {
	_mark="ism_test.sh: bad_param $1 run=$(dibs_run_id)"
	dibs_mark "$_mark"
	if modprobe ism_emu "$1" 2> "$tmp/err"; then
		ktap_diag "modprobe ism_emu $1 succeeded"
		return 1
	fi
	if ! dibs_log_since "$_mark" | grep -q "ism_emu: .*${1%%=*}"; then
		ktap_diag "no ism_emu message about ${1%%=*} in the kernel log"
		return 1
	fi
	unload_ism
	nothing_left
}

attr() {
	cat "/sys/class/dibs/$1/$2" 2> /dev/null
}

# two devices ism<N>, fabric 0x7c0, distinct ISM-shaped GIDs, max 1920
check_devices() {
	_n=0
	_gids=""
	for d in $(ism_devices); do
		_n=$((_n + 1))
		case $d in
		ism[0-9]*) ;;
		*) ktap_diag "$d: not ism<uid>"; return 1 ;;
		esac
		[ "$(attr "$d" fabric_id)" = 0x07c0 ] || [ "$(attr "$d" fabric_id)" = 0x7c0 ] ||
			{ ktap_diag "$d: fabric_id $(attr "$d" fabric_id)"; return 1; }
		[ "$(attr "$d" max_dmbs)" = 1920 ] ||
			{ ktap_diag "$d: max_dmbs $(attr "$d" max_dmbs)"; return 1; }
		_g=$(attr "$d" gid)
		echo "$_g" | grep -qE '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-0000-000000000000$' ||
			{ ktap_diag "$d: gid '$_g' is no ISM GID"; return 1; }
		case " $_gids " in
		*" $_g "*) ktap_diag "$d: duplicate gid"; return 1 ;;
		esac
		_gids="$_gids $_g"
		[ -e "/sys/class/dibs/$d/device" ] ||
			{ ktap_diag "$d: no parent device"; return 1; }
	done
	[ "$_n" = 2 ] || { ktap_diag "$_n ism devices: $(ism_devices | tr '\n' ' ')"; return 1; }
}

# dibsctl dev / gid list the ism devices as sysfs does
check_dibsctl() {
	dibsctl gid > "$tmp/gid" || return 1
	dibsctl dev > "$tmp/dev" || return 1
	sed 's/^/# /' "$tmp/dev"
	for d in $(ism_devices); do
		grep -qx "$d $(attr "$d" gid)" "$tmp/gid" ||
			{ ktap_diag "dibsctl gid: no '$d $(attr "$d" gid)'"; return 1; }
		awk -v d="$d" -v g="$(attr "$d" gid)" '
			$1 == d && $2 == "ism" && $3 == g && tolower($4) ~ /^(0x)?0*7c0$/ { ok = 1 }
			END { exit !ok }' "$tmp/dev" ||
			{ ktap_diag "dibsctl dev: no line 'NAME ism GID 0x07c0' for $d"; return 1; }
	done
}

# dibsctl selftest DEV: all checks pass or skip, the essential ones pass
check_selftest() {
	dibsctl selftest run "$1" > "$tmp/st" 2>&1
	_rc=$?
	sed 's/^/# /' "$tmp/st"
	[ "$_rc" -eq 0 ] || { ktap_diag "dibsctl selftest run $1: exit $_rc"; return 1; }
	awk '$3 != "pass" && $3 != "skip" { bad = 1 } END { exit bad }' "$tmp/st" ||
		return 1
	for c in gid-reachable register-dmb dmb-listed move-data \
		 move-data-last-byte move-data-out-of-bounds signal \
		 unregister-dmb dmbs-in-use stats; do
		awk -v d="$1" -v c="$c" '$1 == d && $2 == c && $3 == "pass" { ok = 1 }
			END { exit !ok }' "$tmp/st" ||
			{ ktap_diag "$1: check $c did not pass"; return 1; }
	done
}

ktap_plan 14

for m in ism_test ism_emu; do
	dibs_loaded $m && { ktap_diag "$m already loaded, unloading it"; rmmod $m; }
done

ktap_check "ism_emu functions=17 refused" bad_param functions=17
ktap_check "ism_emu functions=-1 refused" bad_param functions=-1
ktap_check "ism_emu vchid=0 refused" bad_param vchid=0
ktap_check "ism_emu vchid=0xff00 (software fabrics) refused" bad_param vchid=0xff00

if modprobe ism_emu; then
	ktap_pass "modprobe ism_emu (functions=2)"
else
	ktap_fail "modprobe ism_emu (functions=2)"
fi
ktap_check "two ism<uid> devices: VCHID 0x7c0, ISM GIDs" check_devices

dev=$(ism_devices | head -n 1)
if ! command -v dibsctl > /dev/null; then
	ktap_skip "dibsctl dev/gid show the ism devices" "dibsctl is not installed"
	ktap_skip "dibsctl selftest $dev" "dibsctl is not installed"
	ktap_skip "dibsctl dev add ism refused" "dibsctl is not installed"
else
	ktap_check "dibsctl dev/gid show the ism devices" check_dibsctl
	ktap_check "dibsctl selftest $dev" check_selftest "$dev"
	if dibsctl dev add ism > "$tmp/add" 2>&1; then
		ktap_fail "dibsctl dev add ism refused"
	elif grep -q "not supported" "$tmp/add"; then
		ktap_pass "dibsctl dev add ism refused"
	else
		sed 's/^/# /' "$tmp/add"
		ktap_fail "dibsctl dev add ism refused"
	fi
fi

run=$(dibs_run_id)
if modprobe ism_test run_id="$run"; then
	ktap_pass "modprobe ism_test"
else
	ktap_fail "modprobe ism_test"
fi
dibs_module_log ism_test "$run" > "$tmp/log"
ktap_diag "ism_test.ko: $(sed -n 's/^END //p' "$tmp/log")"
if dibs_reemit "$tmp/log"; then
	ktap_pass "ism_test.ko cases"
else
	ktap_fail "ism_test.ko cases"
fi
ktap_check "ism_test leaves the two load-time devices" [ "$(ism_devices | wc -l)" -eq 2 ]
ktap_check "rmmod ism_test" rmmod ism_test
if rmmod ism_emu && unload_ism && nothing_left; then
	ktap_pass "rmmod ism_emu dibs_ism: no device left"
else
	ktap_fail "rmmod ism_emu dibs_ism: no device left"
fi
ktap_finished
