# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# scripts/lib/klog.sh - what fails a guest's kernel log, for every harness
# (scripts/vm, scripts/check-install).

# Kernel log lines that fail a run (kmemleak: its reports, not its
# start-up line).
DIBS_LOG_BAD='WARNING:|BUG:|Oops|general protection|possible recursive locking|circular locking|INFO:|KASAN|UBSAN|suspected memory leak|unreferenced object|Kernel panic|kernel BUG'

# klog_known_smc_leak LOG: the line numbers (one per line) of the kmemleak
# reports in LOG that are 6.1's known smc socket leak
# (Documentation/testing.rst, "A debug kernel"), and of kmemleak's
# "N new suspected memory leaks" lines if every report in LOG is one.
# A report is that leak only if all of this holds:
#  - it has a backtrace, and the object is the sock that sk_alloc() made
#    for smc_sock_alloc() in smc.ko (the frames sk_prot_alloc, then
#    sk_alloc directly followed by smc_sock_alloc [smc]);
#  - every frame in a module is in smc.ko, no frame names dibs, and no
#    frame is a bare address (a module unloaded since: ours, after the
#    tests).
# Anything else, and every report with a frame of ours, stays a failure.
# Lines as the debug kernel prints them ("kmemleak: " and the timestamp
# before each) or without those prefixes.
klog_known_smc_leak() {
	awk '
	function flush() {
		if (start) {
			nrep++
			if (bt && sock && !other) {
				nknown++
				for (i = start; i <= last; i++)
					print i
			}
		}
		start = 0
	}
	{
		line = $0
		sub(/^\[ *[0-9]+\.[0-9]+\] /, "", line)
		sub(/^kmemleak: /, "", line)
	}
	line ~ /^unreferenced object 0x[0-9a-f]+ \(size [0-9]+\):/ {
		flush()
		start = last = NR
		bt = sock = other = prot = 0
		prev = ""
		next
	}
	start && line ~ /^  / {
		last = NR
		if (line ~ /^  backtrace:/)
			bt = 1
		if (line !~ /^    \[<[^>]*>\] /)
			next
		f = line
		sub(/^    \[<[^>]*>\] /, "", f)
		mod = ""
		if (match(f, /\[[A-Za-z0-9_]+\]$/))
			mod = substr(f, RSTART + 1, RLENGTH - 2)
		# a bare address: code of a module unloaded since (ours too)
		if ((mod != "" && mod != "smc") || f ~ /dibs/ || f ~ /^0x[0-9a-f]+$/)
			other = 1
		sym = f
		sub(/[+ ].*/, "", sym)
		if (sym == "sk_prot_alloc")
			prot = 1
		if (sym == "smc_sock_alloc" && mod == "smc" && prev == "sk_alloc" && prot)
			sock = 1
		prev = sym
		next
	}
	{ flush() }
	/kmemleak: [0-9]+ new suspected memory leaks/ { summary[NR] = 1 }
	END {
		flush()
		if (nrep > 0 && nknown == nrep)
			for (n in summary)
				print n
	}' "$1" 2> /dev/null
}

# klog_bad LOG: "line:text" of every line of LOG that fails the run (the
# selftests' own markers, which quote test names, excepted; and the known
# smc leak of klog_known_smc_leak).
klog_bad() {
	local known
	known=$(klog_known_smc_leak "$1" | tr '\n' ' ')
	grep -a -n -E "$DIBS_LOG_BAD" "$1" 2> /dev/null |
		grep -v -e 'dibs-selftest: ' -e 'dibs-init: ' |
		awk -F: -v known=" $known " '!index(known, " " $1 " ")' || true
}

# klog_known LOG: the known smc leak's reports in LOG, counted, for the
# record ("N kmemleak report(s) of the known 6.1 smc leak"); nothing if none.
klog_known() {
	local n
	n=$(klog_known_smc_leak "$1" | while read -r l; do
		sed -n "${l}p" "$1"
	done | grep -c 'unreferenced object' || true)
	[ "$n" -gt 0 ] && echo "$n kmemleak report(s) of the known 6.1 smc socket leak (not ours: Documentation/testing.rst)"
	return 0
}
