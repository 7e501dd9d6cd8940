#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make run` demo: the model through the CLI.  The devices and their GIDs
# and fabric ids, the kernel self-check on each device, a device added to
# the software fabric at runtime (seen by a monitor) and removed again.

if ! command -v dibsctl > /dev/null; then
	echo "dibsctl not built: skipped"
	exit 0
fi

step() {
	echo
	echo "\$ $*"
	"$@"
}

step dibsctl dev
step dibsctl gid
step dibsctl selftest all

dibsctl monitor > /tmp/monitor.out 2>&1 &
mon=$!
sleep 1
step dibsctl dev add lo name demo
step dibsctl -d dev show demo
step dibsctl dev del demo
sleep 1
kill "$mon" 2> /dev/null
wait "$mon" 2> /dev/null
echo
echo "what \`dibsctl monitor\` saw meanwhile:"
cat /tmp/monitor.out
step dibsctl -s dev show lo
exit 0
