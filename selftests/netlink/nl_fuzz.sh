#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# nl_fuzz.sh - 10000 random messages against the dibs family (nl_fuzz),
# then the family must still answer correctly; the kernel log must stay
# clean (the harness checks it; this script also looks).
# Then 2000 more as nobody (admin ops must get EPERM), printed as an
# indented subtest.  NL_FUZZ_COUNT and NL_FUZZ_SEED override the defaults.

cd "$(dirname "$0")" || exit 1
. ./nl_lib.sh

trap nl_unload_all EXIT
nl_unload_all
if ! modprobe dibs_lo; then
	echo "TAP version 13"
	echo "1..0 # SKIP cannot load dibs_lo"
	exit 4
fi
mark="nl_fuzz.sh: start $$"
echo "$mark" > /dev/kmsg
./nl_fuzz "${NL_FUZZ_COUNT:-10000}" "${NL_FUZZ_SEED:-0}"
rc=$?
# the same without privileges: the admin ops must all be refused
echo "# unprivileged:"
./nl_fuzz 2000 "${NL_FUZZ_SEED:-0}" unprivileged > /tmp/nl_fuzz.$$
[ "$?" -eq 0 ] || rc=1
sed 's/^/    /' /tmp/nl_fuzz.$$
rm -f /tmp/nl_fuzz.$$
if dmesg | sed -n "/$mark/,\$p" |
   grep -E 'WARNING:|BUG:|Oops|KASAN|UBSAN|general protection|INFO:'; then
	echo "# kernel log has complaints since the fuzzer started"
	rc=1
fi
exit $rc
