/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dibs_lo internals shared by the files of dibs_lo.ko.  Not an API for other
 * modules; see dibs_lo_main.c for the locking and lifetime rules.
 */
#ifndef _DIBS_LO_H
#define _DIBS_LO_H

#include <linux/atomic.h>
#include <linux/dibs.h>
#include <linux/hashtable.h>
#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/rhashtable-types.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uuid.h>
#include <linux/xarray.h>
#include <uapi/linux/dibs_netlink.h>	/* DIBS_NAME_LEN */

/* Largest DMB register_dmb() accepts. */
#define DIBS_LO_DMB_LEN_MAX	SZ_4M

/*
 * The fabric of the devices made with devices=N or at runtime: they all
 * reach each other.  In the range include/linux/dibs.h reserves for
 * software fabrics.
 */
#define DIBS_LO_FABRIC		0xFFFE

/* Buckets (log2) of a device's table of attachments it holds. */
#define DIBS_LO_ATT_HASH_BITS	6

/**
 * struct dibs_lo_dev - driver data of one dibs_lo device (dibs_dev.drv_priv)
 * @dibs: the dibs device; its reference is ours until dibs_lo_dev_free()
 * @node: entry in the list of all dibs_lo devices (RCU for readers)
 * @fabric_id: DIBS_LOOPBACK_FABRIC for `lo`, DIBS_LO_FABRIC otherwise
 * @added: other devices reach this one (query_remote_gid, signal_event):
 *	set after dibs_dev_add() succeeded, cleared before dibs_dev_del()
 * @deleting: a deletion has claimed the device (under dibs_lo_mutex)
 * @dmbs: the DMBs registered on this device, by index (XA_FLAGS_ALLOC);
 *	entries are freed only after an RCU grace period
 * @att_lock: protects @atts
 * @atts: the attachments this device holds (struct dibs_lo_att), by token
 */
struct dibs_lo_dev {
	struct dibs_dev *dibs;
	struct list_head node;
	u16 fabric_id;
	bool added;
	bool deleting;
	struct xarray dmbs;
	spinlock_t att_lock;	/* protects atts */
	DECLARE_HASHTABLE(atts, DIBS_LO_ATT_HASH_BITS);
};

/**
 * struct dibs_lo_dmb - one DMB
 * @node: entry in the token table (while registered)
 * @tok: the token, unique among the DMBs in the token table
 * @owner: the device the DMB is registered on; only valid while the DMB is
 *	in the token table or in @owner's @dmbs, and read under RCU then
 * @cpu_addr: the buffer (alloc_pages_exact(), page aligned length)
 * @len: length the client asked for
 * @idx: index on @owner (owner->dmbs, dmb_clientid_arr)
 * @rgid: GID of the one device allowed to write
 * @fabric_id: fabric of @owner, for the reachability check
 * @client_id: id of the client that registered the DMB
 * @live: registered; cleared under owner->dibs->lock on unregistration so
 *	that a late move_data() never signals a DMB that reused @idx
 * @refs: one for the registration, one per attachment; the buffer and this
 *	structure are freed an RCU grace period after the last put
 * @attached: attachments, for the control plane
 * @rcu: deferred free
 */
struct dibs_lo_dmb {
	struct rhash_head node;
	u64 tok;
	struct dibs_lo_dev *owner;
	void *cpu_addr;
	u32 len;
	u32 idx;
	uuid_t rgid;
	u16 fabric_id;
	u8 client_id;
	bool live;
	refcount_t refs;
	atomic_t attached;
	struct rcu_head rcu;
};

/**
 * struct dibs_lo_att - attachments of one device to one DMB
 * @node: entry in dibs_lo_dev.atts
 * @tok: the DMB's token
 * @dmb: the DMB; holds @count references to it
 * @count: how often the device attached to it (attach_dmb() calls not yet
 *	undone by detach_dmb())
 */
struct dibs_lo_att {
	struct hlist_node node;
	u64 tok;
	struct dibs_lo_dmb *dmb;
	unsigned int count;
};

extern unsigned int dibs_lo_max_dmbs;

/* dibs_lo_dmb.c */
int dibs_lo_dmb_init(void);
void dibs_lo_dmb_exit(void);
void dibs_lo_dev_init_dmbs(struct dibs_lo_dev *ldev);
void dibs_lo_dev_drop_dmbs(struct dibs_lo_dev *ldev);
int dibs_lo_register_dmb(struct dibs_dev *dibs, struct dibs_dmb *dmb,
			 struct dibs_client *client);
int dibs_lo_unregister_dmb(struct dibs_dev *dibs, struct dibs_dmb *dmb);
int dibs_lo_move_data(struct dibs_dev *dibs, u64 dmb_tok, unsigned int idx,
		      bool sf, unsigned int offset, void *data,
		      unsigned int size);
int dibs_lo_support_mmapped_rdmb(struct dibs_dev *dibs);
int dibs_lo_attach_dmb(struct dibs_dev *dibs, struct dibs_dmb *dmb);
int dibs_lo_detach_dmb(struct dibs_dev *dibs, u64 token);
int dibs_lo_dmb_next(struct dibs_dev *dibs, u32 *idx,
		     struct dibs_dmb_info *info);

#endif /* _DIBS_LO_H */
