/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dibs_ism internals: the driver's state of an ISM function and of a DMB,
 * what ism_main.c offers the PCI driver (ism_pci.c) and the emulator
 * entry points, and what ism_main.c, ism_dmb.c and ism_irq.c share.  The
 * hardware seam is ism_hw.h, the function's interface (commands, SBA, IEQ)
 * ism.h.
 */
#ifndef _DIBS_ISM_DEV_H
#define _DIBS_ISM_DEV_H

#include <linux/dibs.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/xarray.h>

#include "ism.h"

struct device;
struct dibs_ism_emu;
struct pci_dev;

/**
 * struct ism_dev - one ISM function (dibs_dev.drv_priv)
 * @dibs: the dibs device; our reference until ism_dev_teardown()
 * @dma_dev: the device that DMA goes through (the PCI function, or the
 *	emulator's device)
 * @pdev: the PCI function (NULL if emulated)
 * @emu: the emulated function (NULL on hardware; test builds only)
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
#ifdef DIBS_TESTS
	struct dibs_ism_emu *emu;
#endif
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

/* ism_main.c */
int ism_dev_setup(struct ism_dev *ism, struct device *parent);
void ism_dev_teardown(struct ism_dev *ism);
/*
 * Run the command in @cmd (a union ism_*, @size bytes) and leave the
 * response there; 0 or the response code.  ism_cmd_init() clears a command
 * and fills its header.
 */
int ism_cmd(struct ism_dev *ism, void *cmd, unsigned int size);
#define ism_cmd_init(c, code)					\
	do {							\
		memset((c), 0, sizeof(*(c)));			\
		(c)->request.hdr.cmd = (code);			\
		(c)->request.hdr.len = sizeof((c)->request);	\
	} while (0)
/* GIDs as dibs keeps them (a UUID) and as the function does (a u64) */
void ism_gid_to_uuid(u64 gid, uuid_t *uuid);
bool ism_uuid_to_gid(const uuid_t *uuid, u64 *gid);

/* ism_dmb.c */
extern const struct dibs_dev_ops ism_ops;
extern struct dibs_dev_kind ism_kind;
int ism_dmb_unregister(struct ism_dev *ism, struct ism_dmb *dmb);
int ism_add_vlan_id(struct dibs_dev *dibs, u64 vlan_id);
int ism_del_vlan_id(struct dibs_dev *dibs, u64 vlan_id);

/* ism_irq.c */
void ism_handle_irq(struct ism_dev *ism);
int ism_hw_irq_request(struct ism_dev *ism);
void ism_hw_irq_free(struct ism_dev *ism);

#endif /* _DIBS_ISM_DEV_H */
