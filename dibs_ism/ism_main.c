// SPDX-License-Identifier: GPL-2.0
/*
 * dibs_ism: IBM ISM functions as dibs devices.
 *
 * An ISM (Internal Shared Memory) function is a virtual PCI function of
 * IBM Z (vendor 0x1014, device 0x04ed).  Functions on the same VCHID reach
 * each other: the firmware copies what one function stores into a DMB of
 * another and sets a bit in the owner's SBA.  This file and its two
 * neighbours are the architecture-neutral part: here commands, SBA and IEQ,
 * setup and teardown; ism_dmb.c the dibs device ops (DMBs, the data path,
 * VLANs, signals) and the device kind; ism_irq.c the interrupt's bottom.
 * ism_pci.c (s390 only) is the PCI driver; an emulated function
 * (dibs_ism_emu.h) uses the same code.  See ism_hw.h for the seam between
 * the two and Documentation/ism.rst.
 *
 * GIDs.  The function's GID is a u64; as a dibs GID (a UUID) it is stored
 * big endian in the first 8 bytes, the rest zero (on s390: the bytes of the
 * u64, as mainline does).  A UUID with other bytes set is no ISM GID.
 *
 * Locking
 * -------
 * ism_dev.cmd_lock (spinlock, irqsave)
 *	One command at a time in the function's command area.  Commands run
 *	in any context (add_vlan_id is called under a spinlock); the seam's
 *	command ops must not sleep.
 * ism_dev.dmb_mutex (ism_dmb.c, and the teardown here)
 *	DMB registration, unregistration, the kind's dmb_next and teardown;
 *	protects ism_dev.dmbs and the DMB memory's lifetime.
 * dibs_dev.lock (irqsave; ism_irq.c, and the DMBs' owners in ism_dmb.c)
 *	dmb_clientid_arr[] and subs[]; the interrupt handler holds it while it
 *	scans the SBA and the IEQ and calls the clients, so it also guards
 *	ism_dev.ieq_idx and the driver's stores into the SBA.
 * Order: dmb_mutex -> cmd_lock, dmb_mutex -> dibs_dev.lock; cmd_lock and
 * dibs_dev.lock are never held together.
 *
 * The interrupt handler never sleeps and never issues a command.  The
 * function writes into the SBA, the IEQ and the DMBs only while they are
 * registered; teardown unregisters them, frees the interrupt (no handler
 * runs after that), and only then frees the memory.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "ism_hw.h"

#ifdef DIBS_TESTS
DEFINE_STATIC_KEY_FALSE(dibs_ism_emu_key);
#endif

/*
 * Run the command in @cmd (a union ism_*, @size bytes) and leave the
 * response there.  Returns the response code: 0, or non-zero on failure
 * (ISM_ERROR if the function did not answer).
 */
int ism_cmd(struct ism_dev *ism, void *cmd, unsigned int size)
{
	struct ism_req_hdr *req = cmd;
	struct ism_resp_hdr *resp = cmd;
	unsigned long flags;
	unsigned int len;
	int ret;

	spin_lock_irqsave(&ism->cmd_lock, flags);
	/* The body first: the store of the header starts the command. */
	ism_hw_write_cmd(ism, req + 1, sizeof(*req), req->len - sizeof(*req));
	ism_hw_write_cmd(ism, req, 0, sizeof(*req));

	WRITE_ONCE(resp->ret, ISM_ERROR);
	ism_hw_read_cmd(ism, resp, 0, sizeof(*resp));
	ret = resp->ret;
	if (!ret) {
		/* Never more than the caller's buffer holds. */
		len = min_t(unsigned int, resp->len, size);
		if (len > sizeof(*resp))
			ism_hw_read_cmd(ism, resp + 1, sizeof(*resp),
					round_down(len - sizeof(*resp), 8));
	}
	spin_unlock_irqrestore(&ism->cmd_lock, flags);
	if (ret)
		dev_dbg(&ism->dibs->dev, "command 0x%x failed: 0x%x\n",
			req->cmd, ret);
	return ret;
}

static int ism_cmd_simple(struct ism_dev *ism, u32 code)
{
	union ism_cmd_simple cmd;

	ism_cmd_init(&cmd, code);
	return ism_cmd(ism, &cmd, sizeof(cmd));
}

void ism_gid_to_uuid(u64 gid, uuid_t *uuid)
{
	__be64 be = cpu_to_be64(gid);

	memset(uuid, 0, sizeof(*uuid));
	memcpy(&uuid->b[0], &be, sizeof(be));
}

/* The u64 GID in @uuid; false if @uuid is no ISM GID. */
bool ism_uuid_to_gid(const uuid_t *uuid, u64 *gid)
{
	static const u8 zero[UUID_SIZE - sizeof(u64)];
	__be64 be;

	if (memcmp(&uuid->b[sizeof(be)], zero, sizeof(zero)))
		return false;
	memcpy(&be, &uuid->b[0], sizeof(be));
	*gid = be64_to_cpu(be);
	return true;
}

static int ism_register_sba(struct ism_dev *ism)
{
	union ism_reg_sba cmd;
	dma_addr_t dma;
	void *sba;

	sba = dma_alloc_coherent(ism->dma_dev, PAGE_SIZE, &dma, GFP_KERNEL);
	if (!sba)
		return -ENOMEM;
	/* Published first: the function may interrupt once it accepts it. */
	ism->sba_dma_addr = dma;
	WRITE_ONCE(ism->sba, sba);
	ism_cmd_init(&cmd, ISM_REG_SBA);
	cmd.request.sba = dma;
	if (ism_cmd(ism, &cmd, sizeof(cmd))) {
		WRITE_ONCE(ism->sba, NULL);
		dma_free_coherent(ism->dma_dev, PAGE_SIZE, sba, dma);
		return -EIO;
	}
	return 0;
}

static int ism_register_ieq(struct ism_dev *ism)
{
	union ism_reg_ieq cmd;
	dma_addr_t dma;
	void *ieq;

	ieq = dma_alloc_coherent(ism->dma_dev, PAGE_SIZE, &dma, GFP_KERNEL);
	if (!ieq)
		return -ENOMEM;
	ism->ieq_dma_addr = dma;
	ism->ieq_idx = -1;
	WRITE_ONCE(ism->ieq, ieq);
	ism_cmd_init(&cmd, ISM_REG_IEQ);
	cmd.request.ieq = dma;
	cmd.request.len = sizeof(struct ism_eq);
	if (ism_cmd(ism, &cmd, sizeof(cmd))) {
		WRITE_ONCE(ism->ieq, NULL);
		dma_free_coherent(ism->dma_dev, PAGE_SIZE, ieq, dma);
		return -EIO;
	}
	return 0;
}

/*
 * Unregister the SBA (@cmd ISM_UNREG_SBA) or IEQ (ISM_UNREG_IEQ).  False
 * if the function may still write the area, which must then not be freed.
 * ISM_ERROR counts as gone: the function does not answer any more.
 */
static bool ism_unregister_area(struct ism_dev *ism, u32 code)
{
	int ret = ism_cmd_simple(ism, code);

	if (ret && ret != ISM_ERROR) {
		dev_err(&ism->dibs->dev,
			"command 0x%x failed (0x%x): leaking the area\n",
			code, ret);
		return false;
	}
	return true;
}

static int ism_read_local_gid(struct ism_dev *ism)
{
	union ism_read_gid cmd;

	ism_cmd_init(&cmd, ISM_READ_GID);
	if (ism_cmd(ism, &cmd, sizeof(cmd)))
		return -EIO;
	if (!cmd.response.gid)
		return -EIO;
	ism_gid_to_uuid(cmd.response.gid, &ism->dibs->gid);
	return 0;
}

static void ism_query_info(struct ism_dev *ism)
{
	union ism_qi cmd;

	ism_cmd_init(&cmd, ISM_QUERY_INFO);
	if (!ism_cmd(ism, &cmd, sizeof(cmd)))
		dev_dbg(&ism->dibs->dev,
			"version %u, state 0x%llx, DMBs owned %u used %u, VLAN required %u\n",
			cmd.response.version, cmd.response.ism_state,
			cmd.response.dmbs_owned, cmd.response.dmbs_used,
			cmd.response.vlan_required);
}

/* Free the SBA and IEQ the function no longer writes. */
static void ism_release_areas(struct ism_dev *ism, bool sba, bool ieq)
{
	if (ieq && ism->ieq)
		dma_free_coherent(ism->dma_dev, PAGE_SIZE, ism->ieq,
				  ism->ieq_dma_addr);
	if (sba && ism->sba)
		dma_free_coherent(ism->dma_dev, PAGE_SIZE, ism->sba,
				  ism->sba_dma_addr);
	ism->ieq = NULL;
	ism->sba = NULL;
}

/* Undo the hardware side of ism_dev_setup(): DMBs, VLAN, IEQ, SBA, IRQ. */
static void ism_dev_shutdown(struct ism_dev *ism)
{
	struct ism_dmb *dmb;
	unsigned int left = 0;
	unsigned long i;
	bool sba = true, ieq = true;

	mutex_lock(&ism->dmb_mutex);
	xa_for_each(&ism->dmbs, i, dmb) {
		if (ism_dmb_unregister(ism, dmb))
			dev_err(&ism->dibs->dev,
				"cannot unregister DMB %lu: leaking it\n", i);
		else
			left++;
	}
	mutex_unlock(&ism->dmb_mutex);
	if (left)
		dev_dbg(&ism->dibs->dev, "freed %u DMBs left by clients\n",
			left);

	if (ism->v2_vlan)
		ism_del_vlan_id(ism->dibs, ISM_RESERVED_VLANID);
	ism->v2_vlan = false;
	/* The function interrupts only while SBA and IEQ are registered. */
	if (ism->ieq)
		ieq = ism_unregister_area(ism, ISM_UNREG_IEQ);
	if (ism->sba)
		sba = ism_unregister_area(ism, ISM_UNREG_SBA);
	ism_hw_irq_free(ism);
	ism_release_areas(ism, sba, ieq);
}

static int ism_dev_name(struct ism_dev *ism, bool by_fid)
{
	if (by_fid)
		return dev_set_name(&ism->dibs->dev, "ismf%x", ism->fid);
	return dev_set_name(&ism->dibs->dev, "ism%u", ism->uid);
}

/**
 * ism_dev_setup() - bring up a function and add its dibs device
 * @ism: the function; @dma_dev, @pdev or @emu, @fabric_id, @uid and @fid
 *	set
 * @parent: the parent of the dibs device
 *
 * Requests the interrupt, registers SBA and IEQ, reads the GID, adds the
 * reserved VLAN (a v2 capable function accepts it) and adds the dibs device
 * ism<uid> (ismf<fid> if that name is taken).
 *
 * Context: process context.
 * Return: 0 or a negative errno; nothing is left behind on failure.
 */
int ism_dev_setup(struct ism_dev *ism, struct device *parent)
{
	struct dibs_dev *dibs;
	int rc;

	spin_lock_init(&ism->cmd_lock);
	mutex_init(&ism->dmb_mutex);
	xa_init_flags(&ism->dmbs, XA_FLAGS_ALLOC);

	rc = dma_set_mask_and_coherent(ism->dma_dev, DMA_BIT_MASK(64));
	if (rc)
		return rc;
	/*
	 * PCI and platform devices have DMA parameters; the segment size
	 * bounds the DMB length (register_dmb checks it).  No return value
	 * from 6.12 on: none is needed.
	 */
	dma_set_seg_boundary(ism->dma_dev, SZ_1M - 1);
	dma_set_max_seg_size(ism->dma_dev, SZ_1M);

	dibs = dibs_dev_alloc();
	if (!dibs)
		return -ENOMEM;
	ism->dibs = dibs;
	dibs->ops = &ism_ops;
	dibs->drv_priv = ism;
	dibs->kind = &ism_kind;
	dibs->dev.parent = parent;
	rc = ism_dev_name(ism, false);
	if (rc)
		goto err_put;

	rc = ism_hw_irq_request(ism);
	if (rc)
		goto err_put;
	rc = ism_register_sba(ism);
	if (rc)
		goto err_shutdown;
	rc = ism_register_ieq(ism);
	if (rc)
		goto err_shutdown;
	rc = ism_read_local_gid(ism);
	if (rc)
		goto err_shutdown;
	ism->v2_vlan = !ism_add_vlan_id(dibs, ISM_RESERVED_VLANID);

	rc = dibs_dev_add(dibs);
	if (rc == -EEXIST && ism->fid != ism->uid) {
		rc = ism_dev_name(ism, true);
		if (!rc)
			rc = dibs_dev_add(dibs);
	}
	if (rc) {
		pr_err("cannot add dibs device %s: %d\n", dev_name(&dibs->dev),
		       rc);
		goto err_shutdown;
	}
	ism_query_info(ism);
	dev_info(&dibs->dev, "ISM function, GID %pUb, CHID %04x%s\n",
		 &dibs->gid, ism->fabric_id,
		 ism_emulated(ism) ? " (emulated)" : "");
	return 0;

err_shutdown:
	ism_dev_shutdown(ism);
err_put:
	put_device(&dibs->dev);
	ism->dibs = NULL;
	xa_destroy(&ism->dmbs);
	return rc;
}

/**
 * ism_dev_teardown() - remove the dibs device and shut the function down
 * @ism: a function set up with ism_dev_setup()
 *
 * The clients' del_dev() unregister their DMBs; what they leave is
 * unregistered here.  No interrupt is handled any more afterwards.
 *
 * Context: process context.
 */
void ism_dev_teardown(struct ism_dev *ism)
{
	dibs_dev_del(ism->dibs);
	ism_dev_shutdown(ism);
	xa_destroy(&ism->dmbs);
	dev_info(&ism->dibs->dev, "ISM function removed\n");
	put_device(&ism->dibs->dev);
	ism->dibs = NULL;
}

#ifdef DIBS_TESTS
/*
 * The emulator's entry points (dibs_ism_emu.h): test builds only, so that
 * the shipped driver exports nothing for test modules.
 */

/**
 * dibs_ism_emu_add() - add an emulated ISM function
 * @emu: the function; @ops, @dev, @pchid and @uid set
 *
 * Runs the driver's setup against the emulator: from here on the function
 * is a dibs device like one on hardware.  @emu must stay valid and its ops
 * working until dibs_ism_emu_remove().
 *
 * Context: process context, may sleep.
 * Return: 0 or a negative errno.
 */
int dibs_ism_emu_add(struct dibs_ism_emu *emu)
{
	struct ism_dev *ism;
	int rc;

	if (!emu->ops || !emu->dev || !emu->ops->write_cmd ||
	    !emu->ops->read_cmd || !emu->ops->move || !emu->ops->irq_enable)
		return -EINVAL;
	ism = kzalloc(sizeof(*ism), GFP_KERNEL);
	if (!ism)
		return -ENOMEM;
	ism->emu = emu;
	ism->dma_dev = emu->dev;
	ism->fabric_id = emu->pchid;
	ism->uid = emu->uid;
	ism->fid = emu->uid;
	emu->drv = ism;

	static_branch_inc(&dibs_ism_emu_key);
	rc = ism_dev_setup(ism, emu->dev);
	if (rc) {
		static_branch_dec(&dibs_ism_emu_key);
		emu->drv = NULL;
		kfree(ism);
	}
	return rc;
}
EXPORT_SYMBOL_GPL(dibs_ism_emu_add);

/**
 * dibs_ism_emu_remove() - remove an emulated ISM function
 * @emu: a function added with dibs_ism_emu_add()
 *
 * The hot unplug of the function: removes the dibs device (clients'
 * del_dev()), unregisters what they left, SBA and IEQ, and disables the
 * interrupt through the emulator's ops.
 *
 * Context: process context, may sleep.
 */
void dibs_ism_emu_remove(struct dibs_ism_emu *emu)
{
	struct ism_dev *ism = emu->drv;

	ism_dev_teardown(ism);
	static_branch_dec(&dibs_ism_emu_key);
	emu->drv = NULL;
	kfree(ism);
}
EXPORT_SYMBOL_GPL(dibs_ism_emu_remove);

/**
 * dibs_ism_emu_irq() - the emulated function's interrupt
 * @emu: a function added with dibs_ism_emu_add(), its interrupt enabled
 *
 * Context: any (the emulator's interrupt context); must not run
 * concurrently with itself for the same @emu.
 */
void dibs_ism_emu_irq(struct dibs_ism_emu *emu)
{
	ism_handle_irq(emu->drv);
}
EXPORT_SYMBOL_GPL(dibs_ism_emu_irq);

/**
 * dibs_ism_emu_name() - the dibs device name of an emulated function
 * @emu: a function added with dibs_ism_emu_add()
 *
 * Context: any, while the function is added.
 * Return: the name (ism<uid>).
 */
const char *dibs_ism_emu_name(struct dibs_ism_emu *emu)
{
	struct ism_dev *ism = emu->drv;

	return dev_name(&ism->dibs->dev);
}
EXPORT_SYMBOL_GPL(dibs_ism_emu_name);
#endif /* DIBS_TESTS */

static int __init dibs_ism_init(void)
{
	int rc;

	BUILD_BUG_ON(BITS_PER_LONG != 64);
	BUILD_BUG_ON(sizeof(struct ism_sba) > PAGE_SIZE);
	BUILD_BUG_ON(sizeof(struct ism_eq) > PAGE_SIZE);
	BUILD_BUG_ON(sizeof(union ism_qi) > ISM_CMD_AREA_LEN);

	rc = dibs_kind_register(&ism_kind);
	if (rc) {
		pr_err("cannot register device kind \"%s\": %d\n",
		       ism_kind.name, rc);
		return rc;
	}
	rc = ism_pci_register();
	if (rc) {
		pr_err("cannot register the PCI driver: %d\n", rc);
		dibs_kind_unregister(&ism_kind);
	}
	return rc;
}

static void __exit dibs_ism_exit(void)
{
	ism_pci_unregister();
	dibs_kind_unregister(&ism_kind);
}

module_init(dibs_ism_init);
module_exit(dibs_ism_exit);

MODULE_DESCRIPTION("dibs: IBM ISM functions as dibs devices");
MODULE_LICENSE("GPL");
MODULE_VERSION(DIBS_VERSION);
