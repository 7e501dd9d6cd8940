#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# dibs-smcrun and `dibsctl smc` (what Debian users have instead of
# smc-tools):
# - bad input (an EID, a PNET ID, an unknown device) is refused before
#   anything changes, an unprivileged change is "not permitted";
# - the EID table round trip, and every `dibsctl -j smc` output is JSON;
# - dibs-smcrun turns the sockets of smcd_tcp (a plain, dynamically linked
#   TCP program) into AF_SMC: counted by smc's statistics (any kernel);
# - with dibs_smcd (smc's SMC-D device API, 6.1): two namespaces set up
#   with `dibsctl smc pnet`, smcd_tcp through dibs-smcrun on both ends:
#   data checked, smc_diag (`dibsctl smc sock`, and smcd_xfer diag) shows
#   both its sockets as SMC-D between the two devices, `dibsctl smc lgr`
#   the link group; without the launcher the same program stays TCP, the
#   server's socket is a fallback with its reason (peer did not offer
#   SMC), and smc counts it.
# Without smc: dibsctl/dibsctl_smc.sh.
# The guests are static (busybox): the dynamic linker and libc come from
# smcd_rtld/ (built with the test).
# shellcheck disable=SC2317 # functions run through ktap_check

# shellcheck source=../lib/ktap.sh
. ../lib/ktap.sh
# shellcheck source=smcd_lib.sh
. ./smcd_lib.sh

RTLD_MADE=""
trap 'rm -f "$SMCD_TMP"/*.hold; [ -z "$RTLD_MADE" ] || rm -f "$RTLD_MADE"; smcd_cleanup' EXIT

if ! command -v dibsctl > /dev/null; then
	ktap_plan 1
	ktap_skip "dibsctl smc, dibs-smcrun" "no dibsctl in this guest"
	ktap_finished
fi

ktap_plan 10

# skip_rest REASON: the cases left, skipped
skip_rest() {
	while [ "$KTAP_N" -lt "$KTAP_PLANNED" ]; do
		ktap_skip "case $((KTAP_N + 1))" "$1"
	done
	ktap_finished
}

OUT=$SMCD_TMP/out
ERR=$SMCD_TMP/err
JSON=../dibsctl/dibs_json
RUNAS=../dibsctl/dibs_runas

# expect RC STDERR_LINE CMD...: exit status RC, stderr has the line
# (grep -F -x), nothing on stdout
expect() {
	_want=$1 _line=$2
	shift 2
	"$@" > "$OUT" 2> "$ERR"
	_rc=$?
	if [ "$_rc" -ne "$_want" ] || ! grep -q -F -x -- "$_line" "$ERR" || [ -s "$OUT" ]; then
		ktap_diag "$*: exit $_rc (want $_want)"
		sed 's/^/# stderr: /' "$ERR"
		sed 's/^/# stdout: /' "$OUT"
		return 1
	fi
}

# without smc: ../dibsctl/dibsctl_smc.sh (before ism and smcd load smc)
if ! modprobe smc || ! modprobe smc_diag; then
	skip_rest "smc.ko or smc_diag.ko not available"
fi
ktap_pass "smc and smc_diag loaded"
# smc before 5.11: no EID tables, statistics, devices or link groups to
# read (no SMC_GEN_NETLINK); smcd_basic.sh runs SMC-D there
if ! smcd_smc_netlink; then
	skip_rest "smc has no netlink family SMC_GEN_NETLINK (before 5.11): dibsctl smc cannot read or configure it"
fi

# --- bad input -----------------------------------------------------------
bad_input() {
	_ok=0
	expect 2 "dibsctl: bad EID 'DIBS_RUN': character 5 ('_') is not allowed (smc takes letters, digits, '.' and '-', and a letter or digit first)" \
		dibsctl smc ueid add DIBS_RUN || _ok=1
	expect 2 "dibsctl: bad EID 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456': it has 33 characters, smc takes 1 to 32" \
		dibsctl smc ueid add ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456 || _ok=1
	expect 2 "dibsctl: bad EID '-X': character 1 ('-') is not allowed (smc takes letters, digits, '.' and '-', and a letter or digit first)" \
		dibsctl smc ueid add -X || _ok=1
	expect 2 "dibsctl: bad PNET ID 'NS-A': character 3 ('-') is not a letter or digit" \
		dibsctl smc pnet add NS-A eth lo || _ok=1
	expect 1 "dibsctl: smc pnet add: no network interface 'nosuchif' in this network namespace" \
		dibsctl smc pnet add NSX eth nosuchif || _ok=1
	expect 1 "dibsctl: smc pnet add: smc has no SMC-D device 'nosuchdev' (dibsctl smc device lists them)" \
		dibsctl smc pnet add NSX smcd nosuchdev || _ok=1
	# nothing was changed
	[ "$(dibsctl -j smc ueid show)" = "[]" ] || { ktap_diag "ueid table not empty"; _ok=1; }
	[ "$(dibsctl -j smc pnet show)" = "[]" ] || { ktap_diag "pnet table not empty"; _ok=1; }
	return $_ok
}
ktap_check "bad EID, bad PNET ID, unknown devices: refused, nothing changed" bad_input

not_permitted() {
	expect 1 "dibsctl: smc ueid add: Operation not permitted (needs CAP_NET_ADMIN)" \
		"$RUNAS" dibsctl smc ueid add DIBS-RUN
}
if [ -x "$RUNAS" ]; then
	ktap_check "an unprivileged change: not permitted" not_permitted
else
	ktap_skip "an unprivileged change: not permitted" "no $RUNAS"
fi

# --- EID table, JSON -----------------------------------------------------
ueid_roundtrip() {
	dibsctl smc ueid add dibs-run.1 &&
	[ "$(dibsctl smc ueid show)" = "ueid DIBS-RUN.1" ] &&
	[ "$(dibsctl -j smc ueid show | $JSON print)" = '["DIBS-RUN.1"]' ] &&
	expect 1 "dibsctl: smc ueid add: dibs-run.1 is already set" dibsctl smc ueid add dibs-run.1 &&
	dibsctl smc ueid del DIBS-RUN.1 &&
	[ "$(dibsctl -j smc ueid show)" = "[]" ] &&
	expect 1 "dibsctl: smc ueid del: DIBS-RUN.1 is not set" dibsctl smc ueid del DIBS-RUN.1
}
ktap_check "ueid add (raised to upper case), show, del; errors for twice" ueid_roundtrip

json_all() {
	_ok=0
	for _c in "smc info" "smc device" "smc lgr" "smc stats" "smc sock" "smc ueid" \
		  "smc seid" "smc pnet"; do
		# shellcheck disable=SC2086 # the command's words
		if ! dibsctl -j $_c > "$OUT" || ! $JSON print < "$OUT" > /dev/null ||
		   ! dibsctl -j -p $_c | $JSON print | cmp -s - "$OUT"; then
			ktap_diag "dibsctl -j $_c: not the same valid JSON with and without -p"
			sed 's/^/# /' "$OUT"
			_ok=1
		fi
	done
	# keys in snake_case, values where the text shows them
	dibsctl -j smc info | $JSON print | grep -q '"ism_v2_capable":\(true\|false\)' || _ok=1
	dibsctl -j smc stats | $JSON print |
		grep -q '"fallbacks":{"client":[0-9]*,"server":[0-9]*,"reasons":\[' || _ok=1
	return $_ok
}
if [ -x "$JSON" ]; then
	ktap_check "every dibsctl -j smc output is valid JSON, -p the same" json_all
else
	ktap_skip "every dibsctl -j smc output is valid JSON, -p the same" "no $JSON"
fi

# --- the launcher --------------------------------------------------------
# The guest's root has no dynamic linker: install the one smcd_tcp names.
RTLD_LIBS=$PWD/smcd_rtld
rtld_setup() {
	_interp=$(cat smcd_rtld/interp) || return 1
	if [ ! -e "$_interp" ]; then
		mkdir -p "${_interp%/*}" &&
		cp "smcd_rtld/${_interp##*/}" "$_interp" || return 1
		RTLD_MADE=$_interp
	fi
	LD_LIBRARY_PATH=$RTLD_LIBS ./smcd_tcp 2> /dev/null
	[ $? -eq 2 ]
}
# run [NSPID|-] ARGS...: with LD_PRELOAD through dibs-smcrun (./dibs-smcrun
# from ../../dibsctl; the library beside it)
smcrun() {
	_ns=$1
	shift
	if [ "$_ns" = - ]; then
		DIBS_SMC_PRELOAD=$PWD/dibs-smc-preload.so LD_LIBRARY_PATH=$RTLD_LIBS \
			./dibs-smcrun "$@"
	else
		DIBS_SMC_PRELOAD=$PWD/dibs-smc-preload.so LD_LIBRARY_PATH=$RTLD_LIBS \
			nsenter -t "$_ns" -n ./dibs-smcrun "$@"
	fi
}
plain() {
	_ns=$1
	shift
	LD_LIBRARY_PATH=$RTLD_LIBS nsenter -t "$_ns" -n "$@"
}
ktap_check "the dynamic linker for smcd_tcp" rtld_setup

# stat KEY: a counter from `dibsctl smc stats` (smcd line or fallbacks)
smc_count() {
	dibsctl smc stats | sed -n "s/^$1 .*$2 \([0-9]*\).*/\1/p"
}
# SMC sockets that were created: handshakes that worked plus fallbacks
smc_clients() {
	echo $(($(smc_count smcd client_v1) + $(smc_count smcd client_v2) +
		$(smc_count fallbacks client)))
}

# Any kernel with smc (6.12's in-tree smc has no device for us): the
# launcher's sockets are SMC sockets; without a device they fall back to
# TCP, and the data still arrives.
launcher_any() {
	_c0=$(smc_clients)
	rm -f "$SMCD_TMP/any.ready"
	smcrun - -d ./smcd_tcp server 127.0.0.1 5300 1 "$SMCD_TMP/any.ready" \
		> "$SMCD_TMP/any.srv" 2>&1 &
	_srv=$!
	SMCD_PIDS="$SMCD_PIDS $_srv"
	smcd_wait_file "$SMCD_TMP/any.ready" || return 1
	smcrun - -d ./smcd_tcp client 127.0.0.1 5300 100000 > "$SMCD_TMP/any.cli" 2>&1
	_rc=$?
	wait "$_srv" || _rc=1
	_c1=$(smc_clients)
	sed 's/^/# /' "$SMCD_TMP/any.srv" "$SMCD_TMP/any.cli"
	dibsctl smc stats | sed 's/^/# /'
	[ "$_rc" = 0 ] && grep -q 'socket(AF_INET, SOCK_STREAM) -> AF_SMC' "$SMCD_TMP/any.cli" &&
		[ "$_c1" -gt "$_c0" ]
}
ktap_check "dibs-smcrun: smcd_tcp over 127.0.0.1 with AF_SMC sockets (smc counts them)" launcher_any

# --- SMC-D between two namespaces (6.1) ----------------------------------
if [ ! -e "/lib/modules/$(uname -r)/updates/dibs/dibs_smcd.ko" ]; then
	skip_rest "dibs_smcd.ko not built (kernel without the SMC-D device API)"
fi

setup() {
	smcd_load devices=2 && smcd_netns_setup &&
	nsenter -t "$SMCD_NS_A" -n dibsctl smc pnet add NSA eth smcda &&
	nsenter -t "$SMCD_NS_B" -n dibsctl smc pnet add nsb eth smcdb &&
	dibsctl smc pnet add NSA smcd lo1 &&
	dibsctl smc pnet add NSB smcd lo2 &&
	[ "$(nsenter -t "$SMCD_NS_B" -n dibsctl smc pnet show)" = "pnetid NSB eth smcdb" ] &&
	dibsctl smc pnet show | grep -qx "pnetid NSA smcd lo1" &&
	dibsctl -j smc device | $JSON print > "$OUT" &&
	grep -q '{"pci_id":"lo1","pnetid":"NSA","pnetid_by_user":true,' "$OUT"
}
ktap_check "dibs_lo devices=2, dibs_smcd, namespaces, PNET IDs with dibsctl smc pnet" setup
dibsctl smc pnet show | sed 's/^/# pnet: /'
sed 's/^/# json: /' "$OUT"
GA=$(smcd_gid lo1)
GB=$(smcd_gid lo2)
SEID=$(smcd_seid)
ktap_diag "A: lo1 GID $GA, B: lo2 GID $GB, system EID in use: $SEID"
dibsctl smc device | sed 's/^/# /'

# pid_of ARGS: the pid of the smcd_tcp process with these arguments
pid_of() {
	for _p in /proc/[0-9]*; do
		[ "$(tr '\0' ' ' < "$_p/cmdline" 2> /dev/null)" = "./smcd_tcp $* " ] &&
			{ echo "${_p#/proc/}"; return 0; }
	done
	return 1
}
# inodes PID: the socket inodes of a process
inodes() {
	for _fd in /proc/"$1"/fd/*; do
		readlink "$_fd"
	done | sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p'
}

# xfer NAME PORT LAUNCH_CLIENT: server in B through dibs-smcrun, client in
# A (through it too if LAUNCH_CLIENT is 1); the client holds its connection
# open until $SMCD_TMP/NAME.hold is removed.  Sets CPID, SPID, and leaves
# `dibsctl smc sock` of both namespaces in NAME.sockA / NAME.sockB, smcd_xfer
# diag in NAME.diagA / NAME.diagB.
xfer() {
	rm -f "$SMCD_TMP/$1.ready" "$SMCD_TMP/$1.hold"
	smcrun "$SMCD_NS_B" ./smcd_tcp server 10.7.0.2 "$2" 1 "$SMCD_TMP/$1.ready" \
		> "$SMCD_TMP/$1.srv" 2>&1 &
	_srvjob=$!
	SMCD_PIDS="$SMCD_PIDS $_srvjob"
	smcd_wait_file "$SMCD_TMP/$1.ready" || return 1
	if [ "$3" = 1 ]; then
		smcrun "$SMCD_NS_A" ./smcd_tcp client 10.7.0.2 "$2" 4000000 "$SMCD_TMP/$1.hold" \
			> "$SMCD_TMP/$1.cli" 2>&1 &
	else
		plain "$SMCD_NS_A" ./smcd_tcp client 10.7.0.2 "$2" 4000000 "$SMCD_TMP/$1.hold" \
			> "$SMCD_TMP/$1.cli" 2>&1 &
	fi
	_clijob=$!
	SMCD_PIDS="$SMCD_PIDS $_clijob"
	if ! smcd_wait_file "$SMCD_TMP/$1.hold" 300; then
		sed 's/^/# /' "$SMCD_TMP/$1.srv" "$SMCD_TMP/$1.cli"
		return 1
	fi
	CPID=$(pid_of client 10.7.0.2 "$2" 4000000 "$SMCD_TMP/$1.hold")
	SPID=$(pid_of server 10.7.0.2 "$2" 1 "$SMCD_TMP/$1.ready")
	nsenter -t "$SMCD_NS_A" -n ./smcd_xfer diag > "$SMCD_TMP/$1.diagA"
	nsenter -t "$SMCD_NS_B" -n ./smcd_xfer diag > "$SMCD_TMP/$1.diagB"
	nsenter -t "$SMCD_NS_A" -n dibsctl smc sock > "$SMCD_TMP/$1.sockA"
	nsenter -t "$SMCD_NS_B" -n dibsctl smc sock > "$SMCD_TMP/$1.sockB"
	CINO=$(inodes "$CPID")
	SINO=$(inodes "$SPID")
	dibsctl smc lgr > "$SMCD_TMP/$1.lgr"
	rm -f "$SMCD_TMP/$1.hold"
	wait "$_clijob"
	_rc=$?
	wait "$_srvjob" || _rc=1
	sed 's/^/# /' "$SMCD_TMP/$1.srv" "$SMCD_TMP/$1.cli"
	ktap_diag "client pid $CPID sockets $CINO, server pid $SPID sockets $SINO"
	sed 's/^/# diag A: /' "$SMCD_TMP/$1.diagA"
	sed 's/^/# diag B: /' "$SMCD_TMP/$1.diagB"
	sed 's/^/# sock A: /' "$SMCD_TMP/$1.sockA"
	sed 's/^/# sock B: /' "$SMCD_TMP/$1.sockB"
	return $_rc
}

# is_smcd NAME A|B INODE MY PEER: the socket is SMC-D with GIDs MY and PEER
# in smcd_xfer diag and in dibsctl smc sock (with the system EID: v2, the
# server may use either device)
is_smcd() {
	_d=$SMCD_TMP/$1.diag$2 _s=$SMCD_TMP/$1.sock$2 _ino=$3 _my=$4 _peer=$5
	if [ "$SEID" = 0 ]; then
		grep -q "^smcd inode=$_ino my_gid=$_my peer_gid=$_peer " "$_d" &&
		grep -q " state ACTIVE mode smcd gid $_my peer_gid $_peer uid [0-9]* inode $_ino\$" "$_s"
	else
		grep -q "^smcd inode=$_ino " "$_d" &&
		grep -q " state ACTIVE mode smcd .* inode $_ino\$" "$_s"
	fi
}

smcd_launched() {
	xfer run 5301 1 || return 1
	[ -n "$CINO" ] && [ -n "$SINO" ] || return 1
	_ok=1
	for _i in $CINO; do
		is_smcd run A "$_i" "$GA" "$GB" || _ok=0
	done
	# the server's sockets: the listener and the connection
	_n=0
	for _i in $SINO; do
		is_smcd run B "$_i" "$GB" "$GA" && _n=$((_n + 1))
	done
	[ $_n = 1 ] || _ok=0
	sed 's/^/# /' "$SMCD_TMP/run.lgr"
	# a link group between the two devices, seen from either end
	[ "$SEID" = 1 ] || grep -q -e "gid $GA peer_gid $GB conns [1-9]" \
		-e "gid $GB peer_gid $GA conns [1-9]" "$SMCD_TMP/run.lgr" || _ok=0
	[ $_ok = 1 ]
}
ktap_check "smcd_tcp A->B through dibs-smcrun: 4 MB each way over SMC-D (smc sock, smc_diag, lgr)" smcd_launched

# the same program without the launcher: a plain TCP client; the server
# (through dibs-smcrun) falls back, and smc counts why
fallback() {
	_f0=$(nsenter -t "$SMCD_NS_B" -n dibsctl smc stats |
		sed -n 's/.*reason 0x03010000 client [0-9]* server \([0-9]*\).*/\1/p')
	xfer tcp 5302 0 || return 1
	nsenter -t "$SMCD_NS_B" -n dibsctl smc stats > "$SMCD_TMP/tcp.stats"
	sed 's/^/# B: /' "$SMCD_TMP/tcp.stats"
	_f1=$(sed -n 's/.*reason 0x03010000 client [0-9]* server \([0-9]*\).*/\1/p' "$SMCD_TMP/tcp.stats")
	for _i in $CINO $SINO; do
		grep -q "^smcd inode=$_i " "$SMCD_TMP/tcp.diagA" "$SMCD_TMP/tcp.diagB" && return 1
	done
	# the client's socket is TCP: smc_diag does not know it
	for _i in $CINO; do
		grep -q " inode $_i\$" "$SMCD_TMP/tcp.sockA" && return 1
	done
	# one of the server's (the connection) fell back, and says why
	_n=0
	for _i in $SINO; do
		grep -q " state ACTIVE mode tcp fallback_reason 0x03010000 (peer did not offer SMC) .* inode $_i\$" \
			"$SMCD_TMP/tcp.sockB" && _n=$((_n + 1))
	done
	[ $_n = 1 ] &&
	grep -q "(peer did not offer SMC)" "$SMCD_TMP/tcp.stats" &&
		[ "${_f1:-0}" -eq $((${_f0:-0} + 1)) ]
}
ktap_check "without the launcher: TCP, data checked; smc sock and stats show the server's fallback and why" fallback

ktap_finished
