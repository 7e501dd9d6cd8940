// SPDX-License-Identifier: GPL-2.0
/*
 * dibs_lo: DMBs - registration, the token table, move_data(), attachments.
 *
 * The locking and lifetime rules are described at the top of dibs_lo_main.c.
 */

#include <linux/bitops.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "dibs_lo.h"

/*
 * Memory of a DMB: zeroed, physically contiguous, in the linear map, and one
 * compound page (as ISM's DMBs and mainline's loopback's are): smc's
 * splice() hands a pipe the DMB's first page with offsets up to the DMB's
 * length, which the page copy code accepts only within a compound page.
 * Fail fast and quietly under memory pressure: the client gets -ENOMEM and
 * may retry with a smaller buffer.
 */
#define DIBS_LO_DMB_GFP	(GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN | \
			 __GFP_NORETRY | __GFP_NOMEMALLOC | __GFP_COMP)

static void *dibs_lo_dmb_alloc(size_t len)
{
	struct page *page = alloc_pages(DIBS_LO_DMB_GFP, get_order(len));

	return page ? page_address(page) : NULL;
}

static void dibs_lo_dmb_mem_free(void *addr, size_t len)
{
	__free_pages(virt_to_page(addr), get_order(len));
}

/* What register_dmb() and attach_dmb() report as the DMB's bus address. */
#define DIBS_LO_DMA_ADDR	((dma_addr_t)~0ULL)

/* Tries to find a token not in use; a collision is already 2^-64 unlikely. */
#define DIBS_LO_TOK_TRIES	16

/* All DMBs of all dibs_lo devices, by token. */
static struct rhashtable dibs_lo_toks;

static const struct rhashtable_params dibs_lo_tok_params = {
	.key_len = sizeof_field(struct dibs_lo_dmb, tok),
	.key_offset = offsetof(struct dibs_lo_dmb, tok),
	.head_offset = offsetof(struct dibs_lo_dmb, node),
	.automatic_shrinking = true,
};

/**
 * dibs_lo_dmb_init() - set up the token table
 *
 * Return: 0 or -ENOMEM.
 */
int dibs_lo_dmb_init(void)
{
	return rhashtable_init(&dibs_lo_toks, &dibs_lo_tok_params);
}

/**
 * dibs_lo_dmb_exit() - tear down the token table
 *
 * All devices must be gone (the table is empty then).  Waits for the
 * deferred frees of DMBs before the module text goes away.
 */
void dibs_lo_dmb_exit(void)
{
	rcu_barrier();
	rhashtable_destroy(&dibs_lo_toks);
}

/**
 * dibs_lo_dev_init_dmbs() - initialise the DMB state of a new device
 * @ldev: the device
 */
void dibs_lo_dev_init_dmbs(struct dibs_lo_dev *ldev)
{
	xa_init_flags(&ldev->dmbs, XA_FLAGS_ALLOC);
	spin_lock_init(&ldev->att_lock);
	hash_init(ldev->atts);
}

static void dibs_lo_dmb_free_rcu(struct rcu_head *head)
{
	struct dibs_lo_dmb *ldmb = container_of(head, struct dibs_lo_dmb, rcu);

	dibs_lo_dmb_mem_free(ldmb->cpu_addr, ldmb->len);
	kfree(ldmb);
}

/* Drop @n references; the last one frees the DMB after a grace period. */
static void dibs_lo_dmb_put_many(struct dibs_lo_dmb *ldmb, unsigned int n)
{
	if (refcount_sub_and_test(n, &ldmb->refs))
		call_rcu(&ldmb->rcu, dibs_lo_dmb_free_rcu);
}

/*
 * May @sender write into @ldmb (move_data) or attach to it?  Only from the
 * same fabric, on the loopback fabric only from the owner itself, and only
 * the one writer the DMB was registered for.  RCU read side: @ldmb was found
 * in the token table, so its owner is alive.
 */
static bool dibs_lo_may_write(const struct dibs_lo_dev *sender,
			      const struct dibs_lo_dmb *ldmb)
{
	if (sender->fabric_id != ldmb->fabric_id)
		return false;
	if (sender->fabric_id == DIBS_LOOPBACK_FABRIC && ldmb->owner != sender)
		return false;
	return uuid_equal(&ldmb->rgid, &sender->dibs->gid);
}

/*
 * Take @ldmb off its device: no signal for it any more, index free for reuse,
 * the registration's reference dropped.  The caller has removed it from the
 * token table (and so owns the registration).
 */
static void dibs_lo_dmb_unlink(struct dibs_lo_dev *ldev,
			       struct dibs_lo_dmb *ldmb)
{
	struct dibs_dev *dibs = ldev->dibs;
	unsigned long flags;

	spin_lock_irqsave(&dibs->lock, flags);
	if (dibs->dmb_clientid_arr)
		dibs->dmb_clientid_arr[ldmb->idx] = NO_DIBS_CLIENT;
	ldmb->live = false;
	spin_unlock_irqrestore(&dibs->lock, flags);
	xa_erase(&ldev->dmbs, ldmb->idx);
	dibs_lo_dmb_put_many(ldmb, 1);
}

/* Give @ldmb a fresh random non-zero token and publish it. */
static int dibs_lo_tok_insert(struct dibs_lo_dmb *ldmb)
{
	int tries, rc = -EEXIST;

	for (tries = 0; tries < DIBS_LO_TOK_TRIES; tries++) {
		do {
			ldmb->tok = get_random_u64();
		} while (!ldmb->tok);
		rc = rhashtable_lookup_insert_fast(&dibs_lo_toks, &ldmb->node,
						   dibs_lo_tok_params);
		if (rc != -EEXIST && rc != -EBUSY)
			break;
	}
	return rc ? -ENOMEM : 0;
}

/**
 * dibs_lo_register_dmb() - dibs_dev_ops.register_dmb of dibs_lo
 * @dibs: the device the DMB lives on (the reader's)
 * @dmb: in: @dmb_len (1..DIBS_LO_DMB_LEN_MAX), @rgid, @idx (0: any index,
 *	else that index, which must be free and below max_dmbs);
 *	out: @dmb_tok, @cpu_addr, @idx, @dma_addr
 * @client: the client on whose behalf the DMB is registered
 *
 * Context: process context, may sleep.
 * Return: 0; -EINVAL for a bad length or a requested index that is out of
 * range or taken; -ENOSPC when the device holds max_dmbs DMBs; -ENOMEM.
 */
int dibs_lo_register_dmb(struct dibs_dev *dibs, struct dibs_dmb *dmb,
			 struct dibs_client *client)
{
	struct dibs_lo_dev *ldev = dibs->drv_priv;
	struct dibs_lo_dmb *ldmb;
	unsigned long flags;
	int rc;

	if (!dmb->dmb_len || dmb->dmb_len > DIBS_LO_DMB_LEN_MAX ||
	    dmb->idx >= dibs_lo_max_dmbs || client->id >= MAX_DIBS_CLIENTS) {
		rc = -EINVAL;
		goto err;
	}
	ldmb = kzalloc(sizeof(*ldmb), GFP_KERNEL | __GFP_NOWARN);
	if (!ldmb) {
		rc = -ENOMEM;
		goto err;
	}
	ldmb->cpu_addr = dibs_lo_dmb_alloc(dmb->dmb_len);
	if (!ldmb->cpu_addr) {
		kfree(ldmb);
		rc = -ENOMEM;
		goto err;
	}
	ldmb->owner = ldev;
	ldmb->len = dmb->dmb_len;
	uuid_copy(&ldmb->rgid, &dmb->rgid);
	ldmb->fabric_id = ldev->fabric_id;
	ldmb->client_id = client->id;
	refcount_set(&ldmb->refs, 1);
	atomic_set(&ldmb->attached, 0);

	if (dmb->idx) {
		ldmb->idx = dmb->idx;
		rc = xa_insert(&ldev->dmbs, ldmb->idx, ldmb, GFP_KERNEL);
		if (rc == -EBUSY)
			rc = -EINVAL;
	} else {
		rc = xa_alloc(&ldev->dmbs, &ldmb->idx, ldmb,
			      XA_LIMIT(0, dibs_lo_max_dmbs - 1), GFP_KERNEL);
		if (rc == -EBUSY)
			rc = -ENOSPC;
	}
	if (rc) {
		dibs_lo_dmb_mem_free(ldmb->cpu_addr, ldmb->len);
		kfree(ldmb);
		goto err;
	}

	spin_lock_irqsave(&dibs->lock, flags);
	if (dibs->dmb_clientid_arr)
		dibs->dmb_clientid_arr[ldmb->idx] = client->id;
	ldmb->live = true;
	spin_unlock_irqrestore(&dibs->lock, flags);

	/* Last: from here on move_data() and attach_dmb() find it. */
	rc = dibs_lo_tok_insert(ldmb);
	if (rc) {
		dibs_lo_dmb_unlink(ldev, ldmb);
		goto err;
	}

	dmb->dmb_tok = ldmb->tok;
	dmb->cpu_addr = ldmb->cpu_addr;
	dmb->idx = ldmb->idx;
	dmb->dma_addr = DIBS_LO_DMA_ADDR;
	dibs_stats_dmb(dibs, true);
	return 0;

err:
	dibs_stats_error(dibs);
	return rc;
}

/**
 * dibs_lo_unregister_dmb() - dibs_dev_ops.unregister_dmb of dibs_lo
 * @dibs: the device the DMB was registered on
 * @dmb: @dmb_tok names the DMB
 *
 * The buffer stays valid while writers are attached to it; move_data() and
 * attach_dmb() no longer find the token once this returns.  No sleeping:
 * the whole unregistration is one RCU read-side section.
 *
 * Context: process context (any context works).
 * Return: 0, or -EINVAL if @dibs holds no DMB with that token.
 */
int dibs_lo_unregister_dmb(struct dibs_dev *dibs, struct dibs_dmb *dmb)
{
	struct dibs_lo_dev *ldev = dibs->drv_priv;
	struct dibs_lo_dmb *ldmb;

	rcu_read_lock();
	ldmb = rhashtable_lookup(&dibs_lo_toks, &dmb->dmb_tok,
				 dibs_lo_tok_params);
	/* Removal decides between concurrent unregistrations. */
	if (!ldmb || ldmb->owner != ldev ||
	    rhashtable_remove_fast(&dibs_lo_toks, &ldmb->node,
				   dibs_lo_tok_params)) {
		rcu_read_unlock();
		dibs_stats_error(dibs);
		return -EINVAL;
	}
	/*
	 * Still under RCU: a device deletion that found the DMB gone from the
	 * table (dibs_lo_dev_drop_dmbs()) waits for a grace period before it
	 * frees the device, so the device outlives this unlink.
	 */
	dibs_lo_dmb_unlink(ldev, ldmb);
	dibs_stats_dmb(dibs, false);
	rcu_read_unlock();
	return 0;
}

/*
 * Raise handle_irq() at the client of @ldmb; RCU read side.  The client is
 * looked up under the owner's lock and called after it is released: a
 * handle_irq() may write with a signal into any DMB, also one of its own
 * device.  The RCU read-side section keeps the client: the dibs layer
 * waits for a grace period after it stopped a client's callbacks on a
 * device and before it calls the client's del_dev().
 */
static void dibs_lo_signal(struct dibs_lo_dmb *ldmb, unsigned int idx)
{
	struct dibs_dev *owner = ldmb->owner->dibs;
	struct dibs_client *client = NULL;
	unsigned long flags;

	spin_lock_irqsave(&owner->lock, flags);
	if (ldmb->live)
		client = dibs_dmb_client(owner, ldmb->idx);
	spin_unlock_irqrestore(&owner->lock, flags);
	if (client) {
		local_irq_save(flags);
		dibs_dmb_signal(owner, client, ldmb->idx,
				dibs_signal_mask(idx));
		local_irq_restore(flags);
	}
}

/**
 * dibs_lo_move_data() - dibs_dev_ops.move_data of dibs_lo
 * @dibs: the sending device
 * @dmb_tok: token of the target DMB, on any device of @dibs's fabric
 * @idx: signal bit: the owner's client gets mask dibs_signal_mask(@idx)
 * @sf: signal the owner's client (handle_irq()) after the copy
 * @offset: where in the DMB to write
 * @data: what to write
 * @size: how many bytes
 *
 * No allocation, no lock but RCU and (with @sf) the owner's dev->lock,
 * which is released before the owner's client gets handle_irq().
 *
 * Context: any, also a handle_irq() (of any device); the caller must not
 * hold the owner device's dev->lock.
 * Return: 0; -EINVAL for an unknown token or a write beyond the end of the
 * DMB; -EACCES if @dibs is not the DMB's writer or cannot reach it.  Nothing
 * is written on failure.
 */
int dibs_lo_move_data(struct dibs_dev *dibs, u64 dmb_tok, unsigned int idx,
		      bool sf, unsigned int offset, void *data,
		      unsigned int size)
{
	struct dibs_lo_dev *sender = dibs->drv_priv;
	struct dibs_lo_dmb *ldmb;
	int rc = 0;

	rcu_read_lock();
	ldmb = rhashtable_lookup(&dibs_lo_toks, &dmb_tok, dibs_lo_tok_params);
	if (unlikely(!ldmb)) {
		rc = -EINVAL;
		goto out;
	}
	if (unlikely(!dibs_lo_may_write(sender, ldmb))) {
		rc = -EACCES;
		goto out;
	}
	if (unlikely(offset > ldmb->len || size > ldmb->len - offset)) {
		rc = -EINVAL;
		goto out;
	}
	memcpy(ldmb->cpu_addr + offset, data, size);
	if (sf)
		dibs_lo_signal(ldmb, idx);
out:
	rcu_read_unlock();
	if (unlikely(rc))
		dibs_stats_error(dibs);
	else
		dibs_stats_move(dibs, size);
	return rc;
}

/**
 * dibs_lo_support_mmapped_rdmb() - dibs_dev_ops.support_mmapped_rdmb
 * @dibs: the device
 *
 * Return: 1: every dibs_lo device can attach to the DMBs it may write.
 */
int dibs_lo_support_mmapped_rdmb(struct dibs_dev *dibs)
{
	return 1;
}

static struct dibs_lo_att *dibs_lo_att_find(struct dibs_lo_dev *ldev,
					    u64 tok)
{
	struct dibs_lo_att *att;

	hash_for_each_possible(ldev->atts, att, node, tok)
		if (att->tok == tok)
			return att;
	return NULL;
}

/**
 * dibs_lo_attach_dmb() - dibs_dev_ops.attach_dmb of dibs_lo
 * @dibs: the writer's device
 * @dmb: in: @dmb_tok; out: @cpu_addr (the DMB's own buffer), @dma_addr,
 *	@dmb_len, @idx (the DMB's index on its owner)
 *
 * Each successful call holds a reference on the DMB until the matching
 * detach_dmb() or until @dibs is deleted.  The same rules as for
 * move_data() decide who may attach.
 *
 * Context: process context, may sleep.
 * Return: 0; -EINVAL for an unknown token; -EACCES if @dibs may not write
 * the DMB; -ENOMEM.
 */
int dibs_lo_attach_dmb(struct dibs_dev *dibs, struct dibs_dmb *dmb)
{
	struct dibs_lo_dev *ldev = dibs->drv_priv;
	struct dibs_lo_att *att, *old;
	struct dibs_lo_dmb *ldmb;
	unsigned long flags;
	int rc = 0;

	att = kzalloc(sizeof(*att), GFP_KERNEL | __GFP_NOWARN);
	if (!att) {
		rc = -ENOMEM;
		goto err;
	}

	rcu_read_lock();
	ldmb = rhashtable_lookup(&dibs_lo_toks, &dmb->dmb_tok,
				 dibs_lo_tok_params);
	if (!ldmb)
		rc = -EINVAL;
	else if (!dibs_lo_may_write(ldev, ldmb))
		rc = -EACCES;
	else if (!refcount_inc_not_zero(&ldmb->refs))
		rc = -EINVAL;
	rcu_read_unlock();
	if (rc)
		goto err_free;

	spin_lock_irqsave(&ldev->att_lock, flags);
	old = dibs_lo_att_find(ldev, dmb->dmb_tok);
	if (old && old->dmb != ldmb) {
		/* The token of a gone DMB we still hold was given out again. */
		spin_unlock_irqrestore(&ldev->att_lock, flags);
		dibs_lo_dmb_put_many(ldmb, 1);
		rc = -EBUSY;
		goto err_free;
	}
	if (old) {
		old->count++;
	} else {
		att->tok = dmb->dmb_tok;
		att->dmb = ldmb;
		att->count = 1;
		hash_add(ldev->atts, &att->node, att->tok);
		att = NULL;
	}
	atomic_inc(&ldmb->attached);
	spin_unlock_irqrestore(&ldev->att_lock, flags);
	kfree(att);

	dmb->cpu_addr = ldmb->cpu_addr;
	dmb->dma_addr = DIBS_LO_DMA_ADDR;
	dmb->dmb_len = ldmb->len;
	dmb->idx = ldmb->idx;
	return 0;

err_free:
	kfree(att);
err:
	dibs_stats_error(dibs);
	return rc;
}

/**
 * dibs_lo_detach_dmb() - dibs_dev_ops.detach_dmb of dibs_lo
 * @dibs: the writer's device
 * @token: token of a DMB @dibs attached to
 *
 * Drops one attachment; the last reference frees the buffer.
 *
 * Context: any.
 * Return: 0, or -EINVAL if @dibs holds no attachment to @token.
 */
int dibs_lo_detach_dmb(struct dibs_dev *dibs, u64 token)
{
	struct dibs_lo_dev *ldev = dibs->drv_priv;
	struct dibs_lo_dmb *ldmb;
	struct dibs_lo_att *att;
	unsigned long flags;

	spin_lock_irqsave(&ldev->att_lock, flags);
	att = dibs_lo_att_find(ldev, token);
	if (!att) {
		spin_unlock_irqrestore(&ldev->att_lock, flags);
		dibs_stats_error(dibs);
		return -EINVAL;
	}
	ldmb = att->dmb;
	if (--att->count)
		att = NULL;
	else
		hash_del(&att->node);
	atomic_dec(&ldmb->attached);
	spin_unlock_irqrestore(&ldev->att_lock, flags);

	kfree(att);
	dibs_lo_dmb_put_many(ldmb, 1);
	return 0;
}

/**
 * dibs_lo_dmb_next() - dibs_dev_kind.dmb_next of dibs_lo
 * @dibs: a dibs_lo device
 * @idx: in: lowest index to report; out: the index reported
 * @info: filled with the DMB found
 *
 * Context: process context.
 * Return: 0, or -ENOENT if no DMB has an index >= *@idx.
 */
int dibs_lo_dmb_next(struct dibs_dev *dibs, u32 *idx,
		     struct dibs_dmb_info *info)
{
	struct dibs_lo_dev *ldev = dibs->drv_priv;
	unsigned long index = *idx;
	struct dibs_lo_dmb *ldmb;

	memset(info, 0, sizeof(*info));
	rcu_read_lock();
	ldmb = xa_find(&ldev->dmbs, &index, ULONG_MAX, XA_PRESENT);
	if (ldmb) {
		info->dmb_tok = ldmb->tok;
		uuid_copy(&info->rgid, &ldmb->rgid);
		info->dmb_len = ldmb->len;
		info->idx = ldmb->idx;
		info->client_id = ldmb->client_id;
		info->attach_count = atomic_read(&ldmb->attached);
		*idx = index;
	}
	rcu_read_unlock();
	return ldmb ? 0 : -ENOENT;
}

/**
 * dibs_lo_dev_drop_dmbs() - free what a device still holds
 * @ldev: a device whose clients are gone (after dibs_dev_del())
 *
 * Unregisters the DMBs that clients left on @ldev and drops the attachments
 * @ldev holds.  Memory that other devices are attached to stays until they
 * detach.  The caller waits for an RCU grace period before it frees @ldev.
 *
 * Context: process context.
 */
void dibs_lo_dev_drop_dmbs(struct dibs_lo_dev *ldev)
{
	struct dibs_lo_dmb *ldmb;
	struct dibs_lo_att *att;
	struct hlist_node *tmp;
	unsigned int left = 0;
	unsigned long index;
	unsigned long flags;
	HLIST_HEAD(doomed);
	int bkt;

	xa_for_each(&ldev->dmbs, index, ldmb) {
		/*
		 * Skip one that a late unregister_dmb() is taking away: it
		 * unlinks it inside its RCU read-side section, which the
		 * caller's grace period waits for before @ldev is freed.
		 */
		if (rhashtable_remove_fast(&dibs_lo_toks, &ldmb->node,
					   dibs_lo_tok_params))
			continue;
		dibs_lo_dmb_unlink(ldev, ldmb);
		left++;
	}
	if (left)
		dev_dbg(&ldev->dibs->dev, "freed %u DMBs left by clients\n",
			left);

	spin_lock_irqsave(&ldev->att_lock, flags);
	hash_for_each_safe(ldev->atts, bkt, tmp, att, node) {
		hash_del(&att->node);
		hlist_add_head(&att->node, &doomed);
	}
	spin_unlock_irqrestore(&ldev->att_lock, flags);

	hlist_for_each_entry_safe(att, tmp, &doomed, node) {
		atomic_sub(att->count, &att->dmb->attached);
		dibs_lo_dmb_put_many(att->dmb, att->count);
		kfree(att);
	}
}
