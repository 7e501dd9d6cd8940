# SPDX-License-Identifier: GPL-2.0
#
# ynl_tree.sh - sourced by uapi_check.sh and ynl_prepare.sh (build host).
#
# ynl_tree DIR [SPEC]: make DIR a minimal kernel tree in which mainline's
# YNL tools run on our spec: tools/net/ynl and Documentation/netlink from
# linux-source-6.12 (LINUX_SOURCE_DIR, or LINUX_SOURCE_TARBALL / the newest
# /usr/src/linux-source-6.1[2-9]*.tar.xz), an empty MAINTAINERS (where
# ynl-gen-c.py finds the tree's top), and a verbatim copy of SPEC (default:
# this tree's Documentation/netlink/specs/dibs.yaml, found from $0) under
# Documentation/netlink/specs/dibs.yaml (the spec carries the license of
# mainline's specs, the only one ynl-gen-c.py accepts).  The tarball is
# unpacked once into a cache (DIBS_YNL_CACHE, default /var/tmp/dibs-ynl)
# shared by every build copy.
# Returns non-zero with the reason in YNL_WHY when it cannot; YNL_ORIGIN
# names where the tools came from.
# shellcheck disable=SC2034  # YNL_WHY, YNL_ORIGIN are for the caller

ynl_tree() {
	_dir=$1
	_spec=${2:-$(cd "$(dirname "$0")/../.." && pwd)/Documentation/netlink/specs/dibs.yaml}
	# shellcheck disable=SC2012  # Debian's fixed file names
	_tarball=${LINUX_SOURCE_TARBALL:-$(ls /usr/src/linux-source-6.1[2-9]*.tar.xz 2> /dev/null | tail -n 1)}
	YNL_ORIGIN=${LINUX_SOURCE_DIR:-$_tarball}

	if [ -n "${LINUX_SOURCE_DIR:-}" ]; then
		_src=$LINUX_SOURCE_DIR
	elif [ -n "$_tarball" ] && [ -f "$_tarball" ]; then
		_src=${DIBS_YNL_CACHE:-/var/tmp/dibs-ynl}/$(basename "$_tarball" .tar.xz)
		_stamp="$_tarball $(stat -c %Y "$_tarball")"
		if [ "$(cat "$_src/.stamp" 2> /dev/null)" != "$_stamp" ]; then
			rm -rf "$_src"
			if ! mkdir -p "$_src"; then
				YNL_WHY="cannot create $_src"
				return 1
			fi
			_top=$(tar -tJf "$_tarball" | head -n 1 | cut -d/ -f1)
			if ! tar -xJf "$_tarball" -C "$_src" --strip-components=1 --wildcards \
				"$_top/tools/net/ynl/*" "$_top/Documentation/netlink/*.yaml"; then
				YNL_WHY="cannot unpack $_tarball"
				return 1
			fi
			echo "$_stamp" > "$_src/.stamp"
		fi
	else
		YNL_WHY="no linux-source-6.12 (apt-get install linux-source-6.12)"
		return 1
	fi

	mkdir -p "$_dir/tools/net" "$_dir/Documentation/netlink/specs"
	if ! cp -r "$_src/tools/net/ynl" "$_dir/tools/net/" 2> /dev/null ||
		! cp "$_src"/Documentation/netlink/*.yaml "$_dir/Documentation/netlink/" 2> /dev/null; then
		YNL_WHY="no YNL tools in $_src"
		return 1
	fi
	if ! python3 -c 'import yaml, jsonschema' 2> /dev/null; then
		YNL_WHY="no python3 with yaml and jsonschema"
		return 1
	fi
	: > "$_dir/MAINTAINERS"
	if ! cp "$_spec" "$_dir/Documentation/netlink/specs/dibs.yaml"; then
		YNL_WHY="no spec $_spec"
		return 1
	fi
}
