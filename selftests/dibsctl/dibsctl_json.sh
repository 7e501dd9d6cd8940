#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# dibsctl_json.sh - -j/--json and -p/--pretty output of every show command,
# parsed by dibs_json and checked field by field (against sysfs where it
# has the value).

cd "$(dirname "$0")" || exit 1
. ../lib/ktap.sh
. ./dibsctl_lib.sh

dctl_init
ktap_plan 16

# jcheck NAME MODE [OPT] -- DIBSCTL ARGS...
jcheck() {
	_name=$1
	_mode=$2
	_opt=$3
	shift 4
	if dibsctl "$@" > "$DCTL_TMP/j" 2> "$DCTL_TMP/jerr" &&
	   ./dibs_json "$_mode" $_opt < "$DCTL_TMP/j" > "$DCTL_TMP/jout"; then
		ktap_pass "$_name"
	else
		sed 's/^/# /' "$DCTL_TMP/jerr" "$DCTL_TMP/jout"
		head -c 2000 "$DCTL_TMP/j" | sed 's/^/# json: /'
		ktap_fail "$_name"
	fi
}

modprobe dibs_lo devices=2 || ktap_diag "modprobe dibs_lo failed"
modprobe dibs_test run_id=$(( $(date +%s) % 100000 * 1000 + $$ % 1000 )) ||
	ktap_diag "modprobe dibs_test failed"

jcheck "-j dev show" devs "" -- -j dev show
jcheck "--json dev show (long option)" devs "" -- --json dev
jcheck "-j -s dev show: stats" devs stats -- -j -s dev show
jcheck "-j dev show lo: one device" devs one -- -j dev show lo
jcheck "-j gid" gids "" -- -j gid
jcheck "-j client" clients "" -- -j client
jcheck "-j dmb" dmbs "" -- -j dmb
jcheck "-j selftest all" selftest "" -- -j selftest all
jcheck "-j selftest run lo" selftest "" -- -j selftest run lo

# pretty output is the same JSON
ok=0
for cmd in "dev show" "gid" "client" "dmb" "-s dev"; do
	# shellcheck disable=SC2086
	dibsctl -j $cmd | ./dibs_json print > "$DCTL_TMP/c" &&
	dibsctl -j -p $cmd | ./dibs_json print > "$DCTL_TMP/p" &&
	cmp -s "$DCTL_TMP/c" "$DCTL_TMP/p" || {
		ktap_diag "-j -p $cmd differs from -j $cmd"
		ok=1
	}
done
if [ "$ok" = 0 ]; then
	ktap_pass "-p prints the same JSON, pretty"
else
	ktap_fail "-p prints the same JSON, pretty"
fi
if [ "$(dibsctl -j -p gid | wc -l)" -gt "$(dibsctl -j gid | wc -l)" ]; then
	ktap_pass "-p output has several lines"
else
	ktap_fail "-p output has several lines"
fi

# dev add -j: the new name as {"name": ...}
if dibsctl -j dev add lo name jtest0 > "$DCTL_TMP/add" &&
   [ "$(./dibs_json print < "$DCTL_TMP/add")" = '{"name":"jtest0"}' ] &&
   dibsctl dev del jtest0; then
	ktap_pass "-j dev add prints the new name"
else
	sed 's/^/# /' "$DCTL_TMP/add"
	ktap_fail "-j dev add prints the new name"
fi

# a JSON consumer gets no JSON on failure, and an error on stderr
if ! dibsctl -j dev show nosuch > "$DCTL_TMP/nj" 2> "$DCTL_TMP/nje" &&
   [ ! -s "$DCTL_TMP/nj" ] && grep -q "no such dibs device" "$DCTL_TMP/nje"; then
	ktap_pass "-j on error: nothing on stdout, message on stderr"
else
	ktap_fail "-j on error: nothing on stdout, message on stderr"
fi

# -j selftest of a missing device: nothing on stdout (it printed "[]")
if ! dibsctl -j selftest run nosuch > "$DCTL_TMP/sj" 2> "$DCTL_TMP/sje" &&
   [ ! -s "$DCTL_TMP/sj" ] && grep -q "no such dibs device" "$DCTL_TMP/sje"; then
	ktap_pass "-j selftest on error: nothing on stdout"
else
	sed 's/^/# stdout: /' "$DCTL_TMP/sj"
	ktap_fail "-j selftest on error: nothing on stdout"
fi

# every key of every command is snake_case (jq's .key needs it)
: > "$DCTL_TMP/keys"
for cmd in "-s dev show" "gid" "client" "dmb" "selftest run lo"; do
	# shellcheck disable=SC2086
	dibsctl -j $cmd | ./dibs_json print |
		grep -o '"[^"]*":' >> "$DCTL_TMP/keys"
done
if [ -s "$DCTL_TMP/keys" ] && ! grep -qv '^"[a-z][a-z0-9_]*":$' "$DCTL_TMP/keys"; then
	ktap_pass "JSON keys are snake_case"
else
	grep -v '^"[a-z][a-z0-9_]*":$' "$DCTL_TMP/keys" | sort -u | sed 's/^/# key: /'
	ktap_fail "JSON keys are snake_case"
fi

# the counters have one name each: the -s text line and the JSON stats
txt=$(dibsctl -s dev show lo | awk 'NR == 3 { for (i = 1; i < NF; i += 2) print $i }' | tr '\n' ' ')
jsn=$(dibsctl -j -s dev show lo | ./dibs_json print |
	sed -n 's/.*"stats":{\([^}]*\)}.*/\1/p' | tr ',' '\n' |
	sed -n 's/^"\([^"]*\)":.*/\1/p' | tr '\n' ' ')
if [ -n "$txt" ] && [ "$txt" = "$jsn" ]; then
	ktap_pass "-s text and -j stats name the counters alike ($txt)"
else
	ktap_diag "text: '$txt', JSON: '$jsn'"
	ktap_fail "-s text and -j stats name the counters alike"
fi

ktap_finished
