# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Helpers of the ivshmem group (busybox sh): find the ivshmem-doorbell
# function and its dibs device.  Sourcing it also sources ../lib/ktap.sh
# and ../lib/multi.sh (the caller's directory is a group's, selftests/GROUP).

# shellcheck source=../lib/ktap.sh
. ../lib/ktap.sh
# shellcheck source=../lib/multi.sh
. ../lib/multi.sh

# ivs_pci: print the sysfs directory of the first 1af4:1110 function.
ivs_pci() {
	for _p in /sys/bus/pci/devices/*; do
		[ "$(cat "$_p/vendor" 2> /dev/null)" = 0x1af4 ] &&
			[ "$(cat "$_p/device" 2> /dev/null)" = 0x1110 ] &&
			echo "$_p" && return 0
	done
	return 1
}

# ivs_dev PCI: print the name of the dibs device of function PCI.
ivs_dev() {
	for _d in "$1"/dibs/*; do
		[ -e "$_d" ] && echo "${_d##*/}" && return 0
	done
	for _d in /sys/class/dibs/*; do
		[ "$(readlink -f "$_d/device")" = "$(readlink -f "$1")" ] &&
			echo "${_d##*/}" && return 0
	done
	return 1
}

# ivs_attr PCI NAME: print the driver's attribute NAME of function PCI.
ivs_attr() {
	cat "$1/dibs_ivshmem/$2"
}

# ivs_wait_peers PCI N SECONDS: wait until N peers are reachable.
ivs_wait_peers() {
	_i=0
	while [ "$_i" -lt $(($3 * 10)) ]; do
		[ "$(ivs_attr "$1" nr_peers 2> /dev/null)" = "$2" ] && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# ivt CMD...: one command to ivs_test.ko, print its answer.
ivt() {
	echo "$*" > /sys/kernel/debug/ivs_test/ctl &&
		cat /sys/kernel/debug/ivs_test/ctl
}

# ivt_stat FIELD: one field of ivs_test's "stat" answer.
ivt_stat() {
	ivt stat | awk -v f="$1" '{ for (i = 1; i < NF; i++) if ($i == f) print $(i + 1) }'
}

# shellcheck disable=SC2034 # PCI and DEV are for the caller
# ivs_up: load dibs_ivshmem and ivs_test, set PCI and DEV, wait until
# every other guest of the run is a peer (15 s).
ivs_up() {
	PCI=$(ivs_pci) || return 1
	modprobe dibs_ivshmem && modprobe ivs_test || return 1
	DEV=$(ivs_dev "$PCI") || return 1
	ivs_wait_peers "$PCI" $(($(echo "$DIBS_ROLES" | wc -w) - 1)) 15
}

# ivs_down: unload what ivs_up loaded.
ivs_down() {
	rmmod ivs_test 2> /dev/null
	rmmod dibs_ivshmem 2> /dev/null
	rmmod dibs_core 2> /dev/null
	return 0
}

# ivs_uptime: seconds since boot, with hundredths.
ivs_uptime() {
	cut -d' ' -f1 /proc/uptime
}

# ivs_other: the one other role (two-guest runs).
ivs_other() {
	for _o in $DIBS_ROLES; do
		[ "$_o" = "$DIBS_ROLE" ] || { echo "$_o"; return; }
	done
}
