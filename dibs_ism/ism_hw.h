/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dibs_ism internals: the hardware seam (the driver's state of a function
 * is struct ism_dev, ism_dev.h).
 *
 * Every access of the driver to an ISM function goes through the four
 * ism_hw_*() helpers below: command area store and load, the data path's
 * store block, and the interrupt (request/free).  On s390 the helpers are
 * the zPCI instructions, inlined.  Test builds (DIBS_TESTS) also drive
 * emulated functions (dibs_ism_emu.h): on s390 a static key, enabled only
 * while an emulated function is registered, diverts a function to its
 * emulator (with none loaded the key is a no-op jump), and kernels without
 * zPCI (amd64) have only the emulated path.  Other builds (s390 only) have
 * neither the key nor the emulator entry points: the real path costs what
 * mainline's does.
 */
#ifndef _DIBS_ISM_HW_H
#define _DIBS_ISM_HW_H

#include <linux/jump_label.h>
#include <linux/types.h>

#include "dibs_ism_emu.h"
#include "ism.h"
#include "ism_dev.h"

#if IS_ENABLED(CONFIG_S390)
#include <linux/pci.h>
#include <asm/pci_io.h>
#include <asm/pci_insn.h>
#endif

#ifdef DIBS_TESTS
DECLARE_STATIC_KEY_FALSE(dibs_ism_emu_key);

/* Is @ism driven by an emulator?  Constant false on s390 without one. */
static __always_inline bool ism_emulated(const struct ism_dev *ism)
{
#if IS_ENABLED(CONFIG_S390)
	return static_branch_unlikely(&dibs_ism_emu_key) && ism->emu;
#else
	return true;
#endif
}

static inline struct dibs_ism_emu *ism_emu(const struct ism_dev *ism)
{
	return ism->emu;
}
#else
static __always_inline bool ism_emulated(const struct ism_dev *ism)
{
	return false;
}

static inline struct dibs_ism_emu *ism_emu(const struct ism_dev *ism)
{
	return NULL;
}
#endif

#if IS_ENABLED(CONFIG_S390)
/* Command area: BAR 2.  Data path: BAR 0. */
#define ISM_BAR_CMD	2
#define ISM_BAR_DMB	0

static inline u32 ism_pci_fh(const struct ism_dev *ism)
{
	return to_zpci(ism->pdev)->fh;
}

static inline void ism_pci_write_cmd(struct ism_dev *ism, const void *data,
				     unsigned int offset, unsigned int len)
{
	u64 req = ZPCI_CREATE_REQ(ism_pci_fh(ism), ISM_BAR_CMD, len);

	if (len)
		__zpci_store_block(data, req, offset);
}

static inline void ism_pci_read_cmd(struct ism_dev *ism, void *data,
				    unsigned int offset, unsigned int len)
{
	u64 req = ZPCI_CREATE_REQ(ism_pci_fh(ism), ISM_BAR_CMD, 8);
	u64 *p = data;

	for (; len >= 8; len -= 8, offset += 8)
		__zpci_load(p++, req, offset);
}

static inline int ism_pci_move(struct ism_dev *ism, u64 dmb_req,
			       const void *data, unsigned int size)
{
	u64 req = ZPCI_CREATE_REQ(ism_pci_fh(ism), ISM_BAR_DMB, size);

	return __zpci_store_block(data, req, dmb_req);
}

int ism_pci_irq_request(struct ism_dev *ism);
void ism_pci_irq_free(struct ism_dev *ism);
int ism_pci_register(void);
void ism_pci_unregister(void);
#else
static inline void ism_pci_write_cmd(struct ism_dev *ism, const void *data,
				     unsigned int offset, unsigned int len)
{
}

static inline void ism_pci_read_cmd(struct ism_dev *ism, void *data,
				    unsigned int offset, unsigned int len)
{
}

static inline int ism_pci_move(struct ism_dev *ism, u64 dmb_req,
			       const void *data, unsigned int size)
{
	return -ENODEV;
}

static inline int ism_pci_irq_request(struct ism_dev *ism)
{
	return -ENODEV;
}

static inline void ism_pci_irq_free(struct ism_dev *ism)
{
}

static inline int ism_pci_register(void)
{
	return 0;
}

static inline void ism_pci_unregister(void)
{
}
#endif

/* The seam.  The command helpers need 8-byte multiples (zPCI loads). */
static __always_inline void ism_hw_write_cmd(struct ism_dev *ism,
					     const void *data,
					     unsigned int offset,
					     unsigned int len)
{
	if (ism_emulated(ism))
		ism_emu(ism)->ops->write_cmd(ism_emu(ism), data, offset, len);
	else
		ism_pci_write_cmd(ism, data, offset, len);
}

static __always_inline void ism_hw_read_cmd(struct ism_dev *ism, void *data,
					    unsigned int offset,
					    unsigned int len)
{
	if (ism_emulated(ism))
		ism_emu(ism)->ops->read_cmd(ism_emu(ism), data, offset, len);
	else
		ism_pci_read_cmd(ism, data, offset, len);
}

static __always_inline int ism_hw_move(struct ism_dev *ism, u64 dmb_req,
				       const void *data, unsigned int size)
{
	if (ism_emulated(ism))
		return ism_emu(ism)->ops->move(ism_emu(ism), dmb_req, data, size);
	return ism_pci_move(ism, dmb_req, data, size);
}

#endif /* _DIBS_ISM_HW_H */
