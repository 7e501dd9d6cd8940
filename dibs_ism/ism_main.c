// SPDX-License-Identifier: GPL-2.0
/*
 * dibs_ism: IBM ISM functions as dibs devices.
 *
 * An ISM (Internal Shared Memory) function is a virtual PCI function of
 * IBM Z (vendor 0x1014, device 0x04ed).  Functions on the same VCHID reach
 * each other: the firmware copies what one function stores into a DMB of
 * another and sets a bit in the owner's SBA.  This file is the
 * architecture-neutral part: commands, SBA and IEQ, the dibs device ops,
 * the interrupt's bottom, setup and teardown.  ism_pci.c (s390 only) is the
 * PCI driver; an emulated function (dibs_ism_emu.h) uses the same code.
 * See ism_hw.h for the seam between the two and Documentation/ism.rst.
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
 * ism_dev.dmb_mutex
 *	DMB registration, unregistration, the kind's dmb_next and teardown;
 *	protects ism_dev.dmbs and the DMB memory's lifetime.
 * dibs_dev.lock (irqsave)
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
 * Bits of the DMB bit vector the handler scans: whole 64-bit words, as the
 * MSB-first numbering (ism_sba_bit_nr()) needs.  The last word is half DMB
 * bits (indexes 1888..1919), half the SBA's reserved word: the handler
 * leaves bits of that half alone.
 */
#define ISM_SBA_SCAN_BITS	round_up(ISM_NR_DMBS - ISM_DMB_BIT_OFFSET, \
					 BITS_PER_LONG)

#define ISM_DMB_GFP	(GFP_KERNEL | __GFP_NOWARN | __GFP_NOMEMALLOC | \
			 __GFP_NORETRY)

static struct dibs_dev_kind ism_kind;

/*
 * Run the command in @cmd (a union ism_*, @size bytes) and leave the
 * response there.  Returns the response code: 0, or non-zero on failure
 * (ISM_ERROR if the function did not answer).
 */
static int ism_cmd(struct ism_dev *ism, void *cmd, unsigned int size)
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

#define ism_cmd_init(c, code)					\
	do {							\
		memset((c), 0, sizeof(*(c)));			\
		(c)->request.hdr.cmd = (code);			\
		(c)->request.hdr.len = sizeof((c)->request);	\
	} while (0)

static int ism_cmd_simple(struct ism_dev *ism, u32 code)
{
	union ism_cmd_simple cmd;

	ism_cmd_init(&cmd, code);
	return ism_cmd(ism, &cmd, sizeof(cmd));
}

static void ism_gid_to_uuid(u64 gid, uuid_t *uuid)
{
	__be64 be = cpu_to_be64(gid);

	memset(uuid, 0, sizeof(*uuid));
	memcpy(&uuid->b[0], &be, sizeof(be));
}

/* The u64 GID in @uuid; false if @uuid is no ISM GID. */
static bool ism_uuid_to_gid(const uuid_t *uuid, u64 *gid)
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

static u16 ism_get_fabric_id(struct dibs_dev *dibs)
{
	struct ism_dev *ism = dibs->drv_priv;

	return ism->fabric_id;
}

/*
 * The function answers: 0 if @rgid is on our VCHID (and VLAN @vid if
 * @vid_valid).  Process context.
 */
static int ism_query_remote_gid(struct dibs_dev *dibs, const uuid_t *rgid,
				u32 vid_valid, u32 vid)
{
	struct ism_dev *ism = dibs->drv_priv;
	union ism_query_rgid cmd;
	u64 gid;

	if (!ism_uuid_to_gid(rgid, &gid))
		return -ENETUNREACH;
	ism_cmd_init(&cmd, ISM_QUERY_RGID);
	cmd.request.rgid = gid;
	cmd.request.vlan_valid = vid_valid;
	cmd.request.vlan_id = vid;
	return ism_cmd(ism, &cmd, sizeof(cmd)) ? -ENETUNREACH : 0;
}

static int ism_max_dmbs(void)
{
	return ISM_NR_DMBS;
}

/* Reserve an SBA index for @dmb: the one asked for, or the lowest free. */
static int ism_dmb_reserve(struct ism_dev *ism, struct ism_dmb *dmb,
			   u32 want)
{
	int rc;

	if (want) {
		if (want < ISM_DMB_BIT_OFFSET || want >= ISM_NR_DMBS)
			return -EINVAL;
		dmb->idx = want;
		rc = xa_insert(&ism->dmbs, want, dmb, GFP_KERNEL);
		return rc == -EBUSY ? -EINVAL : rc;
	}
	rc = xa_alloc(&ism->dmbs, &dmb->idx, dmb,
		      XA_LIMIT(ISM_DMB_BIT_OFFSET, ISM_NR_DMBS - 1),
		      GFP_KERNEL);
	return rc == -EBUSY ? -ENOSPC : rc;
}

/* Free a DMB the function no longer writes; dmb_mutex held. */
static void ism_dmb_free(struct ism_dev *ism, struct ism_dmb *dmb)
{
	struct dibs_dev *dibs = ism->dibs;
	unsigned long flags;

	spin_lock_irqsave(&dibs->lock, flags);
	if (dibs->dmb_clientid_arr)
		dibs->dmb_clientid_arr[dmb->idx] = NO_DIBS_CLIENT;
	spin_unlock_irqrestore(&dibs->lock, flags);
	xa_erase(&ism->dmbs, dmb->idx);
	dma_free_coherent(ism->dma_dev, dmb->len, dmb->cpu_addr,
			  dmb->dma_addr);
	kfree(dmb);
}

/**
 * ism_register_dmb() - dibs_dev_ops.register_dmb of dibs_ism
 * @dibs: the device the DMB lives on
 * @dmb: in: @dmb_len (1..ISM_DMB_LEN_MAX), @rgid (an ISM GID), @idx (0 or
 *	a free SBA index >= ISM_DMB_BIT_OFFSET), @vlan_valid, @vlan_id;
 *	out: @dmb_tok, @cpu_addr, @idx, @dma_addr
 * @client: the client on whose behalf the DMB is registered
 *
 * Context: process context, may sleep.
 * Return: 0; -EINVAL for a bad length, GID or index; -ENOSPC if all SBA
 * indexes are taken; -ENOMEM; -EIO if the function refused.
 */
static int ism_register_dmb(struct dibs_dev *dibs, struct dibs_dmb *dmb,
			    struct dibs_client *client)
{
	struct ism_dev *ism = dibs->drv_priv;
	union ism_reg_dmb cmd;
	struct ism_dmb *idmb;
	unsigned long flags;
	u64 rgid;
	int rc;

	if (!dmb->dmb_len || dmb->dmb_len > ISM_DMB_LEN_MAX ||
	    PAGE_ALIGN(dmb->dmb_len) > dma_get_max_seg_size(ism->dma_dev) ||
	    !ism_uuid_to_gid(&dmb->rgid, &rgid) ||
	    client->id >= MAX_DIBS_CLIENTS) {
		rc = -EINVAL;
		goto err;
	}
	idmb = kzalloc(sizeof(*idmb), GFP_KERNEL);
	if (!idmb) {
		rc = -ENOMEM;
		goto err;
	}
	idmb->len = dmb->dmb_len;
	uuid_copy(&idmb->rgid, &dmb->rgid);
	idmb->client_id = client->id;

	mutex_lock(&ism->dmb_mutex);
	rc = ism_dmb_reserve(ism, idmb, dmb->idx);
	if (rc)
		goto err_unlock;
	/* Zeroed: dma_alloc_coherent() clears what it hands out. */
	idmb->cpu_addr = dma_alloc_coherent(ism->dma_dev, idmb->len,
					    &idmb->dma_addr, ISM_DMB_GFP);
	if (!idmb->cpu_addr) {
		rc = -ENOMEM;
		goto err_release;
	}

	ism_cmd_init(&cmd, ISM_REG_DMB);
	cmd.request.dmb = idmb->dma_addr;
	cmd.request.dmb_len = idmb->len;
	cmd.request.sba_idx = idmb->idx;
	cmd.request.vlan_valid = dmb->vlan_valid;
	cmd.request.vlan_id = dmb->vlan_id;
	cmd.request.rgid = rgid;
	if (ism_cmd(ism, &cmd, sizeof(cmd))) {
		rc = -EIO;
		goto err_free_mem;
	}
	idmb->tok = cmd.response.dmb_tok;

	spin_lock_irqsave(&dibs->lock, flags);
	if (dibs->dmb_clientid_arr)
		dibs->dmb_clientid_arr[idmb->idx] = client->id;
	spin_unlock_irqrestore(&dibs->lock, flags);
	mutex_unlock(&ism->dmb_mutex);

	dmb->dmb_tok = idmb->tok;
	dmb->cpu_addr = idmb->cpu_addr;
	dmb->dma_addr = idmb->dma_addr;
	dmb->idx = idmb->idx;
	dibs_stats_dmb(dibs, true);
	return 0;

	/* Each step undone with the counterpart of what made it. */
err_free_mem:
	dma_free_coherent(ism->dma_dev, idmb->len, idmb->cpu_addr,
			  idmb->dma_addr);
err_release:
	xa_erase(&ism->dmbs, idmb->idx);
err_unlock:
	mutex_unlock(&ism->dmb_mutex);
	kfree(idmb);
err:
	dibs_stats_error(dibs);
	return rc;
}

/* The DMB with token @tok (at @idx, if the caller's copy is right). */
static struct ism_dmb *ism_dmb_find(struct ism_dev *ism, u64 tok, u32 idx)
{
	struct ism_dmb *dmb;
	unsigned long i;

	dmb = xa_load(&ism->dmbs, idx);
	if (dmb && dmb->tok == tok)
		return dmb;
	xa_for_each(&ism->dmbs, i, dmb)
		if (dmb->tok == tok)
			return dmb;
	return NULL;
}

/*
 * Unregister @dmb at the function and free it; dmb_mutex held.  If the
 * function refuses, it may still write the buffer: the driver keeps it
 * (and its index) until a later unregistration or the teardown succeeds,
 * but the DMB is no client's any more: no handle_irq() for it, and it
 * does not count as the client's in dmb_clientid_arr, so that the client
 * (which forgets it, as smc does) can still unregister from dibs.
 */
static int ism_dmb_unregister(struct ism_dev *ism, struct ism_dmb *dmb)
{
	struct dibs_dev *dibs = ism->dibs;
	union ism_unreg_dmb cmd;
	unsigned long flags;
	int ret;

	ism_cmd_init(&cmd, ISM_UNREG_DMB);
	cmd.request.dmb_tok = dmb->tok;
	ret = ism_cmd(ism, &cmd, sizeof(cmd));
	if (ret && ret != ISM_ERROR) {
		spin_lock_irqsave(&dibs->lock, flags);
		if (dibs->dmb_clientid_arr)
			dibs->dmb_clientid_arr[dmb->idx] = NO_DIBS_CLIENT;
		spin_unlock_irqrestore(&dibs->lock, flags);
		dmb->client_id = NO_DIBS_CLIENT;
		return -EIO;
	}
	ism_dmb_free(ism, dmb);
	return 0;
}

/**
 * ism_unregister_dmb() - dibs_dev_ops.unregister_dmb of dibs_ism
 * @dibs: the device the DMB was registered on
 * @dmb: @dmb_tok (and @idx) name the DMB
 *
 * Context: process context, may sleep.
 * Return: 0; -EINVAL for an unknown token; -EIO if the function refused:
 * the buffer then stays allocated, no longer @dmb's client's (see
 * ism_dmb_unregister()); calling again with the token retries.
 */
static int ism_unregister_dmb(struct dibs_dev *dibs, struct dibs_dmb *dmb)
{
	struct ism_dev *ism = dibs->drv_priv;
	struct ism_dmb *idmb;
	bool owned;
	int rc;

	mutex_lock(&ism->dmb_mutex);
	idmb = ism_dmb_find(ism, dmb->dmb_tok, dmb->idx);
	owned = idmb && idmb->client_id != NO_DIBS_CLIENT;
	rc = idmb ? ism_dmb_unregister(ism, idmb) : -EINVAL;
	mutex_unlock(&ism->dmb_mutex);
	if (rc)
		dibs_stats_error(dibs);
	if (owned && !rc)
		dibs_stats_dmb(dibs, false);
	else if (owned && rc == -EIO)
		/*
		 * Refused: the buffer stays, but it is no client's and not
		 * in use any more (sysfs dmbs); a later retry that succeeds
		 * does not count it again.
		 */
		dibs_dev_dmb_count(dibs, false);
	return rc;
}

/**
 * ism_move_data() - dibs_dev_ops.move_data of dibs_ism
 * @dibs: the sending device
 * @dmb_tok: token of the target DMB (on any function of the VCHID)
 * @idx: the writer's index, 0..255: the owner's client gets the signal
 *	bit for it in its dmbe mask
 * @sf: signal the owner's client after the data is in place
 * @offset: where in the DMB to write (below 8 MiB)
 * @data: what to write
 * @size: how many bytes
 *
 * The data goes in store blocks of at most 4 KiB that do not cross a 4 KiB
 * boundary of the DMB.  They are issued from the highest offset down, and
 * only the last one issued (the lowest) carries the signal flag: the
 * function checks each store against the DMB, so a write that ends beyond
 * the DMB (or that @dibs may not do) fails at the first store, with
 * nothing written, and a signalled reader finds all the data in place.
 *
 * Context: any, does not sleep.
 * Return: 0; -EINVAL if @idx or the range cannot be expressed; -EIO if
 * the function refused a store (unknown token, beyond the DMB, not the
 * DMB's writer: the store block does not tell which).
 */
static int ism_move_data(struct dibs_dev *dibs, u64 dmb_tok,
			 unsigned int idx, bool sf, unsigned int offset,
			 void *data, unsigned int size)
{
	struct ism_dev *ism = dibs->drv_priv;
	unsigned int end, start, bytes;
	int rc;

	if (unlikely(idx > ISM_MOVE_IDX_MAX ||
		     (dmb_tok & ~ISM_MOVE_TOK_MASK) ||
		     offset > ISM_MOVE_OFFSET_MASK ||
		     size > ISM_MOVE_OFFSET_MASK + 1 - offset)) {
		rc = -EINVAL;
		goto err;
	}
	for (end = offset + size; end > offset; end = start) {
		start = max(offset, round_down(end - 1, ISM_MOVE_PIECE_MAX));
		bytes = end - start;
		rc = ism_hw_move(ism, ism_move_req(dmb_tok, idx,
						   sf && start == offset,
						   start),
				 data + (start - offset), bytes);
		if (unlikely(rc))
			goto err;
	}
	dibs_stats_move(dibs, size);
	return 0;

err:
	dibs_stats_error(dibs);
	return rc;
}

/* Context: any (smc calls it under a spinlock). */
static int ism_add_vlan_id(struct dibs_dev *dibs, u64 vlan_id)
{
	struct ism_dev *ism = dibs->drv_priv;
	union ism_set_vlan_id cmd;

	ism_cmd_init(&cmd, ISM_ADD_VLAN_ID);
	cmd.request.vlan_id = vlan_id;
	return ism_cmd(ism, &cmd, sizeof(cmd)) ? -EIO : 0;
}

/* Context: any (smc calls it under a spinlock). */
static int ism_del_vlan_id(struct dibs_dev *dibs, u64 vlan_id)
{
	struct ism_dev *ism = dibs->drv_priv;
	union ism_set_vlan_id cmd;

	ism_cmd_init(&cmd, ISM_DEL_VLAN_ID);
	cmd.request.vlan_id = vlan_id;
	return ism_cmd(ism, &cmd, sizeof(cmd)) ? -EIO : 0;
}

/**
 * ism_signal_event() - dibs_dev_ops.signal_event of dibs_ism
 * @dibs: the sending device
 * @rgid: GID of the function whose clients get the event
 * @trigger_irq: non-zero: interrupt the target at once
 * @event_code: the event's code (DIBS_SW_EVENT subtype at the target)
 * @info: the event's data
 *
 * The function puts an ISM_EVENT_SWR entry with our GID into the target's
 * IEQ.
 *
 * Context: process context (any context works).
 * Return: 0, or -ENETUNREACH if the function cannot reach @rgid.
 */
static int ism_signal_event(struct dibs_dev *dibs, const uuid_t *rgid,
			    u32 trigger_irq, u32 event_code, u64 info)
{
	struct ism_dev *ism = dibs->drv_priv;
	union ism_sig_ieq cmd;
	u64 gid;

	if (!ism_uuid_to_gid(rgid, &gid))
		goto err;
	ism_cmd_init(&cmd, ISM_SIGNAL_IEQ);
	cmd.request.rgid = gid;
	cmd.request.trigger_irq = trigger_irq;
	cmd.request.event_code = event_code;
	cmd.request.info = info;
	if (!ism_cmd(ism, &cmd, sizeof(cmd)))
		return 0;
err:
	dibs_stats_error(dibs);
	return -ENETUNREACH;
}

static const struct dibs_dev_ops ism_ops = {
	.get_fabric_id = ism_get_fabric_id,
	.query_remote_gid = ism_query_remote_gid,
	.max_dmbs = ism_max_dmbs,
	.register_dmb = ism_register_dmb,
	.unregister_dmb = ism_unregister_dmb,
	.move_data = ism_move_data,
	.add_vlan_id = ism_add_vlan_id,
	.del_vlan_id = ism_del_vlan_id,
	.signal_event = ism_signal_event,
};

/* dibs_dev_kind.dmb_next: the DMB with the lowest SBA index >= *@idx. */
static int ism_dmb_next(struct dibs_dev *dibs, u32 *idx,
			struct dibs_dmb_info *info)
{
	struct ism_dev *ism = dibs->drv_priv;
	unsigned long index = *idx;
	struct ism_dmb *dmb;

	memset(info, 0, sizeof(*info));
	mutex_lock(&ism->dmb_mutex);
	dmb = xa_find(&ism->dmbs, &index, ULONG_MAX, XA_PRESENT);
	if (dmb) {
		info->dmb_tok = dmb->tok;
		uuid_copy(&info->rgid, &dmb->rgid);
		info->dmb_len = dmb->len;
		info->idx = dmb->idx;
		info->client_id = dmb->client_id;
		*idx = index;
	}
	mutex_unlock(&ism->dmb_mutex);
	return dmb ? 0 : -ENOENT;
}

static struct dibs_dev_kind ism_kind = {
	.name = "ism",
	.owner = THIS_MODULE,
	.dmb_next = ism_dmb_next,
	.list = LIST_HEAD_INIT(ism_kind.list),
};

static u32 ism_event_type(u32 type)
{
	switch (type) {
	case ISM_EVENT_BUF:
		return DIBS_BUF_EVENT;
	case ISM_EVENT_DEV:
		return DIBS_DEV_EVENT;
	case ISM_EVENT_SWR:
		return DIBS_SW_EVENT;
	default:
		return DIBS_OTHER_TYPE;
	}
}

static u32 ism_event_subtype(u32 code)
{
	switch (code) {
	case ISM_BUF_DMB_UNREGISTERED:
		return DIBS_BUF_UNREGISTERED;
	case ISM_DEV_GID_DISABLED:
		return DIBS_DEV_DISABLED;
	case ISM_DEV_GID_ERR_STATE:
		return DIBS_DEV_ERR_STATE;
	default:
		return DIBS_OTHER_SUBTYPE;
	}
}

/* Hand the new IEQ entries to every client; dibs->lock held. */
static void ism_handle_events(struct ism_dev *ism)
{
	struct dibs_dev *dibs = ism->dibs;
	const struct ism_event *entry;
	struct dibs_event ev;
	unsigned int n;
	u64 head;

	head = READ_ONCE(ism->ieq->header.idx);
	if (unlikely(head > ISM_EQ_ENTRIES)) {
		dev_err_ratelimited(&dibs->dev, "bad IEQ index %llu\n", head);
		return;
	}
	/* Reads of the entries after the read of the index. */
	dma_rmb();
	for (n = 0; ism->ieq_idx + 1 != head && n < ISM_EQ_ENTRIES; n++) {
		if (++ism->ieq_idx == ISM_EQ_ENTRIES)
			ism->ieq_idx = 0;
		entry = &ism->ieq->entry[ism->ieq_idx];

		memset(&ev, 0, sizeof(ev));
		ev.type = ism_event_type(entry->type);
		ev.subtype = ev.type == DIBS_SW_EVENT ?
			     entry->code : ism_event_subtype(entry->code);
		ev.time = entry->time;
		ev.data = entry->info;
		if (ev.type == DIBS_BUF_EVENT)
			ev.buffer_tok = entry->tok;
		else if (ev.type == DIBS_DEV_EVENT || ev.type == DIBS_SW_EVENT)
			ism_gid_to_uuid(entry->tok, &ev.gid);

		dibs_clients_handle_event(dibs, dibs->subs, &ev);
	}
}

/**
 * ism_handle_irq() - the function's interrupt: scan the SBA and the IEQ
 * @ism: the function
 *
 * Clears the summary bit, then every set DMB bit with its dmbe mask, and
 * calls handle_irq() of the client that owns the DMB; then, if the event
 * bit is set, hands the new IEQ entries to every client.  Called by the
 * PCI interrupt handler (hard IRQ) or by an emulator.
 *
 * Context: any; takes dibs->lock.
 */
void ism_handle_irq(struct ism_dev *ism)
{
	struct ism_sba *sba = READ_ONCE(ism->sba);
	struct dibs_dev *dibs = ism->dibs;
	struct dibs_client *client;
	unsigned long flags, bit;
	unsigned long *bv;
	unsigned int idx;
	u16 mask;

	if (unlikely(!sba))
		return;
	bv = (unsigned long *)&sba->dmb_bits[ISM_DMB_WORD_OFFSET];
	spin_lock_irqsave(&dibs->lock, flags);
	sba->s = 0;
	barrier();
	for_each_set_bit(bit, bv, ISM_SBA_SCAN_BITS) {
		idx = (bit ^ (BITS_PER_LONG - 1)) + ISM_DMB_BIT_OFFSET;
		/* A bit of the reserved word: not ours to clear or act on. */
		if (unlikely(idx >= ISM_NR_DMBS))
			continue;
		clear_bit(bit, bv);
		mask = sba->dmbe_mask[idx];
		sba->dmbe_mask[idx] = 0;
		barrier();
		client = dibs_dmb_client(dibs, idx);
		if (unlikely(!client))
			continue;
		dibs_dmb_signal(dibs, client, idx, mask);
	}
	if (sba->e) {
		sba->e = 0;
		barrier();
		if (READ_ONCE(ism->ieq))
			ism_handle_events(ism);
	}
	spin_unlock_irqrestore(&dibs->lock, flags);
}

static int ism_hw_irq_request(struct ism_dev *ism)
{
	int rc;

	if (ism_emulated(ism))
		rc = ism_emu(ism)->ops->irq_enable(ism_emu(ism), true);
	else
		rc = ism_pci_irq_request(ism);
	ism->irq_on = !rc;
	return rc;
}

static void ism_hw_irq_free(struct ism_dev *ism)
{
	if (!ism->irq_on)
		return;
	if (ism_emulated(ism))
		ism_emu(ism)->ops->irq_enable(ism_emu(ism), false);
	else
		ism_pci_irq_free(ism);
	ism->irq_on = false;
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
