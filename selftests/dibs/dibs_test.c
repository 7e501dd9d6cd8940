// SPDX-License-Identifier: GPL-2.0
/*
 * dibs_test - in-kernel functional test of dibs_core and dibs_lo.
 *
 * dibs_test.sh loads dibs_lo with a small max_dmbs and then this module.
 * At load time the module acts as two dibs clients (A and B) on dibs_lo
 * fabric devices that it creates through the "lo" kind, runs every case
 * below and prints the results as KTAP, one printk line each:
 *
 *	dibs_test: ktap-begin run=ID
 *	dibs_test: ktap: KTAP version 1
 *	dibs_test: ktap: 1..N
 *	dibs_test: ktap: ok 1 name
 *	...
 *	dibs_test: ktap-end run=ID pass=P fail=F skip=S
 *
 * ID is the run_id parameter, so that the script finds this run in the log.
 * Afterwards the module keeps its devices and a few DMBs and prints one
 * "dibs_test: sysfs: NAME GID FABRIC_ID MAX_DMBS DMBS" line per device, for
 * the script to compare with /sys/class/dibs.  Writing 1 to the "cleanup"
 * parameter (or unloading) removes everything.
 *
 * Failures are reported with pr_err() and "not ok", never with WARN().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/completion.h>
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
#include <linux/rcupdate.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uuid.h>

#include "dibs_lo.h"	/* DIBS_LO_FABRIC */
#include "ktap_kmod.h"

static int run_id;
module_param(run_id, int, 0444);
MODULE_PARM_DESC(run_id, "tag of the KTAP markers in the kernel log");

#define DT_MAX_ENOSPC	1024	/* test -ENOSPC only up to this max_dmbs */
#define DT_SKIP		1

/* Failed checks count into dt_fails; the test runner turns them into not ok. */
static int dt_fails;

#define EXPECT(cond, fmt, ...)						\
	do {								\
		if (!(cond)) {						\
			dt_fails++;					\
			ktap_err("%s:%d: " fmt, __func__, __LINE__,	\
				 ##__VA_ARGS__);			\
		}							\
	} while (0)

/* One device a client was told about with add_dev(). */
struct dt_devrec {
	struct list_head list;
	struct dibs_dev *dev;
};

/* One DMB a client registered; del_dev() unregisters it. */
struct dt_dmbrec {
	struct list_head list;
	struct dibs_dev *dev;
	struct dibs_dmb dmb;
};

struct dt_client {
	struct dibs_client c;
	bool registered;
	struct mutex lock;		/* devs, dmbs, the counters below */
	struct list_head devs;
	struct list_head dmbs;
	unsigned int add_calls;
	unsigned int del_calls;
	unsigned int reached_early;	/* reachable in its add_dev() */
	unsigned int reached_late;	/* reachable in its del_dev() */
	unsigned int cb_errors;		/* failures inside callbacks */
	bool forget_dmbs;		/* del_dev() drops, not unregisters */
	spinlock_t irq_lock;		/* the irq_* fields */
	unsigned int irqs;
	struct dibs_dev *irq_dev;
	unsigned int irq_idx;
	u16 irq_mask;
	struct dibs_dev *dead_dev;	/* last device del_dev() was called for */
	unsigned int late_irqs;		/* handle_irq() for it afterwards */
	unsigned int events;
	struct dibs_dev *ev_dev;
	struct dibs_event ev;		/* the last event */
};

static struct dt_client dt_a, dt_b;

/*
 * Signals answered with signals (t_signal_relay): a handle_irq() for a DMB
 * on from[i] writes with a signal into tok[i] through sender[i], while
 * @budget lasts.  Off while @n is 0.
 */
#define DT_RELAY_MAX	2
/*
 * Answers per round.  Each nests a handle_irq() and a move_data() deeper
 * on the stack (about 300 bytes on s390x): 64 overflowed s390x's 16 KiB.
 */
#define DT_RELAY_HOPS	8
static struct {
	int n;
	struct dibs_dev *from[DT_RELAY_MAX];
	struct dibs_dev *sender[DT_RELAY_MAX];
	u64 tok[DT_RELAY_MAX];
	atomic_t budget;	/* answers still to give */
	atomic_t answered;	/* answers given */
	atomic_t errors;	/* answers move_data() refused */
	atomic_t depth;		/* handle_irq() calls running now */
	atomic_t max_depth;	/* the most that ran nested */
} dt_relay;

static int dt_move(struct dibs_dev *sender, u64 tok, unsigned int idx,
		   bool sf, unsigned int off, void *data, unsigned int size);

/* From handle_irq() on @dev: answer with a signal if the relay says so. */
static void dt_relay_answer(struct dibs_dev *dev)
{
	int i, n, depth;
	u8 byte = 1;

	/* acquire: pairs with dt_relay_arm(), the entries below @n are set */
	n = smp_load_acquire(&dt_relay.n);
	for (i = 0; i < n; i++)
		if (dt_relay.from[i] == dev)
			break;
	if (i == n)
		return;
	depth = atomic_inc_return(&dt_relay.depth);
	if (depth > atomic_read(&dt_relay.max_depth))
		atomic_set(&dt_relay.max_depth, depth);
	if (atomic_dec_if_positive(&dt_relay.budget) >= 0) {
		if (dt_move(dt_relay.sender[i], dt_relay.tok[i], 1, true, 0,
			    &byte, 1))
			atomic_inc(&dt_relay.errors);
		else
			atomic_inc(&dt_relay.answered);
	}
	atomic_dec(&dt_relay.depth);
}

/* dt_dev_new()/dt_dev_del() run: add_dev()/del_dev() are for that device. */
static bool dt_dev_changing;

/*
 * Does another device the client knows, on @dev's fabric, reach @dev?
 * From add_dev() and del_dev() of a device being made or deleted: it must
 * not (not added yet, being deleted); (un)registering a client does not
 * count.  The loopback fabric reaches nothing else anyway.  c->lock held.
 */
static bool dt_reached_by_other(struct dt_client *c, struct dibs_dev *dev)
{
	u16 fid = dev->ops->get_fabric_id(dev);
	struct dt_devrec *r;

	if (fid == DIBS_LOOPBACK_FABRIC || !READ_ONCE(dt_dev_changing))
		return false;
	list_for_each_entry(r, &c->devs, list)
		if (r->dev != dev && r->dev->ops == dev->ops &&
		    r->dev->ops->get_fabric_id(r->dev) == fid &&
		    !r->dev->ops->query_remote_gid(r->dev, &dev->gid, 0, 0))
			return true;
	return false;
}

static void dt_add_dev(struct dt_client *c, struct dibs_dev *dev)
{
	struct dt_devrec *r = kzalloc(sizeof(*r), GFP_KERNEL);

	mutex_lock(&c->lock);
	c->add_calls++;
	if (dt_reached_by_other(c, dev))
		c->reached_early++;
	if (r) {
		r->dev = dev;
		list_add_tail(&r->list, &c->devs);
	} else {
		c->cb_errors++;
	}
	mutex_unlock(&c->lock);
}

static void dt_del_dev(struct dt_client *c, struct dibs_dev *dev)
{
	struct dt_dmbrec *m, *mt;
	struct dt_devrec *r, *rt;
	unsigned long flags;
	int rc;

	mutex_lock(&c->lock);
	c->del_calls++;
	if (dt_reached_by_other(c, dev))
		c->reached_late++;
	list_for_each_entry_safe(m, mt, &c->dmbs, list) {
		if (m->dev != dev)
			continue;
		/* a client that loses track of its DMBs */
		rc = c->forget_dmbs ? 0 :
		     dev->ops->unregister_dmb(dev, &m->dmb);
		if (rc) {
			pr_err("%s: del_dev: unregister_dmb(%llx) failed: %d\n",
			       c->c.name, m->dmb.dmb_tok, rc);
			c->cb_errors++;
		}
		list_del(&m->list);
		kfree(m);
	}
	list_for_each_entry_safe(r, rt, &c->devs, list) {
		if (r->dev != dev)
			continue;
		list_del(&r->list);
		kfree(r);
	}
	mutex_unlock(&c->lock);
	spin_lock_irqsave(&c->irq_lock, flags);
	c->dead_dev = dev;
	spin_unlock_irqrestore(&c->irq_lock, flags);
}

static void dt_handle_irq(struct dt_client *c, struct dibs_dev *dev,
			  unsigned int idx, u16 mask)
{
	unsigned long flags;

	spin_lock_irqsave(&c->irq_lock, flags);
	c->irqs++;
	c->irq_dev = dev;
	c->irq_idx = idx;
	c->irq_mask = mask;
	if (dev == c->dead_dev)
		c->late_irqs++;
	spin_unlock_irqrestore(&c->irq_lock, flags);
	dt_relay_answer(dev);
}

static void dt_handle_event(struct dt_client *c, struct dibs_dev *dev,
			    const struct dibs_event *event)
{
	unsigned long flags;

	spin_lock_irqsave(&c->irq_lock, flags);
	c->events++;
	c->ev_dev = dev;
	c->ev = *event;
	spin_unlock_irqrestore(&c->irq_lock, flags);
}

static void dt_a_add_dev(struct dibs_dev *dev)
{
	dt_add_dev(&dt_a, dev);
}

static void dt_a_del_dev(struct dibs_dev *dev)
{
	dt_del_dev(&dt_a, dev);
}

static void dt_a_handle_irq(struct dibs_dev *dev, unsigned int idx, u16 mask)
{
	dt_handle_irq(&dt_a, dev, idx, mask);
}

static void dt_a_handle_event(struct dibs_dev *dev,
			      const struct dibs_event *event)
{
	dt_handle_event(&dt_a, dev, event);
}

static void dt_b_add_dev(struct dibs_dev *dev)
{
	dt_add_dev(&dt_b, dev);
}

static void dt_b_del_dev(struct dibs_dev *dev)
{
	dt_del_dev(&dt_b, dev);
}

static void dt_b_handle_irq(struct dibs_dev *dev, unsigned int idx, u16 mask)
{
	dt_handle_irq(&dt_b, dev, idx, mask);
}

static void dt_b_handle_event(struct dibs_dev *dev,
			      const struct dibs_event *event)
{
	dt_handle_event(&dt_b, dev, event);
}

static const struct dibs_client_ops dt_a_ops = {
	.add_dev = dt_a_add_dev,
	.del_dev = dt_a_del_dev,
	.handle_irq = dt_a_handle_irq,
	.handle_event = dt_a_handle_event,
};

static const struct dibs_client_ops dt_b_ops = {
	.add_dev = dt_b_add_dev,
	.del_dev = dt_b_del_dev,
	.handle_irq = dt_b_handle_irq,
	.handle_event = dt_b_handle_event,
};

static void dt_client_init(struct dt_client *c, const char *name,
			   const struct dibs_client_ops *ops)
{
	c->c.name = name;
	c->c.ops = ops;
	mutex_init(&c->lock);
	INIT_LIST_HEAD(&c->devs);
	INIT_LIST_HEAD(&c->dmbs);
	spin_lock_init(&c->irq_lock);
}

static void dt_irq_reset(struct dt_client *c)
{
	unsigned long flags;

	spin_lock_irqsave(&c->irq_lock, flags);
	c->irqs = 0;
	c->irq_dev = NULL;
	c->irq_idx = ~0U;
	c->irq_mask = 0;
	c->dead_dev = NULL;
	c->late_irqs = 0;
	c->events = 0;
	c->ev_dev = NULL;
	memset(&c->ev, 0, sizeof(c->ev));
	spin_unlock_irqrestore(&c->irq_lock, flags);
}

static unsigned int dt_irqs(struct dt_client *c)
{
	unsigned long flags;
	unsigned int n;

	spin_lock_irqsave(&c->irq_lock, flags);
	n = c->irqs;
	spin_unlock_irqrestore(&c->irq_lock, flags);
	return n;
}

/* The device named @name that @c was told about, or NULL. */
static struct dibs_dev *dt_find_dev(struct dt_client *c, const char *name)
{
	struct dibs_dev *dev = NULL;
	struct dt_devrec *r;

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

static unsigned int dt_ndevs(struct dt_client *c)
{
	struct dt_devrec *r;
	unsigned int n = 0;

	mutex_lock(&c->lock);
	list_for_each_entry(r, &c->devs, list)
		n++;
	mutex_unlock(&c->lock);
	return n;
}

static unsigned int dt_counter(struct dt_client *c, unsigned int *field)
{
	unsigned int v;

	mutex_lock(&c->lock);
	v = *field;
	mutex_unlock(&c->lock);
	return v;
}

/* Register a DMB of @len bytes on @dev for client @c, writable by @writer. */
static struct dt_dmbrec *dt_reg(struct dt_client *c, struct dibs_dev *dev,
				struct dibs_dev *writer, u32 len, u32 idx)
{
	struct dt_dmbrec *m;
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

static int dt_unreg(struct dt_client *c, struct dt_dmbrec *m)
{
	int rc;

	rc = m->dev->ops->unregister_dmb(m->dev, &m->dmb);
	if (rc) {
		ktap_err("unregister_dmb(%llx) failed: %d", m->dmb.dmb_tok, rc);
		return rc;	/* stays on the list; cleanup retries */
	}
	mutex_lock(&c->lock);
	list_del(&m->list);
	mutex_unlock(&c->lock);
	kfree(m);
	return 0;
}

/* Unregister every DMB @c holds (on @dev, or everywhere if @dev is NULL). */
static void dt_unreg_all(struct dt_client *c, struct dibs_dev *dev)
{
	struct dt_dmbrec *m, *mt;
	LIST_HEAD(mine);

	mutex_lock(&c->lock);
	list_for_each_entry_safe(m, mt, &c->dmbs, list)
		if (!dev || m->dev == dev)
			list_move_tail(&m->list, &mine);
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

/* Client id recorded for @idx in @dev->dmb_clientid_arr. */
static u8 dt_clientid(struct dibs_dev *dev, u32 idx)
{
	unsigned long flags;
	u8 id;

	spin_lock_irqsave(&dev->lock, flags);
	id = dev->dmb_clientid_arr[idx];
	spin_unlock_irqrestore(&dev->lock, flags);
	return id;
}

static unsigned int dt_in_use(struct dibs_dev *dev)
{
	unsigned int i, n = 0, max = dev->ops->max_dmbs();
	unsigned long flags;

	spin_lock_irqsave(&dev->lock, flags);
	for (i = 0; i < max; i++)
		if (dev->dmb_clientid_arr[i] != NO_DIBS_CLIENT)
			n++;
	spin_unlock_irqrestore(&dev->lock, flags);
	return n;
}

/* DMB indices of @dev that client id @id owns. */
static unsigned int dt_owned(struct dibs_dev *dev, u8 id)
{
	unsigned int i, n = 0, max = dev->ops->max_dmbs();
	unsigned long flags;

	spin_lock_irqsave(&dev->lock, flags);
	for (i = 0; i < max; i++)
		if (dev->dmb_clientid_arr[i] == id)
			n++;
	spin_unlock_irqrestore(&dev->lock, flags);
	return n;
}

static int dt_move(struct dibs_dev *sender, u64 tok, unsigned int idx,
		   bool sf, unsigned int off, void *data, unsigned int size)
{
	return sender->ops->move_data(sender, tok, idx, sf, off, data, size);
}

/* Devices this module created, deleted again at unload. */
#define DT_MAX_CREATED	8
static char dt_created[DT_MAX_CREATED][IFNAMSIZ];

static int dt_dev_new(const char *name, char *out)
{
	char buf[IFNAMSIZ] = "";
	int rc, i;

	WRITE_ONCE(dt_dev_changing, true);
	rc = dibs_kind_dev_new("lo", name, buf, sizeof(buf), NULL);
	WRITE_ONCE(dt_dev_changing, false);
	if (rc)
		return rc;
	for (i = 0; i < DT_MAX_CREATED; i++) {
		if (!dt_created[i][0]) {
			strscpy(dt_created[i], buf, IFNAMSIZ);
			break;
		}
	}
	if (i == DT_MAX_CREATED)
		pr_err("too many devices created, %s will leak\n", buf);
	if (out)
		strscpy(out, buf, IFNAMSIZ);
	return 0;
}

static int dt_dev_del(const char *name)
{
	int rc, i;

	WRITE_ONCE(dt_dev_changing, true);
	rc = dibs_kind_dev_del(name, NULL);
	WRITE_ONCE(dt_dev_changing, false);
	if (rc)
		return rc;
	for (i = 0; i < DT_MAX_CREATED; i++)
		if (!strcmp(dt_created[i], name))
			dt_created[i][0] = '\0';
	return 0;
}

/* The fixture the cases share. */
static struct dibs_dev *dlo, *d0, *d1;
static char d0_name[IFNAMSIZ];
static int dt_max;

/* The error in @p, or 0 if it is a valid pointer (for messages). */
static long dt_err(const void *p)
{
	return IS_ERR(p) ? PTR_ERR(p) : 0;
}

static bool dt_need(bool ok, const char *func, const char *what)
{
	if (!ok) {
		dt_fails++;
		ktap_err("%s: fixture missing: %s", func, what);
	}
	return ok;
}

#define NEED(cond)	dt_need(cond, __func__, #cond)

static bool dt_reg_failed(struct dt_dmbrec *m, const char *func, int line)
{
	if (!IS_ERR(m))
		return false;
	dt_fails++;
	ktap_err("%s:%d: register_dmb failed: %ld", func, line, PTR_ERR(m));
	return true;
}

#define REG_FAILED(m)	dt_reg_failed(m, __func__, __LINE__)

static int t_register_client_a(void)
{
	int rc = dibs_register_client(&dt_a.c);

	EXPECT(rc == 0, "dibs_register_client: %d", rc);
	if (rc)
		return 0;
	dt_a.registered = true;
	dlo = dt_find_dev(&dt_a, "lo");
	EXPECT(dlo, "add_dev() not called for the existing device lo");
	EXPECT(dt_counter(&dt_a, &dt_a.add_calls) == dt_ndevs(&dt_a),
	       "add_dev() calls %u, devices %u",
	       dt_counter(&dt_a, &dt_a.add_calls), dt_ndevs(&dt_a));
	if (dlo)
		EXPECT(dlo->ops->get_fabric_id(dlo) == DIBS_LOOPBACK_FABRIC,
		       "lo fabric id %#x", dlo->ops->get_fabric_id(dlo));
	return 0;
}

static int t_dev_new_auto_name(void)
{
	unsigned int before = dt_counter(&dt_a, &dt_a.add_calls), n;
	int rc;

	if (!NEED(dt_a.registered))
		return 0;
	rc = dt_dev_new(NULL, d0_name);
	EXPECT(rc == 0, "dibs_kind_dev_new(lo, NULL): %d", rc);
	if (rc)
		return 0;
	EXPECT(!strncmp(d0_name, "lo", 2) && d0_name[2] &&
	       !kstrtouint(d0_name + 2, 10, &n) && n > 0,
	       "automatic name %s is not loN", d0_name);
	d0 = dt_find_dev(&dt_a, d0_name);
	EXPECT(d0, "add_dev() of client A not called for new device %s",
	       d0_name);
	EXPECT(dt_counter(&dt_a, &dt_a.add_calls) == before + 1,
	       "add_dev() calls %u, expected %u",
	       dt_counter(&dt_a, &dt_a.add_calls), before + 1);
	if (!d0)
		return 0;
	EXPECT(d0->ops->get_fabric_id(d0) == DIBS_LO_FABRIC,
	       "fabric id %#x", d0->ops->get_fabric_id(d0));
	dt_max = d0->ops->max_dmbs();
	EXPECT(dt_max >= 8, "max_dmbs() %d, need at least 8", dt_max);
	ktap_diag("%s created, max_dmbs %d", d0_name, dt_max);
	return 0;
}

static int t_dev_new_named(void)
{
	char name[IFNAMSIZ];
	int rc;

	if (!NEED(dt_a.registered))
		return 0;
	rc = dt_dev_new("dibst1", name);
	EXPECT(rc == 0, "dibs_kind_dev_new(lo, dibst1): %d", rc);
	if (rc)
		return 0;
	EXPECT(!strcmp(name, "dibst1"), "name %s", name);
	d1 = dt_find_dev(&dt_a, "dibst1");
	EXPECT(d1, "add_dev() not called for dibst1");
	if (d1)
		EXPECT(d1->ops->get_fabric_id(d1) == DIBS_LO_FABRIC,
		       "fabric id %#x", d1->ops->get_fabric_id(d1));

	rc = dt_dev_new("dibst1", NULL);
	EXPECT(rc == -EEXIST, "duplicate name: %d, expected -EEXIST", rc);
	rc = dt_dev_new("bad name", NULL);
	EXPECT(rc == -EINVAL, "name with a space: %d, expected -EINVAL", rc);
	rc = dt_dev_new("", NULL);
	EXPECT(rc == -EINVAL, "empty name: %d, expected -EINVAL", rc);
	rc = dt_dev_new("abcdefghijklmnop", NULL);
	EXPECT(rc == -EINVAL, "16 character name: %d, expected -EINVAL", rc);
	rc = dibs_kind_dev_new("no-such-kind", NULL, NULL, 0, NULL);
	EXPECT(rc == -ENOENT, "unknown kind: %d, expected -ENOENT", rc);
	rc = dibs_kind_dev_del("no-such-dev", NULL);
	EXPECT(rc == -ENODEV, "delete unknown device: %d, expected -ENODEV",
	       rc);
	rc = dibs_kind_dev_del("lo", NULL);
	EXPECT(rc == -EOPNOTSUPP, "delete lo: %d, expected -EOPNOTSUPP", rc);
	return 0;
}

static int t_register_client_b(void)
{
	int rc;

	if (!NEED(dlo && d0 && d1))
		return 0;
	rc = dibs_register_client(&dt_b.c);
	EXPECT(rc == 0, "dibs_register_client: %d", rc);
	if (rc)
		return 0;
	dt_b.registered = true;
	EXPECT(dt_b.c.id != dt_a.c.id, "both clients have id %u", dt_a.c.id);
	EXPECT(dt_b.c.id < MAX_DIBS_CLIENTS, "id %u", dt_b.c.id);
	EXPECT(dt_find_dev(&dt_b, "lo") == dlo, "no add_dev() for lo");
	EXPECT(dt_find_dev(&dt_b, d0_name) == d0, "no add_dev() for %s",
	       d0_name);
	EXPECT(dt_find_dev(&dt_b, "dibst1") == d1, "no add_dev() for dibst1");
	EXPECT(dt_ndevs(&dt_b) == dt_ndevs(&dt_a), "B saw %u devices, A %u",
	       dt_ndevs(&dt_b), dt_ndevs(&dt_a));
	return 0;
}

static void dt_dummy_dev(struct dibs_dev *dev)
{
}

static void dt_dummy_irq(struct dibs_dev *dev, unsigned int idx, u16 mask)
{
}

static void dt_dummy_event(struct dibs_dev *dev,
			   const struct dibs_event *event)
{
}

static const struct dibs_client_ops dt_dummy_ops = {
	.add_dev = dt_dummy_dev,
	.del_dev = dt_dummy_dev,
	.handle_irq = dt_dummy_irq,
	.handle_event = dt_dummy_event,
};

static int t_max_clients(void)
{
	static struct dibs_client dummy[MAX_DIBS_CLIENTS];
	int i, rc = 0, n = 0;

	if (!NEED(dt_a.registered && dt_b.registered))
		return 0;
	for (i = 0; i < MAX_DIBS_CLIENTS; i++) {
		/* mainline's clients need no name: every other one has none */
		dummy[i].name = i % 2 ? NULL : "dibs_test_dummy";
		dummy[i].ops = &dt_dummy_ops;
		rc = dibs_register_client(&dummy[i]);
		if (rc)
			break;
		n++;
	}
	EXPECT(rc == -ENOSPC, "client %d: %d, expected -ENOSPC", n + 3, rc);
	EXPECT(n <= MAX_DIBS_CLIENTS - 2, "%d more clients registered", n);
	ktap_diag("%d more clients fitted", n);
	for (i = 0; i < n; i++) {
		rc = dibs_unregister_client(&dummy[i]);
		EXPECT(rc == 0, "unregister dummy %d: %d", i, rc);
	}
	return 0;
}

static int t_gids(void)
{
	uuid_t rnd;

	if (!NEED(dlo && d0 && d1))
		return 0;
	EXPECT(!uuid_is_null(&dlo->gid), "lo has a null GID");
	EXPECT(!uuid_is_null(&d0->gid), "d0 has a null GID");
	EXPECT(!uuid_is_null(&d1->gid), "d1 has a null GID");
	EXPECT(!uuid_equal(&d0->gid, &d1->gid), "d0 and d1 share a GID");
	EXPECT(!uuid_equal(&d0->gid, &dlo->gid), "d0 and lo share a GID");

	/* query_remote_gid(): within the fabric */
	EXPECT(!d0->ops->query_remote_gid(d0, &d1->gid, 0, 0), "d0 -> d1");
	EXPECT(!d1->ops->query_remote_gid(d1, &d0->gid, 0, 0), "d1 -> d0");
	EXPECT(!d0->ops->query_remote_gid(d0, &d0->gid, 0, 0), "d0 -> d0");
	/* lo reaches only itself */
	EXPECT(!dlo->ops->query_remote_gid(dlo, &dlo->gid, 0, 0), "lo -> lo");
	EXPECT(dlo->ops->query_remote_gid(dlo, &d0->gid, 0, 0) == -ENETUNREACH,
	       "lo -> d0 not -ENETUNREACH");
	EXPECT(d0->ops->query_remote_gid(d0, &dlo->gid, 0, 0) == -ENETUNREACH,
	       "d0 -> lo not -ENETUNREACH");
	uuid_gen(&rnd);
	EXPECT(d0->ops->query_remote_gid(d0, &rnd, 0, 0) == -ENETUNREACH,
	       "d0 -> unknown GID not -ENETUNREACH");
	EXPECT(dlo->ops->query_remote_gid(dlo, &rnd, 0, 0) == -ENETUNREACH,
	       "lo -> unknown GID not -ENETUNREACH");
	return 0;
}

static int t_register_dmb(void)
{
	struct dt_dmbrec *m1 = NULL, *m2 = NULL, *m3 = NULL, *big = NULL;
	struct dibs_dmb gone = {};
	u32 len = 3 * PAGE_SIZE + 100;
	int rc, i;

	if (!NEED(d0 && d1 && dt_max))
		return 0;
	m1 = dt_reg(&dt_a, d0, d1, len, 0);
	if (REG_FAILED(m1))
		goto out;
	EXPECT(m1->dmb.dmb_tok, "token 0");
	EXPECT(m1->dmb.cpu_addr, "no cpu_addr");
	EXPECT(m1->dmb.dma_addr, "dma_addr 0");
	EXPECT(m1->dmb.idx < dt_max, "idx %u >= max %d", m1->dmb.idx, dt_max);
	if (m1->dmb.cpu_addr)
		EXPECT(!memchr_inv(m1->dmb.cpu_addr, 0, len),
		       "new DMB not zeroed");
	if (m1->dmb.idx < dt_max)
		EXPECT(dt_clientid(d0, m1->dmb.idx) == dt_a.c.id,
		       "dmb_clientid_arr[%u] = %u, expected %u", m1->dmb.idx,
		       dt_clientid(d0, m1->dmb.idx), dt_a.c.id);

	m2 = dt_reg(&dt_a, d0, d1, 1, 0);
	if (REG_FAILED(m2))
		goto out;
	EXPECT(m2->dmb.dmb_tok != m1->dmb.dmb_tok, "same token twice");
	EXPECT(m2->dmb.idx != m1->dmb.idx, "same idx twice");

	/* a requested free index is honoured */
	if (dt_clientid(d0, dt_max - 1) == NO_DIBS_CLIENT) {
		m3 = dt_reg(&dt_a, d0, d1, 64, dt_max - 1);
		if (REG_FAILED(m3))
			goto out;
		EXPECT(m3->dmb.idx == dt_max - 1, "asked idx %d, got %u",
		       dt_max - 1, m3->dmb.idx);
	}

	m3 = dt_reg(&dt_a, d0, d1, 0, 0);
	EXPECT(dt_err(m3) == -EINVAL, "len 0: %ld, expected -EINVAL",
	       dt_err(m3));
	if (!IS_ERR(m3))
		dt_unreg(&dt_a, m3);
	m3 = dt_reg(&dt_a, d0, d1, SZ_4M + 1, 0);
	EXPECT(dt_err(m3) == -EINVAL, "len 4M+1: %ld, expected -EINVAL",
	       dt_err(m3));
	if (!IS_ERR(m3))
		dt_unreg(&dt_a, m3);
	big = dt_reg(&dt_a, d0, d1, SZ_4M, 0);
	if (dt_err(big) == -ENOMEM)
		ktap_diag("4 MiB DMB: -ENOMEM, tolerated");
	else
		EXPECT(!IS_ERR(big), "4 MiB DMB: %ld", dt_err(big));
	if (!IS_ERR(big)) {
		EXPECT(!memchr_inv(big->dmb.cpu_addr, 0, SZ_4M),
		       "4 MiB DMB not zeroed");
		dt_unreg(&dt_a, big);
	}

	/* a used buffer, unregistered and registered again, reads zero */
	for (i = 0; i < 4; i++) {
		m3 = dt_reg(&dt_a, d0, d1, len, 0);
		if (REG_FAILED(m3))
			goto out;
		EXPECT(!memchr_inv(m3->dmb.cpu_addr, 0, len),
		       "re-registered DMB (round %d) not zeroed", i);
		memset(m3->dmb.cpu_addr, 0x5a, len);
		dt_unreg(&dt_a, m3);
		/* the freed pages back to the allocator, to be handed out */
		rcu_barrier();
	}

	gone = m2->dmb;
	rc = dt_unreg(&dt_a, m2);
	m2 = NULL;
	EXPECT(rc == 0, "unregister_dmb: %d", rc);
	EXPECT(dt_clientid(d0, gone.idx) == NO_DIBS_CLIENT,
	       "dmb_clientid_arr[%u] still set after unregister", gone.idx);
	rc = d0->ops->unregister_dmb(d0, &gone);
	EXPECT(rc == -EINVAL, "unregister twice: %d, expected -EINVAL", rc);
out:
	dt_unreg_all(&dt_a, NULL);
	return 0;
}

/* A writer's source buffer: @len bytes of a pattern derived from @seed. */
static void dt_fill(u8 *buf, unsigned int len, u8 seed)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		buf[i] = seed + i * 7 + (i >> 8);
}

static DEFINE_SPINLOCK(dt_atomic_lock);

static int t_move_data(void)
{
	u32 len = 3 * PAGE_SIZE + 100;
	u8 *shadow = NULL, *src = NULL;
	struct dt_dmbrec *m = NULL;
	unsigned long flags;
	static const struct {
		unsigned int off, size;
	} w[] = {
		{ 0, 16 },				/* start */
		{ (3 * PAGE_SIZE + 100) / 2 - 5, 33 },	/* middle */
		{ 3 * PAGE_SIZE + 100 - 1, 1 },		/* last byte */
		{ PAGE_SIZE - 3, 9 },			/* across pages */
	};
	int rc, i;

	if (!NEED(d0 && d1))
		return 0;
	shadow = kzalloc(len, GFP_KERNEL);
	src = kmalloc(len, GFP_KERNEL);
	m = dt_reg(&dt_a, d0, d1, len, 0);
	if (!shadow || !src) {
		EXPECT(0, "out of memory");
		goto out;
	}
	if (REG_FAILED(m))
		goto out;

	for (i = 0; i < ARRAY_SIZE(w); i++) {
		dt_fill(src, w[i].size, 0x10 * (i + 1));
		rc = dt_move(d1, m->dmb.dmb_tok, 0, false, w[i].off, src,
			     w[i].size);
		EXPECT(rc == 0, "write %u@%u: %d", w[i].size, w[i].off, rc);
		if (!rc)
			memcpy(shadow + w[i].off, src, w[i].size);
		EXPECT(!memcmp(m->dmb.cpu_addr, shadow, len),
		       "DMB content wrong after write %u@%u", w[i].size,
		       w[i].off);
	}

	/* move_data() must work in atomic context, IRQs off */
	dt_fill(src, 200, 0x99);
	spin_lock_irqsave(&dt_atomic_lock, flags);
	rc = dt_move(d1, m->dmb.dmb_tok, 0, true, 100, src, 200);
	spin_unlock_irqrestore(&dt_atomic_lock, flags);
	EXPECT(rc == 0, "write in atomic context: %d", rc);
	if (!rc)
		memcpy(shadow + 100, src, 200);
	EXPECT(!memcmp(m->dmb.cpu_addr, shadow, len),
	       "DMB content wrong after atomic write");

	/* the whole buffer */
	dt_fill(src, len, 0x42);
	rc = dt_move(d1, m->dmb.dmb_tok, 0, false, 0, src, len);
	EXPECT(rc == 0, "full write: %d", rc);
	EXPECT(!memcmp(m->dmb.cpu_addr, src, len),
	       "DMB content wrong after full write");
out:
	if (!IS_ERR_OR_NULL(m))
		dt_unreg(&dt_a, m);
	kfree(shadow);
	kfree(src);
	return 0;
}

static int t_move_data_rejects(void)
{
	u32 len = 2 * PAGE_SIZE + 10;
	struct dt_dmbrec *m = NULL, *ml = NULL, *ms;
	static const struct {
		unsigned int off, size;
	} w[] = {
		{ 2 * PAGE_SIZE + 10, 1 },	/* just past the end */
		{ 2 * PAGE_SIZE + 9, 2 },	/* last byte and one more */
		{ 0, 2 * PAGE_SIZE + 11 },	/* one too long */
		{ 0xfffffff0U, 0x20 },		/* offset + size wraps */
		{ 0xffffffffU, 1 },
		{ 2 * PAGE_SIZE + 11, 0 },	/* empty, but beyond the end */
		{ 3 * PAGE_SIZE, 1 },		/* the next page */
		{ 16, 0xfffffff8U },		/* size wraps with the offset */
	};
	u8 *src = NULL;
	u64 bad;
	int rc, i;

	if (!NEED(dlo && d0 && d1))
		return 0;
	src = kmalloc(len + 1, GFP_KERNEL);
	m = dt_reg(&dt_a, d0, d1, len, 0);
	if (!src) {
		EXPECT(0, "out of memory");
		goto out;
	}
	if (REG_FAILED(m))
		goto out;
	memset(src, 0xee, len + 1);

	for (i = 0; i < ARRAY_SIZE(w); i++) {
		rc = dt_move(d1, m->dmb.dmb_tok, 0, true, w[i].off, src,
			     w[i].size);
		EXPECT(rc == -EINVAL, "write %u@%u: %d, expected -EINVAL",
		       w[i].size, w[i].off, rc);
	}
	bad = m->dmb.dmb_tok + 1;
	rc = dt_move(d1, bad, 0, true, 0, src, 1);
	EXPECT(rc == -EINVAL, "unknown token: %d, expected -EINVAL", rc);
	rc = dt_move(d1, 0, 0, true, 0, src, 1);
	EXPECT(rc == -EINVAL, "token 0: %d, expected -EINVAL", rc);

	/* writers other than the rgid */
	rc = dt_move(d0, m->dmb.dmb_tok, 0, true, 0, src, 1);
	EXPECT(rc == -EACCES, "owner d0 writes: %d, expected -EACCES", rc);
	rc = dt_move(dlo, m->dmb.dmb_tok, 0, true, 0, src, 1);
	EXPECT(rc == -EACCES, "lo writes into d0: %d, expected -EACCES", rc);
	EXPECT(!memchr_inv(m->dmb.cpu_addr, 0, len),
	       "a rejected write changed the DMB");
	/*
	 * Nor anything behind it: dibs_lo's buffer is whole pages, and a
	 * write past the end that got through would land in the slack first.
	 */
	EXPECT(!memchr_inv(m->dmb.cpu_addr + len, 0, PAGE_ALIGN(len) - len),
	       "a rejected write changed memory behind the DMB");
	EXPECT(dt_irqs(&dt_a) == 0 && dt_irqs(&dt_b) == 0,
	       "a rejected write signalled (%u, %u)", dt_irqs(&dt_a),
	       dt_irqs(&dt_b));

	/* a reachable device that is not the DMB's writer */
	ms = dt_reg(&dt_a, d0, d0, 64, 0);
	if (REG_FAILED(ms))
		goto out;
	rc = dt_move(d1, ms->dmb.dmb_tok, 0, true, 0, src, 1);
	EXPECT(rc == -EACCES, "d1 writes into d0's DMB for d0: %d, expected -EACCES",
	       rc);
	EXPECT(!memchr_inv(ms->dmb.cpu_addr, 0, 64),
	       "a rejected write changed the DMB");
	rc = dt_move(d0, ms->dmb.dmb_tok, 0, false, 0, src, 1);
	EXPECT(rc == 0, "d0 writes into its own DMB for d0: %d", rc);

	/* lo writes only into its own DMBs, and only lo writes into them */
	ml = dt_reg(&dt_a, dlo, dlo, 64, 0);
	if (REG_FAILED(ml))
		goto out;
	rc = dt_move(d1, ml->dmb.dmb_tok, 0, false, 0, src, 1);
	EXPECT(rc == -EACCES, "d1 writes into lo: %d, expected -EACCES", rc);
	rc = dt_move(d0, ml->dmb.dmb_tok, 0, false, 0, src, 1);
	EXPECT(rc == -EACCES, "d0 writes into lo: %d, expected -EACCES", rc);
	EXPECT(!memchr_inv(ml->dmb.cpu_addr, 0, 64),
	       "a rejected write changed lo's DMB");
	dt_fill(src, 64, 3);
	rc = dt_move(dlo, ml->dmb.dmb_tok, 0, false, 0, src, 64);
	EXPECT(rc == 0, "lo writes into lo: %d", rc);
	EXPECT(!memcmp(ml->dmb.cpu_addr, src, 64), "lo -> lo content wrong");
	rc = dt_move(dlo, ml->dmb.dmb_tok, 0, false, 64, src, 1);
	EXPECT(rc == -EINVAL, "lo write past end: %d, expected -EINVAL", rc);
out:
	dt_unreg_all(&dt_a, NULL);
	kfree(src);
	return 0;
}

/* One signalled write must reach exactly @c, once, for @m. */
static void dt_check_signal(struct dt_client *c, struct dt_client *other,
			    struct dibs_dev *sender, struct dt_dmbrec *m,
			    unsigned int sidx)
{
	unsigned int before_other = dt_irqs(other);
	unsigned long flags;
	u8 byte = sidx;
	int rc;

	dt_irq_reset(c);
	rc = dt_move(sender, m->dmb.dmb_tok, sidx, true, sidx, &byte, 1);
	EXPECT(rc == 0, "signalled write idx %u: %d", sidx, rc);
	EXPECT(((u8 *)m->dmb.cpu_addr)[sidx] == byte, "data not written");
	spin_lock_irqsave(&c->irq_lock, flags);
	EXPECT(c->irqs == 1, "idx %u: %u handle_irq() calls", sidx, c->irqs);
	EXPECT(c->irq_dev == m->dev, "handle_irq() for the wrong device");
	EXPECT(c->irq_idx == m->dmb.idx, "handle_irq() idx %u, expected %u",
	       c->irq_idx, m->dmb.idx);
	EXPECT(c->irq_mask == ror16(0x1000, sidx),
	       "idx %u: mask %#x, expected %#x", sidx, c->irq_mask,
	       ror16(0x1000, sidx));
	spin_unlock_irqrestore(&c->irq_lock, flags);
	EXPECT(dt_irqs(other) == before_other,
	       "the other client was signalled");
}

static int t_signal(void)
{
	struct dt_dmbrec *ma = NULL, *mb = NULL, *ml = NULL;
	unsigned int i;
	u8 byte = 1;
	int rc;

	if (!NEED(dlo && d0 && d1 && dt_b.registered))
		return 0;
	dt_irq_reset(&dt_a);
	dt_irq_reset(&dt_b);
	ma = dt_reg(&dt_a, d0, d1, 64, 0);
	if (REG_FAILED(ma))
		goto out;
	mb = dt_reg(&dt_b, d0, d1, 64, 0);
	if (REG_FAILED(mb))
		goto out;

	for (i = 0; i < 16; i++)
		dt_check_signal(&dt_a, &dt_b, d1, ma, i);
	dt_irq_reset(&dt_a);
	dt_check_signal(&dt_b, &dt_a, d1, mb, 5);
	msleep(20);	/* nothing late either */
	EXPECT(dt_irqs(&dt_a) == 0, "late signal to A");
	EXPECT(dt_irqs(&dt_b) == 1, "B signalled %u times", dt_irqs(&dt_b));

	/* no signal without sf */
	dt_irq_reset(&dt_a);
	dt_irq_reset(&dt_b);
	rc = dt_move(d1, ma->dmb.dmb_tok, 3, false, 0, &byte, 1);
	EXPECT(rc == 0, "write without sf: %d", rc);
	rc = dt_move(d1, mb->dmb.dmb_tok, 3, false, 0, &byte, 1);
	EXPECT(rc == 0, "write without sf: %d", rc);
	msleep(20);
	EXPECT(dt_irqs(&dt_a) == 0 && dt_irqs(&dt_b) == 0,
	       "signal without sf (%u, %u)", dt_irqs(&dt_a), dt_irqs(&dt_b));

	/* and on lo */
	ml = dt_reg(&dt_b, dlo, dlo, 64, 0);
	if (REG_FAILED(ml))
		goto out;
	dt_check_signal(&dt_b, &dt_a, dlo, ml, 9);
out:
	dt_unreg_all(&dt_a, NULL);
	dt_unreg_all(&dt_b, NULL);
	return 0;
}

/* Arm the relay: irq on from[i] -> sender[i] writes with a signal to tok[i]. */
static void dt_relay_arm(int n, int budget)
{
	atomic_set(&dt_relay.budget, budget);
	atomic_set(&dt_relay.answered, 0);
	atomic_set(&dt_relay.errors, 0);
	atomic_set(&dt_relay.depth, 0);
	atomic_set(&dt_relay.max_depth, 0);
	/* release: publishes the entries and counters to dt_relay_answer() */
	smp_store_release(&dt_relay.n, n);
}

static void dt_relay_off(void)
{
	/* release: pairs with the acquire in dt_relay_answer() */
	smp_store_release(&dt_relay.n, 0);
	synchronize_rcu();	/* no dt_relay_answer() still reads the relay */
}

struct dt_kick {
	struct dibs_dev *sender;
	u64 tok;
	int rc;
	struct completion go, done;
};

static int dt_kick_fn(void *arg)
{
	struct dt_kick *k = arg;
	u8 byte = 2;

	wait_for_completion(&k->go);
	k->rc = dt_move(k->sender, k->tok, 2, true, 0, &byte, 1);
	complete(&k->done);
	return 0;
}

/*
 * A handle_irq() writes with a signal: into a DMB of its own device through
 * another device, and back and forth between two devices (A -> B inside
 * B's handle_irq(), B -> A inside A's ...), also from both ends at once.
 * The old dibs_lo held the owner's lock across handle_irq(): the first
 * deadlocked on that lock, the second took both devices' locks, in both
 * orders.
 */
static int t_signal_relay(void)
{
	struct dt_dmbrec *m0 = NULL, *m1 = NULL;
	struct task_struct *task;
	struct dt_kick k = {};
	u8 byte = 3;
	int rc;

	if (!NEED(d0 && d1 && dt_b.registered))
		return 0;
	m0 = dt_reg(&dt_a, d0, d1, 64, 0);	/* on d0, written by d1 */
	if (REG_FAILED(m0))
		goto out;
	m1 = dt_reg(&dt_b, d1, d0, 64, 0);	/* on d1, written by d0 */
	if (REG_FAILED(m1))
		goto out;

	/* 1. d0's handle_irq() has d1 write with a signal into d0's DMB */
	dt_relay.from[0] = d0;
	dt_relay.sender[0] = d1;
	dt_relay.tok[0] = m0->dmb.dmb_tok;
	dt_relay_arm(1, DT_RELAY_HOPS);
	dt_irq_reset(&dt_a);
	rc = dt_move(d1, m0->dmb.dmb_tok, 0, true, 0, &byte, 1);
	dt_relay_off();
	EXPECT(rc == 0, "kick: %d", rc);
	EXPECT(atomic_read(&dt_relay.answered) == DT_RELAY_HOPS &&
	       !atomic_read(&dt_relay.errors),
	       "own DMB: %d answers, %d refused, expected %d, 0",
	       atomic_read(&dt_relay.answered),
	       atomic_read(&dt_relay.errors), DT_RELAY_HOPS);
	EXPECT(dt_irqs(&dt_a) == DT_RELAY_HOPS + 1,
	       "own DMB: %u signals, expected %d", dt_irqs(&dt_a),
	       DT_RELAY_HOPS + 1);

	/* 2. ping-pong: d0's irq -> d0 writes m1 on d1 -> d1's irq -> m0 */
	dt_relay.from[0] = d0;
	dt_relay.sender[0] = d0;
	dt_relay.tok[0] = m1->dmb.dmb_tok;
	dt_relay.from[1] = d1;
	dt_relay.sender[1] = d1;
	dt_relay.tok[1] = m0->dmb.dmb_tok;
	dt_relay_arm(2, DT_RELAY_HOPS);
	dt_irq_reset(&dt_a);
	dt_irq_reset(&dt_b);
	rc = dt_move(d1, m0->dmb.dmb_tok, 0, true, 0, &byte, 1);
	EXPECT(rc == 0, "kick: %d", rc);
	EXPECT(atomic_read(&dt_relay.answered) == DT_RELAY_HOPS &&
	       !atomic_read(&dt_relay.errors),
	       "ping-pong: %d answers, %d refused, expected %d, 0",
	       atomic_read(&dt_relay.answered),
	       atomic_read(&dt_relay.errors), DT_RELAY_HOPS);
	EXPECT(dt_irqs(&dt_a) == DT_RELAY_HOPS / 2 + 1 &&
	       dt_irqs(&dt_b) == DT_RELAY_HOPS / 2,
	       "ping-pong: %u and %u signals, expected %d and %d",
	       dt_irqs(&dt_a), dt_irqs(&dt_b), DT_RELAY_HOPS / 2 + 1,
	       DT_RELAY_HOPS / 2);
	EXPECT(atomic_read(&dt_relay.max_depth) == DT_RELAY_HOPS + 1,
	       "ping-pong: %d handle_irq() nested, expected %d",
	       atomic_read(&dt_relay.max_depth), DT_RELAY_HOPS + 1);

	/* 3. the same from both ends at once (A -> B and B -> A) */
	init_completion(&k.go);
	init_completion(&k.done);
	k.sender = d0;
	k.tok = m1->dmb.dmb_tok;
	dt_relay_arm(2, DT_RELAY_HOPS);
	dt_irq_reset(&dt_a);
	dt_irq_reset(&dt_b);
	task = kthread_run(dt_kick_fn, &k, "dibs_test_kick");
	if (IS_ERR(task)) {
		EXPECT(0, "kthread_run: %ld", PTR_ERR(task));
		dt_relay_off();
		goto out;
	}
	complete(&k.go);
	rc = dt_move(d1, m0->dmb.dmb_tok, 0, true, 0, &byte, 1);
	wait_for_completion(&k.done);
	dt_relay_off();
	EXPECT(rc == 0 && k.rc == 0, "kicks: %d, %d", rc, k.rc);
	EXPECT(atomic_read(&dt_relay.answered) == DT_RELAY_HOPS &&
	       !atomic_read(&dt_relay.errors),
	       "both ends: %d answers, %d refused, expected %d, 0",
	       atomic_read(&dt_relay.answered),
	       atomic_read(&dt_relay.errors), DT_RELAY_HOPS);
	EXPECT(dt_irqs(&dt_a) + dt_irqs(&dt_b) == DT_RELAY_HOPS + 2,
	       "both ends: %u signals, expected %d",
	       dt_irqs(&dt_a) + dt_irqs(&dt_b), DT_RELAY_HOPS + 2);
out:
	dt_relay_off();
	dt_unreg_all(&dt_a, NULL);
	dt_unreg_all(&dt_b, NULL);
	return 0;
}

/* @c got exactly one event, a DIBS_SW_EVENT on @dev from @from. */
static void dt_check_event(struct dt_client *c, struct dibs_dev *dev,
			   struct dibs_dev *from, u32 code, u64 info)
{
	unsigned long flags;

	spin_lock_irqsave(&c->irq_lock, flags);
	EXPECT(c->events == 1, "%s: %u events, expected 1", c->c.name,
	       c->events);
	EXPECT(c->ev_dev == dev, "%s: event on the wrong device", c->c.name);
	EXPECT(c->ev.type == DIBS_SW_EVENT, "%s: type %u", c->c.name,
	       c->ev.type);
	EXPECT(c->ev.subtype == code, "%s: subtype %u, expected %u",
	       c->c.name, c->ev.subtype, code);
	EXPECT(c->ev.data == info, "%s: data %llx, expected %llx", c->c.name,
	       c->ev.data, info);
	EXPECT(uuid_equal(&c->ev.gid, &from->gid), "%s: event gid %pUb",
	       c->c.name, &c->ev.gid);
	spin_unlock_irqrestore(&c->irq_lock, flags);
}

static unsigned int dt_events(struct dt_client *c)
{
	unsigned long flags;
	unsigned int n;

	spin_lock_irqsave(&c->irq_lock, flags);
	n = c->events;
	spin_unlock_irqrestore(&c->irq_lock, flags);
	return n;
}

static int t_signal_event(void)
{
	uuid_t rnd;
	int rc;

	if (!NEED(dlo && d0 && d1 && dt_b.registered))
		return 0;
	if (!d1->ops->signal_event) {
		ktap_diag("no signal_event");
		return DT_SKIP;
	}
	dt_irq_reset(&dt_a);
	dt_irq_reset(&dt_b);
	rc = d1->ops->signal_event(d1, &d0->gid, 1, 0x42, 0x1122334455667788ULL);
	EXPECT(rc == 0, "d1 -> d0: %d", rc);
	/* every client of d0, once each */
	dt_check_event(&dt_a, d0, d1, 0x42, 0x1122334455667788ULL);
	dt_check_event(&dt_b, d0, d1, 0x42, 0x1122334455667788ULL);

	dt_irq_reset(&dt_a);
	dt_irq_reset(&dt_b);
	rc = d0->ops->signal_event(d0, &d0->gid, 1, 1, 1);
	EXPECT(rc == 0, "d0 -> d0: %d", rc);
	rc = dlo->ops->signal_event(dlo, &d0->gid, 1, 1, 1);
	EXPECT(rc == -ENETUNREACH, "lo -> d0: %d, expected -ENETUNREACH", rc);
	rc = d0->ops->signal_event(d0, &dlo->gid, 1, 1, 1);
	EXPECT(rc == -ENETUNREACH, "d0 -> lo: %d, expected -ENETUNREACH", rc);
	uuid_gen(&rnd);
	rc = d0->ops->signal_event(d0, &rnd, 1, 1, 1);
	EXPECT(rc == -ENETUNREACH, "d0 -> unknown GID: %d, expected -ENETUNREACH",
	       rc);
	msleep(20);
	EXPECT(dt_events(&dt_a) == 0 && dt_events(&dt_b) == 0,
	       "events delivered: %u, %u", dt_events(&dt_a), dt_events(&dt_b));
	return 0;
}

/* Find @tok among @dev's DMBs with kind->dmb_next(). */
static int dt_dmb_info(struct dibs_dev *dev, u64 tok,
		       struct dibs_dmb_info *info)
{
	u32 idx = 0;

	if (!dev->kind || !dev->kind->dmb_next)
		return -EOPNOTSUPP;
	while (!dev->kind->dmb_next(dev, &idx, info)) {
		if (info->dmb_tok == tok)
			return 0;
		idx++;
	}
	return -ENOENT;
}

static int t_dmb_next(void)
{
	struct dt_dmbrec *m[3] = {};
	struct dibs_dmb_info info;
	unsigned int i, seen = 0;
	u32 idx = 0, last = 0;
	bool first = true;
	int rc;

	if (!NEED(d0 && d1))
		return 0;
	if (!d0->kind || !d0->kind->dmb_next) {
		EXPECT(0, "dibs_lo has no dmb_next");
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(m); i++) {
		m[i] = dt_reg(i == 1 ? &dt_b : &dt_a, d0, d1, 100 * (i + 1), 0);
		if (REG_FAILED(m[i]))
			goto out;
	}
	while (!(rc = d0->kind->dmb_next(d0, &idx, &info))) {
		EXPECT(first || idx > last, "idx %u after %u", idx, last);
		EXPECT(info.idx == idx, "info.idx %u, idx %u", info.idx, idx);
		for (i = 0; i < ARRAY_SIZE(m); i++) {
			if (info.dmb_tok != m[i]->dmb.dmb_tok)
				continue;
			seen |= BIT(i);
			EXPECT(info.idx == m[i]->dmb.idx, "idx %u, expected %u",
			       info.idx, m[i]->dmb.idx);
			EXPECT(info.dmb_len == m[i]->dmb.dmb_len,
			       "len %u, expected %u", info.dmb_len,
			       m[i]->dmb.dmb_len);
			EXPECT(uuid_equal(&info.rgid, &d1->gid), "rgid");
			EXPECT(info.client_id ==
			       (i == 1 ? dt_b.c.id : dt_a.c.id),
			       "client id %u", info.client_id);
			EXPECT(info.attach_count == 0, "attach_count %u",
			       info.attach_count);
		}
		first = false;
		last = idx;
		idx++;
	}
	EXPECT(rc == -ENOENT, "end of walk: %d, expected -ENOENT", rc);
	EXPECT(seen == 7, "walk found DMBs %#x of 0x7", seen);
out:
	dt_unreg_all(&dt_a, NULL);
	dt_unreg_all(&dt_b, NULL);
	return 0;
}

static int t_attach(void)
{
	struct dibs_dmb att1 = {}, att2 = {}, again = {};
	struct dibs_dmb_info info;
	struct dt_dmbrec *m = NULL;
	u32 len = 8192;
	int rc, attached = 0;
	u8 *src = NULL;
	u64 tok = 0;

	if (!NEED(dlo && d0 && d1))
		return 0;
	if (!d1->ops->support_mmapped_rdmb || !d1->ops->attach_dmb ||
	    !d1->ops->detach_dmb || !d1->ops->support_mmapped_rdmb(d1)) {
		EXPECT(0, "dibs_lo does not support attach_dmb");
		return 0;
	}
	src = kmalloc(len, GFP_KERNEL);
	m = dt_reg(&dt_a, d0, d1, len, 0);
	if (!src) {
		EXPECT(0, "out of memory");
		goto out;
	}
	if (REG_FAILED(m))
		goto out;
	tok = m->dmb.dmb_tok;
	dt_fill(src, len, 0x31);
	rc = dt_move(d1, tok, 0, false, 0, src, len);
	EXPECT(rc == 0, "move_data: %d", rc);

	att1.dmb_tok = tok;
	rc = d1->ops->attach_dmb(d1, &att1);
	EXPECT(rc == 0, "attach_dmb: %d", rc);
	if (rc)
		goto out;
	attached++;
	EXPECT(att1.cpu_addr, "attach gave no cpu_addr");
	EXPECT(att1.dmb_len == len, "attach dmb_len %u", att1.dmb_len);
	EXPECT(att1.idx == m->dmb.idx, "attach idx %u, expected %u", att1.idx,
	       m->dmb.idx);
	if (!att1.cpu_addr)
		goto out;
	EXPECT(!memcmp(att1.cpu_addr, src, len), "alias shows other data");
	((u8 *)att1.cpu_addr)[100] = 0x5a;
	EXPECT(((u8 *)m->dmb.cpu_addr)[100] == 0x5a,
	       "a write through the alias is not in the DMB");
	src[100] = 0x5a;

	/* only the writer attaches */
	again.dmb_tok = tok;
	rc = d0->ops->attach_dmb(d0, &again);
	EXPECT(rc == -EACCES, "owner d0 attaches: %d, expected -EACCES", rc);
	if (!rc)
		d0->ops->detach_dmb(d0, tok);
	rc = dlo->ops->attach_dmb(dlo, &again);
	EXPECT(rc == -EACCES, "lo attaches: %d, expected -EACCES", rc);
	if (!rc)
		dlo->ops->detach_dmb(dlo, tok);
	memset(&again, 0, sizeof(again));
	again.dmb_tok = tok + 1;
	rc = d1->ops->attach_dmb(d1, &again);
	EXPECT(rc == -EINVAL, "attach to an unknown token: %d, expected -EINVAL",
	       rc);
	if (!rc)
		d1->ops->detach_dmb(d1, tok + 1);
	memset(&again, 0, sizeof(again));

	att2.dmb_tok = tok;
	rc = d1->ops->attach_dmb(d1, &att2);
	EXPECT(rc == 0, "second attach_dmb: %d", rc);
	if (!rc)
		attached++;
	rc = dt_dmb_info(d0, tok, &info);
	EXPECT(rc == 0, "dmb_next does not list the DMB: %d", rc);
	if (!rc)
		EXPECT(info.attach_count == 2, "attach_count %u, expected 2",
		       info.attach_count);

	/* the owner goes away: the attachments keep the memory */
	rc = dt_unreg(&dt_a, m);
	EXPECT(rc == 0, "unregister while attached: %d", rc);
	if (!rc)
		m = NULL;
	EXPECT(!memcmp(att1.cpu_addr, src, len),
	       "attached memory changed after the owner unregistered");
	((u8 *)att1.cpu_addr)[200] = 0xa5;
	EXPECT(((u8 *)att1.cpu_addr)[200] == 0xa5, "alias not writable");
	src[200] = 0xa5;
	rc = dt_move(d1, tok, 0, false, 0, src, 1);
	EXPECT(rc == -EINVAL, "move_data to unregistered token: %d", rc);
	EXPECT(dt_dmb_info(d0, tok, &info) == -ENOENT,
	       "unregistered DMB still listed");

	rc = d1->ops->detach_dmb(d1, tok);
	EXPECT(rc == 0, "first detach: %d", rc);
	if (!rc)
		attached--;
	EXPECT(!memcmp(att1.cpu_addr, src, len),
	       "memory changed while still attached once");
	rc = d1->ops->detach_dmb(d1, tok);
	EXPECT(rc == 0, "second detach: %d", rc);
	if (!rc)
		attached--;
	/* freed now: the token names nothing any more */
	rc = d1->ops->detach_dmb(d1, tok);
	EXPECT(rc != 0, "third detach succeeded");
	again.dmb_tok = tok;
	rc = d1->ops->attach_dmb(d1, &again);
	EXPECT(rc != 0, "attach to a freed DMB succeeded");
	if (!rc)
		d1->ops->detach_dmb(d1, tok);
out:
	while (attached-- > 0)
		d1->ops->detach_dmb(d1, tok);
	if (!IS_ERR_OR_NULL(m))
		dt_unreg(&dt_a, m);
	kfree(src);
	return 0;
}

/* The owner device is deleted while a peer is attached to its DMB. */
static int t_attach_dev_del(void)
{
	struct dibs_dmb_info info = {};
	struct dibs_dmb att = {};
	struct dt_dmbrec *m;
	char name[IFNAMSIZ];
	struct dibs_dev *d2;
	u8 src[256];
	u64 tok;
	int rc;

	if (!NEED(d0 && d1))
		return 0;
	if (!d1->ops->support_mmapped_rdmb || !d1->ops->attach_dmb ||
	    !d1->ops->support_mmapped_rdmb(d1)) {
		EXPECT(0, "dibs_lo does not support attach_dmb");
		return 0;
	}
	rc = dt_dev_new("dibst2", name);
	EXPECT(rc == 0, "create dibst2: %d", rc);
	if (rc)
		return 0;
	d2 = dt_find_dev(&dt_a, name);
	EXPECT(d2, "no add_dev() for dibst2");
	if (!d2)
		goto del;
	m = dt_reg(&dt_a, d2, d1, sizeof(src), 0);
	EXPECT(!IS_ERR(m), "register: %ld", dt_err(m));
	if (IS_ERR(m))
		goto del;
	tok = m->dmb.dmb_tok;
	dt_fill(src, sizeof(src), 0x77);
	rc = dt_move(d1, tok, 0, false, 0, src, sizeof(src));
	EXPECT(rc == 0, "move_data: %d", rc);
	att.dmb_tok = tok;
	rc = d1->ops->attach_dmb(d1, &att);
	EXPECT(rc == 0 && att.cpu_addr, "attach: %d", rc);
	if (rc)
		goto del;
	rc = dt_dev_del(name);
	EXPECT(rc == 0, "delete dibst2: %d", rc);
	EXPECT(!dt_find_dev(&dt_a, name), "no del_dev() for dibst2");
	if (att.cpu_addr)
		EXPECT(!memcmp(att.cpu_addr, src, sizeof(src)),
		       "attached memory changed after owner device deletion");
	rc = dt_move(d1, tok, 0, false, 0, src, 1);
	EXPECT(rc == -EINVAL, "write into deleted device: %d", rc);
	rc = d1->ops->detach_dmb(d1, tok);
	EXPECT(rc == 0, "detach after owner device deletion: %d", rc);

	/* the writer device goes away: its attachments are dropped */
	rc = dt_dev_new("dibst2", name);
	EXPECT(rc == 0, "create dibst2 again: %d", rc);
	if (rc)
		return 0;
	d2 = dt_find_dev(&dt_a, name);
	EXPECT(d2, "no add_dev() for dibst2");
	if (!d2)
		goto del;
	m = dt_reg(&dt_a, d0, d2, sizeof(src), 0);
	EXPECT(!IS_ERR(m), "register: %ld", dt_err(m));
	if (IS_ERR(m))
		goto del;
	memset(&att, 0, sizeof(att));
	att.dmb_tok = m->dmb.dmb_tok;
	rc = d2->ops->attach_dmb(d2, &att);
	EXPECT(rc == 0, "attach: %d", rc);
	rc = dt_dmb_info(d0, m->dmb.dmb_tok, &info);
	EXPECT(!rc && info.attach_count == 1, "attach_count %u (%d)",
	       info.attach_count, rc);
	rc = dt_dev_del(name);
	EXPECT(rc == 0, "delete dibst2: %d", rc);
	rc = dt_dmb_info(d0, m->dmb.dmb_tok, &info);
	EXPECT(!rc && info.attach_count == 0,
	       "attach_count %u (%d) after the writer's deletion",
	       info.attach_count, rc);
	EXPECT(dt_unreg(&dt_a, m) == 0, "unregister");
	return 0;
del:
	rc = dt_dev_del(name);
	EXPECT(rc == 0, "delete dibst2: %d", rc);
	return 0;
}

static int t_enospc(void)
{
	struct dt_dmbrec *m, *extra = NULL, *victim = NULL;
	unsigned int i, used, free_slots;
	u32 idx;

	if (!NEED(d0 && d1 && dt_max))
		return 0;
	if (dt_max > DT_MAX_ENOSPC) {
		ktap_diag("max_dmbs %d too large, load dibs_lo with max_dmbs=16",
			  dt_max);
		return DT_SKIP;
	}
	used = dt_in_use(d0);
	free_slots = dt_max - used;
	for (i = 0; i < free_slots; i++) {
		m = dt_reg(&dt_a, d0, d1, 64, 0);
		EXPECT(!IS_ERR(m), "DMB %u of %u: %ld", i + 1, free_slots,
		       dt_err(m));
		if (IS_ERR(m))
			goto out;
		victim = m;
	}
	EXPECT(dt_in_use(d0) == dt_max, "%u in use, max %d", dt_in_use(d0),
	       dt_max);
	m = dt_reg(&dt_a, d0, d1, 64, 0);
	EXPECT(dt_err(m) == -ENOSPC, "one too many: %ld, expected -ENOSPC",
	       dt_err(m));
	if (!IS_ERR(m))
		goto out;
	m = dt_reg(&dt_b, d0, d1, 64, 0);
	EXPECT(dt_err(m) == -ENOSPC, "other client: %ld, expected -ENOSPC",
	       dt_err(m));
	if (!IS_ERR(m))
		goto out;

	/* the limit is per device */
	extra = dt_reg(&dt_a, d1, d0, 64, 0);
	EXPECT(!IS_ERR(extra), "d1 refused while d0 is full: %ld",
	       dt_err(extra));

	/* a freed slot can be used again */
	if (victim) {
		idx = victim->dmb.idx;
		EXPECT(dt_unreg(&dt_a, victim) == 0, "unregister");
		m = dt_reg(&dt_a, d0, d1, 64, 0);
		EXPECT(!IS_ERR(m), "register after a free: %ld", dt_err(m));
		if (!IS_ERR(m))
			EXPECT(m->dmb.idx == idx, "got idx %u, the free one is %u",
			       m->dmb.idx, idx);
	}
out:
	dt_unreg_all(&dt_a, NULL);
	dt_unreg_all(&dt_b, NULL);
	EXPECT(dt_in_use(d0) == used, "%u in use after cleanup, was %u",
	       dt_in_use(d0), used);
	return 0;
}

/*
 * Unregistering a client that owns DMBs, as mainline's smc does at unload:
 * del_dev() for every device, where the client ends its DMBs; what a client
 * forgot there is unregistered by the dibs layer and never reaches the
 * next client of that id.
 */
static int t_unregister_with_dmbs(void)
{
	unsigned int del_before, ndevs, used0, used1, round;
	int regd0, regd1;
	struct dt_dmbrec *m, *m2;
	u64 tok, tok2;
	u8 byte = 0x11;
	int rc;

	if (!NEED(d0 && d1 && dt_a.registered))
		return 0;
	used0 = dt_in_use(d0);
	used1 = dt_in_use(d1);
	regd0 = atomic_read(&d0->dmbs_in_use);
	regd1 = atomic_read(&d1->dmbs_in_use);
	/* round 0: del_dev() unregisters them; round 1: it forgets them */
	for (round = 0; round < 2; round++) {
		m = dt_reg(&dt_a, d0, d1, 64, 0);
		if (REG_FAILED(m))
			return 0;
		tok = m->dmb.dmb_tok;
		m2 = dt_reg(&dt_a, d1, d0, 64, 0);
		if (REG_FAILED(m2))
			goto out;
		tok2 = m2->dmb.dmb_tok;
		del_before = dt_counter(&dt_a, &dt_a.del_calls);
		ndevs = dt_ndevs(&dt_a);

		dt_a.forget_dmbs = round == 1;
		rc = dibs_unregister_client(&dt_a.c);
		dt_a.forget_dmbs = false;
		EXPECT(rc == 0, "round %u: unregister with 2 DMBs: %d", round,
		       rc);
		if (rc)
			goto out;
		dt_a.registered = false;
		EXPECT(dt_counter(&dt_a, &dt_a.del_calls) == del_before + ndevs,
		       "round %u: del_dev() calls %u, expected %u", round,
		       dt_counter(&dt_a, &dt_a.del_calls), del_before + ndevs);
		EXPECT(dt_in_use(d0) == used0 && dt_in_use(d1) == used1,
		       "round %u: DMBs in use %u and %u, expected %u and %u",
		       round, dt_in_use(d0), dt_in_use(d1), used0, used1);
		EXPECT(atomic_read(&d0->dmbs_in_use) == regd0 &&
		       atomic_read(&d1->dmbs_in_use) == regd1,
		       "round %u: registered DMBs %d and %d, expected %d and %d",
		       round, atomic_read(&d0->dmbs_in_use),
		       atomic_read(&d1->dmbs_in_use), regd0, regd1);
		EXPECT(dt_owned(d0, dt_a.c.id) == 0 &&
		       dt_owned(d1, dt_a.c.id) == 0,
		       "round %u: DMBs still owned by the client's id", round);
		/* gone from the devices: writes into the old tokens fail */
		EXPECT(dt_move(d1, tok, 0, true, 0, &byte, 1) != 0,
		       "round %u: write into an unregistered DMB accepted",
		       round);
		EXPECT(dt_move(d0, tok2, 0, true, 0, &byte, 1) != 0,
		       "round %u: write into an unregistered DMB accepted",
		       round);

		rc = dibs_register_client(&dt_a.c);
		EXPECT(rc == 0, "round %u: register again: %d", round, rc);
		if (rc)
			return 0;
		dt_a.registered = true;
		EXPECT(dt_ndevs(&dt_a) == ndevs,
		       "round %u: %u devices after re-register, had %u", round,
		       dt_ndevs(&dt_a), ndevs);
		EXPECT(dt_owned(d0, dt_a.c.id) == 0,
		       "round %u: the new registration inherited DMBs", round);
		/* and it works as before */
		dt_irq_reset(&dt_a);
		m = dt_reg(&dt_a, d0, d1, 64, 0);
		if (REG_FAILED(m))
			return 0;
		rc = dt_move(d1, m->dmb.dmb_tok, 2, true, 10, &byte, 1);
		EXPECT(rc == 0, "round %u: write after re-register: %d", round,
		       rc);
		EXPECT(((u8 *)m->dmb.cpu_addr)[10] == byte,
		       "round %u: data not written", round);
		EXPECT(dt_irqs(&dt_a) == 1, "round %u: %u signals, expected 1",
		       round, dt_irqs(&dt_a));
		dt_unreg_all(&dt_a, NULL);
	}
	return 0;
out:
	dt_unreg_all(&dt_a, NULL);
	return 0;
}

static int t_dev_del(void)
{
	unsigned int add_a, add_b, del_a, del_b;
	struct dt_dmbrec *ma, *mb;
	char name[IFNAMSIZ];
	struct dibs_dev *d2;
	u64 toka = 0, tokb = 0;
	uuid_t gid2;
	u8 byte = 1;
	int rc;

	if (!NEED(d1 && dt_a.registered && dt_b.registered))
		return 0;
	add_a = dt_counter(&dt_a, &dt_a.add_calls);
	add_b = dt_counter(&dt_b, &dt_b.add_calls);
	rc = dt_dev_new("dibst2", name);
	EXPECT(rc == 0, "create dibst2: %d", rc);
	if (rc)
		return 0;
	EXPECT(dt_counter(&dt_a, &dt_a.add_calls) == add_a + 1,
	       "A: add_dev() not called once");
	EXPECT(dt_counter(&dt_b, &dt_b.add_calls) == add_b + 1,
	       "B: add_dev() not called once");
	d2 = dt_find_dev(&dt_a, name);
	EXPECT(d2 && dt_find_dev(&dt_b, name) == d2, "dibst2 not seen by both");
	if (d2) {
		uuid_copy(&gid2, &d2->gid);
		ma = dt_reg(&dt_a, d2, d1, 64, 0);
		EXPECT(!IS_ERR(ma), "register A: %ld", dt_err(ma));
		if (!IS_ERR(ma))
			toka = ma->dmb.dmb_tok;
		mb = dt_reg(&dt_b, d2, d1, 64, 0);
		EXPECT(!IS_ERR(mb), "register B: %ld", dt_err(mb));
		if (!IS_ERR(mb))
			tokb = mb->dmb.dmb_tok;
	}
	del_a = dt_counter(&dt_a, &dt_a.del_calls);
	del_b = dt_counter(&dt_b, &dt_b.del_calls);
	rc = dt_dev_del(name);
	EXPECT(rc == 0, "delete dibst2: %d", rc);
	EXPECT(dt_counter(&dt_a, &dt_a.del_calls) == del_a + 1,
	       "A: del_dev() not called once");
	EXPECT(dt_counter(&dt_b, &dt_b.del_calls) == del_b + 1,
	       "B: del_dev() not called once");
	EXPECT(!dt_find_dev(&dt_a, name) && !dt_find_dev(&dt_b, name),
	       "device record left");
	EXPECT(!dt_counter(&dt_a, &dt_a.cb_errors) &&
	       !dt_counter(&dt_b, &dt_b.cb_errors),
	       "del_dev() could not unregister the DMBs");
	if (toka)
		EXPECT(dt_move(d1, toka, 0, false, 0, &byte, 1) == -EINVAL,
		       "write into a deleted device's DMB");
	if (tokb)
		EXPECT(dt_move(d1, tokb, 0, false, 0, &byte, 1) == -EINVAL,
		       "write into a deleted device's DMB");
	if (d2)
		EXPECT(d1->ops->query_remote_gid(d1, &gid2, 0, 0) ==
		       -ENETUNREACH, "deleted device still reachable");
	rc = dibs_kind_dev_del(name, NULL);
	EXPECT(rc == -ENODEV, "delete twice: %d, expected -ENODEV", rc);
	return 0;
}

/* Device removal while a peer writes into a DMB on it. */
struct dt_writer {
	struct dibs_dev *sender;
	u64 tok;
	atomic_t ok, einval, other, ok_after_einval;
	int other_rc;
};

static int dt_writer_fn(void *arg)
{
	struct dt_writer *w = arg;
	unsigned int n = 0;
	u8 buf[512];
	int rc;

	memset(buf, 0x3c, sizeof(buf));
	while (!kthread_should_stop()) {
		rc = dt_move(w->sender, w->tok, n & 15, n & 1,
			     (n * 512) % SZ_64K, buf, sizeof(buf));
		if (!rc) {
			atomic_inc(&w->ok);
			if (atomic_read(&w->einval))
				atomic_inc(&w->ok_after_einval);
		} else if (rc == -EINVAL) {
			atomic_inc(&w->einval);
		} else {
			w->other_rc = rc;
			atomic_inc(&w->other);
		}
		n++;
		if (!(n & 63))
			cond_resched();
	}
	return 0;
}

static bool dt_wait_for(atomic_t *v, int n, unsigned int ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);

	while (atomic_read(v) < n) {
		if (time_after(jiffies, end))
			return false;
		usleep_range(5000, 10000);
	}
	return true;
}

static int t_dev_del_under_traffic(void)
{
	struct task_struct *task;
	struct dt_writer w = {};
	struct dt_dmbrec *m;
	char name[IFNAMSIZ];
	struct dibs_dev *d3;
	unsigned long flags;
	int rc;

	if (!NEED(d1 && dt_a.registered))
		return 0;
	rc = dt_dev_new("dibst3", name);
	EXPECT(rc == 0, "create dibst3: %d", rc);
	if (rc)
		return 0;
	d3 = dt_find_dev(&dt_a, name);
	EXPECT(d3, "no add_dev() for dibst3");
	if (!d3)
		goto del;
	m = dt_reg(&dt_a, d3, d1, SZ_64K, 0);
	EXPECT(!IS_ERR(m), "register: %ld", dt_err(m));
	if (IS_ERR(m))
		goto del;
	w.sender = d1;
	w.tok = m->dmb.dmb_tok;
	dt_irq_reset(&dt_a);
	task = kthread_run(dt_writer_fn, &w, "dibs_test_wr");
	if (IS_ERR(task)) {
		EXPECT(0, "kthread_run: %ld", dt_err(task));
		goto del;
	}
	EXPECT(dt_wait_for(&w.ok, 200, 10000), "only %d writes succeeded",
	       atomic_read(&w.ok));
	rc = dt_dev_del(name);
	EXPECT(rc == 0, "delete dibst3 under traffic: %d", rc);
	EXPECT(dt_wait_for(&w.einval, 200, 10000),
	       "only %d writes failed after the deletion",
	       atomic_read(&w.einval));
	kthread_stop(task);
	ktap_diag("%d writes before, %d after the deletion", atomic_read(&w.ok),
		  atomic_read(&w.einval));
	EXPECT(!atomic_read(&w.other), "%d writes failed with %d",
	       atomic_read(&w.other), w.other_rc);
	EXPECT(!atomic_read(&w.ok_after_einval),
	       "%d writes succeeded after one failed",
	       atomic_read(&w.ok_after_einval));
	spin_lock_irqsave(&dt_a.irq_lock, flags);
	EXPECT(!dt_a.late_irqs, "%u handle_irq() after del_dev()",
	       dt_a.late_irqs);
	spin_unlock_irqrestore(&dt_a.irq_lock, flags);
	return 0;
del:
	rc = dt_dev_del(name);
	EXPECT(rc == 0, "delete dibst3: %d", rc);
	return 0;
}

static int t_stats(void)
{
	struct dibs_dev_stats_sum s0a, s1a, s0b, s1b;
	struct dt_dmbrec *m;
	u8 buf[64] = {};
	int rc;

	if (!NEED(d0 && d1))
		return 0;
	dibs_dev_stats_read(d0, &s0a);
	dibs_dev_stats_read(d1, &s1a);
	m = dt_reg(&dt_a, d0, d1, 64, 0);
	if (REG_FAILED(m))
		goto out;
	rc = dt_move(d1, m->dmb.dmb_tok, 0, false, 0, buf, 10);
	EXPECT(rc == 0, "write 1: %d", rc);
	rc = dt_move(d1, m->dmb.dmb_tok, 1, true, 10, buf, 20);
	EXPECT(rc == 0, "write 2: %d", rc);
	rc = dt_move(d1, m->dmb.dmb_tok, 0, false, 30, buf, 34);
	EXPECT(rc == 0, "write 3: %d", rc);
	rc = dt_move(d1, m->dmb.dmb_tok, 0, false, 60, buf, 5);
	EXPECT(rc == -EINVAL, "out of range: %d", rc);
	rc = dt_move(d1, m->dmb.dmb_tok + 1, 0, false, 0, buf, 5);
	EXPECT(rc == -EINVAL, "bad token: %d", rc);
	rc = dt_unreg(&dt_a, m);
	EXPECT(rc == 0, "unregister: %d", rc);
	dibs_dev_stats_read(d0, &s0b);
	dibs_dev_stats_read(d1, &s1b);

	EXPECT(s1b.move_data - s1a.move_data == 3, "d1 move_data +%llu",
	       s1b.move_data - s1a.move_data);
	EXPECT(s1b.bytes_moved - s1a.bytes_moved == 64, "d1 bytes_moved +%llu",
	       s1b.bytes_moved - s1a.bytes_moved);
	EXPECT(s0b.move_data == s0a.move_data, "d0 move_data moved");
	EXPECT(s0b.signals - s0a.signals == 1, "d0 signals +%llu",
	       s0b.signals - s0a.signals);
	EXPECT(s1b.signals == s1a.signals, "d1 signals moved");
	EXPECT(s0b.dmb_registered - s0a.dmb_registered == 1,
	       "d0 dmb_registered +%llu",
	       s0b.dmb_registered - s0a.dmb_registered);
	EXPECT(s0b.dmb_unregistered - s0a.dmb_unregistered == 1,
	       "d0 dmb_unregistered +%llu",
	       s0b.dmb_unregistered - s0a.dmb_unregistered);
	EXPECT(s1b.dmb_registered == s1a.dmb_registered,
	       "d1 dmb_registered moved");
	EXPECT((s0b.errors - s0a.errors) + (s1b.errors - s1a.errors) == 2,
	       "errors +%llu (d0) +%llu (d1), expected 2 in all",
	       s0b.errors - s0a.errors, s1b.errors - s1a.errors);
	return 0;
out:
	return 0;
}

static void dt_print_sysfs(struct dibs_dev *dev, unsigned int dmbs)
{
	pr_info("sysfs: %s %pUb 0x%04x %d %u\n", dev_name(&dev->dev),
		&dev->gid, dev->ops->get_fabric_id(dev), dev->ops->max_dmbs(),
		dmbs);
}

/* Leave a known state behind for dibs_test.sh to compare with sysfs. */
static int t_sysfs_state(void)
{
	struct dt_dmbrec *m;
	unsigned int i;

	if (!NEED(dlo && d0 && d1))
		return 0;
	for (i = 0; i < 3; i++) {
		m = dt_reg(&dt_a, d0, d1, 128, 0);
		if (REG_FAILED(m))
			goto out;
	}
	m = dt_reg(&dt_b, d1, d0, 128, 0);
	if (REG_FAILED(m))
		goto out;
	EXPECT(dt_in_use(dlo) == 0, "lo: %u DMBs", dt_in_use(dlo));
	EXPECT(dt_in_use(d0) == 3, "d0: %u DMBs", dt_in_use(d0));
	EXPECT(dt_in_use(d1) == 1, "d1: %u DMBs", dt_in_use(d1));
	dt_print_sysfs(dlo, 0);
	dt_print_sysfs(d0, 3);
	dt_print_sysfs(d1, 1);
	return 0;
out:
	dt_unreg_all(&dt_a, NULL);
	dt_unreg_all(&dt_b, NULL);
	return 0;
}

/*
 * Over all the devices made and deleted above: in a client's add_dev() and
 * del_dev() of a fabric device, the other devices of the fabric did not
 * reach it (query_remote_gid()).
 */
static int t_reachable_while_added(void)
{
	EXPECT(!dt_counter(&dt_a, &dt_a.reached_early) &&
	       !dt_counter(&dt_b, &dt_b.reached_early),
	       "reachable in add_dev(): A %u, B %u times",
	       dt_counter(&dt_a, &dt_a.reached_early),
	       dt_counter(&dt_b, &dt_b.reached_early));
	EXPECT(!dt_counter(&dt_a, &dt_a.reached_late) &&
	       !dt_counter(&dt_b, &dt_b.reached_late),
	       "reachable in del_dev(): A %u, B %u times",
	       dt_counter(&dt_a, &dt_a.reached_late),
	       dt_counter(&dt_b, &dt_b.reached_late));
	return 0;
}

static int t_callbacks_clean(void)
{
	EXPECT(!dt_counter(&dt_a, &dt_a.cb_errors), "A: %u callback errors",
	       dt_counter(&dt_a, &dt_a.cb_errors));
	EXPECT(!dt_counter(&dt_b, &dt_b.cb_errors), "B: %u callback errors",
	       dt_counter(&dt_b, &dt_b.cb_errors));
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(void);
} dt_cases[] = {
	{ "register_client_add_dev_existing", t_register_client_a },
	{ "dev_new_auto_name_add_dev", t_dev_new_auto_name },
	{ "dev_new_named_and_errors", t_dev_new_named },
	{ "register_second_client", t_register_client_b },
	{ "max_clients_enospc", t_max_clients },
	{ "gids_and_query_remote_gid", t_gids },
	{ "register_dmb", t_register_dmb },
	{ "move_data_start_middle_end", t_move_data },
	{ "move_data_rejects", t_move_data_rejects },
	{ "signal_once_right_client_mask", t_signal },
	{ "signal_from_handle_irq", t_signal_relay },
	{ "signal_event", t_signal_event },
	{ "dmb_next_walk", t_dmb_next },
	{ "attach_outlives_owner", t_attach },
	{ "attach_and_device_deletion", t_attach_dev_del },
	{ "register_dmb_enospc", t_enospc },
	{ "unregister_client_with_dmbs", t_unregister_with_dmbs },
	{ "dev_del_calls_del_dev", t_dev_del },
	{ "dev_del_under_traffic", t_dev_del_under_traffic },
	{ "stats", t_stats },
	{ "sysfs_state", t_sysfs_state },
	{ "reachable_only_while_added", t_reachable_while_added },
	{ "callbacks_clean", t_callbacks_clean },
};

/* Undo everything; false if something could not be undone. */
static bool dt_cleanup(void)
{
	bool clean = true;
	int i, rc;

	for (i = 0; i < DT_MAX_CREATED; i++) {
		if (!dt_created[i][0])
			continue;
		rc = dibs_kind_dev_del(dt_created[i], NULL);
		if (rc) {
			pr_err("cannot delete %s: %d\n", dt_created[i], rc);
			clean = false;
		}
		dt_created[i][0] = '\0';
	}
	dt_unreg_all(&dt_a, NULL);
	dt_unreg_all(&dt_b, NULL);
	if (dt_a.registered && !dibs_unregister_client(&dt_a.c))
		dt_a.registered = false;
	if (dt_b.registered && !dibs_unregister_client(&dt_b.c))
		dt_b.registered = false;
	if (dt_a.registered || dt_b.registered) {
		pr_err("a client could not be unregistered\n");
		clean = false;
	}
	return clean;
}

/*
 * Writing 1 to the "cleanup" parameter undoes everything before rmmod;
 * reading it gives 0 (not yet), 1 (done) or -1 (failed).  If the cleanup
 * fails, dibs_core or dibs_lo may still call into this module, so the
 * module pins itself instead of letting rmmod unload code in use.
 */
static DEFINE_MUTEX(dt_cleanup_lock);
static bool dt_init_done;
static int dt_cleanup_state;

static int dt_cleanup_set(const char *val, const struct kernel_param *kp)
{
	bool yes;
	int rc;

	rc = kstrtobool(val, &yes);
	if (rc || !yes)
		return -EINVAL;
	mutex_lock(&dt_cleanup_lock);
	if (!dt_init_done) {
		rc = -EBUSY;
	} else if (!dt_cleanup_state) {
		dt_cleanup_state = dt_cleanup() ? 1 : -1;
		if (dt_cleanup_state < 0)
			__module_get(THIS_MODULE);
	}
	if (!rc && dt_cleanup_state < 0)
		rc = -EIO;
	mutex_unlock(&dt_cleanup_lock);
	return rc;
}

static const struct kernel_param_ops dt_cleanup_ops = {
	.set = dt_cleanup_set,
	.get = param_get_int,
};
module_param_cb(cleanup, &dt_cleanup_ops, &dt_cleanup_state, 0644);
MODULE_PARM_DESC(cleanup, "write 1: remove the devices, DMBs and clients (then rmmod)");

static int __init dibs_test_init(void)
{
	struct ktap kt;
	int i, rc;

	dt_client_init(&dt_a, "dibs_test_a", &dt_a_ops);
	dt_client_init(&dt_b, "dibs_test_b", &dt_b_ops);

	ktap_begin(&kt, run_id, ARRAY_SIZE(dt_cases));
	for (i = 0; i < ARRAY_SIZE(dt_cases); i++) {
		dt_fails = 0;
		if (dt_a.registered)
			dt_irq_reset(&dt_a);
		if (dt_b.registered)
			dt_irq_reset(&dt_b);
		rc = dt_cases[i].fn();
		if (rc == DT_SKIP && !dt_fails)
			ktap_skip(&kt, NULL, "%s", dt_cases[i].name);
		else
			ktap_result(&kt, !dt_fails, "%s", dt_cases[i].name);
	}
	ktap_end(&kt);
	mutex_lock(&dt_cleanup_lock);
	dt_init_done = true;
	mutex_unlock(&dt_cleanup_lock);
	return 0;
}

static void __exit dibs_test_exit(void)
{
	mutex_lock(&dt_cleanup_lock);
	if (!dt_cleanup_state && !dt_cleanup())
		pr_err("unloading although the cleanup failed\n");
	mutex_unlock(&dt_cleanup_lock);
}

module_init(dibs_test_init);
module_exit(dibs_test_exit);
MODULE_DESCRIPTION("dibs functional self-check (two clients on dibs_lo)");
MODULE_LICENSE("GPL");
