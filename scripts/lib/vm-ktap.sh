# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# scripts/lib/vm-ktap.sh - scripts/vm's KTAP (sourced by it): the counter
# over a guest's runner output, and the host-side cases.
#
# host_case writes and counts its cases with selftests/lib/ktap.sh
# (ktap_plan, ktap_pass, ...; KTAP_PASS, KTAP_FAIL, KTAP_SKIP: scripts/vm's
# totals).

# count_ktap < OUTPUT: "PASS FAIL SKIP" over the KTAP test cases of the
# runner output: a program's own cases (indented four spaces) count one
# each; a program without cases counts as one; a failed program whose cases
# all passed counts one failure, a program that ran fewer cases than planned
# counts the missing ones as failed, programs that never reported count as
# failed.
count_ktap() {
	awk '
	function endprog(notok, skip,   extra) {
		extra = 0
		if (cases == 0) {
			if (notok) f++; else if (skip) s++; else p++
		} else {
			if (plan > cases) extra = plan - cases
			else if (notok && cfail == 0) extra = 1
			f += extra
		}
		inprog = 0; done++
	}
	/^1\.\.[0-9]+/ && total == "" { total = substr($1, 4) + 0 }
	/^# selftests: / { inprog = 1; cases = 0; cfail = 0; plan = 0; next }
	inprog && /^    1\.\.[0-9]+/ { plan = substr($1, 4) + 0; next }
	inprog && /^    (not )?ok [0-9]/ {
		cases++
		if ($0 ~ /^    not ok /) { f++; cfail++ }
		else if (toupper($0) ~ /# *SKIP/) s++
		else p++
		next
	}
	/^(not )?ok [0-9]+ selftests: / {
		endprog($0 ~ /^not ok /, toupper($0) ~ /# *SKIP/)
		next
	}
	END {
		if (inprog) { f++; done++ }
		if (total != "" && total > done) f += total - done
		printf "%d %d %d\n", p, f, s
	}'
}

# A host-side KTAP case: host_case OK|SKIP|FAIL NAME [DIAG], written and
# counted (KTAP_PASS, KTAP_FAIL, KTAP_SKIP: the whole run) by ktap.sh.
host_case() {
	case $1 in
	OK) ktap_pass "$2" ;;
	SKIP) ktap_skip "$2" "${3:-}" ;;
	*) ktap_fail "$2" "${3:-}" ;;
	esac
}
