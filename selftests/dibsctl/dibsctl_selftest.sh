#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# dibsctl_selftest.sh - the kernel self-check through dibsctl: every check
# passes (or is skipped) on every device, other clients' DMBs are left
# alone, runs in parallel are serialised, bad requests fail cleanly.

cd "$(dirname "$0")" || exit 1
. ../lib/ktap.sh
. ./dibsctl_lib.sh

dctl_init
ktap_plan 10

modprobe dibs_lo devices=2 || ktap_diag "modprobe dibs_lo failed"

if dibsctl selftest > "$DCTL_TMP/st" 2>&1; then
	ktap_pass "selftest (all devices): exit 0"
else
	ktap_fail "selftest (all devices): exit 0"
fi
sed 's/^/# /' "$DCTL_TMP/st"
ndev=$(dctl_devs | wc -l)
if [ "$(awk '{ print $1 }' "$DCTL_TMP/st" | sort -u | wc -l)" -eq "$ndev" ] &&
   awk '$3 != "pass" && $3 != "skip" { bad = 1 } END { exit bad }' "$DCTL_TMP/st"; then
	ktap_pass "one line per check, every device, all pass or skip"
else
	ktap_fail "one line per check, every device, all pass or skip"
fi
for c in gid-reachable register-dmb move-data move-data-last-byte \
	 move-data-out-of-bounds signal unregister-dmb dmbs-in-use; do
	if ! awk -v c="$c" '$1 == "lo" && $2 == c && $3 == "pass" { ok = 1 }
			END { exit !ok }' "$DCTL_TMP/st"; then
		ktap_diag "lo: check $c did not pass"
		missing=1
	fi
done
if [ -z "${missing:-}" ]; then
	ktap_pass "lo: the essential checks pass"
else
	ktap_fail "lo: the essential checks pass"
fi

# with another client holding DMBs: counts unchanged, test still passes
modprobe dibs_test run_id=$(( $(date +%s) % 100000 * 1000 + $$ % 1000 )) ||
	ktap_diag "modprobe dibs_test failed"
for d in $(dctl_devs); do
	echo "$d $(cat /sys/class/dibs/$d/dmbs)"
done > "$DCTL_TMP/dmbs.before"
dibsctl -j dmb > "$DCTL_TMP/dmb.before"
ktap_check "selftest all with another client's DMBs" dctl_quiet dibsctl selftest all
for d in $(dctl_devs); do
	echo "$d $(cat /sys/class/dibs/$d/dmbs)"
done > "$DCTL_TMP/dmbs.after"
dibsctl -j dmb > "$DCTL_TMP/dmb.after"
if cmp -s "$DCTL_TMP/dmbs.before" "$DCTL_TMP/dmbs.after" &&
   cmp -s "$DCTL_TMP/dmb.before" "$DCTL_TMP/dmb.after"; then
	ktap_pass "other clients' DMBs untouched"
else
	ktap_fail "other clients' DMBs untouched"
fi

# parallel runs are serialised, both succeed
dibsctl selftest run lo > "$DCTL_TMP/p1" 2>&1 &
p1=$!
dibsctl selftest all > "$DCTL_TMP/p2" 2>&1 &
p2=$!
wait $p1
r1=$?
wait $p2
r2=$?
if [ $r1 -eq 0 ] && [ $r2 -eq 0 ]; then
	ktap_pass "two self-checks at once both pass"
else
	sed 's/^/# /' "$DCTL_TMP/p1" "$DCTL_TMP/p2"
	ktap_fail "two self-checks at once both pass"
fi

dctl_run "selftest of unknown device: exit 1" 1 "no such dibs device" -- \
	dibsctl selftest run nosuch
dctl_run "selftest as nobody: exit 1" 1 "Operation not permitted" -- \
	./dibs_runas dibsctl selftest run lo
# a device deleted while the self-check runs on it: both finish cleanly
race_ok=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	dibsctl dev add lo name race0 > /dev/null || { race_ok=1; break; }
	dibsctl selftest run race0 > "$DCTL_TMP/race" 2>&1 &
	st=$!
	dibsctl dev del race0 || race_ok=1
	wait $st
	rc=$?
	# passed, or refused because the device was gone (before or during)
	if [ $rc -ne 0 ] && ! grep -q "No such device" "$DCTL_TMP/race"; then
		sed 's/^/# /' "$DCTL_TMP/race"
		race_ok=1
	fi
done
if [ $race_ok -eq 0 ] && [ ! -e /sys/class/dibs/race0 ]; then
	ktap_pass "device deleted during the self-check: clean end"
else
	ktap_fail "device deleted during the self-check: clean end"
fi

if [ "$(dibsctl client | awk 'NR > 1 && $2 == "selftest"' | wc -l)" -eq 0 ]; then
	ktap_pass "the self-check client is gone afterwards"
else
	ktap_fail "the self-check client is gone afterwards"
fi

ktap_finished
