#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# ynl_prepare.sh DIR - on the build host: put mainline's YNL C library
# (tools/net/ynl/lib/ynl.[ch], ynl-priv.h) and the code ynl-gen-c.py
# generates from Documentation/netlink/specs/dibs.yaml (dibs-user.[ch])
# into DIR, for nl_ynl.  Takes them from linux-source-6.12 through
# ynl_tree.sh, like uapi_check.sh.  Without them, DIR/unavailable says why; nl_ynl then
# skips.

set -u
DIR=$1
HERE=$(cd "$(dirname "$0")" && pwd)

rm -rf "$DIR"
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

unavailable() {
	echo "$1" > "$DIR/unavailable"
	exit 0
}

. "$HERE/ynl_tree.sh"
ynl_tree "$tmp" || unavailable "$YNL_WHY"
[ -f "$tmp/tools/net/ynl/lib/ynl.c" ] ||
	unavailable "this kernel source has no YNL C library"
cd "$tmp" || exit 1
for mode in header source; do
	out=dibs-user.h
	[ $mode = source ] && out=dibs-user.c
	python3 tools/net/ynl/ynl-gen-c.py --mode user --$mode \
		--spec Documentation/netlink/specs/dibs.yaml -o "$DIR/$out" \
		> "$tmp/gen.log" 2>&1 ||
		unavailable "ynl-gen-c.py failed: $(tail -1 "$tmp/gen.log")"
done
cp tools/net/ynl/lib/ynl.c tools/net/ynl/lib/ynl.h \
	tools/net/ynl/lib/ynl-priv.h "$DIR/"
echo "from $YNL_ORIGIN" > "$DIR/origin"
