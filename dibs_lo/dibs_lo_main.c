// SPDX-License-Identifier: GPL-2.0
/*
 * dibs_lo: software dibs devices.
 *
 * `lo` is the loopback device (fabric DIBS_LOOPBACK_FABRIC): it reaches only
 * itself.  Further devices (devices=N at load, or through the "lo" device
 * kind at runtime) form one software fabric, DIBS_LO_FABRIC, on which every
 * device reaches every other.  A DMB is plain kernel memory; move_data()
 * copies into it with memcpy() and calls the owner's client for a signal.
 *
 * Locking and lifetime
 * --------------------
 * dibs_lo_mutex
 *	Serialises device creation (load, the kind's new_dev) and protects
 *	writers of dibs_lo_devs, dibs_lo_nr_fabric and dibs_lo_dev.deleting.
 *	Held across dibs_dev_add(), so clients' add_dev() run under it: they
 *	must not create or delete dibs_lo devices.  Not held across
 *	dibs_dev_del(), whose clients' del_dev() may wait for a long time
 *	(SMC-D waits for its sockets): a deletion marks the device deleting
 *	under it, deletes without it, and unlinks the device under it again.
 * dibs_lo_devs (RCU list)
 *	All devices; query_remote_gid() and signal_event() walk it under
 *	rcu_read_lock().  A device is on it from before dibs_dev_add() to after
 *	dibs_dev_del(); other devices reach it only while dibs_lo_dev.added
 *	is set, from a successful dibs_dev_add() to the start of
 *	dibs_dev_del().
 * token table (rhashtable, dibs_lo_dmb.c)
 *	All registered DMBs of all devices, by token.  Lookups (move_data,
 *	attach_dmb, unregister_dmb) run under rcu_read_lock() only; insertion
 *	and removal use the table's bucket locks.  rhashtable_remove_fast()
 *	succeeding is what makes a caller the one that unregisters a DMB.
 * dibs_lo_dev.dmbs (xarray, per device)
 *	Index allocation (xa_alloc) and the walk of dmb_next and of device
 *	deletion; its own internal lock.
 * dibs_dev.lock (per device, irqsave)
 *	Protects dmb_clientid_arr[] and dibs_lo_dmb.live of the device's DMBs.
 *	move_data() and signal_event() look the client up under the owner's
 *	lock and call its handle_irq()/handle_event() after releasing it
 *	(inside their RCU read-side section, with interrupts off), so a
 *	callback may call move_data() with the signal flag on any device.
 * dibs_lo_dev.att_lock (per device, irqsave)
 *	Protects the table of attachments the device holds.
 * Order: dibs_kinds_lock (the core holds it around the kind's new_dev)
 * -> dibs_lo_mutex -> dibs_devs_lock -> dibs_clients_lock (core)
 * -> dibs_dev.lock; the token table's, the xarray's and att_lock are
 * leaves.  dibs_lo holds one device's dibs_dev.lock at a time and calls
 * no client under it.
 *
 * A DMB is reference counted: one reference for its registration, one per
 * attachment.  Whoever drops the last one frees buffer and structure with
 * call_rcu(), so a move_data() that found the DMB in the token table under
 * RCU may finish its copy into it.  Deleting a device: dibs_dev_del() (the
 * clients unregister their DMBs), unregister what they left, drop the
 * attachments the device holds, unlink it from dibs_lo_devs,
 * synchronize_rcu() (no move_data() uses the device as owner any more),
 * then put_device() and free.  DMBs outlive their owner only through
 * attachments, and then nothing dereferences their owner pointer.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/timekeeping.h>
#include <linux/slab.h>

#include "dibs_lo.h"

/* Limits of the module parameters. */
#define DIBS_LO_DEVICES_MAX	64
#define DIBS_LO_MAX_DMBS_MAX	65535
/* Fabric devices that may exist at a time (load and runtime together). */
#define DIBS_LO_FABRIC_DEVS_MAX	256

static unsigned int devices;
module_param(devices, uint, 0444);
MODULE_PARM_DESC(devices,
		 "fabric devices lo1..loN to create at load (0..64, default 0)");

unsigned int dibs_lo_max_dmbs = 5000;
module_param_named(max_dmbs, dibs_lo_max_dmbs, uint, 0444);
MODULE_PARM_DESC(max_dmbs, "DMBs per device (1..65535, default 5000)");

static DEFINE_MUTEX(dibs_lo_mutex);
static LIST_HEAD(dibs_lo_devs);
static unsigned int dibs_lo_nr_fabric;

static u16 dibs_lo_get_fabric_id(struct dibs_dev *dibs)
{
	struct dibs_lo_dev *ldev = dibs->drv_priv;

	return ldev->fabric_id;
}

/*
 * The added device of @ldev's fabric with GID @rgid, or NULL; under
 * rcu_read_lock().  Devices being added or deleted are not reachable.
 */
static struct dibs_lo_dev *dibs_lo_find_peer(struct dibs_lo_dev *ldev,
					     const uuid_t *rgid)
{
	struct dibs_lo_dev *peer;

	list_for_each_entry_rcu(peer, &dibs_lo_devs, node)
		if (peer->fabric_id == ldev->fabric_id &&
		    READ_ONCE(peer->added) &&
		    uuid_equal(rgid, &peer->dibs->gid))
			return peer;
	return NULL;
}

/*
 * `lo` reaches only itself; a fabric device reaches every added device of
 * the fabric, itself included.  VLANs do not matter.  Any context.
 */
static int dibs_lo_query_remote_gid(struct dibs_dev *dibs, const uuid_t *rgid,
				    u32 vid_valid, u32 vid)
{
	struct dibs_lo_dev *ldev = dibs->drv_priv;
	int rc = -ENETUNREACH;

	if (uuid_equal(rgid, &dibs->gid))
		return 0;
	if (ldev->fabric_id == DIBS_LOOPBACK_FABRIC)
		return -ENETUNREACH;

	rcu_read_lock();
	if (dibs_lo_find_peer(ldev, rgid))
		rc = 0;
	rcu_read_unlock();
	return rc;
}

static int dibs_lo_max_dmbs_op(void)
{
	return dibs_lo_max_dmbs;
}

/**
 * dibs_lo_signal_event() - dibs_dev_ops.signal_event of dibs_lo
 * @dibs: the sending device
 * @rgid: GID of the device whose clients get the event
 * @trigger_irq: ignored: delivery is always immediate
 * @event_code: the event's subtype
 * @info: the event's data
 *
 * Calls handle_event() of every client of the device @rgid with a
 * DIBS_SW_EVENT that carries @dibs's GID.  A device does not signal itself:
 * for its own GID nothing is delivered (a loopback SMC-D link group would
 * take a shutdown event meant for its peer as its own).
 *
 * Context: process context (any context works).
 * Return: 0, or -ENETUNREACH if @rgid is not reachable from @dibs.
 */
static int dibs_lo_signal_event(struct dibs_dev *dibs, const uuid_t *rgid,
				u32 trigger_irq, u32 event_code, u64 info)
{
	struct dibs_lo_dev *ldev = dibs->drv_priv, *peer;
	struct dibs_event ev = {
		.type = DIBS_SW_EVENT,
		.subtype = event_code,
		.data = info,
	};
	struct dibs_client *clients[MAX_DIBS_CLIENTS];
	unsigned long flags;
	int rc = -ENETUNREACH;

	if (uuid_equal(rgid, &dibs->gid))
		return 0;
	if (ldev->fabric_id == DIBS_LOOPBACK_FABRIC)
		goto out;

	uuid_copy(&ev.gid, &dibs->gid);
	ev.time = ktime_get_ns();
	rcu_read_lock();
	peer = dibs_lo_find_peer(ldev, rgid);
	if (peer) {
		/* Called without the lock, like handle_irq(): see dibs_lo_signal() */
		spin_lock_irqsave(&peer->dibs->lock, flags);
		memcpy(clients, peer->dibs->subs, sizeof(clients));
		spin_unlock_irqrestore(&peer->dibs->lock, flags);
		local_irq_save(flags);
		dibs_clients_handle_event(peer->dibs, clients, &ev);
		local_irq_restore(flags);
		rc = 0;
	}
	rcu_read_unlock();
out:
	if (rc)
		dibs_stats_error(dibs);
	return rc;
}

static const struct dibs_dev_ops dibs_lo_ops = {
	.get_fabric_id = dibs_lo_get_fabric_id,
	.query_remote_gid = dibs_lo_query_remote_gid,
	.max_dmbs = dibs_lo_max_dmbs_op,
	.register_dmb = dibs_lo_register_dmb,
	.unregister_dmb = dibs_lo_unregister_dmb,
	.move_data = dibs_lo_move_data,
	.signal_event = dibs_lo_signal_event,
	.support_mmapped_rdmb = dibs_lo_support_mmapped_rdmb,
	.attach_dmb = dibs_lo_attach_dmb,
	.detach_dmb = dibs_lo_detach_dmb,
};

static struct dibs_dev_kind dibs_lo_kind;

/* A random GID that no dibs_lo device has; dibs_lo_mutex held. */
static void dibs_lo_gen_gid(uuid_t *gid)
{
	struct dibs_lo_dev *ldev;

again:
	uuid_gen(gid);
	if (uuid_is_null(gid))
		goto again;
	list_for_each_entry(ldev, &dibs_lo_devs, node)
		if (uuid_equal(gid, &ldev->dibs->gid))
			goto again;
}

/*
 * Undo dibs_lo_dev_create() after dibs_dev_del() or a failed dibs_dev_add();
 * dibs_lo_mutex held.
 */
static void dibs_lo_dev_free(struct dibs_lo_dev *ldev)
{
	dibs_lo_dev_drop_dmbs(ldev);
	list_del_rcu(&ldev->node);
	if (ldev->fabric_id != DIBS_LOOPBACK_FABRIC)
		dibs_lo_nr_fabric--;
	synchronize_rcu();
	xa_destroy(&ldev->dmbs);
	put_device(&ldev->dibs->dev);
	kfree(ldev);
}

/* Create and add a device named @name; dibs_lo_mutex held. */
static struct dibs_lo_dev *dibs_lo_dev_create(const char *name, u16 fabric_id)
{
	struct dibs_lo_dev *ldev;
	struct dibs_dev *dibs;
	int rc;

	ldev = kzalloc(sizeof(*ldev), GFP_KERNEL);
	if (!ldev)
		return ERR_PTR(-ENOMEM);
	dibs = dibs_dev_alloc();
	if (!dibs) {
		kfree(ldev);
		return ERR_PTR(-ENOMEM);
	}
	rc = dev_set_name(&dibs->dev, "%s", name);
	if (rc) {
		put_device(&dibs->dev);
		kfree(ldev);
		return ERR_PTR(rc);
	}

	ldev->dibs = dibs;
	ldev->fabric_id = fabric_id;
	dibs_lo_dev_init_dmbs(ldev);
	dibs_lo_gen_gid(&dibs->gid);
	dibs->ops = &dibs_lo_ops;
	dibs->drv_priv = ldev;
	dibs->kind = &dibs_lo_kind;

	/* Listed (names, GIDs) but reached by others only once added. */
	list_add_tail_rcu(&ldev->node, &dibs_lo_devs);
	if (fabric_id != DIBS_LOOPBACK_FABRIC)
		dibs_lo_nr_fabric++;

	rc = dibs_dev_add(dibs);
	if (rc) {
		dibs_lo_dev_free(ldev);
		return ERR_PTR(rc);
	}
	WRITE_ONCE(ldev->added, true);
	return ldev;
}

/*
 * Delete a device that the caller marked deleting; dibs_lo_mutex not held
 * (the clients' del_dev() may take long, other devices come and go).
 */
static void dibs_lo_dev_destroy(struct dibs_lo_dev *ldev)
{
	WRITE_ONCE(ldev->added, false);
	dibs_dev_del(ldev->dibs);
	mutex_lock(&dibs_lo_mutex);
	dibs_lo_dev_free(ldev);
	mutex_unlock(&dibs_lo_mutex);
}

static bool dibs_lo_name_taken(const char *name)
{
	struct dibs_lo_dev *ldev;

	list_for_each_entry(ldev, &dibs_lo_devs, node)
		if (!strcmp(dev_name(&ldev->dibs->dev), name))
			return true;
	return false;
}

/*
 * A fabric device named @name, or with NULL the lowest free name lo1, lo2,
 * ...; dibs_lo_mutex held.
 */
static struct dibs_lo_dev *dibs_lo_fabric_dev_new(const char *name,
						  struct netlink_ext_ack *extack)
{
	char auto_name[DIBS_NAME_LEN];
	struct dibs_lo_dev *ldev;
	unsigned int n;

	if (dibs_lo_nr_fabric >= DIBS_LO_FABRIC_DEVS_MAX) {
		NL_SET_ERR_MSG_MOD(extack, "too many dibs_lo fabric devices");
		return ERR_PTR(-ENOSPC);
	}
	if (name) {
		ldev = dibs_lo_dev_create(name, DIBS_LO_FABRIC);
		if (PTR_ERR(ldev) == -EEXIST)
			NL_SET_ERR_MSG_MOD(extack,
					   "a dibs device of that name exists");
		else if (IS_ERR(ldev))
			NL_SET_ERR_MSG_MOD(extack,
					   "cannot create the dibs_lo device");
		return ldev;
	}

	/* Skip names that devices of other kinds use (-EEXIST). */
	ldev = ERR_PTR(-EEXIST);
	for (n = 1; n <= 2 * DIBS_LO_FABRIC_DEVS_MAX; n++) {
		snprintf(auto_name, sizeof(auto_name), "lo%u", n);
		if (dibs_lo_name_taken(auto_name))
			continue;
		ldev = dibs_lo_dev_create(auto_name, DIBS_LO_FABRIC);
		if (PTR_ERR(ldev) != -EEXIST)
			break;
	}
	if (IS_ERR(ldev))
		NL_SET_ERR_MSG_MOD(extack, "cannot create a dibs_lo device");
	return ldev;
}

static struct dibs_dev *dibs_lo_kind_new_dev(const char *name,
					     struct netlink_ext_ack *extack)
{
	struct dibs_lo_dev *ldev;

	mutex_lock(&dibs_lo_mutex);
	ldev = dibs_lo_fabric_dev_new(name, extack);
	mutex_unlock(&dibs_lo_mutex);
	return IS_ERR(ldev) ? ERR_CAST(ldev) : ldev->dibs;
}

static int dibs_lo_kind_del_dev(struct dibs_dev *dibs,
				struct netlink_ext_ack *extack)
{
	struct dibs_lo_dev *ldev = dibs->drv_priv;

	if (dibs->ops != &dibs_lo_ops) {
		NL_SET_ERR_MSG_MOD(extack, "not a dibs_lo device");
		return -EINVAL;
	}
	if (ldev->fabric_id == DIBS_LOOPBACK_FABRIC) {
		NL_SET_ERR_MSG_MOD(extack,
				   "the loopback device cannot be deleted; unload dibs_lo");
		return -EOPNOTSUPP;
	}
	mutex_lock(&dibs_lo_mutex);
	if (ldev->deleting) {
		mutex_unlock(&dibs_lo_mutex);
		NL_SET_ERR_MSG_MOD(extack, "the device is already being deleted");
		return -EBUSY;
	}
	ldev->deleting = true;
	mutex_unlock(&dibs_lo_mutex);
	dibs_lo_dev_destroy(ldev);
	return 0;
}

static struct dibs_dev_kind dibs_lo_kind = {
	.name = "lo",
	.owner = THIS_MODULE,
	.new_dev = dibs_lo_kind_new_dev,
	.del_dev = dibs_lo_kind_del_dev,
	.dmb_next = dibs_lo_dmb_next,
	/* Empty until registered: the core refuses del_dev before that. */
	.list = LIST_HEAD_INIT(dibs_lo_kind.list),
};

/*
 * Delete every device, newest first.  No kind call runs (the kind is not
 * or no longer registered), so every device on the list is ours to delete.
 */
static void dibs_lo_destroy_all(void)
{
	struct dibs_lo_dev *ldev;

	for (;;) {
		mutex_lock(&dibs_lo_mutex);
		ldev = list_empty(&dibs_lo_devs) ? NULL :
		       list_last_entry(&dibs_lo_devs, struct dibs_lo_dev, node);
		if (ldev)
			ldev->deleting = true;
		mutex_unlock(&dibs_lo_mutex);
		if (!ldev)
			break;
		dibs_lo_dev_destroy(ldev);
	}
}

static int dibs_lo_check_params(void)
{
	if (devices > DIBS_LO_DEVICES_MAX) {
		pr_err("devices=%u is out of range 0..%u\n", devices,
		       DIBS_LO_DEVICES_MAX);
		return -EINVAL;
	}
	if (!dibs_lo_max_dmbs || dibs_lo_max_dmbs > DIBS_LO_MAX_DMBS_MAX) {
		pr_err("max_dmbs=%u is out of range 1..%u\n", dibs_lo_max_dmbs,
		       DIBS_LO_MAX_DMBS_MAX);
		return -EINVAL;
	}
	return 0;
}

static int __init dibs_lo_init(void)
{
	struct dibs_lo_dev *ldev;
	unsigned int i;
	int rc;

	rc = dibs_lo_check_params();
	if (rc)
		return rc;
	rc = dibs_lo_dmb_init();
	if (rc)
		return rc;

	mutex_lock(&dibs_lo_mutex);
	ldev = dibs_lo_dev_create("lo", DIBS_LOOPBACK_FABRIC);
	for (i = 0; i < devices && !IS_ERR(ldev); i++)
		ldev = dibs_lo_fabric_dev_new(NULL, NULL);
	mutex_unlock(&dibs_lo_mutex);
	if (IS_ERR(ldev)) {
		rc = PTR_ERR(ldev);
		if (i)
			pr_err("cannot create fabric device %u of %u: %d\n",
			       i, devices, rc);
		else
			pr_err("cannot create device lo: %d\n", rc);
		goto err;
	}

	rc = dibs_kind_register(&dibs_lo_kind);
	if (rc) {
		pr_err("cannot register device kind \"%s\": %d\n",
		       dibs_lo_kind.name, rc);
		goto err;
	}
	return 0;

err:
	dibs_lo_destroy_all();
	dibs_lo_dmb_exit();
	return rc;
}

static void __exit dibs_lo_exit(void)
{
	/* First: no new_dev/del_dev may race with the deletion below. */
	dibs_kind_unregister(&dibs_lo_kind);
	dibs_lo_destroy_all();
	dibs_lo_dmb_exit();
}

module_init(dibs_lo_init);
module_exit(dibs_lo_exit);

MODULE_DESCRIPTION("dibs software devices: loopback and a software fabric");
MODULE_LICENSE("GPL");
MODULE_VERSION(DIBS_VERSION);
