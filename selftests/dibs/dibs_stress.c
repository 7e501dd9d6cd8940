// SPDX-License-Identifier: GPL-2.0
/*
 * dibs_stress - concurrency stress of dibs_core and dibs_lo.
 *
 * Loaded by dibs_stress.sh after dibs_lo.  At load time, for "duration"
 * seconds:
 *  - "writers" kthreads call move_data() from device dstr1 into random DMBs
 *    (random offset, size and signal flag; now and then out of range, or
 *    from a device that is not the DMB's writer);
 *  - a churn kthread unregisters and re-registers those DMBs on dstr0;
 *  - a remover kthread creates device dstr2, registers DMBs on it that the
 *    writers also target, and deletes the device again under that traffic;
 *  - an attacher kthread attaches dstr1 to random DMBs of both devices,
 *    writes and reads through the alias while they go away, and detaches;
 *  - a second client registers and unregisters all the time: it must see
 *    add_dev() and del_dev() exactly once per device.
 * A write may fail with -EINVAL (its token was just unregistered, or the
 * write is out of range) or -EACCES (wrong writer), never otherwise, and an
 * in-range write by the right writer to a live token never fails.  Then
 * everything is torn down and the results are printed as KTAP between
 * "dibs_stress: ktap-begin run=ID" and "dibs_stress: ktap-end run=ID"
 * markers (see dibs_test.c).  Nothing stays behind: rmmod just unloads.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/dibs.h>
#include <linux/err.h>
#include <linux/if.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "ktap_kmod.h"

static unsigned int duration = 30;
module_param(duration, uint, 0444);
MODULE_PARM_DESC(duration, "seconds of traffic (1..3600, default 30)");

static unsigned int writers = 3;
module_param(writers, uint, 0444);
MODULE_PARM_DESC(writers, "writer kthreads (1..16, default 3)");

static unsigned int slots = 32;
module_param(slots, uint, 0444);
MODULE_PARM_DESC(slots, "DMBs under churn (1..1024, default 32)");

static int run_id;
module_param(run_id, int, 0444);
MODULE_PARM_DESC(run_id, "tag of the KTAP markers in the kernel log");

#define DS_MAX_WRITERS	16
#define DS_VSLOTS	8	/* DMBs on the device that comes and goes */
#define DS_DMB_LEN	8192

struct ds_slot {
	struct dibs_dmb dmb;
	u64 tok;		/* published token, 0 while unregistered */
};

static struct ds_slot *ds_slots;
static struct ds_slot ds_vslots[DS_VSLOTS];

static struct dibs_dev *ds_own, *ds_wr;	/* dstr0, dstr1 */
static struct dibs_dev *ds_vol;		/* dstr2 while it exists */
static DEFINE_MUTEX(ds_lock);		/* ds_vol, ds_vslots, ds_devs */
static struct dibs_dev *ds_devs[8];	/* devices add_dev() told us about */

static atomic_t ds_ok, ds_stale, ds_rejected, ds_bad, ds_vol_ok, ds_irqs;
static atomic_t ds_churn, ds_churn_bad, ds_nomem, ds_cycles, ds_cycle_bad;
static atomic_t ds_bad_mask;

static atomic_t ds_att_ok, ds_att_stale, ds_att_bad, ds_att_overwritten;

static void ds_bad_att(const char *what, int rc)
{
	if (atomic_inc_return(&ds_att_bad) <= 5)
		ktap_err("%s: unexpected %d", what, rc);
}

/* The writers write 0xa5; anything else in a byte we set is a bug. */
static bool ds_wrote(const u8 *p, u32 r)
{
	return p[r % DS_DMB_LEN] == 0xa5;
}

static void ds_bad_rc(const char *what, int rc)
{
	if (atomic_inc_return(&ds_bad) <= 5)
		ktap_err("%s: unexpected %d", what, rc);
}

static void ds_add_dev(struct dibs_dev *dev)
{
	int i;

	mutex_lock(&ds_lock);
	for (i = 0; i < ARRAY_SIZE(ds_devs); i++) {
		if (!ds_devs[i]) {
			ds_devs[i] = dev;
			break;
		}
	}
	mutex_unlock(&ds_lock);
}

static void ds_vol_unregister(struct dibs_dev *dev)
{
	int i, rc;

	for (i = 0; i < DS_VSLOTS; i++) {
		if (!ds_vslots[i].tok)
			continue;
		WRITE_ONCE(ds_vslots[i].tok, 0);
		rc = dev->ops->unregister_dmb(dev, &ds_vslots[i].dmb);
		if (rc) {
			atomic_inc(&ds_cycle_bad);
			ktap_err("unregister_dmb on %s: %d",
				 dev_name(&dev->dev), rc);
		}
	}
}

static void ds_del_dev(struct dibs_dev *dev)
{
	int i;

	mutex_lock(&ds_lock);
	if (dev == ds_vol) {
		ds_vol_unregister(dev);
		ds_vol = NULL;
	}
	for (i = 0; i < ARRAY_SIZE(ds_devs); i++)
		if (ds_devs[i] == dev)
			ds_devs[i] = NULL;
	mutex_unlock(&ds_lock);
}

static void ds_handle_irq(struct dibs_dev *dev, unsigned int idx, u16 mask)
{
	atomic_inc(&ds_irqs);
	if (!mask)
		atomic_inc(&ds_bad_mask);
}

static void ds_handle_event(struct dibs_dev *dev,
			    const struct dibs_event *event)
{
}

static const struct dibs_client_ops ds_ops = {
	.add_dev = ds_add_dev,
	.del_dev = ds_del_dev,
	.handle_irq = ds_handle_irq,
	.handle_event = ds_handle_event,
};

static struct dibs_client ds_client = {
	.name = "dibs_stress",
	.ops = &ds_ops,
};

/*
 * A second client that registers and unregisters all the time, while
 * devices come and go: dibs_core must call its add_dev() exactly once per
 * device and del_dev() exactly once per added device.
 */
#define DS_C2_MAX	16
static DEFINE_SPINLOCK(ds_c2_lock);	/* ds_c2_devs, ds_c2_n */
static struct dibs_dev *ds_c2_devs[DS_C2_MAX];
static unsigned int ds_c2_n;
static atomic_t ds_c2_cycles, ds_c2_bad;

static void ds_c2_bad_msg(const char *what, struct dibs_dev *dev)
{
	if (atomic_inc_return(&ds_c2_bad) <= 5)
		ktap_err("client churn: %s %s", what,
			 dev ? dev_name(&dev->dev) : "");
}

static int ds_c2_find(struct dibs_dev *dev)
{
	unsigned int i;

	for (i = 0; i < ds_c2_n; i++)
		if (ds_c2_devs[i] == dev)
			return i;
	return -1;
}

static void ds_c2_add_dev(struct dibs_dev *dev)
{
	const char *err = NULL;

	spin_lock(&ds_c2_lock);
	if (ds_c2_find(dev) >= 0)
		err = "add_dev() twice for";
	else if (ds_c2_n == DS_C2_MAX)
		err = "too many devices at";
	else
		ds_c2_devs[ds_c2_n++] = dev;
	spin_unlock(&ds_c2_lock);
	if (err)
		ds_c2_bad_msg(err, dev);
}

static void ds_c2_del_dev(struct dibs_dev *dev)
{
	int i;

	spin_lock(&ds_c2_lock);
	i = ds_c2_find(dev);
	if (i >= 0)
		ds_c2_devs[i] = ds_c2_devs[--ds_c2_n];
	spin_unlock(&ds_c2_lock);
	if (i < 0)
		ds_c2_bad_msg("del_dev() without add_dev() for", dev);
}

static void ds_c2_handle_irq(struct dibs_dev *dev, unsigned int idx,
			     u16 mask)
{
	ds_c2_bad_msg("handle_irq() without a DMB on", dev);
}

static const struct dibs_client_ops ds_c2_ops = {
	.add_dev = ds_c2_add_dev,
	.del_dev = ds_c2_del_dev,
	.handle_irq = ds_c2_handle_irq,
	.handle_event = ds_handle_event,
};

static struct dibs_client ds_c2 = {
	.name = "dibs_stress_c2",
	.ops = &ds_c2_ops,
};

static int ds_client_churn_fn(void *arg)
{
	unsigned int left;
	int rc;

	while (!kthread_should_stop()) {
		rc = dibs_register_client(&ds_c2);
		if (rc) {
			if (atomic_inc_return(&ds_c2_bad) <= 5)
				ktap_err("client churn: register: %d", rc);
			schedule_timeout_interruptible(HZ / 10);
			continue;
		}
		schedule_timeout_interruptible(msecs_to_jiffies(get_random_u32() % 20));
		rc = dibs_unregister_client(&ds_c2);
		if (rc) {
			/* cannot go on without our client back */
			if (atomic_inc_return(&ds_c2_bad) <= 5)
				ktap_err("client churn: unregister: %d", rc);
			__module_get(THIS_MODULE);
			break;
		}
		spin_lock(&ds_c2_lock);
		left = ds_c2_n;
		ds_c2_n = 0;
		spin_unlock(&ds_c2_lock);
		if (left)
			ds_c2_bad_msg("devices without del_dev() after unregister:",
				      NULL);
		atomic_inc(&ds_c2_cycles);
	}
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ / 10);
	return 0;
}

static struct dibs_dev *ds_find(const char *name)
{
	struct dibs_dev *dev = NULL;
	int i;

	mutex_lock(&ds_lock);
	for (i = 0; i < ARRAY_SIZE(ds_devs); i++) {
		if (ds_devs[i] && !strcmp(dev_name(&ds_devs[i]->dev), name)) {
			dev = ds_devs[i];
			break;
		}
	}
	mutex_unlock(&ds_lock);
	return dev;
}

static int ds_register(struct dibs_dev *dev, struct ds_slot *s)
{
	int rc;

	memset(&s->dmb, 0, sizeof(s->dmb));
	s->dmb.dmb_len = DS_DMB_LEN;
	uuid_copy(&s->dmb.rgid, &ds_wr->gid);
	rc = dev->ops->register_dmb(dev, &s->dmb, &ds_client);
	if (!rc)
		WRITE_ONCE(s->tok, s->dmb.dmb_tok);
	return rc;
}

static int ds_writer_fn(void *arg)
{
	u8 *buf;
	u32 r, size, off;
	struct ds_slot *s;
	unsigned int n = 0;
	bool vol, oob, wrong;
	u64 tok;
	int rc;

	buf = kmalloc(DS_DMB_LEN, GFP_KERNEL);
	if (buf)
		memset(buf, 0xa5, DS_DMB_LEN);
	while (!kthread_should_stop()) {
		if (!buf) {
			schedule_timeout_interruptible(HZ);
			continue;
		}
		r = get_random_u32();
		vol = !(r & 3);
		oob = (r & 0x70) == 0x70;
		wrong = (r & 0x780) == 0x780;
		s = vol ? &ds_vslots[(r >> 12) % DS_VSLOTS] :
			  &ds_slots[(r >> 12) % slots];
		tok = READ_ONCE(s->tok);
		if (!tok)
			goto next;
		size = 1 + get_random_u32() % 2048;
		off = get_random_u32() % (DS_DMB_LEN - size + 1);
		if (oob)
			off = DS_DMB_LEN - size + 1 + (r >> 24);
		if (wrong)
			rc = ds_own->ops->move_data(ds_own, tok, r & 15, r & 8,
						    off, buf, size);
		else
			rc = ds_wr->ops->move_data(ds_wr, tok, r & 15, r & 8,
						   off, buf, size);
		if (!rc) {
			if (oob || wrong)
				ds_bad_rc("bad write succeeded", rc);
			atomic_inc(&ds_ok);
			if (vol)
				atomic_inc(&ds_vol_ok);
		} else if (rc == -EINVAL) {
			if (oob)
				atomic_inc(&ds_rejected);
			else
				atomic_inc(&ds_stale);
		} else if (rc == -EACCES && wrong) {
			atomic_inc(&ds_rejected);
		} else {
			ds_bad_rc("move_data", rc);
		}
next:
		if (!(++n & 31))
			cond_resched();
	}
	kfree(buf);
	return 0;
}

/*
 * Attach dstr1 to random DMBs, write and read through the alias while the
 * churn and remover threads unregister them, then detach: the memory must
 * stay valid until the detach, and the detach must succeed.
 */
static int ds_attacher_fn(void *arg)
{
	struct dibs_dmb att;
	struct ds_slot *s;
	unsigned int n = 0;
	u32 r;
	u64 tok;
	u8 *p;
	int rc;

	while (!kthread_should_stop()) {
		r = get_random_u32();
		s = (r & 1) ? &ds_vslots[(r >> 8) % DS_VSLOTS] :
			      &ds_slots[(r >> 8) % slots];
		tok = READ_ONCE(s->tok);
		if (!tok)
			goto next;
		memset(&att, 0, sizeof(att));
		att.dmb_tok = tok;
		rc = ds_wr->ops->attach_dmb(ds_wr, &att);
		if (rc == -EINVAL) {
			atomic_inc(&ds_att_stale);
			goto next;
		}
		if (rc || !att.cpu_addr || att.dmb_len != DS_DMB_LEN) {
			ds_bad_att("attach_dmb", rc);
			goto next;
		}
		p = att.cpu_addr;
		p[r % DS_DMB_LEN] = r;
		schedule_timeout_uninterruptible(1);
		if (p[r % DS_DMB_LEN] != (u8)r && !ds_wrote(p, r))
			atomic_inc(&ds_att_overwritten);
		rc = ds_wr->ops->detach_dmb(ds_wr, tok);
		if (rc)
			ds_bad_att("detach_dmb", rc);
		else
			atomic_inc(&ds_att_ok);
next:
		if (!(++n & 7))
			cond_resched();
	}
	return 0;
}

/* Only this thread changes ds_slots[] while the traffic runs. */
static int ds_churn_fn(void *arg)
{
	unsigned int i = 0;
	int rc;

	while (!kthread_should_stop()) {
		struct ds_slot *s = &ds_slots[i];

		if (s->tok) {
			WRITE_ONCE(s->tok, 0);
			rc = ds_own->ops->unregister_dmb(ds_own, &s->dmb);
			if (rc && atomic_inc_return(&ds_churn_bad) <= 5)
				ktap_err("churn unregister: %d", rc);
		}
		rc = ds_register(ds_own, s);
		if (rc == -ENOMEM) {
			atomic_inc(&ds_nomem);
		} else if (rc) {
			if (atomic_inc_return(&ds_churn_bad) <= 5)
				ktap_err("churn register: %d", rc);
		} else {
			atomic_inc(&ds_churn);
		}
		i = (i + 1) % slots;
		cond_resched();
	}
	return 0;
}

static int ds_remover_fn(void *arg)
{
	struct dibs_dev *dev;
	int i, rc;

	while (!kthread_should_stop()) {
		rc = dibs_kind_dev_new("lo", "dstr2", NULL, 0, NULL);
		if (rc) {
			if (atomic_inc_return(&ds_cycle_bad) <= 5)
				ktap_err("create dstr2: %d", rc);
			schedule_timeout_interruptible(HZ / 10);
			continue;
		}
		dev = ds_find("dstr2");
		mutex_lock(&ds_lock);
		ds_vol = dev;
		for (i = 0; dev && i < DS_VSLOTS; i++) {
			rc = ds_register(dev, &ds_vslots[i]);
			if (rc && rc != -ENOMEM &&
			    atomic_inc_return(&ds_cycle_bad) <= 5)
				ktap_err("register on dstr2: %d", rc);
		}
		mutex_unlock(&ds_lock);
		if (!dev)
			atomic_inc(&ds_cycle_bad);
		schedule_timeout_interruptible(msecs_to_jiffies(20 +
						get_random_u32() % 80));
		/* del_dev() unregisters the DMBs while the writers write */
		rc = dibs_kind_dev_del("dstr2", NULL);
		if (rc) {
			if (atomic_inc_return(&ds_cycle_bad) <= 5)
				ktap_err("delete dstr2: %d", rc);
			schedule_timeout_interruptible(HZ / 10);
			continue;
		}
		atomic_inc(&ds_cycles);
	}
	return 0;
}

static int __init dibs_stress_init(void)
{
	struct task_struct *wr[DS_MAX_WRITERS] = {}, *churn = NULL;
	struct task_struct *remover = NULL, *attacher = NULL, *cchurn = NULL;
	bool own = false, wrd = false, reg = false;
	unsigned int i, nw = 0;
	unsigned long end;
	int rc, setup = 0, clean = 0;
	struct ktap kt;

	if (duration < 1 || duration > 3600 || writers < 1 ||
	    writers > DS_MAX_WRITERS || slots < 1 || slots > 1024) {
		pr_err("bad parameters\n");
		return -EINVAL;
	}
	ds_slots = kcalloc(slots, sizeof(*ds_slots), GFP_KERNEL);
	if (!ds_slots)
		return -ENOMEM;

	ktap_begin(&kt, run_id, 7);

	rc = dibs_register_client(&ds_client);
	if (rc) {
		ktap_err("register client: %d", rc);
		setup++;
		goto report;
	}
	reg = true;
	rc = dibs_kind_dev_new("lo", "dstr0", NULL, 0, NULL);
	own = !rc;
	if (!rc)
		rc = dibs_kind_dev_new("lo", "dstr1", NULL, 0, NULL);
	wrd = own && !rc;
	ds_own = ds_find("dstr0");
	ds_wr = ds_find("dstr1");
	if (rc || !ds_own || !ds_wr) {
		ktap_err("create dstr0/dstr1: %d", rc);
		setup++;
		goto report;
	}
	for (i = 0; i < slots; i++) {
		rc = ds_register(ds_own, &ds_slots[i]);
		if (rc) {
			ktap_err("register DMB %u: %d", i, rc);
			setup++;
			goto report;
		}
	}

	for (nw = 0; nw < writers; nw++) {
		wr[nw] = kthread_run(ds_writer_fn, NULL, "dibs_stress_w%u", nw);
		if (IS_ERR(wr[nw])) {
			ktap_err("writer thread: %ld", PTR_ERR(wr[nw]));
			setup++;
			goto stop;
		}
	}
	churn = kthread_run(ds_churn_fn, NULL, "dibs_stress_churn");
	if (IS_ERR(churn)) {
		ktap_err("churn thread: %ld", PTR_ERR(churn));
		churn = NULL;
		setup++;
		goto stop;
	}
	if (ds_wr->ops->support_mmapped_rdmb &&
	    ds_wr->ops->support_mmapped_rdmb(ds_wr)) {
		attacher = kthread_run(ds_attacher_fn, NULL, "dibs_stress_att");
		if (IS_ERR(attacher)) {
			ktap_err("attacher thread: %ld", PTR_ERR(attacher));
			attacher = NULL;
			setup++;
			goto stop;
		}
	}
	cchurn = kthread_run(ds_client_churn_fn, NULL, "dibs_stress_cl");
	if (IS_ERR(cchurn)) {
		ktap_err("client churn thread: %ld", PTR_ERR(cchurn));
		cchurn = NULL;
		setup++;
		goto stop;
	}
	remover = kthread_run(ds_remover_fn, NULL, "dibs_stress_rm");
	if (IS_ERR(remover)) {
		ktap_err("remover thread: %ld", PTR_ERR(remover));
		remover = NULL;
		setup++;
		goto stop;
	}

	end = jiffies + duration * HZ;
	while (time_before(jiffies, end))
		schedule_timeout_interruptible(HZ / 4);
stop:
	if (remover)
		kthread_stop(remover);
	if (attacher)
		kthread_stop(attacher);
	if (cchurn)
		kthread_stop(cchurn);
	if (churn)
		kthread_stop(churn);
	for (i = 0; i < nw; i++)
		kthread_stop(wr[i]);
report:
	/* tear down: whatever is left of the DMBs, the devices, the client */
	for (i = 0; ds_own && i < slots; i++) {
		if (!ds_slots[i].tok)
			continue;
		ds_slots[i].tok = 0;
		rc = ds_own->ops->unregister_dmb(ds_own, &ds_slots[i].dmb);
		if (rc) {
			ktap_err("cleanup unregister: %d", rc);
			clean++;
		}
	}
	if (own && dibs_kind_dev_del("dstr0", NULL))
		clean++;
	if (wrd && dibs_kind_dev_del("dstr1", NULL))
		clean++;
	if (ds_vol) {
		ktap_err("dstr2 still exists");
		clean++;
		if (dibs_kind_dev_del("dstr2", NULL))
			clean++;
	}
	if (reg) {
		rc = dibs_unregister_client(&ds_client);
		if (rc) {
			/* cannot unload safely now; keep our ops alive */
			ktap_err("unregister client: %d", rc);
			__module_get(THIS_MODULE);
			clean++;
		}
	}
	kfree(ds_slots);
	ds_slots = NULL;

	ktap_result(&kt, !setup, "setup");
	ktap_diag("writes: %d ok (%d into dstr2), %d stale token, %d rejected as expected, %d unexpected, %d signals",
		  atomic_read(&ds_ok), atomic_read(&ds_vol_ok),
		  atomic_read(&ds_stale), atomic_read(&ds_rejected),
		  atomic_read(&ds_bad), atomic_read(&ds_irqs));
	ktap_result(&kt, !setup && atomic_read(&ds_ok) > 0 &&
		    !atomic_read(&ds_bad) && atomic_read(&ds_rejected) > 0 &&
		    atomic_read(&ds_irqs) > 0 && !atomic_read(&ds_bad_mask),
		    "move_data_under_churn");
	ktap_diag("churn: %d re-registrations, %d failed, %d -ENOMEM",
		  atomic_read(&ds_churn), atomic_read(&ds_churn_bad),
		  atomic_read(&ds_nomem));
	ktap_result(&kt, !setup && atomic_read(&ds_churn) > 0 &&
		    !atomic_read(&ds_churn_bad), "unregister_register_churn");
	ktap_diag("device removal: %d cycles, %d failures",
		  atomic_read(&ds_cycles), atomic_read(&ds_cycle_bad));
	ktap_result(&kt, !setup && atomic_read(&ds_cycles) > 0 &&
		    !atomic_read(&ds_cycle_bad) && atomic_read(&ds_vol_ok) > 0,
		    "device_removal_under_traffic");
	ktap_diag("attach: %d attach+detach, %d stale token, %d failures, %d bytes changed by others",
		  atomic_read(&ds_att_ok), atomic_read(&ds_att_stale),
		  atomic_read(&ds_att_bad), atomic_read(&ds_att_overwritten));
	if (!attacher && !setup)
		ktap_skip(&kt, "no attach_dmb", "attach_detach_under_churn");
	else
		ktap_result(&kt, !setup && atomic_read(&ds_att_ok) > 0 &&
			    !atomic_read(&ds_att_bad) &&
			    !atomic_read(&ds_att_overwritten),
			    "attach_detach_under_churn");
	ktap_diag("client churn: %d register+unregister cycles, %d failures",
		  atomic_read(&ds_c2_cycles), atomic_read(&ds_c2_bad));
	ktap_result(&kt, !setup && atomic_read(&ds_c2_cycles) > 0 &&
		    !atomic_read(&ds_c2_bad),
		    "client_churn_under_device_removal");
	ktap_result(&kt, !clean, "cleanup");
	ktap_end(&kt);
	return 0;
}

static void __exit dibs_stress_exit(void)
{
}

module_init(dibs_stress_init);
module_exit(dibs_stress_exit);
MODULE_DESCRIPTION("dibs stress test (move_data under DMB churn and device removal)");
MODULE_LICENSE("GPL");
