// SPDX-License-Identifier: GPL-2.0
/*
 * dibs_core: the dibs layer between buffer-sharing devices and their clients.
 *
 * Devices (dibs_lo, dibs_ism) call dibs_dev_add()/dibs_dev_del(); clients
 * (dibs_smcd, the self-check) call dibs_register_client()/
 * dibs_unregister_client().  The layer tells every client about every
 * device, publishes devices in sysfs (class "dibs") and the netlink family
 * "dibs", and keeps a registry of device kinds so that devices can be made
 * and removed at runtime.  Data never passes through here: clients call the
 * device ops directly, and devices call clients' handle_irq()/handle_event()
 * directly, under dibs_dev.lock.
 *
 * This file is the registry: the lists of devices and clients with their
 * locks, and the devices' life (add, removal, walks, counters).
 * dibs_client.c registers and unregisters clients, dibs_kind.c keeps the
 * device kinds, dibs_sysfs.c the class "dibs" and its attributes.
 *
 * Locking, outermost first:
 *
 * dibs_kinds_lock (mutex; dibs_kind.c)
 *	The list of kinds, held across a kind's new_dev() (see there).
 * dibs_devs_lock (mutex)
 *	The list of devices, each device's removing flag and clients mask,
 *	dibs_clients_leaving[] and dibs_clients_going[].  Held while devices
 *	are added and while clients' add_dev() run, and while a client
 *	unregisters (except across its RCU grace period), so a client never
 *	sees a device twice.  Not held across the del_dev() calls of a device
 *	removal (see below).  Clients must not add or delete devices,
 *	or (un)register clients, from add_dev()/del_dev().
 * dibs_clients_lock (mutex; its users are mostly in dibs_client.c)
 *	The clients[] array.
 * dibs_dev.lock (spinlock, IRQ-safe; a lockdep class per device)
 *	A device's subs[] (which clients get callbacks) and dmb_clientid_arr[]
 *	(which client owns which DMB index).  Drivers read subs[] under it and
 *	call handle_irq()/handle_event() either under it (dibs_ism, from its
 *	interrupt) or after releasing it inside an RCU read-side section
 *	(dibs_lo): after subs[] is cleared under it and an RCU grace period
 *	has passed, no callback runs any more.  ISM
 *	takes it in its hard interrupt handler: readers that anybody may
 *	trigger (sysfs, netlink) do not take it for more than a few entries;
 *	the DMBs in use are a counter (dibs_dev.dmbs_in_use), not a scan.
 *
 * Removal.  A client's del_dev() may wait for a long time (SMC-D waits for
 * the programs using the device to close their sockets).  dibs_dev_del()
 * therefore marks the device removing and stops its callbacks under the
 * locks, then calls each client's del_dev() without them, and takes the
 * device off the list and out of sysfs under dibs_devs_lock at the end.  A
 * removing device keeps its name, is listed (with its state), gets no new
 * client and no self-check.  Each client's del_dev() runs once: whoever
 * clears its bit in dibs_dev.clients under dibs_devs_lock calls it (the
 * removal, or dibs_unregister_client()).  While the removal runs a
 * client's del_dev(), dibs_clients_leaving[id] counts it: the client's
 * unregistration waits for that to end, and its slot is not reused before.
 *
 * Listings (netlink dumps) span several calls.  They resume after a stable
 * key (dibs_dev.index, the client id, the DMB index) and compare generation
 * counters between calls: dibs_devs_gen changes with every device or
 * client added or removed (under dibs_devs_lock), dibs_dmbs_gen with every
 * DMB registered or unregistered (dibs_dev_dmb_count()).
 */
#define pr_fmt(fmt) "dibs: " fmt

#include <linux/ctype.h>
#include <linux/device.h>
#include <linux/dibs.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/wait.h>

#include "dibs_core.h"

MODULE_DESCRIPTION("dibs: Direct Internal Buffer Sharing core");
MODULE_AUTHOR("The dibs authors");
MODULE_LICENSE("GPL");
MODULE_VERSION(DIBS_VERSION);

/* the device list and more: "Locking" above */
DEFINE_MUTEX(dibs_devs_lock);
LIST_HEAD(dibs_devs);
/* dibs_dev.index of the next device added; under dibs_devs_lock */
static u64 dibs_devs_next_index = 1;
static atomic_t dibs_devs_gen = ATOMIC_INIT(0);
static atomic_t dibs_dmbs_gen = ATOMIC_INIT(0);

/* dibs_clients[] */
DEFINE_MUTEX(dibs_clients_lock);
struct dibs_client *dibs_clients[MAX_DIBS_CLIENTS];
/* del_dev() calls of removals in flight, per client id; dibs_devs_lock */
unsigned int dibs_clients_leaving[MAX_DIBS_CLIENTS];
/*
 * A client dibs_unregister_client() took off dibs_clients[] and whose bits
 * in dibs_dev.clients are not all cleared yet; dibs_devs_lock.
 */
struct dibs_client *dibs_clients_going[MAX_DIBS_CLIENTS];
DECLARE_WAIT_QUEUE_HEAD(dibs_leaving_wq);

/* A name fits sysfs, netlink and the CLI: 1..15 of [A-Za-z0-9_.-]. */
bool dibs_name_valid(const char *name)
{
	size_t i, len = strnlen(name, DIBS_NAME_LEN);

	if (!len || len >= DIBS_NAME_LEN || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum(name[i]) && !strchr("_.-", name[i]))
			return false;
	return true;
}

/* Caller holds dibs_devs_lock. */
static struct dibs_dev *__dibs_dev_find(const char *name)
{
	struct dibs_dev *dibs;

	list_for_each_entry(dibs, &dibs_devs, list)
		if (!strcmp(dev_name(&dibs->dev), name))
			return dibs;
	return NULL;
}

/*
 * A device or client was added or removed; caller holds dibs_devs_lock.
 * Fully ordered, so that a listing that read the old value before it took
 * the lock sees the change in its next call.
 */
void dibs_devs_changed(void)
{
	atomic_inc_return(&dibs_devs_gen);
}

void dibs_dev_set_sub(struct dibs_dev *dibs, u8 id,
		      struct dibs_client *client)
{
	unsigned long flags;

	spin_lock_irqsave(&dibs->lock, flags);
	dibs->subs[id] = client;
	spin_unlock_irqrestore(&dibs->lock, flags);
}

/* Devices */

static void dibs_dev_release(struct device *dev)
{
	struct dibs_dev *dibs = to_dibs_dev(dev);

	free_percpu(dibs->stats);
	kfree(dibs->dmb_clientid_arr);
	lockdep_unregister_key(&dibs->lock_key);
	kfree(dibs);
}

struct dibs_dev *dibs_dev_alloc(void)
{
	struct dibs_dev *dibs;
	int cpu;

	dibs = kzalloc(sizeof(*dibs), GFP_KERNEL);
	if (!dibs)
		return NULL;
	dibs->stats = alloc_percpu(struct dibs_dev_stats);
	if (!dibs->stats) {
		kfree(dibs);
		return NULL;
	}
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(dibs->stats, cpu)->syncp);
	INIT_LIST_HEAD(&dibs->list);
	/*
	 * A lock class per device: a client's handle_irq() on one device,
	 * under that device's lock (dibs_ism), may write with a signal to
	 * another device, whose driver takes the other device's lock.
	 */
	lockdep_register_key(&dibs->lock_key);
	spin_lock_init(&dibs->lock);
	lockdep_set_class(&dibs->lock, &dibs->lock_key);
	dibs->dev.release = dibs_dev_release;
	dibs->dev.class = &dibs_class;
	device_initialize(&dibs->dev);
	return dibs;
}
EXPORT_SYMBOL_GPL(dibs_dev_alloc);

static bool dibs_dev_ops_valid(const struct dibs_dev_ops *ops)
{
	int mmap = !!ops->support_mmapped_rdmb + !!ops->attach_dmb +
		   !!ops->detach_dmb;

	return ops->get_fabric_id && ops->query_remote_gid && ops->max_dmbs &&
	       ops->register_dmb && ops->unregister_dmb && ops->move_data &&
	       (mmap == 0 || mmap == 3);
}

int dibs_dev_add(struct dibs_dev *dibs)
{
	const char *name = dev_name(&dibs->dev);
	unsigned long flags;
	int i, max_dmbs, rc;
	u8 *arr;

	if (!name || !dibs_name_valid(name)) {
		pr_err("refusing a device with an invalid name '%s'\n",
		       name ?: "");
		return -EINVAL;
	}
	if (!dibs->ops || !dibs_dev_ops_valid(dibs->ops)) {
		pr_err("%s: refusing a device without its mandatory ops\n",
		       name);
		return -EINVAL;
	}
	max_dmbs = dibs->ops->max_dmbs();
	if (max_dmbs <= 0 || max_dmbs > U16_MAX + 1) {
		pr_err("%s: refusing max_dmbs %d\n", name, max_dmbs);
		return -EINVAL;
	}

	arr = kmalloc(max_dmbs, GFP_KERNEL);
	if (!arr)
		return -ENOMEM;
	memset(arr, NO_DIBS_CLIENT, max_dmbs);
	/* A driver's interrupt may already run and read the array. */
	spin_lock_irqsave(&dibs->lock, flags);
	dibs->dmb_clientid_arr = arr;
	spin_unlock_irqrestore(&dibs->lock, flags);

	mutex_lock(&dibs_devs_lock);
	if (__dibs_dev_find(name)) {
		rc = -EEXIST;
		goto err;
	}
	rc = device_add(&dibs->dev);
	if (rc) {
		pr_err("%s: device_add failed: %d\n", name, rc);
		/* -EEXIST promises that @dibs may be added again: not now. */
		if (rc == -EEXIST)
			rc = -EBUSY;
		goto err;
	}

	mutex_lock(&dibs_clients_lock);
	for (i = 0; i < MAX_DIBS_CLIENTS; i++) {
		if (!dibs_clients[i])
			continue;
		dibs_clients[i]->ops->add_dev(dibs);
		dibs_dev_set_sub(dibs, i, dibs_clients[i]);
		__set_bit(i, &dibs->clients);
	}
	mutex_unlock(&dibs_clients_lock);
	dibs->index = dibs_devs_next_index++;
	list_add_tail(&dibs->list, &dibs_devs);
	dibs_devs_changed();
	dibs_nl_notify_dev(dibs, true);
	mutex_unlock(&dibs_devs_lock);
	return 0;

err:
	mutex_unlock(&dibs_devs_lock);
	/* Drivers written for mainline free this themselves on failure. */
	spin_lock_irqsave(&dibs->lock, flags);
	dibs->dmb_clientid_arr = NULL;
	spin_unlock_irqrestore(&dibs->lock, flags);
	kfree(arr);
	return rc;
}
EXPORT_SYMBOL_GPL(dibs_dev_add);

/*
 * Hand the next client still on @dibs to the removal: its del_dev() is the
 * caller's to call.  NULL when none is left; then dibs_devs_lock is held.
 */
static struct dibs_client *dibs_dev_next_leaving(struct dibs_dev *dibs)
{
	struct dibs_client *client;
	unsigned long id;

	mutex_lock(&dibs_devs_lock);
	id = find_first_bit(&dibs->clients, MAX_DIBS_CLIENTS);
	if (id >= MAX_DIBS_CLIENTS)
		return NULL;
	__clear_bit(id, &dibs->clients);
	/* a client that is unregistering is still on devices until it is done */
	client = dibs_clients[id] ?: dibs_clients_going[id];
	WRITE_ONCE(dibs_clients_leaving[id], dibs_clients_leaving[id] + 1);
	mutex_unlock(&dibs_devs_lock);
	return client;
}

void dibs_dev_del(struct dibs_dev *dibs)
{
	struct dibs_client *client;
	unsigned long flags;
	int i;

	mutex_lock(&dibs_devs_lock);
	if (list_empty(&dibs->list) || dibs->removing) {
		mutex_unlock(&dibs_devs_lock);
		return;
	}
	WRITE_ONCE(dibs->removing, true);
	spin_lock_irqsave(&dibs->lock, flags);
	for (i = 0; i < MAX_DIBS_CLIENTS; i++)
		dibs->subs[i] = NULL;
	spin_unlock_irqrestore(&dibs->lock, flags);
	dibs_devs_changed();
	mutex_unlock(&dibs_devs_lock);
	sysfs_notify(&dibs->dev.kobj, NULL, "state");
	/* No callback runs any more: see dibs_unregister_client(). */
	synchronize_rcu();

	/* Without the locks: a del_dev() may wait for as long as it must. */
	while ((client = dibs_dev_next_leaving(dibs))) {
		client->ops->del_dev(dibs);
		dibs->priv[client->id] = NULL;
		mutex_lock(&dibs_devs_lock);
		WRITE_ONCE(dibs_clients_leaving[client->id],
			   dibs_clients_leaving[client->id] - 1);
		mutex_unlock(&dibs_devs_lock);
		wake_up_all(&dibs_leaving_wq);
	}

	/* dibs_dev_next_leaving() returned with dibs_devs_lock held */
	list_del_init(&dibs->list);
	dibs_devs_changed();
	dibs_nl_notify_dev(dibs, false);
	/*
	 * Under the lock: once a name is off the list, dibs_dev_add() of the
	 * same name must not find it still in sysfs (device_add() would fail).
	 * No sysfs attribute of ours takes dibs_devs_lock.
	 */
	device_del(&dibs->dev);
	mutex_unlock(&dibs_devs_lock);
}
EXPORT_SYMBOL_GPL(dibs_dev_del);

int dibs_walk_devs_from(u64 from, int (*fn)(struct dibs_dev *dev, void *arg),
			void *arg)
{
	struct dibs_dev *dibs;
	int rc = 0;

	mutex_lock(&dibs_devs_lock);
	list_for_each_entry(dibs, &dibs_devs, list) {
		/* the list is in the order of dibs_dev.index */
		if (dibs->index < from)
			continue;
		rc = fn(dibs, arg);
		if (rc)
			break;
	}
	mutex_unlock(&dibs_devs_lock);
	return rc;
}

int dibs_walk_devs(int (*fn)(struct dibs_dev *dev, void *arg), void *arg)
{
	return dibs_walk_devs_from(0, fn, arg);
}

unsigned int dibs_devs_gen_read(void)
{
	return atomic_read_acquire(&dibs_devs_gen);
}

unsigned int dibs_dmbs_gen_read(void)
{
	return atomic_read_acquire(&dibs_dmbs_gen);
}

int dibs_dev_call(const char *name, int (*fn)(struct dibs_dev *dev, void *arg),
		  void *arg)
{
	struct dibs_dev *dibs;
	int rc = -ENODEV;

	mutex_lock(&dibs_devs_lock);
	dibs = __dibs_dev_find(name);
	if (dibs)
		rc = fn(dibs, arg);
	mutex_unlock(&dibs_devs_lock);
	return rc;
}

struct dibs_dev *dibs_dev_get_by_name(const char *name)
{
	struct dibs_dev *dibs;

	mutex_lock(&dibs_devs_lock);
	dibs = __dibs_dev_find(name);
	if (dibs)
		get_device(&dibs->dev);
	mutex_unlock(&dibs_devs_lock);
	return dibs;
}

unsigned int dibs_dev_dmbs_in_use(struct dibs_dev *dev)
{
	return max(atomic_read(&dev->dmbs_in_use), 0);
}

void dibs_dev_dmb_count(struct dibs_dev *dev, bool registered)
{
	if (registered)
		atomic_inc(&dev->dmbs_in_use);
	else
		atomic_dec(&dev->dmbs_in_use);
	/* fully ordered: after the driver's own update of its DMB table */
	atomic_inc_return(&dibs_dmbs_gen);
}
EXPORT_SYMBOL_GPL(dibs_dev_dmb_count);

int dibs_dev_get_clients(struct dibs_dev *dev, struct dibs_client **clients)
{
	unsigned long flags;
	int i, n = 0;

	spin_lock_irqsave(&dev->lock, flags);
	for (i = 0; i < MAX_DIBS_CLIENTS; i++)
		if (dev->subs[i])
			clients[n++] = dev->subs[i];
	spin_unlock_irqrestore(&dev->lock, flags);
	return n;
}

const char *dibs_dev_kind_name(struct dibs_dev *dev)
{
	return dev->kind ? dev->kind->name : "";
}

void dibs_dev_stats_read(struct dibs_dev *dev, struct dibs_dev_stats_sum *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	if (!dev->stats)
		return;
	for_each_possible_cpu(cpu) {
		const struct dibs_dev_stats *s = per_cpu_ptr(dev->stats, cpu);
		struct dibs_dev_stats_sum one;
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			one.move_data = u64_stats_read(&s->move_data);
			one.bytes_moved = u64_stats_read(&s->bytes_moved);
			one.signals = u64_stats_read(&s->signals);
			one.dmb_registered = u64_stats_read(&s->dmb_registered);
			one.dmb_unregistered =
				u64_stats_read(&s->dmb_unregistered);
			one.errors = u64_stats_read(&s->errors);
		} while (u64_stats_fetch_retry(&s->syncp, start));

		sum->move_data += one.move_data;
		sum->bytes_moved += one.bytes_moved;
		sum->signals += one.signals;
		sum->dmb_registered += one.dmb_registered;
		sum->dmb_unregistered += one.dmb_unregistered;
		sum->errors += one.errors;
	}
}
EXPORT_SYMBOL_GPL(dibs_dev_stats_read);

/* Devices: claimed by a kind's del_dev() (dibs_kind.c) */

/*
 * Claim the device named @name for a kind's del_dev(): one at a time, and
 * not while it is being removed.  Returns it with a reference, or an
 * ERR_PTR() with an extack message.
 */
struct dibs_dev *dibs_kind_dev_claim(const char *name,
				     struct netlink_ext_ack *extack)
{
	struct dibs_dev *dibs;

	mutex_lock(&dibs_devs_lock);
	dibs = __dibs_dev_find(name);
	if (!dibs) {
		NL_SET_ERR_MSG(extack, "no dibs device of that name");
		dibs = ERR_PTR(-ENODEV);
	} else if (dibs->removing || dibs->kind_del) {
		NL_SET_ERR_MSG(extack, "the device is already being removed");
		dibs = ERR_PTR(-EBUSY);
	} else {
		dibs->kind_del = true;
		get_device(&dibs->dev);
	}
	mutex_unlock(&dibs_devs_lock);
	return dibs;
}

void dibs_kind_dev_unclaim(struct dibs_dev *dibs)
{
	mutex_lock(&dibs_devs_lock);
	dibs->kind_del = false;
	mutex_unlock(&dibs_devs_lock);
	put_device(&dibs->dev);
}

static int __init dibs_init(void)
{
	int rc;

	rc = class_register(&dibs_class);
	if (rc)
		return rc;
	rc = dibs_nl_init();
	if (rc) {
		class_unregister(&dibs_class);
		return rc;
	}
	pr_info("dibs_core %s loaded\n", DIBS_VERSION);
	return 0;
}

static void __exit dibs_exit(void)
{
	dibs_nl_exit();
	class_unregister(&dibs_class);
}

module_init(dibs_init);
module_exit(dibs_exit);
