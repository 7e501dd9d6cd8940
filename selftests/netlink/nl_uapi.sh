#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# nl_uapi.sh - report the build host's check (uapi_check.sh): the spec is
# valid against mainline's genetlink schema and the UAPI header is what
# mainline's ynl-gen-c.py generates from it.

cd "$(dirname "$0")" || exit 1
# shellcheck source=../lib/ktap.sh
. ../lib/ktap.sh

ktap_plan 2
if [ ! -s uapi_check.txt ]; then
	ktap_fail "spec is valid against the genetlink schema" "no result from the build host"
	ktap_fail "UAPI header is generated from the spec" "no result from the build host"
	ktap_finished
fi
# the build host's case lines (uapi_check.sh), counted again here
while IFS= read -r line; do
	case $line in
	"ok "*" # SKIP"*)
		_c=${line#ok [0-9]* }
		ktap_skip "${_c%% # SKIP*}" "${_c#* # SKIP }" ;;
	"ok "*)
		ktap_pass "${line#ok [0-9]* }" ;;
	"not ok "*)
		ktap_fail "${line#not ok [0-9]* }" ;;
	*)
		echo "$line" ;;
	esac
done < uapi_check.txt
ktap_finished
