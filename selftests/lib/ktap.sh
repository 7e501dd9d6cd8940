# SPDX-License-Identifier: GPL-2.0
#
# ktap.sh - KTAP output for the shell: the selftests (busybox sh), and on
# the host scripts/vm's own cases, scripts/check-packages,
# scripts/check-pins, scripts/check-install and its guest script (bash).
# The test modules write the same format with selftests/include/ktap_kmod.h.
# Source it:
#
#	. ../lib/ktap.sh
#	ktap_plan 3
#	if cmd; then ktap_pass "cmd works"; else ktap_fail "cmd works"; fi
#	ktap_skip "needs smc" "smc.ko not available"
#	ktap_check "two devices" [ "$(ls /sys/class/dibs | wc -l)" -eq 2 ]
#	ktap_finished
#
# ktap_finished exits 1 if a case failed, 4 (KSFT_SKIP) if every case was
# skipped, else 0; it also fails if fewer cases ran than planned.
#
# Where the number of cases is not known in advance, ktap_header starts
# the output and ktap_plan_end puts the plan at its end.  ktap_plan may
# start several plans in one output (numbering starts again at 1; the
# counts KTAP_PASS, KTAP_FAIL and KTAP_SKIP go on).  ktap_counts prints
# the "P passed, F failed, S skipped" line that scripts/check reads.

KTAP_N=0
KTAP_PLANNED=0
KTAP_PASS=0
KTAP_FAIL=0
KTAP_SKIP=0

ktap_header() {
	echo "TAP version 13"
}

ktap_plan() {
	KTAP_PLANNED=$1
	KTAP_N=0
	ktap_header
	echo "1..$1"
}

ktap_plan_end() {
	echo "1..$KTAP_N"
}

ktap_counts() {
	echo "$KTAP_PASS passed, $KTAP_FAIL failed, $KTAP_SKIP skipped"
}

ktap_diag() {
	echo "# $*"
}

ktap_pass() {
	KTAP_N=$((KTAP_N + 1))
	KTAP_PASS=$((KTAP_PASS + 1))
	echo "ok $KTAP_N $1"
}

# ktap_fail NAME [DIAG]
ktap_fail() {
	KTAP_N=$((KTAP_N + 1))
	KTAP_FAIL=$((KTAP_FAIL + 1))
	echo "not ok $KTAP_N $1${2:+ # $2}"
}

# ktap_skip NAME [REASON]
ktap_skip() {
	KTAP_N=$((KTAP_N + 1))
	KTAP_SKIP=$((KTAP_SKIP + 1))
	echo "ok $KTAP_N $1 # SKIP${2:+ $2}"
}

# ktap_check NAME COMMAND...: passes if COMMAND succeeds.
ktap_check() {
	_name=$1
	shift
	if "$@"; then
		ktap_pass "$_name"
	else
		ktap_fail "$_name"
	fi
}

ktap_finished() {
	if [ "$KTAP_N" -ne "$KTAP_PLANNED" ]; then
		ktap_diag "planned $KTAP_PLANNED tests, ran $KTAP_N"
		exit 1
	fi
	ktap_diag "totals: pass:$KTAP_PASS fail:$KTAP_FAIL skip:$KTAP_SKIP"
	[ "$KTAP_FAIL" -eq 0 ] || exit 1
	if [ "$KTAP_SKIP" -gt 0 ] && [ "$KTAP_PASS" -eq 0 ]; then
		exit 4
	fi
	exit 0
}
