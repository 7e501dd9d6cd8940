#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Loads dibs_harness_warn.ko, which calls WARN() at load.  The test itself
# passes; the harness self-test expects the run to fail on the WARNING in
# the kernel log.  Not in TEST_PROGS.

# shellcheck source=../lib/ktap.sh
. ../lib/ktap.sh

ko=/selftests/harness/dibs_harness_warn.ko

ktap_plan 2
ktap_check "dibs_harness_warn.ko present" [ -e "$ko" ]
if insmod "$ko"; then
	ktap_pass "insmod dibs_harness_warn"
	rmmod dibs_harness_warn
else
	ktap_fail "insmod dibs_harness_warn"
fi
ktap_finished
