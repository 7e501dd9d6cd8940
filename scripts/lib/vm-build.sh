# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# scripts/lib/vm-build.sh - scripts/vm's build of a flavour (sourced by
# it): the tree copied to build/FLAVOUR/src, the modules built against the
# flavour's headers, the user programs (dibsctl, selftests) for its
# architecture.
#
# Uses scripts/vm's globals (ROOT, BUILD, JOBS) and those of
# scripts/lib/vm-kernels.sh (KDIR, KMAKE_ARGS, UMAKE_ARGS).
# shellcheck disable=SC2034 # BUILD_MODULES_OK, HAVE_DIBSCTL: read by scripts/vm

# Our test builds: the test modules too (DIBS_TESTS=1), the kernel's extra
# warnings (W=1), and warnings are errors (DIBS_WERROR=1,
# include/compat/Kbuild.probe).  Users' builds (DKMS, plain make) have
# neither W=1 nor -Werror.
TEST_BUILD_FLAGS=(DIBS_TESTS=1 DIBS_WERROR=1 W=1)

# kmake DIR ARGS...: make in DIR, on the host or, for a flavour with a
# toolchain chroot (KCHROOT, 7.2), in it (kchroot_run of
# scripts/lib/vm-sid.sh, DIR bind-mounted at its own path).
kmake() {
	local dir=$1
	shift
	if [ -n "$KCHROOT" ]; then
		kchroot_run "$dir" make "$@"
	else
		make "$@"
	fi
}

# build_flavour FLAVOUR: copy the tree, build modules and user programs.
# Sets BUILD_MODULES_OK, BUILD_USER_OK, HAVE_DIBSCTL.
build_flavour() {
	local fl=$1 src=$BUILD/$1/src logs=$BUILD/$1/logs
	mkdir -p "$src" "$logs"
	# Build products are excluded: neither copied from the work tree nor
	# deleted in the copy, so that kbuild rebuilds only what changed.
	rsync -a --delete --exclude=/build --exclude=/.git \
		--exclude='*.o' --exclude='*.ko' --exclude='*.mod' --exclude='*.mod.c' \
		--exclude='.*.cmd' --exclude='*.a' --exclude=Module.symvers \
		--exclude=modules.order --exclude='.tmp_*' --exclude='.*.d' \
		--exclude=/selftests/install --exclude='.run_list' --exclude='.bench_list' \
		"$ROOT/" "$src/"

	say "build $fl: make -C build/$fl/src modules KDIR=$KDIR ${TEST_BUILD_FLAGS[*]}${KCHROOT:+ ${KMAKE_ARGS[*]} in the chroot $KCHROOT} (log: build/$fl/logs/build.log, user programs: build-user.log)"
	# Only modules linked by this build go into the guest: no stale .ko
	# from an earlier build (objects stay, so this costs only the link).
	find "$src" -name '*.ko' -delete
	BUILD_MODULES_OK=1
	if ! kmake "$src" -C "$src" -k -j"$JOBS" modules KDIR="$KDIR" "${TEST_BUILD_FLAGS[@]}" "${KMAKE_ARGS[@]}" \
		> "$logs/build.log" 2>&1; then
		BUILD_MODULES_OK=0
		echo "# ---- module build FAILED ($fl); errors:"
		grep -E -e 'error|Error|No such file|undefined' "$logs/build.log" | head -n 40 | sed 's/^/#   /'
		echo "# ---- (full log: build/$fl/logs/build.log)"
	fi
	# The harness self-test needs its WARN module even when the suite does
	# not build: then build that directory on its own.
	if [ ! -e "$src/selftests/harness/dibs_harness_warn.ko" ]; then
		kmake "$src" -C "$KDIR" M="$src/selftests/harness" "${KMAKE_ARGS[@]}" modules >> "$logs/build.log" 2>&1 || true
	fi
	grep -E 'warning:' "$logs/build.log" | grep -v jobserver | head -n 20 |
		sed 's/^/# build warning: /' || true

	BUILD_USER_OK=1
	HAVE_DIBSCTL=0
	: > "$logs/build-user.log"
	{
		if [ -f "$src/dibsctl/Makefile" ]; then
			make -C "$src/dibsctl" clean &&
				make -C "$src/dibsctl" -j"$JOBS" STATIC=1 "${UMAKE_ARGS[@]}"
		fi
	} >> "$logs/build-user.log" 2>&1 || BUILD_USER_OK=0
	if [ -f "$src/dibsctl/Makefile" ] && [ "$BUILD_USER_OK" = 1 ]; then
		if [ ! -x "$src/dibsctl/dibsctl" ]; then
			echo "# dibsctl: make succeeded but dibsctl/dibsctl is missing"
			BUILD_USER_OK=0
		elif readelf -l "$src/dibsctl/dibsctl" | grep -q 'INTERP'; then
			echo "# dibsctl is linked dynamically: its Makefile must link static with STATIC=1"
			BUILD_USER_OK=0
		else
			HAVE_DIBSCTL=1
		fi
	fi
	rm -rf "$src/selftests/install"
	if ! { make -C "$src/selftests" clean && make -C "$src/selftests" -j"$JOBS" \
		install INSTALL_PATH="$src/selftests/install" "${UMAKE_ARGS[@]}"; } \
		>> "$logs/build-user.log" 2>&1; then
		BUILD_USER_OK=0
	fi
	if [ "$BUILD_USER_OK" = 0 ]; then
		echo "# ---- user program build FAILED ($fl):"
		grep -E -e 'error|Error|No such file|No rule|undefined|FAILED|cannot' "$logs/build-user.log" |
			head -n 40 | sed 's/^/#   /'
		echo "# ---- (full log: build/$fl/logs/build-user.log)"
	fi
}

# dkms_list_check FLAVOUR: one host case.  A user's build of a copy of the
# tree (DIBS_TESTS and DIBS_WERROR unset, as DKMS builds) against this
# flavour's headers makes exactly the modules dkms.conf lists for them
# (dkms.conf and Kbuild share include/compat/Kbuild.probe.sh; DKMS fails an
# install when a listed module was not built).  In the toolchain chroot
# where the flavour has one (7.2).  The caller prints the KTAP plan.
dkms_list_check() {
	local fl=$1 work=$BUILD/$1/dkms-list log=$BUILD/$1/logs/dkms-list.log kos want arch
	arch=x86_64
	[ "$GARCH" = s390x ] && arch=s390x
	rm -rf "$work"
	mkdir -p "$work"
	rsync -a --exclude=/build --exclude=/.git --exclude='*.o' --exclude='*.ko' \
		--exclude='.*.cmd' --exclude=/selftests/install "$ROOT/" "$work/"
	kmake "$work" -C "$work" -j"$JOBS" modules KDIR="$KDIR" DIBS_TESTS= DIBS_WERROR= \
		"${KMAKE_ARGS[@]}" > "$log" 2>&1 || true
	kos=$(find "$work" -name '*.ko' -printf '%f\n' | sed 's/\.ko$//' | sort | paste -s -d ' ')
	# shellcheck disable=SC2016 # expanded by the inner bash
	want=$(kernel_source_dir=$KCHROOT$KDIR kernelver=$KVER arch=$arch dkms_tree=/var/lib/dkms \
		bash -c '. "$1/dkms.conf" && printf "%s\n" "${BUILT_MODULE_NAME[@]}"' sh "$work" |
		sort | paste -s -d ' ')
	if [ -n "$kos" ] && [ "$kos" = "$want" ]; then
		host_case OK "$fl: dkms.conf lists what a user build makes ($kos)"
	else
		host_case FAIL "$fl: dkms.conf lists what a user build makes" \
			"dkms.conf: ${want:-nothing}; built: ${kos:-nothing}; see build/$fl/logs/dkms-list.log"
	fi
	rm -rf "$work"
}
