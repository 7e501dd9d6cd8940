#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make run` demo: unload the suite again (the guest log is checked after).

modprobe -r dibs_lo
modprobe -r dibs_core
echo "unloaded; still loaded: $(grep -c '^dibs' /proc/modules) dibs modules"
