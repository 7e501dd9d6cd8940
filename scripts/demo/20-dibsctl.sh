#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make run` demo: the CLI, if it is built.

if ! command -v dibsctl > /dev/null; then
	echo "dibsctl not built yet: skipped"
	exit 0
fi
set -x
dibsctl dev
dibsctl selftest all
