# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# scripts/lib/klog.sh - what fails a guest's kernel log, for every harness
# (scripts/vm, scripts/check-install).

# Kernel log lines that fail a run (kmemleak: its reports, not its
# start-up line).
DIBS_LOG_BAD='WARNING:|BUG:|Oops|general protection|possible recursive locking|circular locking|INFO:|KASAN|UBSAN|suspected memory leak|unreferenced object|Kernel panic|kernel BUG'

# klog_bad LOG: "line:text" of every line of LOG that fails the run (the
# selftests' own markers, which quote test names, excepted).
klog_bad() {
	grep -a -n -E "$DIBS_LOG_BAD" "$1" 2> /dev/null |
		grep -v -e 'dibs-selftest: ' -e 'dibs-init: ' || true
}
