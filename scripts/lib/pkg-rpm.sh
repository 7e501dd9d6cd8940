# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# scripts/lib/pkg-rpm.sh - the RPMs' step of scripts/check-packages
# (sourced by it): rpm/build-rpms with a stray dibsctl/dibsctl in the
# tree, the RPMs' files, dependencies, %license and scriptlets, rpmlint,
# rpmbuild -tb with %_sbindir /usr/bin, the netlink spec both dibsctl
# packages install (mainline's ynl-gen-c.py takes it).
#
# Uses server_pkg_checks of scripts/lib/pkg-deb.sh and the unpacked
# dibs-dkms and dibsctl .debs in $WORK/x that pkg_deb leaves.

rpm_has() {
	local r=$1 list missing="" p
	shift
	list=$(rpm -qpl "$r")
	for p in "$@"; do
		echo "$list" | grep -qx -E "$p" || missing+=" $p"
	done
	[ -z "$missing" ] || { echo "missing in $(basename "$r"):$missing"; return 1; }
}

rpm_requires() {
	local r=$1 list missing="" p
	shift
	list=$(rpm -qpR "$r" | sed 's/[[:space:]]*$//')
	for p in "$@"; do
		echo "$list" | grep -qx -E "$p" || missing+=" $p"
	done
	[ -z "$missing" ] || { echo "$(basename "$r") does not require:$missing"; echo "$list"; return 1; }
}

# ynl_gen: mainline's ynl-gen-c.py on the spec in the tree $WORK/x/ynl
ynl_gen() {
	local t=$WORK/x/ynl
	(
		cd "$t" &&
		python3 tools/net/ynl/ynl-gen-c.py --mode uapi --header \
			--spec Documentation/netlink/specs/dibs.yaml -o "$t/uapi.h" &&
		python3 tools/net/ynl/ynl-gen-c.py --mode user --header \
			--spec Documentation/netlink/specs/dibs.yaml -o "$t/dibs-user.h" &&
		python3 tools/net/ynl/ynl-gen-c.py --mode user --source \
			--spec Documentation/netlink/specs/dibs.yaml -o "$t/dibs-user.c"
	)
}

# pkg_rpm: the RPMs, built from $SRC and from the tarball $DIST
pkg_rpm() {
	RPMS=$WORK/rpm
	# A dibsctl left in the tree by another build (here: a script) must not get
	# into the tarball or the RPM.
	printf '#!/bin/sh\necho stray dibsctl\n' > "$SRC/dibsctl/dibsctl"
	chmod 755 "$SRC/dibsctl/dibsctl"
	if nice -n 10 "$SRC/rpm/build-rpms" "$RPMS" > "$LOGS/rpmbuild.log" 2>&1; then
		ktap_pass "rpm/build-rpms (rpmbuild -ta)"
	else
		tail -n 30 "$LOGS/rpmbuild.log" | sed 's/^/#   /'
		ktap_fail "rpm/build-rpms (rpmbuild -ta)" "log: $LOGS/rpmbuild.log"
	fi
	rm -f "$SRC/dibsctl/dibsctl"
	RPM_TGZ=$RPMS/SOURCES/dibs-$VERSION.tar.gz
	check "build-rpms' tarball: the files of make dist, no stray dibsctl/dibsctl" \
		diff -u <(tarball_files "$DIST") <(tarball_files "$RPM_TGZ")
	RPM_DKMS=$RPMS/RPMS/noarch/dibs-dkms-$VERSION-1.noarch.rpm
	RPM_CTL=$(find "$RPMS/RPMS" -name "dibsctl-$VERSION-1.*.rpm" 2>/dev/null | head -n 1 || true)
	check "dibs-dkms-$VERSION-1.noarch.rpm, dibsctl-$VERSION-1.<arch>.rpm, dibs-$VERSION-1.src.rpm exist" \
		test -s "$RPM_DKMS" -a -n "$RPM_CTL" -a -s "$RPMS/SRPMS/dibs-$VERSION-1.src.rpm"

	if [ -s "$RPM_DKMS" ]; then
		d=/usr/src/dibs-$VERSION
		check "dibs-dkms rpm: name, version, noarch" expect_eq \
			"$(rpm -qp --qf '%{NAME} %{VERSION} %{ARCH}' "$RPM_DKMS")" "dibs-dkms $VERSION noarch"
		check "dibs-dkms rpm -qpl: the DKMS source tree" rpm_has "$RPM_DKMS" \
			"$d" "$d/dkms.conf" "$d/Kbuild" "$d/VERSION" "$d/include/linux/dibs.h" \
			"$d/dibs_core/Kbuild" "$d/dibs_lo/Kbuild"
		check "dibs-dkms rpm -qpl: nothing else (but license and doc), no build products" \
			fail_if_output sh -c "rpm -qpl '$RPM_DKMS' | grep -v -E '^($d|/usr/share/(licenses|doc)/dibs-dkms)'; rpm -qpl '$RPM_DKMS' | grep -E '\.(o|ko|cmd|mod)\$'"
		check "dibs-dkms rpm -qpR: dkms" rpm_requires "$RPM_DKMS" dkms
		check "dibs-dkms rpm scriptlets: %post dkms add/build/install, %preun dkms remove" \
			sh -c "s=\$(rpm -qp --scripts '$RPM_DKMS'); for w in 'dkms add -m dibs -v $VERSION' 'dkms build -m dibs -v $VERSION' 'dkms install -m dibs -v $VERSION' 'dkms remove -m dibs -v $VERSION -q --all'; do echo \"\$s\" | grep -q -F -e \"\$w\" || { echo \"no '\$w' in:\"; echo \"\$s\"; exit 1; }; done"
		mkdir -p "$WORK/x/rpm-dkms"
		(cd "$WORK/x/rpm-dkms" && rpm2cpio "$RPM_DKMS" | cpio -idm --quiet) || true
		check "dibs-dkms rpm: dkms.conf has PACKAGE_VERSION=\"$VERSION\"" \
			grep -qx "PACKAGE_VERSION=\"$VERSION\"" "$WORK/x/rpm-dkms/$d/dkms.conf"
		check "dibs-dkms rpm and deb ship the same source tree" \
			diff -r "$WORK/x/rpm-dkms/$d" "$WORK/x/deb-dkms/$d"
	fi
	if [ -n "$RPM_CTL" ]; then
		check "dibsctl rpm: version $VERSION, arch $(uname -m)" expect_eq \
			"$(rpm -qp --qf '%{NAME} %{VERSION} %{ARCH}' "$RPM_CTL")" "dibsctl $VERSION $(uname -m)"
		check "dibsctl rpm -qpl: binary, man pages, bash completion, ynl spec, dibs-smcrun and its library" \
			rpm_has "$RPM_CTL" '/usr/s?bin/dibsctl' '/usr/share/man/man8/dibsctl\.8(\.gz|\.xz|\.zst)?' \
			/usr/share/bash-completion/completions/dibsctl /usr/share/ynl/specs/dibs.yaml \
			/usr/bin/dibs-smcrun '/usr/share/man/man1/dibs-smcrun\.1(\.gz|\.xz|\.zst)?' \
			'/usr/lib(64)?/dibs/dibs-smc-preload\.so'
		mkdir -p "$WORK/x/rpm-ctl"
		(cd "$WORK/x/rpm-ctl" && rpm2cpio "$RPM_CTL" | cpio -idm --quiet) || true
		rctl=$(find "$WORK/x/rpm-ctl/usr" -path '*bin/dibsctl' -type f | head -n 1) || true
		check "dibsctl rpm: the dibsctl built from source (ELF, -V prints $VERSION), not the stray one" \
			sh -c "readelf -h '$rctl' > /dev/null && '$rctl' -V 2>&1 | grep -q -w -F '$VERSION'"
		check "dibsctl rpm -qpR: libnl-genl-3, libnl-3, libc" rpm_requires "$RPM_CTL" \
			'libnl-genl-3\.so\.200\(\)\(64bit\)' 'libnl-3\.so\.200\(\)\(64bit\)' 'libc\.so\.6\(\)\(64bit\)'
	fi

	RPM_SRV=$(find "$RPMS/RPMS" -name "dibs-ivshmem-server-$VERSION-1.*.rpm" 2>/dev/null | head -n 1 || true)
	if [ -n "$RPM_SRV" ]; then
		check "dibs-ivshmem-server rpm -qpl: binary, man page, unit in %_unitdir, example configuration" \
			rpm_has "$RPM_SRV" '/usr/s?bin/dibs-ivshmem-server' \
			'/usr/share/man/man8/dibs-ivshmem-server\.8(\.gz|\.xz|\.zst)?' \
			'/usr/lib/systemd/system/dibs-ivshmem-server@\.service' \
			/usr/share/doc/dibs-ivshmem-server/ivshmem-example.conf
		mkdir -p "$WORK/x/rpm-srv"
		(cd "$WORK/x/rpm-srv" && rpm2cpio "$RPM_SRV" | cpio -idm --quiet) || true
		server_pkg_checks rpm "$WORK/x/rpm-srv"
	else
		notok "dibs-ivshmem-server-$VERSION-1.<arch>.rpm exists"
	fi

	for r in "$RPM_DKMS" "$RPM_CTL" "$RPM_SRV"; do
		if [ -z "$r" ] || [ ! -s "$r" ]; then continue; fi
		check "$(basename "$r"): %license COPYING" \
			sh -c "rpm -qpL '$r' | grep -q '/COPYING\$'"
	done

	# rpmlint with rpm/rpmlint.toml (what rpmlint's Fedora configuration sets
	# and Debian's rpmlint lacks) and rpm/dibs.rpmlintrc (the filters, each one
	# justified there): no error and no warning.
	if [ -s "$RPM_DKMS" ] && [ -n "$RPM_CTL" ]; then
		if rpmlint -c "$SRC/rpm/rpmlint.toml" -r "$SRC/rpm/dibs.rpmlintrc" \
			"$RPMS/SRPMS/dibs-$VERSION-1.src.rpm" "$RPM_DKMS" "$RPM_CTL" ${RPM_SRV:+"$RPM_SRV"} "$SRC/dibs.spec" \
			> "$LOGS/rpmlint.log" 2>&1 && grep -q ' 0 errors, 0 warnings' "$LOGS/rpmlint.log"; then
			ktap_pass "rpmlint (SRPM, RPMs, spec: errors and warnings) clean"
		else
			tail -n 40 "$LOGS/rpmlint.log" | sed 's/^/#   /'
			ktap_fail "rpmlint (SRPM, RPMs, spec: errors and warnings) clean" "log: $LOGS/rpmlint.log"
		fi
	else
		ktap_fail "rpmlint (SRPM, RPMs, spec: errors and warnings) clean" "no RPMs"
	fi

	# Fedora >= 42: %_sbindir is /usr/bin.  rpmbuild -tb of the make dist
	# tarball, as a packager runs it.
	nodeps=()
	rpm -q rpm > /dev/null 2>&1 || nodeps=(--nodeps)
	if nice -n 10 rpmbuild --define "_topdir $WORK/rpm-usrbin" --define "_sbindir /usr/bin" \
		"${nodeps[@]}" -tb "$DIST" > "$LOGS/rpmbuild-usrbin.log" 2>&1; then
		ktap_pass "rpmbuild -tb dibs-$VERSION.tar.gz with %_sbindir /usr/bin"
	else
		tail -n 20 "$LOGS/rpmbuild-usrbin.log" | sed 's/^/#   /'
		ktap_fail "rpmbuild -tb dibs-$VERSION.tar.gz with %_sbindir /usr/bin" "log: $LOGS/rpmbuild-usrbin.log"
	fi
	r=$(find "$WORK/rpm-usrbin/RPMS" -name "dibsctl-$VERSION-1.*.rpm" 2>/dev/null | head -n 1 || true)
	check "%_sbindir /usr/bin: /usr/bin/dibsctl, nothing in /usr/sbin" \
		sh -c "[ -n '$r' ] && rpm -qpl '$r' | grep -qx /usr/bin/dibsctl && ! rpm -qpl '$r' | grep -q '^/usr/sbin'"

	# The netlink spec in both dibsctl packages, where mainline's ynl looks for
	# it, and mainline's ynl-gen-c.py (linux-source-6.12) takes the installed
	# file as it is.
	yd=$WORK/x/deb-ctl/usr/share/ynl/specs/dibs.yaml
	yr=$WORK/x/rpm-ctl/usr/share/ynl/specs/dibs.yaml
	if [ ! -f "$yd" ] || [ ! -f "$yr" ]; then
		ktap_fail "ynl-gen-c.py accepts the installed /usr/share/ynl/specs/dibs.yaml" "not in both packages"
	else
		check "/usr/share/ynl/specs/dibs.yaml: the same in .deb and .rpm as in the tree" \
			sh -c "cmp '$yd' '$SRC/Documentation/netlink/specs/dibs.yaml' && cmp '$yr' '$yd'"
		# shellcheck source=selftests/netlink/ynl_tree.sh
		. "$SRC/selftests/netlink/ynl_tree.sh"
		rm -rf "$WORK/x/ynl"
		if ynl_tree "$WORK/x/ynl" "$yd"; then
			check "ynl-gen-c.py accepts the installed /usr/share/ynl/specs/dibs.yaml" ynl_gen
		else
			ktap_skip "ynl-gen-c.py accepts the installed /usr/share/ynl/specs/dibs.yaml" "$YNL_WHY"
		fi
	fi
}
