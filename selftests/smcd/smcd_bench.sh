#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# TCP vs SMC-D over 127.0.0.1 (dibs_lo's `lo` device, SMC-Dv2):
#   stream  64000-byte writes, one connection         MB/s   (higher better)
#   rr      14-byte request/response, one connection  us     (lower better)
#   crr     connect + 1-byte request/response + close conn/s (higher better)
#   stream again with net.smc.wmem/rmem = 1 MiB (smc's default is 64 KiB)
# Each SMC-D run checks that its connections really are SMC-D (smc_diag).
# SMCD_BENCH_SECS (default 5) sets the seconds per run.  Figures from a TCG
# guest say little about real hardware; the ratios are the interesting part.
# shellcheck disable=SC2317,SC2119 # functions run through ktap_check

# shellcheck source=../lib/ktap.sh
. ../lib/ktap.sh
# shellcheck source=smcd_lib.sh
. ./smcd_lib.sh

trap smcd_cleanup EXIT
smcd_need_smc
secs=${SMCD_BENCH_SECS:-5}

ktap_plan 6

setup() {
	smcd_load && dibsctl smc ueid add DIBS-BENCH &&
	smcd_server bench-smc - -p 5400 && smcd_server bench-tcp - -p 5401 --tcp
}
ktap_check "load, user EID, servers" setup

# run TYPE [LABEL]: prints "LABEL tcp-value smc-value unit ratio"
run() {
	_l=${2:-$1}
	_t=$(./smcd_xfer bench -a 127.0.0.1 -p 5401 --tcp -t "$1" -D "$secs") || return 1
	_s=$(./smcd_xfer bench -a 127.0.0.1 -p 5400 --expect smcd -t "$1" -D "$secs") ||
		{ echo "$_s" | sed 's/^/# /'; return 1; }
	echo "$_t" | sed 's/^/# /'
	echo "$_s" | sed 's/^/# /'
	_tv=$(echo "$_t" | awk '/^bench/ { print $4 }')
	_sv=$(echo "$_s" | awk '/^bench/ { print $4 }')
	_u=$(echo "$_s" | awk '/^bench/ { print $5 }')
	if [ "$1" = rr ]; then
		# latency: how many times faster SMC-D is
		_r=$(awk -v t="$_tv" -v s="$_sv" 'BEGIN { printf "%.2f", t / s }')
		ktap_diag "$_l: tcp $_tv $_u, smc-d $_sv $_u, smc-d is ${_r}x faster (tcp/smc-d)"
	else
		_r=$(awk -v t="$_tv" -v s="$_sv" 'BEGIN { printf "%.2f", s / t }')
		ktap_diag "$_l: tcp $_tv $_u, smc-d $_sv $_u, ratio smc-d/tcp ${_r}"
	fi
	echo "$_l $_tv $_sv $_u $_r" >> "$SMCD_TMP/summary"
}

ktap_check "stream (64000-byte writes)" run stream
ktap_check "rr (14-byte ping-pong latency)" run rr
ktap_check "crr (connection set-up rate)" run crr

# smc's default buffers are 64 KiB (net.smc.wmem/rmem); SMC-D DMBs can be
# up to 1 MiB
big_buffers() {
	_oldw=$(cat /proc/sys/net/smc/wmem)
	_oldr=$(cat /proc/sys/net/smc/rmem)
	echo 1048576 > /proc/sys/net/smc/wmem && echo 1048576 > /proc/sys/net/smc/rmem &&
		run stream stream-1MiB-buffers
	_bbrc=$?
	echo "$_oldw" > /proc/sys/net/smc/wmem && echo "$_oldr" > /proc/sys/net/smc/rmem &&
		[ "$(cat /proc/sys/net/smc/rmem)" = "$_oldr" ] || _bbrc=1
	return "$_bbrc"
}
ktap_check "stream with 1 MiB SMC buffers" big_buffers

summary() {
	[ -s "$SMCD_TMP/summary" ] || return 1
	ktap_diag "summary: test tcp smc-d unit ratio(smc-d better if > 1)"
	sed 's/^/# summary: /' "$SMCD_TMP/summary"
}
ktap_check "summary" summary

ktap_finished
