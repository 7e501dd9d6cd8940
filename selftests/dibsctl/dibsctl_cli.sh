#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# dibsctl_cli.sh - dibsctl's command line: version, usage errors and exit
# codes, abbreviations, help, the message when dibs_core is missing, and
# kernel error messages (extack) passed on to the user.

cd "$(dirname "$0")" || exit 1
. ../lib/ktap.sh
. ./dibsctl_lib.sh

dctl_init
ktap_plan 31

want_version="dibsctl $(cat ./VERSION)"
if [ "$(dibsctl -V)" = "$want_version" ] &&
   [ "$(dibsctl --version)" = "$want_version" ]; then
	ktap_pass "-V prints the version from VERSION"
else
	ktap_diag "got '$(dibsctl -V)', want '$want_version'"
	ktap_fail "-V prints the version from VERSION"
fi

dctl_run "no dibs_core: clear message, exit 1" 1 \
	"^dibsctl: dibs_core is not loaded (modprobe dibs_core" \
	-- dibsctl dev
# usage errors are found before netlink: exit 2 also without dibs_core
dctl_run "no dibs_core: dev add without KIND is a usage error" 2 \
	"dev add: missing KIND" -- dibsctl dev add
dctl_run "no dibs_core: unknown command is a usage error" 2 \
	"unknown command 'foo'" -- dibsctl dev foo
dctl_run "no dibs_core: extra argument is a usage error" 2 \
	"unexpected argument 'b'" -- dibsctl dev show a b
dctl_run "no arguments: usage, exit 2" 2 "Usage:" -- dibsctl
dctl_run "unknown object: exit 2" 2 "unknown object 'bogus'" -- dibsctl bogus
dctl_run "unknown option: exit 2" 2 "" -- dibsctl -x dev
dctl_run "help: exit 0" 0 "" -- dibsctl help
grep -q "OBJECT := { dev | gid | client | dmb | selftest | monitor }" \
	"$DCTL_TMP/out" || ktap_diag "help text lacks the object list"
dctl_run "dev help works without dibs_core" 0 "" -- dibsctl dev help
grep -q "dev add KIND" "$DCTL_TMP/out" || ktap_diag "dev help lacks dev add"
dibsctl dev help > "$DCTL_TMP/devhelp"
if dibsctl help dev > "$DCTL_TMP/helpdev" &&
   cmp -s "$DCTL_TMP/devhelp" "$DCTL_TMP/helpdev"; then
	ktap_pass "help dev prints the dev usage"
else
	sed 's/^/# /' "$DCTL_TMP/helpdev"
	ktap_fail "help dev prints the dev usage"
fi

if ! modprobe dibs_lo devices=1; then
	ktap_diag "modprobe dibs_lo failed"
fi

dctl_run "unknown command: exit 2" 2 "unknown command 'frob'" -- \
	dibsctl dev frob
dctl_run "extra argument: exit 2" 2 "unexpected argument" -- \
	dibsctl dev show lo lo1
dctl_run "too long name: exit 2" 2 "longer than 15" -- \
	dibsctl dev show abcdefghijklmnop

dibsctl dev show > "$DCTL_TMP/full" 2>&1
dibsctl d > "$DCTL_TMP/abbr1" 2>&1
dibsctl de s > "$DCTL_TMP/abbr2" 2>&1
dibsctl dev > "$DCTL_TMP/abbr3" 2>&1
if [ -s "$DCTL_TMP/full" ] && cmp -s "$DCTL_TMP/full" "$DCTL_TMP/abbr1" &&
   cmp -s "$DCTL_TMP/full" "$DCTL_TMP/abbr2" &&
   cmp -s "$DCTL_TMP/full" "$DCTL_TMP/abbr3"; then
	ktap_pass "abbreviations and show as default"
else
	ktap_fail "abbreviations and show as default"
fi
dibsctl dev show lo > "$DCTL_TMP/one" 2>&1
if [ "$(wc -l < "$DCTL_TMP/one")" -eq 2 ] &&
   awk 'NR == 2 && $1 == "lo" { ok = 1 } END { exit !ok }' "$DCTL_TMP/one"; then
	ktap_pass "dev show NAME: header and one device"
else
	sed 's/^/# /' "$DCTL_TMP/one"
	ktap_fail "dev show NAME: header and one device"
fi

dctl_run "unknown device: kernel message, exit 1" 1 \
	"dev show nosuch: no such dibs device (No such device)" -- \
	dibsctl dev show nosuch
dctl_run "gid of unknown device: exit 1" 1 "no such dibs device" -- \
	dibsctl gid show nosuch
dctl_run "gid NAME without show: usage error" 2 "unknown command 'lo'" -- \
	dibsctl gid lo
dctl_run "selftest show is not a device: usage error" 2 \
	"unknown command 'show'" -- dibsctl selftest show
# reserved words after the command are names: they reach the kernel
dctl_run "dev show help: the device help, not the usage" 1 \
	"dev show help: no such dibs device" -- dibsctl dev show help
dctl_run "dev add of unknown kind: kernel message, exit 1" 1 \
	"dev add: unknown device kind.*(No such file or directory)" -- \
	dibsctl dev add nosuchkind
dctl_run "dev add with a bad name: kernel message, exit 1" 1 \
	"dev add: device names are .*(Invalid argument)" -- \
	dibsctl dev add lo name 'a/b'
dctl_run "dev add with a taken name: exit 1" 1 \
	"(File exists)" -- dibsctl dev add lo name lo1
dctl_run "dev del lo refused with a kernel message" 1 \
	"dev del lo: .* (Operation not supported)" -- dibsctl dev del lo
dctl_run "dev del of unknown device: exit 1" 1 \
	"dev del nosuch: .*(No such device)" -- dibsctl dev del nosuch
dctl_run "dev del without name: exit 2" 2 "missing NAME" -- dibsctl dev del
dctl_run "dmb show of unknown device: kernel message, exit 1" 1 \
	"dmb show: no such dibs device (No such device)" -- \
	dibsctl dmb show dev nosuch
dctl_run "dmb show as nobody: permission denied, exit 1" 1 \
	"Operation not permitted" -- ./dibs_runas dibsctl dmb show
dctl_run "dev add as nobody: permission denied, exit 1" 1 \
	"Operation not permitted" -- ./dibs_runas dibsctl dev add lo
if [ "$(dctl_devs | tr '\n' ' ')" = "lo lo1 " ]; then
	ktap_pass "failed commands changed nothing"
else
	ktap_diag "devices: $(dctl_devs | tr '\n' ' ')"
	ktap_fail "failed commands changed nothing"
fi

ktap_finished
