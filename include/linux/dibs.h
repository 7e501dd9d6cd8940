/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Direct Internal Buffer Sharing (dibs): the kernel API.
 *
 * This header keeps the names and semantics of mainline's dibs header
 * (Linux 6.18), so that a client or a device driver written against it builds
 * unchanged against mainline.  What this out-of-tree suite adds on top (device
 * kinds, statistics, DMB walks) is grouped at the end under "Extensions"; a
 * driver that ignores the extensions still works, it is only less observable.
 */
#ifndef _LINUX_DIBS_H
#define _LINUX_DIBS_H

#include <linux/device.h>
#include <linux/list.h>
#include <linux/percpu.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/u64_stats_sync.h>
#include <linux/uuid.h>

/*
 * The model
 * ---------
 * A dibs *fabric* connects dibs *devices*.  Every device has a GID (a UUID)
 * that is unique on its fabric and reports a 16 bit fabric id; devices with
 * different fabric ids never reach each other, devices with the same one may
 * (query_remote_gid() gives the reliable answer).
 *
 * A *DMB* (direct memory buffer) is memory that a *reader* registers on its
 * own device, on behalf of one dibs *client*, for exactly one *writer*: the
 * device with the remote GID named at registration.  Registration returns a
 * *token*.  The client hands the token to the writer out of band (SMC-D does
 * it in its CLC handshake); the writer's client then calls move_data(token,
 * offset, data, signal) on its own device, and the fabric copies the data
 * into the DMB.  With the signal flag set, the reader's client gets
 * handle_irq() for that DMB.  Writes are synchronous and lossless.
 *
 * Optionally a device can *attach* a writer to a remote DMB: the writer then
 * gets a kernel address that aliases the DMB and writes into it directly
 * (zero copy), instead of calling move_data().
 *
 * Fabric ids: 0xFFFF (DIBS_LOOPBACK_FABRIC) is the loopback fabric, whose
 * devices reach only themselves.  This suite uses 0xFF00..0xFFFE for software
 * fabrics (see Documentation/model.rst); real ISM fabrics are derived from
 * the PCHID/VCHID.
 */

/**
 * struct dibs_dmb - a direct memory buffer, as seen by its client
 * @dmb_tok: token that names the DMB on its fabric; set by register_dmb()
 * @rgid: GID of the one remote device allowed to write; input
 * @cpu_addr: kernel address of the buffer; set by register_dmb()
 * @dmb_len: length of the buffer in bytes; input
 * @idx: index of the DMB on its device; input (0: device picks) and output
 * @vlan_valid: non-zero if @vlan_id applies (deprecated, ignored by devices
 *	without VLAN support)
 * @vlan_id: VLAN the writer must belong to (deprecated)
 * @dma_addr: bus address, for device drivers that need one
 *
 * The client owns the structure; the device fills the output fields.
 */
struct dibs_dmb {
	u64 dmb_tok;
	uuid_t rgid;
	void *cpu_addr;
	u32 dmb_len;
	u32 idx;
	u32 vlan_valid;
	u32 vlan_id;
	dma_addr_t dma_addr;
};

/**
 * enum dibs_event_type - what an event is about
 * @DIBS_BUF_EVENT: a buffer event (a remote DMB went away, ...)
 * @DIBS_DEV_EVENT: a device event (a remote device was disabled, ...)
 * @DIBS_SW_EVENT: a software event that a remote client sent with
 *	signal_event()
 * @DIBS_OTHER_TYPE: anything else
 */
enum dibs_event_type {
	DIBS_BUF_EVENT,
	DIBS_DEV_EVENT,
	DIBS_SW_EVENT,
	DIBS_OTHER_TYPE
};

/**
 * enum dibs_event_subtype - detail of a buffer or device event
 * @DIBS_BUF_UNREGISTERED: the remote DMB was unregistered
 * @DIBS_DEV_DISABLED: the remote device was disabled
 * @DIBS_DEV_ERR_STATE: the remote device is in an error state
 * @DIBS_OTHER_SUBTYPE: anything else
 */
enum dibs_event_subtype {
	DIBS_BUF_UNREGISTERED,
	DIBS_DEV_DISABLED,
	DIBS_DEV_ERR_STATE,
	DIBS_OTHER_SUBTYPE
};

/**
 * struct dibs_event - an event a device reports to its clients
 * @type: an enum dibs_event_type value
 * @subtype: an enum dibs_event_subtype value, or for DIBS_SW_EVENT the code
 *	the sending client chose
 * @gid: GID of the remote device concerned; uuid_null if unknown
 * @buffer_tok: token of the DMB concerned; 0 if none
 * @time: device time stamp of the event
 * @data: additional data (for DIBS_SW_EVENT, the sender's 8 bytes)
 */
struct dibs_event {
	u32 type;
	u32 subtype;
	uuid_t gid;
	u64 buffer_tok;
	u64 time;
	u64 data;
};

struct dibs_dev;

/* Clients
 * -------
 */
#define MAX_DIBS_CLIENTS	8
#define NO_DIBS_CLIENT		0xff

/**
 * struct dibs_client_ops - what the dibs layer and devices call in a client
 * @add_dev: a device appeared.  Called from dibs_register_client() for every
 *	present device, and from dibs_dev_add() for a new one.  Process
 *	context, may sleep.  The device may be used until del_dev().
 * @del_dev: a device goes away, or the client unregisters.  Process
 *	context, may sleep.  By then no new handle_irq()/handle_event() starts
 *	for this client on @dev, and none is running.  The client must
 *	unregister its DMBs on @dev here; it must not use @dev afterwards.
 *	It may take as long as it must (the dibs layer holds no lock across
 *	it when a device is removed), and so may run while the client's
 *	add_dev() or del_dev() for another device runs.  Called once per
 *	add_dev().
 * @handle_irq: a writer signalled DMB @idx of this client on @dev.
 *	@dmbemask carries the signal bits (bit 0x1000 rotated right by the
 *	writer's move_data() idx); a device may merge several signals into one
 *	call.  Atomic context with interrupts off (IRQ, or the writer's
 *	move_data() call); @dev's lock may be held (dibs_ism holds it, dibs_lo
 *	does not), no other device's is.  May call move_data(), with or
 *	without the signal flag, on any device, @dev included, and so write
 *	into a DMB of any device (the handle_irq() that this raises may run
 *	nested in this one, on the same stack: a client that answers every
 *	signal with a signal must bound that itself).  Must not sleep and must not call
 *	register_dmb(), unregister_dmb(), signal_event() or the other ops
 *	that may sleep.  A signal racing with unregister_dmb() may still
 *	arrive for that index: a client ignores one it does not expect.
 * @handle_event: a device event for this client.  Same context and rules
 *	as @handle_irq.
 */
struct dibs_client_ops {
	void (*add_dev)(struct dibs_dev *dev);
	void (*del_dev)(struct dibs_dev *dev);
	void (*handle_irq)(struct dibs_dev *dev, unsigned int idx, u16 dmbemask);
	void (*handle_event)(struct dibs_dev *dev,
			     const struct dibs_event *event);
};

/**
 * struct dibs_client - a user of dibs devices (SMC-D, a self-check, ...)
 * @name: name for logs and for the netlink control plane (optional)
 * @ops: callbacks, see struct dibs_client_ops
 * @id: index assigned by dibs_register_client(); indexes dibs_dev.priv[]
 */
struct dibs_client {
	const char *name;
	const struct dibs_client_ops *ops;
	u8 id;
};

/**
 * dibs_register_client() - register a client with the dibs layer
 * @client: the client; @client->ops with add_dev() and del_dev() must be set
 *
 * Assigns @client->id and calls @client->ops->add_dev() for every present
 * device.  At most MAX_DIBS_CLIENTS clients exist at a time.
 *
 * Context: process context, may sleep.
 * Return: 0 on success, -EINVAL for a client without ops, add_dev() or
 * del_dev(), -ENOSPC if MAX_DIBS_CLIENTS are registered.
 */
int dibs_register_client(struct dibs_client *client);

/**
 * dibs_unregister_client() - unregister a client from the dibs layer
 * @client: a registered client
 *
 * Stops all callbacks to the client, calls its del_dev() for every device
 * and releases its id, as mainline does.  del_dev() is where a client ends
 * the DMBs it owns on that device (SMC-D does).  A DMB still registered
 * for the client after its del_dev() is unregistered by the dibs layer,
 * with a warning in the kernel log: it never passes to the next client
 * that gets this id.  When it returns 0 no callback of @client runs any
 * more.
 *
 * Context: process context, may sleep.
 * Return: 0 on success, -ENOENT if @client is not registered.
 */
int dibs_unregister_client(struct dibs_client *client);

/* Devices
 * -------
 */

/* The fabric id of loopback devices: each such device reaches only itself. */
#define DIBS_LOOPBACK_FABRIC	0xFFFF

/*
 * Extension: fabric ids 0xFF00..0xFFFE are reserved by this suite for
 * software fabrics (dibs_lo's is 0xFFFE); hardware fabrics stay below.
 */
#define DIBS_SW_FABRIC_MIN	0xFF00
#define DIBS_SW_FABRIC_MAX	0xFFFE

/**
 * struct dibs_dev_ops - what a client calls in a device
 *
 * All ops are mandatory unless marked optional.  Unless stated otherwise
 * they run in process context and may sleep.
 *
 * @get_fabric_id: the device's 16 bit fabric id.  Different ids: the
 *	devices cannot reach each other; same id: they may (ask
 *	query_remote_gid()).  Any context.
 * @query_remote_gid: 0 if the device with GID @rgid is reachable from @dev
 *	(on VLAN @vid if @vid_valid), -ENETUNREACH or another error otherwise.
 *	A device always reaches itself.
 * @max_dmbs: how many DMBs one device of this kind can hold; constant for
 *	the lifetime of the driver.
 * @register_dmb: allocate a zeroed buffer of @dmb->dmb_len bytes for
 *	@client, for the writer @dmb->rgid, and fill @dmb->dmb_tok,
 *	@dmb->cpu_addr, @dmb->idx and @dmb->dma_addr.  The buffer reads zero
 *	every time, also when its memory held an earlier DMB.  Sets
 *	dev->dmb_clientid_arr[idx] to @client->id.  Returns 0, -EINVAL for a
 *	bad length, writer or requested index, -ENOSPC when the device is
 *	full, -ENOMEM when memory is short, -EIO when the hardware refused.
 * @unregister_dmb: unregister and free the DMB @dmb->dmb_tok.  Returns 0,
 *	-EINVAL for an unknown token, or -EIO when the hardware refused: the
 *	driver then keeps the memory (the hardware may still write it) until
 *	a later call with the token or the device's removal frees it, but the
 *	DMB is no longer @client's: no handle_irq() for it, and
 *	dibs_unregister_client() does not count it.  The client may forget it
 *	(smc does).
 * @move_data: write @size bytes from @data at @offset into the DMB named
 *	@dmb_tok, on whichever device of the fabric owns it.  If @sf is set,
 *	the owner's client gets handle_irq() with bit @idx set in the mask (see
 *	struct dibs_client_ops).  Synchronous: @data may be reused on return.
 *	May be called in atomic context.  Returns 0, -EINVAL for an unknown
 *	token or a write beyond the end of the DMB, -EACCES if @dev is not the
 *	DMB's writer or cannot reach it (nothing is written then).  A hardware
 *	device may not tell these apart: ISM's store block only fails, and
 *	dibs_ism returns -EIO for every refused write.  Callers must treat
 *	any error as "not written".
 * @add_vlan_id: optional, deprecated: join VLAN @vlan_id.  Atomic context
 *	(must not sleep).
 * @del_vlan_id: optional, deprecated: leave VLAN @vlan_id.  Atomic context.
 * @signal_event: optional: raise a DIBS_SW_EVENT with @event_code and @info
 *	at every client of the remote device @rgid (@trigger_irq non-zero:
 *	immediately).
 * @support_mmapped_rdmb: optional, all or none with @attach_dmb and
 *	@detach_dmb: non-zero if the device can attach a writer to remote DMBs.
 * @attach_dmb: optional: attach to the remote DMB @dmb->dmb_tok; fills
 *	@dmb->cpu_addr (an alias of the remote buffer), @dmb->dma_addr,
 *	@dmb->dmb_len and @dmb->idx.  The memory stays valid until
 *	detach_dmb(), even if the owner unregisters the DMB meanwhile.
 *	Returns 0, -EINVAL for an unknown token, -EACCES as for move_data().
 * @detach_dmb: optional: drop an attachment made with attach_dmb().
 */
struct dibs_dev_ops {
	u16 (*get_fabric_id)(struct dibs_dev *dev);
	int (*query_remote_gid)(struct dibs_dev *dev, const uuid_t *rgid,
				u32 vid_valid, u32 vid);
	int (*max_dmbs)(void);
	int (*register_dmb)(struct dibs_dev *dev, struct dibs_dmb *dmb,
			    struct dibs_client *client);
	int (*unregister_dmb)(struct dibs_dev *dev, struct dibs_dmb *dmb);
	int (*move_data)(struct dibs_dev *dev, u64 dmb_tok, unsigned int idx,
			 bool sf, unsigned int offset, void *data,
			 unsigned int size);
	int (*add_vlan_id)(struct dibs_dev *dev, u64 vlan_id);
	int (*del_vlan_id)(struct dibs_dev *dev, u64 vlan_id);
	int (*signal_event)(struct dibs_dev *dev, const uuid_t *rgid,
			    u32 trigger_irq, u32 event_code, u64 info);
	int (*support_mmapped_rdmb)(struct dibs_dev *dev);
	int (*attach_dmb)(struct dibs_dev *dev, struct dibs_dmb *dmb);
	int (*detach_dmb)(struct dibs_dev *dev, u64 token);
};

struct dibs_dev_kind;
struct dibs_dev_stats;

/**
 * struct dibs_dev - a dibs device
 * @list: the dibs layer's list of devices
 * @dev: the driver-model device (class "dibs"); its name is the dibs name
 * @ops: device ops; set by the driver before dibs_dev_add()
 * @gid: the device's GID; set by the driver before dibs_dev_add()
 * @drv_priv: the driver's private data
 * @priv: one pointer per client, see dibs_set_priv()/dibs_get_priv()
 * @lock: protects @dmb_clientid_arr and @subs.  A driver calls a client's
 *	handle_irq() or handle_event() either under it, or after it read
 *	@subs under it and released it, inside an RCU read-side section (the
 *	dibs layer waits for a grace period after it cleared @subs and before
 *	del_dev()).  Each device's lock has a lockdep class of its own.
 * @dmb_clientid_arr: client id per DMB index, NO_DIBS_CLIENT if free;
 *	allocated by dibs_dev_add() with max_dmbs() entries
 * @subs: the clients that receive callbacks, indexed by client id
 * @kind: extension: the kind that made the device (NULL: none)
 * @stats: extension: per-CPU counters, see dibs_stats_*()
 * @index: extension: set by dibs_dev_add(); grows with every device added
 *	and is never reused, so that a listing can resume after a device
 * @dmbs_in_use: extension: DMBs registered and not yet unregistered, as
 *	counted by dibs_stats_dmb(); read it with dibs_dev_dmbs_in_use()
 * @removing: extension: dibs_dev_del() is under way (the dibs layer's,
 *	read it with READ_ONCE())
 * @kind_del: extension: a dibs_kind_dev_del() of the device is under way
 *	(the dibs layer's)
 * @clients: extension: the ids of the clients whose add_dev() ran for the
 *	device and whose del_dev() has not started (the dibs layer's)
 * @lock_key: extension: the lockdep class of @lock
 */
struct dibs_dev {
	struct list_head list;
	struct device dev;
	const struct dibs_dev_ops *ops;
	uuid_t gid;
	void *drv_priv;
	void *priv[MAX_DIBS_CLIENTS];
	spinlock_t lock;
	u8 *dmb_clientid_arr;
	struct dibs_client *subs[MAX_DIBS_CLIENTS];

	/* Extensions of this suite; mainline has none of these fields. */
	const struct dibs_dev_kind *kind;
	struct dibs_dev_stats __percpu *stats;
	u64 index;
	atomic_t dmbs_in_use;
	bool removing;
	bool kind_del;
	unsigned long clients;
	struct lock_class_key lock_key;
};

/**
 * dibs_set_priv() - store a client's private pointer for a device
 * @dev: the device
 * @client: the registered client
 * @priv: the pointer
 *
 * Context: any; typically from the client's add_dev().
 */
static inline void dibs_set_priv(struct dibs_dev *dev,
				 struct dibs_client *client, void *priv)
{
	dev->priv[client->id] = priv;
}

/**
 * dibs_get_priv() - the private pointer a client stored for a device
 * @dev: the device
 * @client: the registered client
 *
 * Context: any.
 * Return: what dibs_set_priv() stored, NULL if nothing.
 */
static inline void *dibs_get_priv(struct dibs_dev *dev,
				  struct dibs_client *client)
{
	return dev->priv[client->id];
}

/**
 * dibs_dev_alloc() - allocate a device structure
 *
 * Initialises @dev (class "dibs"), @lock and the extension fields.  After
 * success the structure is reference counted: give it up with
 * put_device(&dibs->dev), never with kfree().
 *
 * Context: process context, may sleep.
 * Return: the new device, or NULL without memory.
 */
struct dibs_dev *dibs_dev_alloc(void);

/**
 * dibs_dev_add() - make a device known to the dibs layer and all clients
 * @dibs: allocated by dibs_dev_alloc(), with a name (dev_set_name()),
 *	@ops, @gid and @drv_priv set
 *
 * Adds the device to sysfs (/sys/class/dibs/NAME) and calls every client's
 * add_dev().
 *
 * The driver may enable its interrupt before: @lock is ready from
 * dibs_dev_alloc() on, and @dmb_clientid_arr is published and withdrawn
 * under it (a handler must check it for NULL).
 *
 * Context: process context, may sleep.
 * Return: 0 on success; -EEXIST if a dibs device of that name exists (then
 * nothing was done to @dibs: it may be renamed and added again);
 * -EINVAL for a device without name or ops, -ENOMEM, or another error of
 * device_add() (-EBUSY for its -EEXIST): after those @dibs must not be
 * added again.  On failure the caller still owns its reference.
 */
int dibs_dev_add(struct dibs_dev *dibs);

/**
 * dibs_dev_del() - remove a device from all clients and the dibs layer
 * @dibs: a device added with dibs_dev_add()
 *
 * Stops all client callbacks, calls every client's del_dev() and removes the
 * device from sysfs.  The caller still holds its reference and frees the
 * device's DMBs (if clients left any) before put_device().
 *
 * A client's del_dev() may take long (SMC-D's waits until every socket on
 * the device is closed).  Meanwhile the device is listed as removing, keeps
 * its name (a new device of that name gets -EEXIST) and takes no new client
 * and no self-check; nothing else waits for it: other devices, listings and
 * client (un)registration go on.  Only one caller may delete a device; a
 * second call while the first runs returns at once.
 *
 * Context: process context, may sleep.  The caller must hold no lock that
 * a client's add_dev() or del_dev(), or a device addition, may take.
 */
void dibs_dev_del(struct dibs_dev *dibs);

/*
 * Extensions
 * ----------
 * Not in mainline.  Device kinds let the control plane create and delete
 * devices at runtime and list a device's DMBs; statistics count what a
 * device did.  All of them are optional for a driver.
 */

/**
 * struct dibs_dmb_info - one DMB, as a device reports it to the control plane
 * @dmb_tok: the token
 * @rgid: GID of the writer
 * @dmb_len: length in bytes
 * @idx: index on the device
 * @client_id: id of the owning client
 * @attach_count: writers attached with attach_dmb()
 */
struct dibs_dmb_info {
	u64 dmb_tok;
	uuid_t rgid;
	u32 dmb_len;
	u32 idx;
	u8 client_id;
	u32 attach_count;
};

struct netlink_ext_ack;

/**
 * struct dibs_dev_kind - a kind of dibs device ("lo", "ism", ...)
 * @name: the kind's name, unique among kinds
 * @owner: the module implementing the kind (THIS_MODULE)
 * @new_dev: optional: create and add a device named @name (NULL: the kind
 *	picks a name).  Process context; the dibs layer serialises the
 *	@new_dev calls of all kinds.  Returns the device, which the kind keeps
 *	owning, or an ERR_PTR() with an extack message on failure.
 * @del_dev: optional: delete a device of this kind made by @new_dev.
 *	Process context, without the dibs layer's locks: it may run while
 *	@new_dev or @del_dev of another device runs, and for as long as the
 *	clients' del_dev() take; never twice at a time for one device, and
 *	always with a reference on @owner.  Returns 0, or an errno with an
 *	extack message.
 * @dmb_next: optional: report the DMB with the lowest index >= *@idx into
 *	@info, set *@idx to its index and return 0; -ENOENT if there is none.
 *	Process context.
 * @nr_peers: optional: how many other devices of its fabric @dev reaches
 *	now (netlink ``peers``).  Any context but hard IRQ.
 * @list: the dibs layer's list of kinds
 *
 * A driver sets dibs_dev.kind before dibs_dev_add() to name its kind.  A
 * module unregisters its kind before it deletes its devices on unload, so
 * that no @new_dev/@del_dev call races with the unload.
 */
struct dibs_dev_kind {
	const char *name;
	struct module *owner;
	struct dibs_dev *(*new_dev)(const char *name,
				    struct netlink_ext_ack *extack);
	int (*del_dev)(struct dibs_dev *dev, struct netlink_ext_ack *extack);
	int (*dmb_next)(struct dibs_dev *dev, u32 *idx,
			struct dibs_dmb_info *info);
	u32 (*nr_peers)(struct dibs_dev *dev);
	struct list_head list;
};

/**
 * dibs_kind_register() - make a device kind known
 * @kind: the kind, with @name and @owner set
 *
 * Context: process context, may sleep.
 * Return: 0, or -EEXIST if a kind of that name is registered.
 */
int dibs_kind_register(struct dibs_dev_kind *kind);

/**
 * dibs_kind_unregister() - forget a device kind
 * @kind: a registered kind; its devices must already be deleted
 *
 * Context: process context, may sleep.
 */
void dibs_kind_unregister(struct dibs_dev_kind *kind);

/**
 * dibs_kind_dev_new() - create a device of a kind
 * @kind: the kind's name
 * @name: the new device's name, or NULL to let the kind choose
 * @new_name: if not NULL, receives the new device's name
 * @new_name_len: size of @new_name (IFNAMSIZ is enough for any dibs name)
 * @extack: where to put an error message, may be NULL
 *
 * Context: process context, may sleep.
 * Return: 0; -ENOENT for an unknown kind, -EOPNOTSUPP if the kind cannot
 * create devices, -EINVAL for a malformed name (1..15 characters of
 * [A-Za-z0-9_.-]), -EEXIST if the name is taken, or the kind's error.
 */
int dibs_kind_dev_new(const char *kind, const char *name, char *new_name,
		      size_t new_name_len, struct netlink_ext_ack *extack);

/**
 * dibs_kind_dev_del() - delete a device made through its kind
 * @name: the device's name
 * @extack: where to put an error message, may be NULL
 *
 * Context: process context, may sleep.
 * Return: 0; -ENODEV for an unknown device, -EOPNOTSUPP if its kind cannot
 * delete devices, or the kind's error.
 */
int dibs_kind_dev_del(const char *name, struct netlink_ext_ack *extack);

/**
 * struct dibs_dev_stats - per-CPU counters of a device
 * @move_data: successful move_data() calls issued on this device
 * @bytes_moved: bytes those calls wrote
 * @signals: handle_irq() calls this device raised at its clients
 * @dmb_registered: successful register_dmb() calls
 * @dmb_unregistered: successful unregister_dmb() calls
 * @errors: ops that failed (bad token, out of range, full, ...)
 * @syncp: consistent 64 bit reads on 32 bit machines
 */
struct dibs_dev_stats {
	u64_stats_t move_data;
	u64_stats_t bytes_moved;
	u64_stats_t signals;
	u64_stats_t dmb_registered;
	u64_stats_t dmb_unregistered;
	u64_stats_t errors;
	struct u64_stats_sync syncp;
};

/**
 * struct dibs_dev_stats_sum - the counters of struct dibs_dev_stats, summed
 * over all CPUs by dibs_dev_stats_read()
 * @move_data: see struct dibs_dev_stats
 * @bytes_moved: see struct dibs_dev_stats
 * @signals: see struct dibs_dev_stats
 * @dmb_registered: see struct dibs_dev_stats
 * @dmb_unregistered: see struct dibs_dev_stats
 * @errors: see struct dibs_dev_stats
 */
struct dibs_dev_stats_sum {
	u64 move_data;
	u64 bytes_moved;
	u64 signals;
	u64 dmb_registered;
	u64 dmb_unregistered;
	u64 errors;
};

/**
 * dibs_dev_stats_read() - sum a device's counters over all CPUs
 * @dev: the device
 * @sum: where to put the sums
 *
 * Context: any.
 */
void dibs_dev_stats_read(struct dibs_dev *dev, struct dibs_dev_stats_sum *sum);

/* Drivers count with these; cheap enough for move_data() and IRQ paths. */
#define __dibs_stats_add(dev, field, val)				\
	do {								\
		struct dibs_dev_stats *__s;				\
		unsigned long __flags;					\
									\
		if (!(dev)->stats)					\
			break;						\
		__s = get_cpu_ptr((dev)->stats);			\
		__flags = u64_stats_update_begin_irqsave(&__s->syncp);	\
		u64_stats_add(&__s->field, (val));			\
		u64_stats_update_end_irqrestore(&__s->syncp, __flags);	\
		put_cpu_ptr((dev)->stats);				\
	} while (0)

/**
 * dibs_stats_move() - count a successful move_data()
 * @dev: the sending device
 * @bytes: bytes written
 *
 * Context: any.
 */
static inline void dibs_stats_move(struct dibs_dev *dev, unsigned int bytes)
{
	__dibs_stats_add(dev, move_data, 1);
	__dibs_stats_add(dev, bytes_moved, bytes);
}

/**
 * dibs_stats_signal() - count a handle_irq() raised at a client
 * @dev: the device that owns the signalled DMB
 *
 * Context: any.
 */
static inline void dibs_stats_signal(struct dibs_dev *dev)
{
	__dibs_stats_add(dev, signals, 1);
}

/**
 * dibs_dev_dmb_count() - account a DMB registered on or unregistered from @dev
 * @dev: the device
 * @registered: true for register_dmb(), false for unregister_dmb()
 *
 * Keeps @dev->dmbs_in_use and tells DMB listings in progress that the DMBs
 * changed.  Drivers call it through dibs_stats_dmb().
 *
 * Context: any.
 */
void dibs_dev_dmb_count(struct dibs_dev *dev, bool registered);

/**
 * dibs_stats_dmb() - count a successful DMB registration or unregistration
 * @dev: the device
 * @registered: true for register_dmb(), false for unregister_dmb()
 *
 * Besides the statistics this keeps the number of DMBs in use (sysfs
 * ``dmbs``, netlink ``dmbs-in-use``), so a driver calls it for every
 * register_dmb() and unregister_dmb() that succeeds.  DMBs a driver frees
 * itself while its device is being deleted need not be counted.
 *
 * Context: any.
 */
static inline void dibs_stats_dmb(struct dibs_dev *dev, bool registered)
{
	if (registered)
		__dibs_stats_add(dev, dmb_registered, 1);
	else
		__dibs_stats_add(dev, dmb_unregistered, 1);
	dibs_dev_dmb_count(dev, registered);
}

/**
 * dibs_stats_error() - count a failed op
 * @dev: the device
 *
 * Context: any.
 */
static inline void dibs_stats_error(struct dibs_dev *dev)
{
	__dibs_stats_add(dev, errors, 1);
}

/*
 * Signals and events
 * ------------------
 * What every device does to raise its clients' handle_irq() and
 * handle_event(), written once.  Not in mainline, whose one device with a
 * fabric (ism) writes it out.
 */

/**
 * dibs_signal_mask() - the mask a writer's signal raises
 * @idx: the idx the writer passed to move_data()
 *
 * A move_data() with the signal flag reaches the client that owns the
 * target DMB as handle_irq(dev, dmb_idx, mask) with this mask: bit 12
 * rotated right by @idx (ror16(0x1000, @idx)), as ISM hardware sets the
 * DMB's dmbe mask.  Spelled out because sparse warns about ror16() of a
 * constant.
 *
 * Context: any.
 * Return: the mask.
 */
static inline u16 dibs_signal_mask(unsigned int idx)
{
	unsigned int s = idx & 15;

	return (0x1000U >> s | 0x1000U << (16 - s)) & 0xffff;
}

/**
 * dibs_dmb_client() - the client that owns a DMB of a device
 * @dev: the device
 * @idx: the DMB's index on @dev, below its max_dmbs()
 *
 * Looks @idx up in @dev->dmb_clientid_arr and @dev->subs.  A device calls
 * the client's handle_irq() (dibs_dmb_signal()) either under @dev->lock or
 * after releasing it; in the latter case the caller keeps the client alive
 * by an RCU read-side section around the lookup and the call (the dibs
 * layer waits for a grace period before a client's del_dev()).
 *
 * Context: @dev->lock held.
 * Return: the client, or NULL if the DMB has none (not registered, being
 * unregistered, or the device has no client table yet or any more).
 */
static inline struct dibs_client *dibs_dmb_client(struct dibs_dev *dev,
						  unsigned int idx)
{
	u8 cid;

	lockdep_assert_held(&dev->lock);
	if (!dev->dmb_clientid_arr)
		return NULL;
	cid = dev->dmb_clientid_arr[idx];
	return cid < MAX_DIBS_CLIENTS ? dev->subs[cid] : NULL;
}

/**
 * dibs_dmb_signal() - raise handle_irq() at the client that owns a DMB
 * @dev: the device that holds the DMB
 * @client: its owner, from dibs_dmb_client()
 * @idx: the DMB's index on @dev
 * @mask: the signal's mask (dibs_signal_mask() of the writer's idx; ISM
 *	hardware: the DMB's dmbe mask)
 *
 * Calls the client's handle_irq() and counts the signal.
 *
 * Context: interrupts disabled, as struct dibs_client_ops.handle_irq
 * expects; see dibs_dmb_client() for what keeps @client.
 */
static inline void dibs_dmb_signal(struct dibs_dev *dev,
				   struct dibs_client *client,
				   unsigned int idx, u16 mask)
{
	client->ops->handle_irq(dev, idx, mask);
	dibs_stats_signal(dev);
}

/**
 * dibs_clients_handle_event() - hand an event to every client of a device
 * @dev: the device the event is for
 * @clients: its clients, MAX_DIBS_CLIENTS entries: @dev->subs (under
 *	@dev->lock), or a copy taken under it (then an RCU read-side section
 *	keeps them, as for dibs_dmb_client())
 * @ev: the event
 *
 * Calls handle_event() of each client that has one, in client id order.
 *
 * Context: interrupts disabled, as struct dibs_client_ops.handle_event
 * expects.
 */
static inline void dibs_clients_handle_event(struct dibs_dev *dev,
					     struct dibs_client *const *clients,
					     const struct dibs_event *ev)
{
	struct dibs_client *client;
	int i;

	for (i = 0; i < MAX_DIBS_CLIENTS; i++) {
		client = clients[i];
		if (client && client->ops->handle_event)
			client->ops->handle_event(dev, ev);
	}
}

#endif /* _LINUX_DIBS_H */
