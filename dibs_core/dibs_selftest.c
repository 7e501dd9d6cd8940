// SPDX-License-Identifier: GPL-2.0
/*
 * dibs_selftest.c - the self-check behind the netlink op "selftest"
 *
 * The core registers a private client "selftest" for the duration of a run
 * and exercises one device the way a client does: it registers a DMB on the
 * device for the device itself as the writer, writes patterns into it with
 * move_data() at several offsets up to the last byte, checks that writes
 * beyond the end are refused, that a signal arrives with the DMB's index and
 * the writer's mask, attaches and detaches where the device can, and that
 * everything returns to where it was.  It touches only its own DMB.
 *
 * Runs are serialised by dibs_st_mutex: one private client at a time.  If
 * the device is removed during a run, the client's del_dev() waits for the
 * running checks (which hold st->lock), then unregisters the DMB itself.
 */

#include <linux/completion.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "dibs_core.h"
#include "dibs_selftest.h"

#define DIBS_ST_DMB_LEN		8192
#define DIBS_ST_SIGNAL_IDX	7	/* writer index of the signal check */
#define DIBS_ST_TIMEOUT_MS	2000

struct dibs_st {
	struct dibs_dev *dev;
	const struct dibs_selftest_report *report;
	char msg[160];

	/* protects the fields below against del_dev() */
	struct mutex lock;
	bool added;		/* add_dev() saw dev */
	bool gone;		/* del_dev() ran for dev */
	bool registered;	/* dmb is registered */
	struct dibs_dmb dmb;

	/* what handle_irq() saw */
	spinlock_t irq_lock;
	unsigned int irq_count;
	unsigned int irq_idx;
	u16 irq_mask;
	struct completion irq_done;

	u8 *expect;		/* what the DMB should contain */

	/* what the device should have counted for the test */
	u64 n_moves, n_bytes, n_signals, n_errors;
};

static DEFINE_MUTEX(dibs_st_mutex);
/* the run in progress; set before the client registers, cleared after */
static struct dibs_st *dibs_st_cur;
/*
 * A device refused to unregister the test's DMB, so the client could not
 * unregister: it stays registered, with its state, and no run starts again.
 */
static bool dibs_st_stuck;

static void dibs_st_add_dev(struct dibs_dev *dev)
{
	struct dibs_st *st = dibs_st_cur;

	if (dev != st->dev)
		return;
	mutex_lock(&st->lock);
	st->added = true;
	mutex_unlock(&st->lock);
}

static void dibs_st_del_dev(struct dibs_dev *dev)
{
	struct dibs_st *st = dibs_st_cur;

	if (dev != st->dev)
		return;
	mutex_lock(&st->lock);
	if (st->registered) {
		dev->ops->unregister_dmb(dev, &st->dmb);
		st->registered = false;
	}
	st->gone = true;
	mutex_unlock(&st->lock);
}

static void dibs_st_handle_irq(struct dibs_dev *dev, unsigned int idx,
			       u16 dmbemask)
{
	struct dibs_st *st = dibs_st_cur;
	unsigned long flags;

	if (dev != st->dev)
		return;
	spin_lock_irqsave(&st->irq_lock, flags);
	st->irq_count++;
	st->irq_idx = idx;
	st->irq_mask |= dmbemask;
	spin_unlock_irqrestore(&st->irq_lock, flags);
	complete(&st->irq_done);
}

static void dibs_st_handle_event(struct dibs_dev *dev,
				 const struct dibs_event *event)
{
}

static const struct dibs_client_ops dibs_st_client_ops = {
	.add_dev = dibs_st_add_dev,
	.del_dev = dibs_st_del_dev,
	.handle_irq = dibs_st_handle_irq,
	.handle_event = dibs_st_handle_event,
};

static struct dibs_client dibs_st_client = {
	.name = "selftest",
	.ops = &dibs_st_client_ops,
};

static __printf(4, 5) void dibs_st_report(struct dibs_st *st, const char *name,
					  enum dibs_selftest_result result,
					  const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vscnprintf(st->msg, sizeof(st->msg), fmt, args);
	va_end(args);
	st->report->check(st->report->ctx, name, result, st->msg);
}

#define dibs_st_pass(st, name, ...) \
	dibs_st_report(st, name, DIBS_SELFTEST_RESULT_PASS, __VA_ARGS__)
#define dibs_st_fail(st, name, ...) \
	dibs_st_report(st, name, DIBS_SELFTEST_RESULT_FAIL, __VA_ARGS__)
#define dibs_st_skip(st, name, ...) \
	dibs_st_report(st, name, DIBS_SELFTEST_RESULT_SKIP, __VA_ARGS__)

/* dev->dmb_clientid_arr[idx], read under the device lock */
static u8 dibs_st_clientid(struct dibs_dev *dev, u32 idx)
{
	unsigned long flags;
	u8 id;

	spin_lock_irqsave(&dev->lock, flags);
	id = dev->dmb_clientid_arr[idx];
	spin_unlock_irqrestore(&dev->lock, flags);
	return id;
}

/* Does @dev still deliver callbacks to the test's client? */
static bool dibs_st_subscribed(struct dibs_st *st)
{
	unsigned long flags;
	bool ret;

	spin_lock_irqsave(&st->dev->lock, flags);
	ret = st->dev->subs[dibs_st_client.id] == &dibs_st_client;
	spin_unlock_irqrestore(&st->dev->lock, flags);
	return ret;
}

/* Does the DMB hold exactly what we wrote?  Names the first difference. */
static bool dibs_st_dmb_ok(struct dibs_st *st, unsigned int *bad)
{
	const u8 *mem = st->dmb.cpu_addr;
	unsigned int i;

	for (i = 0; i < DIBS_ST_DMB_LEN; i++) {
		if (mem[i] != st->expect[i]) {
			*bad = i;
			return false;
		}
	}
	return true;
}

static void dibs_st_pattern(u8 *buf, unsigned int offset, unsigned int size)
{
	unsigned int i;

	for (i = 0; i < size; i++)
		buf[i] = (u8)((offset + i) * 7 + 0x5a) | 1;	/* never 0 */
}

static void dibs_st_check_gid(struct dibs_st *st)
{
	struct dibs_dev *dev = st->dev;
	int rc;

	rc = dev->ops->query_remote_gid(dev, &dev->gid, 0, 0);
	if (rc)
		dibs_st_fail(st, "gid-reachable",
			     "query_remote_gid(own GID %pUb) returned %d",
			     &dev->gid, rc);
	else
		dibs_st_pass(st, "gid-reachable", "own GID %pUb is reachable",
			     &dev->gid);
}

/* Returns true if the DMB is registered and sane enough to go on. */
static bool dibs_st_check_register(struct dibs_st *st, int max_dmbs)
{
	struct dibs_dev *dev = st->dev;
	unsigned int bad;
	u8 id;
	int rc;

	memset(&st->dmb, 0, sizeof(st->dmb));
	st->dmb.dmb_len = DIBS_ST_DMB_LEN;
	uuid_copy(&st->dmb.rgid, &dev->gid);
	rc = dev->ops->register_dmb(dev, &st->dmb, &dibs_st_client);
	if (rc == -ENOSPC) {
		dibs_st_skip(st, "register-dmb",
			     "device is full (%d DMBs)", max_dmbs);
		return false;
	}
	if (rc) {
		dibs_st_fail(st, "register-dmb", "register_dmb() returned %d",
			     rc);
		return false;
	}
	st->registered = true;

	if (!st->dmb.cpu_addr || !st->dmb.dmb_tok) {
		dibs_st_fail(st, "register-dmb",
			     "no buffer address or a zero token");
		return false;
	}
	if (st->dmb.idx >= max_dmbs) {
		dibs_st_fail(st, "register-dmb", "index %u beyond max_dmbs %d",
			     st->dmb.idx, max_dmbs);
		return false;
	}
	id = dibs_st_clientid(dev, st->dmb.idx);
	if (id != dibs_st_client.id) {
		dibs_st_fail(st, "register-dmb",
			     "dmb_clientid_arr[%u] is %u, not the client id %u",
			     st->dmb.idx, id, dibs_st_client.id);
		return false;
	}
	if (!dibs_st_dmb_ok(st, &bad)) {
		dibs_st_fail(st, "register-dmb",
			     "new DMB not zeroed at offset %u", bad);
		return false;
	}
	dibs_st_pass(st, "register-dmb", "%u bytes at index %u",
		     st->dmb.dmb_len, st->dmb.idx);
	return true;
}

static void dibs_st_check_listed(struct dibs_st *st)
{
	struct dibs_dev *dev = st->dev;
	struct dibs_dmb_info info = {};
	u32 idx = st->dmb.idx;
	int rc;

	if (!dev->kind || !dev->kind->dmb_next) {
		dibs_st_skip(st, "dmb-listed", "the device cannot list DMBs");
		return;
	}
	rc = dev->kind->dmb_next(dev, &idx, &info);
	if (rc)
		dibs_st_fail(st, "dmb-listed", "dmb_next() returned %d", rc);
	else if (idx != st->dmb.idx || info.dmb_tok != st->dmb.dmb_tok ||
		 info.dmb_len != st->dmb.dmb_len ||
		 info.client_id != dibs_st_client.id ||
		 !uuid_equal(&info.rgid, &dev->gid) || info.attach_count)
		dibs_st_fail(st, "dmb-listed",
			     "listed index %u len %u client %u attached %u, not the DMB registered",
			     idx, info.dmb_len, info.client_id,
			     info.attach_count);
	else
		dibs_st_pass(st, "dmb-listed", "index %u", idx);
}

static int dibs_st_move(struct dibs_st *st, unsigned int offset,
			unsigned int size, u8 *buf)
{
	struct dibs_dev *dev = st->dev;
	int rc;

	dibs_st_pattern(buf, offset, size);
	rc = dev->ops->move_data(dev, st->dmb.dmb_tok, 0, false, offset, buf,
				 size);
	if (!rc) {
		memcpy(st->expect + offset, buf, size);
		st->n_moves++;
		st->n_bytes += size;
	}
	return rc;
}

static void dibs_st_check_move(struct dibs_st *st, u8 *buf)
{
	static const struct {
		unsigned int offset, size;
	} moves[] = {
		{ 0, 64 },				/* the start */
		{ 1000, 100 },				/* inside */
		{ 4090, 16 },				/* across a page */
		{ DIBS_ST_DMB_LEN - 300, 200 },		/* near the end */
	};
	unsigned int i, bad;
	int rc;

	for (i = 0; i < ARRAY_SIZE(moves); i++) {
		rc = dibs_st_move(st, moves[i].offset, moves[i].size, buf);
		if (rc) {
			dibs_st_fail(st, "move-data",
				     "%u bytes at offset %u: move_data() returned %d",
				     moves[i].size, moves[i].offset, rc);
			return;
		}
	}
	if (!dibs_st_dmb_ok(st, &bad))
		dibs_st_fail(st, "move-data",
			     "DMB content differs at offset %u", bad);
	else
		dibs_st_pass(st, "move-data", "%zu writes at 4 offsets",
			     ARRAY_SIZE(moves));

	rc = dibs_st_move(st, DIBS_ST_DMB_LEN - 1, 1, buf);
	if (rc)
		dibs_st_fail(st, "move-data-last-byte",
			     "move_data() at offset %u returned %d",
			     DIBS_ST_DMB_LEN - 1, rc);
	else if (!dibs_st_dmb_ok(st, &bad))
		dibs_st_fail(st, "move-data-last-byte",
			     "DMB content differs at offset %u", bad);
	else
		dibs_st_pass(st, "move-data-last-byte", "offset %u",
			     DIBS_ST_DMB_LEN - 1);
}

static void dibs_st_check_oob(struct dibs_st *st, u8 *buf)
{
	static const struct {
		unsigned int offset, size;
	} moves[] = {
		{ DIBS_ST_DMB_LEN - 1, 2 },	/* one byte too far */
		{ DIBS_ST_DMB_LEN, 1 },		/* just past the end */
		{ 0, DIBS_ST_DMB_LEN + 1 },	/* too long */
	};
	struct dibs_dev *dev = st->dev;
	unsigned int i, bad;
	int rc;

	for (i = 0; i < ARRAY_SIZE(moves); i++) {
		memset(buf, 0xee, moves[i].size);
		rc = dev->ops->move_data(dev, st->dmb.dmb_tok, 0, false,
					 moves[i].offset, buf, moves[i].size);
		if (rc) {
			st->n_errors++;
		} else {
			dibs_st_fail(st, "move-data-out-of-bounds",
				     "%u bytes at offset %u were accepted",
				     moves[i].size, moves[i].offset);
			return;
		}
	}
	if (!dibs_st_dmb_ok(st, &bad))
		dibs_st_fail(st, "move-data-out-of-bounds",
			     "a refused write changed offset %u", bad);
	else
		dibs_st_pass(st, "move-data-out-of-bounds",
			     "%zu writes refused, DMB unchanged",
			     ARRAY_SIZE(moves));
}

static void dibs_st_check_signal(struct dibs_st *st, u8 *buf)
{
	u16 want = dibs_signal_mask(DIBS_ST_SIGNAL_IDX);
	struct dibs_dev *dev = st->dev;
	unsigned int count, idx;
	unsigned long flags;
	u16 mask;
	int rc;

	spin_lock_irqsave(&st->irq_lock, flags);
	st->irq_count = 0;
	st->irq_mask = 0;
	spin_unlock_irqrestore(&st->irq_lock, flags);
	reinit_completion(&st->irq_done);

	if (!dibs_st_subscribed(st)) {
		dibs_st_skip(st, "signal", "the device is being removed");
		return;
	}
	dibs_st_pattern(buf, 16, 8);
	rc = dev->ops->move_data(dev, st->dmb.dmb_tok, DIBS_ST_SIGNAL_IDX, true,
				 16, buf, 8);
	if (rc) {
		dibs_st_fail(st, "signal", "move_data() with signal returned %d",
			     rc);
		return;
	}
	memcpy(st->expect + 16, buf, 8);
	st->n_moves++;
	st->n_bytes += 8;
	if (!wait_for_completion_timeout(&st->irq_done,
					 msecs_to_jiffies(DIBS_ST_TIMEOUT_MS))) {
		/* dibs_dev_del() stops callbacks before our del_dev() runs */
		if (!dibs_st_subscribed(st))
			dibs_st_skip(st, "signal",
				     "the device is being removed");
		else
			dibs_st_fail(st, "signal",
				     "no handle_irq() within %u ms",
				     DIBS_ST_TIMEOUT_MS);
		return;
	}

	spin_lock_irqsave(&st->irq_lock, flags);
	count = st->irq_count;
	idx = st->irq_idx;
	mask = st->irq_mask;
	spin_unlock_irqrestore(&st->irq_lock, flags);
	st->n_signals++;

	if (idx != st->dmb.idx || mask != want)
		dibs_st_fail(st, "signal",
			     "handle_irq(idx %u, mask 0x%04x), expected idx %u mask 0x%04x",
			     idx, mask, st->dmb.idx, want);
	else
		dibs_st_pass(st, "signal", "idx %u mask 0x%04x (%u call%s)",
			     idx, mask, count, count == 1 ? "" : "s");
}

static void dibs_st_check_attach(struct dibs_st *st)
{
	struct dibs_dev *dev = st->dev;
	struct dibs_dmb_info info = {};
	struct dibs_dmb adm = {};
	u32 idx = st->dmb.idx;
	unsigned int bad;
	u8 *alias;
	int rc;

	if (!dev->ops->support_mmapped_rdmb || !dev->ops->attach_dmb ||
	    !dev->ops->detach_dmb || !dev->ops->support_mmapped_rdmb(dev)) {
		dibs_st_skip(st, "attach-dmb", "the device cannot attach DMBs");
		return;
	}

	adm.dmb_tok = st->dmb.dmb_tok;
	rc = dev->ops->attach_dmb(dev, &adm);
	if (rc) {
		dibs_st_fail(st, "attach-dmb", "attach_dmb() returned %d", rc);
		return;
	}
	alias = adm.cpu_addr;
	if (!alias || adm.dmb_len != st->dmb.dmb_len) {
		dibs_st_fail(st, "attach-dmb",
			     "attachment has no address or length %u", adm.dmb_len);
		goto detach;
	}
	/* write through the alias, read through the owner's address */
	dibs_st_pattern(alias + 2048, 2048, 32);
	memcpy(st->expect + 2048, alias + 2048, 32);
	if (!dibs_st_dmb_ok(st, &bad)) {
		dibs_st_fail(st, "attach-dmb",
			     "a write through the attachment is not in the DMB (offset %u)",
			     bad);
		goto detach;
	}
	if (dev->kind && dev->kind->dmb_next &&
	    (dev->kind->dmb_next(dev, &idx, &info) ||
	     info.attach_count != 1)) {
		dibs_st_fail(st, "attach-dmb", "attach count is %u, not 1",
			     info.attach_count);
		goto detach;
	}
	dibs_st_pass(st, "attach-dmb", "zero copy alias works");

detach:
	rc = dev->ops->detach_dmb(dev, st->dmb.dmb_tok);
	if (rc)
		dibs_st_fail(st, "detach-dmb", "detach_dmb() returned %d", rc);
	else
		dibs_st_pass(st, "detach-dmb", "attachment dropped");
}

static void dibs_st_check_unregister(struct dibs_st *st)
{
	struct dibs_dev *dev = st->dev;
	u32 idx = st->dmb.idx;
	int rc;
	u8 id;

	rc = dev->ops->unregister_dmb(dev, &st->dmb);
	if (rc) {
		dibs_st_fail(st, "unregister-dmb",
			     "unregister_dmb() returned %d", rc);
		return;
	}
	st->registered = false;
	id = dibs_st_clientid(dev, idx);
	if (id != NO_DIBS_CLIENT)
		dibs_st_fail(st, "unregister-dmb",
			     "dmb_clientid_arr[%u] is still %u", idx, id);
	else
		dibs_st_pass(st, "unregister-dmb", "index %u is free", idx);
}

static void dibs_st_check_counters(struct dibs_st *st, unsigned int in_use,
				   const struct dibs_dev_stats_sum *before)
{
	struct dibs_dev *dev = st->dev;
	unsigned int now = dibs_dev_client_dmbs(dev, dibs_st_client.id);
	struct dibs_dev_stats_sum after;
	bool bad;

	/* Only the check's own: other clients may register DMBs meanwhile. */
	if (now != in_use)
		dibs_st_fail(st, "dmbs-in-use",
			     "the self-check holds %u DMBs after the test, %u before",
			     now, in_use);
	else
		dibs_st_pass(st, "dmbs-in-use",
			     "the self-check holds %u, the device %u", now,
			     dibs_dev_dmbs_in_use(dev));

	if (!dev->stats) {
		dibs_st_skip(st, "stats", "the device keeps no statistics");
		return;
	}
	dibs_dev_stats_read(dev, &after);
	/* other clients may count too: the test's own work is a minimum */
	bad = after.dmb_registered - before->dmb_registered < 1 ||
	      after.dmb_unregistered - before->dmb_unregistered < 1 ||
	      after.move_data - before->move_data < st->n_moves ||
	      after.bytes_moved - before->bytes_moved < st->n_bytes ||
	      after.signals - before->signals < st->n_signals ||
	      after.errors - before->errors < st->n_errors;
	dibs_st_report(st, "stats",
		       bad ? DIBS_SELFTEST_RESULT_FAIL : DIBS_SELFTEST_RESULT_PASS,
		       "counted +%llu/+%llu DMBs, +%llu moves, +%llu bytes, +%llu signals, +%llu errors",
		       after.dmb_registered - before->dmb_registered,
		       after.dmb_unregistered - before->dmb_unregistered,
		       after.move_data - before->move_data,
		       after.bytes_moved - before->bytes_moved,
		       after.signals - before->signals,
		       after.errors - before->errors);
}

/* All checks, with st->lock held; the DMB is gone afterwards. */
static void dibs_st_checks(struct dibs_st *st, u8 *buf)
{
	struct dibs_dev *dev = st->dev;
	struct dibs_dev_stats_sum before = {};
	unsigned int in_use;
	int max_dmbs;

	in_use = dibs_dev_client_dmbs(dev, dibs_st_client.id);
	if (dev->stats)
		dibs_dev_stats_read(dev, &before);
	max_dmbs = dev->ops->max_dmbs();

	dibs_st_check_gid(st);
	if (!dibs_st_check_register(st, max_dmbs)) {
		if (st->registered) {
			dev->ops->unregister_dmb(dev, &st->dmb);
			st->registered = false;
		}
		dibs_st_skip(st, "dmb-checks", "no usable DMB");
		return;
	}
	dibs_st_check_listed(st);
	dibs_st_check_move(st, buf);
	dibs_st_check_oob(st, buf);
	dibs_st_check_signal(st, buf);
	dibs_st_check_attach(st);
	dibs_st_check_unregister(st);
	if (st->registered) {
		/* unregister failed: the client cannot go without this */
		dibs_st_fail(st, "cleanup", "DMB %u left registered",
			     st->dmb.idx);
		return;
	}
	dibs_st_check_counters(st, in_use, &before);
}

/**
 * dibs_selftest_run() - run the self-check on a device
 * @dev: the device; the caller holds a reference
 * @report: receives one call per check
 * @extack: error message if the test cannot run at all
 *
 * Context: process context, may sleep.
 * Return: 0 if the checks ran, or a negative errno (see dibs_selftest.h).
 */
int dibs_selftest_run(struct dibs_dev *dev,
		      const struct dibs_selftest_report *report,
		      struct netlink_ext_ack *extack)
{
	struct dibs_st *st;
	u8 *buf;
	int rc;

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	buf = kmalloc(2 * DIBS_ST_DMB_LEN + 1, GFP_KERNEL);
	if (!st || !buf) {
		rc = -ENOMEM;
		goto out_free;
	}
	/* expect[] is the second half of buf; the first is the write buffer */
	st->expect = buf + DIBS_ST_DMB_LEN + 1;
	memset(st->expect, 0, DIBS_ST_DMB_LEN);
	st->dev = dev;
	st->report = report;
	mutex_init(&st->lock);
	spin_lock_init(&st->irq_lock);
	init_completion(&st->irq_done);

	if (mutex_lock_killable(&dibs_st_mutex)) {
		rc = -EINTR;
		goto out_free;
	}
	if (dibs_st_stuck) {
		NL_SET_ERR_MSG(extack,
			       "an earlier self-check could not clean up");
		rc = -EBUSY;
		goto out_unlock;
	}
	dibs_st_cur = st;
	rc = dibs_register_client(&dibs_st_client);
	if (rc) {
		NL_SET_ERR_MSG(extack,
			       "no free dibs client slot for the self-check");
		goto out_unlock;
	}

	mutex_lock(&st->lock);
	if (!st->added || st->gone) {
		NL_SET_ERR_MSG(extack, "the device went away");
		rc = -ENODEV;
	} else {
		dibs_st_checks(st, buf);
	}
	mutex_unlock(&st->lock);

	if (dibs_unregister_client(&dibs_st_client)) {
		/* only possible if the DMB is still registered */
		report->check(report->ctx, "unregister-client",
			      DIBS_SELFTEST_RESULT_FAIL,
			      "the self-check client still owns a DMB");
		pr_err("dibs: self-check on %s could not unregister its client\n",
		       dev_name(&dev->dev));
		dibs_st_stuck = true;
		mutex_unlock(&dibs_st_mutex);
		return rc;	/* st and buf stay with the client */
	}

out_unlock:
	dibs_st_cur = NULL;
	mutex_unlock(&dibs_st_mutex);
out_free:
	kfree(buf);
	kfree(st);
	return rc;
}
