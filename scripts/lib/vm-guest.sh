# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# scripts/lib/vm-guest.sh - scripts/vm's guests (sourced by it): the
# accelerator, the QEMU command line for amd64 and s390x, a guest's boot
# and the verdict on its run (KTAP counts, exit status, kernel log), and
# the harness self-tests (guests that must make a run fail).
#
# Uses scripts/vm's globals and functions (BUILD, CACHE, FL, ACCEL, MEM,
# SMP, TCG_THREAD, TIMEOUT, HANG_TIMEOUT, now), those of
# scripts/lib/vm-kernels.sh (GARCH, KCMDLINE, VMLINUZ), KIMAGE and
# ACCEL_USED, scripts/lib/klog.sh and scripts/lib/vm-ktap.sh.
# shellcheck disable=SC2034,SC2153 # E_SKIP: read by scripts/vm; ACCEL: scripts/vm's


# The accelerator: KVM only if asked for, or if a cached probe saw a KVM
# guest boot (nested KVM hangs on some machines).
pick_accel() {
	local probe=$CACHE/kvm-probe key
	if [ "$GARCH" != amd64 ]; then
		echo tcg
		return
	fi
	case $ACCEL in
	tcg|kvm) echo "$ACCEL"; return ;;
	esac
	if [ ! -w /dev/kvm ]; then
		echo tcg
		return
	fi
	key="$(uname -r) $(qemu-system-x86_64 --version | head -n 1)"
	if [ -s "$probe" ] && [ "$(sed -n 1p "$probe")" = "$key" ]; then
		sed -n 2p "$probe"
		return
	fi
	local dir=$CACHE/kvm-probe.d.$$ acc=tcg
	rm -rf "$dir"
	mkdir -p "$dir/root/bin"
	cp /bin/busybox "$dir/root/bin/"
	printf '#!/bin/busybox sh\n/bin/busybox echo KVM-PROBE-OK\n/bin/busybox poweroff -f\n' > "$dir/root/init"
	chmod +x "$dir/root/init"
	(cd "$dir/root" && find . | cpio -o -H newc -R 0:0 --quiet) | gzip -1 > "$dir/initrd.gz"
	timeout -k 2 20 qemu-system-x86_64 -accel kvm -cpu host -m 256 -nographic -no-reboot \
		-nodefaults -serial "file:$dir/out" -kernel "$VMLINUZ" -initrd "$dir/initrd.gz" \
		-append "console=ttyS0 panic=-1 quiet" < /dev/null > /dev/null 2>&1 || true
	grep -qs KVM-PROBE-OK "$dir/out" && acc=kvm
	rm -rf "$dir"
	printf '%s\n%s\n' "$key" "$acc" > "$probe"
	echo "$acc"
}

# qemu_base INITRD MEM ARGS: QEMU_BASE, the QEMU command line of a guest
# without its consoles, with ARGS added to the kernel command line.
qemu_base() {
	local initrd=$1 mem=$2 cmdline="ignore_loglevel panic=-1 panic_on_warn=0${KCMDLINE:+ $KCMDLINE} $3"
	local accel=$ACCEL_USED
	# One TCG thread for all vCPUs: multi-threaded TCG let a 6.12 guest die
	# of an "Oops: int3" (a vCPU ran code the kernel was live-patching)
	# on a loaded host.  TCG_THREAD=multi for the parallel variant.
	[ "$accel" = tcg ] && accel="tcg,thread=$TCG_THREAD"
	if [ "$GARCH" = s390x ]; then
		# The kernel log on the SCLP (VT220) console ttysclp0, the test
		# output on a virtio console (hvc0; virtio_console is a module,
		# /init loads it).
		cmdline="console=ttysclp0 dibsvm.out=/dev/hvc0 $cmdline"
		QEMU_BASE=(qemu-system-s390x -machine s390-ccw-virtio)
	else
		cmdline="console=ttyS0,115200 $cmdline"
		QEMU_BASE=(qemu-system-x86_64)
	fi
	QEMU_BASE+=(-accel "$accel" -m "$mem" -smp "$SMP"
		-nographic -no-reboot -nodefaults
		-kernel "$KIMAGE" -initrd "$initrd" -append "$cmdline")
	[ "$ACCEL_USED" = kvm ] && QEMU_BASE+=(-cpu host)
	return 0
}

# run_guest NAME INITRD MODE TIMEOUT LIVE [CMDLINE...]
# Boots a guest; the kernel log goes to logs/NAME.kernel.log, the output of
# /init (ttyS1; s390x: the virtio console hvc0) to logs/NAME.out, and to
# stdout too if LIVE is 1.
# Sets G_STATUS (qemu exit status; 124 = timeout) and G_SECS.
run_guest() {
	local name=$1 initrd=$2 mode=$3 secs=$4 live=$5 logs=$BUILD/$FL/logs
	shift 5
	local klog=$logs/$name.kernel.log out=$logs/$name.out start
	local -a qemu con_dev out_dev
	qemu_base "$initrd" "$MEM" "dibsvm.mode=$mode $*"
	qemu=("${QEMU_BASE[@]}")
	# QEMU_EXTRA: more QEMU arguments (split at blanks), e.g. an
	# ivshmem-doorbell device for selftests/ivshmem/ivshmem_single.sh.
	local -a extra=()
	[ -n "${QEMU_EXTRA:-}" ] && read -ra extra <<< "$QEMU_EXTRA"
	qemu+=("${extra[@]}")
	if [ "$GARCH" = s390x ]; then
		# shellcheck disable=SC2054 # commas belong to the qemu options
		con_dev=(-device sclpconsole,chardev=con)
		# shellcheck disable=SC2054
		out_dev=(-device virtio-serial-ccw -device virtconsole,chardev=out)
	else
		con_dev=(-serial chardev:con)
		out_dev=(-serial chardev:out)
	fi
	rm -f "$klog" "$out"
	start=$(now)
	if [ "$mode" = shell ]; then
		# Console on the terminal (Ctrl-a x quits), copied to the log.
		# shellcheck disable=SC2054 # commas belong to the qemu options
		qemu+=(-chardev "stdio,id=con,mux=on,signal=off,logfile=$klog"
			"${con_dev[@]}" -mon chardev=con,mode=readline
			-chardev "file,id=out,path=$out" "${out_dev[@]}")
		G_STATUS=0
		"${qemu[@]}" || G_STATUS=$?
	else
		qemu+=(-chardev "file,id=con,path=$klog" "${con_dev[@]}"
			-chardev "stdio,id=out,signal=off" "${out_dev[@]}")
		set +e
		if [ "$live" = 1 ]; then
			timeout --foreground -k 5 "$secs" "${qemu[@]}" < /dev/null 2>&1 | stdbuf -oL tr -d '\r' |
				tee "$out" | grep --line-buffered -v '^# dibs-init: done'
		else
			timeout --foreground -k 5 "$secs" "${qemu[@]}" < /dev/null 2>&1 | tr -d '\r' > "$out"
		fi
		G_STATUS=${PIPESTATUS[0]}
		set -e
	fi
	G_SECS=$(($(now) - start))
}

# eval_guest NAME: judge a finished guest run.  Sets E_PASS, E_FAIL, E_SKIP
# (KTAP test cases in the output) and E_REASONS (why the run failed; empty
# if it did not).  Prints the offending kernel log lines.
eval_guest() {
	local name=$1 logs=$BUILD/$FL/logs counts bad
	local klog=$logs/$name.kernel.log out=$logs/$name.out
	E_REASONS=""
	counts=$(count_ktap < "$out")
	read -r E_PASS E_FAIL E_SKIP <<< "$counts"
	[ "$E_FAIL" -eq 0 ] || E_REASONS+="$E_FAIL test(s) failed; "
	if [ "$G_STATUS" -eq 124 ] || [ "$G_STATUS" -eq 137 ]; then
		E_REASONS+="guest killed after the timeout of ${2:-$TIMEOUT} s; "
	elif [ "$G_STATUS" -ne 0 ]; then
		E_REASONS+="qemu exited with status $G_STATUS; "
	elif ! grep -q '^# dibs-init: done rc=' "$out"; then
		E_REASONS+="guest stopped before the end of the run (crash or panic?); "
	elif ! grep -q '^# dibs-init: done rc=0' "$out" && [ "$E_FAIL" -eq 0 ]; then
		E_REASONS+="$(grep '^# dibs-init: done' "$out" | tail -n 1 | cut -c3-); "
	fi
	bad=$(klog_bad "$klog")
	# 6.1's smc socket leak, strictly recognised: reported, not failed.
	klog_known "$klog" | sed 's/^/# /'
	if [ -n "$bad" ]; then
		E_REASONS+="kernel log has $(echo "$bad" | wc -l) bad line(s); "
		echo "# ---- kernel log problems (build/$FL/logs/$name.kernel.log):"
		echo "$bad" | head -n 30 | sed 's/^/#   /'
		culprit_tests "$klog" "$bad"
	fi
	E_REASONS=${E_REASONS%; }
}

# Names the test that was running when each bad line was logged.
culprit_tests() {
	local klog=$1 bad=$2 lines
	lines=$(echo "$bad" | cut -d: -f1 | tr '\n' ' ')
	awk -v lines=" $lines " '
		/dibs-selftest: start / { cur = $NF }
		/dibs-selftest: end / { cur = "" }
		index(lines, " " NR " ") && cur != "" && !seen[cur]++ {
			print "#   (during " cur ")"
		}' "$klog"
}

# Harness self-tests: the harness must fail a run with a failing test, with a
# WARNING in the kernel log, and kill a guest that hangs.

harness_selftests() {
	local fl=$1
	echo "# harness self-tests ($fl): guests that must make a run fail"
	ktap_plan 3

	run_guest harness-broken "$BUILD/$fl/initrd.gz" check "$TIMEOUT" 0 dibsvm.run=harness/broken.sh
	eval_guest harness-broken > /dev/null
	echo "# broken test: exit $G_STATUS after $G_SECS s, $E_PASS passed, $E_FAIL failed: ${E_REASONS:-no failure}"
	# broken.sh has one passing and one failing case.
	if [ -n "$E_REASONS" ] && [ "$E_FAIL" -eq 1 ] && [ "$E_PASS" -eq 1 ] && [ "$G_STATUS" -eq 0 ]; then
		host_case OK "harness: a failing test fails the run"
	else
		host_case FAIL "harness: a failing test fails the run" "see build/$fl/logs/harness-broken.*"
	fi

	run_guest harness-warn "$BUILD/$fl/initrd-warn.gz" check "$TIMEOUT" 0 dibsvm.run=harness/warn.sh
	eval_guest harness-warn > "$BUILD/$fl/logs/harness-warn.eval"
	echo "# WARN module: exit $G_STATUS after $G_SECS s, $E_PASS passed, $E_FAIL failed: ${E_REASONS:-no failure}"
	if [ "$E_FAIL" -eq 0 ] && [ "$E_PASS" -gt 0 ] && [[ $E_REASONS == *"kernel log has"* ]] &&
		grep -q 'WARNING:.*dibs_harness_warn' "$BUILD/$fl/logs/harness-warn.eval"; then
		host_case OK "harness: a WARNING in the kernel log fails the run"
	else
		host_case FAIL "harness: a WARNING in the kernel log fails the run" "see build/$fl/logs/harness-warn.*"
	fi

	run_guest harness-hang "$BUILD/$fl/initrd.gz" hang "$HANG_TIMEOUT" 0
	eval_guest harness-hang "$HANG_TIMEOUT" > /dev/null
	echo "# hanging guest: exit $G_STATUS after $G_SECS s: ${E_REASONS:-no failure}"
	if [ "$G_STATUS" -eq 124 ] && [[ $E_REASONS == *"timeout"* ]] &&
		grep -q 'hanging on purpose' "$BUILD/$fl/logs/harness-hang.kernel.log"; then
		host_case OK "harness: a guest that does not power off is killed"
	else
		host_case FAIL "harness: a guest that does not power off is killed" "see build/$fl/logs/harness-hang.*"
	fi
}
