/* SPDX-License-Identifier: GPL-2.0 */
/*
 * smc's SMC-D device API (include/net/smc.h, kernels 4.19 .. 6.2) as 6.1
 * has it, for dibs_smcd.  Include in place of <net/smc.h>.
 *
 * smcd_handle_irq(smcd, dmbno, dmbemask): before 5.11
 * (DIBS_HAVE_SMCD_IRQ_MASK unset) smc takes no DMBE mask; smc of 5.11 ..
 * 6.2 ignores it too, so nothing is lost.
 *
 * DIBS_SMCD_SYSTEM_EID_OP(name, fn): defines @name, smc's get_system_eid
 * op, around fn, a u8 *fn(void) that returns the system EID.  From 5.11 on
 * (DIBS_HAVE_SMCD_SEID_RET) the op has that form; before, smc asks a
 * device, get_system_eid(smcd, &eid), and @name answers for every device
 * with fn's EID.
 */
#ifndef _DIBS_COMPAT_SMC_H
#define _DIBS_COMPAT_SMC_H

#include <net/smc.h>

#ifndef DIBS_HAVE_SMCD_IRQ_MASK
static inline void dibs_compat_smcd_handle_irq(struct smcd_dev *smcd,
					       unsigned int dmbno,
					       u16 dmbemask)
{
	smcd_handle_irq(smcd, dmbno);
}

#define smcd_handle_irq dibs_compat_smcd_handle_irq
#endif

#ifdef DIBS_HAVE_SMCD_SEID_RET
#define DIBS_SMCD_SYSTEM_EID_OP(name, fn)				\
static u8 *name(void)							\
{									\
	return fn();							\
}
#else
#define DIBS_SMCD_SYSTEM_EID_OP(name, fn)				\
static void name(struct smcd_dev *smcd, u8 **eid)			\
{									\
	*eid = fn();							\
}
#endif

#endif /* _DIBS_COMPAT_SMC_H */
