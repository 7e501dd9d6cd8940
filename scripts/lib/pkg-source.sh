# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# scripts/lib/pkg-source.sh - the first step of scripts/check-packages
# (sourced by it): the source tarball (make dist) that every package is
# built from, the versions, dkms.conf's module lists, debian/copyright.
#
# Sets DIST and SRC (the unpacked tarball) for the other steps.

# tarball_files TARBALL: its files, without the top directory
tarball_files() {
	tar -tzf "$1" | grep -v '/$' | sed 's|^[^/]*/||' | sort
}

# mods ARCH KERNEL: the modules dkms.conf of the fake tree lists for ARCH
# and the fake kernel build dir KERNEL
mods() {
	eval_dkms_conf "$fake/dkms.conf" "$1" "$fake/$2" | cut -d' ' -f4- | sed 's/:[^ ]*//g'
}

# debian/copyright (DEP-5): the paragraph that applies to each file (the
# last one whose Files globs match) names the license of the file's SPDX
# line, in DEP-5 spelling.
copyright_covers() {
	python3 - "$1" <<'PY'
import fnmatch, os, re, sys
top = sys.argv[1]
paras, cur, key = [], {}, None
for line in open(os.path.join(top, 'debian/copyright')):
    line = line.rstrip('\n')
    if not line.strip():
        if cur:
            paras.append(cur)
        cur, key = {}, None
    elif line[0] in ' \t':
        if key:
            cur[key] += '\n' + line.strip()
    else:
        key, _, val = line.partition(':')
        cur[key] = val.strip()
if cur:
    paras.append(cur)
files = [p for p in paras if 'Files' in p]
def dep5(spdx):
    e = spdx.strip()
    while e.startswith('(') and e.endswith(')'):
        e = e[1:-1].strip()
    e = re.sub(r'\(([^()]*)\)', r'\1', e)
    e = re.sub(r'\bGPL-2\.0(?![-+\w])', 'GPL-2.0-only', e)
    e = re.sub(r'\s+WITH\s+(\S+)', r' with \1 exception', e)
    e = re.sub(r'\s+OR\s+', ' or ', e)
    e = re.sub(r'\s+AND\s+', ' and ', e)
    return e.lower()
bad = 0
for d, _, names in os.walk(top):
    if '/.git' in d + '/':
        continue
    for n in names:
        path = os.path.relpath(os.path.join(d, n), top)
        with open(os.path.join(top, path), errors='replace') as f:
            head = f.read(2000)
        m = re.search(r'SPDX-License-Identifier:\s*(.*?)\s*(?:\*/|-->)?\s*$', head, re.M)
        if not m:
            continue
        para = None
        for p in files:
            if any(fnmatch.fnmatchcase(path, g) for g in p['Files'].split()):
                para = p
        if para is None:
            print(f'{path}: no Files paragraph')
            bad = 1
            continue
        lic = para['License'].split('\n')[0].strip().lower()
        if lic != dep5(m.group(1)):
            print(f'{path}: SPDX {m.group(1)!r}, debian/copyright {lic!r}')
            bad = 1
sys.exit(bad)
PY
}

# pkg_source: make dist, versions, dkms.conf, debian/copyright
pkg_source() {
	# The tree every package is built from: the source tarball, as a
	# distribution packager gets it (Documentation/packaging.rst).
	DIST=$WORK/dist/dibs-$VERSION.tar.gz
	SRC=$WORK/src
	mkdir -p "$SRC"
	if "$ROOT/scripts/make-dist" "$WORK/dist" > "$LOGS/make-dist.log" 2>&1 &&
		tar -xzf "$DIST" -C "$SRC" --strip-components=1; then
		ktap_pass "make dist: dibs-$VERSION.tar.gz"
	else
		sed 's/^/#   /' "$LOGS/make-dist.log"
		ktap_fail "make dist: dibs-$VERSION.tar.gz"
		copy_tree "$SRC"
	fi
	mkdir -p "$WORK/x"
	if git -c safe.directory="$ROOT" -C "$ROOT" rev-parse --show-toplevel 2> /dev/null | grep -qxF "$ROOT"; then
		git -c safe.directory="$ROOT" -C "$ROOT" ls-files --cached |
			while IFS= read -r f; do [ ! -e "$ROOT/$f" ] || echo "$f"; done |
			{ cat; echo dibs.spec; } | sort > "$WORK/x/tracked"
		check "make dist: the tracked files (work tree) and dibs.spec, nothing else" \
			diff -u "$WORK/x/tracked" <(tarball_files "$DIST")
	else
		ktap_skip "make dist: the tracked files (work tree) and dibs.spec, nothing else" "$ROOT is not a git checkout"
	fi

	check "changelog version = VERSION ($VERSION)" \
		expect_eq "$(dpkg-parsechangelog -l "$SRC/debian/changelog" -S Version)" "$VERSION"
	check "RPM spec version = VERSION" \
		expect_eq "$(sed -n "s/^Version:[[:space:]]*//p" "$SRC/rpm/dibs.spec.in" | sed "s/@VERSION@/$VERSION/")" "$VERSION"
	check "dkms.conf of the tree: dibs $VERSION, dibs_core and dibs_lo for $KVER" \
		expect_eq "$(eval_dkms_conf "$SRC/dkms.conf" "$(uname -m)" "$KDIR" | cut -d' ' -f1-5)" \
		"dibs $VERSION yes dibs_core:dibs_core/:/updates/dkms dibs_lo:dibs_lo/:/updates/dkms"

	# dkms.conf on a tree where dibs_ism and dibs_smcd exist: each appears only
	# where it applies.
	fake=$WORK/x/fake
	mkdir -p "$fake"/{dibs_core,dibs_lo,dibs_ism,dibs_smcd} "$fake/k-smcd" "$fake/k-nosmcd"
	cp "$SRC/dkms.conf" "$SRC/VERSION" "$fake/"
	mkdir -p "$fake/include/compat"
	cp "$SRC/include/compat/Kbuild.probe.sh" "$fake/include/compat/"
	touch "$fake"/{dibs_core,dibs_lo,dibs_ism,dibs_smcd}/Kbuild
	printf 'obj-m += dibs_core/\nobj-m += dibs_lo/\nobj-y += dibs_ism/\nobj-m += dibs_smcd/\n' > "$fake/Kbuild"
	printf '0x1\tsmcd_register_dev\tnet/smc/smc\tEXPORT_SYMBOL_GPL\t\n' > "$fake/k-smcd/Module.symvers"
	printf '0x1\tsmc_hash_sk\tnet/smc/smc\tEXPORT_SYMBOL_GPL\t\n' > "$fake/k-nosmcd/Module.symvers"
	check "dkms.conf: x86_64 without the smcd API: dibs_core dibs_lo" \
		expect_eq "$(mods x86_64 k-nosmcd)" "dibs_core dibs_lo"
	check "dkms.conf: x86_64 with the smcd API: + dibs_smcd" \
		expect_eq "$(mods x86_64 k-smcd)" "dibs_core dibs_lo dibs_smcd"
	check "dkms.conf: s390x without the smcd API: + dibs_ism" \
		expect_eq "$(mods s390x k-nosmcd)" "dibs_core dibs_lo dibs_ism"
	check "dkms.conf: s390x with the smcd API: all four" \
		expect_eq "$(mods s390x k-smcd)" "dibs_core dibs_lo dibs_ism dibs_smcd"
	sed -i '/dibs_ism/d' "$fake/Kbuild"
	check "dkms.conf: a module directory Kbuild does not build is not listed" \
		expect_eq "$(mods s390x k-smcd)" "dibs_core dibs_lo dibs_smcd"

	check "debian/copyright names the SPDX license of every file" copyright_covers "$SRC"
}
