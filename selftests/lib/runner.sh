#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# runner.sh - run selftests kselftest style and print KTAP.
#
#   runner.sh [-C SELFTESTS_DIR] [-t DEFAULT_TIMEOUT] LIST
#
# LIST has one `group/program` per line (as written by `make -C selftests
# install`).  Each program runs in SELFTESTS_DIR/group with a timeout (the
# group's `settings` file, `timeout=SECONDS`, else DEFAULT_TIMEOUT, 120 s);
# its output is re-printed indented by four spaces (a KTAP subtest), followed
# by `ok N selftests: group: program` or `not ok ...` (exit status 4, KSFT_SKIP,
# gives `ok ... # SKIP`).  A program fails if it
# exits non-zero, times out, prints a failing KTAP case, or leaves one of
# the dibs modules (/lib/modules/$(uname -r)/updates/dibs) loaded.  With
# DIBS_CTL set (a multi-guest run), each program starts when every live
# guest has reached it (lib/multi.sh).
#
# Written for busybox sh (the QEMU guests) and any POSIX sh.

dir=$(cd "$(dirname "$0")/.." && pwd)
default_timeout=120

while getopts C:t: opt; do
	case $opt in
	C) dir=$OPTARG ;;
	t) default_timeout=$OPTARG ;;
	*) echo "usage: $0 [-C DIR] [-t SECONDS] LIST" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
list=$1
if [ -z "$list" ] || [ ! -r "$list" ]; then
	echo "usage: $0 [-C DIR] [-t SECONDS] LIST" >&2
	exit 2
fi

tmp=${TMPDIR:-/tmp}/dibs-runner.$$
mkdir -p "$tmp" || exit 2
trap 'rm -rf "$tmp"' EXIT

kmsg() {
	[ -w /dev/kmsg ] && echo "dibs-selftest: $*" > /dev/kmsg
}

# Names of our modules that are loaded now (one per line, sorted).
our_modules() {
	moddir=/lib/modules/$(uname -r)/updates/dibs
	[ -d "$moddir" ] || return 0
	for ko in "$moddir"/*.ko; do
		[ -e "$ko" ] || continue
		name=$(basename "$ko" .ko | tr - _)
		grep -q "^$name " /proc/modules && echo "$name"
	done | sort
}

# Indent by four spaces, line by line as it comes (busybox sed holds back
# the last line it read, which a crash would lose).
indent() {
	while IFS= read -r line || [ -n "$line" ]; do
		printf '    %s\n' "$line"
	done
}

timeout_of() {
	t=$(sed -n 's/^timeout=\([0-9][0-9]*\)$/\1/p' "$1/settings" 2>/dev/null)
	echo "${t:-$default_timeout}"
}

# Multi-guest runs (scripts/vm's multi-guest phase, lib/multi.sh): every
# program starts on all live guests together, and the host learns when it
# ended.
multi=0
if [ -n "${DIBS_CTL:-}" ]; then
	. "$dir/lib/multi.sh"
	multi=1
fi

# shellcheck source=ktap.sh
. "$dir/lib/ktap.sh"
ktap_plan "$(grep -c . "$list")"

while read -r entry; do
	[ -n "$entry" ] || continue
	group=${entry%%/*}
	prog=${entry#*/}
	gdir=$dir/$group
	name="selftests: $group: $prog"
	echo "# $name"
	if [ ! -x "$gdir/$prog" ]; then
		ktap_fail "$name" "not found or not executable"
		continue
	fi
	secs=$(timeout_of "$gdir")
	if [ "$multi" = 1 ] && ! multi_req begin "$entry" > /dev/null; then
		ktap_fail "$name" "the other guests did not start it (multi-guest)"
		continue
	fi
	before=" $(our_modules | tr '\n' ' ') "
	kmsg "start $group/$prog"
	start=$(date +%s)
	{
		cd "$gdir" && timeout -s KILL "$secs" "./$prog" 2>&1 < /dev/null
		echo $? > "$tmp/rc"
	} | tee "$tmp/out" | indent
	rc=$(cat "$tmp/rc")
	end=$(date +%s)
	kmsg "end $group/$prog rc=$rc"
	[ "$multi" = 0 ] || multi_req end "$entry" "$rc" > /dev/null
	why=""
	skip=""
	if [ "$rc" -eq 4 ]; then
		skip="SKIP"
	elif [ "$rc" -eq 137 ] && [ $((end - start)) -ge "$secs" ]; then
		why="TIMEOUT after $secs s"
	elif [ "$rc" -ne 0 ]; then
		why="exit status $rc"
	elif grep -q '^not ok ' "$tmp/out"; then
		why="a test case failed"
	fi
	left=""
	for m in $(our_modules); do
		case $before in
		*" $m "*) ;;
		*) left="$left $m" ;;
		esac
	done
	if [ -n "$left" ]; then
		why="${why:+$why; }left modules loaded:$left"
		# Unload them (dependents first) so the next test starts clean.
		for _ in 1 2 3; do
			for m in $left; do rmmod "$m" 2>/dev/null; done
		done
	fi
	if [ -n "$why" ]; then
		ktap_fail "$name" "$why"
	elif [ -n "$skip" ]; then
		ktap_skip "$name"
	else
		ktap_pass "$name"
	fi
done < "$list"

[ "$KTAP_FAIL" -eq 0 ]
