#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# nl_uapi.sh - report the build host's check (uapi_check.sh): the spec is
# valid against mainline's genetlink schema and the UAPI header is what
# mainline's ynl-gen-c.py generates from it.

cd "$(dirname "$0")" || exit 1
echo "TAP version 13"
echo "1..2"
if [ ! -s uapi_check.txt ]; then
	echo "not ok 1 spec is valid against the genetlink schema # no result from the build host"
	echo "not ok 2 UAPI header is generated from the spec # no result from the build host"
	exit 1
fi
cat uapi_check.txt
if grep -q '^not ok' uapi_check.txt; then
	exit 1
fi
if [ "$(grep -c '# SKIP' uapi_check.txt)" -eq 2 ]; then
	exit 4
fi
exit 0
