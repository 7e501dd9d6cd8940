#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# dibsctl_intr.sh - `dibsctl dev` while devices come and go.  About 200
# devices make the dump span several netlink batches; meanwhile dibs_churn
# adds and deletes a device at the end of the list as fast as it can and
# deletes the oldest devices one by one.
# Every run must either print every device that existed throughout exactly
# once (exit 0) or print nothing and fail with "Dump was interrupted"
# (exit 1): never half a list.  Which runs the changes hit is up to the
# scheduler; the number of interrupted runs is reported.

cd "$(dirname "$0")" || exit 1
. ../lib/ktap.sh
. ./dibsctl_lib.sh

VICTIMS=80
STABLE=110

dctl_init
ktap_plan 3

mk() {
	_p=$1
	_n=$2
	_i=0
	while [ $_i -lt "$_n" ]; do
		dibsctl dev add lo name "$_p$_i" > /dev/null || return 1
		_i=$((_i + 1))
	done
}

if modprobe dibs_lo && mk cv $VICTIMS && mk ci $STABLE; then
	ktap_pass "dibs_lo with $((VICTIMS + STABLE + 1)) devices"
else
	ktap_fail "dibs_lo with $((VICTIMS + STABLE + 1)) devices"
fi
dctl_devs | grep -v '^cv' > "$DCTL_TMP/stable"

# the changes: a device comes and goes at the end of the list all the
# time, and now and then one of the oldest goes
./dibs_churn 10 cv $VICTIMS > "$DCTL_TMP/churn" 2>&1 &
churn=$!

runs=0
complete=0
intr=0
bad=0
while kill -0 $churn 2> /dev/null; do
	runs=$((runs + 1))
	dibsctl dev > "$DCTL_TMP/out" 2> "$DCTL_TMP/err"
	rc=$?
	if [ $rc -eq 0 ]; then
		awk 'NR > 1 { print $1 }' "$DCTL_TMP/out" | sort > "$DCTL_TMP/got"
		_dup=$(uniq -d "$DCTL_TMP/got" | tr '\n' ' ')
		_miss=$(grep -vxF -f "$DCTL_TMP/got" "$DCTL_TMP/stable" | tr '\n' ' ')
		if [ -n "$_dup$_miss" ]; then
			bad=$((bad + 1))
			ktap_diag "run $runs: exit 0, repeated: '$_dup', missing: '$_miss'"
		else
			complete=$((complete + 1))
		fi
	elif [ $rc -eq 1 ] && [ ! -s "$DCTL_TMP/out" ] &&
	     grep -q "Dump was interrupted" "$DCTL_TMP/err"; then
		intr=$((intr + 1))
	else
		bad=$((bad + 1))
		ktap_diag "run $runs: exit $rc: $(head -1 "$DCTL_TMP/err")"
	fi
done
wait $churn
churn_rc=$?
ktap_diag "churn: $(cat "$DCTL_TMP/churn"), exit $churn_rc"
ktap_diag "$runs runs: $complete complete, $intr interrupted, $bad bad"

if [ $bad -eq 0 ] && [ $runs -gt 0 ] && [ $churn_rc -eq 0 ]; then
	ktap_pass "every run printed a complete list or reported the interruption ($runs runs)"
else
	ktap_fail "every run printed a complete list or reported the interruption ($bad of $runs runs did not)"
fi
if [ $intr -gt 0 ]; then
	ktap_pass "interrupted dumps are reported ($intr of $runs runs)"
else
	ktap_skip "interrupted dumps are reported" "no change fell between two batches of a dump"
fi
ktap_finished
