#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# nl_badinput.sh - nl_badinput against dibs_core + dibs_lo (lo, lo1):
# wrong types and lengths, missing attributes, unknown commands, unknown
# devices, an unprivileged caller; errno + extack each, nothing changes.

cd "$(dirname "$0")" || exit 1
. ./nl_lib.sh

trap nl_unload_all EXIT
nl_unload_all
if ! modprobe dibs_lo devices=1; then
	echo "TAP version 13"
	echo "1..0 # SKIP cannot load dibs_lo"
	exit 4
fi
# dibs_core built for a kernel before 6.0 cannot name a missing attribute
DIBS_NL_NO_MISS_TYPE=0
[ "$(modinfo -F dibs_nl_miss_type dibs_core 2> /dev/null)" = no ] && DIBS_NL_NO_MISS_TYPE=1
export DIBS_NL_NO_MISS_TYPE
./nl_badinput
