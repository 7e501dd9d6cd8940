# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Helpers of the ivshmem group (busybox sh): find the ivshmem-doorbell
# function and its dibs device.

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
