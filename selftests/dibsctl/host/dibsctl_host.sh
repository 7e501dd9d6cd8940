#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dibsctl_host.sh - dibsctl tests that need no kernel module, run on the
# build host by scripts/check (bash, man, col): usage errors exit 2 before
# any netlink, the message without dibs_core and the one outside the
# initial network namespace, reserved words never shadow device names, and
# the command table (dibsctl --commands) agrees with help, the man page's
# SYNOPSIS and the bash completion.
#
#   selftests/dibsctl/host/dibsctl_host.sh [DIBSCTL]   (default: dibsctl/dibsctl,
#                                                       built if missing)
# The host must not have dibs_core loaded (hosts here have no modules).

cd "$(dirname "$0")/../../.." || exit 1
. selftests/lib/ktap.sh

if [ -n "${1:-}" ]; then
	DIBSCTL=$1
else
	# Built in a scratch copy: a dibsctl/dibsctl left in the tree would
	# be taken for up to date by a later (cross) build of the tree.
	bld=$(mktemp -d)
	mkdir -p "$bld/include"
	cp -a dibsctl VERSION "$bld/" && cp -a include/uapi "$bld/include/" &&
		rm -f "$bld/dibsctl/dibsctl" &&
		nice -n 10 make -s -C "$bld/dibsctl" > /dev/null ||
		{ echo "cannot build dibsctl"; echo "0 passed, 1 failed"; exit 1; }
	DIBSCTL=$bld/dibsctl/dibsctl
fi
MAN=dibsctl/dibsctl.8
COMP=dibsctl/bash-completion
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" ${bld:+"$bld"}' EXIT

if [ -e /sys/module/dibs_core ]; then
	echo "TAP version 13"
	echo "1..0 # SKIP dibs_core is loaded on this host"
	exit 4
fi

ktap_plan 19

# run WANT_RC STDERR_PATTERN ARGS...: stdout to $tmp/out, stderr to $tmp/err
run() {
	local want=$1 pat=$2 rc
	shift 2
	"$DIBSCTL" "$@" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		ktap_diag "dibsctl $*: exit $rc, expected $want"
		sed 's/^/# stderr: /' "$tmp/err"
		return 1
	fi
	if [ -n "$pat" ] && ! grep -q -- "$pat" "$tmp/err"; then
		ktap_diag "dibsctl $*: stderr does not match '$pat'"
		sed 's/^/# stderr: /' "$tmp/err"
		return 1
	fi
	return 0
}

notloaded="^dibsctl: dibs_core is not loaded"

# 1: usage errors without the module: exit 2, the usage, nothing on stdout
usage_errors() {
	local ok=0 args
	while IFS= read -r args; do
		# shellcheck disable=SC2086
		if ! run 2 "" $args; then
			ok=1
		elif grep -q "not loaded\|netlink" "$tmp/err" || [ -s "$tmp/out" ]; then
			ktap_diag "dibsctl $args: looked at the kernel or printed on stdout"
			ok=1
		fi
	done <<-'LIST'
		dev add
		dev foo
		dev show a b
		dev del
		dev del a b
		dev add lo name
		dev add lo nom x
		dev show abcdefghijklmnop
		gid a
		gid show a b
		client x
		dmb show dev
		dmb show x y
		dmb dev lo
		selftest show
		selftest run a b
		selftest all x
		monitor x
		help bogus
		bogus
		-x dev
		-j
		smc info x
		smc dev x
		smc lgr show x
		smc ueid add
		smc ueid add a_b
		smc ueid add -EID
		smc ueid add ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456
		smc ueid del A B
		smc ueid bogus
		smc seid on
		smc pnet add X eth
		smc pnet add X wlan lo
		smc pnet add PNETIDLONGERTHAN16 eth lo
		smc pnet add X-1 smcd lo
		smc pnet del
		smc pnet flush x
	LIST
	return $ok
}
ktap_check "usage errors exit 2 before any netlink, without the module" usage_errors

ktap_check "no dibs_core: its own message, exit 1" run 1 "$notloaded" dev
ktap_check "no dibs_core: monitor says so too" run 1 "$notloaded" monitor

# smc's families: their own message when smc is not loaded
if [ -e /sys/module/smc ]; then
	ktap_skip "no smc: dibsctl smc says so, exit 1" "smc is loaded on this host"
else
	ktap_check "no smc: dibsctl smc says so, exit 1" \
		run 1 "^dibsctl: smc is not loaded (modprobe smc)$" smc ueid show
fi

# 4: the module loaded but the family invisible (another network
# namespace): a fake /sys/module/dibs_core in a private mount namespace
netns_msg() {
	unshare -m sh -c "mount -t tmpfs none /sys/module && mkdir /sys/module/dibs_core &&
		exec \"\$0\" dev" "$DIBSCTL" > "$tmp/out" 2> "$tmp/err"
	[ $? -eq 1 ] && grep -q "exists only in the initial network namespace" "$tmp/err" &&
		! grep -q "not loaded" "$tmp/err"
}
if unshare -m true 2> /dev/null; then
	ktap_check "dibs_core loaded, family not visible: the namespace message" netns_msg
else
	ktap_skip "dibs_core loaded, family not visible: the namespace message" "no unshare -m here"
fi

# 5: words after the command are names, even reserved ones: they reach
# the kernel (here: "not loaded", exit 1), they are not help or "all"
names_literal() {
	local ok=0 args
	while IFS= read -r args; do
		# shellcheck disable=SC2086
		run 1 "$notloaded" $args || ok=1
	done <<-'LIST'
		dev show help
		dev show h
		dev show show
		dev show all
		gid show help
		gid show he
		dmb show dev help
		selftest run all
		selftest run help
		dev del help
		dev add lo name help
	LIST
	return $ok
}
ktap_check "reserved words after the command are device names" names_literal

# 6: help OBJECT, OBJECT help and -h
help_obj() {
	local ok=0 o
	[ -s "$tmp/table" ] || { ktap_diag "dibsctl --commands printed nothing"; return 1; }
	for o in $(objects); do
		run 0 "" help "$o" && cp "$tmp/out" "$tmp/h1" &&
			run 0 "" "$o" help && cmp -s "$tmp/h1" "$tmp/out" || {
			ktap_diag "help $o and $o help differ or fail"; ok=1; }
		# every command of the object is in its help
		while IFS= read -r line; do
			grep -qF -- "${line#dibsctl }" "$tmp/h1" || {
				ktap_diag "help $o lacks '$line'"; ok=1; }
		done < <(grep "^dibsctl $o\( \|$\)" "$tmp/table")
		cmp -s "$tmp/h1" "$tmp/main" && { ktap_diag "help $o is the main usage"; ok=1; }
	done
	return $ok
}
"$DIBSCTL" --commands > "$tmp/table" 2> /dev/null
"$DIBSCTL" help > "$tmp/main"
objects() { awk '!seen[$2]++ { print $2 }' "$tmp/table"; }
ktap_check "help OBJECT and OBJECT help print the object's commands" help_obj

# 7: the main help lists every entry of the table
main_help() {
	local ok=0 line
	[ -s "$tmp/table" ] || return 1
	while IFS= read -r line; do
		grep -qF -- "  ${line#dibsctl }" "$tmp/main" || {
			ktap_diag "help lacks '$line'"; ok=1; }
	done < "$tmp/table"
	return $ok
}
ktap_check "help lists every command of the table" main_help

# 8: the man page's SYNOPSIS is the table (plus help [OBJECT])
man_synopsis() {
	MANWIDTH=250 man -l "$MAN" 2> /dev/null | col -bx |
		sed -n '/^SYNOPSIS/,/^[A-Z]/p' | sed -n 's/^ *dibsctl \[OPTIONS\] /dibsctl /p' |
		grep -v '^dibsctl help \[OBJECT\]$' > "$tmp/man"
	if ! diff -u "$tmp/table" "$tmp/man" > "$tmp/diff"; then
		sed 's/^/# /' "$tmp/diff"
		return 1
	fi
}
ktap_check "man page SYNOPSIS agrees with the command table" man_synopsis

# 9: the OBJECT list in the man page and in help
objlist() {
	local want
	want="{ $(objects | paste -sd '|' | sed 's/|/ | /g') }"
	MANWIDTH=250 man -l "$MAN" 2> /dev/null | col -bx | grep -qF "OBJECT := $want" &&
		grep -qF "OBJECT := $want" "$tmp/main" ||
		{ ktap_diag "want OBJECT := $want"; return 1; }
}
ktap_check "OBJECT lists in man page and help are the table's objects" objlist

ktap_check "man page renders without warnings" \
	bash -c "[ -z \"\$(man --warnings -l $MAN 2>&1 > /dev/null)\" ]"

# completion: complete WORD... (the last word is the one being completed)
complete_words() {
	PATH=$(dirname "$DIBSCTL"):$PATH bash -c '
		. "$0"
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=()
		_dibsctl
		printf "%s\n" "${COMPREPLY[@]}" | sort' "$COMP" dibsctl "$@"
}

# 11: objects and commands
comp_cmds() {
	local ok=0 o want got
	want=$( (objects; echo help) | sort)
	got=$(complete_words "")
	[ "$want" = "$got" ] || { ktap_diag "objects: want $(echo $want), got $(echo $got)"; ok=1; }
	got=$(complete_words -j "")
	[ "$want" = "$got" ] || { ktap_diag "after -j: got $(echo $got)"; ok=1; }
	for o in $(objects); do
		want=$( (awk -v o="$o" '$2 == o && $3 ~ /^[a-z]/ && !seen[$3]++ { print $3 }' "$tmp/table"; echo help) | sort)
		got=$(complete_words "$o" "")
		[ "$want" = "$got" ] || { ktap_diag "$o: want $(echo $want), got $(echo $got)"; ok=1; }
		# the shortest unambiguous abbreviation completes the same
		got=$(complete_words "${o:0:2}" "")
		case $o in dev|dmb) ;; *)
			[ "$want" = "$got" ] || { ktap_diag "${o:0:2}: got $(echo $got)"; ok=1; } ;;
		esac
	done
	return $ok
}
ktap_check "completion offers the table's objects and commands" comp_cmds

# 12: every keyword of ARGS is offered where the table puts it, after
# the values before it
comp_keywords() {
	local ok=0 o c args toks i words
	[ -s "$tmp/table" ] || return 1
	while read -r _ o c args; do
		[[ $c == [a-z]* ]] || continue
		read -r -a toks <<< "${args//[\[\]]/}"
		words=("$o" "$c")
		for ((i = 0; i < ${#toks[@]}; i++)); do
			if [[ ${toks[i]} == [a-z]* ]]; then
				complete_words "${words[@]}" "" | grep -qx -- "${toks[i]}" || {
					ktap_diag "$o $c: '${toks[i]}' not offered after '${words[*]}'"; ok=1; }
				words+=("${toks[i]}")
			else
				words+=(x)
			fi
		done
	done < "$tmp/table"
	return $ok
}
ktap_check "completion offers every keyword of the table's arguments" comp_keywords

# 13: help OBJECT completes objects; the completion knows -t
comp_help() {
	[ "$(complete_words help "" | paste -sd ' ')" = "$(objects | sort | paste -sd ' ')" ] &&
		complete_words -- "-" | grep -qx -- --timestamp
}
ktap_check "completion of help OBJECT and of the options" comp_help

# 14: the completion uses only what dibsctl reports: no command is
# hard-coded in the script (objects and commands come from --commands)
comp_no_hardcode() {
	local o c
	while read -r _ o c _; do
		if grep -v '^#' "$COMP" | grep -qw -- "$c" && [ -n "$c" ]; then
			ktap_diag "bash-completion names the command '$c' itself"
			return 1
		fi
	done < "$tmp/table"
}
ktap_check "bash completion takes the commands from dibsctl" comp_no_hardcode

# 15-18: kernel answers the host cannot give, from fake_nl.so (LD_PRELOAD;
# needs a dynamically linked dibsctl)
fake() {
	FAKE_NL=$1 LD_PRELOAD=$tmp/fake_nl.so "$DIBSCTL" "${@:2}" > "$tmp/out" 2> "$tmp/err"
}
if gcc -Wall -shared -fPIC -o "$tmp/fake_nl.so" selftests/dibsctl/host/fake_nl.c -ldl &&
   readelf -l "$DIBSCTL" 2> /dev/null | grep -q 'INTERP'; then
	fake_ok=0
else
	fake_ok=1
fi
fake_warn() {
	fake warn dev del x
	[ $? -eq 0 ] && grep -qx "dibsctl: Warning: fake warning" "$tmp/err" ||
		{ sed 's/^/# stderr: /' "$tmp/err"; return 1; }
}
fake_warn_dump() {
	fake warn -j dev add lo name x
	[ $? -eq 0 ] && grep -qx "dibsctl: Warning: fake warning" "$tmp/err" &&
		! grep -q Warning "$tmp/out" ||
		{ sed 's/^/# stderr: /' "$tmp/err"; return 1; }
}
fake_sendfail() {
	fake sendfail dev del x
	[ $? -eq 1 ] && grep -qx "dibsctl: dev del x: netlink: Out of memory" "$tmp/err" ||
		{ sed 's/^/# stderr: /' "$tmp/err"; return 1; }
}
fake_nosocket() {
	fake nosocket dev
	[ $? -eq 1 ] && grep -qx "dibsctl: cannot open a generic netlink socket: Protocol mismatch" "$tmp/err" ||
		{ sed 's/^/# stderr: /' "$tmp/err"; return 1; }
}
if [ $fake_ok = 0 ]; then
	ktap_check "a failed socket is reported in libnl's words" fake_nosocket
	ktap_check "a warning (extack) on success is shown" fake_warn
	ktap_check "with -j the warning goes to stderr only" fake_warn_dump
	ktap_check "a failed send is reported in libnl's words" fake_sendfail
else
	for t in "a failed socket is reported in libnl's words" \
		 "a warning (extack) on success is shown" \
		 "with -j the warning goes to stderr only" \
		 "a failed send is reported in libnl's words"; do
		ktap_skip "$t" "no gcc, or dibsctl is static"
	done
fi

# for scripts/check
ktap_counts
ktap_finished
