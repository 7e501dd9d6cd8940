#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make run` demo: load the suite and list the dibs devices.
# Demo scripts in scripts/demo/ run in name order in a `make run` guest
# (busybox sh, output to the terminal); add NN-name.sh files for more.

set -e
modprobe dibs_core
modprobe dibs_lo devices=2
echo "loaded: $(grep -o '^dibs[a-z_]*' /proc/modules | tr '\n' ' ')"
echo
printf '%-16s %-38s %s\n' DEVICE GID FABRIC_ID
for d in /sys/class/dibs/*; do
	[ -e "$d" ] || continue
	printf '%-16s %-38s %s\n' "$(basename "$d")" "$(cat "$d/gid")" \
		"$(cat "$d/fabric_id")"
done
