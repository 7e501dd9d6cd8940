#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ivshmem_server_host.sh - host test of dibs-ivshmem-server, run by
# scripts/check (no guest, a few seconds): ivshmem_server_test.c plays the
# QEMU side of the ivshmem protocol (version, ids, the shared memory of
# two clients, eventfds per vector, join and leave notifications, a client
# that sends garbage, one that never reads, id wrap-around), then a real
# QEMU (q35, never started: -S) with an ivshmem-doorbell device connects
# and must accept everything the server sends; ivshmem_misbehave.py:
# misbehaving peers; ivshmem_qemu_cmdline.py: QEMU's server's command lines
# (-M NAME, -m DIR, -l, -p, -h) work unchanged, side by side with QEMU's
# server when QEMU_IVSHMEM_SERVER names one; ivshmem_qemu_peers.py: QEMU's
# own contrib/ivshmem-client against the server, when QEMU_IVSHMEM_CLIENT
# names one (else skipped).
#
#   selftests/ivshmem_server/host/ivshmem_server_host.sh [SERVER]
#       (default: dibs-ivshmem-server built from the tree in a scratch copy)
# QEMU=qemu-system-x86_64 (empty: those cases are skipped).
# QEMU_IVSHMEM_CLIENT, QEMU_IVSHMEM_SERVER: QEMU's contrib programs, built
# from QEMU's source (empty: those cases are skipped).

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
rc=0 pass=0 fail=0 skip=0
# part NAME CMD...: one KTAP program; its counts added to the totals.
part() {
	local name=$1 log=$bld/$1.log t0=$SECONDS p f s
	shift
	"$@" 2>&1 | tee "$log"
	[ "${PIPESTATUS[0]}" -eq 0 ] || rc=1
	p=$(grep -cE '^ok [0-9]+' "$log")
	f=$(grep -cE '^not ok [0-9]+' "$log")
	s=$(grep -cE '^ok [0-9]+ .*# SKIP' "$log")
	[ "$p$f" != 00 ] || { rc=1 f=1; }
	pass=$((pass + p - s)) fail=$((fail + f)) skip=$((skip + s))
	echo "# time $name: $((SECONDS - t0)) s"
}
part server_test "$bld/ivshmem_server_test" "$SERVER" "$QEMU"
# Misbehaving protocol peers (flooders, fd passing, connect and close,
# half close).
part misbehave python3 selftests/ivshmem_server/host/ivshmem_misbehave.py "$SERVER"
# QEMU's server's command lines, run against ours (and QEMU's server as
# the reference, when QEMU_IVSHMEM_SERVER names it).
part qemu_cmdline python3 selftests/ivshmem_server/host/ivshmem_qemu_cmdline.py "$SERVER" \
	"${QEMU_IVSHMEM_SERVER:-}"
# QEMU's own contrib/ivshmem-client (and ivshmem-server as the
# reference) where they were built: QEMU_IVSHMEM_CLIENT, QEMU_IVSHMEM_SERVER
# (Documentation/ivshmem-server.rst); skipped otherwise.
part qemu_peers python3 selftests/ivshmem_server/host/ivshmem_qemu_peers.py "$SERVER" \
	"${QEMU_IVSHMEM_CLIENT:-}" "${QEMU_IVSHMEM_SERVER:-}"
echo "$pass passed, $fail failed, $skip skipped"
exit $rc
