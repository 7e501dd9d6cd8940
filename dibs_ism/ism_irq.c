// SPDX-License-Identifier: GPL-2.0
/*
 * dibs_ism: the interrupt's bottom, shared by the PCI interrupt handler and
 * the emulator (ism_handle_irq()), and the interrupt's request and free
 * through the seam (ism_hw.h).
 *
 * Locking: dibs_dev.lock (irqsave) is held while the SBA and the IEQ are
 * scanned and the clients called, so it also guards ism_dev.ieq_idx and
 * the driver's stores into the SBA.  The handler never sleeps and never
 * issues a command (it never takes ism_dev.cmd_lock).  The function
 * interrupts only while SBA and IEQ are registered; the teardown
 * (ism_main.c) frees the interrupt before it frees them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include "ism_hw.h"

/*
 * Bits of the DMB bit vector the handler scans: whole 64-bit words, as the
 * MSB-first numbering (ism_sba_bit_nr()) needs.  The last word is half DMB
 * bits (indexes 1888..1919), half the SBA's reserved word: the handler
 * leaves bits of that half alone.
 */
#define ISM_SBA_SCAN_BITS	round_up(ISM_NR_DMBS - ISM_DMB_BIT_OFFSET, \
					 BITS_PER_LONG)

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

int ism_hw_irq_request(struct ism_dev *ism)
{
	int rc;

	if (ism_emulated(ism))
		rc = ism_emu(ism)->ops->irq_enable(ism_emu(ism), true);
	else
		rc = ism_pci_irq_request(ism);
	ism->irq_on = !rc;
	return rc;
}

void ism_hw_irq_free(struct ism_dev *ism)
{
	if (!ism->irq_on)
		return;
	if (ism_emulated(ism))
		ism_emu(ism)->ops->irq_enable(ism_emu(ism), false);
	else
		ism_pci_irq_free(ism);
	ism->irq_on = false;
}
