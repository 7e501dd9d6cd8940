#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# nl_ynl.sh - mainline's YNL (its C library, and the code its ynl-gen-c.py
# generates from our spec) decodes the dev-get and client-get dumps to the
# same values as dibsctl -j prints (under the same names, in snake_case).
# Stands in for mainline's python tools/net/ynl/cli.py, which the busybox
# guests cannot run.

cd "$(dirname "$0")" || exit 1
# shellcheck source=../lib/ktap.sh
. ../lib/ktap.sh
. ./nl_lib.sh

# skip_all REASON
skip_all() {
	ktap_skip "YNL dev-get dump agrees with dibsctl" "$1"
	ktap_skip "YNL client-get dump agrees with dibsctl" "$1"
	ktap_skip "YNL agrees with dibs_test clients present" "$1"
	ktap_finished
}

ktap_plan 3
if ! command -v dibsctl > /dev/null || [ ! -x ../dibsctl/dibs_json ]; then
	skip_all "dibsctl or dibs_json missing"
fi
if ./nl_ynl dev > /tmp/nl_ynl.$$ 2>&1; [ $? -eq 4 ]; then
	why=$(cat /tmp/nl_ynl.$$)
	rm -f /tmp/nl_ynl.$$
	skip_all "$why"
fi
rm -f /tmp/nl_ynl.$$

trap nl_unload_all EXIT
nl_unload_all
modprobe dibs_lo devices=2 || ktap_diag "modprobe dibs_lo failed"

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
		ktap_pass "$_name"
	else
		sed 's/^/# ynl: /' /tmp/nl_ynl.y /tmp/nl_ynl.err
		sed 's/^/# dibsctl: /' /tmp/nl_ynl.d
		ktap_fail "$_name"
	fi
	rm -f /tmp/nl_ynl.raw /tmp/nl_ynl.err /tmp/nl_ynl.y /tmp/nl_ynl.d
}

compare "YNL dev-get dump agrees with dibsctl" dev dev show
modprobe dibs_test run_id=$(( $(date +%s) % 100000 * 1000 + $$ % 1000 )) ||
	ktap_diag "modprobe dibs_test failed"
compare "YNL client-get dump agrees with dibsctl" client client
compare "YNL agrees with dibs_test clients present" dev dev show
[ -w /sys/module/dibs_test/parameters/cleanup ] &&
	echo 1 > /sys/module/dibs_test/parameters/cleanup
ktap_finished
