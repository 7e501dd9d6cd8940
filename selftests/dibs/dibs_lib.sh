# SPDX-License-Identifier: GPL-2.0
#
# dibs_lib.sh - helpers of the dibs selftests (busybox sh).  Source it after
# ../lib/ktap.sh.
#
# The test modules print their results to the kernel log as
#
#	MODULE: ktap-begin run=ID
#	MODULE: ktap: <KTAP line>
#	MODULE: sysfs: <data for the script>
#	MODULE: ktap-end run=ID [pass=P fail=F ...]
#
# where ID is the module's run_id parameter.

# A run id that the kernel log of this boot has not seen yet (fits an int).
dibs_run_id() {
	echo $(( $(date +%s) % 1000000 * 1000 + $$ % 1000 ))
}

# dibs_module_log MODULE ID: the lines MODULE logged for run ID, with the
# prefixes removed: KTAP lines as they are, "sysfs: ..." lines as
# "SYSFS ...", and the end marker as "END ..." (missing if the module never
# finished).
dibs_module_log() {
	dmesg | sed 's/^\[[^]]*\] *//' | awk -v mod="$1:" -v run="run=$2" '
		$1 == mod && $2 == "ktap-begin" && $3 == run { on = 1; next }
		!on || $1 != mod { next }
		$2 == "ktap-end" && $3 == run {
			sub(/^[^ ]+ ktap-end run=[^ ]* ?/, "")
			print "END " $0
			on = 0
			next
		}
		$2 == "ktap:" { sub(/^[^ ]+ ktap: /, ""); print; next }
		$2 == "sysfs:" { sub(/^[^ ]+ sysfs: /, ""); print "SYSFS " $0 }
	'
}

# dibs_reemit FILE: print the module KTAP in FILE as an indented subtest;
# succeeds only if the module finished and reported no failed case.
dibs_reemit() {
	_ok=0
	grep -v '^SYSFS \|^END ' "$1" | sed 's/^/    /'
	grep -q '^END' "$1" || { ktap_diag "the module did not finish"; _ok=1; }
	grep -q '^1\.\.[0-9]' "$1" || { ktap_diag "the module printed no plan"; _ok=1; }
	if grep -q '^not ok ' "$1"; then
		ktap_diag "the module reported failures"
		_ok=1
	fi
	# as many results as planned
	_plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$1" | head -n 1)
	_got=$(grep -c '^\(not \)\{0,1\}ok [0-9]' "$1")
	if [ -n "$_plan" ] && [ "$_plan" != "$_got" ]; then
		ktap_diag "the module planned $_plan cases and reported $_got"
		_ok=1
	fi
	return $_ok
}

dibs_loaded() {
	grep -q "^$1 " /proc/modules
}

# Our dibs devices, one name per line.
dibs_devices() {
	[ -d /sys/class/dibs ] || return 0
	ls /sys/class/dibs
}

# The kernel log from the line that contains MARK on (MARK: see dibs_mark).
dibs_log_since() {
	dmesg | awk -v m="$1" 'index($0, m) { on = 1 } on'
}

dibs_mark() {
	echo "$1" > /dev/kmsg
}

# Lines (stdin) that the harness would fail a run on.
dibs_log_bad() {
	grep -E 'WARNING:|BUG:|Oops|lockdep|KASAN|UBSAN|kmemleak|INFO: task|possible circular|general protection|Call Trace'
}

# Unload MODULE if it is loaded (succeeds if it is not).  The scripts
# unload dibs_core only if it was not loaded when they started.
dibs_unload() {
	dibs_loaded "$1" || return 0
	rmmod "$1"
}
