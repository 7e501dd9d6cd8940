/* SPDX-License-Identifier: GPL-2.0 */
/*
 * smc's SMC-D device API (include/net/smc.h, kernels 4.19 .. 6.2) as 6.1
 * has it, for dibs_smcd.c only.  Include in place of <net/smc.h>.
 *
 * smcd_handle_irq(smcd, dmbno, dmbemask): where DIBS_HAVE_SMCD_IRQ_MASK is
 * unset (5.10) smc takes no DMBE mask; smc up to 6.2 ignores it anyway, so
 * nothing is lost.
 *
 * dibs_smcd_system_eid_op: smc's get_system_eid op for
 * dibs_smcd_get_system_eid(), u8 *(void), which dibs_smcd.c defines.  Where
 * DIBS_HAVE_SMCD_SEID_RET is set (6.1) the op has that form and is that
 * function; in 5.10 smc asks a device, get_system_eid(smcd, &eid), and the
 * op answers for every device with the function's EID.
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

/* defined by dibs_smcd.c, the one file that includes this header */
static u8 *dibs_smcd_get_system_eid(void);

#ifdef DIBS_HAVE_SMCD_SEID_RET
#define dibs_smcd_system_eid_op	dibs_smcd_get_system_eid
#else
static void dibs_smcd_system_eid_op(struct smcd_dev *smcd, u8 **eid)
{
	*eid = dibs_smcd_get_system_eid();
}
#endif

#endif /* _DIBS_COMPAT_SMC_H */
