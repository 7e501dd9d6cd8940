#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# multi_server.sh (every guest): dibs-ivshmem-server restarts (on the
# same shared memory file); the guests keep their peer ids and still
# share BAR2.

. ./multi_lib.sh

ktap_plan 2
before=$(./ivshmem_bar ivpos "$IVDEV")
multi_sync before
if [ "$DIBS_ROLE" = a ]; then
	multi_host server-restart
fi
multi_sync restarted
ktap_check "IVPosition still $before after the server restart" [ "$(./ivshmem_bar ivpos "$IVDEV")" = "$before" ]
if [ "$DIBS_ROLE" = a ]; then
	./ivshmem_bar fill "$IVDEV" 44 > /dev/null
fi
multi_sync filled
ktap_check "BAR2 still shared: pattern 44 of guest a" ./ivshmem_bar check "$IVDEV" 44
ktap_finished
