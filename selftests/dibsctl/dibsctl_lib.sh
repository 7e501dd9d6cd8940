# SPDX-License-Identifier: GPL-2.0
#
# dibsctl_lib.sh - helpers of the dibsctl selftests (busybox sh).  Source it
# after ../lib/ktap.sh.

DCTL_TMP=${TMPDIR:-/tmp}/dibsctl.$$

dctl_loaded() {
	grep -q "^$1 " /proc/modules
}

# Unload our modules, the users first.
dctl_unload_all() {
	for _m in dibs_test dibs_lo dibs_core; do
		if dctl_loaded "$_m"; then
			if [ "$_m" = dibs_test ] &&
			   [ -w /sys/module/dibs_test/parameters/cleanup ]; then
				echo 1 > /sys/module/dibs_test/parameters/cleanup
			fi
			rmmod "$_m" || ktap_diag "cannot unload $_m"
		fi
	done
}

dctl_cleanup() {
	[ -n "${DCTL_MON:-}" ] && kill $DCTL_MON 2>/dev/null
	dctl_unload_all
	rm -rf "$DCTL_TMP"
}

# dctl_init: skip everything without dibsctl, start from a clean state.
dctl_init() {
	if ! command -v dibsctl > /dev/null; then
		echo "TAP version 13"
		echo "1..0 # SKIP dibsctl is not installed"
		exit 4
	fi
	mkdir -p "$DCTL_TMP"
	trap dctl_cleanup EXIT
	dctl_unload_all
}

# dctl_devs: names of the devices in sysfs, sorted, one per line.
dctl_devs() {
	ls /sys/class/dibs 2>/dev/null | sort
}

# dctl_run NAME EXPECTED_RC [GREP_PATTERN_FOR_STDERR] -- CMD...:
# run CMD, pass if its exit status is EXPECTED_RC and, if given, its
# stderr matches the pattern.
dctl_run() {
	_name=$1
	_want=$2
	_pat=$3
	shift 4
	"$@" > "$DCTL_TMP/out" 2> "$DCTL_TMP/err"
	_rc=$?
	if [ "$_rc" -ne "$_want" ]; then
		ktap_diag "$*: exit $_rc, expected $_want"
		sed 's/^/# stderr: /' "$DCTL_TMP/err"
		ktap_fail "$_name"
		return 1
	fi
	if [ -n "$_pat" ] && ! grep -q -- "$_pat" "$DCTL_TMP/err"; then
		ktap_diag "$*: stderr does not match '$_pat'"
		sed 's/^/# stderr: /' "$DCTL_TMP/err"
		ktap_fail "$_name"
		return 1
	fi
	ktap_pass "$_name"
	return 0
}

# dctl_quiet CMD...: CMD with its stdout kept out of the KTAP stream.
dctl_quiet() {
	"$@" > "$DCTL_TMP/quiet.out"
}
