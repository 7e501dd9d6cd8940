// SPDX-License-Identifier: GPL-2.0
/*
 * ism_test - dibs_ism's own code against the emulated ISM firmware.
 *
 * ism_test.sh loads ism_emu and then this module.  At load time the module
 * plugs in emulated functions (ism_emu_fn_add(): two on the VCHID of
 * ism_emu, one on another VCHID), acts as two dibs clients (A and B) on
 * the ism devices dibs_ism makes for them, runs the cases below and prints
 * KTAP to the kernel log, one line each:
 *
 *	ism_test: ktap-begin run=ID
 *	ism_test: ktap: KTAP version 1
 *	ism_test: ktap: 1..N
 *	ism_test: ktap: ok 1 name
 *	...
 *	ism_test: ktap-end run=ID pass=P fail=F skip=S
 *
 * Afterwards it unplugs its functions and unregisters its clients; rmmod
 * has nothing left to do.  Failures are pr_err() and "not ok", never WARN().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/delay.h>
#include <linux/dibs.h>
#include <linux/err.h>
#include <linux/if.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/preempt.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uuid.h>
#include <linux/vmalloc.h>

#include "ism.h"
#include "ism_emu.h"
#include "ktap_kmod.h"

static int run_id;
module_param(run_id, int, 0444);
MODULE_PARM_DESC(run_id, "tag of the KTAP markers in the kernel log");

static int it_fails;

#define EXPECT(cond, fmt, ...)						\
	do {								\
		if (!(cond)) {						\
			it_fails++;					\
			ktap_err("%s:%d: " fmt, __func__, __LINE__,	\
				 ##__VA_ARGS__);			\
		}							\
	} while (0)

#define IT_WAIT_MS	2000
#define IT_LOG		64

struct it_irq {
	struct dibs_dev *dev;
	unsigned int idx;
	u16 mask;
	bool in_irq;
};

struct it_ev {
	struct dibs_dev *dev;
	struct dibs_event ev;
};

struct it_devrec {
	struct list_head list;
	struct dibs_dev *dev;
};

struct it_dmbrec {
	struct list_head list;
	struct dibs_dev *dev;
	struct dibs_dmb dmb;
};

struct it_client {
	struct dibs_client c;
	bool registered;
	bool leak;			/* del_dev() leaves the DMBs */
	struct mutex lock;		/* devs, dmbs, counters */
	struct list_head devs;
	struct list_head dmbs;
	unsigned int add_calls, del_calls, cb_errors;
	spinlock_t log_lock;		/* the logs below */
	struct it_irq irqs[IT_LOG];
	unsigned int nirqs;
	struct it_ev evs[IT_LOG];
	unsigned int nevs;
	struct dibs_dev *dead;		/* the device del_dev() ran for */
	unsigned int late;		/* callbacks for it afterwards */
};

static struct it_client it_a, it_b, it_c;

static bool it_is_ism(struct dibs_dev *dev)
{
	return !strncmp(dev_name(&dev->dev), "ism", 3);
}

static void it_add_dev(struct it_client *c, struct dibs_dev *dev)
{
	struct it_devrec *r;

	if (!it_is_ism(dev))
		return;
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	mutex_lock(&c->lock);
	c->add_calls++;
	if (r) {
		r->dev = dev;
		list_add_tail(&r->list, &c->devs);
	} else {
		c->cb_errors++;
	}
	mutex_unlock(&c->lock);
}

static void it_del_dev(struct it_client *c, struct dibs_dev *dev)
{
	struct it_dmbrec *m, *mt;
	struct it_devrec *r, *rt;
	unsigned long flags;
	int rc;

	if (!it_is_ism(dev))
		return;
	mutex_lock(&c->lock);
	c->del_calls++;
	list_for_each_entry_safe(m, mt, &c->dmbs, list) {
		if (m->dev != dev)
			continue;
		if (!c->leak) {
			rc = dev->ops->unregister_dmb(dev, &m->dmb);
			if (rc) {
				pr_err("%s: del_dev: unregister_dmb failed: %d\n",
				       c->c.name, rc);
				c->cb_errors++;
			}
		}
		list_del(&m->list);
		kfree(m);
	}
	list_for_each_entry_safe(r, rt, &c->devs, list) {
		if (r->dev == dev) {
			list_del(&r->list);
			kfree(r);
		}
	}
	mutex_unlock(&c->lock);
	spin_lock_irqsave(&c->log_lock, flags);
	c->dead = dev;
	spin_unlock_irqrestore(&c->log_lock, flags);
}

static void it_handle_irq(struct it_client *c, struct dibs_dev *dev,
			  unsigned int idx, u16 mask)
{
	unsigned long flags;

	spin_lock_irqsave(&c->log_lock, flags);
	if (c->nirqs < IT_LOG) {
		c->irqs[c->nirqs].dev = dev;
		c->irqs[c->nirqs].idx = idx;
		c->irqs[c->nirqs].mask = mask;
		c->irqs[c->nirqs].in_irq = in_interrupt();
	}
	c->nirqs++;
	if (dev == c->dead)
		c->late++;
	spin_unlock_irqrestore(&c->log_lock, flags);
}

static void it_handle_event(struct it_client *c, struct dibs_dev *dev,
			    const struct dibs_event *ev)
{
	unsigned long flags;

	spin_lock_irqsave(&c->log_lock, flags);
	if (c->nevs < IT_LOG) {
		c->evs[c->nevs].dev = dev;
		c->evs[c->nevs].ev = *ev;
	}
	c->nevs++;
	if (dev == c->dead)
		c->late++;
	spin_unlock_irqrestore(&c->log_lock, flags);
}

#define IT_CLIENT_OPS(x)						\
static void it_##x##_add_dev(struct dibs_dev *dev)			\
{									\
	it_add_dev(&it_##x, dev);					\
}									\
static void it_##x##_del_dev(struct dibs_dev *dev)			\
{									\
	it_del_dev(&it_##x, dev);					\
}									\
static void it_##x##_handle_irq(struct dibs_dev *dev, unsigned int idx,	\
				u16 mask)				\
{									\
	it_handle_irq(&it_##x, dev, idx, mask);				\
}									\
static void it_##x##_handle_event(struct dibs_dev *dev,			\
				  const struct dibs_event *ev)		\
{									\
	it_handle_event(&it_##x, dev, ev);				\
}									\
static const struct dibs_client_ops it_##x##_ops = {			\
	.add_dev = it_##x##_add_dev,					\
	.del_dev = it_##x##_del_dev,					\
	.handle_irq = it_##x##_handle_irq,				\
	.handle_event = it_##x##_handle_event,				\
}

IT_CLIENT_OPS(a);
IT_CLIENT_OPS(b);
IT_CLIENT_OPS(c);

static void it_client_init(struct it_client *c, const char *name,
			   const struct dibs_client_ops *ops)
{
	c->c.name = name;
	c->c.ops = ops;
	mutex_init(&c->lock);
	INIT_LIST_HEAD(&c->devs);
	INIT_LIST_HEAD(&c->dmbs);
	spin_lock_init(&c->log_lock);
}

static void it_log_reset(struct it_client *c)
{
	unsigned long flags;

	spin_lock_irqsave(&c->log_lock, flags);
	c->nirqs = 0;
	c->nevs = 0;
	c->dead = NULL;
	c->late = 0;
	spin_unlock_irqrestore(&c->log_lock, flags);
}

static unsigned int it_nirqs(struct it_client *c)
{
	unsigned long flags;
	unsigned int n;

	spin_lock_irqsave(&c->log_lock, flags);
	n = c->nirqs;
	spin_unlock_irqrestore(&c->log_lock, flags);
	return n;
}

static unsigned int it_nevs(struct it_client *c)
{
	unsigned long flags;
	unsigned int n;

	spin_lock_irqsave(&c->log_lock, flags);
	n = c->nevs;
	spin_unlock_irqrestore(&c->log_lock, flags);
	return n;
}

/* Wait until @c logged at least @n interrupts (@ev: events). */
static bool it_wait(struct it_client *c, unsigned int n, bool ev)
{
	unsigned long end = jiffies + msecs_to_jiffies(IT_WAIT_MS);

	while ((ev ? it_nevs(c) : it_nirqs(c)) < n) {
		if (time_after(jiffies, end))
			return false;
		usleep_range(500, 1000);
	}
	return true;
}

static struct dibs_dev *it_find_dev(struct it_client *c, const char *name)
{
	struct dibs_dev *dev = NULL;
	struct it_devrec *r;

	mutex_lock(&c->lock);
	list_for_each_entry(r, &c->devs, list) {
		if (!strcmp(dev_name(&r->dev->dev), name)) {
			dev = r->dev;
			break;
		}
	}
	mutex_unlock(&c->lock);
	return dev;
}

static unsigned int it_ndevs(struct it_client *c)
{
	struct it_devrec *r;
	unsigned int n = 0;

	mutex_lock(&c->lock);
	list_for_each_entry(r, &c->devs, list)
		n++;
	mutex_unlock(&c->lock);
	return n;
}

static struct it_dmbrec *it_reg(struct it_client *c, struct dibs_dev *dev,
				struct dibs_dev *writer, u32 len, u32 idx)
{
	struct it_dmbrec *m;
	int rc;

	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return ERR_PTR(-ENOMEM);
	m->dev = dev;
	m->dmb.dmb_len = len;
	m->dmb.idx = idx;
	uuid_copy(&m->dmb.rgid, &writer->gid);
	rc = dev->ops->register_dmb(dev, &m->dmb, &c->c);
	if (rc) {
		kfree(m);
		return ERR_PTR(rc);
	}
	mutex_lock(&c->lock);
	list_add_tail(&m->list, &c->dmbs);
	mutex_unlock(&c->lock);
	return m;
}

static int it_unreg(struct it_client *c, struct it_dmbrec *m)
{
	int rc;

	rc = m->dev->ops->unregister_dmb(m->dev, &m->dmb);
	if (rc)
		return rc;
	mutex_lock(&c->lock);
	list_del(&m->list);
	mutex_unlock(&c->lock);
	kfree(m);
	return 0;
}

static void it_unreg_all(struct it_client *c)
{
	struct it_dmbrec *m, *mt;
	LIST_HEAD(mine);

	mutex_lock(&c->lock);
	list_splice_init(&c->dmbs, &mine);
	mutex_unlock(&c->lock);
	list_for_each_entry_safe(m, mt, &mine, list) {
		int rc = m->dev->ops->unregister_dmb(m->dev, &m->dmb);

		if (rc)
			pr_err("unregister_dmb(%llx) failed in cleanup: %d\n",
			       m->dmb.dmb_tok, rc);
		list_del(&m->list);
		kfree(m);
	}
}

static u8 it_clientid(struct dibs_dev *dev, u32 idx)
{
	unsigned long flags;
	u8 id;

	spin_lock_irqsave(&dev->lock, flags);
	id = dev->dmb_clientid_arr[idx];
	spin_unlock_irqrestore(&dev->lock, flags);
	return id;
}

static void it_fill(u8 *buf, unsigned int len, u8 seed)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		buf[i] = (u8)(i * 13 + seed) | 1;
}

/* The fixture: f0, f1 on ism_emu's VCHID, f2 on another one. */
static struct ism_emu_fn *f0, *f1, *f2;
static struct dibs_dev *d0, *d1, *d2;
static u8 *it_buf;		/* SZ_1M + 2 * ISM_MOVE_PIECE_MAX scratch */

static bool it_need(bool ok, const char *func, const char *what)
{
	if (!ok) {
		it_fails++;
		ktap_err("%s: fixture missing: %s", func, what);
	}
	return ok;
}

#define NEED(cond)	it_need(cond, __func__, #cond)

static bool it_reg_failed(struct it_dmbrec *m, const char *func, int line)
{
	if (!IS_ERR(m))
		return false;
	it_fails++;
	ktap_err("%s:%d: register_dmb failed: %ld", func, line, PTR_ERR(m));
	return true;
}

#define REG_FAILED(m)	it_reg_failed(m, __func__, __LINE__)

static struct ism_emu_fn *it_fn_add(u16 vchid, struct dibs_dev **dev)
{
	struct ism_emu_fn *fn = ism_emu_fn_add(vchid);

	*dev = NULL;
	if (IS_ERR(fn)) {
		ktap_err("ism_emu_fn_add(0x%x): %ld", vchid, PTR_ERR(fn));
		it_fails++;
		return NULL;
	}
	*dev = it_find_dev(&it_a, ism_emu_fn_name(fn));
	return fn;
}

static bool it_ism_gid(const uuid_t *gid)
{
	unsigned int i;

	for (i = sizeof(u64); i < UUID_SIZE; i++)
		if (gid->b[i])
			return false;
	return !uuid_is_null(gid);
}

static int t_fn_add_and_add_dev(void)
{
	u16 vchid = ism_emu_vchid();
	unsigned int before;
	int rc;

	rc = dibs_register_client(&it_a.c);
	EXPECT(!rc, "dibs_register_client(A): %d", rc);
	if (rc)
		return 0;
	it_a.registered = true;
	before = it_ndevs(&it_a);
	ktap_diag("%u ism devices at start", before);

	f0 = it_fn_add(vchid, &d0);
	f1 = it_fn_add(vchid, &d1);
	f2 = it_fn_add(vchid + 1, &d2);
	if (!NEED(f0 && f1 && f2))
		return 0;
	EXPECT(d0 && d1 && d2, "add_dev() not called for a new function");
	if (!d0 || !d1 || !d2)
		return 0;
	EXPECT(it_ndevs(&it_a) == before + 3, "%u devices, expected %u",
	       it_ndevs(&it_a), before + 3);
	ktap_diag("functions %s %s (VCHID %#x) and %s (%#x)",
		  dev_name(&d0->dev), dev_name(&d1->dev), vchid,
		  dev_name(&d2->dev), vchid + 1);
	EXPECT(d0->ops->get_fabric_id(d0) == vchid &&
	       d1->ops->get_fabric_id(d1) == vchid &&
	       d2->ops->get_fabric_id(d2) == vchid + 1,
	       "fabric ids %#x %#x %#x", d0->ops->get_fabric_id(d0),
	       d1->ops->get_fabric_id(d1), d2->ops->get_fabric_id(d2));
	EXPECT(it_ism_gid(&d0->gid) && it_ism_gid(&d1->gid) &&
	       it_ism_gid(&d2->gid), "GIDs not ISM shaped: %pUb %pUb %pUb",
	       &d0->gid, &d1->gid, &d2->gid);
	EXPECT(!uuid_equal(&d0->gid, &d1->gid) &&
	       !uuid_equal(&d0->gid, &d2->gid) &&
	       !uuid_equal(&d1->gid, &d2->gid), "GIDs not distinct");
	EXPECT(d0->ops->max_dmbs() == ISM_NR_DMBS, "max_dmbs %d",
	       d0->ops->max_dmbs());
	EXPECT(d0->dev.parent, "no parent device");
	EXPECT(d0->kind && !strcmp(d0->kind->name, "ism"), "kind is not ism");
	return 0;
}

static int t_register_second_client(void)
{
	int rc;

	rc = dibs_register_client(&it_b.c);
	EXPECT(!rc, "dibs_register_client(B): %d", rc);
	if (rc)
		return 0;
	it_b.registered = true;
	EXPECT(it_ndevs(&it_b) == it_ndevs(&it_a),
	       "B was told about %u devices, A about %u", it_ndevs(&it_b),
	       it_ndevs(&it_a));
	return 0;
}

static int t_query_remote_gid(void)
{
	uuid_t other;
	int rc;

	if (!NEED(d0 && d1 && d2))
		return 0;
	rc = d0->ops->query_remote_gid(d0, &d1->gid, 0, 0);
	EXPECT(rc == 0, "f0 -> f1 (same VCHID): %d", rc);
	rc = d1->ops->query_remote_gid(d1, &d0->gid, 0, 0);
	EXPECT(rc == 0, "f1 -> f0: %d", rc);
	rc = d0->ops->query_remote_gid(d0, &d0->gid, 0, 0);
	EXPECT(rc == 0, "f0 -> itself: %d", rc);
	rc = d0->ops->query_remote_gid(d0, &d2->gid, 0, 0);
	EXPECT(rc == -ENETUNREACH, "f0 -> f2 (other VCHID): %d", rc);
	rc = d2->ops->query_remote_gid(d2, &d0->gid, 0, 0);
	EXPECT(rc == -ENETUNREACH, "f2 -> f0: %d", rc);
	uuid_copy(&other, &d1->gid);
	other.b[7] ^= 0x5a;
	rc = d0->ops->query_remote_gid(d0, &other, 0, 0);
	EXPECT(rc == -ENETUNREACH, "unknown GID: %d", rc);
	uuid_copy(&other, &d1->gid);
	other.b[12] = 1;
	rc = d0->ops->query_remote_gid(d0, &other, 0, 0);
	EXPECT(rc == -ENETUNREACH, "a UUID that is no ISM GID: %d", rc);
	/* VLAN: reachable in a VLAN only if the peer joined it */
	rc = d0->ops->query_remote_gid(d0, &d1->gid, 1, 42);
	EXPECT(rc == -ENETUNREACH, "f1 in VLAN 42 before joining: %d", rc);
	rc = d1->ops->add_vlan_id(d1, 42);
	EXPECT(rc == 0, "add_vlan_id(42): %d", rc);
	rc = d0->ops->query_remote_gid(d0, &d1->gid, 1, 42);
	EXPECT(rc == 0, "f1 in VLAN 42 after joining: %d", rc);
	rc = d1->ops->del_vlan_id(d1, 42);
	EXPECT(rc == 0, "del_vlan_id(42): %d", rc);
	return 0;
}

static int t_register_dmb(void)
{
	struct it_dmbrec *m, *m2;
	unsigned int i, idx;
	uuid_t bad;
	u8 *p;

	if (!NEED(d0 && d1))
		return 0;
	m = it_reg(&it_a, d1, d0, SZ_64K, 0);
	if (REG_FAILED(m))
		return 0;
	EXPECT(m->dmb.idx >= ISM_DMB_BIT_OFFSET && m->dmb.idx < ISM_NR_DMBS,
	       "index %u", m->dmb.idx);
	EXPECT(m->dmb.dmb_tok && !(m->dmb.dmb_tok & 0xffffffffULL),
	       "token %llx", m->dmb.dmb_tok);
	EXPECT(m->dmb.dma_addr, "no DMA address");
	EXPECT(m->dmb.cpu_addr &&
	       page_address(virt_to_page(m->dmb.cpu_addr)) == m->dmb.cpu_addr,
	       "buffer not in the linear map");
	EXPECT(it_clientid(d1, m->dmb.idx) == it_a.c.id,
	       "dmb_clientid_arr[%u] = %u", m->dmb.idx,
	       it_clientid(d1, m->dmb.idx));
	for (i = 0, p = m->dmb.cpu_addr; i < SZ_64K; i++)
		if (p[i])
			break;
	EXPECT(i == SZ_64K, "not zeroed at %u", i);

	m2 = it_reg(&it_a, d1, d0, 100, 1000);
	if (!REG_FAILED(m2)) {
		EXPECT(m2->dmb.idx == 1000, "asked for 1000, got %u",
		       m2->dmb.idx);
		EXPECT(m2->dmb.dmb_tok != m->dmb.dmb_tok, "token reused");
		EXPECT(PTR_ERR(it_reg(&it_b, d1, d0, 100, 1000)) == -EINVAL,
		       "a taken index was not refused");
	}
	EXPECT(PTR_ERR(it_reg(&it_a, d1, d0, 100, 5)) == -EINVAL,
	       "index 5 (below %u) was not refused", ISM_DMB_BIT_OFFSET);
	EXPECT(PTR_ERR(it_reg(&it_a, d1, d0, 100, ISM_NR_DMBS)) == -EINVAL,
	       "index %u was not refused", ISM_NR_DMBS);
	EXPECT(PTR_ERR(it_reg(&it_a, d1, d0, 0, 0)) == -EINVAL,
	       "length 0 was not refused");
	EXPECT(PTR_ERR(it_reg(&it_a, d1, d0, SZ_1M + 1, 0)) == -EINVAL,
	       "length 1 MiB + 1 was not refused");
	uuid_copy(&bad, &d0->gid);
	bad.b[15] = 1;
	m2 = kzalloc(sizeof(*m2), GFP_KERNEL);
	if (m2) {
		m2->dmb.dmb_len = 100;
		uuid_copy(&m2->dmb.rgid, &bad);
		EXPECT(d1->ops->register_dmb(d1, &m2->dmb, &it_a.c) == -EINVAL,
		       "a writer that is no ISM GID was not refused");
		kfree(m2);
	}
	m2 = it_reg(&it_a, d1, d0, SZ_1M, 0);
	if (IS_ERR(m2))
		ktap_diag("1 MiB DMB: %ld (tolerated only as -ENOMEM)",
			  PTR_ERR(m2));
	EXPECT(!IS_ERR(m2) || PTR_ERR(m2) == -ENOMEM, "1 MiB DMB: %ld",
	       PTR_ERR(m2));

	idx = m->dmb.idx;
	EXPECT(!it_unreg(&it_a, m), "unregister_dmb failed");
	EXPECT(it_clientid(d1, idx) == NO_DIBS_CLIENT, "index %u not freed",
	       idx);
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (m) {
		m->dmb.dmb_tok = 0x1234500000000ULL;
		m->dmb.idx = 40;
		EXPECT(d1->ops->unregister_dmb(d1, &m->dmb) == -EINVAL,
		       "unknown token not refused");
		kfree(m);
	}
	it_unreg_all(&it_a);
	it_unreg_all(&it_b);
	EXPECT(ism_emu_fn_dmbs(f1) == 0, "%u DMBs left at the firmware",
	       ism_emu_fn_dmbs(f1));
	return 0;
}

/* A buffer that was used, unregistered and registered again reads zero. */
static int t_register_dmb_reused_zeroed(void)
{
	struct it_dmbrec *m;
	unsigned int i, round;
	void *first = NULL;
	u8 *p;

	if (!NEED(d0 && d1))
		return 0;
	for (round = 0; round < 4; round++) {
		m = it_reg(&it_a, d1, d0, SZ_64K, 0);
		if (REG_FAILED(m))
			break;
		p = m->dmb.cpu_addr;
		for (i = 0; i < SZ_64K; i++)
			if (p[i])
				break;
		EXPECT(i == SZ_64K, "round %u: not zeroed at %u", round, i);
		if (!round)
			first = p;
		else if (p == first)
			ktap_diag("round %u got the first buffer again", round);
		memset(p, 0x5a, SZ_64K);
		EXPECT(!it_unreg(&it_a, m), "unregister_dmb failed");
	}
	it_unreg_all(&it_a);
	return 0;
}

/*
 * The function refuses to register a DMB: -EIO, and everything the driver
 * had taken for it is given back (the index is free for the next one).
 */
static int t_register_dmb_refused(void)
{
	struct it_dmbrec *m;
	unsigned int before;

	if (!NEED(d0 && d1 && f1))
		return 0;
	before = ism_emu_fn_dmbs(f1);
	ism_emu_fn_fail_cmd(f1, ISM_REG_DMB, ISM_RC_NO_SPACE, 1);
	m = it_reg(&it_a, d1, d0, SZ_64K, 1000);
	EXPECT(PTR_ERR(m) == -EIO, "refused register_dmb: %ld, expected -EIO",
	       PTR_ERR(m));
	if (!IS_ERR(m))
		it_unreg(&it_a, m);
	EXPECT(ism_emu_fn_dmbs(f1) == before,
	       "the firmware has %u DMBs, expected %u", ism_emu_fn_dmbs(f1),
	       before);
	EXPECT(it_clientid(d1, 1000) == NO_DIBS_CLIENT,
	       "index 1000 taken after the refusal");
	m = it_reg(&it_a, d1, d0, SZ_64K, 1000);
	EXPECT(!IS_ERR(m), "index 1000 after the refusal: %ld", PTR_ERR(m));
	ism_emu_fn_fail_cmd(f1, 0, 0, 0);
	it_unreg_all(&it_a);
	return 0;
}

/*
 * The function refuses to unregister a DMB: -EIO, the driver keeps the
 * memory (the function may still write it) but the DMB is no longer the
 * client's, which can then leave dibs (smc forgets such a DMB; dibs_smcd
 * must be able to unload).  Unregistering it again frees it.
 */
static int t_unregister_dmb_refused(void)
{
	struct dibs_dmb kept;
	struct it_dmbrec *m;
	unsigned int before;
	int rc;
	u32 idx;

	if (!NEED(d0 && d1 && f1))
		return 0;
	rc = dibs_register_client(&it_c.c);
	EXPECT(!rc, "dibs_register_client(C): %d", rc);
	if (rc)
		return 0;
	it_c.registered = true;
	before = ism_emu_fn_dmbs(f1);
	m = it_reg(&it_c, d1, d0, SZ_4K, 0);
	if (REG_FAILED(m))
		goto out;
	idx = m->dmb.idx;

	ism_emu_fn_fail_cmd(f1, ISM_UNREG_DMB, ISM_RC_BAD_PARAM, 1);
	rc = d1->ops->unregister_dmb(d1, &m->dmb);
	EXPECT(rc == -EIO, "refused unregister_dmb: %d, expected -EIO", rc);
	/* the client forgets it, as smc does (del_dev() must not see it) */
	kept = m->dmb;
	mutex_lock(&it_c.lock);
	list_del(&m->list);
	mutex_unlock(&it_c.lock);
	kfree(m);
	EXPECT(ism_emu_fn_dmbs(f1) == before + 1,
	       "the firmware has %u DMBs, expected %u", ism_emu_fn_dmbs(f1),
	       before + 1);
	EXPECT(it_clientid(d1, idx) == NO_DIBS_CLIENT,
	       "the refused DMB %u still counts as client %u's", idx,
	       it_clientid(d1, idx));
	rc = d0->ops->move_data(d0, kept.dmb_tok, 0, true, 0, it_buf, 8);
	EXPECT(!rc, "write into the kept DMB: %d", rc);
	msleep(20);
	EXPECT(it_nirqs(&it_c) == 0, "the client got %u signals for it",
	       it_nirqs(&it_c));

	rc = dibs_unregister_client(&it_c.c);
	EXPECT(rc == 0, "dibs_unregister_client after the refusal: %d", rc);
	if (!rc)
		it_c.registered = false;

	rc = d1->ops->unregister_dmb(d1, &kept);
	EXPECT(rc == 0, "unregister_dmb again: %d", rc);
	EXPECT(ism_emu_fn_dmbs(f1) == before,
	       "the firmware has %u DMBs, expected %u", ism_emu_fn_dmbs(f1),
	       before);
out:
	ism_emu_fn_fail_cmd(f1, 0, 0, 0);
	it_unreg_all(&it_c);
	if (it_c.registered && !dibs_unregister_client(&it_c.c))
		it_c.registered = false;
	EXPECT(!it_c.registered, "client C could not be unregistered");
	return 0;
}

/* Write @size bytes at @off into @m from @sender; check data and pieces. */
static void it_move_check(struct ism_emu_fn *target, struct dibs_dev *sender,
			  struct it_dmbrec *m, unsigned int off,
			  unsigned int size, bool sf)
{
	struct ism_emu_piece pc[ISM_EMU_TRACE_LEN];
	unsigned int n, i, want, end, sum = 0;
	u8 *dst = m->dmb.cpu_addr;
	int rc;

	ism_emu_fn_trace(target, pc, ARRAY_SIZE(pc));
	it_fill(it_buf, size, off + size);
	rc = sender->ops->move_data(sender, m->dmb.dmb_tok, 3, sf, off, it_buf,
				    size);
	EXPECT(rc == 0, "%u bytes at %u: %d", size, off, rc);
	if (rc)
		return;
	EXPECT(!memcmp(dst + off, it_buf, size),
	       "%u bytes at %u: data differ", size, off);
	want = (off + size - 1) / ISM_MOVE_PIECE_MAX - off / ISM_MOVE_PIECE_MAX + 1;
	n = ism_emu_fn_trace(target, pc, ARRAY_SIZE(pc));
	EXPECT(n == want, "%u bytes at %u: %u pieces, expected %u", size, off,
	       n, want);
	end = off + size;
	for (i = 0; i < n; i++) {
		/* highest first, each within one 4 KiB block */
		EXPECT(pc[i].offset + pc[i].size == end,
		       "piece %u at %u+%u, expected to end at %u", i,
		       pc[i].offset, pc[i].size, end);
		EXPECT(pc[i].offset / ISM_MOVE_PIECE_MAX ==
		       (pc[i].offset + pc[i].size - 1) / ISM_MOVE_PIECE_MAX,
		       "piece %u crosses a 4 KiB boundary", i);
		EXPECT(pc[i].sf == (sf && i == n - 1),
		       "piece %u of %u: signal flag %d", i, n, pc[i].sf);
		EXPECT(pc[i].idx == 3 && pc[i].tok == m->dmb.dmb_tok,
		       "piece %u: idx %u tok %llx", i, pc[i].idx, pc[i].tok);
		end = pc[i].offset;
		sum += pc[i].size;
	}
	EXPECT(n != want || (sum == size && end == off),
	       "pieces cover %u bytes down to %u", sum, end);
}

static int t_move_data_pieces(void)
{
	static const struct {
		unsigned int off, size;
	} moves[] = {
		{ 0, 64 }, { 100, 10000 }, { 4095, 2 }, { 4096, 4096 },
		{ 8191, 1 }, { 0, 3 * 4096 }, { 12288 - 5, 5 },
		{ SZ_64K - 4096 - 7, 4096 + 7 }, { SZ_64K - 1, 1 },
	};
	struct it_dmbrec *m;
	unsigned int i;

	if (!NEED(d0 && d1 && it_buf))
		return 0;
	it_log_reset(&it_a);
	m = it_reg(&it_a, d1, d0, SZ_64K, 0);
	if (REG_FAILED(m))
		return 0;
	for (i = 0; i < ARRAY_SIZE(moves); i++)
		it_move_check(f1, d0, m, moves[i].off, moves[i].size, false);
	it_move_check(f1, d0, m, 100, 10000, true);
	EXPECT(it_wait(&it_a, 1, false), "no interrupt for the signal");
	/* a function writes into its own DMBs too */
	it_unreg_all(&it_a);
	m = it_reg(&it_a, d0, d0, SZ_16K, 0);
	if (!REG_FAILED(m))
		it_move_check(f0, d0, m, 1000, 8000, false);
	it_unreg_all(&it_a);
	return 0;
}

static int t_move_data_rejects(void)
{
	static const struct {
		unsigned int off, size;
	} oob[] = {
		{ SZ_16K - 1, 2 }, { SZ_16K, 1 }, { 0, SZ_16K + 1 },
		{ SZ_16K - 4097, 4098 }, { SZ_16K - 100, 5000 },
	};
	struct ism_emu_piece pc[4];
	struct it_dmbrec *m, *mx;
	unsigned int i;
	u8 *dst;
	int rc;

	if (!NEED(d0 && d1 && d2 && it_buf))
		return 0;
	m = it_reg(&it_a, d1, d0, SZ_16K, 0);
	if (REG_FAILED(m))
		return 0;
	dst = m->dmb.cpu_addr;
	memset(it_buf, 0xee, 2 * SZ_16K);
	ism_emu_fn_trace(f1, pc, ARRAY_SIZE(pc));
	for (i = 0; i < ARRAY_SIZE(oob); i++) {
		rc = d0->ops->move_data(d0, m->dmb.dmb_tok, 0, true, oob[i].off,
					it_buf, oob[i].size);
		EXPECT(rc == -EIO, "%u bytes at %u: %d, expected -EIO",
		       oob[i].size, oob[i].off, rc);
	}
	rc = d1->ops->move_data(d1, m->dmb.dmb_tok, 0, false, 0, it_buf, 8);
	EXPECT(rc == -EIO, "write by the owner, not the writer: %d", rc);
	rc = d2->ops->move_data(d2, m->dmb.dmb_tok, 0, false, 0, it_buf, 8);
	EXPECT(rc == -EIO, "write from another VCHID: %d", rc);
	rc = d0->ops->move_data(d0, m->dmb.dmb_tok ^ BIT_ULL(60), 0, false, 0,
				it_buf, 8);
	EXPECT(rc == -EIO, "unknown token: %d", rc);
	rc = d0->ops->move_data(d0, m->dmb.dmb_tok, 256, false, 0, it_buf, 8);
	EXPECT(rc == -EINVAL, "idx 256: %d", rc);
	rc = d0->ops->move_data(d0, m->dmb.dmb_tok, 0, false, SZ_8M, it_buf,
				8);
	EXPECT(rc == -EINVAL, "offset 8 MiB: %d", rc);
	rc = d0->ops->move_data(d0, m->dmb.dmb_tok | 1, 0, false, 0, it_buf,
				8);
	EXPECT(rc == -EINVAL, "token with low bits: %d", rc);
	for (i = 0; i < SZ_16K; i++)
		if (dst[i])
			break;
	EXPECT(i == SZ_16K, "a refused write changed offset %u", i);
	EXPECT(ism_emu_fn_trace(f1, pc, ARRAY_SIZE(pc)) == 0,
	       "the firmware accepted a store");
	msleep(20);
	EXPECT(it_nirqs(&it_a) == 0, "a refused write signalled");

	/* a DMB that is gone takes nothing */
	mx = it_reg(&it_a, d1, d0, SZ_4K, 0);
	if (!REG_FAILED(mx)) {
		u64 tok = mx->dmb.dmb_tok;

		EXPECT(!it_unreg(&it_a, mx), "unregister failed");
		rc = d0->ops->move_data(d0, tok, 0, true, 0, it_buf, 8);
		EXPECT(rc == -EIO, "write into an unregistered DMB: %d", rc);
	}
	it_unreg_all(&it_a);
	return 0;
}

static int t_signal(void)
{
	struct it_dmbrec *ma, *mb, *m2;
	unsigned int i, n, seen;
	unsigned long flags;
	u8 byte = 7;
	int rc;

	if (!NEED(d0 && d1 && it_b.registered))
		return 0;
	it_log_reset(&it_a);
	it_log_reset(&it_b);
	ma = it_reg(&it_a, d1, d0, SZ_4K, 0);
	mb = it_reg(&it_b, d1, d0, SZ_4K, 0);
	if (REG_FAILED(ma) || REG_FAILED(mb))
		goto out;

	for (i = 0; i < 16; i++) {
		it_log_reset(&it_a);
		rc = d0->ops->move_data(d0, ma->dmb.dmb_tok, i, true, i, &byte,
					1);
		EXPECT(rc == 0, "signalled write idx %u: %d", i, rc);
		EXPECT(it_wait(&it_a, 1, false), "idx %u: no handle_irq()", i);
		usleep_range(2000, 3000);
		spin_lock_irqsave(&it_a.log_lock, flags);
		EXPECT(it_a.nirqs == 1, "idx %u: %u handle_irq() calls", i,
		       it_a.nirqs);
		EXPECT(it_a.irqs[0].dev == d1 && it_a.irqs[0].idx == ma->dmb.idx,
		       "idx %u: handle_irq(%s, %u), expected (%s, %u)", i,
		       it_a.irqs[0].dev ? dev_name(&it_a.irqs[0].dev->dev) : "-",
		       it_a.irqs[0].idx, dev_name(&d1->dev), ma->dmb.idx);
		EXPECT(it_a.irqs[0].mask == dibs_signal_mask(i),
		       "idx %u: mask %#x, expected %#x", i, it_a.irqs[0].mask,
		       dibs_signal_mask(i));
		EXPECT(it_a.irqs[0].in_irq, "handle_irq() not in IRQ context");
		spin_unlock_irqrestore(&it_a.log_lock, flags);
	}
	EXPECT(it_nirqs(&it_b) == 0, "B got %u interrupts for A's DMB",
	       it_nirqs(&it_b));

	/* B's DMB: only B; no signal without sf */
	it_log_reset(&it_a);
	rc = d0->ops->move_data(d0, mb->dmb.dmb_tok, 9, true, 0, &byte, 1);
	EXPECT(rc == 0 && it_wait(&it_b, 1, false), "B not signalled: %d", rc);
	rc = d0->ops->move_data(d0, ma->dmb.dmb_tok, 9, false, 0, &byte, 1);
	EXPECT(rc == 0, "write without sf: %d", rc);
	msleep(20);
	EXPECT(it_nirqs(&it_a) == 0 && it_nirqs(&it_b) == 1,
	       "A %u, B %u interrupts", it_nirqs(&it_a), it_nirqs(&it_b));
	spin_lock_irqsave(&it_b.log_lock, flags);
	EXPECT(it_b.irqs[0].idx == mb->dmb.idx && it_b.irqs[0].mask == dibs_signal_mask(9),
	       "B: handle_irq(%u, %#x)", it_b.irqs[0].idx, it_b.irqs[0].mask);
	spin_unlock_irqrestore(&it_b.log_lock, flags);

	/* many DMBs signalled at once: each exactly once, masks merged */
	it_log_reset(&it_a);
	m2 = it_reg(&it_a, d1, d0, SZ_4K, 1900);
	if (!REG_FAILED(m2)) {
		for (i = 0; i < 4; i++) {
			d0->ops->move_data(d0, ma->dmb.dmb_tok, i, true, 0,
					   &byte, 1);
			d0->ops->move_data(d0, m2->dmb.dmb_tok, 0, true, 0,
					   &byte, 1);
		}
		EXPECT(it_wait(&it_a, 2, false), "%u interrupts",
		       it_nirqs(&it_a));
		msleep(20);
		spin_lock_irqsave(&it_a.log_lock, flags);
		n = min_t(unsigned int, it_a.nirqs, IT_LOG);
		seen = 0;
		for (i = 0; i < n; i++) {
			if (it_a.irqs[i].idx == ma->dmb.idx)
				seen |= 1;
			else if (it_a.irqs[i].idx == 1900)
				seen |= 2;
			else
				EXPECT(0, "irq for index %u", it_a.irqs[i].idx);
		}
		EXPECT(seen == 3 && it_a.nirqs <= 8, "%u interrupts, seen %#x",
		       it_a.nirqs, seen);
		spin_unlock_irqrestore(&it_a.log_lock, flags);
	}
out:
	it_unreg_all(&it_a);
	it_unreg_all(&it_b);
	return 0;
}

static void it_check_ev(struct it_client *c, unsigned int i,
			struct dibs_dev *dev, u32 type, u32 subtype,
			const uuid_t *gid, u64 tok, u64 data)
{
	unsigned long flags;
	struct it_ev *e;

	spin_lock_irqsave(&c->log_lock, flags);
	if (i >= min_t(unsigned int, c->nevs, IT_LOG)) {
		spin_unlock_irqrestore(&c->log_lock, flags);
		EXPECT(0, "%s: event %u missing", c->c.name, i);
		return;
	}
	e = &c->evs[i];
	EXPECT(e->dev == dev, "%s: event %u on the wrong device", c->c.name, i);
	EXPECT(e->ev.type == type && e->ev.subtype == subtype,
	       "%s: event %u type %u/%u, expected %u/%u", c->c.name, i,
	       e->ev.type, e->ev.subtype, type, subtype);
	EXPECT(uuid_equal(&e->ev.gid, gid), "%s: event %u gid %pUb", c->c.name,
	       i, &e->ev.gid);
	EXPECT(e->ev.buffer_tok == tok && e->ev.data == data,
	       "%s: event %u tok %llx data %llx", c->c.name, i,
	       e->ev.buffer_tok, e->ev.data);
	spin_unlock_irqrestore(&c->log_lock, flags);
}

/*
 * A bit in the SBA's reserved word (after the 1888 DMB bits): the handler
 * neither clears it nor calls a client for it.
 */
static int t_sba_reserved_word(void)
{
	int set;

	if (!NEED(f1 && d1))
		return 0;
	set = ism_emu_fn_sba_reserved(f1, 1);
	EXPECT(set == 0, "reserved bit set before the test: %d", set);
	msleep(50);
	set = ism_emu_fn_sba_reserved(f1, -1);
	EXPECT(set == 1, "the handler cleared the reserved bit (%d)", set);
	EXPECT(it_nirqs(&it_a) == 0 && it_nirqs(&it_b) == 0,
	       "a client got handle_irq() for it (%u, %u)", it_nirqs(&it_a),
	       it_nirqs(&it_b));
	ism_emu_fn_sba_reserved(f1, 0);
	return 0;
}

static int t_signal_event(void)
{
	int rc;

	if (!NEED(d0 && d1 && d2 && it_b.registered))
		return 0;
	it_log_reset(&it_a);
	it_log_reset(&it_b);
	rc = d0->ops->signal_event(d0, &d1->gid, 1, 0x42, 0x1122334455667788);
	EXPECT(rc == 0, "signal_event f0 -> f1: %d", rc);
	EXPECT(it_wait(&it_a, 1, true) && it_wait(&it_b, 1, true),
	       "events: A %u B %u", it_nevs(&it_a), it_nevs(&it_b));
	usleep_range(10000, 20000);
	EXPECT(it_nevs(&it_a) == 1 && it_nevs(&it_b) == 1,
	       "events: A %u B %u", it_nevs(&it_a), it_nevs(&it_b));
	it_check_ev(&it_a, 0, d1, DIBS_SW_EVENT, 0x42, &d0->gid, 0,
		    0x1122334455667788);
	it_check_ev(&it_b, 0, d1, DIBS_SW_EVENT, 0x42, &d0->gid, 0,
		    0x1122334455667788);
	rc = d0->ops->signal_event(d0, &d2->gid, 1, 0x42, 0);
	EXPECT(rc == -ENETUNREACH, "signal_event to another VCHID: %d", rc);
	return 0;
}

static int t_ieq_events(void)
{
	const unsigned int burst = 2 * ISM_EQ_ENTRIES + 3;
	unsigned int i;
	uuid_t none;
	int rc = 0;

	if (!NEED(d0 && d1 && f1))
		return 0;
	uuid_copy(&none, &uuid_null);
	it_log_reset(&it_a);
	rc |= ism_emu_fn_event(f1, ISM_EVENT_DEV, ISM_DEV_GID_DISABLED,
			       0x0102030405060708ULL, 0);
	rc |= ism_emu_fn_event(f1, ISM_EVENT_DEV, ISM_DEV_GID_ERR_STATE,
			       0x0102030405060708ULL, 0);
	rc |= ism_emu_fn_event(f1, ISM_EVENT_BUF, ISM_BUF_DMB_UNREGISTERED,
			       0xabcd00000000ULL, 9);
	rc |= ism_emu_fn_event(f1, ISM_EVENT_BUF, ISM_BUF_VLAN_MISMATCH_WITH_USER,
			       0xabcd00000000ULL, 0);
	rc |= ism_emu_fn_event(f1, 7, 0x99, 5, 6);
	EXPECT(!rc, "injecting failed");
	EXPECT(it_wait(&it_a, 5, true), "%u of 5 events", it_nevs(&it_a));
	{
		uuid_t g = {};

		g.b[0] = 1; g.b[1] = 2; g.b[2] = 3; g.b[3] = 4;
		g.b[4] = 5; g.b[5] = 6; g.b[6] = 7; g.b[7] = 8;
		it_check_ev(&it_a, 0, d1, DIBS_DEV_EVENT, DIBS_DEV_DISABLED, &g,
			    0, 0);
		it_check_ev(&it_a, 1, d1, DIBS_DEV_EVENT, DIBS_DEV_ERR_STATE,
			    &g, 0, 0);
	}
	it_check_ev(&it_a, 2, d1, DIBS_BUF_EVENT, DIBS_BUF_UNREGISTERED, &none,
		    0xabcd00000000ULL, 9);
	it_check_ev(&it_a, 3, d1, DIBS_BUF_EVENT, DIBS_OTHER_SUBTYPE, &none,
		    0xabcd00000000ULL, 0);
	it_check_ev(&it_a, 4, d1, DIBS_OTHER_TYPE, DIBS_OTHER_SUBTYPE, &none,
		    0, 6);

	/* more than the IEQ holds: all of them, in order */
	it_log_reset(&it_a);
	for (i = 0; i < burst; i++)
		rc |= ism_emu_fn_event(f1, ISM_EVENT_SWR, i, 0, 1000 + i);
	EXPECT(!rc, "injecting the burst failed");
	EXPECT(it_wait(&it_a, burst, true), "%u of %u events", it_nevs(&it_a),
	       burst);
	for (i = 0; i < burst; i++)
		it_check_ev(&it_a, i, d1, DIBS_SW_EVENT, i, &none, 0, 1000 + i);
	return 0;
}

static int t_vlan(void)
{
	int rc;

	if (!NEED(d0))
		return 0;
	rc = d0->ops->add_vlan_id(d0, 100);
	EXPECT(rc == 0, "add 100: %d", rc);
	rc = d0->ops->add_vlan_id(d0, 100);
	EXPECT(rc == -EIO, "add 100 again: %d", rc);
	rc = d0->ops->del_vlan_id(d0, 100);
	EXPECT(rc == 0, "del 100: %d", rc);
	rc = d0->ops->del_vlan_id(d0, 100);
	EXPECT(rc == -EIO, "del 100 again: %d", rc);
	rc = d0->ops->add_vlan_id(d0, ISM_RESERVED_VLANID + 1);
	EXPECT(rc == -EIO, "add %#x: %d", ISM_RESERVED_VLANID + 1, rc);
	return 0;
}

static int t_dmb_next(void)
{
	struct it_dmbrec *m1, *m2;
	struct dibs_dmb_info info;
	u32 idx = 0;
	int rc;

	if (!NEED(d0 && d1 && d1->kind && d1->kind->dmb_next))
		return 0;
	m1 = it_reg(&it_a, d1, d0, 300, 50);
	m2 = it_reg(&it_b, d1, d0, 500, 60);
	if (REG_FAILED(m1) || REG_FAILED(m2))
		goto out;
	rc = d1->kind->dmb_next(d1, &idx, &info);
	EXPECT(rc == 0 && idx == 50 && info.dmb_tok == m1->dmb.dmb_tok &&
	       info.dmb_len == 300 && info.client_id == it_a.c.id &&
	       uuid_equal(&info.rgid, &d0->gid), "first: rc %d idx %u", rc,
	       idx);
	idx++;
	rc = d1->kind->dmb_next(d1, &idx, &info);
	EXPECT(rc == 0 && idx == 60 && info.dmb_tok == m2->dmb.dmb_tok &&
	       info.client_id == it_b.c.id, "second: rc %d idx %u", rc, idx);
	idx++;
	rc = d1->kind->dmb_next(d1, &idx, &info);
	EXPECT(rc == -ENOENT, "third: %d", rc);
out:
	it_unreg_all(&it_a);
	it_unreg_all(&it_b);
	return 0;
}

static int t_enospc(void)
{
	const unsigned int max = ISM_NR_DMBS - ISM_DMB_BIT_OFFSET;
	struct it_dmbrec *m;
	unsigned int n = 0;
	int rc = 0;

	if (!NEED(d0 && d1))
		return 0;
	while (n <= max) {
		m = it_reg(&it_a, d1, d0, 64, 0);
		if (IS_ERR(m)) {
			rc = PTR_ERR(m);
			break;
		}
		n++;
	}
	EXPECT(rc == -ENOSPC && n == max, "%u DMBs, then %d", n, rc);
	EXPECT(ism_emu_fn_dmbs(f1) == n, "firmware holds %u of %u",
	       ism_emu_fn_dmbs(f1), n);
	it_unreg_all(&it_a);
	EXPECT(ism_emu_fn_dmbs(f1) == 0, "%u left", ism_emu_fn_dmbs(f1));
	return 0;
}

static int t_remove_with_live_dmbs(void)
{
	struct it_dmbrec *ma, *mb, *mc;
	struct ism_emu_fn *f3;
	struct dibs_dev *d3;
	char name[IFNAMSIZ];
	u64 tok;
	int left, rc;

	if (!NEED(d0 && d1 && it_b.registered))
		return 0;
	f3 = it_fn_add(ism_emu_vchid(), &d3);
	if (!NEED(f3 && d3))
		return 0;
	strscpy(name, dev_name(&d3->dev), sizeof(name));
	ma = it_reg(&it_a, d3, d0, SZ_64K, 0);
	mb = it_reg(&it_b, d3, d0, SZ_4K, 0);
	mc = it_reg(&it_a, d0, d3, SZ_4K, 0);	/* f3 writes into f0 */
	if (REG_FAILED(ma) || REG_FAILED(mb) || REG_FAILED(mc)) {
		it_unreg_all(&it_a);
		it_unreg_all(&it_b);
		ism_emu_fn_remove(f3);
		return 0;
	}
	tok = ma->dmb.dmb_tok;
	rc = d0->ops->move_data(d0, tok, 0, true, 0, it_buf, 64);
	EXPECT(rc == 0, "write before the removal: %d", rc);
	it_log_reset(&it_a);
	it_log_reset(&it_b);
	it_b.leak = true;	/* B leaves its DMB to the driver */
	left = ism_emu_fn_remove(f3);
	it_b.leak = false;
	EXPECT(left == 0, "%d registrations left at the firmware", left);
	EXPECT(!it_find_dev(&it_a, name) && !it_find_dev(&it_b, name),
	       "%s still known to a client", name);
	rc = d0->ops->move_data(d0, tok, 0, true, 0, it_buf, 64);
	EXPECT(rc == -EIO, "write into the removed function's DMB: %d", rc);
	/* f0's clients learn that f3's GID is gone */
	EXPECT(it_wait(&it_a, 1, true), "no event at f0's client");
	usleep_range(10000, 20000);
	EXPECT(it_a.late == 0 && it_b.late == 0,
	       "callbacks for the removed device: A %u B %u", it_a.late,
	       it_b.late);
	it_unreg_all(&it_a);
	return 0;
}

struct it_writer {
	struct dibs_dev *dev;
	u64 tok;
	atomic_t ok, failed;
	bool stop;
};

static int it_writer_fn(void *arg)
{
	struct it_writer *w = arg;
	u8 data[200];
	int rc;

	memset(data, 0x77, sizeof(data));
	while (!READ_ONCE(w->stop)) {
		rc = w->dev->ops->move_data(w->dev, w->tok, 1, true, 4000,
					    data, sizeof(data));
		if (rc)
			atomic_inc(&w->failed);
		else
			atomic_inc(&w->ok);
		cond_resched();
	}
	return 0;
}

static int t_remove_under_traffic(void)
{
	struct it_writer w = {};
	struct task_struct *t;
	struct ism_emu_fn *f4;
	struct it_dmbrec *m;
	struct dibs_dev *d4;
	unsigned long end;
	int left;

	if (!NEED(d0))
		return 0;
	f4 = it_fn_add(ism_emu_vchid(), &d4);
	if (!NEED(f4 && d4))
		return 0;
	m = it_reg(&it_a, d4, d0, SZ_16K, 0);
	if (REG_FAILED(m)) {
		ism_emu_fn_remove(f4);
		return 0;
	}
	w.dev = d0;
	w.tok = m->dmb.dmb_tok;
	atomic_set(&w.ok, 0);
	atomic_set(&w.failed, 0);
	t = kthread_run(it_writer_fn, &w, "ism_test_wr");
	if (IS_ERR(t)) {
		EXPECT(0, "kthread_run: %ld", PTR_ERR(t));
		it_unreg_all(&it_a);
		ism_emu_fn_remove(f4);
		return 0;
	}
	get_task_struct(t);
	end = jiffies + msecs_to_jiffies(5 * IT_WAIT_MS);
	while (atomic_read(&w.ok) < 50 && time_before(jiffies, end))
		usleep_range(1000, 2000);
	left = ism_emu_fn_remove(f4);
	end = jiffies + msecs_to_jiffies(5 * IT_WAIT_MS);
	while (atomic_read(&w.failed) < 50 && time_before(jiffies, end))
		usleep_range(1000, 2000);
	WRITE_ONCE(w.stop, true);
	kthread_stop(t);
	put_task_struct(t);
	ktap_diag("%d writes accepted, %d refused", atomic_read(&w.ok),
		  atomic_read(&w.failed));
	EXPECT(left == 0, "%d registrations left", left);
	EXPECT(atomic_read(&w.ok) >= 50, "only %d writes before",
	       atomic_read(&w.ok));
	EXPECT(atomic_read(&w.failed) >= 50,
	       "writes after the removal did not fail (%d)",
	       atomic_read(&w.failed));
	return 0;
}

static int t_stats(void)
{
	struct dibs_dev_stats_sum s0, s1, a0, a1;
	struct it_dmbrec *m;
	u8 byte = 1;

	if (!NEED(d0 && d1))
		return 0;
	dibs_dev_stats_read(d0, &s0);
	dibs_dev_stats_read(d1, &a0);
	it_log_reset(&it_a);
	m = it_reg(&it_a, d1, d0, SZ_4K, 0);
	if (REG_FAILED(m))
		return 0;
	d0->ops->move_data(d0, m->dmb.dmb_tok, 0, true, 0, &byte, 1);
	d0->ops->move_data(d0, m->dmb.dmb_tok, 0, false, SZ_4K, &byte, 1);
	it_wait(&it_a, 1, false);
	it_unreg_all(&it_a);
	dibs_dev_stats_read(d0, &s1);
	dibs_dev_stats_read(d1, &a1);
	EXPECT(s1.move_data - s0.move_data == 1 &&
	       s1.bytes_moved - s0.bytes_moved == 1 &&
	       s1.errors - s0.errors == 1, "sender: +%llu moves +%llu bytes +%llu errors",
	       s1.move_data - s0.move_data, s1.bytes_moved - s0.bytes_moved,
	       s1.errors - s0.errors);
	EXPECT(a1.dmb_registered - a0.dmb_registered == 1 &&
	       a1.dmb_unregistered - a0.dmb_unregistered == 1 &&
	       a1.signals - a0.signals == 1,
	       "owner: +%llu/+%llu DMBs +%llu signals",
	       a1.dmb_registered - a0.dmb_registered,
	       a1.dmb_unregistered - a0.dmb_unregistered,
	       a1.signals - a0.signals);
	return 0;
}

static int t_callbacks_clean(void)
{
	EXPECT(!it_a.cb_errors && !it_b.cb_errors,
	       "callback errors: A %u B %u", it_a.cb_errors, it_b.cb_errors);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(void);
} it_cases[] = {
	{ "functions_plugged_add_dev", t_fn_add_and_add_dev },
	{ "register_second_client", t_register_second_client },
	{ "query_remote_gid_vchid_vlan", t_query_remote_gid },
	{ "register_dmb", t_register_dmb },
	{ "register_dmb_reused_zeroed", t_register_dmb_reused_zeroed },
	{ "register_dmb_refused", t_register_dmb_refused },
	{ "unregister_dmb_refused", t_unregister_dmb_refused },
	{ "move_data_pieces", t_move_data_pieces },
	{ "move_data_rejects", t_move_data_rejects },
	{ "signal_irq_index_mask", t_signal },
	{ "sba_reserved_word_untouched", t_sba_reserved_word },
	{ "signal_event", t_signal_event },
	{ "ieq_events", t_ieq_events },
	{ "vlan_ids", t_vlan },
	{ "dmb_next_walk", t_dmb_next },
	{ "register_dmb_enospc", t_enospc },
	{ "remove_with_live_dmbs", t_remove_with_live_dmbs },
	{ "remove_under_traffic", t_remove_under_traffic },
	{ "stats", t_stats },
	{ "callbacks_clean", t_callbacks_clean },
};

static void it_cleanup(void)
{
	it_unreg_all(&it_a);
	it_unreg_all(&it_b);
	if (f2)
		ism_emu_fn_remove(f2);
	if (f1)
		ism_emu_fn_remove(f1);
	if (f0)
		ism_emu_fn_remove(f0);
	f0 = f1 = f2 = NULL;
	d0 = d1 = d2 = NULL;
	if (it_a.registered && !dibs_unregister_client(&it_a.c))
		it_a.registered = false;
	if (it_b.registered && !dibs_unregister_client(&it_b.c))
		it_b.registered = false;
	if (it_a.registered || it_b.registered)
		pr_err("a client could not be unregistered\n");
}

static int __init ism_test_init(void)
{
	struct ktap kt;
	int i;

	it_client_init(&it_a, "ism_test_a", &it_a_ops);
	it_client_init(&it_b, "ism_test_b", &it_b_ops);
	it_client_init(&it_c, "ism_test_c", &it_c_ops);
	it_buf = vmalloc(SZ_1M + 2 * ISM_MOVE_PIECE_MAX);

	ktap_begin(&kt, run_id, ARRAY_SIZE(it_cases));
	for (i = 0; i < ARRAY_SIZE(it_cases); i++) {
		it_fails = 0;
		it_log_reset(&it_a);
		it_log_reset(&it_b);
		it_cases[i].fn();
		ktap_result(&kt, !it_fails, "%s", it_cases[i].name);
	}
	it_cleanup();
	ktap_end(&kt);
	return 0;
}

static void __exit ism_test_exit(void)
{
	vfree(it_buf);
	if (it_a.registered || it_b.registered)
		it_cleanup();
}

module_init(ism_test_init);
module_exit(ism_test_exit);
MODULE_DESCRIPTION("dibs_ism functional test against the emulated ISM firmware");
MODULE_LICENSE("GPL");
