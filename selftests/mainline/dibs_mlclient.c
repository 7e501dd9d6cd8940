// SPDX-License-Identifier: GPL-2.0
/*
 * dibs_mlclient - a dibs client written only against mainline's API
 *
 * Everything here uses only what mainline's include/linux/dibs.h (Linux
 * 6.18 and later) declares: no extension of ours, no compat header, no
 * feature macro.  The same source builds against mainline's header (the
 * 7.2 flavour's host check, selftests/mainline/dibs_mlclient.sh), so a
 * client written for mainline's drivers/dibs is shown to work unchanged on
 * dibs_core and dibs_lo.
 *
 * At load the module registers a client (add_dev for each device present),
 * runs its cases on every device it was given and on a pair of devices of
 * one fabric, and reports them as KTAP (selftests/include/ktap_kmod.h)
 * tagged with run_id.  Writing a run id to the parameter "rerun" runs the
 * cases again on the devices the client has then (after the script added
 * a device).  add_dev and del_dev log "dev: add NAME" and "dev: del NAME";
 * unloading unregisters the client and logs
 * "exit: unregister=RC del_dev=N devices=N left=N stray=N kept=N
 * kept_bad=N ops_bad=N" (kept: the device references held past del_dev,
 * checked and dropped then; ops_bad: device ops that failed in add_dev or
 * del_dev, where the client keeps a DMB of each device).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/dibs.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uuid.h>

#include "ktap_kmod.h"

static int run_id;
module_param(run_id, int, 0444);
MODULE_PARM_DESC(run_id, "tag of the KTAP markers of the run at load");

static int expect = -1;
module_param(expect, int, 0644);
MODULE_PARM_DESC(expect, "devices the client must have been given (-1: do not check)");

#define MLC_MAGIC	0x6d6c636cU
#define MLC_DMB_LEN	16384
#define MLC_DMB2_LEN	4096
#define MLC_VLAN	7
#define MLC_EV_CODE	0x83
#define MLC_EV_INFO	0x1122334455667788ULL
/* How long a signal or an event may take to arrive (loopback: at once). */
#define MLC_WAIT_MS	1000

/**
 * struct mlc_dev - what the client keeps per device (its dibs priv)
 * @magic: MLC_MAGIC while the device is the client's
 * @dev: the device
 * @node: in mlc_devs
 * @rec_lock: protects the records below (callbacks run with IRQs off)
 * @irqs: handle_irq() calls
 * @irq_idx: the idx of the last one
 * @irq_mask: the mask of the last one
 * @events: handle_event() calls
 * @event: the last event
 * @gid: the device's GID at add_dev()
 * @name: its name at add_dev()
 * @held: a DMB registered in add_dev() and written there, written again
 *	and unregistered in del_dev() (as smc does: a client frees its DMBs
 *	on a device in del_dev()), or before dibs_unregister_client()
 * @have_held: @held is registered
 *
 * add_dev() takes a reference on the device (mainline: the device is
 * protected by device refcounting); del_dev() keeps it, and the record
 * moves to mlc_gone until the module's exit checks that the device is
 * still readable and drops the reference.
 */
struct mlc_dev {
	u32 magic;
	struct dibs_dev *dev;
	struct list_head node;
	spinlock_t rec_lock;	/* protects the fields below */
	unsigned int irqs;
	unsigned int irq_idx;
	u16 irq_mask;
	unsigned int events;
	struct dibs_event event;
	uuid_t gid;
	char name[32];
	struct dibs_dmb held;
	bool have_held;
};

/* Protects mlc_devs and the counters; held across a run of the cases. */
static DEFINE_MUTEX(mlc_lock);
static LIST_HEAD(mlc_devs);
static LIST_HEAD(mlc_gone);
static unsigned int mlc_nr_devs;
static unsigned int mlc_adds;
static unsigned int mlc_dels;
/* Callbacks for a device the client was not given, or with a bad priv */
static atomic_t mlc_stray = ATOMIC_INIT(0);
/* Device ops that failed in add_dev() or del_dev() */
static atomic_t mlc_held_bad = ATOMIC_INIT(0);
static bool mlc_registered;

static void mlc_add_dev(struct dibs_dev *dev);
static void mlc_del_dev(struct dibs_dev *dev);
static void mlc_handle_irq(struct dibs_dev *dev, unsigned int idx,
			   u16 dmbemask);
static void mlc_handle_event(struct dibs_dev *dev,
			     const struct dibs_event *event);

static const struct dibs_client_ops mlc_ops = {
	.add_dev = mlc_add_dev,
	.del_dev = mlc_del_dev,
	.handle_irq = mlc_handle_irq,
	.handle_event = mlc_handle_event,
};

static struct dibs_client mlc_client = {
	.name = "dibs_mlclient",
	.ops = &mlc_ops,
};

/* The client's record of @dev, from its dibs priv; NULL if not ours. */
static struct mlc_dev *mlc_priv(struct dibs_dev *dev)
{
	struct mlc_dev *d = dibs_get_priv(dev, &mlc_client);

	if (!d || d->magic != MLC_MAGIC || d->dev != dev)
		return NULL;
	return d;
}

/* In add_dev(): ops a client may call there; a DMB kept until del_dev() */
static void mlc_hold_dmb(struct mlc_dev *d)
{
	struct dibs_dev *dev = d->dev;
	static const char hello[] = "add_dev";
	int rc;

	if (dev->ops->max_dmbs() <= 0 ||
	    dev->ops->query_remote_gid(dev, &dev->gid, 0, 0)) {
		pr_err("%s: max_dmbs or query_remote_gid fails in add_dev\n",
		       d->name);
		atomic_inc(&mlc_held_bad);
	}
	memset(&d->held, 0, sizeof(d->held));
	d->held.dmb_len = PAGE_SIZE;
	uuid_copy(&d->held.rgid, &dev->gid);
	rc = dev->ops->register_dmb(dev, &d->held, &mlc_client);
	if (rc) {
		pr_err("%s: register_dmb in add_dev = %d\n", d->name, rc);
		atomic_inc(&mlc_held_bad);
		return;
	}
	d->have_held = true;
	rc = dev->ops->move_data(dev, d->held.dmb_tok, 0, false, 0,
				 (void *)hello, sizeof(hello));
	if (rc || memcmp(d->held.cpu_addr, hello, sizeof(hello))) {
		pr_err("%s: move_data in add_dev = %d\n", d->name, rc);
		atomic_inc(&mlc_held_bad);
	}
}

/* In del_dev() (or before unregistering): the device still works */
static void mlc_release_held(struct mlc_dev *d, bool write)
{
	struct dibs_dev *dev = d->dev;
	static const char bye[] = "del_dev";
	int rc;

	if (!d->have_held)
		return;
	if (write) {
		rc = dev->ops->move_data(dev, d->held.dmb_tok, 0, false, 8,
					 (void *)bye, sizeof(bye));
		if (rc || memcmp(d->held.cpu_addr + 8, bye, sizeof(bye))) {
			pr_err("%s: move_data in del_dev = %d\n", d->name, rc);
			atomic_inc(&mlc_held_bad);
		}
	}
	rc = dev->ops->unregister_dmb(dev, &d->held);
	if (rc) {
		pr_err("%s: unregister_dmb in del_dev = %d\n", d->name, rc);
		atomic_inc(&mlc_held_bad);
	}
	d->have_held = false;
}

static void mlc_add_dev(struct dibs_dev *dev)
{
	struct mlc_dev *d;

	/* Mainline clears the priv before add_dev() */
	if (dibs_get_priv(dev, &mlc_client))
		atomic_inc(&mlc_stray);
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d) {
		atomic_inc(&mlc_stray);
		return;
	}
	d->magic = MLC_MAGIC;
	d->dev = dev;
	get_device(&dev->dev);
	uuid_copy(&d->gid, &dev->gid);
	strscpy(d->name, dev_name(&dev->dev), sizeof(d->name));
	mlc_hold_dmb(d);
	spin_lock_init(&d->rec_lock);
	dibs_set_priv(dev, &mlc_client, d);
	mutex_lock(&mlc_lock);
	list_add_tail(&d->node, &mlc_devs);
	mlc_nr_devs++;
	mlc_adds++;
	mutex_unlock(&mlc_lock);
	pr_info("dev: add %s\n", dev_name(&dev->dev));
	/* what mainline's sysfs attributes gid and fabric_id must show */
	pr_info("sysfs: %s %pUb 0x%04x\n", dev_name(&dev->dev), &dev->gid,
		dev->ops->get_fabric_id(dev));
}

static void mlc_del_dev(struct dibs_dev *dev)
{
	struct mlc_dev *d = mlc_priv(dev);

	pr_info("dev: del %s\n", dev_name(&dev->dev));
	if (!d) {
		atomic_inc(&mlc_stray);
		return;
	}
	mlc_release_held(d, true);
	mutex_lock(&mlc_lock);
	list_del(&d->node);
	mlc_nr_devs--;
	mlc_dels++;
	d->magic = 0;
	/* the reference outlives del_dev(): see struct mlc_dev */
	list_add_tail(&d->node, &mlc_gone);
	mutex_unlock(&mlc_lock);
}

static void mlc_handle_irq(struct dibs_dev *dev, unsigned int idx,
			   u16 dmbemask)
{
	struct mlc_dev *d = mlc_priv(dev);
	unsigned long flags;

	if (!d) {
		atomic_inc(&mlc_stray);
		return;
	}
	spin_lock_irqsave(&d->rec_lock, flags);
	d->irqs++;
	d->irq_idx = idx;
	d->irq_mask = dmbemask;
	spin_unlock_irqrestore(&d->rec_lock, flags);
}

static void mlc_handle_event(struct dibs_dev *dev,
			     const struct dibs_event *event)
{
	struct mlc_dev *d = mlc_priv(dev);
	unsigned long flags;

	if (!d) {
		atomic_inc(&mlc_stray);
		return;
	}
	spin_lock_irqsave(&d->rec_lock, flags);
	d->events++;
	d->event = *event;
	spin_unlock_irqrestore(&d->rec_lock, flags);
}

/* Helpers of the cases */

static const char *mlc_name(struct mlc_dev *d)
{
	return dev_name(&d->dev->dev);
}

/* The mask of a signal with index @idx: bit 12 of 16 rotated right. */
static u16 mlc_mask(unsigned int idx)
{
	u32 twice = 0x1000U << 16 | 0x1000U;

	return (u16)(twice >> (idx & 15));
}

static unsigned int mlc_irqs(struct mlc_dev *d)
{
	unsigned long flags;
	unsigned int n;

	spin_lock_irqsave(&d->rec_lock, flags);
	n = d->irqs;
	spin_unlock_irqrestore(&d->rec_lock, flags);
	return n;
}

static unsigned int mlc_events(struct mlc_dev *d)
{
	unsigned long flags;
	unsigned int n;

	spin_lock_irqsave(&d->rec_lock, flags);
	n = d->events;
	spin_unlock_irqrestore(&d->rec_lock, flags);
	return n;
}

/*
 * Wait until @d had @want handle_irq() calls, then check that no more
 * came and that the last had @idx and @mask.
 */
static bool mlc_got_irq(struct mlc_dev *d, unsigned int want,
			unsigned int idx, u16 mask)
{
	unsigned long flags;
	unsigned int n, got_idx;
	int waited = 0;
	u16 got_mask;

	while (mlc_irqs(d) < want && waited++ < MLC_WAIT_MS)
		usleep_range(1000, 2000);
	usleep_range(1000, 2000);
	spin_lock_irqsave(&d->rec_lock, flags);
	n = d->irqs;
	got_idx = d->irq_idx;
	got_mask = d->irq_mask;
	spin_unlock_irqrestore(&d->rec_lock, flags);
	if (n != want || got_idx != idx || got_mask != mask) {
		ktap_err("%s: %u handle_irq (want %u), last idx %u mask 0x%04x (want idx %u mask 0x%04x)",
			 mlc_name(d), n, want, got_idx, got_mask, idx, mask);
		return false;
	}
	return true;
}

/* The client id the device recorded for DMB @idx (mainline's field). */
static u8 mlc_dmb_owner(struct dibs_dev *dev, unsigned int idx)
{
	unsigned long flags;
	u8 id = NO_DIBS_CLIENT;

	spin_lock_irqsave(&dev->lock, flags);
	if (dev->dmb_clientid_arr)
		id = dev->dmb_clientid_arr[idx];
	spin_unlock_irqrestore(&dev->lock, flags);
	return id;
}

static bool mlc_all_zero(const u8 *p, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

static void mlc_fill(u8 *p, unsigned int len, u8 seed)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		p[i] = seed + i * 7;
}

/* Register a DMB on @d for the writer @writer; checks what it returns. */
static int mlc_register(struct mlc_dev *d, struct dibs_dmb *dmb, u32 len,
			const uuid_t *writer)
{
	struct dibs_dev *dev = d->dev;
	int rc, max = dev->ops->max_dmbs();

	memset(dmb, 0, sizeof(*dmb));
	dmb->dmb_len = len;
	uuid_copy(&dmb->rgid, writer);
	rc = dev->ops->register_dmb(dev, dmb, &mlc_client);
	if (rc) {
		ktap_err("%s: register_dmb(%u) = %d", mlc_name(d), len, rc);
		return rc;
	}
	if (!dmb->cpu_addr || !dmb->dmb_tok || dmb->idx >= max ||
	    dmb->dmb_len != len || !dmb->dma_addr) {
		/* smc takes a zero dma_addr for "not registered" */
		ktap_err("%s: DMB tok %llx cpu_addr %p idx %u len %u dma_addr %llx",
			 mlc_name(d), dmb->dmb_tok, dmb->cpu_addr, dmb->idx,
			 dmb->dmb_len, (unsigned long long)dmb->dma_addr);
		dev->ops->unregister_dmb(dev, dmb);
		return -EINVAL;
	}
	return 0;
}

/* The per-device cases; each reads and leaves the state in struct mlc_run */

struct mlc_run {
	struct mlc_dev *d;
	struct dibs_dmb dmb;	/* 16 KiB, writer: the device itself */
	struct dibs_dmb dmb2;	/* 4 KiB, with a VLAN, same writer */
	bool have_dmb;
	bool have_dmb2;
	const char *skip;
	u8 buf[256];
};

static bool mlc_case_priv(struct mlc_run *r)
{
	return dibs_get_priv(r->d->dev, &mlc_client) == r->d;
}

static bool mlc_case_fabric(struct mlc_run *r)
{
	struct dibs_dev *dev = r->d->dev;
	u16 f = dev->ops->get_fabric_id(dev);

	if (f != dev->ops->get_fabric_id(dev))
		return false;
	/* mainline's loopback device is "lo" on the loopback fabric */
	if (!strcmp(dev_name(&dev->dev), "lo") && f != DIBS_LOOPBACK_FABRIC) {
		ktap_err("lo: fabric 0x%04x", f);
		return false;
	}
	return true;
}

static bool mlc_case_query(struct mlc_run *r)
{
	struct dibs_dev *dev = r->d->dev;
	uuid_t other;
	int rc1, rc2, rc3;

	uuid_gen(&other);
	rc1 = dev->ops->query_remote_gid(dev, &dev->gid, 0, 0);
	/* VLANs are deprecated: a device ignores them if it has none */
	rc2 = dev->ops->query_remote_gid(dev, &dev->gid, 1, MLC_VLAN);
	rc3 = dev->ops->query_remote_gid(dev, &other, 0, 0);
	if (rc1 || rc2 || !rc3) {
		ktap_err("%s: own GID %d, own GID on a VLAN %d, a random GID %d",
			 mlc_name(r->d), rc1, rc2, rc3);
		return false;
	}
	return true;
}

static bool mlc_case_max_dmbs(struct mlc_run *r)
{
	int n = r->d->dev->ops->max_dmbs();

	return n > 0 && n == r->d->dev->ops->max_dmbs();
}

static bool mlc_case_register(struct mlc_run *r)
{
	struct mlc_dev *d = r->d;
	struct dibs_dev *dev = d->dev;

	if (mlc_register(d, &r->dmb, MLC_DMB_LEN, &dev->gid))
		return false;
	r->have_dmb = true;
	/* deprecated VLAN fields: ignored by a device without VLANs */
	memset(&r->dmb2, 0, sizeof(r->dmb2));
	if (mlc_register(d, &r->dmb2, MLC_DMB2_LEN, &dev->gid))
		return false;
	r->have_dmb2 = true;
	if (r->dmb.dmb_tok == r->dmb2.dmb_tok || r->dmb.idx == r->dmb2.idx) {
		ktap_err("%s: two DMBs share token or index", mlc_name(d));
		return false;
	}
	if (!mlc_all_zero(r->dmb.cpu_addr, MLC_DMB_LEN) ||
	    !mlc_all_zero(r->dmb2.cpu_addr, MLC_DMB2_LEN)) {
		ktap_err("%s: a new DMB is not zeroed", mlc_name(d));
		return false;
	}
	if (mlc_dmb_owner(dev, r->dmb.idx) != mlc_client.id ||
	    mlc_dmb_owner(dev, r->dmb2.idx) != mlc_client.id) {
		ktap_err("%s: dmb_clientid_arr does not name the client",
			 mlc_name(d));
		return false;
	}
	return true;
}

/* smc's largest DMB is 1 MiB */
static bool mlc_case_register_big(struct mlc_run *r)
{
	struct dibs_dev *dev = r->d->dev;
	struct dibs_dmb dmb;
	int rc;

	if (mlc_register(r->d, &dmb, SZ_1M, &dev->gid))
		return false;
	rc = dev->ops->move_data(dev, dmb.dmb_tok, 0, false, SZ_1M - 16,
				 r->buf, 16);
	if (dev->ops->unregister_dmb(dev, &dmb) || rc) {
		ktap_err("%s: move_data to the end of 1 MiB = %d",
			 mlc_name(r->d), rc);
		return false;
	}
	return true;
}

static bool mlc_case_vlan_dmb(struct mlc_run *r)
{
	struct mlc_dev *d = r->d;
	struct dibs_dev *dev = d->dev;
	struct dibs_dmb dmb;
	int rc;

	if (dev->ops->add_vlan_id) {
		r->skip = "the device has VLANs";
		return true;
	}
	memset(&dmb, 0, sizeof(dmb));
	dmb.dmb_len = MLC_DMB2_LEN;
	uuid_copy(&dmb.rgid, &dev->gid);
	dmb.vlan_valid = 1;
	dmb.vlan_id = MLC_VLAN;
	rc = dev->ops->register_dmb(dev, &dmb, &mlc_client);
	if (rc) {
		ktap_err("%s: register_dmb on a VLAN = %d", mlc_name(d), rc);
		return false;
	}
	rc = dev->ops->move_data(dev, dmb.dmb_tok, 0, false, 0, r->buf, 16);
	if (dev->ops->unregister_dmb(dev, &dmb) || rc) {
		ktap_err("%s: move_data into a DMB on a VLAN = %d", mlc_name(d),
			 rc);
		return false;
	}
	return true;
}

static bool mlc_case_move(struct mlc_run *r)
{
	struct mlc_dev *d = r->d;
	struct dibs_dev *dev = d->dev;
	unsigned int irqs = mlc_irqs(d);
	int rc;

	if (!r->have_dmb)
		return false;
	mlc_fill(r->buf, sizeof(r->buf), 1);
	rc = dev->ops->move_data(dev, r->dmb.dmb_tok, 0, false, 100, r->buf,
				 sizeof(r->buf));
	usleep_range(1000, 2000);
	if (rc || memcmp(r->dmb.cpu_addr + 100, r->buf, sizeof(r->buf)) ||
	    mlc_irqs(d) != irqs) {
		ktap_err("%s: move_data = %d, %u signals without the flag",
			 mlc_name(d), rc, mlc_irqs(d) - irqs);
		return false;
	}
	/* at the very end of the DMB */
	mlc_fill(r->buf, 8, 2);
	rc = dev->ops->move_data(dev, r->dmb.dmb_tok, 0, false,
				 MLC_DMB_LEN - 8, r->buf, 8);
	if (rc || memcmp(r->dmb.cpu_addr + MLC_DMB_LEN - 8, r->buf, 8)) {
		ktap_err("%s: move_data to the DMB's end = %d", mlc_name(d), rc);
		return false;
	}
	return true;
}

static bool mlc_case_signal(struct mlc_run *r)
{
	static const unsigned int idxs[] = { 0, 1, 3, 12, 13, 15 };
	struct mlc_dev *d = r->d;
	struct dibs_dev *dev = d->dev;
	unsigned int i, irqs;
	int rc;

	if (!r->have_dmb || !r->have_dmb2)
		return false;
	for (i = 0; i < ARRAY_SIZE(idxs); i++) {
		irqs = mlc_irqs(d);
		mlc_fill(r->buf, 32, 10 + i);
		rc = dev->ops->move_data(dev, r->dmb.dmb_tok, idxs[i], true,
					 1024 * i, r->buf, 32);
		if (rc || memcmp(r->dmb.cpu_addr + 1024 * i, r->buf, 32)) {
			ktap_err("%s: move_data with signal %u = %d",
				 mlc_name(d), idxs[i], rc);
			return false;
		}
		if (!mlc_got_irq(d, irqs + 1, r->dmb.idx, mlc_mask(idxs[i])))
			return false;
	}
	/* the other DMB: its own index */
	irqs = mlc_irqs(d);
	rc = dev->ops->move_data(dev, r->dmb2.dmb_tok, 2, true, 0, r->buf, 4);
	if (rc || memcmp(r->dmb2.cpu_addr, r->buf, 4))
		return false;
	return mlc_got_irq(d, irqs + 1, r->dmb2.idx, mlc_mask(2));
}

static bool mlc_case_move_empty(struct mlc_run *r)
{
	struct mlc_dev *d = r->d;
	unsigned int irqs = mlc_irqs(d);
	int rc;

	if (!r->have_dmb)
		return false;
	rc = d->dev->ops->move_data(d->dev, r->dmb.dmb_tok, 4, true, 0,
				    r->buf, 0);
	if (rc) {
		ktap_err("%s: move_data of 0 bytes = %d", mlc_name(d), rc);
		return false;
	}
	return mlc_got_irq(d, irqs + 1, r->dmb.idx, mlc_mask(4));
}

static bool mlc_case_move_refused(struct mlc_run *r)
{
	struct mlc_dev *d = r->d;
	struct dibs_dev *dev = d->dev;
	unsigned int irqs = mlc_irqs(d);
	u8 *end;
	u8 before[4];
	int rc1, rc2;

	if (!r->have_dmb || !r->have_dmb2)
		return false;
	end = r->dmb.cpu_addr + MLC_DMB_LEN - 4;
	memcpy(before, end, 4);
	memset(r->buf, 0xa5, 8);
	/* 4 bytes past the end */
	rc1 = dev->ops->move_data(dev, r->dmb.dmb_tok, 0, true,
				  MLC_DMB_LEN - 4, r->buf, 8);
	/* a token no DMB has */
	rc2 = dev->ops->move_data(dev, r->dmb.dmb_tok ^ r->dmb2.dmb_tok ^ 1,
				  0, true, 0, r->buf, 8);
	usleep_range(1000, 2000);
	if (!rc1 || !rc2 || memcmp(end, before, 4) || mlc_irqs(d) != irqs) {
		ktap_err("%s: write past the end %d, unknown token %d, %u signals",
			 mlc_name(d), rc1, rc2, mlc_irqs(d) - irqs);
		return false;
	}
	return true;
}

/* support_mmapped_rdmb(), attach_dmb(), detach_dmb(): all or none */
static bool mlc_mmapped(struct mlc_run *r, bool *ok)
{
	const struct dibs_dev_ops *ops = r->d->dev->ops;
	int n = !!ops->support_mmapped_rdmb + !!ops->attach_dmb +
		!!ops->detach_dmb;

	*ok = n == 0 || n == 3;
	if (!*ok)
		ktap_err("%s: %d of the 3 mmapped-DMB ops", mlc_name(r->d), n);
	if (n != 3 || !ops->support_mmapped_rdmb(r->d->dev)) {
		r->skip = "the device has no mmapped remote DMBs";
		return false;
	}
	return true;
}

static bool mlc_case_attach(struct mlc_run *r)
{
	struct mlc_dev *d = r->d;
	struct dibs_dev *dev = d->dev;
	struct dibs_dmb att;
	bool ok;
	u8 *p;
	int rc;

	if (!mlc_mmapped(r, &ok))
		return ok;
	if (!r->have_dmb)
		return false;
	memset(&att, 0, sizeof(att));
	att.dmb_tok = r->dmb.dmb_tok;
	rc = dev->ops->attach_dmb(dev, &att);
	if (rc || !att.cpu_addr || att.dmb_len != MLC_DMB_LEN ||
	    att.idx != r->dmb.idx) {
		ktap_err("%s: attach_dmb = %d, len %u idx %u", mlc_name(d), rc,
			 att.dmb_len, att.idx);
		if (!rc)
			dev->ops->detach_dmb(dev, att.dmb_tok);
		return false;
	}
	/* writes through the attachment land in the DMB, and back */
	p = att.cpu_addr;
	mlc_fill(p + 200, 64, 0x30);
	ok = !memcmp(r->dmb.cpu_addr + 200, p + 200, 64);
	mlc_fill(r->buf, 16, 0x40);
	rc = dev->ops->move_data(dev, r->dmb.dmb_tok, 0, false, 300, r->buf,
				 16);
	ok = ok && !rc && !memcmp(p + 300, r->buf, 16);
	if (!ok)
		ktap_err("%s: the attachment is not the DMB", mlc_name(d));
	rc = dev->ops->detach_dmb(dev, att.dmb_tok);
	if (rc)
		ktap_err("%s: detach_dmb = %d", mlc_name(d), rc);
	return ok && !rc;
}

static bool mlc_case_attach_outlives(struct mlc_run *r)
{
	struct mlc_dev *d = r->d;
	struct dibs_dev *dev = d->dev;
	struct dibs_dmb att;
	bool ok;
	int rc;

	if (!mlc_mmapped(r, &ok))
		return ok;
	if (!r->have_dmb2)
		return false;
	memset(&att, 0, sizeof(att));
	att.dmb_tok = r->dmb2.dmb_tok;
	rc = dev->ops->attach_dmb(dev, &att);
	if (rc) {
		ktap_err("%s: attach_dmb = %d", mlc_name(d), rc);
		return false;
	}
	rc = dev->ops->unregister_dmb(dev, &r->dmb2);
	r->have_dmb2 = false;
	if (rc) {
		ktap_err("%s: unregister_dmb of an attached DMB = %d",
			 mlc_name(d), rc);
		dev->ops->detach_dmb(dev, att.dmb_tok);
		return false;
	}
	/* the memory stays the writer's until it detaches */
	memset(att.cpu_addr, 0x5a, att.dmb_len);
	rc = dev->ops->detach_dmb(dev, att.dmb_tok);
	if (rc)
		ktap_err("%s: detach_dmb after unregister_dmb = %d",
			 mlc_name(d), rc);
	return !rc;
}

static bool mlc_case_unregister(struct mlc_run *r)
{
	struct mlc_dev *d = r->d;
	struct dibs_dev *dev = d->dev;
	unsigned int idx = r->dmb.idx;
	int rc1, rc2, rc3 = 0;

	if (!r->have_dmb)
		return false;
	rc1 = dev->ops->unregister_dmb(dev, &r->dmb);
	r->have_dmb = false;
	if (r->have_dmb2) {
		rc3 = dev->ops->unregister_dmb(dev, &r->dmb2);
		r->have_dmb2 = false;
	}
	rc2 = dev->ops->move_data(dev, r->dmb.dmb_tok, 0, false, 0, r->buf, 8);
	if (rc1 || rc3 || !rc2 || mlc_dmb_owner(dev, idx) != NO_DIBS_CLIENT) {
		ktap_err("%s: unregister_dmb %d %d, then move_data %d, owner %u",
			 mlc_name(d), rc1, rc3, rc2, mlc_dmb_owner(dev, idx));
		return false;
	}
	rc1 = dev->ops->unregister_dmb(dev, &r->dmb);
	if (!rc1) {
		ktap_err("%s: a second unregister_dmb succeeded", mlc_name(d));
		return false;
	}
	return true;
}

static bool mlc_case_vlan_ops(struct mlc_run *r)
{
	struct dibs_dev *dev = r->d->dev;
	const struct dibs_dev_ops *ops = dev->ops;

	/* mainline's loopback has no VLANs: smc gets -EOPNOTSUPP from it */
	if (ops->get_fabric_id(dev) == DIBS_LOOPBACK_FABRIC)
		return !ops->add_vlan_id && !ops->del_vlan_id;
	if (!ops->add_vlan_id != !ops->del_vlan_id)
		return false;
	if (!ops->add_vlan_id) {
		r->skip = "the device has no VLANs";
		return true;
	}
	return !ops->add_vlan_id(dev, MLC_VLAN) &&
	       !ops->del_vlan_id(dev, MLC_VLAN);
}

static bool mlc_case_event_unreachable(struct mlc_run *r)
{
	struct dibs_dev *dev = r->d->dev;
	uuid_t other;
	int rc;

	if (!dev->ops->signal_event) {
		r->skip = "the device has no signal_event";
		return true;
	}
	uuid_gen(&other);
	rc = dev->ops->signal_event(dev, &other, 1, MLC_EV_CODE, MLC_EV_INFO);
	if (!rc)
		ktap_err("%s: signal_event to a random GID succeeded",
			 mlc_name(r->d));
	return rc;
}

struct mlc_case {
	const char *name;
	bool (*fn)(struct mlc_run *r);
};

static const struct mlc_case mlc_dev_cases[] = {
	{ "dibs_get_priv returns what add_dev set", mlc_case_priv },
	{ "get_fabric_id", mlc_case_fabric },
	{ "query_remote_gid: itself, on a VLAN, not a random GID",
	  mlc_case_query },
	{ "max_dmbs", mlc_case_max_dmbs },
	{ "register_dmb for itself: zeroed, token, index, dma_addr, owner",
	  mlc_case_register },
	{ "register_dmb of 1 MiB", mlc_case_register_big },
	{ "register_dmb with the deprecated VLAN fields", mlc_case_vlan_dmb },
	{ "move_data without signal", mlc_case_move },
	{ "move_data with signal: handle_irq idx and mask", mlc_case_signal },
	{ "move_data of 0 bytes with signal", mlc_case_move_empty },
	{ "move_data past the end or to an unknown token fails",
	  mlc_case_move_refused },
	{ "attach_dmb aliases the DMB, detach_dmb", mlc_case_attach },
	{ "an attachment outlives unregister_dmb", mlc_case_attach_outlives },
	{ "unregister_dmb, then the token is gone", mlc_case_unregister },
	{ "add_vlan_id/del_vlan_id", mlc_case_vlan_ops },
	{ "signal_event to an unreachable GID fails",
	  mlc_case_event_unreachable },
};

static void mlc_run_dev(struct ktap *kt, struct mlc_dev *d)
{
	struct mlc_run *r;
	unsigned int i;
	bool ok;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	for (i = 0; i < ARRAY_SIZE(mlc_dev_cases); i++) {
		if (!r) {
			ktap_result(kt, false, "%s: %s (no memory)",
				    mlc_name(d), mlc_dev_cases[i].name);
			continue;
		}
		r->d = d;
		r->skip = NULL;
		ok = mlc_dev_cases[i].fn(r);
		if (ok && r->skip)
			ktap_skip(kt, r->skip, "%s: %s", mlc_name(d),
				  mlc_dev_cases[i].name);
		else
			ktap_result(kt, ok, "%s: %s", mlc_name(d),
				    mlc_dev_cases[i].name);
	}
	if (r && r->have_dmb)
		d->dev->ops->unregister_dmb(d->dev, &r->dmb);
	if (r && r->have_dmb2)
		d->dev->ops->unregister_dmb(d->dev, &r->dmb2);
	kfree(r);
}

/* Two devices of one fabric: a writes into b's DMBs */

struct mlc_pair {
	struct mlc_dev *a, *b;
	struct dibs_dmb dmb;	/* on b, writer a */
	bool have_dmb;
	const char *skip;
	u8 buf[64];
};

static bool mlc_reach(struct mlc_dev *x, struct mlc_dev *y)
{
	return !x->dev->ops->query_remote_gid(x->dev, &y->dev->gid, 0, 0);
}

static bool mlc_pair_find(struct mlc_pair *p)
{
	struct mlc_dev *a, *b;
	u16 fa;

	list_for_each_entry(a, &mlc_devs, node) {
		fa = a->dev->ops->get_fabric_id(a->dev);
		if (fa == DIBS_LOOPBACK_FABRIC)
			continue;
		b = a;
		list_for_each_entry_continue(b, &mlc_devs, node) {
			if (b->dev->ops->get_fabric_id(b->dev) != fa)
				continue;
			p->a = a;
			p->b = b;
			return true;
		}
	}
	return false;
}

static bool mlc_pair_reach(struct mlc_pair *p)
{
	if (!mlc_reach(p->a, p->b) || !mlc_reach(p->b, p->a)) {
		ktap_err("%s and %s do not reach each other", mlc_name(p->a),
			 mlc_name(p->b));
		return false;
	}
	return true;
}

static bool mlc_pair_lo_alone(struct mlc_pair *p)
{
	struct mlc_dev *lo, *x;
	bool seen = false;

	list_for_each_entry(lo, &mlc_devs, node) {
		if (lo->dev->ops->get_fabric_id(lo->dev) != DIBS_LOOPBACK_FABRIC)
			continue;
		seen = true;
		list_for_each_entry(x, &mlc_devs, node) {
			if (x != lo && mlc_reach(lo, x)) {
				ktap_err("%s (loopback fabric) reaches %s",
					 mlc_name(lo), mlc_name(x));
				return false;
			}
		}
	}
	if (!seen)
		p->skip = "no device on the loopback fabric";
	return true;
}

static bool mlc_pair_move(struct mlc_pair *p)
{
	struct dibs_dev *a = p->a->dev;
	unsigned int irqs_a = mlc_irqs(p->a), irqs_b = mlc_irqs(p->b);
	int rc;

	if (mlc_register(p->b, &p->dmb, MLC_DMB_LEN, &a->gid))
		return false;
	p->have_dmb = true;
	mlc_fill(p->buf, sizeof(p->buf), 0x60);
	rc = a->ops->move_data(a, p->dmb.dmb_tok, 5, true, 4000, p->buf,
			       sizeof(p->buf));
	if (rc || memcmp(p->dmb.cpu_addr + 4000, p->buf, sizeof(p->buf))) {
		ktap_err("%s -> %s: move_data = %d", mlc_name(p->a),
			 mlc_name(p->b), rc);
		return false;
	}
	if (!mlc_got_irq(p->b, irqs_b + 1, p->dmb.idx, mlc_mask(5)))
		return false;
	if (mlc_irqs(p->a) != irqs_a) {
		ktap_err("the writer %s got the signal", mlc_name(p->a));
		return false;
	}
	return true;
}

static bool mlc_pair_not_writer(struct mlc_pair *p)
{
	struct dibs_dev *b = p->b->dev;
	unsigned int irqs = mlc_irqs(p->b);
	u8 before[8];
	int rc;

	if (!p->have_dmb)
		return false;
	memcpy(before, p->dmb.cpu_addr, 8);
	memset(p->buf, 0xee, 8);
	/* b owns the DMB, but a is its one writer */
	rc = b->ops->move_data(b, p->dmb.dmb_tok, 0, true, 0, p->buf, 8);
	usleep_range(1000, 2000);
	if (!rc || memcmp(p->dmb.cpu_addr, before, 8) ||
	    mlc_irqs(p->b) != irqs) {
		ktap_err("%s wrote into its own DMB for %s: %d", mlc_name(p->b),
			 mlc_name(p->a), rc);
		return false;
	}
	return true;
}

static bool mlc_pair_attach(struct mlc_pair *p)
{
	struct dibs_dev *a = p->a->dev;
	struct dibs_dmb att;
	bool ok;
	int rc;

	if (!a->ops->support_mmapped_rdmb || !a->ops->support_mmapped_rdmb(a)) {
		p->skip = "the writer has no mmapped remote DMBs";
		return true;
	}
	if (!p->have_dmb)
		return false;
	memset(&att, 0, sizeof(att));
	att.dmb_tok = p->dmb.dmb_tok;
	rc = a->ops->attach_dmb(a, &att);
	if (rc || att.dmb_len != MLC_DMB_LEN || att.idx != p->dmb.idx) {
		ktap_err("%s -> %s: attach_dmb = %d", mlc_name(p->a),
			 mlc_name(p->b), rc);
		if (!rc)
			a->ops->detach_dmb(a, att.dmb_tok);
		return false;
	}
	mlc_fill((u8 *)att.cpu_addr + 8000, 32, 0x70);
	ok = !memcmp(p->dmb.cpu_addr + 8000, (u8 *)att.cpu_addr + 8000, 32);
	rc = a->ops->detach_dmb(a, att.dmb_tok);
	return ok && !rc;
}

static bool mlc_pair_event(struct mlc_pair *p)
{
	struct dibs_dev *a = p->a->dev;
	unsigned int ev_a = mlc_events(p->a), ev_b = mlc_events(p->b);
	struct dibs_event ev;
	unsigned long flags;
	int rc, waited = 0;

	if (!a->ops->signal_event) {
		p->skip = "the device has no signal_event";
		return true;
	}
	rc = a->ops->signal_event(a, &p->b->dev->gid, 1, MLC_EV_CODE,
				  MLC_EV_INFO);
	if (rc) {
		ktap_err("%s -> %s: signal_event = %d", mlc_name(p->a),
			 mlc_name(p->b), rc);
		return false;
	}
	while (mlc_events(p->b) == ev_b && waited++ < MLC_WAIT_MS)
		usleep_range(1000, 2000);
	spin_lock_irqsave(&p->b->rec_lock, flags);
	ev = p->b->event;
	spin_unlock_irqrestore(&p->b->rec_lock, flags);
	if (mlc_events(p->b) != ev_b + 1 || mlc_events(p->a) != ev_a ||
	    ev.type != DIBS_SW_EVENT || ev.subtype != MLC_EV_CODE ||
	    ev.data != MLC_EV_INFO || !uuid_equal(&ev.gid, &a->gid)) {
		ktap_err("%s -> %s: %u events at the target, %u at the sender, type %u subtype 0x%x data %llx gid %pUb",
			 mlc_name(p->a), mlc_name(p->b),
			 mlc_events(p->b) - ev_b, mlc_events(p->a) - ev_a,
			 ev.type, ev.subtype, ev.data, &ev.gid);
		return false;
	}
	return true;
}

static bool mlc_pair_unregister(struct mlc_pair *p)
{
	struct dibs_dev *a = p->a->dev, *b = p->b->dev;
	int rc1, rc2;

	if (!p->have_dmb)
		return false;
	rc1 = b->ops->unregister_dmb(b, &p->dmb);
	p->have_dmb = false;
	rc2 = a->ops->move_data(a, p->dmb.dmb_tok, 0, false, 0, p->buf, 8);
	return !rc1 && rc2;
}

struct mlc_pair_case {
	const char *name;
	bool (*fn)(struct mlc_pair *p);
};

static const struct mlc_pair_case mlc_pair_cases[] = {
	{ "two devices of one fabric reach each other", mlc_pair_reach },
	{ "a loopback-fabric device reaches only itself", mlc_pair_lo_alone },
	{ "move_data into the other device's DMB, with signal",
	  mlc_pair_move },
	{ "the DMB's owner is not its writer", mlc_pair_not_writer },
	{ "attach_dmb to the other device's DMB", mlc_pair_attach },
	{ "signal_event reaches the other device's clients", mlc_pair_event },
	{ "unregister_dmb of the DMB for the other device",
	  mlc_pair_unregister },
};

static void mlc_run_pair(struct ktap *kt)
{
	struct mlc_pair *p;
	unsigned int i;
	bool found, ok;

	p = kzalloc(sizeof(*p), GFP_KERNEL);
	found = p && mlc_pair_find(p);
	for (i = 0; i < ARRAY_SIZE(mlc_pair_cases); i++) {
		if (!p) {
			ktap_result(kt, false, "pair: %s (no memory)",
				    mlc_pair_cases[i].name);
			continue;
		}
		if (!found && i != 1) {
			ktap_skip(kt, "no two devices of one fabric",
				  "pair: %s", mlc_pair_cases[i].name);
			continue;
		}
		p->skip = NULL;
		ok = mlc_pair_cases[i].fn(p);
		if (ok && p->skip)
			ktap_skip(kt, p->skip, "pair: %s",
				  mlc_pair_cases[i].name);
		else
			ktap_result(kt, ok, "pair: %s", mlc_pair_cases[i].name);
	}
	if (p && p->have_dmb)
		p->b->dev->ops->unregister_dmb(p->b->dev, &p->dmb);
	kfree(p);
}

/* One run: the global cases, every device's, the pair's. */
static void mlc_run(int id)
{
	struct mlc_dev *d;
	struct ktap kt;
	int stray;

	mutex_lock(&mlc_lock);
	ktap_begin(&kt, id, 3 + mlc_nr_devs * ARRAY_SIZE(mlc_dev_cases) +
		   ARRAY_SIZE(mlc_pair_cases));
	ktap_diag("client id %u, %u devices", mlc_client.id, mlc_nr_devs);
	if (expect < 0)
		ktap_skip(&kt, "expect not set", "add_dev for every device");
	else
		ktap_result(&kt, mlc_nr_devs == expect,
			    "add_dev for every device (%u, expected %d)",
			    mlc_nr_devs, expect);
	list_for_each_entry(d, &mlc_devs, node)
		mlc_run_dev(&kt, d);
	mlc_run_pair(&kt);
	ktap_result(&kt, !atomic_read(&mlc_held_bad),
		    "device ops in add_dev (%d failed)",
		    atomic_read(&mlc_held_bad));
	stray = atomic_read(&mlc_stray);
	ktap_result(&kt, !stray, "no callback without add_dev or priv (%d)",
		    stray);
	ktap_end(&kt);
	mutex_unlock(&mlc_lock);
}

static int mlc_rerun_set(const char *val, const struct kernel_param *kp)
{
	int id, rc;

	rc = kstrtoint(val, 0, &id);
	if (rc)
		return rc;
	if (!mlc_registered)
		return -ENODEV;
	mlc_run(id);
	return 0;
}

static const struct kernel_param_ops mlc_rerun_ops = {
	.set = mlc_rerun_set,
};
module_param_cb(rerun, &mlc_rerun_ops, NULL, 0200);
MODULE_PARM_DESC(rerun, "write a run id: run the cases again");

static int __init dibs_mlclient_init(void)
{
	struct ktap kt;
	int rc;

	rc = dibs_register_client(&mlc_client);
	if (rc) {
		ktap_begin(&kt, run_id, 1);
		ktap_result(&kt, false, "dibs_register_client = %d", rc);
		ktap_end(&kt);
		return rc;
	}
	mlc_registered = true;
	mlc_run(run_id);
	return 0;
}

/* Drop the references del_dev() kept; count those whose device changed. */
static unsigned int mlc_release_gone(unsigned int *bad)
{
	struct mlc_dev *d, *tmp;
	unsigned int n = 0;

	*bad = 0;
	list_for_each_entry_safe(d, tmp, &mlc_gone, node) {
		if (!uuid_equal(&d->dev->gid, &d->gid) ||
		    strcmp(dev_name(&d->dev->dev), d->name)) {
			pr_err("%s: the device changed after del_dev\n",
			       d->name);
			(*bad)++;
		}
		list_del(&d->node);
		put_device(&d->dev->dev);
		kfree(d);
		n++;
	}
	return n;
}

static void __exit dibs_mlclient_exit(void)
{
	unsigned int devs, dels, kept, kept_bad;
	struct mlc_dev *d;
	int rc;

	/* a client frees its DMBs before it unregisters (mainline WARNs) */
	mutex_lock(&mlc_lock);
	list_for_each_entry(d, &mlc_devs, node)
		mlc_release_held(d, false);
	devs = mlc_nr_devs;
	dels = mlc_dels;
	mutex_unlock(&mlc_lock);
	rc = dibs_unregister_client(&mlc_client);
	mutex_lock(&mlc_lock);
	kept = mlc_release_gone(&kept_bad);
	pr_info("exit: unregister=%d del_dev=%u devices=%u left=%u stray=%d kept=%u kept_bad=%u ops_bad=%d\n",
		rc, mlc_dels - dels, devs, mlc_nr_devs,
		atomic_read(&mlc_stray), kept, kept_bad,
		atomic_read(&mlc_held_bad));
	mutex_unlock(&mlc_lock);
}

module_init(dibs_mlclient_init);
module_exit(dibs_mlclient_exit);
MODULE_DESCRIPTION("dibs selftest: a client written against mainline's dibs API only");
MODULE_LICENSE("GPL");
