/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dibs_core internals shared by the files of dibs_core.ko (the registry,
 * clients, kinds, sysfs, the netlink family, the self-check).  Not an API
 * for other modules.
 */
#ifndef _DIBS_CORE_H
#define _DIBS_CORE_H

#include <linux/device.h>
#include <linux/dibs.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/wait.h>
#include <uapi/linux/dibs_netlink.h>	/* DIBS_NAME_LEN */

/**
 * dibs_walk_devs() - call @fn for each device, in order of addition
 * @fn: called with the device list lock held (process context, may sleep,
 *	must not add or delete devices); a non-zero return stops the walk
 * @arg: passed to @fn
 *
 * Return: what the last @fn call returned (0 if all were 0).
 */
int dibs_walk_devs(int (*fn)(struct dibs_dev *dev, void *arg), void *arg);

/**
 * dibs_walk_devs_from() - dibs_walk_devs() from the device with index @from
 * @from: the first dibs_dev.index to visit (devices with a smaller index,
 *	and so added earlier, are skipped)
 * @fn: as for dibs_walk_devs()
 * @arg: passed to @fn
 *
 * For listings that span several calls: resuming after the last device
 * sent neither repeats nor skips a device that stays listed meanwhile.
 *
 * Return: what the last @fn call returned (0 if all were 0).
 */
int dibs_walk_devs_from(u64 from, int (*fn)(struct dibs_dev *dev, void *arg),
			void *arg);

/**
 * dibs_devs_gen_read() - the generation of the device and client lists
 *
 * Changes whenever a device or a client is added or removed.  Read it
 * before a walk: if it differs in the next call, the lists changed between.
 */
unsigned int dibs_devs_gen_read(void);

/**
 * dibs_dmbs_gen_read() - the generation of the DMBs of all devices
 *
 * Changes whenever a DMB is registered or unregistered (as drivers count
 * them with dibs_stats_dmb()).  Read it before a walk, like
 * dibs_devs_gen_read().
 */
unsigned int dibs_dmbs_gen_read(void);

/**
 * dibs_dev_call() - run @fn on the device named @name while it is listed
 * @name: the device name
 * @fn: called with the device list lock held (process context, may sleep,
 *	must not add or delete devices)
 * @arg: passed to @fn
 *
 * Use this, not dibs_dev_get_by_name(), to call device ops or kind ops: a
 * driver may free its private data as soon as dibs_dev_del() returns, and a
 * reference on the struct device does not keep that data alive.
 *
 * Return: -ENODEV if no device has that name, else what @fn returned.
 */
int dibs_dev_call(const char *name, int (*fn)(struct dibs_dev *dev, void *arg),
		  void *arg);

/**
 * dibs_dev_get_by_name() - find a device and take a reference
 * @name: the device name
 *
 * The reference keeps struct dibs_dev, not the driver's data: do not call
 * device ops through it after the device may have been deleted (see
 * dibs_dev_call()).
 *
 * Return: the device (drop with put_device(&dev->dev)) or NULL.
 */
struct dibs_dev *dibs_dev_get_by_name(const char *name);

/**
 * dibs_walk_clients() - call @fn for each registered client
 * @fn: called with the client list lock held; non-zero return stops
 * @arg: passed to @fn
 *
 * Return: what the last @fn call returned.
 */
int dibs_walk_clients(int (*fn)(struct dibs_client *client, void *arg),
		      void *arg);

/**
 * dibs_dev_dmbs_in_use() - how many DMBs clients hold on @dev
 * @dev: the device
 *
 * A counter (dibs_dev_dmb_count(), which drivers call through
 * dibs_stats_dmb()): reading it takes no lock, however many DMBs the device
 * can hold.
 */
unsigned int dibs_dev_dmbs_in_use(struct dibs_dev *dev);

/**
 * dibs_dev_client_dmbs() - how many DMBs one client holds on @dev
 * @dev: the device
 * @client_id: the client's id
 */
unsigned int dibs_dev_client_dmbs(struct dibs_dev *dev, u8 client_id);

/**
 * dibs_dev_get_clients() - the clients that get callbacks from @dev
 * @dev: the device
 * @clients: array of MAX_DIBS_CLIENTS entries, filled with the clients
 *
 * Return: the number of entries filled.
 */
int dibs_dev_get_clients(struct dibs_dev *dev, struct dibs_client **clients);

/**
 * dibs_dev_kind_name() - the kind name of a device ("" if it has none)
 * @dev: the device
 */
const char *dibs_dev_kind_name(struct dibs_dev *dev);

/**
 * dibs_kind_dev_new_commit() - dibs_kind_dev_new() that can still fail late
 * @kind_name: the kind's name
 * @name: the new device's name, or NULL to let the kind choose
 * @commit: called with the new device, before anybody else can delete it;
 *	if it fails, the device is deleted again (kind del_dev()) and its
 *	error returned: the request then changed nothing
 * @arg: passed to @commit
 * @extack: where to put an error message, may be NULL
 *
 * Context: process context, may sleep.
 * Return: as dibs_kind_dev_new(), or the error of @commit.
 */
int dibs_kind_dev_new_commit(const char *kind_name, const char *name,
			     int (*commit)(struct dibs_dev *dev, void *arg),
			     void *arg, struct netlink_ext_ack *extack);

/*
 * The registry (dibs_main.c): its lists and locks, which dibs_client.c,
 * dibs_kind.c and dibs_sysfs.c share.  dibs_main.c describes the locking.
 */
extern struct mutex dibs_devs_lock;
extern struct list_head dibs_devs;
extern struct mutex dibs_clients_lock;
extern struct dibs_client *dibs_clients[MAX_DIBS_CLIENTS];
extern unsigned int dibs_clients_leaving[MAX_DIBS_CLIENTS];
extern struct dibs_client *dibs_clients_going[MAX_DIBS_CLIENTS];
extern struct wait_queue_head dibs_leaving_wq;

/* A name fits sysfs, netlink and the CLI: 1..15 of [A-Za-z0-9_.-]. */
bool dibs_name_valid(const char *name);
/* A device or client was added or removed; caller holds dibs_devs_lock. */
void dibs_devs_changed(void);
/* Set (or clear: NULL) the client that gets @dibs's callbacks for @id. */
void dibs_dev_set_sub(struct dibs_dev *dibs, u8 id, struct dibs_client *client);
/* dibs_kind_dev_del()'s claim on a device; see dibs_main.c */
struct dibs_dev *dibs_kind_dev_claim(const char *name,
				     struct netlink_ext_ack *extack);
void dibs_kind_dev_unclaim(struct dibs_dev *dibs);

/* dibs_sysfs.c: the class "dibs" of the devices */
extern struct class dibs_class;

static inline struct dibs_dev *to_dibs_dev(struct device *dev)
{
	return container_of(dev, struct dibs_dev, dev);
}

/* dibs_nl.c: the generic netlink family "dibs". */
int dibs_nl_init(void);
void dibs_nl_exit(void);
/* Multicast a dev-new/dev-del notification; process context, may sleep. */
void dibs_nl_notify_dev(struct dibs_dev *dev, bool added);

#endif /* _DIBS_CORE_H */
