# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# scripts/lib/vm-initramfs.sh - scripts/vm's guest initramfs (sourced by
# it): busybox, scripts/guest/init, the in-tree modules the tests need with
# their dependencies, our modules, dibsctl, the selftests and the demos.
#
# Uses scripts/vm's globals and functions (ROOT, BUILD, INTREE_MODULES,
# say, die), those of scripts/lib/vm-kernels.sh (KVER, MODROOT, GARCH,
# BUSYBOX) and of scripts/lib/vm-build.sh (HAVE_DIBSCTL).

# copy_intree_modules STAGE: in-tree modules (and what they depend on,
# from modinfo) from the flavour's module tree, decompressed for busybox's
# modprobe.  modules.order maps a name to its file; no depmod of the whole
# tree is needed.
copy_intree_modules() {
	local stage=$1 tree=${MODROOT%/}/lib/modules/$KVER m rel file dst dep f
	local -a todo
	read -r -a todo <<< "$INTREE_MODULES"
	# s390x: the test output channel is a virtio console (a module there).
	# amd64: virtio-net for the multi-guest tests, with its PCI transport
	# (which modinfo does not name as a dependency).
	[ "$GARCH" = s390x ] && todo+=(virtio_console)
	[ "$GARCH" = amd64 ] && todo+=(virtio_pci virtio_net)
	local -A seen=()
	while [ "${#todo[@]}" -gt 0 ]; do
		m=${todo[0]//-/_}
		todo=("${todo[@]:1}")
		[ -n "${seen[$m]:-}" ] && continue
		seen[$m]=1
		rel=$(grep -E "/(${m//_/[-_]})\.ko$" "$tree/modules.order" | head -n 1) || true
		file=""
		for f in "$tree/$rel" "$tree/$rel.xz" "$tree/$rel.zst" "$tree/$rel.gz"; do
			if [ -n "$rel" ] && [ -f "$f" ]; then
				file=$f
				break
			fi
		done
		if [ -z "$file" ]; then
			grep -qsE "/(${m//_/[-_]})\.ko$" "$tree/modules.builtin" ||
				say "in-tree module $m not available for $KVER"
			continue
		fi
		dst=$stage/lib/modules/$KVER/$rel
		mkdir -p "$(dirname "$dst")"
		case $file in
		*.xz) xz -dc "$file" > "$dst" ;;
		*.zst) zstd -qdc "$file" > "$dst" ;;
		*.gz) gzip -dc "$file" > "$dst" ;;
		*) cp "$file" "$dst" ;;
		esac
		for dep in $(modinfo -F depends "$file" | tr , ' '); do
			todo+=("$dep")
		done
	done
}

# make_initramfs FLAVOUR: build/FLAVOUR/initrd.gz (the normal guest) and
# build/FLAVOUR/initrd-warn.gz (plus the WARN module, harness self-test).
make_initramfs() {
	local fl=$1 src=$BUILD/$1/src stage=$BUILD/$1/initramfs f ko
	local moddir=lib/modules/$KVER
	rm -rf "$stage" "$stage-warn"
	mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,etc,root,dev,proc,sys,tmp,run} \
		"$stage/$moddir/updates/dibs" "$stage/usr/share/dibs/demo"
	cp "$BUSYBOX" "$stage/bin/busybox"
	install -m 0755 "$ROOT/scripts/guest/init" "$stage/init"
	for f in modules.order modules.builtin modules.builtin.modinfo; do
		[ -e "${MODROOT%/}/$moddir/$f" ] && cp "${MODROOT%/}/$moddir/$f" "$stage/$moddir/"
	done
	copy_intree_modules "$stage"
	# Our modules; the harness's WARN module only in the -warn variant.
	while read -r ko; do
		case $ko in
		*/selftests/harness/*) ;;
		*) cp "$ko" "$stage/$moddir/updates/dibs/" ;;
		esac
	done < <(find "$src" -name '*.ko' -not -path "$src/selftests/install/*" | sort)
	# Modules built elsewhere (e.g. by DKMS, scripts/check-packages) replace
	# ours of the same name.
	if [ -n "${DIBS_PREBUILT_MODULES:-}" ]; then
		say "using the prebuilt modules in $DIBS_PREBUILT_MODULES:" \
			"$(cd "$DIBS_PREBUILT_MODULES" && echo ./*.ko)"
		cp "$DIBS_PREBUILT_MODULES"/*.ko "$stage/$moddir/updates/dibs/" ||
			die "no .ko files in DIBS_PREBUILT_MODULES=$DIBS_PREBUILT_MODULES"
	fi
	depmod -b "$stage" "$KVER"
	if [ "$HAVE_DIBSCTL" = 1 ]; then
		install -m 0755 "$src/dibsctl/dibsctl" "$stage/usr/bin/dibsctl"
	fi
	cp -a "$src/selftests/install" "$stage/selftests"
	install -m 0755 "$ROOT"/scripts/demo/*.sh "$stage/usr/share/dibs/demo/"
	cat > "$stage/etc/dibs-guest.conf" <<-EOF
		DIBS_FLAVOUR=$fl
		DIBS_DIBSCTL=$HAVE_DIBSCTL
	EOF
	(cd "$stage" && find . | sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 > "$BUILD/$fl/initrd.gz"

	# The WARN variant: a second archive appended (the kernel unpacks both).
	mkdir -p "$stage-warn/selftests/harness"
	if [ -e "$src/selftests/harness/dibs_harness_warn.ko" ]; then
		cp "$src/selftests/harness/dibs_harness_warn.ko" "$stage-warn/selftests/harness/"
	fi
	{
		cat "$BUILD/$fl/initrd.gz"
		(cd "$stage-warn" && find . | sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1
	} > "$BUILD/$fl/initrd-warn.gz"
}
