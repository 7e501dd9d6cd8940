#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ivshmem_server_host.sh - host test of dibs-ivshmem-server, run by
# scripts/check (no guest, a few seconds): ivshmem_server_test.c plays the
# QEMU side of the ivshmem protocol (version, ids, the shared memory of
# two clients, eventfds per vector, join and leave notifications, a client
# that sends garbage, one that never reads, id wrap-around), then a real
# QEMU (q35, never started: -S) with an ivshmem-doorbell device connects
# and must accept everything the server sends.
#
#   selftests/ivshmem_server/host/ivshmem_server_host.sh [SERVER]
#       (default: dibs-ivshmem-server built from the tree in a scratch copy)
# QEMU=qemu-system-x86_64 (empty: those cases are skipped).

cd "$(dirname "$0")/../../.." || exit 1

bld=$(mktemp -d)
trap 'rm -rf "$bld"' EXIT
if [ -n "${1:-}" ]; then
	SERVER=$1
else
	# A scratch copy: no build product in the tree.
	cp -a dibs-ivshmem-server VERSION "$bld/" && rm -f "$bld/dibs-ivshmem-server/dibs-ivshmem-server" &&
		nice -n 10 make -s -C "$bld/dibs-ivshmem-server" > /dev/null ||
		{ echo "cannot build dibs-ivshmem-server"; echo "0 passed, 1 failed"; exit 1; }
	SERVER=$bld/dibs-ivshmem-server/dibs-ivshmem-server
fi
nice -n 10 gcc -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -o "$bld/ivshmem_server_test" \
	selftests/ivshmem_server/host/ivshmem_server_test.c ||
	{ echo "cannot build ivshmem_server_test"; echo "0 passed, 1 failed"; exit 1; }
QEMU=${QEMU-qemu-system-x86_64}
command -v "$QEMU" > /dev/null 2>&1 || QEMU=""
"$bld/ivshmem_server_test" "$SERVER" "$QEMU"
