# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Shared by the multi group's tests: KTAP, the multi-guest helpers, and
# IVDEV, this guest's ivshmem-doorbell function.

. ../lib/ktap.sh
. ../lib/multi.sh

IVDEV=$(multi_ivshmem | head -n 1)
# Memory decoding on, for the sysfs mappings (no driver binds it).
[ -z "$IVDEV" ] || [ "$(cat "$IVDEV/enable")" != 0 ] || echo 1 > "$IVDEV/enable"

# The other roles of the run.
others() {
	for _o in $DIBS_ROLES; do
		[ "$_o" = "$DIBS_ROLE" ] || echo "$_o"
	done
}
