// SPDX-License-Identifier: GPL-2.0
/*
 * ivs_test.ko: a dibs client that a shell script drives through debugfs,
 * for the tests across guests (selftests/ivshmem).  Write one command to
 * /sys/kernel/debug/ivs_test/ctl, read its answer from the same file:
 *
 *   reg DEV RGID LEN          register a DMB on DEV for writer RGID
 *                             -> "TOKEN IDX" (hex token)
 *   unreg TOKEN               unregister one of ours -> "0" or -errno
 *   move DEV TOKEN OFF SIZE BYTE SF IDX
 *                             move_data() of SIZE bytes of value BYTE
 *                             -> "0" or -errno
 *   peek TOKEN OFF            a byte of one of our DMBs -> "BYTE" (decimal)
 *   pages TOKEN               does every page of one of our DMBs have a
 *                             struct page (virt_addr_valid(), and
 *                             page_address(virt_to_page()) gives the
 *                             address back, and it lies in one compound
 *                             page, as smc's splice() needs)?
 *                             -> "yes" or "no"
 *   stat                      "irqs N idx I mask M events E type T sub S gid G"
 *   query DEV GID             query_remote_gid() -> "0" or -errno
 *   bench DEV TOKEN OWN SIZE ITER
 *                             ITER move_data() of SIZE bytes into TOKEN vs
 *                             ITER memcpy() into our DMB OWN
 *                             -> "move_ns N memcpy_ns M"
 *
 * Test-only: built with DIBS_TESTS=1, never packaged.
 */

#include <linux/debugfs.h>
#include <linux/dibs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#define IVT_DEVS	8
#define IVT_DMBS	16

static DEFINE_MUTEX(ivt_mutex);
static struct dibs_dev *ivt_devs[IVT_DEVS];
static struct {
	struct dibs_dev *dev;
	struct dibs_dmb dmb;
} ivt_dmbs[IVT_DMBS];
static char ivt_answer[256];
static struct dentry *ivt_dir;

static DEFINE_SPINLOCK(ivt_lock);
static unsigned long ivt_irqs, ivt_events;
static unsigned int ivt_irq_idx;
static u16 ivt_irq_mask;
static u32 ivt_ev_type, ivt_ev_sub;
static uuid_t ivt_ev_gid;

static struct dibs_client ivt_client;

static void ivt_add_dev(struct dibs_dev *dev)
{
	int i;

	mutex_lock(&ivt_mutex);
	for (i = 0; i < IVT_DEVS; i++)
		if (!ivt_devs[i]) {
			ivt_devs[i] = dev;
			break;
		}
	mutex_unlock(&ivt_mutex);
}

static void ivt_del_dev(struct dibs_dev *dev)
{
	int i;

	mutex_lock(&ivt_mutex);
	for (i = 0; i < IVT_DMBS; i++)
		if (ivt_dmbs[i].dev == dev) {
			dev->ops->unregister_dmb(dev, &ivt_dmbs[i].dmb);
			ivt_dmbs[i].dev = NULL;
		}
	for (i = 0; i < IVT_DEVS; i++)
		if (ivt_devs[i] == dev)
			ivt_devs[i] = NULL;
	mutex_unlock(&ivt_mutex);
}

static void ivt_handle_irq(struct dibs_dev *dev, unsigned int idx,
			   u16 dmbemask)
{
	unsigned long flags;

	spin_lock_irqsave(&ivt_lock, flags);
	ivt_irqs++;
	ivt_irq_idx = idx;
	ivt_irq_mask = dmbemask;
	spin_unlock_irqrestore(&ivt_lock, flags);
}

static void ivt_handle_event(struct dibs_dev *dev,
			     const struct dibs_event *ev)
{
	unsigned long flags;

	spin_lock_irqsave(&ivt_lock, flags);
	ivt_events++;
	ivt_ev_type = ev->type;
	ivt_ev_sub = ev->subtype;
	ivt_ev_gid = ev->gid;
	spin_unlock_irqrestore(&ivt_lock, flags);
}

static const struct dibs_client_ops ivt_ops = {
	.add_dev = ivt_add_dev,
	.del_dev = ivt_del_dev,
	.handle_irq = ivt_handle_irq,
	.handle_event = ivt_handle_event,
};

static struct dibs_client ivt_client = {
	.name = "ivs_test",
	.ops = &ivt_ops,
};

/* ivt_mutex held */
static struct dibs_dev *ivt_find(const char *name)
{
	int i;

	for (i = 0; i < IVT_DEVS; i++)
		if (ivt_devs[i] && !strcmp(dev_name(&ivt_devs[i]->dev), name))
			return ivt_devs[i];
	return NULL;
}

/* ivt_mutex held */
static int ivt_slot(u64 tok)
{
	int i;

	for (i = 0; i < IVT_DMBS; i++)
		if (ivt_dmbs[i].dev && ivt_dmbs[i].dmb.dmb_tok == tok)
			return i;
	return -1;
}

static bool ivt_has_pages(struct dibs_dmb *dmb)
{
	u8 *p = dmb->cpu_addr;
	u32 off;

	for (off = 0; off < dmb->dmb_len; off += PAGE_SIZE) {
		u8 *a = p + off;

		if (!virt_addr_valid(a) ||
		    page_address(virt_to_page(a)) != (void *)((unsigned long)a & PAGE_MASK))
			return false;
	}
	/* smc's splice() passes the first page with offsets up to dmb_len */
	return compound_head(virt_to_page(p)) ==
	       compound_head(virt_to_page(p + dmb->dmb_len - 1));
}

static int ivt_cmd_reg(char *dev, char *rgid, unsigned int len)
{
	struct dibs_dev *d = ivt_find(dev);
	int i, rc;

	if (!d)
		return -ENODEV;
	for (i = 0; i < IVT_DMBS && ivt_dmbs[i].dev; i++)
		;
	if (i == IVT_DMBS)
		return -ENOSPC;
	memset(&ivt_dmbs[i].dmb, 0, sizeof(ivt_dmbs[i].dmb));
	if (uuid_parse(rgid, &ivt_dmbs[i].dmb.rgid))
		return -EINVAL;
	ivt_dmbs[i].dmb.dmb_len = len;
	rc = d->ops->register_dmb(d, &ivt_dmbs[i].dmb, &ivt_client);
	if (rc)
		return rc;
	ivt_dmbs[i].dev = d;
	snprintf(ivt_answer, sizeof(ivt_answer), "%llx %u\n",
		 ivt_dmbs[i].dmb.dmb_tok, ivt_dmbs[i].dmb.idx);
	return 1;
}

static int ivt_cmd_move(char *dev, u64 tok, unsigned int off,
			unsigned int size, unsigned int byte, unsigned int sf,
			unsigned int idx)
{
	struct dibs_dev *d = ivt_find(dev);
	void *buf;
	int rc;

	if (!d)
		return -ENODEV;
	buf = kvmalloc(size ?: 1, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	memset(buf, byte, size);
	rc = d->ops->move_data(d, tok, idx, sf, off, buf, size);
	kvfree(buf);
	return rc;
}

/*
 * ITER move_data() calls of SIZE bytes into the remote DMB TOKEN against
 * ITER memcpy() calls of SIZE bytes into our own DMB OWN (which is BAR2
 * memory too) -> "move_ns N memcpy_ns M" (per call).
 */
static int ivt_cmd_bench(char *dev, u64 tok, u64 own, unsigned int size,
			 unsigned int iter)
{
	struct dibs_dev *d = ivt_find(dev);
	u64 t0, t1, t2;
	unsigned int n;
	void *buf;
	int i, rc = 0;

	i = ivt_slot(own);
	if (!d || i < 0 || !iter || !size || size > ivt_dmbs[i].dmb.dmb_len)
		return -EINVAL;
	buf = kvmalloc(size, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	memset(buf, 0x5a, size);
	t0 = ktime_get_ns();
	for (n = 0; n < iter && !rc; n++) {
		rc = d->ops->move_data(d, tok, 0, false, 0, buf, size);
		cond_resched();
	}
	t1 = ktime_get_ns();
	for (n = 0; n < iter; n++) {
		memcpy(ivt_dmbs[i].dmb.cpu_addr, buf, size);
		cond_resched();
	}
	t2 = ktime_get_ns();
	kvfree(buf);
	if (rc)
		return rc;
	snprintf(ivt_answer, sizeof(ivt_answer), "move_ns %llu memcpy_ns %llu\n",
		 (t1 - t0) / iter, (t2 - t1) / iter);
	return 1;
}

static int ivt_exec(char *cmd)
{
	char dev[32], arg[64];
	unsigned int a, b, c, e, f;
	unsigned long flags;
	u64 tok, tok2;
	int i;

	if (sscanf(cmd, "reg %31s %63s %u", dev, arg, &a) == 3)
		return ivt_cmd_reg(dev, arg, a);
	if (sscanf(cmd, "unreg %llx", &tok) == 1) {
		i = ivt_slot(tok);
		if (i < 0)
			return -ENOENT;
		a = ivt_dmbs[i].dev->ops->unregister_dmb(ivt_dmbs[i].dev,
							  &ivt_dmbs[i].dmb);
		if (!a)
			ivt_dmbs[i].dev = NULL;
		return (int)a;
	}
	if (sscanf(cmd, "move %31s %llx %u %u %u %u %u", dev, &tok, &a, &b,
		   &c, &e, &f) == 7)
		return ivt_cmd_move(dev, tok, a, b, c, e, f);
	if (sscanf(cmd, "peek %llx %u", &tok, &a) == 2) {
		i = ivt_slot(tok);
		if (i < 0)
			return -ENOENT;
		if (a >= ivt_dmbs[i].dmb.dmb_len)
			return -EINVAL;
		snprintf(ivt_answer, sizeof(ivt_answer), "%u\n",
			 ((u8 *)ivt_dmbs[i].dmb.cpu_addr)[a]);
		return 1;
	}
	if (sscanf(cmd, "pages %llx", &tok) == 1) {
		i = ivt_slot(tok);
		if (i < 0)
			return -ENOENT;
		snprintf(ivt_answer, sizeof(ivt_answer), "%s\n",
			 ivt_has_pages(&ivt_dmbs[i].dmb) ? "yes" : "no");
		return 1;
	}
	if (sscanf(cmd, "query %31s %63s", dev, arg) == 2) {
		struct dibs_dev *d = ivt_find(dev);
		uuid_t g;

		if (!d)
			return -ENODEV;
		if (uuid_parse(arg, &g))
			return -EINVAL;
		return d->ops->query_remote_gid(d, &g, 0, 0);
	}
	if (sscanf(cmd, "bench %31s %llx %llx %u %u", dev, &tok, &tok2, &a,
		   &b) == 5)
		return ivt_cmd_bench(dev, tok, tok2, a, b);
	if (!strncmp(cmd, "stat", 4)) {
		spin_lock_irqsave(&ivt_lock, flags);
		snprintf(ivt_answer, sizeof(ivt_answer),
			 "irqs %lu idx %u mask 0x%04x events %lu type %u sub %u gid %pU\n",
			 ivt_irqs, ivt_irq_idx, ivt_irq_mask, ivt_events,
			 ivt_ev_type, ivt_ev_sub, &ivt_ev_gid);
		spin_unlock_irqrestore(&ivt_lock, flags);
		return 1;
	}
	return -EINVAL;
}

static ssize_t ivt_write(struct file *file, const char __user *ubuf,
			 size_t count, loff_t *ppos)
{
	char cmd[160];
	int rc;

	if (count >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, ubuf, count))
		return -EFAULT;
	cmd[count] = 0;
	mutex_lock(&ivt_mutex);
	rc = ivt_exec(cmd);
	if (rc != 1)
		snprintf(ivt_answer, sizeof(ivt_answer), "%d\n", rc);
	mutex_unlock(&ivt_mutex);
	return count;
}

static ssize_t ivt_read(struct file *file, char __user *ubuf, size_t count,
			loff_t *ppos)
{
	char ans[sizeof(ivt_answer)];

	mutex_lock(&ivt_mutex);
	memcpy(ans, ivt_answer, sizeof(ans));
	mutex_unlock(&ivt_mutex);
	return simple_read_from_buffer(ubuf, count, ppos, ans, strlen(ans));
}

static const struct file_operations ivt_fops = {
	.owner = THIS_MODULE,
	.write = ivt_write,
	.read = ivt_read,
	.llseek = default_llseek,
};

static int __init ivt_init(void)
{
	int rc;

	rc = dibs_register_client(&ivt_client);
	if (rc)
		return rc;
	ivt_dir = debugfs_create_dir("ivs_test", NULL);
	debugfs_create_file("ctl", 0600, ivt_dir, NULL, &ivt_fops);
	return 0;
}

static void __exit ivt_exit(void)
{
	int i;

	debugfs_remove_recursive(ivt_dir);
	mutex_lock(&ivt_mutex);
	for (i = 0; i < IVT_DMBS; i++)
		if (ivt_dmbs[i].dev) {
			ivt_dmbs[i].dev->ops->unregister_dmb(ivt_dmbs[i].dev,
							     &ivt_dmbs[i].dmb);
			ivt_dmbs[i].dev = NULL;
		}
	mutex_unlock(&ivt_mutex);
	dibs_unregister_client(&ivt_client);
}

module_init(ivt_init);
module_exit(ivt_exit);

MODULE_DESCRIPTION("dibs test client driven through debugfs (selftests/ivshmem)");
MODULE_LICENSE("GPL");
