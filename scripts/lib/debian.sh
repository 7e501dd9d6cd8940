# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2016
#
# scripts/lib/debian.sh - which Debian kernel, and which mirror: sourced by
# scripts/vm, scripts/check-packages and scripts/check-install.
#
# Debian moves its kernel ABIs (bookworm's 6.1 went from ABI 56 to 57, and
# the old ABI's packages left the archive), so no script names one: every kernel comes from what scripts/setup installed or from what apt
# offers now, the newest of its series.  scripts/check-pins fails make check
# when a script or build file pins one.

# dibs_installed_kver SERIES ARCH: the newest kernel release of SERIES
# (6.1) for ARCH (amd64) whose headers are installed in /usr/src (by
# `apt-get install linux-headers-amd64`), e.g. 6.1.0-N-amd64.  Empty if
# there is none.
dibs_installed_kver() {
	local d
	d=$(find /usr/src -maxdepth 1 -name "linux-headers-$1.*-$2" 2> /dev/null | sort -V | tail -n 1)
	[ -n "$d" ] && echo "${d#/usr/src/linux-headers-}"
	return 0
}

# dibs_apt_kver SERIES ARCH: the newest kernel release of SERIES for ARCH
# that apt offers (linux-image-<release> or linux-image-<release>-unsigned),
# e.g. 6.12.N+deb12-amd64.  Empty if apt knows none (apt-get update?).
dibs_apt_kver() {
	local series=${1//./\\.} arch=$2
	apt-cache pkgnames "linux-image-$1." 2> /dev/null |
		sed -n -E "s/^linux-image-(${series}\\.[0-9]+[^ ]*-${arch})(-unsigned)?\$/\\1/p" |
		grep -v -E -- '-(rt|cloud|dbg)-' | sort -V -u | tail -n 1
	return 0
}

# dibs_mirror SUITE: the archive URI the host's apt uses for SUITE
# (bookworm, bookworm-backports, bookworm-security, ...), so that a site's
# own mirror or proxy keeps working.  Falls back on deb.debian.org.
dibs_mirror() {
	local uri
	uri=$(apt-get indextargets --no-release-info --format '$(RELEASE) $(REPO_URI)' 2> /dev/null |
		awk -v s="$1" '$1 == s { print $2; exit }')
	if [ -z "$uri" ]; then
		case $1 in
		*-security) uri=http://deb.debian.org/debian-security/ ;;
		*) uri=http://deb.debian.org/debian/ ;;
		esac
	fi
	echo "${uri%/}"
}

# dibs_private_apt DIR SUITE...: a private apt configuration in DIR
# (DIR/apt.conf, named by DIBS_APT_CONFIG: run apt with
# APT_CONFIG=$DIBS_APT_CONFIG) whose only sources are SUITE... (bullseye,
# bullseye-security: Debian 11, which the host's apt does not know), with
# its own lists, caches and an empty dpkg status, so that the host's apt
# stays untouched.  The URIs are the mirrors the host uses for bookworm
# and bookworm-security (dibs_mirror).  The lists are fetched when missing
# or older than a day; if that fails with older lists present, those are
# used.  Returns 1 if there are no lists.
dibs_private_apt() {
	local dir=$1 suite uri src fd rc=0
	shift
	mkdir -p "$dir/sources.list.d" "$dir/preferences.d" "$dir/apt.conf.d" \
		"$dir/lists/partial" "$dir/cache/archives/partial"
	# one at a time (flavours and work trees share the cache)
	exec {fd}> "$dir.lock"
	flock "$fd"
	: >> "$dir/status"
	src=$dir/sources.list.d/dibs.sources
	: > "$src.tmp"
	for suite in "$@"; do
		case $suite in
		*-security) uri=$(dibs_mirror bookworm-security) ;;
		*) uri=$(dibs_mirror bookworm) ;;
		esac
		printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n\n' \
			"$uri" "$suite" /usr/share/keyrings/debian-archive-keyring.gpg >> "$src.tmp"
	done
	if cmp -s "$src.tmp" "$src"; then
		rm -f "$src.tmp"
	else
		mv "$src.tmp" "$src"
		rm -f "$dir/lists/stamp"
	fi
	cat > "$dir/apt.conf" <<-EOF
		Dir::State::lists "$dir/lists";
		Dir::State::status "$dir/status";
		Dir::Cache "$dir/cache";
		Dir::Etc::SourceList "/dev/null";
		Dir::Etc::SourceParts "$dir/sources.list.d";
		Dir::Etc::Preferences "/dev/null";
		Dir::Etc::PreferencesParts "$dir/preferences.d";
		Dir::Etc::Parts "$dir/apt.conf.d";
		Acquire::Languages "none";
	EOF
	DIBS_APT_CONFIG=$dir/apt.conf
	if [ -z "$(find "$dir/lists/stamp" -mmin -1440 2> /dev/null)" ]; then
		if APT_CONFIG=$DIBS_APT_CONFIG apt-get -q update > "$dir/update.log" 2>&1; then
			touch "$dir/lists/stamp"
		else
			echo "apt-get update for $* failed (see $dir/update.log)" >&2
		fi
	fi
	[ -n "$(find "$dir/lists" -maxdepth 1 -name '*_Packages*' -print -quit)" ] || rc=1
	exec {fd}>&-
	return "$rc"
}
