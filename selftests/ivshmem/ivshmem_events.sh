#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# ivshmem_events.sh (multi-guest, every guest): the host scribbles random
# bytes over the shared memory file, then restarts dibs-ivshmem-server.
# After the scribble every guest reports the damage (sysfs damage, a
# kernel message; the harness checks that its kernel log has no warning),
# keeps its peer (repairs within a heartbeat, long before the loss bound)
# and a DMB registered before the scribble still takes data and signals.
# A server restart changes nothing for guests already attached.
# shellcheck disable=SC2317 # functions run through ktap_check

cd "$(dirname "$0")" || exit 1
# shellcheck source=./ivshmem_lib.sh
. ./ivshmem_lib.sh

trap ivs_down EXIT
O=$(ivs_other)
LEN=16384
ktap_plan 10

ktap_check "dibs_ivshmem and ivs_test loaded, the other guest is a peer" ivs_up
multi_put gid "$(cat "/sys/class/dibs/$DEV/gid")"
OGID=$(multi_get "gid@$O")
# shellcheck disable=SC2046 # token and index
set -- $(ivt reg "$DEV" "$OGID" "$LEN")
TOK=$1
multi_put tok "$TOK"
OTOK=$(multi_get "tok@$O")

# round N BYTE: write BYTE at the last byte of the other's DMB with a signal,
# then wait for the other's signal and the byte it wrote.  (The scribble
# may have caused a signal of its own, a random sig_seq: counted before the
# sync.)
round() {
	_before=$(ivt_stat irqs)
	multi_sync "before-$1"
	[ "$(ivt move "$DEV" "$OTOK" $((LEN - 1)) 1 "$2" 1 0)" = 0 ] || return 1
	_i=0
	while { [ "$(ivt_stat irqs)" -le "$_before" ] ||
		[ "$(ivt peek "$TOK" $((LEN - 1)))" != "$2" ]; } && [ "$_i" -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	ktap_diag "$(ivt stat); last byte $(ivt peek "$TOK" $((LEN - 1)))"
	[ "$(ivt_stat irqs)" -gt "$_before" ] && [ "$(ivt peek "$TOK" $((LEN - 1)))" = "$2" ]
}
ktap_check "before: move_data with a signal both ways" round 1 7

# Both have checked their round before the host scribbles over the byte.
multi_sync round-1-checked
[ "$DIBS_ROLE" = a ] && multi_host scribble
multi_sync scribbled
sleep 2
dmg=$(ivs_attr "$PCI" damage)
ktap_diag "damage repaired: $dmg; kernel: $(dmesg | grep 'shared memory damaged' | tail -n 1)"
ktap_check "the damage is reported (sysfs damage > 0)" test "$dmg" -gt 0
ktap_check "no event delivered from the scribbled mailboxes" test "$(ivt_stat events)" = 0
ktap_check "the peer is kept (nr_peers 1, lost 0)" \
	sh -c "[ \"\$(cat $PCI/dibs_ivshmem/nr_peers)\" = 1 ] && [ \"\$(cat $PCI/dibs_ivshmem/lost)\" = 0 ]"
# The data of the DMBs is what the host wrote; the descriptors are repaired.
ktap_check "after the scribble: move_data with a signal both ways" round 2 9
sleep 5
ktap_check "5 s later the peer is still there" test "$(ivs_attr "$PCI" nr_peers)" = 1

[ "$DIBS_ROLE" = a ] && multi_host server-restart
multi_sync restarted
ktap_check "after a server restart: move_data with a signal both ways" round 3 11
ktap_check "the peer is still there, lost 0" \
	sh -c "[ \"\$(cat $PCI/dibs_ivshmem/nr_peers)\" = 1 ] && [ \"\$(cat $PCI/dibs_ivshmem/lost)\" = 0 ]"
ktap_check "selftest still passes" sh -c "dibsctl selftest run $DEV > /dev/null"
multi_sync finished
ktap_finished
