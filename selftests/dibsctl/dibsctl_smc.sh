#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# dibsctl_smc.sh - `dibsctl smc` without smc: its own message when smc
# cannot be loaded (module autoloading off), usage errors (a bad EID, a bad
# PNET ID) found before any netlink, and smc loaded on demand by its
# netlink family.  Runs before the ism and smcd groups, which leave smc
# loaded; the cases with smc are in smcd/smcd_run.sh.

cd "$(dirname "$0")" || exit 1
. ../lib/ktap.sh
. ./dibsctl_lib.sh

dctl_init

if [ -e /sys/module/smc ] && ! rmmod smc 2> /dev/null; then
	ktap_plan 1
	ktap_skip "dibsctl smc without smc" "smc is loaded and in use (or built in)"
	ktap_finished
fi
if [ -z "$(find "/lib/modules/$(uname -r)" -name 'smc.ko*' 2> /dev/null)" ]; then
	ktap_plan 1
	ktap_skip "dibsctl smc without smc" "no smc.ko for this kernel"
	ktap_finished
fi
ktap_plan 5

MODPROBE=$(cat /proc/sys/kernel/modprobe)
no_autoload() {
	echo /bin/false > /proc/sys/kernel/modprobe
	"$@"
	_rc=$?
	echo "$MODPROBE" > /proc/sys/kernel/modprobe
	return $_rc
}

notloaded="^dibsctl: smc is not loaded (modprobe smc)$"
no_autoload dctl_run "no smc: its own message, exit 1" 1 "$notloaded" -- dibsctl smc ueid show
[ -s "$DCTL_TMP/out" ] && ktap_diag "stdout not empty"
no_autoload dctl_run "no smc: -j smc info, the same message" 1 "$notloaded" -- dibsctl -j smc info
# usage errors come first, with or without smc
no_autoload dctl_run "no smc: a bad EID is a usage error" 2 \
	"^dibsctl: bad EID 'MY_EID': character 3 ('_') is not allowed" -- dibsctl smc ueid add MY_EID
no_autoload dctl_run "no smc: a bad PNET ID is a usage error" 2 \
	"^dibsctl: bad PNET ID 'PNETID.1'" -- dibsctl smc pnet add PNETID.1 eth lo
# the family's module alias loads smc (smc before 5.11 has neither the
# family nor an alias for its families)
if modinfo -F alias smc 2> /dev/null | grep -q 'family-SMC_GEN_NETLINK$'; then
	dctl_run "smc is loaded on demand by dibsctl smc info" 0 "" -- dibsctl smc info
	sed 's/^/# /' "$DCTL_TMP/out"
	grep -q "^smc " /proc/modules || ktap_diag "smc was not loaded"
else
	ktap_skip "smc is loaded on demand by dibsctl smc info" \
		"smc.ko has no module alias for a netlink family SMC_GEN_NETLINK (before 5.11)"
fi
rmmod smc 2> /dev/null
ktap_finished
