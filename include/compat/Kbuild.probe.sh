# SPDX-License-Identifier: GPL-2.0
#
# sh include/compat/Kbuild.probe.sh FACT KOBJ - the feature probes that
# look at a kernel's build directory KOBJ (its Module.symvers) rather than
# its headers.  Kbuild.probe and dkms.conf both run it, so that the build
# and the module list DKMS expects agree.  Exit 0 if the kernel has FACT,
# 1 if not.  (Named Kbuild.* so that the packages install it with the
# rest of the DKMS tree.)
#
#   smcd-api   smc.ko exports the SMC-D device API (smcd_register_dev(),
#              kernels 4.19 .. 6.2): dibs_smcd builds.

case ${1:-} in
smcd-api)
	grep -qs -w smcd_register_dev "${2:?no kernel build directory}/Module.symvers"
	;;
*)
	echo "Kbuild.probe.sh: unknown fact '${1:-}'" >&2
	exit 2
	;;
esac
