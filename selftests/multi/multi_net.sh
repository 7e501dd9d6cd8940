#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# multi_net.sh (every guest): this guest has its address, reaches every
# other guest over the network, exchanges values with them through the
# host, and has one ivshmem-doorbell function whose BAR2 is the size the
# server was given.

. ./multi_lib.sh

n=0
for o in $(others); do n=$((n + 1)); done
ktap_plan $((3 + 2 * n))

ktap_check "$DIBS_IFACE has $DIBS_IP" sh -c "ip addr show dev '$DIBS_IFACE' 2>/dev/null | grep -q 'inet $DIBS_IP/'"
multi_sync up
for o in $(others); do
	ktap_check "ping guest $o ($(multi_ip "$o"))" ping -c 2 -W 5 "$(multi_ip "$o")"
done
multi_put name "$(hostname)"
for o in $(others); do
	v=$(multi_get "name@$o")
	ktap_check "guest $o's value through the host: dibs-guest-$o" [ "$v" = "dibs-guest-$o" ]
done
ktap_check "one ivshmem-doorbell function (1af4:1110)" [ "$(multi_ivshmem | wc -l)" -eq 1 ]

# BAR2 (the third line of the resource file) has the size of the memory.
want=${DIBS_IVSHMEM%% *}
case $want in
*K) want=$((${want%K} * 1024)) ;;
*M) want=$((${want%M} * 1024 * 1024)) ;;
*G) want=$((${want%G} * 1024 * 1024 * 1024)) ;;
esac
bar2_size() {
	# shellcheck disable=SC2046 # start, end, flags: three words
	set -- $(sed -n 3p "$IVDEV/resource")
	echo $(($2 - $1 + 1))
}
ktap_check "BAR2 is $want bytes: the server's shared memory" [ "$(bar2_size)" = "$want" ]
ktap_finished
