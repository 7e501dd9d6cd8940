#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# nl_consist.sh - nl_consist against dibs_core + dibs_lo (lo, lo1..lo8 and
# the devices the program adds): dumps read in pieces while devices come
# and go, a dev-new whose reply cannot be delivered.

cd "$(dirname "$0")" || exit 1
. ./nl_lib.sh

trap nl_unload_all EXIT
nl_unload_all
if ! modprobe dibs_lo devices=8; then
	echo "TAP version 13"
	echo "1..0 # SKIP cannot load dibs_lo"
	exit 4
fi
./nl_consist
