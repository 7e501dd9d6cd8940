/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dibs_ism internals: the device structure and the hardware seam.
 *
 * Every access of the driver to an ISM function goes through the four
 * ism_hw_*() helpers below: command area store and load, the data path's
 * store block, and the interrupt (request/free).  On s390 the helpers are
 * the zPCI instructions, inlined; a static key, enabled only while an
 * emulated function (dibs_ism_emu.h) is registered, diverts a function to
 * its emulator.  With no emulator loaded the key is a no-op jump and the
 * real path costs what mainline's does.  Kernels without zPCI (amd64 test
 * builds) have only the emulated path.
 */
#ifndef _DIBS_ISM_HW_H
#define _DIBS_ISM_HW_H

#include <linux/dibs.h>
#include <linux/jump_label.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/xarray.h>

#include "dibs_ism_emu.h"
#include "ism.h"

#if IS_ENABLED(CONFIG_S390)
#include <linux/pci.h>
#include <asm/pci_io.h>
#include <asm/pci_insn.h>
#endif

struct pci_dev;

/**
 * struct ism_dev - one ISM function (dibs_dev.drv_priv)
 * @dibs: the dibs device; our reference until ism_dev_teardown()
 * @dma_dev: the device that DMA goes through (the PCI function, or the
 *	emulator's device)
 * @pdev: the PCI function (NULL if emulated)
 * @emu: the emulated function (NULL on hardware)
 * @cmd_lock: serialises commands: the command area is one per function
 * @fabric_id: the PCHID (for ISM a VCHID), as the dibs fabric id
 * @uid: the function's UID (names the device ism<uid>)
 * @fid: the function id (names the device ismf<fid> if the UID is taken)
 * @dmb_mutex: serialises DMB registration, unregistration and walks
 * @dmbs: registered DMBs (struct ism_dmb) by SBA index
 * @sba: the signalling buffer area, or NULL
 * @sba_dma_addr: its bus address
 * @ieq: the interrupt event queue, or NULL
 * @ieq_dma_addr: its bus address
 * @ieq_idx: the last IEQ entry handled (-1: none yet); under dibs->lock
 * @v2_vlan: the reserved VLAN id was added (an SMC-Dv2 capable function)
 * @irq_on: the interrupt is requested
 */
struct ism_dev {
	struct dibs_dev *dibs;
	struct device *dma_dev;
	struct pci_dev *pdev;
	struct dibs_ism_emu *emu;
	spinlock_t cmd_lock;		/* the command area */
	u16 fabric_id;
	u32 uid;
	u32 fid;
	struct mutex dmb_mutex;		/* dmbs, DMB memory */
	struct xarray dmbs;
	struct ism_sba *sba;
	dma_addr_t sba_dma_addr;
	struct ism_eq *ieq;
	dma_addr_t ieq_dma_addr;
	int ieq_idx;
	bool v2_vlan;
	bool irq_on;
};

/**
 * struct ism_dmb - a DMB the driver registered
 * @tok: the token the function gave it
 * @cpu_addr: the buffer (dma_alloc_coherent())
 * @dma_addr: its bus address
 * @len: length the client asked for
 * @idx: SBA index
 * @rgid: the writer's GID
 * @client_id: the owning client
 */
struct ism_dmb {
	u64 tok;
	void *cpu_addr;
	dma_addr_t dma_addr;
	u32 len;
	u32 idx;
	uuid_t rgid;
	u8 client_id;
};

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
		ism->emu->ops->write_cmd(ism->emu, data, offset, len);
	else
		ism_pci_write_cmd(ism, data, offset, len);
}

static __always_inline void ism_hw_read_cmd(struct ism_dev *ism, void *data,
					    unsigned int offset,
					    unsigned int len)
{
	if (ism_emulated(ism))
		ism->emu->ops->read_cmd(ism->emu, data, offset, len);
	else
		ism_pci_read_cmd(ism, data, offset, len);
}

static __always_inline int ism_hw_move(struct ism_dev *ism, u64 dmb_req,
				       const void *data, unsigned int size)
{
	if (ism_emulated(ism))
		return ism->emu->ops->move(ism->emu, dmb_req, data, size);
	return ism_pci_move(ism, dmb_req, data, size);
}

/* ism_main.c */
int ism_dev_setup(struct ism_dev *ism, struct device *parent);
void ism_dev_teardown(struct ism_dev *ism);
void ism_handle_irq(struct ism_dev *ism);

#endif /* _DIBS_ISM_HW_H */
