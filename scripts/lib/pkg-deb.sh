# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# scripts/lib/pkg-deb.sh - the Debian packages' step of
# scripts/check-packages (sourced by it): dpkg-buildpackage -b, the three
# .debs (contents, dependencies, what their programs and man pages do),
# lintian.
#
# Sets DEB_DKMS and DEB_CTL for the DKMS steps; server_pkg_checks serves
# scripts/lib/pkg-rpm.sh too.

# A scratch repository of the sources: what the build leaves behind must be
# what .gitignore ignores.
git_q() {
	git -C "$WORK/deb/dibs-$VERSION" -c user.name=check-packages \
		-c user.email=check-packages@invalid -c init.defaultBranch=main "$@" > /dev/null
}

deb_has() {
	local deb=$1 list missing="" p
	shift
	list=$(dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's|^\./|/|')
	for p in "$@"; do
		echo "$list" | grep -qx -E "$p" || missing+=" $p"
	done
	[ -z "$missing" ] || { echo "missing in $(basename "$deb"):$missing"; return 1; }
}

deb_field() {
	dpkg-deb -f "$1" "$2"
}

# server_pkg_checks KIND DIR: the unpacked dibs-ivshmem-server package
# (deb or rpm) in DIR: the binary runs, the man page renders, the unit
# verifies (with the binary of DIR).
server_pkg_checks() {
	local kind=$1 dir=$2 bin unit u
	bin=$(find "$dir/usr" -path '*bin/dibs-ivshmem-server' -type f -perm -u+x | head -n 1) || true
	check "dibs-ivshmem-server ($kind): -V prints $VERSION" \
		sh -c "'${bin:-/nonexistent}' -V 2>&1 | grep -q -w -F '$VERSION'"
	check "dibs-ivshmem-server.8 ($kind) renders without warnings" \
		fail_if_output sh -c "LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l \$(find '$dir/usr/share/man/man8' -name 'dibs-ivshmem-server.8*' | head -n 1) 2>&1 > /dev/null"
	unit=$(find "$dir" -name 'dibs-ivshmem-server@.service' | head -n 1) || true
	if ! command -v systemd-analyze > /dev/null; then
		ktap_skip "dibs-ivshmem-server@.service ($kind): systemd-analyze verify" "no systemd-analyze"
		return
	fi
	u=$WORK/x/unit-$kind
	mkdir -p "$u"
	# The unit as installed, its ExecStart pointed at the unpacked binary.
	[ -z "$unit" ] || sed "s|^ExecStart=[^ ]*|ExecStart=$bin|" "$unit" > "$u/dibs-ivshmem-server@.service"
	ln -sf dibs-ivshmem-server@.service "$u/dibs-ivshmem-server@r1.service"
	check "dibs-ivshmem-server@.service ($kind): in the package, systemd-analyze verify clean" \
		sh -c "[ -n '$unit' ] && grep -q '^ExecStart=/usr/s\?bin/dibs-ivshmem-server ' '$unit' &&
			out=\$(systemd-analyze verify --man=no '$u/dibs-ivshmem-server@r1.service' 2>&1) &&
			[ -z \"\$out\" ] || { echo \"\$out\"; false; }"
}

# pkg_deb: the Debian packages, built from $SRC
pkg_deb() {
	mkdir -p "$WORK/deb"
	cp -a "$SRC" "$WORK/deb/dibs-$VERSION"
	git_q init -q && git_q add -A && git_q commit -q -m "dibs $VERSION"
	DEB_DKMS=$WORK/deb/dibs-dkms_${VERSION}_all.deb
	DEB_CTL=$WORK/deb/dibsctl_${VERSION}_${ARCH}.deb
	if (cd "$WORK/deb/dibs-$VERSION" && nice -n 10 dpkg-buildpackage -us -uc -b) \
		> "$LOGS/dpkg-buildpackage.log" 2>&1; then
		ktap_pass "dpkg-buildpackage -us -uc -b"
	else
		tail -n 30 "$LOGS/dpkg-buildpackage.log" | sed 's/^/#   /'
		ktap_fail "dpkg-buildpackage -us -uc -b" "log: $LOGS/dpkg-buildpackage.log"
	fi
	check "dibs-dkms_${VERSION}_all.deb and dibsctl_${VERSION}_$ARCH.deb exist" \
		test -s "$DEB_DKMS" -a -s "$DEB_CTL"
	check ".gitignore covers what dpkg-buildpackage leaves (git status --porcelain)" \
		fail_if_output git -C "$WORK/deb/dibs-$VERSION" status --porcelain

	if [ -s "$DEB_DKMS" ]; then
		d=/usr/src/dibs-$VERSION
		check "dibs-dkms: DKMS source tree in $d" deb_has "$DEB_DKMS" \
			"$d/dkms.conf" "$d/Kbuild" "$d/VERSION" "$d/include/linux/dibs.h" \
			"$d/include/compat/Kbuild.probe" "$d/dibs_core/Kbuild" "$d/dibs_lo/Kbuild"
		check "dibs-dkms: no build products, nothing outside $d and its docs" \
			fail_if_output sh -c "dpkg-deb -c '$DEB_DKMS' | awk '{print \$NF}' |
				grep -v -x -E '\./(usr/|usr/src/|usr/share/|usr/share/doc/)?' |
				grep -v -E '^\./(usr/src/dibs-$VERSION|usr/share/doc/dibs-dkms)/' ;
				dpkg-deb -c '$DEB_DKMS' | grep -E '\.(o|ko|cmd|mod|mod\.c)\$'"
		check "dibs-dkms: Architecture all, Depends on dkms" \
			expect_eq "$(deb_field "$DEB_DKMS" Architecture) $(deb_field "$DEB_DKMS" Depends | grep -o -w dkms | head -n 1)" "all dkms"
		mkdir -p "$WORK/x/deb-dkms"
		dpkg-deb -x "$DEB_DKMS" "$WORK/x/deb-dkms" || true
		dpkg-deb -e "$DEB_DKMS" "$WORK/x/deb-dkms/DEBIAN" || true
		check "dibs-dkms: installed dkms.conf has PACKAGE_VERSION=\"$VERSION\"" \
			grep -qx "PACKAGE_VERSION=\"$VERSION\"" "$WORK/x/deb-dkms/$d/dkms.conf"
		check "dibs-dkms: postinst/prerm run DKMS for dibs $VERSION" \
			grep -q "DKMS_VERSION=$VERSION" "$WORK/x/deb-dkms/DEBIAN/postinst" "$WORK/x/deb-dkms/DEBIAN/prerm"
	fi
	if [ -s "$DEB_CTL" ]; then
		check "dibsctl: binary, man page, bash completion, /usr/share/ynl/specs/dibs.yaml, dibs-smcrun" \
			deb_has "$DEB_CTL" '/usr/s?bin/dibsctl' /usr/share/man/man8/dibsctl.8.gz \
			/usr/share/bash-completion/completions/dibsctl /usr/share/ynl/specs/dibs.yaml \
			/usr/bin/dibs-smcrun /usr/share/man/man1/dibs-smcrun.1.gz
		check "dibsctl: Depends on libnl-genl-3-200" \
			sh -c "dpkg-deb -f '$DEB_CTL' Depends | grep -q -w libnl-genl-3-200"
		mkdir -p "$WORK/x/deb-ctl"
		dpkg-deb -x "$DEB_CTL" "$WORK/x/deb-ctl" || true
		ctl=$(find "$WORK/x/deb-ctl/usr" -path '*bin/dibsctl' -type f -perm -u+x | head -n 1) || true
		check "dibsctl -V of the package prints $VERSION" \
			sh -c "out=\$('$ctl' -V 2>&1); echo \"\$out\"; echo \"\$out\" | grep -q -w -F '$VERSION'"
		check "dibsctl.8 renders without warnings" \
			fail_if_output sh -c "LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l '$WORK/x/deb-ctl/usr/share/man/man8/dibsctl.8.gz' 2>&1 > /dev/null"
		check "dibsctl: dibs-smcrun preloads a library the package ships" \
			sh -c "lib=\$(grep -o '/usr/lib[^}]*/dibs-smc-preload\.so' '$WORK/x/deb-ctl/usr/bin/dibs-smcrun') &&
				echo \"preload: \$lib\" && test -f '$WORK/x/deb-ctl'\"\$lib\""
	fi
	DEB_SRV=$WORK/deb/dibs-ivshmem-server_${VERSION}_${ARCH}.deb
	if [ -s "$DEB_SRV" ]; then
		check "dibs-ivshmem-server: binary, man page, systemd template unit, example configuration" \
			deb_has "$DEB_SRV" '/usr/s?bin/dibs-ivshmem-server' /usr/share/man/man8/dibs-ivshmem-server.8.gz \
			'/lib/systemd/system/dibs-ivshmem-server@.service' \
			/usr/share/doc/dibs-ivshmem-server/ivshmem-example.conf
		mkdir -p "$WORK/x/deb-srv"
		dpkg-deb -x "$DEB_SRV" "$WORK/x/deb-srv" || true
		server_pkg_checks deb "$WORK/x/deb-srv"
	else
		ktap_fail "dibs-ivshmem-server_${VERSION}_$ARCH.deb exists"
	fi
	changes=$WORK/deb/dibs_${VERSION}_${ARCH}.changes
	if [ -s "$changes" ]; then
		if lintian --allow-root --fail-on error,warning "$changes" > "$LOGS/lintian.log" 2>&1; then
			ktap_pass "lintian (errors and warnings) clean"
		else
			sed 's/^/#   /' "$LOGS/lintian.log"
			ktap_fail "lintian (errors and warnings) clean"
		fi
		grep -E '^[EWIP]: ' "$LOGS/lintian.log" | sed 's/^/# lintian: /' || true
	else
		ktap_fail "lintian (errors and warnings) clean" "no .changes"
	fi
}
