#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest environment that every selftests group relies on (see the guest
# test contract in Documentation/testing.rst).
# shellcheck disable=SC2317 # functions run through ktap_check

# shellcheck source=../lib/ktap.sh
. ../lib/ktap.sh
# What scripts/vm put into this guest (DIBS_DIBSCTL=0 if dibsctl is not built).
DIBS_DIBSCTL=1
# shellcheck source=/dev/null
[ -r /etc/dibs-guest.conf ] && . /etc/dibs-guest.conf

kver=$(uname -r)
moddir=/lib/modules/$kver/updates/dibs

has_modules() {
	for ko in "$moddir"/*.ko; do
		[ -e "$ko" ] && return 0
	done
	return 1
}

has_cmd() {
	command -v "$1" > /dev/null
}

mounted() {
	grep -q " $1 $2 " /proc/mounts
}

# modprobe finds our modules through depmod's index.
modules_indexed() {
	grep -q '^updates/dibs/dibs_core.ko:' "/lib/modules/$kver/modules.dep"
}

ktap_plan 8
ktap_check "dibs modules installed in $moddir" has_modules
ktap_check "modules.dep lists dibs_core" modules_indexed
ktap_check "proc mounted" mounted /proc proc
ktap_check "sysfs mounted" mounted /sys sysfs
ktap_check "debugfs mounted" mounted /sys/kernel/debug debugfs
ktap_check "tmpfs on /tmp" mounted /tmp tmpfs
ktap_check "selftests installed in /selftests" [ -r /selftests/run_list ]
if [ "$DIBS_DIBSCTL" = 0 ]; then
	ktap_skip "dibsctl on PATH" "dibsctl not built yet"
else
	ktap_check "dibsctl on PATH" has_cmd dibsctl
fi
ktap_finished
