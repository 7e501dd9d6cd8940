#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# multi_scribble.sh (every guest): the host writes random bytes over the
# shared memory file; every guest sees its BAR2 changed (the file is the
# memory), and nothing in its kernel log (the harness checks that).

. ./multi_lib.sh

ktap_plan 2
if [ "$DIBS_ROLE" = a ]; then
	./ivshmem_bar fill "$IVDEV" 33 > /dev/null
fi
multi_sync filled
ktap_check "BAR2 holds pattern 33" ./ivshmem_bar check "$IVDEV" 33
multi_sync checked
if [ "$DIBS_ROLE" = a ]; then
	multi_host scribble
fi
multi_sync scribbled
ktap_check "after the host's scribble BAR2 is random bytes" ./ivshmem_bar differ "$IVDEV" 33
ktap_finished
