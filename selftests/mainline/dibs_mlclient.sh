#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Mainline compatibility: dibs_mlclient.ko, a client written only against
# mainline's include/linux/dibs.h, on dibs_core and dibs_lo:
#  - with lo and two fabric devices (dibs_lo devices=2), the client gets
#    add_dev for each and passes its cases (its KTAP is re-emitted here);
#  - a device added while it is registered (dibsctl dev add) gets add_dev
#    and the cases (the module's rerun parameter), and its deletion del_dev;
#    so do the devices of dibs_lo loaded and unloaded under the client;
#  - the client registers a DMB in add_dev and writes and unregisters it in
#    del_dev (or before it unregisters), as smc frees its DMBs there;
#  - unloading the client calls del_dev for every device, and unloading
#    dibs_lo under a registered client calls it for every device too;
#  - the client holds a reference on each device from add_dev on (mainline:
#    devices are reference counted) and drops it at its unload, also after
#    dibs_lo is gone: the device must still be readable then;
#  - nothing in the kernel log that the harness would fail on.
# shellcheck disable=SC2317 # functions run through ktap_check

cd "$(dirname "$0")" || exit 1
# shellcheck source=../lib/ktap.sh
. ../lib/ktap.sh
# shellcheck source=../dibs/dibs_lib.sh
. ./dibs_lib.sh

tmp=${TMPDIR:-/tmp}/dibs_mlclient.$$
mkdir -p "$tmp" || exit 1
core_was_loaded=0
dibs_loaded dibs_core && core_was_loaded=1
new=

cleanup() {
	[ -n "$new" ] && [ -e "/sys/class/dibs/$new" ] && dibsctl dev del "$new"
	dibs_unload dibs_mlclient
	dibs_unload dibs_lo
	[ "$core_was_loaded" = 1 ] || dibs_unload dibs_core
	rm -rf "$tmp"
}
trap cleanup EXIT

# The client's log lines since MARK, without the time stamps.
client_log() {
	dibs_log_since "$1" | sed -n 's/^\[[^]]*\] *dibs_mlclient: //p'
}

# saw WHAT MARK NAMES...: "dev: WHAT NAME" logged once for each NAME since
# MARK, and for no other device.
saw() {
	_what=$1 _mark=$2
	shift 2
	client_log "$_mark" | sed -n "s/^dev: $_what //p" | sort > "$tmp/saw"
	printf '%s\n' "$@" | sed '/^$/d' | sort > "$tmp/want"
	cmp -s "$tmp/saw" "$tmp/want" && return 0
	ktap_diag "$_what: saw '$(tr '\n' ' ' < "$tmp/saw")', want '$*'"
	return 1
}

# run_cases RUNID: the module's KTAP of run RUNID, re-emitted
run_cases() {
	dibs_module_log dibs_mlclient "$1" > "$tmp/log.$1"
	ktap_diag "dibs_mlclient.ko run $1: $(sed -n 's/^END //p' "$tmp/log.$1")"
	dibs_reemit "$tmp/log.$1"
}

# exit_line_is WANT MARK: the client's exit line since MARK is WANT
exit_line_is() {
	_got=$(client_log "$2" | sed -n 's/^exit: //p')
	[ "$_got" = "$1" ] && return 0
	ktap_diag "exit: '$_got', want '$1'"
	return 1
}

# sysfs_matches MARK: each "sysfs: NAME GID FABRIC" line the client logged
# since MARK is what /sys/class/dibs/NAME/{gid,fabric_id} show
sysfs_matches() {
	client_log "$1" | sed -n 's/^sysfs: //p' > "$tmp/sysfs"
	[ -s "$tmp/sysfs" ] || { ktap_diag "the client logged no device"; return 1; }
	while read -r _n _g _f; do
		_sg=$(cat "/sys/class/dibs/$_n/gid" 2>/dev/null)
		_sf=$(cat "/sys/class/dibs/$_n/fabric_id" 2>/dev/null)
		if [ "$_sg" != "$_g" ] || [ "$_sf" != "$_f" ]; then
			ktap_diag "$_n: sysfs gid '$_sg' fabric_id '$_sf', client '$_g' '$_f'"
			return 1
		fi
	done < "$tmp/sysfs"
}

log_clean() {
	dibs_log_since "$1" | dibs_log_bad > "$tmp/bad" || return 0
	sed 's/^/# kernel: /' "$tmp/bad"
	return 1
}

ktap_plan 16

for m in dibs_mlclient dibs_lo; do
	dibs_unload "$m" || ktap_diag "cannot unload $m"
done
start="dibs_mlclient.sh: start run=$(dibs_run_id)"
dibs_mark "$start"

if modprobe dibs_lo devices=2; then
	devs=$(dibs_devices | tr '\n' ' ')
	ktap_pass "modprobe dibs_lo devices=2 ($devs)"
else
	devs=
	ktap_fail "modprobe dibs_lo devices=2"
fi
ndevs=$(echo "$devs" | wc -w)

# run ids of this script: base, base + 1, ... (dibs_run_id changes once a second)
base=$(dibs_run_id)
mark="dibs_mlclient.sh: load run=$base"
dibs_mark "$mark"
run=$base
ktap_check "modprobe dibs_mlclient (registers, runs its cases)" \
	modprobe dibs_mlclient run_id="$run" expect="$ndevs"
# shellcheck disable=SC2086 # device names have no spaces
ktap_check "add_dev at registration for every device" saw add "$mark" $devs
ktap_check "sysfs gid and fabric_id are the client's view" sysfs_matches "$mark"
ktap_check "the client's cases on $ndevs devices" run_cases "$run"

# A device added and deleted while the client is registered
mark="dibs_mlclient.sh: dev add run=$(dibs_run_id)"
dibs_mark "$mark"
if command -v dibsctl > /dev/null && new=$(dibsctl dev add lo) && [ -n "$new" ]; then
	ktap_check "dibsctl dev add $new: add_dev" saw add "$mark" "$new"
	run=$((base + 1))
	echo $((ndevs + 1)) > /sys/module/dibs_mlclient/parameters/expect
	if echo "$run" > /sys/module/dibs_mlclient/parameters/rerun; then
		ktap_check "the client's cases with $new added" run_cases "$run"
	else
		ktap_fail "the client's cases with $new added" "rerun refused"
	fi
	echo "$ndevs" > /sys/module/dibs_mlclient/parameters/expect
	mark="dibs_mlclient.sh: dev del run=$(dibs_run_id)"
	dibs_mark "$mark"
	if dibsctl dev del "$new"; then
		ktap_check "dibsctl dev del $new: del_dev" saw del "$mark" "$new"
	else
		ktap_fail "dibsctl dev del $new: del_dev"
	fi
	new=
else
	ktap_fail "dibsctl dev add lo: add_dev" "no dibsctl, or dev add failed"
	ktap_fail "the client's cases with a device added"
	ktap_fail "dibsctl dev del: del_dev"
fi

# Unregistering: del_dev for every device
mark="dibs_mlclient.sh: unload run=$(dibs_run_id)"
dibs_mark "$mark"
ktap_check "rmmod dibs_mlclient" rmmod dibs_mlclient
# shellcheck disable=SC2086
if saw del "$mark" $devs &&
	exit_line_is "unregister=0 del_dev=$ndevs devices=$ndevs left=0 stray=0 kept=$((ndevs + 1)) kept_bad=0 ops_bad=0" "$mark"; then
	ktap_pass "dibs_unregister_client: del_dev for every device"
else
	ktap_fail "dibs_unregister_client: del_dev for every device"
fi

# Removing the devices under a registered client: del_dev for each
mark="dibs_mlclient.sh: lo unload run=$(dibs_run_id)"
dibs_mark "$mark"
run=$((base + 2))
if modprobe dibs_mlclient run_id="$run" expect="$ndevs" && run_cases "$run" &&
	rmmod dibs_lo; then
	# shellcheck disable=SC2086
	ktap_check "rmmod dibs_lo under the client: del_dev for every device" \
		saw del "$mark" $devs
else
	ktap_fail "rmmod dibs_lo under the client: del_dev for every device"
fi

# Devices added by a driver loaded under a registered client
mark="dibs_mlclient.sh: lo reload run=$(dibs_run_id)"
dibs_mark "$mark"
if modprobe dibs_lo devices=2; then
	# shellcheck disable=SC2086
	ktap_check "modprobe dibs_lo under the client: add_dev for every device" \
		saw add "$mark" $devs
else
	ktap_fail "modprobe dibs_lo under the client: add_dev for every device"
fi
run=$((base + 3))
if echo "$run" > /sys/module/dibs_mlclient/parameters/rerun; then
	ktap_check "the client's cases on the devices dibs_lo added" run_cases "$run"
else
	ktap_fail "the client's cases on the devices dibs_lo added" "rerun refused"
fi
mark="dibs_mlclient.sh: lo unload again run=$(dibs_run_id)"
dibs_mark "$mark"
if rmmod dibs_lo; then
	# shellcheck disable=SC2086
	ktap_check "rmmod dibs_lo again: del_dev for every device" saw del "$mark" $devs
else
	ktap_fail "rmmod dibs_lo again: del_dev for every device"
fi

mark2="dibs_mlclient.sh: last unload run=$(dibs_run_id)"
dibs_mark "$mark2"
if rmmod dibs_mlclient &&
	exit_line_is "unregister=0 del_dev=0 devices=0 left=0 stray=0 kept=$((2 * ndevs)) kept_bad=0 ops_bad=0" "$mark2"; then
	ktap_pass "rmmod dibs_mlclient: device references held past dibs_lo's unload"
else
	ktap_fail "rmmod dibs_mlclient: device references held past dibs_lo's unload"
fi

ktap_check "kernel log clean" log_clean "$start"
ktap_finished
