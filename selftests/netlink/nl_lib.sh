# SPDX-License-Identifier: GPL-2.0
#
# nl_lib.sh - helpers of the netlink selftests (busybox sh).

nl_loaded() {
	grep -q "^$1 " /proc/modules
}

nl_unload_all() {
	for _m in dibs_test dibs_lo dibs_core; do
		nl_loaded "$_m" && { rmmod "$_m" || echo "# cannot unload $_m"; }
	done
}
