#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make run` demo: a TCP connection to 127.0.0.1 carried by SMC-D over a dibs
# device (Documentation/smcd.rst), on kernels where dibs_smcd builds (6.1).
# smcd_xfer opens AF_SMC sockets and asks smc_diag which mode and which
# SMC-D GIDs each used; smc picks one of the dibs devices for it.

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
step dibsctl smc ueid add DIBS-DEMO
step dibsctl smc device
rm -f /tmp/smcd.ready
./smcd_xfer server -p 5000 --count 1 --expect smcd --ready /tmp/smcd.ready \
	> /tmp/smcd.server 2>&1 &
srv=$!
i=0
while [ ! -e /tmp/smcd.ready ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
step ./smcd_xfer client -a 127.0.0.1 -p 5000 -s 16M --expect smcd |
	tee /tmp/smcd.client
wait "$srv"
gid=$(sed -n 's/.* my_gid \([0-9a-f]*\) .*/\1/p' /tmp/smcd.client | head -n 1)
echo
echo "SMC-D GID $gid is the first 8 bytes of this dibs device's GID:"
dibsctl gid | tr -d '-' | grep "$gid"
echo "its move_data and bytes_moved counters carried the 2 x 16 MiB:"
step dibsctl -s dev
dibsctl smc ueid flush
modprobe -r dibs_smcd
exit 0
