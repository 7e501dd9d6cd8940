#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Functional test of dibs_core + dibs_lo:
#  - dibs_lo refuses bad parameters and then leaves nothing loaded;
#  - devices=2 makes two fabric devices, removed with the module;
#  - dibs_test.ko (loaded with dibs_lo max_dmbs=16) runs its cases as two
#    clients on fabric devices it creates; its KTAP is re-emitted here as a
#    subtest;
#  - /sys/class/dibs/<name>/{gid,fabric_id,max_dmbs,dmbs} match what the
#    module saw;
#  - unloading removes every device.
# shellcheck disable=SC2317 # functions run through ktap_check

# shellcheck source=../lib/ktap.sh
. ../lib/ktap.sh
# shellcheck source=dibs_lib.sh
. ./dibs_lib.sh

tmp=${TMPDIR:-/tmp}/dibs_test.$$
mkdir -p "$tmp" || exit 1
core_was_loaded=0
dibs_loaded dibs_core && core_was_loaded=1

cleanup() {
	dibs_unload dibs_test
	dibs_unload dibs_lo
	[ "$core_was_loaded" = 1 ] || dibs_unload dibs_core
	rm -rf "$tmp"
}
trap cleanup EXIT

nothing_of_lo_left() {
	! dibs_loaded dibs_lo && [ ! -d /sys/module/dibs_lo ] &&
		[ -z "$(dibs_devices)" ]
}

# bad_param NAME=VALUE: modprobe must fail, say why in the kernel log
# (a dibs_lo line naming the parameter) and leave nothing behind.
bad_param() {
	_mark="dibs_test.sh: bad_param $1 run=$(dibs_run_id)"
	dibs_mark "$_mark"
	if modprobe dibs_lo "$1" 2>"$tmp/err"; then
		ktap_diag "modprobe dibs_lo $1 succeeded"
		rmmod dibs_lo
		return 1
	fi
	if ! dibs_log_since "$_mark" | grep -q "dibs_lo: .*${1%%=*}"; then
		ktap_diag "no dibs_lo message about ${1%%=*} in the kernel log"
		return 1
	fi
	nothing_of_lo_left
}

attr() {
	cat "/sys/class/dibs/$1/$2" 2>/dev/null
}

is_uuid() {
	echo "$1" | grep -qE '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
}

# two fabric devices besides lo, fabric 0xfffe, distinct valid GIDs
check_devices_2() {
	_n=0
	_gids=""
	for d in $(dibs_devices); do
		[ "$d" = lo ] && continue
		_n=$((_n + 1))
		[ "$(attr "$d" fabric_id)" = 0xfffe ] ||
			{ ktap_diag "$d: fabric_id $(attr "$d" fabric_id)"; return 1; }
		_g=$(attr "$d" gid)
		is_uuid "$_g" || { ktap_diag "$d: gid '$_g'"; return 1; }
		case " $_gids " in
		*" $_g "*) ktap_diag "$d: duplicate gid"; return 1 ;;
		esac
		_gids="$_gids $_g"
	done
	[ "$_n" = 2 ] || { ktap_diag "$_n fabric devices: $(dibs_devices | tr '\n' ' ')"; return 1; }
	[ -d /sys/class/dibs/lo ] && [ "$(attr lo fabric_id)" = 0xffff ]
}

check_lo() {
	[ "$(attr lo fabric_id)" = 0xffff ] || return 1
	[ "$(attr lo max_dmbs)" = "$1" ] || return 1
	[ "$(attr lo dmbs)" = 0 ] || return 1
	is_uuid "$(attr lo gid)"
}

# compare each "SYSFS name gid fabric max dmbs" line with sysfs
check_sysfs() {
	_seen=0
	while read -r _tag name gid fabric max dmbs; do
		[ "$_tag" = SYSFS ] || continue
		_seen=$((_seen + 1))
		for a in gid fabric_id max_dmbs dmbs; do
			case $a in
			gid) want=$gid ;;
			fabric_id) want=$fabric ;;
			max_dmbs) want=$max ;;
			dmbs) want=$dmbs ;;
			esac
			got=$(attr "$name" "$a" | tr 'A-F' 'a-f')
			if [ "$got" != "$want" ]; then
				ktap_diag "$name/$a: sysfs '$got', module '$want'"
				return 1
			fi
		done
	done < "$tmp/log"
	[ "$_seen" = 3 ] || { ktap_diag "module described $_seen devices, expected 3"; return 1; }
}

module_devices_gone() {
	# shellcheck disable=SC2013 # names have no spaces
	for d in $(sed -n 's/^SYSFS \([^ ]*\) .*/\1/p' "$tmp/log"); do
		[ "$d" = lo ] && continue
		[ -e "/sys/class/dibs/$d" ] && { ktap_diag "$d still exists"; return 1; }
	done
	[ "$(attr lo dmbs)" = 0 ]
}

ktap_plan 15

if dibs_loaded dibs_lo; then
	ktap_diag "dibs_lo already loaded, unloading it"
	rmmod dibs_lo || ktap_diag "cannot unload dibs_lo"
fi

ktap_check "dibs_lo devices=1000 refused" bad_param devices=1000
ktap_check "dibs_lo devices=65 refused" bad_param devices=65
ktap_check "dibs_lo max_dmbs=0 refused" bad_param max_dmbs=0
ktap_check "dibs_lo max_dmbs=65536 refused" bad_param max_dmbs=65536
ktap_check "dibs_lo devices=-1 refused" bad_param devices=-1

if modprobe dibs_lo devices=2 && check_devices_2; then
	ktap_pass "dibs_lo devices=2: lo and two fabric devices"
else
	ktap_fail "dibs_lo devices=2: lo and two fabric devices"
fi
dibs_unload dibs_lo
ktap_check "rmmod dibs_lo removes all devices" nothing_of_lo_left

if modprobe dibs_lo max_dmbs=16; then
	ktap_pass "modprobe dibs_lo max_dmbs=16"
else
	ktap_fail "modprobe dibs_lo max_dmbs=16"
fi
ktap_check "sysfs of lo" check_lo 16

run=$(dibs_run_id)
if modprobe dibs_test run_id="$run"; then
	ktap_pass "modprobe dibs_test"
else
	ktap_fail "modprobe dibs_test"
fi
dibs_module_log dibs_test "$run" > "$tmp/log"
ktap_diag "dibs_test.ko: $(sed -n 's/^END //p' "$tmp/log")"
if dibs_reemit "$tmp/log"; then
	ktap_pass "dibs_test.ko cases"
else
	ktap_fail "dibs_test.ko cases"
fi
ktap_check "sysfs matches the module's view" check_sysfs

if dibs_loaded dibs_test &&
	echo 1 > /sys/module/dibs_test/parameters/cleanup &&
	[ "$(cat /sys/module/dibs_test/parameters/cleanup)" = 1 ] &&
	module_devices_gone; then
	ktap_pass "dibs_test cleanup removes its devices and DMBs"
else
	ktap_fail "dibs_test cleanup removes its devices and DMBs"
fi
ktap_check "rmmod dibs_test" rmmod dibs_test
dibs_unload dibs_lo
ktap_check "rmmod dibs_lo leaves no device" nothing_of_lo_left
ktap_finished
