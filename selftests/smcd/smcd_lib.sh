# SPDX-License-Identifier: GPL-2.0
#
# smcd_lib.sh - shared by the smcd selftests (busybox sh).  Source it after
# ../lib/ktap.sh.  Sets SMCD_PIDS (background processes to kill on exit) and
# SMCD_NS_A/SMCD_NS_B (pids holding the network namespaces of
# smcd_netns_setup).

SMCD_PIDS=""
SMCD_NS_A=""
SMCD_NS_B=""
SMCD_TMP=${TMPDIR:-/tmp}/smcd.$$
mkdir -p "$SMCD_TMP"

# smcd_need_smc: exit with KSFT_SKIP (4) if this kernel cannot run the test.
smcd_need_smc() {
	kmods=/lib/modules/$(uname -r)/updates/dibs
	if [ ! -e "$kmods/dibs_smcd.ko" ]; then
		ktap_plan 1
		ktap_skip "smcd" "dibs_smcd.ko not built (kernel without the SMC-D device API)"
		ktap_finished
	fi
	if ! command -v dibsctl > /dev/null; then
		ktap_plan 1
		ktap_skip "smcd" "no dibsctl (dibsctl smc configures smc)"
		ktap_finished
	fi
	if ! modprobe smc || ! modprobe smc_diag; then
		ktap_plan 1
		ktap_skip "smcd" "smc.ko or smc_diag.ko not available"
		ktap_finished
	fi
	# smc before 5.11 has no netlink family of its own: no EID tables,
	# devices, link groups or statistics to read or set (only the PNET
	# table).  The tests that need them skip; smcd_basic.sh (which sets
	# and the tests that set SMCD_NO_SMC_NETLINK_OK (they use only the
	# PNET table and smcd_seid, smcd_ueid_add, smcd_show) run there.
	if [ -z "${SMCD_NO_SMC_NETLINK_OK:-}" ] && ! smcd_smc_netlink; then
		ktap_plan 1
		ktap_skip "smcd" "smc has no netlink family SMC_GEN_NETLINK (before 5.11): dibsctl smc cannot read or configure it; smcd_basic.sh covers SMC-D there"
		ktap_finished
	fi
}

# smcd_smc_netlink: true if smc has its netlink family SMC_GEN_NETLINK
# (5.11+), which `dibsctl smc` needs for all but `smc pnet`.
smcd_smc_netlink() {
	! dibsctl smc info 2>&1 | grep -q "netlink family SMC_GEN_NETLINK is missing"
}

# smcd_load [dibs_lo parameters]: dibs_core, dibs_lo, dibs_smcd.
smcd_load() {
	modprobe dibs_lo "$@" && modprobe dibs_smcd
}

# smcd_seid: 1 if smc uses its system EID now, else 0 (smc reports it once
# an SMC-D device is registered: call after smcd_load).  On CONFIG_S390
# kernels smc starts with the system EID enabled, enables it again when the
# last user EID is removed and refuses to disable it while no user EID is
# set: there, with dibs_smcd's s390 system EID, every SMC-D connection
# between two ends of this kernel negotiates SMC-Dv2, with or without a
# user EID or PNET table.  Elsewhere it is off and cannot be enabled.
# smc before 5.11 (no SMC_GEN_NETLINK) has no EID tables and no switch: it
# always negotiates v2 with the system EID once the first SMC-D device
# registered reports a v2 one (dibs_smcd's always does): 1 there.
smcd_seid() {
	if ! smcd_smc_netlink; then
		echo 1
		return
	fi
	dibsctl smc seid show | grep -c ' seid_enabled yes$'
}

# smcd_ueid_add EID: a user EID for SMC-Dv2; smc before 5.11 has no EID
# tables and uses its system EID alone (smcd_seid): nothing to add there.
smcd_ueid_add() {
	smcd_smc_netlink || return 0
	dibsctl smc ueid add "$1"
}

# smcd_peer_gid GID: the peer GID of the link group that the SMC-D device
# with u64 GID has (smc's link groups; without SMC_GEN_NETLINK, what
# smc_diag says of namespace A's SMC-D sockets on that device)
smcd_peer_gid() {
	if smcd_smc_netlink; then
		dibsctl smc lgr | sed -n "s/.* gid $1 peer_gid \([0-9a-f]*\) .*/\1/p" | head -n 1
	else
		nsenter -t "$SMCD_NS_A" -n ./smcd_xfer diag |
			sed -n "s/.* my_gid=$1 peer_gid=\([0-9a-f]*\) .*/\1/p" | head -n 1
	fi
}

# smcd_show WHAT: `dibsctl smc WHAT` as KTAP diagnostics (smc before 5.11
# has no SMC_GEN_NETLINK to show devices or link groups with: its error
# then)
smcd_show() {
	dibsctl smc "$1" 2>&1 | sed 's/^/# /'
}

# The u64 SMC-D GID of dibs device $1: the first 8 bytes of its UUID.
smcd_gid() {
	tr -d '-' < "/sys/class/dibs/$1/gid" | cut -c1-16
}

# smcd_wait_file FILE [TENTHS]: until FILE exists (default 10 s).
smcd_wait_file() {
	_wfn=${2:-100}
	while [ ! -e "$1" ] && [ "$_wfn" -gt 0 ]; do
		usleep 100000
		_wfn=$((_wfn - 1))
	done
	[ -e "$1" ]
}

# smcd_server NAME NSPID|- ARGS...: start a server in the background (in
# the namespace of NSPID unless -); its output goes to $SMCD_TMP/NAME.out,
# its pid to SMCD_SERVER.  Waits until it listens.
smcd_server() {
	_srvname=$1 _ns=$2
	shift 2
	rm -f "$SMCD_TMP/$_srvname.ready"
	if [ "$_ns" = - ]; then
		./smcd_xfer server --ready "$SMCD_TMP/$_srvname.ready" "$@" \
			> "$SMCD_TMP/$_srvname.out" 2>&1 &
	else
		nsenter -t "$_ns" -n ./smcd_xfer server --ready "$SMCD_TMP/$_srvname.ready" \
			"$@" > "$SMCD_TMP/$_srvname.out" 2>&1 &
	fi
	SMCD_SERVER=$!
	SMCD_PIDS="$SMCD_PIDS $SMCD_SERVER"
	smcd_wait_file "$SMCD_TMP/$_srvname.ready"
}

# smcd_server_wait NAME PID [CLIENT_STATUS]: the server's exit status;
# prints its output as KTAP diagnostics.  A failed client (non-zero
# CLIENT_STATUS) leaves the server waiting for connections that never come:
# it is killed then, and the result is a failure.
smcd_server_wait() {
	[ "${3:-0}" -eq 0 ] || kill "$2" 2> /dev/null
	wait "$2"
	_swrc=$?
	sed 's/^/# server: /' "$SMCD_TMP/$1.out" | sed 's/^# server: # /# server: /'
	return $_swrc
}

# smcd_stat NAME: one counter of the smcd line of `dibsctl smc stats`
# (SMC-D handshakes, bytes).
smcd_stat() {
	dibsctl smc stats |
		awk -v k="$1" '$1 == "smcd" { for (i = 2; i < NF; i += 2) if ($i == k) print $(i + 1) }'
}

# smcd_moved DEV: bytes the dibs device DEV wrote with move_data (dibs
# statistics through dibsctl); empty without dibsctl
smcd_moved() {
	command -v dibsctl > /dev/null || return 0
	dibsctl -s dev show "$1" | sed -n 's/.* bytes_moved \([0-9]*\) .*/\1/p'
}

# smcd_netns_setup: namespaces A (10.7.0.1, veth smcda) and B (10.7.0.2,
# veth smcdb), joined by a veth pair.
smcd_netns_setup() {
	unshare -n sleep 100000 &
	SMCD_NS_A=$!
	unshare -n sleep 100000 &
	SMCD_NS_B=$!
	usleep 200000
	ip link add smcda type veth || return 1
	# busybox ip names the peer itself (vethN): find and rename it
	_peer=$(ip link | sed -n 's/^[0-9]*: \([^@:]*\)@smcda:.*/\1/p')
	[ -n "$_peer" ] || return 1
	ip link set "$_peer" name smcdb &&
	ip link set smcda netns "$SMCD_NS_A" &&
	ip link set smcdb netns "$SMCD_NS_B" &&
	nsenter -t "$SMCD_NS_A" -n sh -c \
		'ip link set lo up && ip link set smcda up && ip addr add 10.7.0.1/24 dev smcda' &&
	nsenter -t "$SMCD_NS_B" -n sh -c \
		'ip link set lo up && ip link set smcdb up && ip addr add 10.7.0.2/24 dev smcdb' &&
	nsenter -t "$SMCD_NS_A" -n ping -c 1 -W 5 10.7.0.2 > /dev/null
}

# smcd_netns_pnet DEV_A DEV_B: PNET IDs that tie namespace A (veth smcda)
# to the SMC-D device DEV_A and B (smcdb) to DEV_B (SMC-Dv1).  smc takes
# SMC-D device entries only in the initial namespace: the devices are
# global, the interfaces per namespace.
smcd_netns_pnet() {
	nsenter -t "$SMCD_NS_A" -n dibsctl smc pnet add NSA eth smcda &&
	nsenter -t "$SMCD_NS_B" -n dibsctl smc pnet add NSB eth smcdb &&
	dibsctl smc pnet add NSA smcd "$1" &&
	dibsctl smc pnet add NSB smcd "$2"
}

# smcd_cgids CLIENT_GID SERVER_GID / smcd_sgids SERVER_GID CLIENT_GID: the
# --gids a client / server between two devices accepts.  With smc's system
# EID on (SEID, from smcd_seid; s390) connections are v2, matched by CHID
# only, and the server may take the client's device: either pair then.
smcd_cgids() {
	if [ "$SEID" = 0 ]; then echo "$1:$2"; else echo "$1:$2|$1:$1"; fi
}
smcd_sgids() {
	if [ "$SEID" = 0 ]; then echo "$1:$2"; else echo "$1:$2|$2:$2"; fi
}

# smcd_netns_xfer NAME PORT FROM TO CONNS SIZES: checked SMC-D transfers,
# client in namespace FROM (A|B), server in TO, each end on its own
# device: GA and GB (set by the caller, with SEID) are the SMC-D GIDs of
# A's and B's device.  SMCD_CLIENT_OPTS and SMCD_SERVER_OPTS: more
# smcd_xfer client and server options.
smcd_netns_xfer() {
	if [ "$3" = A ]; then _cns=$SMCD_NS_A _cg=$GA; else _cns=$SMCD_NS_B _cg=$GB; fi
	if [ "$4" = A ]; then
		_sns=$SMCD_NS_A _sg=$GA _ip=10.7.0.1
	else
		_sns=$SMCD_NS_B _sg=$GB _ip=10.7.0.2
	fi
	_n=$(($5 * $(echo "$6" | tr ',' '\n' | wc -l)))
	# shellcheck disable=SC2086 # options, split
	smcd_server "$1" "$_sns" -a "$_ip" -p "$2" --count "$_n" --expect smcd \
		--gids "$(smcd_sgids "$_sg" "$_cg")" $SMCD_SERVER_OPTS || return 1
	_srv=$SMCD_SERVER
	# shellcheck disable=SC2086 # options, split
	nsenter -t "$_cns" -n ./smcd_xfer client -a "$_ip" -p "$2" -n "$5" -s "$6" \
		--expect smcd --gids "$(smcd_cgids "$_cg" "$_sg")" $SMCD_CLIENT_OPTS
	_crc=$?
	smcd_server_wait "$1" "$_srv" "$_crc"
	_src=$?
	[ "$_crc" -eq 0 ] && [ "$_src" -eq 0 ]
}

# smcd_hold NAME NSC NSS IP PORT CONNS: CONNS SMC-D connections (client in NSC,
# server in NSS, - = this namespace) that stay open (smcd_xfer --hold);
# returns when all hold.  Sets HOLD_SRV and HOLD_CLI (their pids).
# shellcheck disable=SC2034 # HOLD_SRV is for the caller
smcd_hold() {
	smcd_server "$1" "$3" -a "$4" -p "$5" --count "$6" --expect smcd || return 1
	HOLD_SRV=$SMCD_SERVER
	# the file must exist before the first count below: a missing file
	# counts as "" and would end the wait early (and race the rmmod)
	: > "$SMCD_TMP/$1.client"
	if [ "$2" = - ]; then
		./smcd_xfer client -a "$4" -p "$5" -n "$6" -s 4096 --expect smcd --hold \
			> "$SMCD_TMP/$1.client" 2>&1 &
	else
		nsenter -t "$2" -n ./smcd_xfer client -a "$4" -p "$5" -n "$6" -s 4096 \
			--expect smcd --hold > "$SMCD_TMP/$1.client" 2>&1 &
	fi
	HOLD_CLI=$!
	SMCD_PIDS="$SMCD_PIDS $HOLD_CLI"
	_n=300
	while _h=$(grep -c ': holding' "$SMCD_TMP/$1.client"); [ "${_h:-0}" -lt "$6" ]; do
		_n=$((_n - 1))
		if [ "$_n" -eq 0 ] || ! kill -0 "$HOLD_CLI" 2> /dev/null; then
			sed 's/^/# client: /' "$SMCD_TMP/$1.client"
			return 1
		fi
		usleep 100000
	done
}

# smcd_rmmod_within SECONDS MODULE: rmmod MODULE, failing (not hanging) if
# it has not finished after SECONDS.  Then the stack of the stuck rmmod and
# the blocked tasks (sysrq-w, to the kernel log) are printed as diagnostics
# and SMCD_STUCK is set: the module cannot be unloaded any more, and
# smcd_cleanup leaves the modules alone instead of blocking on them too.
SMCD_STUCK=""
smcd_rmmod_within() {
	rmmod "$2" &
	_rmpid=$!
	_n=$(($1 * 10))
	while kill -0 "$_rmpid" 2> /dev/null && [ "$_n" -gt 0 ]; do
		usleep 100000
		_n=$((_n - 1))
	done
	if kill -0 "$_rmpid" 2> /dev/null; then
		SMCD_STUCK=$2
		ktap_diag "rmmod $2 still running after $1 s; its stack:"
		sed 's/^/#   /' "/proc/$_rmpid/stack" 2> /dev/null
		echo w > /proc/sysrq-trigger 2> /dev/null
		ktap_diag "blocked tasks: sysrq-w in the kernel log"
		return 1
	fi
	wait "$_rmpid"
}

# smcd_cleanup: stop what we started, empty smc's tables, unload our
# modules (the runner fails a test that leaves them loaded): those in
# SMCD_UNLOAD, in that order (default: dibs_smcd dibs_lo dibs_core).
smcd_cleanup() {
	for _p in $SMCD_PIDS $SMCD_NS_A $SMCD_NS_B; do
		kill "$_p" 2> /dev/null
	done
	for _p in $SMCD_PIDS $SMCD_NS_A $SMCD_NS_B; do
		wait "$_p" 2> /dev/null
	done
	SMCD_PIDS="" SMCD_NS_A="" SMCD_NS_B=""
	if grep -q '^smc ' /proc/modules; then
		dibsctl smc pnet flush > /dev/null 2>&1
		dibsctl smc ueid flush > /dev/null 2>&1
	fi
	# a module stuck in its unload holds locks the others' unload needs
	[ -n "$SMCD_STUCK" ] && SMCD_UNLOAD=" "
	for _m in ${SMCD_UNLOAD:-dibs_smcd dibs_lo dibs_core}; do
		grep -q "^$_m " /proc/modules && rmmod "$_m"
	done
	rm -rf "$SMCD_TMP"
}
