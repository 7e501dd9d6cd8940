// SPDX-License-Identifier: GPL-2.0
/*
 * dibs_ivshmem: dibs devices on QEMU's ivshmem-doorbell PCI function.
 *
 * Every guest attached to one ivshmem server sees the same memory in BAR2
 * and can ring the others' doorbells through BAR0.  Each guest's function
 * becomes a dibs device; all devices on one region form one fabric.  The
 * layout of the shared memory is in ivshmem_proto.h and, normatively, in
 * Documentation/ivshmem.rst.
 *
 * Trust: everything read from BAR2 may have been written by another guest
 * (or the host).  Offsets and lengths are read once (READ_ONCE), checked
 * against the partition's bounds and used from the local copy; loops are
 * bounded by constants; a peer is reachable only while its heartbeat moves.
 *
 * Locking
 * -------
 * ivs_dev.lock (irqsave)
 *	The local view of the peers (ivs_dev.peers[]), the data-unit bitmap.
 * dibs_dev.lock (irqsave)
 *	dmb_clientid_arr[], ivs_dev.dmbs[] (what the scan reads), the
 *	scan of signals and events (IRQ handler and the heartbeat work), and
 *	the delivery of handle_irq()/handle_event() (called under it, as
 *	dibs_ism does).
 * ivs_dev.sig_lock (irqsave)
 *	Serialises our writes to writer-owned signal and mailbox fields.
 * ivs_dev.dmb_mutex
 *	Serialises register_dmb()/unregister_dmb().
 * Order: dmb_mutex -> dibs_dev.lock -> ivs_dev.lock -> sig_lock.
 * move_data() takes ivs_dev.lock and sig_lock only, never dibs_dev.lock, so
 * a client may call it from handle_irq().
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/crc32.h>
#include <linux/delay.h>
#include <linux/idr.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/random.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uuid.h>
#include <linux/workqueue.h>
#include <linux/dibs.h>

#include <compat/dibs_pagemap.h>

#include "ivshmem_proto.h"

#define IVS_VENDOR		0x1af4
#define IVS_DEVICE		0x1110

/* BAR0 registers (QEMU docs/specs/ivshmem-spec.rst). */
#define IVS_REG_INTRMASK	0x00
#define IVS_REG_INTRSTATUS	0x04
#define IVS_REG_IVPOSITION	0x08
#define IVS_REG_DOORBELL	0x0c

#define IVS_HB_MS		200

static unsigned int max_peers = 8;
module_param(max_peers, uint, 0444);
MODULE_PARM_DESC(max_peers,
		 "slots of a region this guest initialises (2..64, default 8)");

static unsigned int loss_ms = 3000;
module_param(loss_ms, uint, 0444);
MODULE_PARM_DESC(loss_ms,
		 "a peer whose heartbeat stands still this long is lost (1000..60000 ms, default 3000)");

/**
 * struct ivs_peer_view - what this guest believes about one slot
 * @alive: reachable: READY, valid, heartbeat moving
 * @gid: the peer's GID (valid while @alive or @cand)
 * @ivposition: the peer's IVPosition
 * @generation: the peer's incarnation
 * @heartbeat: last heartbeat seen
 * @changed: jiffies when @heartbeat last moved
 * @cand: a valid READY entry was seen whose heartbeat has not moved yet
 * @ev_tail: events of this writer consumed from our mailbox
 */
struct ivs_peer_view {
	bool alive;
	uuid_t gid;
	u32 ivposition;
	u32 generation;
	u64 heartbeat;
	unsigned long changed;
	bool cand;
	u32 ev_tail;
};

/**
 * struct ivs_dmb - a DMB this guest registered (it is the reader)
 * @used: registered
 * @gen: token generation
 * @len: length in bytes
 * @data_off: offset in our partition
 * @rgid: the writer
 * @client_id: owner client
 * @last_seq: last signal sequence consumed
 * @tok: the token
 */
struct ivs_dmb {
	bool used;
	u32 gen;
	u32 len;
	u32 data_off;
	uuid_t rgid;
	u8 client_id;
	u32 last_seq;
	u64 tok;
};

/**
 * struct ivs_dev - one ivshmem-doorbell function
 * @pdev: the PCI function
 * @dibs: its dibs device
 * @regs: BAR0
 * @shm: BAR2, mapped write-back: in the linear map with struct pages if
 *	@shm_pages, else by memremap()
 * @shm_len: size of BAR2
 * @shm_pages: BAR2 is mapped through @pgmap
 * @pgmap: the ZONE_DEVICE pages of BAR2
 * @hdr: our copy of the valid region header
 * @nslots: max_peers of the region
 * @part_size: size of one partition
 * @fabric_id: the region's fabric id
 * @ivposition: our IVPosition
 * @slot: our slot
 * @generation: our incarnation
 * @heartbeat: our heartbeat counter
 * @state: what we publish in our peer entry
 * @lock: see the top of the file
 * @sig_lock: see the top of the file
 * @dmb_mutex: see the top of the file
 * @peers: local view of every slot
 * @dmbs: our DMBs by index
 * @units: data units of our partition in use
 * @nunits: data units in our partition
 * @gen_next: next token generation
 * @hb_work: heartbeat, peer watch, repairs, fallback scan
 * @irq: Linux IRQ of MSI-X vector 0
 * @damage: damage found so far (one per area and heartbeat, one per
 *	mailbox overflow)
 * @lost: peers declared lost so far
 * @refused: tokens refused by move_data()
 * @id: index for the device name
 */
struct ivs_dev {
	struct pci_dev *pdev;
	struct dibs_dev *dibs;
	void __iomem *regs;
	void *shm;
	u64 shm_len;
	bool shm_pages;
	struct dev_pagemap pgmap;
	struct ivs_hdr hdr;
	u32 nslots;
	u64 part_size;
	u16 fabric_id;
	u32 ivposition;
	u32 slot;
	u32 generation;
	u64 heartbeat;
	u32 state;
	spinlock_t lock;
	spinlock_t sig_lock;
	struct mutex dmb_mutex;
	struct ivs_peer_view peers[IVS_MAX_PEERS_MAX];
	struct ivs_dmb dmbs[IVS_DMBS];
	unsigned long *units;
	u32 nunits;
	u32 gen_next;
	struct delayed_work hb_work;
	int irq;
	atomic_t damage;
	atomic_t lost;
	atomic_t refused;
	int id;
};

static DEFINE_IDA(ivs_ida);

/* Addresses inside BAR2; the indexes are ours or checked by the caller. */
static struct ivs_hdr *ivs_hdr_ptr(struct ivs_dev *ivs)
{
	return ivs->shm + IVS_HDR_OFF;
}

static struct ivs_peer *ivs_peer_ptr(struct ivs_dev *ivs, u32 slot)
{
	return ivs->shm + IVS_PEER_TABLE_OFF + slot * IVS_PEER_ENTRY_SIZE;
}

static void *ivs_part(struct ivs_dev *ivs, u32 slot)
{
	return ivs->shm + IVS_PART_OFF + slot * ivs->part_size;
}

static struct ivs_desc *ivs_desc_ptr(struct ivs_dev *ivs, u32 slot, u32 idx)
{
	return ivs_part(ivs, slot) + IVS_DESC_OFF + idx * IVS_DESC_SIZE;
}

static struct ivs_mbox *ivs_mbox_ptr(struct ivs_dev *ivs, u32 owner,
				     u32 writer)
{
	return ivs_part(ivs, owner) + IVS_MBOX_OFF + writer * IVS_MBOX_SIZE;
}

static u32 ivs_crc(const void *p, size_t len)
{
	return ~crc32_le(~0U, p, len);
}

/* The layout of version 1 for a region of @size bytes and @n slots. */
static u64 ivs_part_size(u64 size, u32 n)
{
	return rounddown((size - IVS_PART_OFF) / n, IVS_PART_ALIGN);
}

static void ivs_hdr_build(struct ivs_hdr *h, u64 size, u32 n, u16 fabric,
			  const u8 *region_id)
{
	memset(h, 0, sizeof(*h));
	h->magic = cpu_to_le64(IVS_MAGIC);
	h->version = cpu_to_le32(IVS_VERSION);
	h->max_peers = cpu_to_le32(n);
	h->region_size = cpu_to_le64(size);
	h->part_off = cpu_to_le64(IVS_PART_OFF);
	h->part_size = cpu_to_le64(ivs_part_size(size, n));
	h->fabric_id = cpu_to_le16(fabric);
	h->peer_entry_size = cpu_to_le32(IVS_PEER_ENTRY_SIZE);
	h->peer_table_off = cpu_to_le32(IVS_PEER_TABLE_OFF);
	h->dmbs = cpu_to_le32(IVS_DMBS);
	h->desc_size = cpu_to_le32(IVS_DESC_SIZE);
	h->data_off = cpu_to_le32(IVS_DATA_OFF);
	memcpy(h->region_id, region_id, sizeof(h->region_id));
	h->crc = cpu_to_le32(ivs_crc(h, IVS_HDR_CRC_LEN));
}

/*
 * Is @h (a private copy) a valid version 1 header for a region of @size?
 * Valid means: the one header ivs_hdr_build() makes from its own fields.
 */
static bool ivs_hdr_valid(const struct ivs_hdr *h, u64 size)
{
	struct ivs_hdr want;
	u32 n = le32_to_cpu(h->max_peers);

	if (le64_to_cpu(h->magic) != IVS_MAGIC ||
	    le32_to_cpu(h->version) != IVS_VERSION ||
	    n < IVS_MAX_PEERS_MIN || n > IVS_MAX_PEERS_MAX ||
	    ivs_part_size(size, n) < IVS_PART_MIN)
		return false;
	ivs_hdr_build(&want, size, n, le16_to_cpu(h->fabric_id), h->region_id);
	return !memcmp(&want, h, sizeof(want));
}

static void ivs_hdr_read(struct ivs_dev *ivs, struct ivs_hdr *h)
{
	memcpy(h, ivs_hdr_ptr(ivs), sizeof(*h));
}

static void ivs_hdr_write(struct ivs_dev *ivs, const struct ivs_hdr *h)
{
	memcpy(ivs_hdr_ptr(ivs), h, sizeof(*h));
	wmb();	/* header before anything that relies on it */
}

/*
 * Adopt the region's header, or write one if there is none.  Two guests
 * that initialise at once both write a header and then read back the one
 * that remained after a settling time.
 */
static int ivs_hdr_adopt(struct ivs_dev *ivs)
{
	struct ivs_hdr h;
	u8 rid[16];
	int tries;

	for (tries = 0; tries < 3; tries++) {
		ivs_hdr_read(ivs, &h);
		if (ivs_hdr_valid(&h, ivs->shm_len))
			goto found;
		if (ivs_part_size(ivs->shm_len, max_peers) < IVS_PART_MIN) {
			dev_err(&ivs->pdev->dev,
				"region of %llu bytes too small for %u peers\n",
				ivs->shm_len, max_peers);
			return -ENOSPC;
		}
		get_random_bytes(rid, sizeof(rid));
		/* Fabric ids 0x0001..0xfeff: never software or loopback. */
		ivs_hdr_build(&h, ivs->shm_len, max_peers,
			      1 + get_random_u32() % 0xfeff, rid);
		ivs_hdr_write(ivs, &h);
		msleep(100);
	}
	dev_err(&ivs->pdev->dev, "no stable region header\n");
	return -EIO;

found:
	ivs->hdr = h;
	ivs->nslots = le32_to_cpu(h.max_peers);
	ivs->part_size = le64_to_cpu(h.part_size);
	ivs->fabric_id = le16_to_cpu(h.fabric_id);
	ivs->slot = ivs->ivposition % ivs->nslots;
	ivs->nunits = (ivs->part_size - IVS_DATA_OFF) / IVS_DATA_UNIT;
	return 0;
}

static void ivs_damage(struct ivs_dev *ivs, const char *what, u32 n)
{
	atomic_inc(&ivs->damage);
	dev_info_ratelimited(&ivs->pdev->dev,
			     "shared memory damaged (%s: %u), repaired\n", what,
			     n);
}

/* Our peer entry, as we want it in the table. */
static void ivs_self_build(struct ivs_dev *ivs, struct ivs_peer *p)
{
	memset(p, 0, sizeof(*p));
	p->magic = cpu_to_le32(IVS_PEER_MAGIC);
	p->ivposition = cpu_to_le32(ivs->ivposition);
	memcpy(p->gid, &ivs->dibs->gid, sizeof(p->gid));
	p->generation = cpu_to_le32(ivs->generation);
	p->crc = cpu_to_le32(ivs_crc(p, IVS_PEER_CRC_LEN));
	p->state = cpu_to_le32(ivs->state);
	p->period_ms = cpu_to_le32(IVS_HB_MS);
	p->heartbeat = cpu_to_le64(ivs->heartbeat);
}

/* Write our whole entry: heals any damage to it as a side effect. */
static void ivs_self_publish(struct ivs_dev *ivs)
{
	struct ivs_peer p;

	ivs_self_build(ivs, &p);
	memcpy(ivs_peer_ptr(ivs, ivs->slot), &p, sizeof(p));
	wmb();	/* the entry before any doorbell that follows */
}

static void ivs_ring(struct ivs_dev *ivs, u32 ivposition)
{
	writel((ivposition << 16) | IVS_VECTOR, ivs->regs + IVS_REG_DOORBELL);
}

/* Clients' handle_event() for @ev; dibs_dev.lock held, interrupts off. */
static void ivs_event_locked(struct ivs_dev *ivs, const struct dibs_event *ev)
{
	dibs_clients_handle_event(ivs->dibs, ivs->dibs->subs, ev);
}

/*
 * Consume the events of writer slot @w from our mailbox; dibs_dev.lock
 * held.  At most IVS_MBOX_ENTRIES events; older ones were overwritten.
 */
static void ivs_scan_mbox(struct ivs_dev *ivs, u32 w)
{
	struct ivs_mbox *mb = ivs_mbox_ptr(ivs, ivs->slot, w);
	struct dibs_event ev;
	u32 head, tail, n;
	uuid_t gid;
	bool alive;

	spin_lock(&ivs->lock);
	alive = ivs->peers[w].alive;
	gid = ivs->peers[w].gid;
	tail = ivs->peers[w].ev_tail;
	head = le32_to_cpu(READ_ONCE(mb->head));
	ivs->peers[w].ev_tail = head;
	spin_unlock(&ivs->lock);
	if (!alive || head == tail)
		return;
	rmb();	/* entries after head */
	n = head - tail;
	if (n > IVS_MBOX_ENTRIES) {
		/*
		 * More than the ring holds: the entries are overwritten, or
		 * the head is garbage.  Deliver none of them.
		 */
		atomic_inc(&ivs->damage);
		dev_info_ratelimited(&ivs->pdev->dev,
				     "event mailbox of slot %u: %u events at once, dropped\n",
				     w, n);
		return;
	}
	for (; n; n--, tail++) {
		memset(&ev, 0, sizeof(ev));
		ev.type = DIBS_SW_EVENT;
		ev.subtype = le32_to_cpu(READ_ONCE(mb->ent[tail % IVS_MBOX_ENTRIES].code));
		ev.data = le64_to_cpu(READ_ONCE(mb->ent[tail % IVS_MBOX_ENTRIES].info));
		ev.gid = gid;
		ev.time = ktime_get_ns();
		ivs_event_locked(ivs, &ev);
	}
}

/*
 * Deliver new signals of our DMBs and new events; takes dibs_dev.lock.
 * Only our own DMB table drives the loop; from shared memory it reads
 * sequence numbers and masks, whose values cannot steer it.
 */
static void ivs_scan(struct ivs_dev *ivs)
{
	struct dibs_dev *dibs = ivs->dibs;
	struct dibs_client *client;
	struct ivs_desc *d;
	unsigned long flags;
	u32 idx, seq, w;
	u16 mask;

	spin_lock_irqsave(&dibs->lock, flags);
	for (idx = 0; idx < IVS_DMBS; idx++) {
		if (!ivs->dmbs[idx].used)
			continue;
		d = ivs_desc_ptr(ivs, ivs->slot, idx);
		seq = le32_to_cpu(READ_ONCE(d->sig_seq));
		if (seq == ivs->dmbs[idx].last_seq)
			continue;
		rmb();	/* the mask after the sequence */
		mask = le32_to_cpu(READ_ONCE(d->sig_mask));
		ivs->dmbs[idx].last_seq = seq;
		WRITE_ONCE(d->ack_seq, cpu_to_le32(seq));
		client = dibs_dmb_client(dibs, idx);
		if (!client)
			continue;
		dibs_dmb_signal(dibs, client, idx, mask ?: 0x1000);
	}
	for (w = 0; w < ivs->nslots; w++)
		if (w != ivs->slot)
			ivs_scan_mbox(ivs, w);
	spin_unlock_irqrestore(&dibs->lock, flags);
}

static irqreturn_t ivs_irq(int irq, void *arg)
{
	ivs_scan(arg);
	return IRQ_HANDLED;
}

/* Peer @s is gone; tell the clients.  Process context. */
static void ivs_peer_lost(struct ivs_dev *ivs, u32 s, const uuid_t *gid,
			  const char *why)
{
	struct dibs_event ev = {
		.type = DIBS_DEV_EVENT,
		.subtype = DIBS_DEV_DISABLED,
	};
	unsigned long flags;

	atomic_inc(&ivs->lost);
	dev_info(&ivs->pdev->dev, "peer %pU (slot %u) lost: %s\n", gid, s,
		 why);
	ev.gid = *gid;
	ev.time = ktime_get_ns();
	spin_lock_irqsave(&ivs->dibs->lock, flags);
	ivs_event_locked(ivs, &ev);
	spin_unlock_irqrestore(&ivs->dibs->lock, flags);
}

/*
 * Read slot @s into @p and say whether it is a valid entry of a peer other
 * than us.  @p is a private copy: nothing is read twice.
 */
static bool ivs_peer_read(struct ivs_dev *ivs, u32 s, struct ivs_peer *p)
{
	u32 pos;

	memcpy(p, ivs_peer_ptr(ivs, s), sizeof(*p));
	pos = le32_to_cpu(p->ivposition);
	return le32_to_cpu(p->magic) == IVS_PEER_MAGIC &&
	       le32_to_cpu(p->crc) == ivs_crc(p, IVS_PEER_CRC_LEN) &&
	       pos <= 0xffff && pos % ivs->nslots == s &&
	       le32_to_cpu(p->generation);
}

/* One look at slot @s of the peer table; process context. */
static void ivs_watch_peer(struct ivs_dev *ivs, u32 s)
{
	struct ivs_peer_view *v = &ivs->peers[s];
	struct ivs_mbox *mb = ivs_mbox_ptr(ivs, ivs->slot, s);
	struct ivs_peer p;
	const char *why = NULL;
	bool valid, same;
	unsigned long flags;
	uuid_t old;
	u64 hb;

	valid = ivs_peer_read(ivs, s, &p);
	hb = le64_to_cpu(p.heartbeat);

	spin_lock_irqsave(&ivs->lock, flags);
	same = valid && v->generation == le32_to_cpu(p.generation) &&
	       v->ivposition == le32_to_cpu(p.ivposition) &&
	       !memcmp(&v->gid, p.gid, sizeof(v->gid));
	if (v->alive) {
		if (valid && !same)
			why = "replaced by a new incarnation";
		else if (valid && le32_to_cpu(p.state) != IVS_PEER_READY)
			why = "left";
		else if (valid && hb != v->heartbeat) {
			v->heartbeat = hb;
			v->changed = jiffies;
		} else if (time_after(jiffies, v->changed +
					       msecs_to_jiffies(loss_ms))) {
			why = valid ? "heartbeat stopped" : "entry invalid";
		}
		if (why) {
			v->alive = false;
			v->cand = false;
			old = v->gid;
		}
	}
	if (!v->alive && valid && le32_to_cpu(p.state) == IVS_PEER_READY) {
		if (v->cand && same && hb != v->heartbeat) {
			/* A moving heartbeat: reachable from now on. */
			v->alive = true;
			v->changed = jiffies;
			v->heartbeat = hb;
			v->ev_tail = le32_to_cpu(READ_ONCE(mb->head));
		} else if (!v->cand || !same) {
			v->cand = true;
			v->generation = le32_to_cpu(p.generation);
			v->ivposition = le32_to_cpu(p.ivposition);
			memcpy(&v->gid, p.gid, sizeof(v->gid));
			v->heartbeat = hb;
		}
	} else if (!v->alive) {
		v->cand = false;
	}
	spin_unlock_irqrestore(&ivs->lock, flags);

	if (why)
		ivs_peer_lost(ivs, s, &old, why);
}

/* Rewrite what we own and others may have spoilt. */
static void ivs_repair(struct ivs_dev *ivs)
{
	u32 idx, nfree = 0, nused = 0;
	struct ivs_hdr h;
	struct ivs_desc *d;
	unsigned long flags;

	ivs_hdr_read(ivs, &h);
	if (memcmp(&h, &ivs->hdr, sizeof(h))) {
		ivs_damage(ivs, "region header", 1);
		ivs_hdr_write(ivs, &ivs->hdr);
	}

	spin_lock_irqsave(&ivs->dibs->lock, flags);
	for (idx = 0; idx < IVS_DMBS; idx++) {
		struct ivs_dmb *m = &ivs->dmbs[idx];

		d = ivs_desc_ptr(ivs, ivs->slot, idx);
		if (!m->used) {
			if (READ_ONCE(d->state) != cpu_to_le32(IVS_DESC_FREE)) {
				WRITE_ONCE(d->state,
					   cpu_to_le32(IVS_DESC_FREE));
				nfree++;
			}
			continue;
		}
		if (READ_ONCE(d->state) != cpu_to_le32(IVS_DESC_REGISTERED) ||
		    READ_ONCE(d->generation) != cpu_to_le32(m->gen) ||
		    READ_ONCE(d->len) != cpu_to_le32(m->len) ||
		    READ_ONCE(d->data_off) != cpu_to_le32(m->data_off) ||
		    memcmp(d->writer_gid, &m->rgid, sizeof(m->rgid))) {
			WRITE_ONCE(d->state, cpu_to_le32(IVS_DESC_FREE));
			wmb();	/* withdrawn before it changes */
			d->generation = cpu_to_le32(m->gen);
			d->len = cpu_to_le32(m->len);
			d->data_off = cpu_to_le32(m->data_off);
			memcpy(d->writer_gid, &m->rgid, sizeof(m->rgid));
			wmb();	/* the fields before the state */
			WRITE_ONCE(d->state, cpu_to_le32(IVS_DESC_REGISTERED));
			nused++;
		}
	}
	spin_unlock_irqrestore(&ivs->dibs->lock, flags);
	if (nfree)
		ivs_damage(ivs, "free DMB descriptors", nfree);
	if (nused)
		ivs_damage(ivs, "DMB descriptors in use", nused);
}

static void ivs_hb_work(struct work_struct *work)
{
	struct ivs_dev *ivs = container_of(to_delayed_work(work),
					   struct ivs_dev, hb_work);
	u32 s;

	ivs_repair(ivs);
	ivs->heartbeat++;
	ivs_self_publish(ivs);
	for (s = 0; s < ivs->nslots; s++)
		if (s != ivs->slot)
			ivs_watch_peer(ivs, s);
	/* Signals whose doorbell got lost are delivered here at the latest. */
	ivs_scan(ivs);
	schedule_delayed_work(&ivs->hb_work, msecs_to_jiffies(IVS_HB_MS));
}

/* The dibs ops. */

static u16 ivs_get_fabric_id(struct dibs_dev *dibs)
{
	struct ivs_dev *ivs = dibs->drv_priv;

	return ivs->fabric_id;
}

/* The alive slot with GID @gid, or -1; ivs->lock held. */
static int ivs_find_gid(struct ivs_dev *ivs, const uuid_t *gid)
{
	u32 s;

	for (s = 0; s < ivs->nslots; s++)
		if (s != ivs->slot && ivs->peers[s].alive &&
		    uuid_equal(&ivs->peers[s].gid, gid))
			return s;
	return -1;
}

static int ivs_query_remote_gid(struct dibs_dev *dibs, const uuid_t *rgid,
				u32 vid_valid, u32 vid)
{
	struct ivs_dev *ivs = dibs->drv_priv;
	unsigned long flags;
	int s;

	if (uuid_equal(rgid, &dibs->gid))
		return 0;
	spin_lock_irqsave(&ivs->lock, flags);
	s = ivs_find_gid(ivs, rgid);
	spin_unlock_irqrestore(&ivs->lock, flags);
	return s < 0 ? -ENETUNREACH : 0;
}

static int ivs_max_dmbs(void)
{
	return IVS_DMBS;
}

/*
 * A DMB that does not fit: say why (a region too small for its slots, as
 * QEMU's ivshmem-server's default of 4 MiB for 8 slots is for SMC-D).
 */
static void ivs_no_room(struct ivs_dev *ivs, u32 len)
{
	unsigned long flags;
	u32 used;

	spin_lock_irqsave(&ivs->lock, flags);
	used = bitmap_weight(ivs->units, ivs->nunits);
	spin_unlock_irqrestore(&ivs->lock, flags);
	dev_info_ratelimited(&ivs->pdev->dev,
			     "no room for a DMB of %u bytes: %u of %u KiB free in slot %u (region %llu KiB, %u slots)\n",
			     len, (ivs->nunits - used) * (IVS_DATA_UNIT / 1024),
			     ivs->nunits * (IVS_DATA_UNIT / 1024), ivs->slot,
			     ivs->shm_len >> 10, ivs->nslots);
}

static int ivs_register_dmb(struct dibs_dev *dibs, struct dibs_dmb *dmb,
			    struct dibs_client *client)
{
	struct ivs_dev *ivs = dibs->drv_priv;
	u32 idx, units, first, gen, seq;
	struct ivs_desc *d;
	unsigned long flags;
	int rc;

	if (!dmb->dmb_len || dmb->idx >= IVS_DMBS ||
	    client->id >= MAX_DIBS_CLIENTS) {
		rc = -EINVAL;
		goto err;
	}
	if (dmb->dmb_len > (u64)ivs->nunits * IVS_DATA_UNIT) {
		ivs_no_room(ivs, dmb->dmb_len);
		rc = -EINVAL;
		goto err;
	}
	units = DIV_ROUND_UP(dmb->dmb_len, IVS_DATA_UNIT);

	mutex_lock(&ivs->dmb_mutex);
	if (dmb->idx) {
		idx = dmb->idx;
		if (ivs->dmbs[idx].used) {
			rc = -EINVAL;
			goto unlock;
		}
	} else {
		for (idx = 0; idx < IVS_DMBS && ivs->dmbs[idx].used; idx++)
			;
		if (idx == IVS_DMBS) {
			rc = -ENOSPC;
			goto unlock;
		}
	}
	spin_lock_irqsave(&ivs->lock, flags);
	first = bitmap_find_next_zero_area(ivs->units, ivs->nunits, 0, units,
					   0);
	if (first >= ivs->nunits) {
		spin_unlock_irqrestore(&ivs->lock, flags);
		ivs_no_room(ivs, dmb->dmb_len);
		rc = -ENOSPC;
		goto unlock;
	}
	bitmap_set(ivs->units, first, units);
	do {
		gen = ivs->gen_next++;
	} while (!gen);
	spin_unlock_irqrestore(&ivs->lock, flags);

	d = ivs_desc_ptr(ivs, ivs->slot, idx);
	memset(ivs_part(ivs, ivs->slot) + IVS_DATA_OFF +
	       (size_t)first * IVS_DATA_UNIT, 0, dmb->dmb_len);
	d->generation = cpu_to_le32(gen);
	d->len = cpu_to_le32(dmb->dmb_len);
	d->data_off = cpu_to_le32(IVS_DATA_OFF + first * IVS_DATA_UNIT);
	memcpy(d->writer_gid, &dmb->rgid, sizeof(d->writer_gid));
	seq = le32_to_cpu(READ_ONCE(d->sig_seq));
	WRITE_ONCE(d->ack_seq, cpu_to_le32(seq));
	wmb();	/* fields and zeroed data before the state */
	WRITE_ONCE(d->state, cpu_to_le32(IVS_DESC_REGISTERED));

	spin_lock_irqsave(&dibs->lock, flags);
	ivs->dmbs[idx] = (struct ivs_dmb){
		.used = true,
		.gen = gen,
		.len = dmb->dmb_len,
		.data_off = IVS_DATA_OFF + first * IVS_DATA_UNIT,
		.rgid = dmb->rgid,
		.client_id = client->id,
		.last_seq = seq,
		.tok = IVS_TOK(ivs->slot, idx, gen),
	};
	if (dibs->dmb_clientid_arr)
		dibs->dmb_clientid_arr[idx] = client->id;
	spin_unlock_irqrestore(&dibs->lock, flags);
	mutex_unlock(&ivs->dmb_mutex);

	dmb->dmb_tok = IVS_TOK(ivs->slot, idx, gen);
	dmb->idx = idx;
	dmb->cpu_addr = ivs_part(ivs, ivs->slot) + IVS_DATA_OFF +
			(size_t)first * IVS_DATA_UNIT;
	dmb->dma_addr = pci_resource_start(ivs->pdev, 2) + IVS_PART_OFF +
			ivs->slot * ivs->part_size + IVS_DATA_OFF +
			(u64)first * IVS_DATA_UNIT;
	dibs_stats_dmb(dibs, true);
	return 0;

unlock:
	mutex_unlock(&ivs->dmb_mutex);
err:
	dibs_stats_error(dibs);
	return rc;
}

/* Free DMB @idx; dmb_mutex held. */
static void ivs_dmb_free(struct ivs_dev *ivs, u32 idx)
{
	struct ivs_desc *d = ivs_desc_ptr(ivs, ivs->slot, idx);
	struct dibs_dev *dibs = ivs->dibs;
	struct ivs_dmb m;
	unsigned long flags;

	WRITE_ONCE(d->state, cpu_to_le32(IVS_DESC_FREE));
	wmb();	/* no writer trusts it from here on */
	spin_lock_irqsave(&dibs->lock, flags);
	m = ivs->dmbs[idx];
	ivs->dmbs[idx].used = false;
	if (dibs->dmb_clientid_arr)
		dibs->dmb_clientid_arr[idx] = NO_DIBS_CLIENT;
	spin_unlock_irqrestore(&dibs->lock, flags);
	spin_lock_irqsave(&ivs->lock, flags);
	bitmap_clear(ivs->units, (m.data_off - IVS_DATA_OFF) / IVS_DATA_UNIT,
		     DIV_ROUND_UP(m.len, IVS_DATA_UNIT));
	spin_unlock_irqrestore(&ivs->lock, flags);
}

static int ivs_unregister_dmb(struct dibs_dev *dibs, struct dibs_dmb *dmb)
{
	struct ivs_dev *ivs = dibs->drv_priv;
	u64 tok = dmb->dmb_tok;
	u32 idx = IVS_TOK_IDX(tok);

	if (IVS_TOK_TAG_OF(tok) != IVS_TOK_TAG ||
	    IVS_TOK_SLOT(tok) != ivs->slot || idx >= IVS_DMBS)
		goto err;
	mutex_lock(&ivs->dmb_mutex);
	if (!ivs->dmbs[idx].used || ivs->dmbs[idx].tok != tok) {
		mutex_unlock(&ivs->dmb_mutex);
		goto err;
	}
	ivs_dmb_free(ivs, idx);
	mutex_unlock(&ivs->dmb_mutex);
	dibs_stats_dmb(dibs, false);
	return 0;
err:
	dibs_stats_error(dibs);
	return -EINVAL;
}

/*
 * The IVPosition of slot @s if we may write to it (alive, or ourselves),
 * else -1.
 */
static int ivs_reach(struct ivs_dev *ivs, u32 s)
{
	unsigned long flags;
	int pos = -1;

	if (s == ivs->slot)
		return ivs->ivposition;
	spin_lock_irqsave(&ivs->lock, flags);
	if (ivs->peers[s].alive)
		pos = ivs->peers[s].ivposition;
	spin_unlock_irqrestore(&ivs->lock, flags);
	return pos;
}

static int ivs_move_data(struct dibs_dev *dibs, u64 dmb_tok, unsigned int idx,
			 bool sf, unsigned int offset, void *data,
			 unsigned int size)
{
	struct ivs_dev *ivs = dibs->drv_priv;
	u32 s = IVS_TOK_SLOT(dmb_tok), di = IVS_TOK_IDX(dmb_tok);
	u32 len, off, seq, ack, mask;
	struct ivs_desc *d;
	unsigned long flags;
	u8 wgid[16];
	int pos, rc;

	if (IVS_TOK_TAG_OF(dmb_tok) != IVS_TOK_TAG || s >= ivs->nslots ||
	    di >= IVS_DMBS || !IVS_TOK_GEN(dmb_tok)) {
		rc = -EINVAL;
		goto err;
	}
	pos = ivs_reach(ivs, s);
	if (pos < 0) {
		rc = -EACCES;
		goto err;
	}
	d = ivs_desc_ptr(ivs, s, di);
	/* Each field once, into locals; only the locals are used. */
	if (le32_to_cpu(READ_ONCE(d->state)) != IVS_DESC_REGISTERED) {
		rc = -EINVAL;
		goto err;
	}
	rmb();	/* the fields after the state */
	if (le32_to_cpu(READ_ONCE(d->generation)) != IVS_TOK_GEN(dmb_tok)) {
		rc = -EINVAL;
		goto err;
	}
	len = le32_to_cpu(READ_ONCE(d->len));
	off = le32_to_cpu(READ_ONCE(d->data_off));
	memcpy(wgid, d->writer_gid, sizeof(wgid));
	if (memcmp(wgid, &dibs->gid, sizeof(wgid))) {
		rc = -EACCES;
		goto err;
	}
	if (off < IVS_DATA_OFF || off > ivs->part_size ||
	    len > ivs->part_size - off ||
	    offset > len || size > len - offset) {
		rc = -EINVAL;
		goto err;
	}
	memcpy(ivs_part(ivs, s) + off + offset, data, size);
	if (sf) {
		wmb();	/* the data before the signal */
		spin_lock_irqsave(&ivs->sig_lock, flags);
		seq = le32_to_cpu(READ_ONCE(d->sig_seq));
		ack = le32_to_cpu(READ_ONCE(d->ack_seq));
		mask = seq == ack ? 0 : le32_to_cpu(READ_ONCE(d->sig_mask));
		mask |= dibs_signal_mask(idx);
		WRITE_ONCE(d->sig_mask, cpu_to_le32(mask & 0xffff));
		wmb();	/* the mask before the sequence */
		WRITE_ONCE(d->sig_seq, cpu_to_le32(seq + 1));
		wmb();	/* the sequence before the doorbell */
		ivs_ring(ivs, pos);
		spin_unlock_irqrestore(&ivs->sig_lock, flags);
	}
	dibs_stats_move(dibs, size);
	return 0;
err:
	atomic_inc(&ivs->refused);
	dibs_stats_error(dibs);
	return rc;
}

static int ivs_signal_event(struct dibs_dev *dibs, const uuid_t *rgid,
			    u32 trigger_irq, u32 event_code, u64 info)
{
	struct ivs_dev *ivs = dibs->drv_priv;
	struct ivs_mbox *mb;
	unsigned long flags;
	u32 head, pos;
	int s;

	/* As dibs_lo: no event to oneself. */
	if (uuid_equal(rgid, &dibs->gid))
		return 0;
	spin_lock_irqsave(&ivs->lock, flags);
	s = ivs_find_gid(ivs, rgid);
	pos = s < 0 ? 0 : ivs->peers[s].ivposition;
	spin_unlock_irqrestore(&ivs->lock, flags);
	if (s < 0) {
		dibs_stats_error(dibs);
		return -ENETUNREACH;
	}
	mb = ivs_mbox_ptr(ivs, s, ivs->slot);
	spin_lock_irqsave(&ivs->sig_lock, flags);
	head = le32_to_cpu(READ_ONCE(mb->head));
	WRITE_ONCE(mb->ent[head % IVS_MBOX_ENTRIES].code,
		   cpu_to_le32(event_code));
	WRITE_ONCE(mb->ent[head % IVS_MBOX_ENTRIES].info, cpu_to_le64(info));
	wmb();	/* the entry before the head */
	WRITE_ONCE(mb->head, cpu_to_le32(head + 1));
	wmb();	/* the head before the doorbell */
	ivs_ring(ivs, pos);
	spin_unlock_irqrestore(&ivs->sig_lock, flags);
	return 0;
}

static const struct dibs_dev_ops ivs_ops = {
	.get_fabric_id = ivs_get_fabric_id,
	.query_remote_gid = ivs_query_remote_gid,
	.max_dmbs = ivs_max_dmbs,
	.register_dmb = ivs_register_dmb,
	.unregister_dmb = ivs_unregister_dmb,
	.move_data = ivs_move_data,
	.signal_event = ivs_signal_event,
};

static int ivs_dmb_next(struct dibs_dev *dibs, u32 *idx,
			struct dibs_dmb_info *info)
{
	struct ivs_dev *ivs = dibs->drv_priv;
	u32 i;
	int rc = -ENOENT;

	memset(info, 0, sizeof(*info));
	mutex_lock(&ivs->dmb_mutex);
	for (i = *idx; i < IVS_DMBS; i++) {
		if (!ivs->dmbs[i].used)
			continue;
		info->dmb_tok = ivs->dmbs[i].tok;
		info->rgid = ivs->dmbs[i].rgid;
		info->dmb_len = ivs->dmbs[i].len;
		info->idx = i;
		info->client_id = ivs->dmbs[i].client_id;
		*idx = i;
		rc = 0;
		break;
	}
	mutex_unlock(&ivs->dmb_mutex);
	return rc;
}

static unsigned int ivs_nr_peers(struct ivs_dev *ivs)
{
	unsigned long flags;
	unsigned int n = 0;
	u32 s;

	spin_lock_irqsave(&ivs->lock, flags);
	for (s = 0; s < ivs->nslots; s++)
		n += s != ivs->slot && ivs->peers[s].alive;
	spin_unlock_irqrestore(&ivs->lock, flags);
	return n;
}

static u32 ivs_kind_nr_peers(struct dibs_dev *dibs)
{
	return ivs_nr_peers(dibs->drv_priv);
}

static struct dibs_dev_kind ivs_kind = {
	.name = "ivshmem",
	.owner = THIS_MODULE,
	.dmb_next = ivs_dmb_next,
	.nr_peers = ivs_kind_nr_peers,
	.list = LIST_HEAD_INIT(ivs_kind.list),
};

/* sysfs of the PCI function */


static ssize_t peers_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	struct ivs_dev *ivs = dev_get_drvdata(dev);
	unsigned long flags;
	ssize_t len = 0;
	u32 s;

	spin_lock_irqsave(&ivs->lock, flags);
	for (s = 0; s < ivs->nslots; s++)
		if (s != ivs->slot && ivs->peers[s].alive)
			len += sysfs_emit_at(buf, len, "%u %u %pU\n", s,
					     ivs->peers[s].ivposition,
					     &ivs->peers[s].gid);
	spin_unlock_irqrestore(&ivs->lock, flags);
	return len;
}
static DEVICE_ATTR_RO(peers);

#define IVS_ATTR_U(name, expr)						\
static ssize_t name##_show(struct device *dev,				\
			   struct device_attribute *attr, char *buf)	\
{									\
	struct ivs_dev *ivs = dev_get_drvdata(dev);			\
									\
	return sysfs_emit(buf, "%u\n", (unsigned int)(expr));		\
}									\
static DEVICE_ATTR_RO(name)

IVS_ATTR_U(nr_peers, ivs_nr_peers(ivs));
IVS_ATTR_U(ivposition, ivs->ivposition);
IVS_ATTR_U(slot, ivs->slot);
IVS_ATTR_U(max_peers, ivs->nslots);
IVS_ATTR_U(damage, atomic_read(&ivs->damage));
IVS_ATTR_U(lost, atomic_read(&ivs->lost));
IVS_ATTR_U(refused, atomic_read(&ivs->refused));

/*
 * The bound on peer-loss detection after a peer stopped: its last
 * heartbeat is seen up to one period later, the loss is noticed up to one
 * period after loss_ms ran out.
 */
static ssize_t loss_ms_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%u\n", loss_ms + 2 * IVS_HB_MS);
}
static DEVICE_ATTR_RO(loss_ms);

static struct attribute *ivs_attrs[] = {
	&dev_attr_peers.attr,
	&dev_attr_nr_peers.attr,
	&dev_attr_ivposition.attr,
	&dev_attr_slot.attr,
	&dev_attr_max_peers.attr,
	&dev_attr_damage.attr,
	&dev_attr_lost.attr,
	&dev_attr_refused.attr,
	&dev_attr_loss_ms.attr,
	NULL,
};

static const struct attribute_group ivs_group = {
	.name = "dibs_ivshmem",
	.attrs = ivs_attrs,
};

static const struct attribute_group *ivs_groups[] = {
	&ivs_group,
	NULL,
};

/*
 * Another guest with the same slot (IVPosition modulo max_peers) whose
 * heartbeat moves?  Then we cannot take part.
 */
static bool ivs_slot_taken(struct ivs_dev *ivs)
{
	struct ivs_peer a, b;

	if (!ivs_peer_read(ivs, ivs->slot, &a) ||
	    le32_to_cpu(a.ivposition) == ivs->ivposition ||
	    le32_to_cpu(a.state) != IVS_PEER_READY)
		return false;
	msleep(3 * IVS_HB_MS);
	return ivs_peer_read(ivs, ivs->slot, &b) &&
	       le32_to_cpu(b.ivposition) == le32_to_cpu(a.ivposition) &&
	       b.heartbeat != a.heartbeat;
}

/* Our partition's reader-owned fields, fresh for this incarnation. */
static void ivs_part_init(struct ivs_dev *ivs)
{
	struct ivs_desc *d;
	u32 idx;

	for (idx = 0; idx < IVS_DMBS; idx++) {
		d = ivs_desc_ptr(ivs, ivs->slot, idx);
		WRITE_ONCE(d->state, cpu_to_le32(IVS_DESC_FREE));
		d->generation = 0;
		d->len = 0;
		d->data_off = 0;
		memset(d->writer_gid, 0, sizeof(d->writer_gid));
	}
	wmb();	/* all free before we publish JOINING */
}

/*
 * BAR2 with struct pages where the kernel can (ZONE_DEVICE): smc of 6.1
 * takes virt_to_page() of every SMC-D DMB and, in splice(), a reference on
 * that page, which must be a real one.  Otherwise memremap(), and splice()
 * from an SMC-D socket over this device is unsafe (Documentation/ivshmem.rst).
 */
static int ivs_shm_map(struct ivs_dev *ivs)
{
	struct pci_dev *pdev = ivs->pdev;
	phys_addr_t start = pci_resource_start(pdev, 2);
	void *p;

	p = dibs_pagemap_map(&ivs->pgmap, start, ivs->shm_len,
			     dev_to_node(&pdev->dev));
	if (!IS_ERR(p)) {
		ivs->shm = p;
		ivs->shm_pages = true;
		return 0;
	}
	if (PTR_ERR(p) == -EOPNOTSUPP)
		pr_notice_once("kernel without compound ZONE_DEVICE pages: DMBs have no struct pages, splice() from SMC-D sockets over dibs_ivshmem is unsafe\n");
	else
		dev_warn(&pdev->dev, "BAR2 without struct pages (ZONE_DEVICE: %pe): splice() from SMC-D sockets over it is unsafe\n",
			 p);
	memset(&ivs->pgmap, 0, sizeof(ivs->pgmap));
	ivs->shm = memremap(start, ivs->shm_len, MEMREMAP_WB);
	return ivs->shm ? 0 : -ENOMEM;
}

/*
 * A page of BAR2 may still be in a pipe (splice() from an SMC-D socket
 * whose DMB it was): ZONE_DEVICE pages of this kind do not keep their
 * mapping alive, so wait until every such reference is gone, as
 * unregister_netdevice() waits for a device's references.
 */
static void ivs_shm_unmap(struct ivs_dev *ivs)
{
	unsigned int secs = 0;
	struct page *page;

	if (!ivs->shm_pages) {
		memunmap(ivs->shm);
		return;
	}
	while ((page = dibs_pagemap_busy(ivs->shm, ivs->shm_len))) {
		if (!(secs % 10))
			dev_warn(&ivs->pdev->dev, "waiting for a reference to BAR2 offset 0x%lx to be dropped (spliced data not yet read?), %us\n",
				 (unsigned long)((u8 *)page_address(page) -
						 (u8 *)ivs->shm), secs);
		msleep(1000);
		secs++;
	}
	dibs_pagemap_unmap(&ivs->pgmap);
}

static int ivs_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct dibs_dev *dibs;
	struct ivs_dev *ivs;
	u32 pos;
	int rc;

	ivs = kzalloc(sizeof(*ivs), GFP_KERNEL);
	if (!ivs)
		return -ENOMEM;
	ivs->pdev = pdev;
	spin_lock_init(&ivs->lock);
	spin_lock_init(&ivs->sig_lock);
	mutex_init(&ivs->dmb_mutex);
	INIT_DELAYED_WORK(&ivs->hb_work, ivs_hb_work);
	atomic_set(&ivs->damage, 0);
	atomic_set(&ivs->lost, 0);
	atomic_set(&ivs->refused, 0);
	ivs->gen_next = get_random_u32();
	ivs->id = -1;

	rc = pci_enable_device(pdev);
	if (rc)
		goto err_free;
	rc = pci_request_regions(pdev, KBUILD_MODNAME);
	if (rc)
		goto err_disable;
	/* Under TCG, MSI-X is delivered through the bus-master space. */
	pci_set_master(pdev);

	if (pci_resource_len(pdev, 0) < 16 ||
	    !(pci_resource_flags(pdev, 2) & IORESOURCE_MEM)) {
		dev_err(&pdev->dev, "no register BAR0 or memory BAR2\n");
		rc = -ENODEV;
		goto err_regions;
	}
	ivs->shm_len = pci_resource_len(pdev, 2);
	if (ivs->shm_len < IVS_REGION_MIN || !is_power_of_2(ivs->shm_len) ||
	    ivs->shm_len > SZ_1G * 16ULL) {
		dev_err(&pdev->dev, "shared memory of %llu bytes: need a power of two of at least %u bytes\n",
			ivs->shm_len, IVS_REGION_MIN);
		rc = -ENODEV;
		goto err_regions;
	}
	ivs->regs = pci_iomap(pdev, 0, 0);
	if (!ivs->regs) {
		rc = -ENOMEM;
		goto err_regions;
	}
	rc = ivs_shm_map(ivs);
	if (rc)
		goto err_unmap0;

	rc = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSIX);
	if (rc < 0) {
		dev_err(&pdev->dev, "no MSI-X (ivshmem-plain, or a doorbell device without vectors): not usable\n");
		goto err_unmap2;
	}
	pos = readl(ivs->regs + IVS_REG_IVPOSITION);
	if (pos > 0xffff) {
		dev_err(&pdev->dev, "IVPosition %d: not connected to a server\n",
			(int)pos);
		rc = -ENODEV;
		goto err_vectors;
	}
	ivs->ivposition = pos;

	rc = ivs_hdr_adopt(ivs);
	if (rc)
		goto err_vectors;
	if (ivs_slot_taken(ivs)) {
		dev_err(&pdev->dev, "slot %u (IVPosition %u modulo %u) is held by a live peer\n",
			ivs->slot, pos, ivs->nslots);
		rc = -EBUSY;
		goto err_vectors;
	}
	ivs->units = bitmap_zalloc(ivs->nunits, GFP_KERNEL);
	if (!ivs->units) {
		rc = -ENOMEM;
		goto err_vectors;
	}

	dibs = dibs_dev_alloc();
	if (!dibs) {
		rc = -ENOMEM;
		goto err_units;
	}
	ivs->dibs = dibs;
	/*
	 * An ISM-style GID: 8 random bytes, 8 zero bytes.  smc of kernels up
	 * to 6.6 names a peer by those 8 bytes only, and dibs_smcd turns them
	 * back into a UUID with zeroes in the rest.
	 */
	do {
		get_random_bytes(&dibs->gid.b[0], 8);
	} while (!memchr_inv(&dibs->gid.b[0], 0, 8));
	memset(&dibs->gid.b[8], 0, 8);
	dibs->ops = &ivs_ops;
	dibs->drv_priv = ivs;
	dibs->kind = &ivs_kind;
	dibs->dev.parent = &pdev->dev;
	do {
		ivs->generation = get_random_u32();
	} while (!ivs->generation);

	ivs_part_init(ivs);
	ivs->state = IVS_PEER_JOINING;
	ivs_self_publish(ivs);

	ivs->irq = pci_irq_vector(pdev, 0);
	rc = request_irq(ivs->irq, ivs_irq, 0, KBUILD_MODNAME, ivs);
	if (rc)
		goto err_dibs;

	rc = ida_alloc_max(&ivs_ida, 9999, GFP_KERNEL);
	if (rc < 0)
		goto err_irq;
	ivs->id = rc;
	rc = dev_set_name(&dibs->dev, "ivsh%d", ivs->id);
	if (rc)
		goto err_irq;
	pci_set_drvdata(pdev, ivs);
	rc = dibs_dev_add(dibs);
	if (rc)
		goto err_irq;

	/* MSI-X is on: from now on others may ring us. */
	ivs->state = IVS_PEER_READY;
	ivs_self_publish(ivs);
	schedule_delayed_work(&ivs->hb_work, 0);
	dev_info(&pdev->dev, "%s: IVPosition %u, slot %u of %u, fabric 0x%04x, %llu MiB\n",
		 dev_name(&dibs->dev), pos, ivs->slot, ivs->nslots,
		 ivs->fabric_id, ivs->shm_len >> 20);
	return 0;

err_irq:
	free_irq(ivs->irq, ivs);
err_dibs:
	ivs->state = IVS_PEER_FREE;
	ivs_self_publish(ivs);
	put_device(&dibs->dev);
err_units:
	bitmap_free(ivs->units);
err_vectors:
	pci_free_irq_vectors(pdev);
err_unmap2:
	ivs_shm_unmap(ivs);
err_unmap0:
	pci_iounmap(pdev, ivs->regs);
err_regions:
	pci_release_regions(pdev);
err_disable:
	pci_disable_device(pdev);
err_free:
	if (ivs->id >= 0)
		ida_free(&ivs_ida, ivs->id);
	kfree(ivs);
	return rc;
}

static void ivs_remove(struct pci_dev *pdev)
{
	struct ivs_dev *ivs = pci_get_drvdata(pdev);
	u32 idx, s;
	int pos;

	/* Clients unregister their DMBs; peers still see us meanwhile. */
	dibs_dev_del(ivs->dibs);
	cancel_delayed_work_sync(&ivs->hb_work);
	mutex_lock(&ivs->dmb_mutex);
	for (idx = 0; idx < IVS_DMBS; idx++)
		if (ivs->dmbs[idx].used)
			ivs_dmb_free(ivs, idx);
	mutex_unlock(&ivs->dmb_mutex);

	ivs->state = IVS_PEER_LEAVING;
	ivs_self_publish(ivs);
	for (s = 0; s < ivs->nslots; s++) {
		pos = s == ivs->slot ? -1 : ivs_reach(ivs, s);
		if (pos >= 0)
			ivs_ring(ivs, pos);
	}
	free_irq(ivs->irq, ivs);
	pci_free_irq_vectors(pdev);
	put_device(&ivs->dibs->dev);
	bitmap_free(ivs->units);
	ivs_shm_unmap(ivs);
	pci_iounmap(pdev, ivs->regs);
	pci_release_regions(pdev);
	pci_disable_device(pdev);
	ida_free(&ivs_ida, ivs->id);
	kfree(ivs);
}

static const struct pci_device_id ivs_ids[] = {
	{ PCI_DEVICE(IVS_VENDOR, IVS_DEVICE) },
	{ }
};
MODULE_DEVICE_TABLE(pci, ivs_ids);

static struct pci_driver ivs_driver = {
	.name = KBUILD_MODNAME,
	.id_table = ivs_ids,
	.probe = ivs_probe,
	.remove = ivs_remove,
	DIBS_PCI_DEV_GROUPS(ivs_groups),
};

static int __init ivs_init(void)
{
	int rc;

	BUILD_BUG_ON(sizeof(struct ivs_hdr) != 0x54);
	BUILD_BUG_ON(sizeof(struct ivs_peer) != IVS_PEER_ENTRY_SIZE);
	BUILD_BUG_ON(sizeof(struct ivs_desc) != IVS_DESC_SIZE);
	BUILD_BUG_ON(offsetof(struct ivs_desc, sig_seq) != 0x28);
	BUILD_BUG_ON(sizeof(struct ivs_mbox) != IVS_MBOX_SIZE);
	BUILD_BUG_ON(IVS_MBOX_OFF + IVS_MAX_PEERS_MAX * IVS_MBOX_SIZE >
		     IVS_DESC_OFF);
	BUILD_BUG_ON(IVS_DESC_OFF + IVS_DMBS * IVS_DESC_SIZE > IVS_DATA_OFF);
	BUILD_BUG_ON(IVS_PEER_TABLE_OFF +
		     IVS_MAX_PEERS_MAX * IVS_PEER_ENTRY_SIZE > IVS_PART_OFF);

	if (max_peers < IVS_MAX_PEERS_MIN || max_peers > IVS_MAX_PEERS_MAX) {
		pr_err("max_peers=%u: must be %u..%u\n", max_peers,
		       IVS_MAX_PEERS_MIN, IVS_MAX_PEERS_MAX);
		return -EINVAL;
	}
	if (loss_ms < 1000 || loss_ms > 60000) {
		pr_err("loss_ms=%u: must be 1000..60000\n", loss_ms);
		return -EINVAL;
	}
	rc = dibs_kind_register(&ivs_kind);
	if (rc)
		return rc;
	rc = pci_register_driver(&ivs_driver);
	if (rc)
		dibs_kind_unregister(&ivs_kind);
	return rc;
}

static void __exit ivs_exit(void)
{
	dibs_kind_unregister(&ivs_kind);
	pci_unregister_driver(&ivs_driver);
}

module_init(ivs_init);
module_exit(ivs_exit);

MODULE_DESCRIPTION("dibs devices on QEMU ivshmem-doorbell functions");
MODULE_LICENSE("GPL");
MODULE_VERSION(DIBS_VERSION);
