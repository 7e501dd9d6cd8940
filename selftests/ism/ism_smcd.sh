#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# SMC-D between two emulated ISM functions, through dibs_smcd: namespaces A
# and B joined by a veth pair, function ism<uid1> for A and ism<uid2> for B
# (one VCHID), tied together by PNET IDs (SMC-Dv1) as on an LPAR.  Every
# byte is checked and smc_diag must show SMC-D with the two functions'
# GIDs.  Uses the helpers of the smcd group (smcd_lib.sh, smcd_xfer) from
# ../smcd and dibsctl smc; skips where dibs_smcd is not built (kernels
# without the SMC-D device API, e.g. 6.12).
#
# Where smc uses its system EID (s390) the connections negotiate SMC-Dv2
# and the server may pick either function (same CHID): the GID checks
# accept both, as smcd_netns.sh does.
# shellcheck disable=SC2317 # functions run through ktap_check

# shellcheck source=../lib/ktap.sh
. "$(dirname "$0")/../lib/ktap.sh"
cd "$(dirname "$0")/../smcd" 2> /dev/null || {
	ktap_plan 1
	ktap_skip "ism_smcd" "the smcd group is not installed"
	ktap_finished
}
# shellcheck source=../smcd/smcd_lib.sh
. ./smcd_lib.sh

# dibs_ism (and with it dibs_core) stays loaded if it was: it may drive
# real functions (an LPAR).  dibs_smcd is unloaded in any case.
SMCD_UNLOAD="dibs_smcd ism_emu dibs_ism dibs_core"
grep -q '^dibs_ism ' /proc/modules && SMCD_UNLOAD="dibs_smcd ism_emu"
trap smcd_cleanup EXIT
if [ ! -e "/lib/modules/$(uname -r)/updates/dibs/ism_emu.ko" ]; then
	ktap_plan 1
	ktap_skip "ism_smcd" "ism_emu.ko not built"
	ktap_finished
fi
# runs where smc has no SMC_GEN_NETLINK too (smcd_lib.sh)
# shellcheck disable=SC2034 # read by smcd_need_smc
SMCD_NO_SMC_NETLINK_OK=1
smcd_need_smc

ktap_plan 10

load() {
	modprobe ism_emu functions=2 && modprobe dibs_smcd || return 1
	set --
	for _d in /sys/class/dibs/ism*; do
		case $(readlink "$_d/device" 2> /dev/null) in
		*/ism_emu.*) set -- "$@" "${_d##*/}" ;;
		esac
	done
	[ $# -eq 2 ] || return 1
	FA=$1
	FB=$2
	[ -n "$FA" ] && [ -n "$FB" ]
}
ktap_check "load ism_emu functions=2, dibs_smcd" load
ktap_check "namespaces A and B joined by veth" smcd_netns_setup
GA=$(smcd_gid "$FA")
GB=$(smcd_gid "$FB")
ktap_diag "A: $FA GID $GA, B: $FB GID $GB"
SEID=$(smcd_seid)
[ "$SEID" = 0 ] || ktap_diag "smc uses its system EID: SMC-Dv2, the server may use either function"

ktap_check "PNET IDs: NSA for smcda and $FA, NSB for smcdb and $FB" \
	smcd_netns_pnet "$FA" "$FB"
smcd_show device


# one connection first: it creates the link groups (see smcd_netns.sh)
ktap_check "A->B: first connection (link groups)" smcd_netns_xfer ab0 5300 A B 1 1000
m0="$(smcd_moved "$FA") $(smcd_moved "$FB")"
ktap_check "A->B: 4 connections x 1 B..1 MiB" smcd_netns_xfer ab1 5301 A B 4 1,65536,1048577
ktap_check "B->A: 4 connections x 1 B..1 MiB" smcd_netns_xfer ba1 5302 B A 4 1,65536,1048577
m1="$(smcd_moved "$FA") $(smcd_moved "$FB")"

# both functions wrote at least the payload into the other's DMBs
# (system EID: together)
moved() {
	ktap_diag "bytes_moved $FA $FB: $m0 -> $m1"
	# shellcheck disable=SC2086 # split into the four counters
	set -- $m0 $m1
	_want=$((4 * (1 + 65536 + 1048577)))
	if [ "$SEID" = 0 ]; then
		[ $(($3 - $1)) -ge "$_want" ] && [ $(($4 - $2)) -ge "$_want" ]
	else
		[ $(($3 - $1 + $4 - $2)) -ge $((2 * _want)) ]
	fi
}
if command -v dibsctl > /dev/null; then
	ktap_check "the ism functions moved the data" moved
else
	ktap_skip "the ism functions moved the data" "no dibsctl"
fi

used() {
	_da=$(cat "/sys/class/dibs/$FA/dmbs") _db=$(cat "/sys/class/dibs/$FB/dmbs")
	ktap_diag "DMBs: $FA $_da, $FB $_db"
	[ $((_da + _db)) -gt 0 ]
}
ktap_check "SMC-D DMBs on the ism functions" used

# The functions refuse to unregister DMBs (ism_emu fail_unreg_dmb): smc
# forgets them, dibs_ism keeps them but no longer as dibs_smcd's, and
# rmmod dibs_smcd finishes (it used to wait for them forever).  With the
# refusals over, removing the functions frees them.
mark="ism_smcd.sh: refused unregistration $(date +%s)"
echo "$mark" > /dev/kmsg
unload_refused() {
	_p=/sys/module/ism_emu/parameters/fail_unreg_dmb
	echo 100000 > "$_p" || return 1
	rmmod dibs_smcd &
	_rm=$!
	_n=600
	while grep -q '^dibs_smcd ' /proc/modules && [ "$_n" -gt 0 ]; do
		usleep 100000
		_n=$((_n - 1))
	done
	_left=$(cat "$_p")
	echo 0 > "$_p"
	if grep -q '^dibs_smcd ' /proc/modules; then
		ktap_diag "rmmod dibs_smcd still running after 60 s"
		return 1
	fi
	wait "$_rm" || return 1
	ktap_diag "refused unregistrations: $((100000 - _left))"
	[ "$_left" -lt 100000 ] ||
		{ ktap_diag "no DMB unregistration was refused"; return 1; }
	for _d in "$FA" "$FB"; do
		[ "$(cat "/sys/class/dibs/$_d/dmbs")" = 0 ] ||
			{ ktap_diag "$_d: dmbs $(cat "/sys/class/dibs/$_d/dmbs")"; return 1; }
	done
}
ktap_check "rmmod dibs_smcd while the functions refuse to unregister DMBs" unload_refused
freed() {
	rmmod ism_emu || return 1
	! dmesg | awk -v m="$mark" 'index($0, m) { on = 1 } on' |
		grep -q 'cannot unregister DMB'
}
ktap_check "removing the functions frees the refused DMBs" freed

ktap_finished
