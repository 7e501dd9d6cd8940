#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# dibs_smcd's own parts, with what test builds inject:
#  - smcd_test.ko: the s390 system EID computed from injected CPU ids is
#    byte for byte what s390's ism.ko reports (its KTAP is re-emitted);
#  - a failing smcd_register_dev() (test_fail_register=1) leaves nothing
#    behind: the device is no SMC-D device, smc's event queue of it (its
#    rescuer thread "ism_evt_wq-NAME)") is gone; the queue is there while
#    a device is registered, so the check can see it; later devices
#    register again and the unload is clean;
#  - DMBs whose unregistration never reaches the device (smc lost track
#    of them; test_lose_unregister=N) are unregistered by dibs_smcd when
#    smc is done with the device: rmmod dibs_smcd finishes, lo holds no
#    DMB afterwards.
# shellcheck disable=SC2317 # functions run through ktap_check

# shellcheck source=../lib/ktap.sh
. ../lib/ktap.sh
# shellcheck source=smcd_lib.sh
. ./smcd_lib.sh
# shellcheck source=../dibs/dibs_lib.sh
. ./dibs_lib.sh

SMCD_UNLOAD="smcd_test dibs_smcd dibs_lo dibs_core"
trap smcd_cleanup EXIT
# runs where smc has no SMC_GEN_NETLINK too (smcd_lib.sh)
# shellcheck disable=SC2034 # read by smcd_need_smc
SMCD_NO_SMC_NETLINK_OK=1
smcd_need_smc
DUMP=1
smcd_smc_netlink || DUMP=0
# The hooks exist only in test builds (DIBS_TESTS=1); a packaged or DKMS
# build of dibs_smcd (check-packages runs the groups with those modules)
# has none.
if ! modinfo -F parm dibs_smcd 2> /dev/null | grep -q '^test_fail_register'; then
	ktap_plan 1
	ktap_skip "smcd_faults" "dibs_smcd built without DIBS_TESTS (a DKMS or package build): no test hooks"
	ktap_finished
fi

ktap_plan 11

run=$(dibs_run_id)
if modprobe smcd_test run_id="$run"; then
	ktap_pass "modprobe smcd_test"
else
	ktap_fail "modprobe smcd_test"
fi
dibs_module_log smcd_test "$run" > "$SMCD_TMP/log"
if dibs_reemit "$SMCD_TMP/log"; then
	ktap_pass "smcd_test.ko cases"
else
	ktap_fail "smcd_test.ko cases"
fi
rmmod smcd_test
rmmod dibs_smcd 2> /dev/null

# evt_queue NAME: smc's event queue of the SMC-D device NAME exists (its
# rescuer thread; comm is at most 15 characters)
evt_queue() {
	_q=$(echo "ism_evt_wq-$1)" | cut -c1-15)
	grep -qxF "$_q" /proc/[0-9]*/comm 2> /dev/null
}

# is_smcd NAME: smc lists NAME as an SMC-D device (smc before 5.11 has no
# SMC_GEN_NETLINK to list them: its log line of the registration since
# $mark then)
is_smcd() {
	if [ "$DUMP" = 1 ]; then
		dibsctl smc device | grep -q "^smcd $1 "
	else
		dibs_log_since "$mark" | grep -q "smc: adding smcd device $1 "
	fi
}

mark="smcd_faults.sh: register fails run=$run"
dibs_mark "$mark"
fail_once() {
	modprobe dibs_lo && modprobe dibs_smcd test_fail_register=1 || return 1
	dibs_log_since "$mark" | grep -q 'dibs_smcd: lo: smcd_register_dev failed: -5' ||
		{ ktap_diag "no 'smcd_register_dev failed' line"; return 1; }
	! is_smcd lo || { ktap_diag "lo is an SMC-D device"; return 1; }
}
ktap_check "smcd_register_dev fails for lo" fail_once
ktap_check "no event queue left of the failed device" eval '! evt_queue lo'
ktap_check "a device added later registers" eval 'dibsctl dev add lo name lo7 > /dev/null && is_smcd lo7'
ktap_check "its event queue exists (the check sees one)" evt_queue lo7
ktap_check "device deleted: its queue is gone" eval 'dibsctl dev del lo7 && ! evt_queue lo7'
unload() {
	rmmod dibs_smcd && rmmod dibs_lo && ! evt_queue lo
}
ktap_check "rmmod dibs_smcd dibs_lo" unload

# smc loses every DMB unregistration: dibs_smcd drops the DMBs itself
lost_load() {
	modprobe dibs_lo && modprobe dibs_smcd test_lose_unregister=100000 &&
		smcd_ueid_add DIBS-SELFTEST
}
lost_xfer() {
	smcd_server lost - -p 5160 --count 1 --expect smcd || return 1
	_srv=$SMCD_SERVER
	./smcd_xfer client -a 127.0.0.1 -p 5160 -s 65536 --expect smcd
	_crc=$?
	smcd_server_wait lost "$_srv" "$_crc" && [ "$_crc" -eq 0 ] || return 1
	_d=$(cat /sys/class/dibs/lo/dmbs)
	ktap_diag "lo holds $_d DMBs (smc keeps them in its link group)"
	[ "$_d" -gt 0 ]
}
lost_unload() {
	mark="smcd_faults.sh: lost unregistrations run=$run"
	dibs_mark "$mark"
	rmmod dibs_smcd &
	_rm=$!
	_n=600
	while grep -q '^dibs_smcd ' /proc/modules && [ "$_n" -gt 0 ]; do
		usleep 100000
		_n=$((_n - 1))
	done
	if grep -q '^dibs_smcd ' /proc/modules; then
		ktap_diag "rmmod dibs_smcd still running after 60 s"
		return 1
	fi
	wait "$_rm" || return 1
	dibs_log_since "$mark" | grep 'smc left behind' | sed 's/^/# /'
	dibs_log_since "$mark" | grep -q 'lo: unregistered [0-9]* DMB(s) smc left behind' ||
		{ ktap_diag "no 'smc left behind' line for lo"; return 1; }
	[ "$(cat /sys/class/dibs/lo/dmbs)" = 0 ] ||
		{ ktap_diag "lo holds $(cat /sys/class/dibs/lo/dmbs) DMBs"; return 1; }
	rmmod dibs_lo
}
ktap_check "load dibs_lo, dibs_smcd test_lose_unregister; ueid add" lost_load
ktap_check "an SMC-D transfer over lo leaves DMBs in smc's link group" lost_xfer
ktap_check "rmmod dibs_smcd unregisters the DMBs smc lost" lost_unload
ktap_finished
