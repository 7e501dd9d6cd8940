#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make run` demo: an unmodified TCP connection carried by SMC-D over the dibs
# device lo (Documentation/smcd.rst), on kernels where dibs_smcd builds (6.1).
# smcd_xfer opens AF_SMC sockets and asks smc_diag which mode each used.

d=/selftests/smcd
if [ ! -x $d/smcd_xfer ] || ! modprobe dibs_smcd 2> /dev/null; then
	echo "dibs_smcd is not built for this kernel (its smc.ko lacks the SMC-D device API): skipped"
	exit 0
fi
cd $d || exit 0

step() {
	echo
	echo "\$ $*"
	"$@"
}

# SMC-Dv2 between two ends of one host needs a user EID on amd64.
step ./smcd_nl ueid add DIBS-DEMO
step ./smcd_nl dev
before=$(cat /sys/class/dibs/lo/dmbs)
rm -f /tmp/smcd.ready
./smcd_xfer server -p 5000 --count 1 --expect smcd --ready /tmp/smcd.ready \
	> /tmp/smcd.server 2>&1 &
srv=$!
i=0
while [ ! -e /tmp/smcd.ready ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
step ./smcd_xfer client -a 127.0.0.1 -p 5000 -s 16M --expect smcd
wait "$srv"
echo "server: $(cat /tmp/smcd.server)"
echo "DMBs on lo before: $before"
step dibsctl -s dev show lo
./smcd_nl ueid flush
modprobe -r dibs_smcd
exit 0
