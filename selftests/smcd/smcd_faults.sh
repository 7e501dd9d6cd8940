#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# dibs_smcd's own parts, with what test builds inject:
#  - smcd_test.ko: the s390 system EID computed from injected CPU ids is
#    byte for byte what s390's ism.ko reports (its KTAP is re-emitted).

# shellcheck source=../lib/ktap.sh
. ../lib/ktap.sh
# shellcheck source=smcd_lib.sh
. ./smcd_lib.sh
# shellcheck source=../dibs/dibs_lib.sh
. ./dibs_lib.sh

SMCD_UNLOAD="smcd_test dibs_smcd dibs_core"
trap smcd_cleanup EXIT
smcd_need_smc

ktap_plan 2

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
ktap_finished
