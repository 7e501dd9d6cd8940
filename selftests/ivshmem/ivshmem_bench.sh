#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# ivshmem_bench.sh (make bench, multi-guest): SMC-D over dibs_ivshmem
# against TCP over the guests' own network link, the same two guests in one
# run; guest a is the client, guest b the server.
#   stream  64000-byte writes, one connection   MB/s   (smc's default
#           buffers, then net.smc.wmem/rmem = 1 MiB)
#   rr      14-byte ping-pong                   us
#   crr     connect, 1-byte request/response, close   conn/s
#   move_data of 64000 bytes into b's DMB against memcpy into a's own DMB
#   (BAR2 memory too), ns per call
# Prints the ratios.  Under TCG only the ratios mean something.
# IVSHMEM_BENCH_SECS (default 5) per run.  Skips without dibs_smcd.
# shellcheck disable=SC2317 # functions run through ktap_check

cd "$(dirname "$0")/../smcd" || exit 1
# shellcheck source=../smcd/smcd_lib.sh
. ./smcd_lib.sh
# shellcheck source=./ivshmem_lib.sh
. ../ivshmem/ivshmem_lib.sh

SMCD_UNLOAD="dibs_smcd ivs_test dibs_ivshmem dibs_core"
trap smcd_cleanup EXIT
smcd_need_smc
secs=${IVSHMEM_BENCH_SECS:-5}

up() {
	ivs_up && modprobe dibs_smcd &&
		dibsctl smc ueid add DIBS-IVSHMEM-BENCH > /dev/null
}

if [ "$DIBS_ROLE" = b ]; then
	ktap_plan 3
	ktap_check "dibs_ivshmem, dibs_smcd, ivs_test, a user EID" up
	multi_put gid "$(cat "/sys/class/dibs/$DEV/gid")"
	# shellcheck disable=SC2046 # token and index
	set -- $(ivt reg "$DEV" "$(multi_get gid@a)" 65536)
	multi_put tok "$1"
	servers() {
		smcd_server smc - -a "$DIBS_IP" -p 5400 &&
			smcd_server tcp - -a "$DIBS_IP" -p 5401 --tcp
	}
	ktap_check "SMC-D and TCP servers" servers
	multi_put ready 1
	multi_sync default-done
	echo 1048576 > /proc/sys/net/smc/wmem
	echo 1048576 > /proc/sys/net/smc/rmem
	ktap_check "SMC-D server with 1 MiB buffers" \
		smcd_server smc1m - -a "$DIBS_IP" -p 5402
	multi_put ready1m 1
	multi_sync finished
	ktap_finished
fi

ktap_plan 6
ktap_check "dibs_ivshmem, dibs_smcd, ivs_test, a user EID" up
multi_put gid "$(cat "/sys/class/dibs/$DEV/gid")"
BTOK=$(multi_get tok@b)
IP=$(multi_ip b)
multi_get ready@b > /dev/null

# run TYPE LABEL SMCPORT: "LABEL tcp smc-d unit ratio" into the summary
run() {
	_t=$(./smcd_xfer bench -a "$IP" -p 5401 --tcp -t "$1" -D "$secs") || return 1
	_s=$(./smcd_xfer bench -a "$IP" -p "$3" --expect smcd -t "$1" -D "$secs") ||
		{ echo "$_s" | sed 's/^/# /'; return 1; }
	_tv=$(echo "$_t" | awk '/^bench/ { print $4 }')
	_sv=$(echo "$_s" | awk '/^bench/ { print $4 }')
	_u=$(echo "$_s" | awk '/^bench/ { print $5 }')
	if [ "$1" = rr ]; then
		_r=$(awk -v t="$_tv" -v s="$_sv" 'BEGIN { printf "%.2f", s / t }')
		ktap_diag "$2: tcp $_tv $_u, smc-d $_sv $_u, smc-d/tcp latency ${_r} ($(awk -v r="$_r" 'BEGIN { printf "%+d", (r - 1) * 100 }') %)"
	else
		_r=$(awk -v t="$_tv" -v s="$_sv" 'BEGIN { printf "%.2f", s / t }')
		ktap_diag "$2: tcp $_tv $_u, smc-d $_sv $_u, smc-d/tcp ${_r} ($(awk -v r="$_r" 'BEGIN { printf "%+d", (r - 1) * 100 }') %)"
	fi
	echo "$2 $_tv $_sv $_u $_r" >> "$SMCD_TMP/summary"
}
ktap_check "stream, 64000-byte writes, smc's default buffers" run stream stream 5400
ktap_check "rr, 14-byte ping-pong" run rr rr 5400
ktap_check "crr, connections per second" run crr crr 5400
multi_sync default-done
echo 1048576 > /proc/sys/net/smc/wmem
echo 1048576 > /proc/sys/net/smc/rmem
multi_get ready1m@b > /dev/null
ktap_check "stream, 64000-byte writes, 1 MiB buffers" run stream stream-1MiB 5402

own() {
	# shellcheck disable=SC2046 # token and index
	set -- $(ivt reg "$DEV" "$(cat "/sys/class/dibs/$DEV/gid")" 65536)
	OWN=$1
	_m=$(ivt bench "$DEV" "$BTOK" "$OWN" 64000 2000)
	ktap_diag "64000 bytes: $_m"
	_mv=$(echo "$_m" | awk '{ print $2 }')
	_mc=$(echo "$_m" | awk '{ print $4 }')
	[ -n "$_mc" ] || return 1
	ktap_diag "move_data into b's DMB $_mv ns, memcpy into the BAR $_mc ns, move_data/memcpy $(awk -v a="$_mv" -v b="$_mc" 'BEGIN { printf "%.2f", a / b }')"
	echo "move_data-vs-memcpy $_mc $_mv ns $(awk -v a="$_mv" -v b="$_mc" 'BEGIN { printf "%.2f", a / b }')" >> "$SMCD_TMP/summary"
}
ktap_check "move_data into b's DMB vs memcpy into the BAR (64000 bytes)" own
echo "# summary (what, tcp, smc-d, unit, smc-d/tcp; last line: memcpy, move_data, ns, ratio):"
sed 's/^/#   /' "$SMCD_TMP/summary"
multi_sync finished
ktap_finished
