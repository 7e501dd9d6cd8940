#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A deliberately broken test: the harness self-test runs it and expects the
# run to fail.  Not in TEST_PROGS.

# shellcheck source=../lib/ktap.sh
. ../lib/ktap.sh

ktap_plan 2
ktap_pass "this case passes"
ktap_check "this case fails on purpose" false
ktap_finished
