/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dibs_smcd internals that the test modules (DIBS_TESTS=1 builds) reach.
 * Not an API: in other builds nothing here is exported.
 */
#ifndef _DIBS_SMCD_H
#define _DIBS_SMCD_H

#include <linux/types.h>

/* Length of a system EID (SMC_MAX_EID_LEN, private to net/smc). */
#define DIBS_SMCD_EID_LEN	32

/**
 * struct dibs_smcd_cpuid - what the system EID takes from s390's struct
 *	cpuid (STIDP)
 * @ident: the CPU identification number (24 bits)
 * @machine: the machine type
 */
struct dibs_smcd_cpuid {
	u32 ident;
	u16 machine;
};

/* Exported for the test modules only (DIBS_TESTS=1 builds). */
void dibs_smcd_seid_from_cpuid(u8 *seid, const struct dibs_smcd_cpuid *id);

#endif /* _DIBS_SMCD_H */
