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
