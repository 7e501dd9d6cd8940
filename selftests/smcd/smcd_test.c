// SPDX-License-Identifier: GPL-2.0
/*
 * smcd_test - in-kernel cases of dibs_smcd (test builds, DIBS_TESTS=1).
 *
 * smcd_seid.sh loads it; it prints KTAP to the kernel log as dibs_test.ko
 * does (selftests/dibs/dibs_lib.sh reads it back):
 *
 *	smcd_test: ktap-begin run=ID
 *	smcd_test: ktap: ...
 *	smcd_test: ktap-end run=ID pass=P fail=F skip=0
 *
 * seid_from_cpuid: dibs_smcd's s390 system EID, computed from injected CPU
 * identifications, against the answers of s390's ism driver
 * (ism_create_system_eid() in Linux 6.1: "IBM-SYSZ-ISMSEID", "0000" and
 * "0000" overwritten by the low 16 bits of the CPU ident and the machine
 * type as "%04X").  smc compares system EIDs byte for byte, so each of the
 * 32 bytes must match.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/string.h>

#include "dibs_smcd.h"
#include "ktap_kmod.h"

static int run_id;
module_param(run_id, int, 0444);
MODULE_PARM_DESC(run_id, "tag of the KTAP markers in the kernel log");

static int st_fails;

/* The first 24 bytes of ism.ko's system EID, always the same. */
#define ST_SEID_HEAD	"IBM-SYSZ-ISMSEID00000000"

/*
 * What ism.ko reports on a machine with that CPU id, worked out by hand:
 * after ST_SEID_HEAD, bytes 24..27 and 28..31.
 */
static const struct {
	u32 ident;
	u16 machine;
	const char *serial;
	const char *type;
} st_seids[] = {
	{ 0x000000, 0x0000, "0000", "0000" },
	{ 0x123456, 0x8561, "3456", "8561" },
	{ 0xabcdef, 0x3931, "CDEF", "3931" },
	{ 0x0a0b0c, 0x2964, "0B0C", "2964" },
	{ 0x00001f, 0x000a, "001F", "000A" },
	{ 0xffffff, 0xffff, "FFFF", "FFFF" },
	{ 0xff0000, 0x3906, "0000", "3906" },
};

static void t_seid_from_cpuid(void)
{
	u8 seid[DIBS_SMCD_EID_LEN + 1];
	char want[DIBS_SMCD_EID_LEN + 1];
	struct dibs_smcd_cpuid id;
	unsigned int i;

	BUILD_BUG_ON(sizeof(ST_SEID_HEAD) - 1 + 8 != DIBS_SMCD_EID_LEN);
	for (i = 0; i < ARRAY_SIZE(st_seids); i++) {
		snprintf(want, sizeof(want), "%s%s%s", ST_SEID_HEAD,
			 st_seids[i].serial, st_seids[i].type);
		id.ident = st_seids[i].ident;
		id.machine = st_seids[i].machine;
		memset(seid, 0xa5, sizeof(seid));
		dibs_smcd_seid_from_cpuid(seid, &id);
		if (memcmp(seid, want, DIBS_SMCD_EID_LEN)) {
			ktap_err("ident %06x machine %04x: '%.32s', ism.ko: '%s'",
				 id.ident, id.machine, seid, want);
			st_fails++;
		}
		if (seid[DIBS_SMCD_EID_LEN] != 0xa5) {
			ktap_err("ident %06x: wrote past 32 bytes", id.ident);
			st_fails++;
		}
	}
}

static const struct {
	const char *name;
	void (*fn)(void);
} st_cases[] = {
	{ "seid_from_cpuid", t_seid_from_cpuid },
};

static int __init smcd_test_init(void)
{
	struct ktap kt;
	int i;

	ktap_begin(&kt, run_id, ARRAY_SIZE(st_cases));
	for (i = 0; i < ARRAY_SIZE(st_cases); i++) {
		st_fails = 0;
		st_cases[i].fn();
		ktap_result(&kt, !st_fails, "%s", st_cases[i].name);
	}
	ktap_end(&kt);
	return 0;
}

static void __exit smcd_test_exit(void)
{
}

module_init(smcd_test_init);
module_exit(smcd_test_exit);
MODULE_DESCRIPTION("dibs_smcd in-kernel test cases");
MODULE_LICENSE("GPL");
