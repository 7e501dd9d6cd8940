// SPDX-License-Identifier: GPL-2.0
/*
 * dibs_bench - micro-benchmark of dibs_lo, run by "make bench".
 *
 * At load time, on two dibs_lo fabric devices it creates (dbench0 owns the
 * DMBs, dbench1 writes):
 *  - move_data() throughput for 4 KiB, 64 KiB and 1 MiB writes into a 1 MiB
 *    DMB, against a plain memcpy() call (the kernel's, as dibs_lo uses) of
 *    the same sizes into the same buffer from the same source, in MB/s, and
 *    the ratio;
 *  - register_dmb() + unregister_dmb() pairs per second with 1 live DMB and
 *    with "live" live DMBs on the device, and the ratio.
 * Each side of a comparison runs for "rounds" x "ms" milliseconds, the two
 * sides alternating (20 ms slices for the copies, "ms" phases for the
 * registrations) so that a busy host slows both alike.  Results
 * are KTAP lines between "dibs_bench: ktap-begin run=ID" and
 * "dibs_bench: ktap-end run=ID" markers (see dibs_test.c); a case fails
 * only when an operation fails, never because of a clock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dibs.h>
#include <linux/err.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "ktap_kmod.h"

static unsigned int ms = 500;
module_param(ms, uint, 0444);
MODULE_PARM_DESC(ms, "milliseconds per round and side (20..10000, default 500)");

static unsigned int rounds = 3;
module_param(rounds, uint, 0444);
MODULE_PARM_DESC(rounds, "rounds per figure (1..20, default 3)");

static unsigned int live = 4000;
module_param(live, uint, 0444);
MODULE_PARM_DESC(live, "live DMBs for the second register rate (default 4000)");

static int run_id;
module_param(run_id, int, 0444);
MODULE_PARM_DESC(run_id, "tag of the KTAP markers in the kernel log");

#define DB_BUF_LEN	SZ_1M

static DEFINE_MUTEX(db_lock);
static struct dibs_dev *db_devs[8];

static void db_add_dev(struct dibs_dev *dev)
{
	int i;

	mutex_lock(&db_lock);
	for (i = 0; i < ARRAY_SIZE(db_devs); i++) {
		if (!db_devs[i]) {
			db_devs[i] = dev;
			break;
		}
	}
	mutex_unlock(&db_lock);
}

/* All our DMBs are unregistered before the devices are deleted. */
static void db_del_dev(struct dibs_dev *dev)
{
	int i;

	mutex_lock(&db_lock);
	for (i = 0; i < ARRAY_SIZE(db_devs); i++)
		if (db_devs[i] == dev)
			db_devs[i] = NULL;
	mutex_unlock(&db_lock);
}

static void db_handle_irq(struct dibs_dev *dev, unsigned int idx, u16 mask)
{
}

static void db_handle_event(struct dibs_dev *dev,
			    const struct dibs_event *event)
{
}

static const struct dibs_client_ops db_ops = {
	.add_dev = db_add_dev,
	.del_dev = db_del_dev,
	.handle_irq = db_handle_irq,
	.handle_event = db_handle_event,
};

static struct dibs_client db_client = {
	.name = "dibs_bench",
	.ops = &db_ops,
};

static struct dibs_dev *db_find(const char *name)
{
	struct dibs_dev *dev = NULL;
	int i;

	mutex_lock(&db_lock);
	for (i = 0; i < ARRAY_SIZE(db_devs); i++) {
		if (db_devs[i] && !strcmp(dev_name(&db_devs[i]->dev), name)) {
			dev = db_devs[i];
			break;
		}
	}
	mutex_unlock(&db_lock);
	return dev;
}

static struct dibs_dev *db_own, *db_wr;

/*
 * The kernel's out-of-line memcpy(), which is what dibs_lo's copy calls.
 * Called through a pointer so that the compiler cannot expand it inline
 * (it would use rep movsb, a different copy, very slow under TCG).
 */
static void *(*db_memcpy)(void *to, const void *from, size_t len);

static int db_register(struct dibs_dmb *dmb, u32 len)
{
	memset(dmb, 0, sizeof(*dmb));
	dmb->dmb_len = len;
	uuid_copy(&dmb->rgid, &db_wr->gid);
	return db_own->ops->register_dmb(db_own, dmb, &db_client);
}

#define DB_SLICE_NS	(20 * NSEC_PER_MSEC)

/* Totals of one side of a comparison. */
struct db_acc {
	u64 units;	/* bytes or operations */
	u64 ns;
};

/*
 * One slice: copy @size bytes at rolling offsets of the 1 MiB buffer, with
 * memcpy() or move_data(), for about DB_SLICE_NS.  The two sides of a
 * comparison run in alternating slices, so that a busy host (TCG guests
 * share the CPUs) slows both alike.
 */
static int db_copy_slice(struct dibs_dmb *dmb, const u8 *src, u32 size,
			 bool dibs, struct db_acc *acc)
{
	u64 start, now, bytes = 0;
	unsigned int off = 0;
	int rc;

	start = ktime_get_ns();
	do {
		if (dibs) {
			rc = db_wr->ops->move_data(db_wr, dmb->dmb_tok, 0,
						   false, off, (void *)(src + off),
						   size);
			if (rc)
				return rc;
		} else {
			READ_ONCE(db_memcpy)((u8 *)dmb->cpu_addr + off,
					     src + off, size);
		}
		bytes += size;
		off = (off + size) % DB_BUF_LEN;
		now = ktime_get_ns();
	} while (now - start < DB_SLICE_NS);
	acc->units += bytes;
	acc->ns += now - start;
	cond_resched();
	return 0;
}

/* Bytes per microsecond are MB/s. */
static u64 db_mbps(const struct db_acc *acc)
{
	return div64_u64(acc->units * NSEC_PER_USEC, max(acc->ns, 1ULL));
}

static u64 db_per_sec(const struct db_acc *acc)
{
	return div64_u64(acc->units * NSEC_PER_SEC, max(acc->ns, 1ULL));
}

#define DB_MAX_PAIRS	1024

static int db_cmp_u32(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

/*
 * MB/s of each side over all slices, and the median over the slice pairs of
 * move_data speed / memcpy speed: the median shrugs off the bursts in which
 * the host gave the guest less CPU during one slice than during the other.
 */
static int db_throughput(struct dibs_dmb *dmb, const u8 *src, u32 size)
{
	struct db_acc mem = {}, mv = {}, warm = {}, m1, v1;
	u64 slices = div64_u64((u64)ms * rounds * NSEC_PER_MSEC, DB_SLICE_NS);
	u64 i, mem_mbps, mv_mbps;
	u32 *ratio;
	int rc;

	slices = clamp_t(u64, slices, 1, DB_MAX_PAIRS);
	ratio = kcalloc(slices, sizeof(*ratio), GFP_KERNEL);
	if (!ratio)
		return -ENOMEM;
	/* warm up both paths (TCG translates code on first use) */
	rc = db_copy_slice(dmb, src, size, false, &warm) ?:
	     db_copy_slice(dmb, src, size, true, &warm);
	for (i = 0; !rc && i < slices; i++) {
		m1 = (struct db_acc){};
		v1 = (struct db_acc){};
		rc = db_copy_slice(dmb, src, size, false, &m1) ?:
		     db_copy_slice(dmb, src, size, true, &v1);
		mem.units += m1.units;
		mem.ns += m1.ns;
		mv.units += v1.units;
		mv.ns += v1.ns;
		/* permille */
		ratio[i] = div64_u64(db_mbps(&v1) * 1000,
				     max(db_mbps(&m1), 1ULL));
	}
	if (rc) {
		ktap_err("move_data of %u bytes: %d", size, rc);
		kfree(ratio);
		return rc;
	}
	sort(ratio, slices, sizeof(*ratio), db_cmp_u32, NULL);
	mem_mbps = db_mbps(&mem);
	mv_mbps = db_mbps(&mv);
	ktap_diag("%7u B writes: memcpy %llu MB/s, move_data %llu MB/s, ratio %u%% (median of %llu slice pairs; of the totals %llu%%)",
		  size, mem_mbps, mv_mbps, (ratio[slices / 2] + 5) / 10, slices,
		  div64_u64(mv_mbps * 100, max(mem_mbps, 1ULL)));
	kfree(ratio);
	return 0;
}

/* register_dmb() + unregister_dmb() pairs for about @ns nanoseconds. */
static int db_reg_slice(u64 ns, struct db_acc *acc)
{
	struct dibs_dmb dmb;
	u64 start, now, n = 0;
	int rc;

	start = ktime_get_ns();
	do {
		rc = db_register(&dmb, PAGE_SIZE);
		if (rc)
			return rc;
		rc = db_own->ops->unregister_dmb(db_own, &dmb);
		if (rc)
			return rc;
		if (!(++n & 15))
			cond_resched();
		now = ktime_get_ns();
	} while (now - start < ns);
	acc->units += n;
	acc->ns += now - start;
	return 0;
}

static int db_unregister_bg(struct dibs_dmb *bg, unsigned int n)
{
	unsigned int i;
	int rc = 0;

	for (i = 0; i < n; i++) {
		int err = db_own->ops->unregister_dmb(db_own, &bg[i]);

		if (err) {
			ktap_err("unregister background DMB: %d", err);
			rc = rc ?: err;
		}
		if (!(i & 63))
			cond_resched();
	}
	return rc;
}

/*
 * The rate with 1 live DMB (the one being registered and unregistered) and
 * with @live live DMBs (@live - 1 more on the same device), in @rounds
 * alternating phases of @ms each.
 */
static int db_reg_bench(bool *skipped)
{
	struct db_acc one = {}, many = {}, warm = {};
	u64 rate1, rate_n, phase = (u64)ms * NSEC_PER_MSEC;
	u32 ratio[20] = {};	/* rounds <= 20 */
	struct dibs_dmb *bg;
	unsigned int r, nbg = 0;
	int rc;

	*skipped = false;
	if (live < 2 || live > db_own->ops->max_dmbs()) {
		ktap_diag("%u live DMBs do not fit (max_dmbs %d)", live,
			  db_own->ops->max_dmbs());
		*skipped = true;
		return 0;
	}
	bg = kvcalloc(live - 1, sizeof(*bg), GFP_KERNEL);
	if (!bg)
		return -ENOMEM;

	rc = db_reg_slice(DB_SLICE_NS, &warm);
	for (r = 0; !rc && r < rounds; r++) {
		struct db_acc one1 = {}, many1 = {};

		rc = db_reg_slice(phase, &one1);
		if (rc)
			break;
		for (nbg = 0; nbg < live - 1; nbg++) {
			rc = db_register(&bg[nbg], PAGE_SIZE);
			if (rc) {
				ktap_err("background DMB %u: %d", nbg, rc);
				break;
			}
			if (!(nbg & 63))
				cond_resched();
		}
		if (!rc)
			rc = db_reg_slice(phase, &many1);
		rc = db_unregister_bg(bg, nbg) ?: rc;
		nbg = 0;
		one.units += one1.units;
		one.ns += one1.ns;
		many.units += many1.units;
		many.ns += many1.ns;
		ratio[r] = div64_u64(db_per_sec(&many1) * 1000,
				     max(db_per_sec(&one1), 1ULL));
	}
	kvfree(bg);
	if (rc) {
		ktap_err("register/unregister: %d", rc);
		return rc;
	}
	rate1 = db_per_sec(&one);
	rate_n = db_per_sec(&many);
	sort(ratio, rounds, sizeof(*ratio), db_cmp_u32, NULL);
	ktap_diag("register+unregister: %llu/s with 1 live DMB, %llu/s with %u live DMBs, ratio %u%% (median of %u rounds; of the totals %llu%%)",
		  rate1, rate_n, live, (ratio[rounds / 2] + 5) / 10, rounds,
		  div64_u64(rate_n * 100, max(rate1, 1ULL)));
	return 0;
}

static int __init dibs_bench_init(void)
{
	static const u32 sizes[] = { SZ_4K, SZ_64K, SZ_1M };
	bool own = false, wr = false, reg = false, skipped;
	struct dibs_dmb dmb = {};
	u8 *src = NULL;
	struct ktap kt;
	int rc, i;

	if (ms < 20 || ms > 10000 || rounds < 1 || rounds > 20) {
		pr_err("bad parameters\n");
		return -EINVAL;
	}
	WRITE_ONCE(db_memcpy, memcpy);
	ktap_begin(&kt, run_id, ARRAY_SIZE(sizes) + 1);

	rc = dibs_register_client(&db_client);
	if (rc)
		goto setup_failed;
	reg = true;
	rc = dibs_kind_dev_new("lo", "dbench0", NULL, 0, NULL);
	if (rc)
		goto setup_failed;
	own = true;
	rc = dibs_kind_dev_new("lo", "dbench1", NULL, 0, NULL);
	if (rc)
		goto setup_failed;
	wr = true;
	db_own = db_find("dbench0");
	db_wr = db_find("dbench1");
	rc = -ENODEV;
	if (!db_own || !db_wr)
		goto setup_failed;
	src = vmalloc(DB_BUF_LEN);
	rc = -ENOMEM;
	if (!src)
		goto setup_failed;
	memset(src, 0x5a, DB_BUF_LEN);
	rc = db_register(&dmb, DB_BUF_LEN);
	if (rc)
		goto setup_failed;
	ktap_diag("%u x %u ms per figure, sides alternating", rounds, ms);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		rc = db_throughput(&dmb, src, sizes[i]);
		ktap_result(&kt, !rc, "move_data_vs_memcpy_%uk",
			    sizes[i] / SZ_1K);
	}
	rc = db_own->ops->unregister_dmb(db_own, &dmb);
	if (rc)
		ktap_err("unregister: %d", rc);
	rc = db_reg_bench(&skipped);
	if (skipped)
		ktap_skip(&kt, "max_dmbs too small", "register_unregister_rate");
	else
		ktap_result(&kt, !rc, "register_unregister_rate");
	goto out;

setup_failed:
	ktap_err("setup failed: %d", rc);
	while (kt.n < kt.planned)
		ktap_result(&kt, false, "setup");
out:
	vfree(src);
	if (own && dibs_kind_dev_del("dbench0", NULL))
		pr_err("cannot delete dbench0\n");
	if (wr && dibs_kind_dev_del("dbench1", NULL))
		pr_err("cannot delete dbench1\n");
	if (reg && dibs_unregister_client(&db_client)) {
		pr_err("cannot unregister the client\n");
		__module_get(THIS_MODULE);
	}
	ktap_end(&kt);
	return 0;
}

static void __exit dibs_bench_exit(void)
{
}

module_init(dibs_bench_init);
module_exit(dibs_bench_exit);
MODULE_DESCRIPTION("dibs_lo benchmark: move_data vs memcpy, DMB registration rate");
MODULE_LICENSE("GPL");
