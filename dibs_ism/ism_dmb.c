// SPDX-License-Identifier: GPL-2.0
/*
 * dibs_ism: the dibs device ops of an ISM function (DMBs, the data path,
 * VLANs, signals) and the device kind "ism" (ism_main.c describes the
 * function and the driver).
 *
 * Locking (the order is in ism_main.c): ism_dev.dmb_mutex serialises DMB
 * registration, unregistration and the kind's dmb_next, and protects
 * ism_dev.dmbs and the DMB memory's lifetime; a DMB's owner in
 * dmb_clientid_arr[] changes under dibs_dev.lock, inside dmb_mutex.  The
 * commands take ism_dev.cmd_lock (ism_cmd()): any context, never
 * together with dibs_dev.lock.  move_data and signal_event take no
 * mutex and do not sleep.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "ism_hw.h"

#define ISM_DMB_GFP	(GFP_KERNEL | __GFP_NOWARN | __GFP_NOMEMALLOC | \
			 __GFP_NORETRY)

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
int ism_dmb_unregister(struct ism_dev *ism, struct ism_dmb *dmb)
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
int ism_add_vlan_id(struct dibs_dev *dibs, u64 vlan_id)
{
	struct ism_dev *ism = dibs->drv_priv;
	union ism_set_vlan_id cmd;

	ism_cmd_init(&cmd, ISM_ADD_VLAN_ID);
	cmd.request.vlan_id = vlan_id;
	return ism_cmd(ism, &cmd, sizeof(cmd)) ? -EIO : 0;
}

/* Context: any (smc calls it under a spinlock). */
int ism_del_vlan_id(struct dibs_dev *dibs, u64 vlan_id)
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

const struct dibs_dev_ops ism_ops = {
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

struct dibs_dev_kind ism_kind = {
	.name = "ism",
	.owner = THIS_MODULE,
	.dmb_next = ism_dmb_next,
	.list = LIST_HEAD_INIT(ism_kind.list),
};
