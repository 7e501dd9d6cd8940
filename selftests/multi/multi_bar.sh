#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# multi_bar.sh (every guest): the guests have distinct peer ids
# (IVPosition) and share BAR2: what guest a writes every other guest
# reads, byte for byte, and then the same the other way round.

. ./multi_lib.sh

ktap_plan 3
me=$(./ivshmem_bar ivpos "$IVDEV")
multi_put ivpos "$me"
ids="$me"
for o in $(others); do
	ids="$ids $(multi_get "ivpos@$o")"
done
ktap_diag "peer ids (IVPosition) of $DIBS_ROLES: $ids"
distinct() {
	[ "$me" -ge 0 ] && [ "$(echo "$ids" | tr ' ' '\n' | sort -u | wc -l)" -eq "$(echo "$ids" | wc -w)" ]
}
ktap_check "IVPosition $me: every guest has its own peer id" distinct

last=$(echo "$DIBS_ROLES" | awk '{print $NF}')
# step WRITER SEED
step() {
	if [ "$DIBS_ROLE" = "$1" ]; then
		./ivshmem_bar fill "$IVDEV" "$2" > /dev/null
		multi_sync "written-$2"
		multi_sync "read-$2"
		ktap_pass "guest $1 wrote pattern $2 into BAR2, the others read it"
	else
		multi_sync "written-$2"
		ktap_check "BAR2 holds pattern $2 that guest $1 wrote" ./ivshmem_bar check "$IVDEV" "$2"
		multi_sync "read-$2"
	fi
}
step a 11
step "$last" 22
ktap_finished
