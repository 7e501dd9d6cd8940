#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/lib/klog_test.sh - klog_bad (scripts/lib/klog.sh) on synthetic
# kernel logs: the known 6.1 smc socket leak passes, a report with a frame
# of ours or any other difference still fails the run.  A host check of
# make check (scripts/check); prints KTAP and "N passed, N failed".

set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=scripts/lib/klog.sh
. "$ROOT/scripts/lib/klog.sh"
# shellcheck source=selftests/lib/ktap.sh
. "$ROOT/selftests/lib/ktap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# report FRAME...: one kmemleak report (as the debug kernel prints it,
# timestamps included) whose backtrace has these frames, innermost first
# (the 6.1-debug kernel's format: "kmemleak: " before every line, hashed
# pointers)
report() {
	cat <<'EOT'
[  601.120001] kmemleak: unreferenced object 0xffff88800b2a4000 (size 1544):
[  601.120002] kmemleak:   comm "smcd_xfer", pid 612, jiffies 4295268000
[  601.120003] kmemleak:   hex dump (first 32 bytes):
[  601.120004] kmemleak:     00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  ................
[  601.120005] kmemleak:   backtrace:
EOT
	for f in "$@"; do
		echo "[  601.120006] kmemleak:     [<(____ptrval____)>] $f"
	done
}
# The frames of the known leak: smc_create's sock (an AF_SMC socket()).
smc_frames=(
	"kmem_cache_alloc+0x1a3/0x3c0"
	"sk_prot_alloc+0x3e/0x1b0"
	"sk_alloc+0x34/0x6c0"
	"smc_sock_alloc+0x4b/0x330 [smc]"
	"smc_create+0x1c5/0x2a0 [smc]"
	"__sock_create+0x226/0x4c0"
	"__sys_socket+0xa6/0x140"
	"__x64_sys_socket+0x3f/0x50"
	"do_syscall_64+0x38/0x90"
	"entry_SYSCALL_64_after_hwframe+0x63/0xcd"
)
summary="[  601.200000] kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)"

# case_ NAME WANT(clean|bad): klog_bad on $tmp/log
case_() {
	local got
	if [ -z "$(klog_bad "$tmp/log")" ]; then got=clean; else got=bad; fi
	if [ "$got" = "$2" ]; then
		ktap_pass "$1"
	else
		ktap_fail "$1" "expected $2, got $got"
		klog_bad "$tmp/log" | sed 's/^/# /'
	fi
}

ktap_plan 12
{ echo "[    1.0] booted"; echo "[    2.0] dibs-selftest: start smcd/x.sh"; } > "$tmp/log"
case_ "a log without reports is clean" clean
{ report "${smc_frames[@]}"; report "${smc_frames[@]}"; echo "$summary"; } > "$tmp/log"
case_ "two reports of the known smc leak and kmemleak's count: clean" clean
report "${smc_frames[@]:0:3}" "smc_sock_alloc+0x4b/0x330 [smc]" \
	"smc_tcp_listen_work+0xd5/0x7b0 [smc]" "process_one_work+0x4f6/0xa10" \
	"worker_thread+0x8c/0x620" "kthread+0x1a8/0x1f0" "ret_from_fork+0x1f/0x30" > "$tmp/log"
case_ "the leak from smc's listen worker: clean" clean
# Ours, in any frame, is never the known leak.
report "${smc_frames[@]:0:5}" "dibs_smcd_attach+0x12/0x40 [dibs_smcd]" \
	"${smc_frames[@]:5}" > "$tmp/log"
case_ "the smc sock report with a dibs_smcd frame fails" bad
report "${smc_frames[@]:0:5}" "dibs_test_fn+0x12/0x40 [dibs_test]" > "$tmp/log"
case_ "... and one with a frame of a test module of ours" bad
report "kmalloc_trace+0x26/0x60" "dibs_lo_register_dmb+0x9c/0x5a0 [dibs_lo]" \
	"dibs_selftest_run+0x31/0x900 [dibs_core]" > "$tmp/log"
case_ "a leak of ours (synthetic dibs_lo report) fails" bad
{ report "${smc_frames[@]}"; report "kmalloc_trace+0x26/0x60" \
	"dibs_lo_register_dmb+0x9c/0x5a0 [dibs_lo]"; echo "$summary"; } > "$tmp/log"
case_ "ours beside the known leak fails (and so does kmemleak's count)" bad
# smc's, but not the sock of smc_sock_alloc, or another module.
report "kmalloc_trace+0x26/0x60" "smc_conn_create+0x1e/0x900 [smc]" \
	"__smc_connect+0x2a0/0x800 [smc]" > "$tmp/log"
case_ "another smc object is not the known leak" bad
report "${smc_frames[@]:0:4}" "veth_newlink+0x40/0x600 [veth]" > "$tmp/log"
case_ "a frame of another module is not the known leak" bad
# A module unloaded before the scan (ours are, by then): a bare address.
report "${smc_frames[@]:0:4}" "0xffffffffa001f3e5" "${smc_frames[@]:4}" > "$tmp/log"
case_ "a frame of an unloaded module (a bare address) is not the known leak" bad
# The format without prefixes (seq_file, other kernels): the same rules.
report "${smc_frames[@]}" | sed 's/kmemleak: //' > "$tmp/log"
case_ "the known leak without the kmemleak: prefix: clean" clean
report "${smc_frames[@]:0:5}" "dibs_smcd_attach+0x12/0x40 [dibs_smcd]" |
	sed 's/kmemleak: //; s/(____ptrval____)/ffffffff81234567/' > "$tmp/log"
case_ "... and with a dibs_smcd frame: fails" bad
echo "# klog_test: $KTAP_PASS passed, $KTAP_FAIL failed"
ktap_counts
ktap_finished
