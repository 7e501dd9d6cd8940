# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# scripts/lib/pkg-common.sh - what the parts of scripts/check-packages
# share (sourced by it): messages, one check (a KTAP case), the step
# timer, copies of the tree, dkms.conf as DKMS reads it, the state of
# DKMS on this machine and the clean-up on exit.
#
# Uses scripts/check-packages' globals (ROOT, TIMES, INSTALLED, VERSION,
# DKMS_ADDED) and selftests/lib/ktap.sh.

say() {
	echo "# $*"
}

die() {
	echo "check-packages: $*" >&2
	exit 1
}

# check NAME CMD...: one test case, ok if CMD succeeds; its output is
# shown as diagnostics when it fails.
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		ktap_pass "$name"
	else
		[ -z "$out" ] || echo "$out" | head -n 40 | sed 's/^/#   /'
		ktap_fail "$name"
	fi
}

# step NAME: time the steps.
STEP=""
STEP_T=0
step() {
	local t
	t=$(date +%s)
	[ -z "$STEP" ] || TIMES+=("$STEP: $((t - STEP_T)) s")
	STEP=$1
	STEP_T=$t
	[ -z "$1" ] || say "---- $1"
}

# fail_if_output CMD...: succeeds if CMD prints nothing (its output is
# what is wrong).
fail_if_output() {
	local out
	out=$("$@" 2>&1) || true
	[ -z "$out" ] || { echo "$out"; return 1; }
}

# copy_tree DEST: this tree without build products, .git and build/.
copy_tree() {
	mkdir -p "$1"
	rsync -a --delete --exclude=/build --exclude=/.git \
		--exclude='*.o' --exclude='*.ko' --exclude='*.mod' --exclude='*.mod.c' \
		--exclude='.*.cmd' --exclude='*.a' --exclude=Module.symvers \
		--exclude=modules.order --exclude='.tmp_*' --exclude='*.d' \
		--exclude=/selftests/install --exclude='*.deb' --exclude='*.rpm' \
		--exclude=/dibsctl/dibsctl --exclude=/dibs-ivshmem-server/dibs-ivshmem-server \
		"$ROOT/" "$1/"
}

# What dkms.conf gives for arch $2 and the kernel build dir $3:
# "NAME VERSION AUTOINSTALL module:location:dest ..."
eval_dkms_conf() {
	bash -c '
		set -e
		arch=$2 kernel_source_dir=$3 kernelver=test dkms_tree=/var/lib/dkms
		. "$1"
		line="$PACKAGE_NAME $PACKAGE_VERSION $AUTOINSTALL"
		for i in "${!BUILT_MODULE_NAME[@]}"; do
			line+=" ${BUILT_MODULE_NAME[i]}:${BUILT_MODULE_LOCATION[i]}:${DEST_MODULE_LOCATION[i]}"
		done
		echo "$line"' _ "$@"
}

expect_eq() {
	[ "$1" = "$2" ] || { echo "got '$1', expected '$2'"; return 1; }
}

dkms_clean_state() {
	# shellcheck disable=SC2016 # expanded by that sh
	fail_if_output sh -c '
		dkms status 2>/dev/null | grep "^dibs[/,]"
		ls -d /var/lib/dkms/dibs /usr/src/dibs-* 2>/dev/null
		find /lib/modules/*/updates /lib/modules/*/extra -name "dibs_*.ko*" 2>/dev/null
		grep -l "dibs_core\.ko" /lib/modules/*/modules.dep 2>/dev/null
		dpkg-query -W -f="\${Status}\n" dibs-dkms 2>/dev/null | grep -v "not-installed"
		true'
}

cleanup() {
	if [ "$INSTALLED" = 1 ]; then
		say "cleanup: removing dibs-dkms"
		dpkg -P dibs-dkms > /dev/null 2>&1 || true
	fi
	if [ -n "${DKMS_ADDED:-}" ]; then
		dkms remove -m dibs -v "$VERSION" --all > /dev/null 2>&1 || true
		rm -rf "/usr/src/dibs-$VERSION"
	fi
}
