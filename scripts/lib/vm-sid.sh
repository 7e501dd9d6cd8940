# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# scripts/lib/vm-sid.sh - the 7.2 flavour (sourced by scripts/vm): Debian
# sid's newest 7.2 kernel booted in the guest, our modules built by sid's
# own compiler (gcc 16, which bookworm lacks) in a sid chroot.  Nothing is
# installed on the host and the host's apt sources stay as they are:
#
#  - build/cache/sid-apt: a private apt configuration (APT_CONFIG,
#    dibs_private_apt) with sid as its only source, its own package lists
#    (fetched again when a day old) and an empty dpkg status.
#    It picks the kernel (dibs_apt_kver, the newest 7.2 ABI sid offers) and
#    downloads the image for fetch_debs (build/cache/7.2/root).
#  - build/cache/7.2-sid/chroot: a sid root made by mmdebstrap (variant
#    essential plus make and linux-headers-KVER, which brings the compiler
#    the kernel was built with, linux-kbuild, pahole and their libraries).
#    Its key (build/cache/7.2-sid/key) names the kernel and the package
#    list: the chroot is made again only when sid's kernel moves.
#  - the module build runs in the chroot (kchroot_run): the flavour's tree
#    copy is bind-mounted at its own path in a private mount namespace
#    (unshare), so paths in the build log and the .cmd files are the
#    host's, and the mount goes away with the command.
#
# Uses scripts/vm's globals and functions (CACHE, say, die),
# scripts/lib/debian.sh and fetch_debs of scripts/lib/vm-kernels.sh.
# shellcheck disable=SC2034,SC2153 # KDIR, KCHROOT, KMAKE_ARGS: read by scripts/vm's other parts; KVER, BUILD, ROOT: theirs

# sid_apt: the private apt configuration for sid (SID_APT_CONFIG;
# dibs_private_apt of scripts/lib/debian.sh, as for Debian 11) with sid's
# own settings in its apt.conf.d: amd64 lists only, no binary caches (100
# MB saved, half a second per apt-cache call), and no Valid-Until check:
# the archive reachable here may carry a sid Release whose Valid-Until date
# has passed (its signature is still checked, against
# debian-archive-keyring).  Without lists (no network, no earlier run) the
# flavour cannot pick a kernel.
sid_apt() {
	local d=$CACHE/sid-apt t0
	t0=$(date +%s)
	mkdir -p "$d/apt.conf.d"
	rm -f "$d"/cache/*.bin
	cat > "$d/apt.conf.d/dibs-sid.conf" <<-EOF
		Dir::Cache::pkgcache "";
		Dir::Cache::srcpkgcache "";
		APT::Architecture "amd64";
		APT::Architectures { "amd64"; };
		Acquire::Check-Valid-Until "false";
	EOF
	dibs_private_apt "$d" sid ||
		die "no package lists of sid in $d (see $d/update.log)"
	SID_APT_CONFIG=$DIBS_APT_CONFIG
	SID_MIRROR=$(dibs_mirror bookworm)
	say "sid package lists: $(($(date +%s) - t0)) s"
}

# prepare_sid: the 7.2 flavour's kernel (fetch_debs with the sid apt
# configuration), the chroot, and the compiler the kernel names in
# CONFIG_CC_VERSION_TEXT.  Sets what prepare_kernel sets, KDIR as a path in
# the chroot, KCHROOT (the chroot) and KMAKE_ARGS (CC=).
prepare_sid() {
	local cfg cctext cc have t0
	command -v mmdebstrap > /dev/null || die "no mmdebstrap: run scripts/setup"
	command -v unshare > /dev/null || die "no unshare (util-linux)"
	sid_apt
	t0=$(date +%s)
	APT_CONFIG=$SID_APT_CONFIG fetch_debs 7.2 amd64
	say "7.2 kernel $KVER fetched or cached: $(($(date +%s) - t0)) s"
	cfg=$MODROOT/lib/modules/$KVER/config
	[ -r "$cfg" ] || cfg=$MODROOT/boot/config-$KVER
	[ -r "$cfg" ] || die "no kernel config for $KVER in $MODROOT"
	cctext=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\(.*\)"$/\1/p' "$cfg")
	cc=${cctext%% *}
	[ -n "$cc" ] || die "no CONFIG_CC_VERSION_TEXT in $cfg"
	t0=$(date +%s)
	sid_chroot "$KVER"
	say "sid chroot: $(($(date +%s) - t0)) s ($KCHROOT)"
	# The compiler the kernel was built with: the headers package depends
	# on it (gcc-N-for-host); kbuild compares its --version with
	# CONFIG_CC_VERSION_TEXT.
	have=$(chroot "$KCHROOT" "$cc" --version 2> /dev/null | head -n 1) ||
		die "the sid chroot has no $cc (CONFIG_CC_VERSION_TEXT: $cctext)"
	if [ "$have" != "$cctext" ]; then
		say "warning: the chroot's $cc is '$have', the kernel was built with '$cctext'"
	fi
	say "compiler: $have (chroot)"
	KDIR=/usr/src/linux-headers-$KVER
	KMAKE_ARGS=(CC="$cc")
}

# sid_chroot KVER: build/cache/7.2-sid/chroot with the headers of KVER
# (made by mmdebstrap unless its key says it is current).  Sets KCHROOT.
# Holds a shared lock on it for the rest of the run (a run that must make
# it again waits for the others' builds to end).
sid_chroot() {
	local kver=$1 dir=$CACHE/7.2-sid key pkgs
	pkgs="make,linux-headers-$kver"
	key="$kver $pkgs $SID_MIRROR"
	mkdir -p "$dir"
	exec {SID_CHROOT_FD}> "$dir.lock"
	flock "$SID_CHROOT_FD"
	if [ "$(cat "$dir/key" 2> /dev/null)" != "$key" ] ||
		[ ! -d "$dir/chroot/usr/src/linux-headers-$kver" ]; then
		say "making the sid chroot: mmdebstrap --variant=essential --include=$pkgs sid (log: $dir/mmdebstrap.log)"
		rm -rf "$dir/chroot" "$dir/chroot.new" "$dir/key"
		mmdebstrap --variant=essential --include="$pkgs" \
			--aptopt='Acquire::Check-Valid-Until "false"' sid "$dir/chroot.new" \
			"deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $SID_MIRROR sid main" \
			> "$dir/mmdebstrap.log" 2>&1 ||
			die "mmdebstrap failed: $(tail -n 5 "$dir/mmdebstrap.log")"
		mv "$dir/chroot.new" "$dir/chroot"
		echo "$key" > "$dir/key"
		say "sid chroot made: $(du -sh "$dir/chroot" | cut -f1)"
	fi
	flock -s "$SID_CHROOT_FD"
	KCHROOT=$dir/chroot
}

# kchroot_run DIR CMD...: CMD in the chroot KCHROOT, with DIR (a host
# directory, the tree being built) bind-mounted at the same path, /proc
# mounted, a clean environment; in a mount namespace of its own.
kchroot_run() {
	local dir=$1
	shift
	mkdir -p "$KCHROOT$dir"
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare --mount --propagation private -- /bin/sh -ec '
		root=$1 dir=$2
		shift 2
		mount --bind "$dir" "$root$dir"
		mount -t proc proc "$root/proc"
		exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LANG=C.UTF-8 "$@"' sh "$KCHROOT" "$dir" "$@"
}

# sid_checks FLAVOUR: the 7.2 flavour's host cases, run in the chroot on a
# copy of the tree (build/FLAVOUR/sid-checks; log:
# build/FLAVOUR/logs/sid-checks.log):
#  - sid's kernel ships mainline's include/linux/dibs.h with CONFIG_DIBS
#    unset, and gets our modules (the build above); the same headers with
#    CONFIG_DIBS=y, then =m in .config and include/config/auto.conf (a copy in the
#    chroot's /usr/src, beside the original, so that its relative links
#    into linux-kbuild hold) must get none: Kbuild refuses, and says so;
#  - dkms.conf's module list for this kernel (it shares
#    include/compat/Kbuild.probe.sh with Kbuild) is what a user's build
#    makes (DIBS_TESTS and DIBS_WERROR unset, as DKMS builds);
#  - selftests/mainline/dibs_mlclient.c compiles against mainline's
#    include/linux/dibs.h (sid_mlclient_check).
sid_checks() {
	local fl=$1 t0 hdr=/usr/src/linux-headers-$KVER fake work=$BUILD/$1/sid-checks
	local log=$BUILD/$1/logs/sid-checks.log kos v
	t0=$(date +%s)
	fake=$KCHROOT/usr/src/dibs-config-dibs-$$
	: > "$log"
	echo "# host checks ($fl: sid's kernel and its headers)"
	ktap_plan 4
	rm -rf "$fake" "$work"
	mkdir -p "$work"
	rsync -a --exclude=/build --exclude=/.git --exclude='*.o' --exclude='*.ko' \
		--exclude='.*.cmd' --exclude=/selftests/install "$ROOT/" "$work/"
	for v in y m; do
		rm -rf "$fake"
		cp -a "$KCHROOT$hdr" "$fake"
		echo "CONFIG_DIBS=$v" | tee -a "$fake/.config" >> "$fake/include/config/auto.conf"
		sed -i "s|^KBUILD_OUTPUT=.*|KBUILD_OUTPUT=${fake#"$KCHROOT"}|" "$fake/Makefile"
		kchroot_run "$work" make -C "${fake#"$KCHROOT"}" M="$work" "${KMAKE_ARGS[@]}" modules \
			> "$log.$v" 2>&1 || true
		cat "$log.$v" >> "$log"
		kos=$(find "$work" -name '*.ko' -printf '%f ')
		if grep -q "^dibs: building nothing: .*CONFIG_DIBS=$v" "$log.$v" && [ -z "$kos" ]; then
			host_case OK "$fl: Kbuild builds nothing for these headers with CONFIG_DIBS=$v"
		else
			host_case FAIL "$fl: Kbuild builds nothing for these headers with CONFIG_DIBS=$v" \
				"built: ${kos:-nothing}; see build/$fl/logs/sid-checks.log"
		fi
		rm -f "$log.$v"
	done
	rm -rf "$fake" "$work"
	dkms_list_check "$fl"
	sid_mlclient_check "$fl"
	say "sid checks: $(($(date +%s) - t0)) s"
}

# sid_mlclient_check FLAVOUR: the mainline-compatibility client
# (selftests/mainline/dibs_mlclient.c) compiled alone, with nothing of ours
# but the KTAP helper, against sid's headers, whose include/linux/dibs.h is
# mainline's: a name that only our header has fails the compile.  W=1 and
# -Werror, as our test builds; the object's .cmd file must name mainline's
# dibs.h and no other (log: build/FLAVOUR/logs/sid-mlclient.log).
sid_mlclient_check() {
	local fl=$1 work=$BUILD/$1/sid-mlclient log=$BUILD/$1/logs/sid-mlclient.log
	local name="$fl: selftests/mainline/dibs_mlclient.c builds against mainline's dibs.h"
	local hdrs t0
	t0=$(date +%s)
	rm -rf "$work"
	mkdir -p "$work"
	cp "$ROOT/selftests/mainline/dibs_mlclient.c" "$ROOT/selftests/include/ktap_kmod.h" "$work/"
	printf 'obj-m := dibs_mlclient.o\nccflags-y := -Werror\n' > "$work/Kbuild"
	if ! kchroot_run "$work" make -C "$KDIR" M="$work" "${KMAKE_ARGS[@]}" W=1 \
		dibs_mlclient.o > "$log" 2>&1; then
		host_case FAIL "$name" "see build/$fl/logs/sid-mlclient.log"
	else
		hdrs=$(grep -o '[^ ]*/dibs\.h' "$work/.dibs_mlclient.o.cmd" | sort -u | tr '\n' ' ')
		if [ "$(wc -w <<< "$hdrs")" = 1 ] &&
			[[ "$hdrs" == /usr/src/linux-headers-*/include/linux/dibs.h" " ]]; then
			host_case OK "$name"
		else
			host_case FAIL "$name" "the object used: ${hdrs:-no dibs.h}"
		fi
	fi
	rm -rf "$work"
	say "mainline client build: $(($(date +%s) - t0)) s"
}
