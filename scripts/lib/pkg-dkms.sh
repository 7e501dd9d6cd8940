# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# scripts/lib/pkg-dkms.sh - the steps of scripts/check-packages that
# install (sourced by it): make install into a DESTDIR, dpkg -i dibs-dkms
# and what DKMS built, dpkg -P, the guest's selftests with the DKMS-built
# modules, dkms add from a source tree, a kernel with CONFIG_DIBS=m.
#
# Uses DEB_DKMS of scripts/lib/pkg-deb.sh and SRC of pkg-source.sh.

# cmp_mods: the modules in the guest's initramfs are the DKMS-built ones
cmp_mods() {
	local ko rc=0
	for ko in "$WORK"/dkms-modules/*.ko; do
		cmp "$ko" "$WORK/x/initrd/lib/modules/$KVER/updates/dibs/$(basename "$ko")" || rc=1
	done
	return $rc
}

# dk ARGS...: dkms on the private tree of pkg_own_dibs
dk() {
	nice -n 10 dkms "$@" --dkmstree "$dkt/tree" --sourcetree "$dkt/src" -m dibs -v "$VERSION"
}

# pkg_make_install: `make install DESTDIR=` of a copy of $SRC
pkg_make_install() {
	# README: `make install` without packages.  In a copy of the sources, into
	# a DESTDIR; the modules must go there too, never into the system's
	# /lib/modules (removed again if they did).
	inst=$WORK/x/inst
	host_mods=/lib/modules/$KVER/updates/dibs
	had_host_mods=0
	[ ! -e "$host_mods" ] || had_host_mods=1
	cp -a "$SRC" "$WORK/x/inst-src"
	nice -n 10 make -C "$WORK/x/inst-src" -j2 install DESTDIR="$inst" KVER="$KVER" KDIR="$KDIR" \
		> "$LOGS/make-install.log" 2>&1 || { tail -n 20 "$LOGS/make-install.log" | sed 's/^/#   /'; }
	check "make install DESTDIR=: dibsctl, man page, completion, ynl spec in /usr/local" \
		sh -c "cd '$inst' && ls usr/local/sbin/dibsctl usr/local/share/man/man8/dibsctl.8 \
			usr/local/share/bash-completion/completions/dibsctl usr/local/share/ynl/specs/dibs.yaml"
	check "make install DESTDIR=: nothing in /usr outside /usr/local" \
		fail_if_output find "$inst/usr" -path "$inst/usr/local" -prune -o -type f -print
	check "make install DESTDIR=: dibs_core, dibs_lo in DESTDIR/lib/modules/$KVER/updates/dibs" \
		expect_eq "$(find "$inst/lib/modules/$KVER/updates/dibs" -name 'dibs_core.ko' -o -name 'dibs_lo.ko' 2> /dev/null |
			sed 's|.*/||' | sort | tr '\n' ' ')" "dibs_core.ko dibs_lo.ko "
	check "make install DESTDIR=: nothing in the system's $host_mods" \
		sh -c "[ $had_host_mods = 1 ] || [ ! -e '$host_mods' ]"
	if [ "$had_host_mods" = 0 ] && [ -e "$host_mods" ]; then
		rm -rf "$host_mods"
		depmod -a "$KVER" 2> /dev/null || true
	fi
	rm -rf "$WORK/x/inst-src" "$inst"
}

# pkg_dkms_install: dpkg -i dibs-dkms; what DKMS built and installed
pkg_dkms_install() {
	MODDIR=/lib/modules/$KVER/updates/dkms
	if [ -s "$DEB_DKMS" ]; then
		INSTALLED=1
		if nice -n 10 dpkg -i "$DEB_DKMS" > "$LOGS/dpkg-i.log" 2>&1; then
			ktap_pass "dpkg -i dibs-dkms"
		else
			sed 's/^/#   /' "$LOGS/dpkg-i.log"
			ktap_fail "dpkg -i dibs-dkms"
		fi
		sed 's/^/# dpkg -i: /' "$LOGS/dpkg-i.log" | grep -E 'Building|Installing|Error|error|Skipped|Done' || true
		status=$(dkms status -m dibs -v "$VERSION" -k "$KVER" 2>&1 || true)
		if ! echo "$status" | grep -q ': installed'; then
			# The postinst builds for the running kernel and the newest
			# installed one; on a machine where that is not $KVER, do it here.
			say "postinst did not install for $KVER ($status); dkms install -k $KVER"
			nice -n 10 dkms install -m dibs -v "$VERSION" -k "$KVER" > "$LOGS/dkms-install.log" 2>&1 || true
			status=$(dkms status -m dibs -v "$VERSION" -k "$KVER" 2>&1 || true)
		fi
		say "dkms status: $status"
		check "dkms status: dibs/$VERSION, $KVER: installed" \
			sh -c "echo '$status' | grep -q '^dibs/$VERSION, $KVER, [^:]*: installed'"
		dkms_mods=$(find "$MODDIR" -maxdepth 1 -name 'dibs_*.ko*' -printf '%f\n' 2>/dev/null |
			sed 's/\.ko.*//' | sort | tr '\n' ' ') || true
		check "modules in $MODDIR: dibs_core dibs_lo and what dkms.conf lists" \
			expect_eq "$dkms_mods" "$(eval_dkms_conf "/usr/src/dibs-$VERSION/dkms.conf" "$(uname -m)" "$KDIR" |
				cut -d' ' -f4- | sed 's/:[^ ]*//g' | tr ' ' '\n' | sort | tr '\n' ' ')"
		check "dibs_core and dibs_lo are among them" \
			sh -c "test -e '$MODDIR/dibs_core.ko' && test -e '$MODDIR/dibs_lo.ko'"
		# Everything Kbuild built is installed, and nothing else: dkms.conf and
		# Kbuild agree for this kernel.
		mklog=$(find /var/lib/dkms/dibs/"$VERSION"/"$KVER" -path '*/log/make.log' 2>/dev/null | head -n 1 || true)
		kbuild_mods=$(sed -n 's|.*LD \[M\] *.*/\([^/]*\)\.ko$|\1|p' "${mklog:-/dev/null}" | sort | tr '\n' ' ')
		check "modules Kbuild built (make.log) = modules DKMS installed" \
			expect_eq "$kbuild_mods" "$dkms_mods"
		for ko in "$MODDIR"/*.ko; do
			[ -e "$ko" ] || continue
			m=$(basename "$ko" .ko)
			check "modinfo $m: version $VERSION, vermagic $KVER" expect_eq \
				"$(modinfo -F version "$ko") $(modinfo -F vermagic "$ko" | cut -d' ' -f1)" "$VERSION $KVER"
		done
		mkdir -p "$WORK/dkms-modules"
		cp "$MODDIR"/*.ko "$WORK/dkms-modules/" 2>/dev/null || true
	fi
}

# pkg_dkms_remove: dpkg -P dibs-dkms leaves no trace
pkg_dkms_remove() {
	if [ "$INSTALLED" = 1 ]; then
		if dpkg -P dibs-dkms > "$LOGS/dpkg-P.log" 2>&1; then
			ktap_pass "dpkg -P dibs-dkms"
			INSTALLED=0
		else
			sed 's/^/#   /' "$LOGS/dpkg-P.log"
			ktap_fail "dpkg -P dibs-dkms"
		fi
		check "after removal: no dibs in dkms status, /var/lib/dkms, /usr/src, /lib/modules, modules.dep" \
			dkms_clean_state
	else
		ktap_skip "dpkg -P dibs-dkms" "not installed"
	fi
}

# pkg_guest: scripts/vm check with the modules DKMS built
pkg_guest() {
	if [ "$VM" = 0 ]; then
		ktap_skip "selftests in the 6.1 guest with the DKMS-built modules" "VM=0"
	elif ! ls "$WORK"/dkms-modules/*.ko > /dev/null 2>&1; then
		ktap_fail "selftests in the 6.1 guest with the DKMS-built modules" "DKMS built no modules"
	else
		if DIBS_PREBUILT_MODULES=$WORK/dkms-modules FLAVOUR=6.1 HARNESS=0 \
			nice -n 10 "$SRC/scripts/vm" check > "$LOGS/vm-check.log" 2>&1; then
			ktap_pass "selftests in the 6.1 guest with the DKMS-built modules"
		else
			grep -E '^(not ok|# ----|#   )' "$LOGS/vm-check.log" | head -n 40 | sed 's/^/#   /'
			ktap_fail "selftests in the 6.1 guest with the DKMS-built modules" "log: $LOGS/vm-check.log"
		fi
		grep -E '^# (Totals|totals|summary|SUMMARY|[0-9]+ passed)|passed' "$LOGS/vm-check.log" |
			tail -n 3 | sed 's/^/# vm: /' || true
		# The guest must have had exactly the DKMS-built modules.
		initrd=$SRC/build/6.1/initrd.gz
		mkdir -p "$WORK/x/initrd"
		(cd "$WORK/x/initrd" && zcat "$initrd" | cpio -idm --quiet 2>/dev/null) || true
		check "the guest's dibs_core/dibs_lo are the DKMS-built ones" cmp_mods
	fi
}

# pkg_dkms_add: dkms add of a source tree, without the packages
pkg_dkms_add() {
	# Documentation/packaging.rst: users of DKMS without the packages.
	copy_tree "$WORK/dkms-add"
	# shellcheck disable=SC2034  # cleanup (pkg-common.sh) reads it
	DKMS_ADDED=1
	if dkms add "$WORK/dkms-add" > "$LOGS/dkms-add.log" 2>&1 &&
		nice -n 10 dkms build -m dibs -v "$VERSION" -k "$KVER" >> "$LOGS/dkms-add.log" 2>&1; then
		ktap_pass "dkms add <tree> && dkms build dibs/$VERSION -k $KVER"
	else
		tail -n 20 "$LOGS/dkms-add.log" | sed 's/^/#   /'
		ktap_fail "dkms add <tree> && dkms build dibs/$VERSION -k $KVER"
	fi
	check "dkms status: dibs/$VERSION, $KVER: built" \
		sh -c "dkms status -m dibs -v '$VERSION' -k '$KVER' | grep -q ': built'"
	dkms remove -m dibs -v "$VERSION" --all > /dev/null 2>&1 || true
	rm -rf "/usr/src/dibs-$VERSION"
	# shellcheck disable=SC2034  # cleanup (pkg-common.sh) reads it
	DKMS_ADDED=
	check "after dkms remove: clean again" dkms_clean_state
}

# pkg_own_dibs: a kernel with its own dibs layer
pkg_own_dibs() {
	# Documentation/packaging.rst: on a kernel built with mainline's dibs the
	# suite builds nothing (Kbuild) and DKMS skips it (BUILD_EXCLUSIVE_CONFIG,
	# exit 77).  The kernel: a copy of $KVER's headers with CONFIG_DIBS=m.
	kd=$WORK/x/k-dibs/linux-headers-$KVER
	mkdir -p "$kd"
	cp -a "$(readlink -f "$KDIR")/." "$kd/"
	for l in scripts tools; do
		[ -L "$KDIR/$l" ] && ln -sfn "$(readlink -f "$KDIR/$l")" "$kd/$l"
	done
	echo CONFIG_DIBS=m >> "$kd/.config"
	echo CONFIG_DIBS=m >> "$kd/include/config/auto.conf"
	copy_tree "$WORK/x/k-dibs-src"
	check "CONFIG_DIBS=m: make builds no module and says why" sh -c "
		make -C '$kd' M='$WORK/x/k-dibs-src' modules DIBS_TESTS=1 > '$LOGS/k-dibs-make.log' 2>&1 &&
		grep -q 'dibs: building nothing: this kernel has its own dibs layer' '$LOGS/k-dibs-make.log' &&
		[ -z \"\$(find '$WORK/x/k-dibs-src' -name '*.ko')\" ]"
	dkt=$WORK/x/k-dibs-dkms
	mkdir -p "$dkt/tree" "$dkt/src"
	copy_tree "$dkt/src/dibs-$VERSION"
	dk add > "$LOGS/k-dibs-dkms.log" 2>&1 || true
	rc=0
	dk build -k "$KVER" --kernelsourcedir "$kd" >> "$LOGS/k-dibs-dkms.log" 2>&1 || rc=$?
	check "CONFIG_DIBS=m: dkms build skips it (exit 77, BUILD_EXCLUSIVE)" expect_eq "$rc" 77
	rc=0
	dk build -k "$KVER" >> "$LOGS/k-dibs-dkms.log" 2>&1 || rc=$?
	check "the real $KVER headers: the same dkms tree builds (exit 0)" expect_eq "$rc" 0
	rm -rf "$WORK/x/k-dibs" "$WORK/x/k-dibs-src" "$dkt"
	check "private DKMS trees left the system's alone" dkms_clean_state
}
