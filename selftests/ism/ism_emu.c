// SPDX-License-Identifier: GPL-2.0
/*
 * ism_emu: an emulated ISM firmware, to run dibs_ism without IBM Z.
 *
 * Each emulated function is a platform device (ism_emu.N, 64-bit DMA
 * mask) that registers itself with dibs_ism_emu_add(): dibs_ism then sets
 * it up exactly as a PCI function, and every command, store block and
 * interrupt goes through the ops below (see dibs_ism/dibs_ism_emu.h).
 *
 * What the firmware does
 * ----------------------
 * - Commands (ism.h) on a 512-byte command area: the store of the request
 *   header executes the command and leaves the response in the area.
 *   REG/UNREG_SBA, REG/UNREG_IEQ, READ_GID, QUERY_INFO, QUERY_RGID,
 *   REG/UNREG_DMB, ADD/DEL_VLAN_ID, SET/RESET_VLAN, SIGNAL_IEQ; anything
 *   else, or a request of the wrong length, is ISM_RC_BAD_CMD.  Errors:
 *   ISM_RC_BAD_PARAM (a field out of range), ISM_RC_BAD_TOKEN,
 *   ISM_RC_NO_GID (GID not on this VCHID, or not in the VLAN asked for),
 *   ISM_RC_EXISTS (SBA/IEQ/DMB index/VLAN registered twice),
 *   ISM_RC_NO_SPACE (64 VLAN ids), ISM_RC_NOT_REG.
 * - Functions on the same VCHID reach each other (a function reaches
 *   itself).  A DMB token has the function's slot and the SBA index in it
 *   and random high bits; its low 32 bits are zero, as the move request
 *   needs.
 * - A store block (move) lands in the target DMB if the token is live, the
 *   target is on the writer's VCHID, the writer's GID is the DMB's remote
 *   GID, the piece is 1..4096 bytes within one 4 KiB block and within the
 *   DMB; otherwise it fails with -EIO and nothing is written, as a zPCI
 *   store block fails.  With the signal flag the target's SBA bit for the
 *   DMB is set and ror16(0x1000, idx) ORed into its dmbe mask.
 * - Fault injection: ism_emu_fn_fail_cmd() makes a function refuse the
 *   next N commands of one code with a given response code; the
 *   parameter fail_unreg_dmb=N (writable in sysfs) the next N UNREG_DMB
 *   commands of any function, with ISM_RC_BAD_PARAM.
 * - SIGNAL_IEQ puts an ISM_EVENT_SWR entry (code, info, the sender's GID)
 *   into the target's IEQ; ism_emu_fn_event() injects any entry.  When a
 *   function goes away, the others on its VCHID get ISM_EVENT_DEV /
 *   ISM_DEV_GID_DISABLED with its GID.
 * - The interrupt: SBA bits, masks and events are collected as pending
 *   state under the target's lock and applied to the SBA and IEQ memory
 *   by the target's irq_work (hard IRQ context, on the CPU that raised
 *   it), which then calls dibs_ism_emu_irq().  One handler runs at a time
 *   per function, and the firmware never updates SBA or IEQ while it
 *   runs.  At most ISM_EQ_ENTRIES - 1 events go into the IEQ per
 *   interrupt: header.idx is the only index, so a whole lap of
 *   ISM_EQ_ENTRIES would leave it where the driver last saw it and the
 *   driver would take the new entries for none.
 *
 * The emulation reaches the driver's memory through its DMA addresses:
 * dma-direct maps them 1:1 to physical addresses (no IOMMU in the guests).
 *
 * Locking: ism_emu_lock (spinlock) protects the slot table; each
 * function's lock protects its firmware state.  Order: ism_emu_lock ->
 * ism_emu_fn.lock; two functions' locks are never held together.  The
 * command area needs no lock: dibs_ism issues one command at a time per
 * function.  ism_emu_mutex serialises adding and removing functions.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/dibs.h>
#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/irq_work.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/vmalloc.h>

#include "dibs_ism_emu.h"
#include "ism.h"
#include "ism_emu.h"

#define ISM_EMU_FUNCTIONS_MAX	16	/* functions= */
#define ISM_EMU_SLOTS		32	/* functions at a time (5 token bits) */
#define ISM_EMU_VLAN_IDS	(ISM_RESERVED_VLANID + 1)
#define ISM_EMU_VLAN_MAX	64	/* VLAN ids per function */
#define ISM_EMU_EV_MAX		64	/* events pending per function */
#define ISM_EMU_UID_BASE	256	/* function in slot N has UID 256 + N */

/*
 * A bit of the SBA's reserved word, as a bitops number on the vector at
 * dmb_bits[ISM_DMB_WORD_OFFSET]: MSB-first bit 1919 of that vector, the
 * last of the word after the 1888 DMB bits (see ism_sba_bit_nr()).
 */
#define ISM_EMU_RESERVED_BIT	((ISM_NR_DMBS - 1) ^ (BITS_PER_LONG - 1))

/* Token: random 16 | slot 5 | SBA index 11 | zero 32. */
#define ISM_EMU_TOK_SLOT_SHIFT	43
#define ISM_EMU_TOK_IDX_SHIFT	32
#define ISM_EMU_TOK_RAND_SHIFT	48

static unsigned int functions = 2;
module_param(functions, uint, 0444);
MODULE_PARM_DESC(functions, "emulated ISM functions at load (0..16, default 2)");

static ushort vchid = 0x07c0;
module_param(vchid, ushort, 0444);
MODULE_PARM_DESC(vchid, "VCHID of those functions (1..0xfeff, default 0x7c0)");

static unsigned int fail_unreg_dmb;
module_param(fail_unreg_dmb, uint, 0644);
MODULE_PARM_DESC(fail_unreg_dmb,
		 "fault injection: refuse the next N UNREG_DMB commands of any function");

/* One DMB as the firmware knows it. */
struct ism_emu_dmb {
	u64 tok;		/* 0: free */
	void *mem;
	u32 len;
	u64 rgid;
	u32 vlan_valid;
	u32 vlan_id;
};

struct ism_emu_fn {
	struct dibs_ism_emu emu;
	struct platform_device *pdev;
	unsigned int slot;
	u64 gid;
	u16 vchid;
	bool added;			/* dibs_ism_emu_add() succeeded */
	u8 area[ISM_CMD_AREA_LEN] __aligned(8);

	spinlock_t lock;		/* everything below */
	struct ism_sba *sba;
	u64 sba_dma;
	struct ism_eq *ieq;
	u64 ieq_dma;
	int ieq_wr;			/* last IEQ entry written, -1: none */
	struct ism_emu_dmb *dmbs;	/* ISM_NR_DMBS entries */
	unsigned int nr_dmbs;
	unsigned long vlans[BITS_TO_LONGS(ISM_EMU_VLAN_IDS)];
	unsigned int nr_vlans;
	bool vlan_required;
	bool irq_on;
	bool in_irq;			/* the handler runs */
	bool irq_again;			/* ... and must run again */
	struct irq_work irq_work;
	unsigned long pend_bits[BITS_TO_LONGS(ISM_NR_DMBS)];
	u16 pend_mask[ISM_NR_DMBS];
	struct ism_event pend_ev[ISM_EMU_EV_MAX];
	unsigned int ev_first, ev_n, ev_dropped;
	struct ism_emu_piece trace[ISM_EMU_TRACE_LEN];
	unsigned int trace_n;		/* pieces recorded since the last read */
	bool pend_reserved;		/* set a bit of the SBA's reserved word */
	u32 fail_cmd;			/* refuse the next fail_n of these */
	u16 fail_ret;			/* ... with this response code */
	unsigned int fail_n;
};

static DEFINE_MUTEX(ism_emu_mutex);
static DEFINE_SPINLOCK(ism_emu_lock);
static struct ism_emu_fn *ism_emu_slots[ISM_EMU_SLOTS];

static struct ism_emu_fn *to_fn(struct dibs_ism_emu *emu)
{
	return container_of(emu, struct ism_emu_fn, emu);
}

/* The kernel address of the driver's memory at bus address @dma. */
static void *ism_emu_mem(struct ism_emu_fn *fn, u64 dma)
{
	return phys_to_virt(dma_to_phys(&fn->pdev->dev, dma));
}

/*
 * Raise the interrupt, on the CPU that raises it, in hard IRQ context
 * there (irq_work); fn->lock held.
 */
static void ism_emu_kick(struct ism_emu_fn *fn)
{
	if (fn->irq_on)
		irq_work_queue(&fn->irq_work);
}

/* Queue an IEQ entry for @fn and interrupt it; fn->lock held. */
static void ism_emu_queue_event(struct ism_emu_fn *fn, u32 type, u32 code,
				u64 tok, u64 info)
{
	struct ism_event *ev;

	if (fn->ev_n == ISM_EMU_EV_MAX) {
		fn->ev_dropped++;
		return;
	}
	ev = &fn->pend_ev[(fn->ev_first + fn->ev_n++) % ISM_EMU_EV_MAX];
	ev->type = type;
	ev->code = code;
	ev->tok = tok;
	ev->time = ktime_get_real_ns();
	ev->info = info;
	ism_emu_kick(fn);
}

/*
 * Move pending state into the SBA and the IEQ.  Returns true if there is
 * something for the driver; *@more: events are still pending.  fn->lock
 * held, SBA and IEQ registered.
 */
static bool ism_emu_apply(struct ism_emu_fn *fn, bool *more)
{
	unsigned long *bv = (unsigned long *)&fn->sba->dmb_bits[ISM_DMB_WORD_OFFSET];
	bool raise = false;
	unsigned int idx, n;

	for_each_set_bit(idx, fn->pend_bits, ISM_NR_DMBS) {
		__clear_bit(idx, fn->pend_bits);
		fn->sba->dmbe_mask[idx] |= fn->pend_mask[idx];
		fn->pend_mask[idx] = 0;
		set_bit(ism_sba_bit_nr(idx), bv);
		fn->sba->s = 1;
		raise = true;
	}
	if (fn->pend_reserved) {
		fn->pend_reserved = false;
		set_bit(ISM_EMU_RESERVED_BIT, bv);
		fn->sba->s = 1;
		raise = true;
	}
	for (n = 0; fn->ieq && fn->ev_n && n < ISM_EQ_ENTRIES - 1; n++) {
		fn->ieq_wr = (fn->ieq_wr + 1) % ISM_EQ_ENTRIES;
		fn->ieq->entry[fn->ieq_wr] = fn->pend_ev[fn->ev_first];
		fn->ev_first = (fn->ev_first + 1) % ISM_EMU_EV_MAX;
		fn->ev_n--;
		/* the entry before the index that publishes it */
		dma_wmb();
		WRITE_ONCE(fn->ieq->header.idx, fn->ieq_wr + 1);
		fn->sba->e = 1;
		raise = true;
	}
	*more = fn->ieq && fn->ev_n;
	return raise;
}

/*
 * The interrupt.  An irq_work may run on two CPUs at once (it can be queued
 * again while it runs); @in_irq makes one of them the handler and lets the
 * other only ask it for another round.
 */
static void ism_emu_irq_work(struct irq_work *work)
{
	struct ism_emu_fn *fn = container_of(work, struct ism_emu_fn,
					     irq_work);
	unsigned long flags;
	bool raise, more;

	spin_lock_irqsave(&fn->lock, flags);
	if (fn->in_irq) {
		fn->irq_again = true;
		spin_unlock_irqrestore(&fn->lock, flags);
		return;
	}
	fn->in_irq = true;
	do {
		fn->irq_again = false;
		raise = false;
		more = false;
		if (fn->irq_on && fn->sba)
			raise = ism_emu_apply(fn, &more);
		spin_unlock_irqrestore(&fn->lock, flags);
		if (raise)
			dibs_ism_emu_irq(&fn->emu);
		spin_lock_irqsave(&fn->lock, flags);
	} while (fn->irq_on && (more || fn->irq_again));
	fn->in_irq = false;
	spin_unlock_irqrestore(&fn->lock, flags);
}

/* Is the interrupt handler running?  For the unplug. */
static bool ism_emu_in_irq(struct ism_emu_fn *fn)
{
	unsigned long flags;
	bool ret;

	spin_lock_irqsave(&fn->lock, flags);
	ret = fn->in_irq;
	spin_unlock_irqrestore(&fn->lock, flags);
	return ret;
}

static int ism_emu_irq_enable(struct dibs_ism_emu *emu, bool on)
{
	struct ism_emu_fn *fn = to_fn(emu);
	unsigned long flags;

	spin_lock_irqsave(&fn->lock, flags);
	fn->irq_on = on;
	if (on && (fn->ev_n || !bitmap_empty(fn->pend_bits, ISM_NR_DMBS)))
		ism_emu_kick(fn);
	spin_unlock_irqrestore(&fn->lock, flags);
	/* like free_irq(): no handler runs once this returns */
	if (!on) {
		irq_work_sync(&fn->irq_work);
		while (ism_emu_in_irq(fn))
			cpu_relax();
	}
	return 0;
}

/* The live function with @gid on @vchid, or NULL; ism_emu_lock held. */
static struct ism_emu_fn *ism_emu_find_gid(u16 vchid, u64 gid)
{
	unsigned int i;

	for (i = 0; i < ISM_EMU_SLOTS; i++) {
		struct ism_emu_fn *fn = ism_emu_slots[i];

		if (fn && fn->vchid == vchid && fn->gid == gid)
			return fn;
	}
	return NULL;
}

static void ism_emu_resp(struct ism_emu_fn *fn, u16 ret, u16 len)
{
	struct ism_resp_hdr *resp = (struct ism_resp_hdr *)fn->area;

	resp->ret = ret;
	resp->len = ret ? sizeof(*resp) : len;
}

static u16 ism_emu_reg_sba(struct ism_emu_fn *fn, union ism_reg_sba *c)
{
	unsigned long flags;
	u16 ret = 0;

	if (!c->request.sba)
		return ISM_RC_BAD_PARAM;
	spin_lock_irqsave(&fn->lock, flags);
	if (fn->sba) {
		ret = ISM_RC_EXISTS;
	} else {
		fn->sba = ism_emu_mem(fn, c->request.sba);
		fn->sba_dma = c->request.sba;
	}
	spin_unlock_irqrestore(&fn->lock, flags);
	return ret;
}

static u16 ism_emu_reg_ieq(struct ism_emu_fn *fn, union ism_reg_ieq *c)
{
	unsigned long flags;
	u16 ret = 0;

	if (!c->request.ieq || c->request.len < sizeof(struct ism_eq))
		return ISM_RC_BAD_PARAM;
	spin_lock_irqsave(&fn->lock, flags);
	if (fn->ieq) {
		ret = ISM_RC_EXISTS;
	} else {
		fn->ieq = ism_emu_mem(fn, c->request.ieq);
		fn->ieq_dma = c->request.ieq;
		fn->ieq_wr = -1;
	}
	spin_unlock_irqrestore(&fn->lock, flags);
	return ret;
}

static u16 ism_emu_unreg_area(struct ism_emu_fn *fn, bool sba)
{
	unsigned long flags;
	u16 ret = 0;

	spin_lock_irqsave(&fn->lock, flags);
	if (sba && fn->sba)
		fn->sba = NULL;
	else if (!sba && fn->ieq)
		fn->ieq = NULL;
	else
		ret = ISM_RC_NOT_REG;
	spin_unlock_irqrestore(&fn->lock, flags);
	return ret;
}

static void ism_emu_query_info(struct ism_emu_fn *fn, union ism_qi *c)
{
	unsigned long flags, v;
	unsigned int n = 0;

	memset(&c->response, 0, sizeof(c->response));
	c->response.hdr.cmd = ISM_QUERY_INFO;
	c->response.version = 1;
	c->response.max_len = ISM_DMB_LEN_MAX;
	c->response.my_gid = fn->gid;
	spin_lock_irqsave(&fn->lock, flags);
	c->response.sba = fn->sba ? fn->sba_dma : 0;
	c->response.ieq = fn->ieq ? fn->ieq_dma : 0;
	c->response.ieq_len = fn->ieq ? sizeof(struct ism_eq) : 0;
	c->response.dmbs_owned = ISM_NR_DMBS - ISM_DMB_BIT_OFFSET;
	c->response.dmbs_used = fn->nr_dmbs;
	c->response.vlan_required = fn->vlan_required;
	for_each_set_bit(v, fn->vlans, ISM_EMU_VLAN_IDS) {
		if (n < ARRAY_SIZE(c->response.vlan_id))
			c->response.vlan_id[n++] = v;
	}
	c->response.vlan_nr_ids = n;
	spin_unlock_irqrestore(&fn->lock, flags);
}

static u16 ism_emu_query_rgid(struct ism_emu_fn *fn, union ism_query_rgid *c)
{
	struct ism_emu_fn *peer;
	unsigned long flags;
	u16 ret = ISM_RC_NO_GID;

	spin_lock_irqsave(&ism_emu_lock, flags);
	peer = ism_emu_find_gid(fn->vchid, c->request.rgid);
	if (peer && (!c->request.vlan_valid ||
		     (c->request.vlan_id < ISM_EMU_VLAN_IDS &&
		      test_bit(c->request.vlan_id, peer->vlans))))
		ret = 0;
	spin_unlock_irqrestore(&ism_emu_lock, flags);
	return ret;
}

static u16 ism_emu_reg_dmb(struct ism_emu_fn *fn, union ism_reg_dmb *c)
{
	u32 idx = c->request.sba_idx, len = c->request.dmb_len;
	struct ism_emu_dmb *d;
	unsigned long flags;
	u64 tok;

	if (!c->request.dmb || !len || len > ISM_DMB_LEN_MAX ||
	    idx < ISM_DMB_BIT_OFFSET || idx >= ISM_NR_DMBS ||
	    !c->request.rgid ||
	    (c->request.vlan_valid && c->request.vlan_id >= ISM_EMU_VLAN_IDS))
		return ISM_RC_BAD_PARAM;
	do {
		tok = get_random_u64() & GENMASK_ULL(63, ISM_EMU_TOK_RAND_SHIFT);
	} while (!tok);
	tok |= (u64)fn->slot << ISM_EMU_TOK_SLOT_SHIFT |
	       (u64)idx << ISM_EMU_TOK_IDX_SHIFT;

	spin_lock_irqsave(&fn->lock, flags);
	d = &fn->dmbs[idx];
	if (d->tok) {
		spin_unlock_irqrestore(&fn->lock, flags);
		return ISM_RC_EXISTS;
	}
	d->tok = tok;
	d->mem = ism_emu_mem(fn, c->request.dmb);
	d->len = len;
	d->rgid = c->request.rgid;
	d->vlan_valid = c->request.vlan_valid;
	d->vlan_id = c->request.vlan_id;
	fn->nr_dmbs++;
	spin_unlock_irqrestore(&fn->lock, flags);

	c->response.dmb_tok = tok;
	return 0;
}

/* The DMB of @fn named by @tok, or NULL; fn->lock held. */
static struct ism_emu_dmb *ism_emu_dmb(struct ism_emu_fn *fn, u64 tok)
{
	u32 idx = (tok >> ISM_EMU_TOK_IDX_SHIFT) & 0x7ff;

	if (!tok || idx >= ISM_NR_DMBS || fn->dmbs[idx].tok != tok)
		return NULL;
	return &fn->dmbs[idx];
}

static u16 ism_emu_unreg_dmb(struct ism_emu_fn *fn, union ism_unreg_dmb *c)
{
	struct ism_emu_dmb *d;
	unsigned long flags;
	u16 ret = 0;

	spin_lock_irqsave(&fn->lock, flags);
	d = ism_emu_dmb(fn, c->request.dmb_tok);
	if (d) {
		/* a signal for it that is still pending goes with it */
		__clear_bit(d - fn->dmbs, fn->pend_bits);
		fn->pend_mask[d - fn->dmbs] = 0;
		memset(d, 0, sizeof(*d));
		fn->nr_dmbs--;
	} else {
		ret = ISM_RC_BAD_TOKEN;
	}
	spin_unlock_irqrestore(&fn->lock, flags);
	return ret;
}

static u16 ism_emu_vlan(struct ism_emu_fn *fn, u64 vlan_id, bool add)
{
	unsigned long flags;
	u16 ret = 0;

	if (vlan_id >= ISM_EMU_VLAN_IDS)
		return ISM_RC_BAD_PARAM;
	spin_lock_irqsave(&fn->lock, flags);
	if (add && test_bit(vlan_id, fn->vlans)) {
		ret = ISM_RC_EXISTS;
	} else if (add && fn->nr_vlans == ISM_EMU_VLAN_MAX) {
		ret = ISM_RC_NO_SPACE;
	} else if (add) {
		__set_bit(vlan_id, fn->vlans);
		fn->nr_vlans++;
	} else if (!test_bit(vlan_id, fn->vlans)) {
		ret = ISM_RC_NOT_REG;
	} else {
		__clear_bit(vlan_id, fn->vlans);
		fn->nr_vlans--;
	}
	spin_unlock_irqrestore(&fn->lock, flags);
	return ret;
}

static u16 ism_emu_signal_ieq(struct ism_emu_fn *fn, union ism_sig_ieq *c)
{
	struct ism_emu_fn *peer;
	u16 ret = ISM_RC_NO_GID;

	spin_lock(&ism_emu_lock);
	peer = ism_emu_find_gid(fn->vchid, c->request.rgid);
	if (peer) {
		spin_lock(&peer->lock);
		ism_emu_queue_event(peer, ISM_EVENT_SWR, c->request.event_code,
				    fn->gid, c->request.info);
		spin_unlock(&peer->lock);
		ret = 0;
	}
	spin_unlock(&ism_emu_lock);
	return ret;
}

/* A refusal ism_emu_fn_fail_cmd() asked for: consume it, give its code. */
static bool ism_emu_injected_fail(struct ism_emu_fn *fn, u32 cmd, u16 *ret)
{
	unsigned long flags;
	bool fail = false;

	unsigned int n, old;

	spin_lock_irqsave(&fn->lock, flags);
	if (fn->fail_n && fn->fail_cmd == cmd) {
		fn->fail_n--;
		*ret = fn->fail_ret;
		fail = true;
	}
	spin_unlock_irqrestore(&fn->lock, flags);
	if (fail || cmd != ISM_UNREG_DMB)
		return fail;

	/* fail_unreg_dmb=N: counted down by the functions together */
	for (n = READ_ONCE(fail_unreg_dmb); n; n = old) {
		old = cmpxchg(&fail_unreg_dmb, n, n - 1);
		if (old == n) {
			*ret = ISM_RC_BAD_PARAM;
			return true;
		}
	}
	return false;
}

#define ISM_EMU_REQ_LEN(type)	sizeof(((type *)NULL)->request)
#define ISM_EMU_RESP_LEN(type)	sizeof(((type *)NULL)->response)

/* Execute the command in the area; the response replaces it. */
static void ism_emu_exec(struct ism_emu_fn *fn)
{
	struct ism_req_hdr *req = (struct ism_req_hdr *)fn->area;
	unsigned long flags;
	void *c = fn->area;
	u16 ret, rlen;
	size_t want;

	switch (req->cmd) {
	case ISM_REG_SBA:
		want = ISM_EMU_REQ_LEN(union ism_reg_sba);
		rlen = ISM_EMU_RESP_LEN(union ism_reg_sba);
		break;
	case ISM_REG_IEQ:
		want = ISM_EMU_REQ_LEN(union ism_reg_ieq);
		rlen = ISM_EMU_RESP_LEN(union ism_reg_ieq);
		break;
	case ISM_READ_GID:
		want = ISM_EMU_REQ_LEN(union ism_read_gid);
		rlen = ISM_EMU_RESP_LEN(union ism_read_gid);
		break;
	case ISM_QUERY_INFO:
		want = ISM_EMU_REQ_LEN(union ism_qi);
		rlen = ISM_EMU_RESP_LEN(union ism_qi);
		break;
	case ISM_QUERY_RGID:
		want = ISM_EMU_REQ_LEN(union ism_query_rgid);
		rlen = ISM_EMU_RESP_LEN(union ism_query_rgid);
		break;
	case ISM_REG_DMB:
		want = ISM_EMU_REQ_LEN(union ism_reg_dmb);
		rlen = ISM_EMU_RESP_LEN(union ism_reg_dmb);
		break;
	case ISM_UNREG_DMB:
		want = ISM_EMU_REQ_LEN(union ism_unreg_dmb);
		rlen = ISM_EMU_RESP_LEN(union ism_unreg_dmb);
		break;
	case ISM_ADD_VLAN_ID:
	case ISM_DEL_VLAN_ID:
		want = ISM_EMU_REQ_LEN(union ism_set_vlan_id);
		rlen = ISM_EMU_RESP_LEN(union ism_set_vlan_id);
		break;
	case ISM_SIGNAL_IEQ:
		want = ISM_EMU_REQ_LEN(union ism_sig_ieq);
		rlen = ISM_EMU_RESP_LEN(union ism_sig_ieq);
		break;
	case ISM_SET_VLAN:
	case ISM_RESET_VLAN:
	case ISM_UNREG_SBA:
	case ISM_UNREG_IEQ:
		want = ISM_EMU_REQ_LEN(union ism_cmd_simple);
		rlen = ISM_EMU_RESP_LEN(union ism_cmd_simple);
		break;
	default:
		want = 0;
		rlen = 0;
		break;
	}
	if (!want || req->len != want) {
		ism_emu_resp(fn, ISM_RC_BAD_CMD, 0);
		return;
	}
	if (ism_emu_injected_fail(fn, req->cmd, &ret)) {
		ism_emu_resp(fn, ret, 0);
		return;
	}

	switch (req->cmd) {
	case ISM_REG_SBA:
		ret = ism_emu_reg_sba(fn, c);
		break;
	case ISM_REG_IEQ:
		ret = ism_emu_reg_ieq(fn, c);
		break;
	case ISM_UNREG_SBA:
	case ISM_UNREG_IEQ:
		ret = ism_emu_unreg_area(fn, req->cmd == ISM_UNREG_SBA);
		break;
	case ISM_READ_GID:
		((union ism_read_gid *)c)->response.gid = fn->gid;
		ret = 0;
		break;
	case ISM_QUERY_INFO:
		ism_emu_query_info(fn, c);
		ret = 0;
		break;
	case ISM_QUERY_RGID:
		ret = ism_emu_query_rgid(fn, c);
		break;
	case ISM_REG_DMB:
		ret = ism_emu_reg_dmb(fn, c);
		break;
	case ISM_UNREG_DMB:
		ret = ism_emu_unreg_dmb(fn, c);
		break;
	case ISM_ADD_VLAN_ID:
	case ISM_DEL_VLAN_ID:
		ret = ism_emu_vlan(fn, ((union ism_set_vlan_id *)c)->request.vlan_id,
				   req->cmd == ISM_ADD_VLAN_ID);
		break;
	case ISM_SET_VLAN:
	case ISM_RESET_VLAN:
		spin_lock_irqsave(&fn->lock, flags);
		fn->vlan_required = req->cmd == ISM_SET_VLAN;
		spin_unlock_irqrestore(&fn->lock, flags);
		ret = 0;
		break;
	case ISM_SIGNAL_IEQ:
		ret = ism_emu_signal_ieq(fn, c);
		break;
	default:
		ret = ISM_RC_BAD_CMD;
		break;
	}
	ism_emu_resp(fn, ret, rlen);
}

static void ism_emu_write_cmd(struct dibs_ism_emu *emu, const void *data,
			      unsigned int offset, unsigned int len)
{
	struct ism_emu_fn *fn = to_fn(emu);

	if (offset > sizeof(fn->area) || len > sizeof(fn->area) - offset)
		return;
	memcpy(fn->area + offset, data, len);
	if (!offset)
		ism_emu_exec(fn);
}

static void ism_emu_read_cmd(struct dibs_ism_emu *emu, void *data,
			     unsigned int offset, unsigned int len)
{
	struct ism_emu_fn *fn = to_fn(emu);

	if (offset > sizeof(fn->area) || len > sizeof(fn->area) - offset) {
		memset(data, 0xff, len);
		return;
	}
	memcpy(data, fn->area + offset, len);
}

static void ism_emu_trace(struct ism_emu_fn *fn, u64 tok, u32 offset,
			  u32 size, u8 idx, bool sf)
{
	struct ism_emu_piece *p;

	p = &fn->trace[fn->trace_n++ % ISM_EMU_TRACE_LEN];
	p->tok = tok;
	p->offset = offset;
	p->size = size;
	p->idx = idx;
	p->sf = sf;
}

/* The store block: see the top of the file for what it checks. */
static int ism_emu_move(struct dibs_ism_emu *emu, u64 dmb_req,
			const void *data, unsigned int size)
{
	struct ism_emu_fn *fn = to_fn(emu), *target;
	u64 tok = dmb_req & ISM_MOVE_TOK_MASK;
	u32 offset = dmb_req & ISM_MOVE_OFFSET_MASK;
	u8 idx = dmb_req >> ISM_MOVE_IDX_SHIFT;
	bool sf = dmb_req & ISM_MOVE_SF;
	unsigned int slot = (tok >> ISM_EMU_TOK_SLOT_SHIFT) & (ISM_EMU_SLOTS - 1);
	struct ism_emu_dmb *d;
	unsigned long flags;
	int rc = -EIO;

	if (!size || size > ISM_MOVE_PIECE_MAX ||
	    offset / ISM_MOVE_PIECE_MAX != (offset + size - 1) / ISM_MOVE_PIECE_MAX)
		return -EIO;

	spin_lock_irqsave(&ism_emu_lock, flags);
	target = ism_emu_slots[slot];
	if (!target || target->vchid != fn->vchid) {
		spin_unlock_irqrestore(&ism_emu_lock, flags);
		return -EIO;
	}
	spin_lock(&target->lock);
	spin_unlock(&ism_emu_lock);
	d = ism_emu_dmb(target, tok);
	if (d && d->rgid == fn->gid && offset < d->len &&
	    size <= d->len - offset) {
		memcpy(d->mem + offset, data, size);
		ism_emu_trace(target, tok, offset, size, idx, sf);
		if (sf) {
			u32 didx = d - target->dmbs;

			__set_bit(didx, target->pend_bits);
			target->pend_mask[didx] |= dibs_signal_mask(idx);
			ism_emu_kick(target);
		}
		rc = 0;
	}
	spin_unlock_irqrestore(&target->lock, flags);
	return rc;
}

static const struct dibs_ism_emu_ops ism_emu_ops = {
	.write_cmd = ism_emu_write_cmd,
	.read_cmd = ism_emu_read_cmd,
	.move = ism_emu_move,
	.irq_enable = ism_emu_irq_enable,
};

/* A GID no function has; ism_emu_mutex held. */
static u64 ism_emu_new_gid(void)
{
	unsigned int i;
	u64 gid;

again:
	gid = get_random_u64();
	if (!gid)
		goto again;
	for (i = 0; i < ISM_EMU_SLOTS; i++)
		if (ism_emu_slots[i] && ism_emu_slots[i]->gid == gid)
			goto again;
	return gid;
}

static void ism_emu_fn_free(struct ism_emu_fn *fn)
{
	platform_device_unregister(fn->pdev);
	kvfree(fn->dmbs);
	kfree(fn);
}

/**
 * ism_emu_fn_add() - plug in an emulated ISM function
 * @vchid: its VCHID (1..0xfeff): functions on the same VCHID reach each
 *	other
 *
 * Creates the function and adds it to dibs_ism, which makes the dibs
 * device ism<uid>.
 *
 * Context: process context.
 * Return: the function, or an ERR_PTR(): -EINVAL for a bad VCHID, -ENOSPC
 * if ISM_EMU_SLOTS functions exist, -ENOMEM, or dibs_ism's error.
 */
struct ism_emu_fn *ism_emu_fn_add(u16 vchid)
{
	struct platform_device_info info = {
		.name = KBUILD_MODNAME,
		.dma_mask = DMA_BIT_MASK(64),
	};
	struct ism_emu_fn *fn;
	unsigned int slot;
	int rc;

	if (!vchid || vchid >= DIBS_SW_FABRIC_MIN)
		return ERR_PTR(-EINVAL);
	fn = kzalloc(sizeof(*fn), GFP_KERNEL);
	if (!fn)
		return ERR_PTR(-ENOMEM);
	fn->dmbs = kvcalloc(ISM_NR_DMBS, sizeof(*fn->dmbs), GFP_KERNEL);
	if (!fn->dmbs) {
		kfree(fn);
		return ERR_PTR(-ENOMEM);
	}
	spin_lock_init(&fn->lock);
	init_irq_work(&fn->irq_work, ism_emu_irq_work);
	fn->vchid = vchid;
	fn->ieq_wr = -1;

	mutex_lock(&ism_emu_mutex);
	for (slot = 0; slot < ISM_EMU_SLOTS; slot++)
		if (!ism_emu_slots[slot])
			break;
	if (slot == ISM_EMU_SLOTS) {
		rc = -ENOSPC;
		goto err;
	}
	fn->slot = slot;
	fn->gid = ism_emu_new_gid();
	info.id = slot;
	fn->pdev = platform_device_register_full(&info);
	if (IS_ERR(fn->pdev)) {
		rc = PTR_ERR(fn->pdev);
		goto err;
	}
	fn->emu.ops = &ism_emu_ops;
	fn->emu.dev = &fn->pdev->dev;
	fn->emu.pchid = vchid;
	fn->emu.uid = ISM_EMU_UID_BASE + slot;

	/* Reachable from the start, like hardware that is plugged in. */
	spin_lock_irq(&ism_emu_lock);
	ism_emu_slots[slot] = fn;
	spin_unlock_irq(&ism_emu_lock);

	rc = dibs_ism_emu_add(&fn->emu);
	if (rc) {
		spin_lock_irq(&ism_emu_lock);
		ism_emu_slots[slot] = NULL;
		spin_unlock_irq(&ism_emu_lock);
		platform_device_unregister(fn->pdev);
		goto err;
	}
	fn->added = true;
	mutex_unlock(&ism_emu_mutex);
	return fn;

err:
	mutex_unlock(&ism_emu_mutex);
	kvfree(fn->dmbs);
	kfree(fn);
	return ERR_PTR(rc);
}
EXPORT_SYMBOL_GPL(ism_emu_fn_add);

/* Tell the other functions on @gone's VCHID that its GID is gone. */
static void ism_emu_gid_disabled(struct ism_emu_fn *gone)
{
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&ism_emu_lock, flags);
	for (i = 0; i < ISM_EMU_SLOTS; i++) {
		struct ism_emu_fn *fn = ism_emu_slots[i];

		if (!fn || fn == gone || fn->vchid != gone->vchid)
			continue;
		spin_lock(&fn->lock);
		ism_emu_queue_event(fn, ISM_EVENT_DEV, ISM_DEV_GID_DISABLED,
				    gone->gid, 0);
		spin_unlock(&fn->lock);
	}
	spin_unlock_irqrestore(&ism_emu_lock, flags);
}

/**
 * ism_emu_fn_remove() - unplug an emulated function
 * @fn: a function from ism_emu_fn_add()
 *
 * The hot unplug: dibs_ism removes the dibs device (its clients' del_dev())
 * and unregisters whatever is still registered; then the function leaves
 * its VCHID, and its peers get a GID-disabled event.
 *
 * Context: process context.
 * Return: how many registrations (DMBs, SBA, IEQ, VLAN ids) the driver
 * left at the firmware, which also logs them: 0 when the driver cleaned up.
 */
int ism_emu_fn_remove(struct ism_emu_fn *fn)
{
	unsigned long flags;
	int left;

	mutex_lock(&ism_emu_mutex);
	dibs_ism_emu_remove(&fn->emu);
	spin_lock_irqsave(&ism_emu_lock, flags);
	ism_emu_slots[fn->slot] = NULL;
	spin_unlock_irqrestore(&ism_emu_lock, flags);
	/* no store block finds it now; a running one held the slot lock */
	ism_emu_gid_disabled(fn);
	mutex_unlock(&ism_emu_mutex);

	irq_work_sync(&fn->irq_work);
	spin_lock_irqsave(&fn->lock, flags);
	left = fn->nr_dmbs + !!fn->sba + !!fn->ieq + fn->nr_vlans + fn->irq_on;
	spin_unlock_irqrestore(&fn->lock, flags);
	if (left)
		pr_err("function %u removed with %u DMBs, SBA %d, IEQ %d, %u VLAN ids, IRQ %d still registered\n",
		       fn->slot, fn->nr_dmbs, !!fn->sba, !!fn->ieq,
		       fn->nr_vlans, fn->irq_on);
	ism_emu_fn_free(fn);
	return left;
}
EXPORT_SYMBOL_GPL(ism_emu_fn_remove);

/**
 * ism_emu_fn_name() - the dibs device name of a function
 * @fn: a function from ism_emu_fn_add()
 *
 * Return: the name (ism<uid>).
 */
const char *ism_emu_fn_name(struct ism_emu_fn *fn)
{
	return dibs_ism_emu_name(&fn->emu);
}
EXPORT_SYMBOL_GPL(ism_emu_fn_name);

/**
 * ism_emu_fn_event() - put an event into a function's IEQ
 * @fn: the function
 * @type: ism_event.type
 * @code: ism_event.code
 * @tok: ism_event.tok (a token or a GID)
 * @info: ism_event.info
 *
 * Context: any.
 * Return: 0, or -ENOSPC if ISM_EMU_EV_MAX events are pending.
 */
int ism_emu_fn_event(struct ism_emu_fn *fn, u32 type, u32 code, u64 tok,
		     u64 info)
{
	unsigned long flags;
	int rc = 0;

	spin_lock_irqsave(&fn->lock, flags);
	if (fn->ev_n == ISM_EMU_EV_MAX)
		rc = -ENOSPC;
	else
		ism_emu_queue_event(fn, type, code, tok, info);
	spin_unlock_irqrestore(&fn->lock, flags);
	return rc;
}
EXPORT_SYMBOL_GPL(ism_emu_fn_event);

/**
 * ism_emu_fn_trace() - the store blocks that landed in a function's DMBs
 * @fn: the function (the target of the stores)
 * @out: receives the pieces, oldest first
 * @max: room in @out
 *
 * Returns the pieces since the last call (at most ISM_EMU_TRACE_LEN, the
 * newest) and starts a new record.
 *
 * Context: any.
 * Return: the number of pieces in @out; more than @max (or
 * ISM_EMU_TRACE_LEN) were stored if it is @max.
 */
unsigned int ism_emu_fn_trace(struct ism_emu_fn *fn,
			      struct ism_emu_piece *out, unsigned int max)
{
	unsigned int n, first, i;
	unsigned long flags;

	spin_lock_irqsave(&fn->lock, flags);
	n = min3(fn->trace_n, (unsigned int)ISM_EMU_TRACE_LEN, max);
	first = fn->trace_n - n;
	for (i = 0; i < n; i++)
		out[i] = fn->trace[(first + i) % ISM_EMU_TRACE_LEN];
	fn->trace_n = 0;
	spin_unlock_irqrestore(&fn->lock, flags);
	return n;
}
EXPORT_SYMBOL_GPL(ism_emu_fn_trace);

/**
 * ism_emu_fn_dmbs() - DMBs registered at a function's firmware
 * @fn: the function
 *
 * Return: the number.
 */
unsigned int ism_emu_fn_dmbs(struct ism_emu_fn *fn)
{
	unsigned long flags;
	unsigned int n;

	spin_lock_irqsave(&fn->lock, flags);
	n = fn->nr_dmbs;
	spin_unlock_irqrestore(&fn->lock, flags);
	return n;
}
EXPORT_SYMBOL_GPL(ism_emu_fn_dmbs);

/**
 * ism_emu_fn_fail_cmd() - make the firmware refuse commands (fault injection)
 * @fn: the function
 * @cmd: the command code (ISM_UNREG_DMB, ...)
 * @ret: the response code to answer with (non-zero; ISM_ERROR is "the
 *	function does not answer")
 * @n: how many of the next @cmd commands to refuse; 0 cancels
 *
 * A refused command does nothing at the firmware.
 */
void ism_emu_fn_fail_cmd(struct ism_emu_fn *fn, u32 cmd, u16 ret,
			 unsigned int n)
{
	unsigned long flags;

	spin_lock_irqsave(&fn->lock, flags);
	fn->fail_cmd = cmd;
	fn->fail_ret = ret;
	fn->fail_n = n;
	spin_unlock_irqrestore(&fn->lock, flags);
}
EXPORT_SYMBOL_GPL(ism_emu_fn_fail_cmd);

/**
 * ism_emu_fn_sba_reserved() - a bit in the SBA's reserved word
 * @fn: the function
 * @op: 1: set it and interrupt (as a firmware that uses the word would);
 *	0: clear it; -1: only look
 *
 * The driver must neither clear such a bit nor act on it.
 *
 * Return: whether the bit is set (before a clear), or -ENODEV without SBA.
 */
int ism_emu_fn_sba_reserved(struct ism_emu_fn *fn, int op)
{
	unsigned long flags, *bv;
	int ret = -ENODEV;

	spin_lock_irqsave(&fn->lock, flags);
	if (fn->sba) {
		bv = (unsigned long *)&fn->sba->dmb_bits[ISM_DMB_WORD_OFFSET];
		ret = test_bit(ISM_EMU_RESERVED_BIT, bv);
		if (op > 0) {
			fn->pend_reserved = true;
			ism_emu_kick(fn);
		} else if (!op) {
			clear_bit(ISM_EMU_RESERVED_BIT, bv);
		}
	}
	spin_unlock_irqrestore(&fn->lock, flags);
	return ret;
}
EXPORT_SYMBOL_GPL(ism_emu_fn_sba_reserved);

/**
 * ism_emu_vchid() - the VCHID of the functions made at load (vchid=)
 *
 * Return: the VCHID.
 */
u16 ism_emu_vchid(void)
{
	return vchid;
}
EXPORT_SYMBOL_GPL(ism_emu_vchid);

static struct ism_emu_fn *ism_emu_load_fns[ISM_EMU_FUNCTIONS_MAX];

static void ism_emu_remove_load_fns(void)
{
	int i;

	for (i = ISM_EMU_FUNCTIONS_MAX - 1; i >= 0; i--) {
		if (ism_emu_load_fns[i])
			ism_emu_fn_remove(ism_emu_load_fns[i]);
		ism_emu_load_fns[i] = NULL;
	}
}

static int __init ism_emu_init(void)
{
	struct ism_emu_fn *fn;
	unsigned int i;

	if (functions > ISM_EMU_FUNCTIONS_MAX) {
		pr_err("functions=%u is out of range 0..%u\n", functions,
		       ISM_EMU_FUNCTIONS_MAX);
		return -EINVAL;
	}
	if (!vchid || vchid >= DIBS_SW_FABRIC_MIN) {
		pr_err("vchid=0x%x is out of range 0x1..0x%x (0x%x.. is for software fabrics)\n",
		       vchid, DIBS_SW_FABRIC_MIN - 1, DIBS_SW_FABRIC_MIN);
		return -EINVAL;
	}
	for (i = 0; i < functions; i++) {
		fn = ism_emu_fn_add(vchid);
		if (IS_ERR(fn)) {
			pr_err("cannot add function %u of %u: %ld\n", i + 1,
			       functions, PTR_ERR(fn));
			ism_emu_remove_load_fns();
			return PTR_ERR(fn);
		}
		ism_emu_load_fns[i] = fn;
	}
	return 0;
}

static void __exit ism_emu_exit(void)
{
	unsigned int i;

	ism_emu_remove_load_fns();
	for (i = 0; i < ISM_EMU_SLOTS; i++)
		if (ism_emu_slots[i])
			pr_err("function in slot %u was not removed\n", i);
}

module_init(ism_emu_init);
module_exit(ism_emu_exit);

MODULE_DESCRIPTION("emulated ISM firmware for testing dibs_ism");
MODULE_LICENSE("GPL");
