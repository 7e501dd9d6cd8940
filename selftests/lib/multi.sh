# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# multi.sh - helpers for multi-guest tests (MULTI_PROGS), busybox sh.
# Source it after ktap.sh:
#
#	. ../lib/multi.sh
#	multi_sync ready                 # every live guest reaches "ready"
#	multi_put gid "$(cat ...)"       # publish a value ...
#	g=$(multi_get gid@b)             # ... read guest b's (waits for it)
#	multi_host kill b                # the host kills guest b's QEMU
#
# The guests of one run (roles a, b, c) are attached to one
# dibs-ivshmem-server and to one network, 10.13.0.0/24 (a: .1, b: .2,
# c: .3).  scripts/vm's /init exports
#   DIBS_ROLE     this guest's role (a, b, c)
#   DIBS_ROLES    every role of the run ("a b" or "a b c")
#   DIBS_IP       this guest's address; DIBS_IFACE its interface
#   DIBS_CTL      the control channel to the host (a serial port)
#   DIBS_IVSHMEM  "SIZE VECTORS" of the ivshmem-doorbell devices
#
# Every request is a line to the host, answered by one line; one request
# at a time per guest (no background job may use the channel while the
# test waits for an answer).  The host scopes names (sync, put/get) to
# the program that runs: each program starts on every live guest at the
# same time, and a sync that cannot complete because another guest ended
# the program (or died unexpectedly) is answered "abort".  See
# Documentation/testing.rst, "Multi-guest tests".

MULTI_TIMEOUT=${MULTI_TIMEOUT:-300}

# multi_req REQUEST...: send one request, print the answer's text after
# "ok "; status 0 for "ok", 1 for anything else (printed on stderr).
multi_req() {
	_mr_reply=""
	if [ -z "${DIBS_CTL:-}" ] || [ ! -c "$DIBS_CTL" ]; then
		echo "multi: no control channel (not a multi-guest run)" >&2
		return 1
	fi
	exec 9<> "$DIBS_CTL"
	echo "$*" >&9
	# shellcheck disable=SC3045 # busybox sh has read -t
	IFS= read -r -t "$MULTI_TIMEOUT" _mr_reply <&9
	exec 9<&-
	_mr_reply=$(echo "$_mr_reply" | tr -d '\r')
	case $_mr_reply in
	ok) return 0 ;;
	"ok "*) echo "${_mr_reply#ok }"; return 0 ;;
	esac
	echo "multi: '$*': ${_mr_reply:-no answer in $MULTI_TIMEOUT s}" >&2
	return 1
}

# multi_sync NAME: wait until every live guest has called multi_sync NAME.
multi_sync() {
	multi_req sync "$1" > /dev/null
}

# multi_put KEY VALUE: publish VALUE (one line) as KEY@<this role>.
multi_put() {
	_mp_k=$1
	shift
	multi_req put "$_mp_k@$DIBS_ROLE" "$*" > /dev/null
}

# multi_get KEY@ROLE: print the value guest ROLE published (waits for it).
multi_get() {
	multi_req get "$1"
}

# multi_host ACTION [ARGS]: a host action, done when it returns:
#   kill ROLE           SIGKILL ROLE's QEMU (a peer lost for good)
#   stop ROLE, cont ROLE  SIGSTOP / SIGCONT it (a hung guest)
#   scribble [OFFSET [LENGTH]]  random bytes over the shared memory file
#                       (default: all of it)
#   server-restart      stop dibs-ivshmem-server and start it again
#   server-stop, server-start
multi_host() {
	multi_req host "$@" > /dev/null
}

# multi_ip ROLE: the address of guest ROLE.
multi_ip() {
	case $1 in
	a) echo 10.13.0.1 ;;
	b) echo 10.13.0.2 ;;
	c) echo 10.13.0.3 ;;
	*) return 1 ;;
	esac
}

# multi_ivshmem: the sysfs directories of this guest's ivshmem-doorbell
# functions (PCI 1af4:1110), one per line.
multi_ivshmem() {
	for _mi_d in /sys/bus/pci/devices/*; do
		[ "$(cat "$_mi_d/vendor")" = 0x1af4 ] && [ "$(cat "$_mi_d/device")" = 0x1110 ] &&
			echo "$_mi_d"
	done
}
