#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# dibs_smcd registers every dibs device with smc, and smc's netlink device
# dump (SMC_NETLINK_GET_DEV_SMCD, what `smcd device` reads) lists them: it
# reads each device's parent as a PCI device, which dibs_smcd must make safe.
# Devices added after dibs_smcd (dibs_lo loaded later) and removed before it
# come and go too, and so do devices made and deleted with dibsctl; the PNET
# table applies to SMC-D devices by dibs name.
# shellcheck disable=SC2317,SC2016 # functions run through ktap_check

# shellcheck source=../lib/ktap.sh
. ../lib/ktap.sh
# shellcheck source=smcd_lib.sh
. ./smcd_lib.sh

trap smcd_cleanup EXIT
smcd_need_smc

ktap_plan 14

# smcd devices in smc's dump, as "pci_id=NAME" words, sorted
dumped() {
	dibsctl smc device | awk '{ print $2 }' | sort | tr '\n' ' '
}

dump_is() {
	_d=$(dumped)
	[ "$_d" = "$1" ] || { ktap_diag "dump: '$_d', expected '$1'"; return 1; }
}

ktap_check "load dibs_lo devices=2, dibs_smcd" smcd_load devices=2
ktap_check "smc dumps lo lo1 lo2" dump_is "lo lo1 lo2 "
dibsctl smc device | sed 's/^/# /'

dibsctl smc info | sed 's/^/# /'
v2_capable() {
	dibsctl smc info | grep -q '^ism_v2_capable yes'
}
ktap_check "SMC-Dv2 capable (system EID)" v2_capable

# each device: CHID = fabric id in the kernel log, unique u64 GIDs
gids_ok() {
	for d in lo lo1 lo2; do
		g=$(smcd_gid "$d")
		f=$(printf '%04x' "$(cat /sys/class/dibs/"$d"/fabric_id)")
		dmesg | grep -q "dibs_smcd: $d: SMC-D device, GID $g, CHID $f" ||
			{ ktap_diag "no registration line for $d (GID $g CHID $f)"; return 1; }
	done
	[ "$(smcd_gid lo)" != "$(smcd_gid lo1)" ] && [ "$(smcd_gid lo1)" != "$(smcd_gid lo2)" ]
}
ktap_check "GIDs and CHIDs as documented" gids_ok

pnet_ok() {
	dibsctl smc pnet add DIBSTEST smcd lo1 &&
	dibsctl smc device | grep -q '^smcd lo1 pnetid DIBSTEST ' &&
	dibsctl smc device | grep -q '^smcd lo2 pnetid - ' &&
	dibsctl smc pnet flush &&
	dibsctl smc device | grep -q '^smcd lo1 pnetid - '
}
ktap_check "pnet table names SMC-D devices by dibs name" pnet_ok

# a dump while devices churn must not oops; dump repeatedly meanwhile
dump_loop() {
	_i=0
	while [ $_i -lt 50 ]; do
		dibsctl smc device > /dev/null || return 1
		_i=$((_i + 1))
	done
}
dump_loop &
dl=$!
SMCD_PIDS="$SMCD_PIDS $dl"
ktap_check "rmmod dibs_lo with dibs_smcd loaded" rmmod dibs_lo
ktap_check "dump empty after device removal" dump_is ""
ktap_check "modprobe dibs_lo devices=1 again" modprobe dibs_lo devices=1
wait $dl
ktap_check "dump during churn succeeded" [ $? -eq 0 ]
ktap_check "new devices registered" dump_is "lo lo1 "

# devices made and deleted at runtime (dibsctl, netlink family "dibs")
if command -v dibsctl > /dev/null && dibsctl dev add lo name smcdt > /dev/null; then
	ktap_check "dibsctl dev add: registered" dump_is "lo lo1 smcdt "
	ktap_check "dibsctl dev del: unregistered" \
		sh -c 'dibsctl dev del smcdt && [ -z "$(dibsctl smc device | grep "^smcd smcdt ")" ]'
else
	ktap_skip "dibsctl dev add: registered" "no dibsctl or dev add failed"
	ktap_skip "dibsctl dev del: unregistered" "no dibsctl or dev add failed"
fi

ktap_check "rmmod dibs_smcd" rmmod dibs_smcd
ktap_check "dump empty after rmmod dibs_smcd" dump_is ""

ktap_finished
