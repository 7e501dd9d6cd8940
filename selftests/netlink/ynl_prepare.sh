#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# ynl_prepare.sh DIR - on the build host: put mainline's YNL C library
# (tools/net/ynl/lib/ynl.[ch], ynl-priv.h) and the code ynl-gen-c.py
# generates from Documentation/netlink/specs/dibs.yaml (dibs-user.[ch])
# into DIR, for nl_ynl.  Takes them from linux-source-6.12 like
# uapi_check.sh.  Without them, DIR/unavailable says why; nl_ynl then
# skips.

set -u
DIR=$1
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
SPEC=$TOP/Documentation/netlink/specs/dibs.yaml
TARBALL=${LINUX_SOURCE_TARBALL:-$(ls /usr/src/linux-source-6.1[2-9]*.tar.xz 2>/dev/null | tail -1)}

rm -rf "$DIR"
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

unavailable() {
	echo "$1" > "$DIR/unavailable"
	exit 0
}

if [ -n "${LINUX_SOURCE_DIR:-}" ]; then
	cp -r "$LINUX_SOURCE_DIR/tools" "$LINUX_SOURCE_DIR/Documentation" "$tmp/" 2>/dev/null ||
		unavailable "cannot copy from $LINUX_SOURCE_DIR"
elif [ -n "$TARBALL" ] && [ -f "$TARBALL" ]; then
	top=$(tar -tJf "$TARBALL" | head -1 | cut -d/ -f1)
	tar -xJf "$TARBALL" -C "$tmp" --strip-components=1 --wildcards \
		"$top/tools/net/ynl/*" "$top/Documentation/netlink/*.yaml" ||
		unavailable "cannot unpack $TARBALL"
else
	unavailable "no linux-source-6.12"
fi
[ -f "$tmp/tools/net/ynl/lib/ynl.c" ] ||
	unavailable "this kernel source has no YNL C library"
python3 -c 'import yaml, jsonschema' 2> /dev/null ||
	unavailable "no python3 with yaml and jsonschema"

mkdir -p "$tmp/Documentation/netlink/specs"
: > "$tmp/MAINTAINERS"
sed '1s/.*/# SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)/' \
	"$SPEC" > "$tmp/Documentation/netlink/specs/dibs.yaml"
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
echo "from $TARBALL${LINUX_SOURCE_DIR:-}" > "$DIR/origin"
