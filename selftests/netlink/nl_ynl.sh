#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# nl_ynl.sh - mainline's YNL (its C library, and the code its ynl-gen-c.py
# generates from our spec) decodes the dev-get and client-get dumps to the
# same values as dibsctl -j prints (under the same names, in snake_case).
# Stands in for mainline's python tools/net/ynl/cli.py, which the busybox
# guests cannot run.

cd "$(dirname "$0")" || exit 1
. ./nl_lib.sh

echo "TAP version 13"
echo "1..3"
if ! command -v dibsctl > /dev/null || [ ! -x ../dibsctl/dibs_json ]; then
	echo "ok 1 ynl # SKIP dibsctl or dibs_json missing"
	echo "ok 2 ynl # SKIP dibsctl or dibs_json missing"
	echo "ok 3 ynl # SKIP dibsctl or dibs_json missing"
	exit 4
fi
if ./nl_ynl dev > /tmp/nl_ynl.$$ 2>&1; [ $? -eq 4 ]; then
	why=$(cat /tmp/nl_ynl.$$)
	rm -f /tmp/nl_ynl.$$
	echo "ok 1 YNL dev-get dump agrees with dibsctl # SKIP $why"
	echo "ok 2 YNL client-get dump agrees with dibsctl # SKIP $why"
	echo "ok 3 YNL agrees with dibs_test clients present # SKIP $why"
	exit 4
fi
rm -f /tmp/nl_ynl.$$

trap nl_unload_all EXIT
nl_unload_all
modprobe dibs_lo devices=2 || echo "# modprobe dibs_lo failed"

fail=0
# compare NAME YNL-ARG DIBSCTL-ARGS...
compare() {
	_name=$1
	_what=$2
	shift 2
	./nl_ynl "$_what" > /tmp/nl_ynl.raw 2> /tmp/nl_ynl.err
	# YNL prints the spec's names (fabric-id); dibsctl's JSON keys are
	# those names in snake_case (fabric_id)
	../dibsctl/dibs_json print < /tmp/nl_ynl.raw |
		sed -e ':a' -e 's/"\([a-z0-9_]*\)-\([a-z0-9_-]*\)":/"\1_\2":/' -e 'ta' > /tmp/nl_ynl.y
	dibsctl -j "$@" | ../dibsctl/dibs_json print > /tmp/nl_ynl.d
	if [ -s /tmp/nl_ynl.y ] && cmp -s /tmp/nl_ynl.y /tmp/nl_ynl.d &&
	   [ "$(wc -c < /tmp/nl_ynl.d)" -gt 3 ]; then
		echo "ok $_n $_name"
	else
		sed 's/^/# ynl: /' /tmp/nl_ynl.y /tmp/nl_ynl.err
		sed 's/^/# dibsctl: /' /tmp/nl_ynl.d
		echo "not ok $_n $_name"
		fail=1
	fi
	rm -f /tmp/nl_ynl.raw /tmp/nl_ynl.err /tmp/nl_ynl.y /tmp/nl_ynl.d
}

_n=1 compare "YNL dev-get dump agrees with dibsctl" dev dev show
modprobe dibs_test run_id=$(( $(date +%s) % 100000 * 1000 + $$ % 1000 )) ||
	echo "# modprobe dibs_test failed"
_n=2 compare "YNL client-get dump agrees with dibsctl" client client
_n=3 compare "YNL agrees with dibs_test clients present" dev dev show
[ -w /sys/module/dibs_test/parameters/cleanup ] &&
	echo 1 > /sys/module/dibs_test/parameters/cleanup
exit $fail
