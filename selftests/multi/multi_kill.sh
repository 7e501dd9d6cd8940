#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# multi_kill.sh (every guest; the last program of the group): the host
# kills guest b's QEMU; the other guests carry on: b no longer answers
# on the network, BAR2 still works.  b waits to be killed.

. ./multi_lib.sh

if [ "$DIBS_ROLE" = b ]; then
	ktap_plan 2
	ktap_pass "guest b is up and waits to be killed"
	multi_put ready 1
	sleep 100
	ktap_fail "guest b was not killed within 100 s"
	ktap_finished
fi

ktap_plan 4
multi_get ready@b > /dev/null
ktap_check "guest b answers before" ping -c 1 -W 5 "$(multi_ip b)"
if [ "$DIBS_ROLE" = a ]; then
	ktap_check "the host killed guest b's QEMU" multi_host kill b
else
	ktap_pass "guest a has the host kill guest b's QEMU"
fi
multi_sync killed
ktap_check "guest b no longer answers" sh -c "! ping -c 2 -W 2 '$(multi_ip b)' > /dev/null"
if [ "$DIBS_ROLE" = a ]; then
	./ivshmem_bar fill "$IVDEV" 55 > /dev/null
	ktap_check "guest a carries on: BAR2 takes a new pattern" ./ivshmem_bar check "$IVDEV" 55
else
	ktap_pass "guest a checks BAR2"
fi
ktap_finished
