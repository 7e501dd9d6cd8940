# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# scripts/lib/vm-kernels.sh - scripts/vm's guest kernels (sourced by it):
# the kernel, headers and module tree of each flavour (6.1: the host's
# installed ones; 6.12, 5.10 and s390x: Debian packages fetched and unpacked
# into build/cache by fetch_debs; 6.1-debug and 5.10-s390x: built from
# Debian's kernel source by scripts/debug-kernel), and the image QEMU boots
# (boot_image).
#
# Uses scripts/vm's globals and functions (CACHE, JOBS, ROOT, say, die) and
# scripts/lib/debian.sh.
# shellcheck disable=SC2034,SC2153 # KCMDLINE, MODROOT, KMAKE_ARGS, UMAKE_ARGS: read by scripts/vm's other parts; ROOT, CACHE: scripts/vm's

# Sets KVER, KDIR, VMLINUZ, MODROOT (root of the module tree) for flavour $1,
# and the guest architecture: GARCH (amd64, s390x), BUSYBOX (the guest's
# busybox), KMAKE_ARGS (ARCH=/CROSS_COMPILE=/CC= for kbuild), UMAKE_ARGS
# (CC= etc. for the user programs), KCHROOT (7.2: the chroot the module
# build runs in, KDIR a path in it; else empty).
prepare_kernel() {
	GARCH=amd64
	BUSYBOX=/bin/busybox
	KMAKE_ARGS=()
	UMAKE_ARGS=()
	BZIMAGE_ONLY=0
	KCMDLINE=""
	KCHROOT=""
	case $1 in
	6.1)
		KVER=$(dibs_installed_kver 6.1 amd64)
		[ -n "$KVER" ] || die "no linux-headers-6.1.*-amd64 in /usr/src; run scripts/setup"
		KDIR=/usr/src/linux-headers-$KVER
		VMLINUZ=/boot/vmlinuz-$KVER
		MODROOT=/
		[ -r "$VMLINUZ" ] || die "$VMLINUZ missing or not readable (install linux-image-$KVER, run as root)"
		[ -d "/lib/modules/$KVER/kernel" ] || die "/lib/modules/$KVER missing"
		;;
	6.12)
		fetch_debs 6.12 amd64
		;;
	6.1-s390x)
		fetch_debs 6.1 s390x
		;;
	6.12-s390x)
		fetch_debs 6.12 s390x
		;;
	5.10 | 5.10-s390x)
		# Debian 11, through a private apt: the host's stays bookworm's
		dibs_private_apt "$CACHE/apt-bullseye" bullseye bullseye-security ||
			say "no Debian 11 package lists in build/cache/apt-bullseye (update.log)"
		if [ "$1" = 5.10 ]; then
			APT_CONFIG=$DIBS_APT_CONFIG fetch_debs 5.10 amd64
		else
			prepare_510_s390x
		fi
		;;
	6.1-debug)
		prepare_debug
		;;
	7.2)
		# Debian sid: scripts/lib/vm-sid.sh
		prepare_sid
		;;
	esac
}

# The 6.1-debug flavour: Debian's linux-source-6.1 with KASAN, lockdep,
# kmemleak, UBSAN, fault injection (scripts/debug-kernel.config), built by
# scripts/debug-kernel outside the clone (DIBS_DEBUG_TREE, DIBS_DEBUG_OUT;
# default /var/tmp/dibs-debug-6.1); that is a no-op when the build is
# current.  The modules are built against its tree.
prepare_debug() {
	local out=${DIBS_DEBUG_OUT:-${DIBS_DEBUG_TREE:-/var/tmp/dibs-debug-6.1}/6.1-debug}
	DIBS_DEBUG_OUT=$out JOBS=$JOBS "$ROOT/scripts/debug-kernel" || die "scripts/debug-kernel failed"
	read -r KVER KDIR _ < "$out/stamp"
	VMLINUZ=$out/bzImage
	MODROOT=$out/root
	# Its PVH entry does not boot (KASAN); the bzImage does.
	BZIMAGE_ONLY=1
	# Every KASAN report, not only the first of a boot.
	KCMDLINE=kasan_multi_shot
}

# The 5.10-s390x flavour.  Debian 11 is LTS now and its mirrors carry no
# s390x binaries any more, but its linux-source-5.10 (all) is still there:
# the newest one apt offers (bullseye-security) is fetched into
# build/cache/5.10-s390x/src (again only when apt offers a newer one), and
# scripts/debug-kernel cross-builds it with scripts/kernel-5.10-s390x.config
# outside the clone (DIBS_KERNEL_TREE, DIBS_KERNEL_OUT; default
# /var/tmp/dibs-5.10-s390x); that is a no-op when the build is current.
# The modules are built against its tree; busybox is the host Debian's
# busybox-static:s390x (build/cache/5.10-s390x/busybox).
prepare_510_s390x() {
	local cache=$CACHE/5.10-s390x ver deb fd
	local src=$cache/src/usr/src/linux-source-5.10.tar.xz
	local out=${DIBS_KERNEL_OUT:-${DIBS_KERNEL_TREE:-/var/tmp/dibs-5.10-s390x}/5.10-s390x}
	s390x_tools
	ver=$(APT_CONFIG=$DIBS_APT_CONFIG apt-cache policy linux-source-5.10 2> /dev/null |
		sed -n 's/^ *Candidate: //p')
	[ "$ver" = "(none)" ] && ver=""
	mkdir -p "$cache"
	exec {fd}> "$cache.lock"
	flock "$fd"
	if [ -z "$ver" ]; then
		[ -s "$src" ] || die "apt knows no linux-source-5.10 in Debian 11 (build/cache/apt-bullseye/update.log)"
		say "apt offers no linux-source-5.10; using the cached $(cat "$cache/src.stamp")"
	elif [ "$(cat "$cache/src.stamp" 2> /dev/null)" != "$ver" ] || [ ! -s "$src" ]; then
		say "fetching linux-source-5.10 $ver (apt-get download, dpkg -x into $cache/src)"
		rm -rf "$cache/debs" "$cache/src" "$cache/src.stamp"
		mkdir -p "$cache/debs"
		(cd "$cache/debs" && APT_CONFIG=$DIBS_APT_CONFIG apt-get download -q "linux-source-5.10=$ver") 2>&1 |
			grep -v -e 'unsandboxed as root' -e '^Get:' -e '^Fetched' || true
		deb=$(find "$cache/debs" -name 'linux-source-5.10_*.deb' | head -n 1)
		[ -n "$deb" ] || die "apt-get download linux-source-5.10=$ver failed"
		dpkg -x "$deb" "$cache/src"
		[ -s "$src" ] || die "$deb has no $src"
		rm -rf "$cache/debs"
		echo "$ver" > "$cache/src.stamp"
	fi
	if [ ! -x "$cache/busybox/bin/busybox" ]; then
		say "fetching busybox-static:s390x (apt-get download, dpkg -x into $cache/busybox)"
		rm -rf "$cache/debs" "$cache/busybox"
		mkdir -p "$cache/debs"
		(cd "$cache/debs" && apt-get download -q busybox-static:s390x) 2>&1 |
			grep -v -e 'unsandboxed as root' -e '^Get:' -e '^Fetched' || true
		for deb in "$cache"/debs/busybox-static_*.deb; do
			dpkg -x "$deb" "$cache/busybox"
		done
		rm -rf "$cache/debs"
		[ -x "$cache/busybox/bin/busybox" ] || die "apt-get download busybox-static:s390x failed"
	fi
	exec {fd}>&-
	DIBS_KERNEL_SOURCE=$src DIBS_KERNEL_OUT=$out JOBS=$JOBS \
		"$ROOT/scripts/debug-kernel" 5.10-s390x || die "scripts/debug-kernel 5.10-s390x failed"
	read -r KVER KDIR _ < "$out/stamp"
	VMLINUZ=$out/bzImage
	MODROOT=$out/root
	BUSYBOX=$cache/busybox/bin/busybox
	s390x_guest
}

# s390x_tools: dies unless the s390x cross compiler, QEMU and dpkg's s390x
# architecture (busybox-static:s390x, libnl-*-dev:s390x) are there.
s390x_tools() {
	if ! command -v s390x-linux-gnu-gcc > /dev/null || ! command -v qemu-system-s390x > /dev/null; then
		die "no s390x cross compiler or qemu-system-s390x: run scripts/setup (S390X=0 leaves s390x out)"
	fi
	dpkg --print-foreign-architectures | grep -qx s390x ||
		die "dpkg has no s390x architecture: run scripts/setup (S390X=0 leaves s390x out)"
}

# s390x_guest: an s390x guest, its modules cross-built; static user
# programs with the cross compiler, and pkg-config answering for the s390x
# libnl (libnl-*-dev:s390x, multiarch).
s390x_guest() {
	GARCH=s390x
	KMAKE_ARGS+=(ARCH=s390 CROSS_COMPILE=s390x-linux-gnu-)
	UMAKE_ARGS=(CC=s390x-linux-gnu-gcc PKG_CONFIG=s390x-linux-gnu-pkg-config)
}

# fetch_debs SERIES ARCH: Debian's newest kernel of SERIES for ARCH that apt
# knows, unpacked with dpkg -x below build/cache/FLAVOUR/root (FLAVOUR: 6.12,
# 6.1-s390x, 6.12-s390x, 5.10); no system-wide installation.
# Downloads again only when a newer version appears.
#  - amd64 (6.12 of bookworm-backports or bookworm-security; 5.10 of
#    bullseye or bullseye-security):
#    linux-image-VERSION-unsigned and its headers;
#  - s390x (6.1: linux-image-6.1.0-N-s390x of bookworm; 6.12:
#    linux-image-6.12.N+deb12-s390x of bookworm-backports): the image, its
#    headers and busybox-static:s390x.  Needs the s390x foreign
#    architecture and the cross tools: scripts/setup.
# Both with the -common headers and the amd64 linux-kbuild of the same
# version (the host tools: linux-kbuild-6.1, linux-kbuild-6.12.N+deb12,
# linux-kbuild-5.10).
#  - 5.10 (Debian 11, amd64; APT_CONFIG names the private bullseye
#    configuration of dibs_private_apt, scripts/lib/debian.sh): as 6.12.
#  - 7.2 (Debian sid, amd64; APT_CONFIG names the private sid configuration
#    of scripts/lib/vm-sid.sh): only the kernel, whose headers are in the
#    sid chroot: linux-binary-KVER (the image, in /usr/lib/modules/KVER),
#    linux-modules-KVER and linux-base-KVER (config, modules.order), or
#    linux-image-KVER-unsigned where sid has that; root/lib links to
#    root/usr/lib (merged /usr) for the module tree's users.
fetch_debs() {
	local series=$1 arch=$2 cache=$CACHE/$1 img abi pkgs deb hver kver kbuild l t
	local name=$1 missing="linux-image-$1.*-$2: run scripts/setup"
	local -a quiet=(-e 'unsandboxed as root' -e '^Get:')

	if [ "$arch" = s390x ]; then
		cache=$CACHE/$series-s390x
		name="s390x $series"
		quiet+=(-e '^Fetched')
		s390x_tools
	else
		missing="linux-image-$series.*-$arch-unsigned: run scripts/setup (bookworm-backports)"
	fi
	local root=$cache/root image_only=0
	[ "$series" = 7.2 ] && image_only=1 missing="linux-image-7.2.*-amd64 in sid (build/cache/sid-apt)"
	[ "$series" = 5.10 ] &&
		missing="linux-image-5.10.*-$arch in Debian 11 (bullseye, bullseye-security; build/cache/apt-bullseye/update.log)"
	img=$(dibs_apt_kver "$series" "$arch")
	if [ -z "$img" ]; then
		if [ -s "$cache/stamp" ]; then
			read -r KVER _ < "$cache/stamp"
			say "apt knows no $name kernel (apt-get update?); using the cached $KVER"
		else
			die "apt knows no $missing"
		fi
	else
		KVER=$img
	fi
	abi=${KVER%-"$arch"}
	mkdir -p "$cache"
	exec {FETCH_FD}> "$cache.lock"
	flock "$FETCH_FD"
	# The stamp names the version and where it was unpacked (the headers
	# hold absolute paths).
	if [ "$(cat "$cache/stamp" 2>/dev/null)" != "$KVER $root" ]; then
		say "fetching $KVER (apt-get download, dpkg -x into $cache)"
		rm -rf "$cache/debs" "$root" "$cache/stamp"
		mkdir -p "$cache/debs"
		# 6.12 names the host tools by the full version, 6.1 by series.
		kbuild=linux-kbuild-$abi
		apt-cache show "$kbuild:amd64" > /dev/null 2>&1 || kbuild=linux-kbuild-$series
		if [ "$image_only" = 1 ]; then
			pkgs="linux-image-$KVER-unsigned"
			apt-cache show "linux-binary-$KVER" > /dev/null 2>&1 &&
				pkgs="linux-binary-$KVER linux-modules-$KVER linux-base-$KVER"
		elif [ "$arch" = s390x ]; then
			pkgs="linux-image-$KVER:s390x linux-headers-$KVER:s390x linux-headers-$abi-common"
			pkgs+=" $kbuild:amd64 busybox-static:s390x"
		else
			pkgs="linux-image-$KVER-unsigned linux-headers-$KVER linux-headers-$abi-common $kbuild"
		fi
		# shellcheck disable=SC2086 # word splitting intended
		(cd "$cache/debs" && apt-get download -q $pkgs) 2>&1 |
			grep -v "${quiet[@]}" || true
		# shellcheck disable=SC2086 # word splitting intended
		[ "$(find "$cache/debs" -name '*.deb' | wc -l)" -eq "$(set -- $pkgs; echo $#)" ] ||
			die "apt-get download $pkgs failed"
		# The headers need host tools at least as new as they are.
		if [ "$image_only" = 0 ]; then
			hver=$(dpkg-deb -f "$cache"/debs/linux-headers-"$KVER"_*.deb Version)
			kver=$(dpkg-deb -f "$cache"/debs/"$kbuild"_*.deb Version)
			dpkg --compare-versions "$kver" ge "$hver" ||
				die "$kbuild $kver is older than linux-headers-$KVER $hver"
		fi
		for deb in "$cache"/debs/*.deb; do
			dpkg -x "$deb" "$root"
		done
		# The headers include the common Makefile by its absolute path;
		# scripts/ and tools/ link into the kbuild package (6.1:
		# relative, 6.12: absolute links, pointed into the private root).
		if [ "$image_only" = 0 ]; then
			sed -i "s|^include /usr/src/|include $root/usr/src/|" \
				"$root/usr/src/linux-headers-$KVER/Makefile"
			for l in "$root/usr/src/linux-headers-$KVER"/{scripts,tools}; do
				t=$(readlink "$l")
				case $t in
				/*) ln -sfn "$root$t" "$l" ;;
				esac
				[ -e "$l/" ] || die "$l -> $t: dangling"
			done
		fi
		# Merged /usr (7.2): the module tree is in root/usr/lib/modules.
		if [ ! -e "$root/lib" ] && [ -d "$root/usr/lib/modules" ]; then
			ln -s usr/lib "$root/lib"
		fi
		rm -rf "$cache/debs"
		echo "$KVER $root" > "$cache/stamp"
	fi
	exec {FETCH_FD}>&-
	KDIR=$root/usr/src/linux-headers-$KVER
	VMLINUZ=$root/boot/vmlinuz-$KVER
	[ -e "$VMLINUZ" ] || VMLINUZ=$root/usr/lib/modules/$KVER/vmlinuz
	MODROOT=$root
	if [ "$image_only" = 1 ]; then
		if [ ! -r "$VMLINUZ" ] || [ ! -d "$root/lib/modules/$KVER/kernel" ]; then
			die "$series cache in $cache is incomplete; rm -rf it"
		fi
		return 0
	fi
	# The headers name the compiler Debian built the kernel with
	# (.kernelvariables: gcc-12 for 6.1, gcc-10 for 5.10); bookworm has no
	# gcc-10, so where that one is missing kbuild gets the host's gcc.
	local cross="" cc
	[ "$arch" = s390x ] && cross=s390x-linux-gnu-
	cc=$(sed -n 's/^CC = .*)\(gcc-[0-9]*\)$/\1/p' "$KDIR/.kernelvariables" 2> /dev/null)
	if [ -n "$cc" ] && ! command -v "$cross$cc" > /dev/null; then
		say "$KVER was built with $cc, which the host lacks: building with ${cross}gcc ($("${cross}gcc" -dumpversion))"
		KMAKE_ARGS=(CC="${cross}gcc")
	fi
	if [ "$arch" = amd64 ]; then
		if [ ! -r "$VMLINUZ" ] || [ ! -d "$KDIR" ]; then
			die "$series cache in $cache is incomplete; rm -rf it"
		fi
		return 0
	fi
	BUSYBOX=$root/bin/busybox
	s390x_guest
	if [ ! -r "$VMLINUZ" ] || [ ! -d "$KDIR" ] || [ ! -x "$BUSYBOX" ]; then
		die "s390x cache in $cache is incomplete; rm -rf it"
	fi
}

# boot_image: the kernel QEMU boots.  The uncompressed vmlinux (PVH entry,
# Debian has CONFIG_PVH=y), cached in build/cache, boots several seconds
# faster under TCG than the bzImage, which decompresses itself in the
# emulator.  Falls back to the bzImage (or PVH=0 forces it).
boot_image() {
	local vmlinux=$CACHE/vmlinux-$KVER tmp=$CACHE/vmlinux-$KVER.$$
	if [ "$GARCH" != amd64 ] || [ "$BZIMAGE_ONLY" = 1 ]; then
		echo "$VMLINUZ"
		return
	fi
	if [ "${PVH:-1}" = 1 ] && [ ! -s "$vmlinux" ]; then
		mkdir -p "$CACHE"
		if python3 "$ROOT/scripts/lib/extract-vmlinux.py" "$VMLINUZ" "$tmp" 2> /dev/null; then
			mv "$tmp" "$vmlinux"
		else
			rm -f "$tmp"
		fi
	fi
	if [ "${PVH:-1}" = 1 ] && [ -s "$vmlinux" ]; then
		echo "$vmlinux"
	else
		echo "$VMLINUZ"
	fi
}
