#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# uapi_check.sh OUT - on the build host: check that
# Documentation/netlink/specs/dibs.yaml is valid against mainline's genetlink
# schema and that include/uapi/linux/dibs_netlink.h is what mainline's
# ynl-gen-c.py generates from it.  Writes KTAP lines to OUT, which the guest
# test nl_uapi.sh reports (the guests have no python).
#
# Mainline's YNL tools come from linux-source-6.12 (LINUX_SOURCE_TARBALL, or
# an unpacked tree in LINUX_SOURCE_DIR); without them the cases are skipped.
# The header is generated as scripts/ynl-regen generates it; after a spec
# change, run scripts/ynl-regen (uapi_check.sh --regen does the same).

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
HDR=$TOP/include/uapi/linux/dibs_netlink.h
[ "${1:-}" = --regen ] && exec "$TOP/scripts/ynl-regen"
OUT=${1:-/dev/stdout}
case $OUT in /*) ;; *) OUT=$(pwd)/$OUT ;; esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=../lib/ktap.sh
. "$HERE/../lib/ktap.sh"
SPEC_OK="spec is valid against the genetlink schema"
UAPI_OK="UAPI header is generated from the spec"
# The case lines only: nl_uapi.sh, in the guest, prints the plan.
: > "$OUT"

skip() {
	{
		ktap_skip "$SPEC_OK" "$1"
		ktap_skip "$UAPI_OK" "$1"
	} >> "$OUT"
	exit 0
}

. "$HERE/ynl_tree.sh"
ynl_tree "$tmp" || skip "$YNL_WHY"

cd "$tmp" || exit 1
if python3 - > "$tmp/schema.log" 2>&1 <<'PY'
import yaml, jsonschema
schema = yaml.safe_load(open('Documentation/netlink/genetlink.yaml'))
spec = yaml.safe_load(open('Documentation/netlink/specs/dibs.yaml'))
jsonschema.validate(spec, schema)
PY
then
	ktap_pass "$SPEC_OK" >> "$OUT"
else
	{
		ktap_fail "$SPEC_OK"
		tail -5 "$tmp/schema.log" | sed 's/^/# /'
	} >> "$OUT"
fi

if ! "$TOP/scripts/ynl-regen" --out "$tmp/gen" > "$tmp/gen.log" 2>&1; then
	{
		ktap_fail "$UAPI_OK"
		tail -5 "$tmp/gen.log" | sed 's/^/# /'
	} >> "$OUT"
	exit 0
fi
cp "$tmp/gen/include/uapi/linux/dibs_netlink.h" "$tmp/want.h"
if cmp -s "$tmp/want.h" "$HDR"; then
	ktap_pass "$UAPI_OK" >> "$OUT"
else
	{
		ktap_fail "$UAPI_OK"
		diff -u "$tmp/want.h" "$HDR" | head -40 | sed 's/^/# /'
	} >> "$OUT"
fi
exit 0
