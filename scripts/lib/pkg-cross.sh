# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# scripts/lib/pkg-cross.sh - the last steps of scripts/check-packages
# (sourced by it): the s390x dibsctl package and the top-level cross
# build, warnings that fail our test builds only, s390x kernels with and
# without the in-tree ism.ko.
#
# pkg_cross_deb sets s390x_hdr and cross_missing, which the later steps
# read.

# wk ARGS...: dkms on the private tree of pkg_warnings
wk() {
	nice -n 10 dkms "$@" --dkmstree "$wdk/tree" --sourcetree "$wdk/src" -m dibs -v "$VERSION"
}

# pkg_cross_deb: dpkg-buildpackage -a s390x -B; make ARCH=s390
pkg_cross_deb() {
	cross_missing=""
	dpkg --print-foreign-architectures | grep -qx s390x || cross_missing+=" dpkg --add-architecture s390x;"
	for p in crossbuild-essential-s390x pkg-config:s390x libnl-3-dev:s390x libnl-genl-3-dev:s390x; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			cross_missing+=" $p"
	done
	if [ "$CROSS" = 0 ]; then
		ktap_skip "dpkg-buildpackage -a s390x -B (dibsctl)" "CROSS=0"
	elif [ -n "$cross_missing" ] && [ "$CROSS" = auto ]; then
		ktap_skip "dpkg-buildpackage -a s390x -B (dibsctl)" "missing:$cross_missing"
	else
		mkdir -p "$WORK/s390x"
		cp -a "$SRC" "$WORK/s390x/dibs-$VERSION"
		if (cd "$WORK/s390x/dibs-$VERSION" && nice -n 10 dpkg-buildpackage -a s390x -B -us -uc) \
			> "$LOGS/dpkg-buildpackage-s390x.log" 2>&1; then
			ktap_pass "dpkg-buildpackage -a s390x -B (dibsctl)"
		else
			tail -n 30 "$LOGS/dpkg-buildpackage-s390x.log" | sed 's/^/#   /'
			ktap_fail "dpkg-buildpackage -a s390x -B (dibsctl)" "log: $LOGS/dpkg-buildpackage-s390x.log"
		fi
		sdeb=$WORK/s390x/dibsctl_${VERSION}_s390x.deb
		check "dibsctl_${VERSION}_s390x.deb holds an s390x dibsctl" sh -c "
			mkdir -p '$WORK/x/s390x' && dpkg-deb -x '$sdeb' '$WORK/x/s390x' &&
			f=\$(find '$WORK/x/s390x/usr' -path '*bin/dibsctl' -type f) &&
			readelf -h \"\$f\" | grep -q 'IBM S/390'"
		if lintian --allow-root --fail-on error,warning "$WORK/s390x/dibs_${VERSION}_s390x.changes" \
			> "$LOGS/lintian-s390x.log" 2>&1; then
			ktap_pass "lintian of the s390x package (errors and warnings) clean"
		else
			sed 's/^/#   /' "$LOGS/lintian-s390x.log"
			ktap_fail "lintian of the s390x package (errors and warnings) clean"
		fi
	fi

	# The top-level Makefile cross-builds too (README, Documentation/s390x.rst):
	# modules against the s390x headers scripts/vm fetched into build/cache,
	# and dibsctl with the cross compiler and libnl-genl-3-dev:s390x.
	# It is one of our test builds: W=1, and warnings are errors (DIBS_WERROR=1).
	CROSS_MAKE_ARGS="ARCH=s390 CROSS_COMPILE=s390x-linux-gnu- DIBS_WERROR=1 W=1"
	# shellcheck disable=SC2012  # Debian's fixed file names
	s390x_hdr=$(ls -d "$ROOT"/build/cache/*/root/usr/src/linux-headers-*-s390x 2> /dev/null | tail -n 1 || true)
	if [ -n "$cross_missing" ] || [ "$CROSS" = 0 ] || [ -z "$s390x_hdr" ]; then
		ktap_skip "make ARCH=s390 CROSS_COMPILE=s390x-linux-gnu-: s390x modules and dibsctl" \
			"no cross tool chain or no s390x headers in build/cache (make check fetches them)"
	else
		copy_tree "$WORK/x/cross"
		mkdir -p "$WORK/x/cross/build"
		ln -sfn "$(readlink -f "$ROOT/build/cache")" "$WORK/x/cross/build/cache"
		check "make ARCH=s390 CROSS_COMPILE=s390x-linux-gnu-: s390x modules and dibsctl" sh -c "
			nice -n 10 make -C '$WORK/x/cross' $CROSS_MAKE_ARGS -j2 \
				> '$LOGS/make-cross.log' 2>&1 &&
			for f in dibs_core/dibs_core.ko dibs_lo/dibs_lo.ko dibs_ism/dibs_ism.ko dibsctl/dibsctl; do
				readelf -h '$WORK/x/cross/'\$f | grep -q 'IBM S/390' || { echo \"# not s390: \$f\"; exit 1; }
			done"
		# the emulator's entry points exist in test builds (DIBS_TESTS=1) only
		check "s390x dibs_ism of a user's build exports no emulator entry point" \
			sh -c "grep -qs -w dibs_register_client '$WORK/x/cross/Module.symvers' &&
				! grep -w -E 'dibs_ism_emu_[a-z]+' '$WORK/x/cross/Module.symvers'"
		rm -rf "$WORK/x/cross"
	fi
}

# pkg_warnings: warnings are errors in our test builds only
pkg_warnings() {
	# Documentation/packaging.rst: a warning (a newer compiler, a vendor
	# kernel) must not fail a user's build: DKMS (dkms.conf's MAKE) and plain
	# `make`.  Our test builds say DIBS_WERROR=1 and fail on it: scripts/vm's
	# module build and the cross build above, both with W=1.  The tree: a
	# copy with two harmless warnings added, an unused static variable and (for
	# W=1 only) a global function without a prototype.
	# The module cross builds of this step and the next need only the cross
	# compiler and the s390x headers.
	MOD_CROSS=1
	if ! command -v s390x-linux-gnu-gcc > /dev/null || [ "$CROSS" = 0 ] || [ -z "$s390x_hdr" ]; then
		MOD_CROSS=0
	fi
	wsrc=$WORK/x/warn-src
	copy_tree "$wsrc"
	printf '\nstatic int dibs_check_warning;\nint dibs_check_w1(void)\n{\n\treturn 0;\n}\n' \
		>> "$wsrc/dibs_core/dibs_main.c"
	wre='dibs_check_warning.* defined but not used'
	wdk=$WORK/x/warn-dkms
	mkdir -p "$wdk/tree" "$wdk/src"
	cp -a "$wsrc" "$wdk/src/dibs-$VERSION"
	rc=0
	{ wk add && wk build -k "$KVER"; } > "$LOGS/warn-dkms.log" 2>&1 || rc=$?
	check "a warning: dkms build -k $KVER succeeds (exit 0)" expect_eq "$rc" 0
	wlog=$(find "$wdk/tree" -name make.log 2>/dev/null | head -n 1) || true
	check "a warning: DKMS's make.log shows it as a warning, not an error" sh -c "
		grep -q \"warning: .*$wre \\[-Wunused-variable\\]\" '${wlog:-/dev/null}' &&
		! grep -q -e 'error:' -e '-Werror' '${wlog:-/dev/null}'"
	check "a warning: make modules (a user's build from the tree) succeeds" sh -c "
		nice -n 10 make -C '$wsrc' -j2 modules KDIR='$KDIR' > '$LOGS/warn-make.log' 2>&1 &&
		grep -q \"warning: .*$wre \\[-Wunused-variable\\]\" '$LOGS/warn-make.log'"
	make -C "$wsrc" clean > /dev/null 2>&1 || true
	rc=0
	FLAVOUR=6.1 BUILD_ONLY=1 HARNESS=0 CACHE_DIR=$ROOT/build/cache \
		nice -n 10 "$wsrc/scripts/vm" check > "$LOGS/warn-vm.log" 2>&1 || rc=$?
	check "a warning: scripts/vm's module build (6.1) fails on it (-Werror, W=1)" sh -c "
		[ $rc -ne 0 ] &&
		grep -q \"error: .*$wre \\[-Werror=unused-variable\\]\" '$wsrc/build/6.1/logs/build.log' &&
		grep -q 'error: no previous prototype for .*dibs_check_w1.* \\[-Werror=missing-prototypes\\]' '$wsrc/build/6.1/logs/build.log'"
	if [ "$MOD_CROSS" = 0 ]; then
		ktap_skip "a warning: the s390x cross build fails on it (-Werror)" \
			"CROSS=0, no s390x-linux-gnu-gcc or no s390x headers in build/cache (make check fetches them)"
	else
		check "a warning: the s390x cross build fails on it (-Werror)" sh -c "
			! nice -n 10 make -C '$wsrc' modules KDIR='$s390x_hdr' $CROSS_MAKE_ARGS -j2 \
				> '$LOGS/warn-make-cross.log' 2>&1 &&
			grep -q \"error: .*$wre \\[-Werror=unused-variable\\]\" '$LOGS/warn-make-cross.log' &&
			grep -q 'error: no previous prototype for .*dibs_check_w1.* \\[-Werror=missing-prototypes\\]' '$LOGS/warn-make-cross.log'"
	fi
	rm -rf "$wsrc" "$wdk"
	check "private DKMS trees left the system's alone" dkms_clean_state
}

# pkg_cross_ism: DKMS cross-builds for s390x kernels with and without
# CONFIG_ISM
pkg_cross_ism() {
	# Documentation/ism.rst: where the kernel has its own ism.ko (CONFIG_ISM=y/m:
	# RHEL, SLES, Ubuntu), dibs_ism is built without a PCI device alias, so
	# that udev never loads it and installing dibs-dkms leaves the functions
	# with ism.ko; on Debian's s390x kernel (CONFIG_ISM unset) the alias makes
	# udev load it.  DKMS cross-builds the suite (private DKMS trees) for the
	# s390x headers in build/cache and for a copy of them with CONFIG_ISM=m.
	ism_alias='pci:v00001014d000004EDsv*sd*bc*sc*i*'
	if [ "$MOD_CROSS" = 0 ]; then
		for c in "CONFIG_ISM unset" "CONFIG_ISM=m"; do
			ktap_skip "s390x, $c: dkms build, dibs_ism listed and built, its alias" \
				"CROSS=0, no s390x-linux-gnu-gcc or no s390x headers in build/cache (make check fetches them)"
		done
	else
		s390x_kver=${s390x_hdr##*/linux-headers-}
		say "s390x headers: $s390x_hdr"
		ki=$WORK/x/k-ism/linux-headers-$s390x_kver
		mkdir -p "$ki"
		cp -a "$s390x_hdr/." "$ki/"
		for l in scripts tools; do
			[ -L "$s390x_hdr/$l" ] && ln -sfn "$(readlink -f "$s390x_hdr/$l")" "$ki/$l"
		done
		sed -i 's/^# CONFIG_ISM is not set$//' "$ki/.config"
		echo CONFIG_ISM=m >> "$ki/.config"
		echo CONFIG_ISM=m >> "$ki/include/config/auto.conf"
		echo '#define CONFIG_ISM_MODULE 1' >> "$ki/include/generated/autoconf.h"
		for c in unset m; do
			case $c in
			unset) kd=$s390x_hdr name="CONFIG_ISM unset (Debian)" ;;
			m) kd=$ki name="CONFIG_ISM=m" ;;
			esac
			idk=$WORK/x/ism-dkms-$c
			mkdir -p "$idk/tree" "$idk/src"
			copy_tree "$idk/src/dibs-$VERSION"
			rc=0
			{
				dkms add --dkmstree "$idk/tree" --sourcetree "$idk/src" -m dibs -v "$VERSION" &&
					ARCH=s390 CROSS_COMPILE=s390x-linux-gnu- nice -n 10 dkms build \
						--dkmstree "$idk/tree" --sourcetree "$idk/src" -m dibs -v "$VERSION" \
						-k "$s390x_kver" -a s390x --kernelsourcedir "$kd"
			} > "$LOGS/ism-dkms-$c.log" 2>&1 || rc=$?
			check "s390x, $name: dkms build succeeds (exit 0)" expect_eq "$rc" 0
			built=$(find "$idk/tree" -path '*/module/*.ko*' -printf '%f\n' 2>/dev/null |
				sed 's/\.ko.*//' | sort | tr '\n' ' ') || true
			ilog=$(find "$idk/tree" -name make.log 2>/dev/null | head -n 1) || true
			kbuilt=$(sed -n 's|.*LD \[M\] *.*/\([^/]*\)\.ko$|\1|p' "${ilog:-/dev/null}" | sort | tr '\n' ' ')
			listed=$(eval_dkms_conf "$idk/src/dibs-$VERSION/dkms.conf" s390x "$kd" |
				cut -d' ' -f4- | sed 's/:[^ ]*//g' | tr ' ' '\n' | sort | tr '\n' ' ')
			check "s390x, $name: dkms.conf lists dibs_ism" \
				sh -c "echo ' $listed' | grep -q ' dibs_ism '"
			check "s390x, $name: modules DKMS built = Kbuild built (make.log) = dkms.conf lists" \
				expect_eq "$built|$kbuilt" "$listed|$listed"
			ko=$(find "$idk/tree" -path '*/module/dibs_ism.ko' | head -n 1) || true
			if [ "$c" = unset ]; then
				check "s390x, $name: dibs_ism.ko has the alias $ism_alias" sh -c "
					[ \"\$(modinfo -F alias '${ko:-/dev/null}')\" = '$ism_alias' ] &&
					readelf -p .modinfo '${ko:-/dev/null}' | grep -q -F 'alias=$ism_alias'"
			else
				check "s390x, $name: dibs_ism.ko has no alias" sh -c "
					readelf -h '${ko:-/dev/null}' | grep -q 'IBM S/390' &&
					[ -z \"\$(modinfo -F alias '${ko:-/dev/null}')\" ] &&
					! readelf -p .modinfo '${ko:-/dev/null}' | grep -q 'alias='"
			fi
			rm -rf "$idk"
		done
		rm -rf "$WORK/x/k-ism"
		check "private DKMS trees left the system's alone" dkms_clean_state
	fi
}
