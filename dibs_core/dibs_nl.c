// SPDX-License-Identifier: GPL-2.0
/*
 * dibs_nl.c - the generic netlink family "dibs"
 *
 * The control plane of the dibs layer, as Documentation/netlink/specs/dibs.yaml
 * describes it: dev-get (do, dump), client-get (dump), dmb-get (dump),
 * dev-new, dev-del, selftest, and the notifications dev-add-ntf/dev-del-ntf
 * on the multicast group "monitor".
 *
 * The policies, the split ops (every do and every dump with a policy of its
 * own) and the family are generated from the spec by mainline's
 * ynl-gen-c.py into dibs_nl_gen.c (scripts/ynl-regen); this file has the
 * handlers.  The family is registered through include/compat/dibs_genl.h,
 * which makes a request refuse attributes its spec does not give it, and
 * the generated table work on kernels without split ops.
 *
 * Dumps resume after stable keys (dibs_dev.index, client id, DMB index), so
 * that a device or DMB listed throughout a dump is sent exactly once
 * however the lists change between its calls, and they set cb->seq to the
 * generation of what they list: the core marks the first message after a
 * change NLM_F_DUMP_INTR (genl_dump_check_consistent()).
 */

#include <linux/device.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/string.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <uapi/linux/dibs_netlink.h>

#include <compat/dibs_genl.h>

#include "dibs_core.h"
#include "dibs_nl_gen.h"
#include "dibs_selftest.h"

static_assert(sizeof(uuid_t) == DIBS_GID_LEN);

/* Set while the family is registered; notifications need a family id. */
static bool dibs_nl_registered;

/* State of a dump, laid over netlink_callback.ctx: where to resume. */
struct dibs_nl_dump_ctx {
	u64 dev;		/* first dibs_dev.index not completely sent */
	u32 dmb_idx;		/* next DMB index on device @dev */
	u32 client;		/* first client id not sent */
	bool started;		/* not the first call */
};

static struct dibs_nl_dump_ctx *dibs_nl_dump_ctx(struct netlink_callback *cb)
{
	BUILD_BUG_ON(sizeof(struct dibs_nl_dump_ctx) > sizeof(cb->ctx));
	return (struct dibs_nl_dump_ctx *)cb->ctx;
}

/* Look up the device named by attribute @type of a do request. */
static struct dibs_dev *dibs_nl_get_dev(struct genl_info *info, int type)
{
	struct nlattr *attr = info->attrs[type];
	struct dibs_dev *dev;

	dev = dibs_dev_get_by_name(nla_data(attr));
	if (!dev)
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "no such dibs device");
	return dev;
}

static int dibs_nl_put_stats(struct sk_buff *skb, struct dibs_dev *dev)
{
	struct dibs_dev_stats_sum sum;
	struct nlattr *nest;

	dibs_dev_stats_read(dev, &sum);
	nest = nla_nest_start(skb, DIBS_A_DEV_STATS);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, DIBS_A_STATS_MOVE_DATA, sum.move_data,
			      DIBS_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, DIBS_A_STATS_BYTES_MOVED, sum.bytes_moved,
			      DIBS_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, DIBS_A_STATS_SIGNALS, sum.signals,
			      DIBS_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, DIBS_A_STATS_DMB_REGISTERED,
			      sum.dmb_registered, DIBS_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, DIBS_A_STATS_DMB_UNREGISTERED,
			      sum.dmb_unregistered, DIBS_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, DIBS_A_STATS_ERRORS, sum.errors,
			      DIBS_A_STATS_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int dibs_nl_put_clients(struct sk_buff *skb, struct dibs_dev *dev)
{
	struct dibs_client *clients[MAX_DIBS_CLIENTS];
	struct nlattr *nest;
	int i, n;

	n = dibs_dev_get_clients(dev, clients);
	for (i = 0; i < n; i++) {
		nest = nla_nest_start(skb, DIBS_A_DEV_CLIENT);
		if (!nest)
			return -EMSGSIZE;
		if (nla_put_string(skb, DIBS_A_CLIENT_NAME,
				   clients[i]->name ?: "") ||
		    nla_put_u32(skb, DIBS_A_CLIENT_ID, clients[i]->id)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
		nla_nest_end(skb, nest);
	}
	return 0;
}

/*
 * One device message.  @full: everything dev-get reports; otherwise only
 * what stays valid while a device is being removed (name, kind, GID,
 * fabric id), for dev-del-ntf.
 */
static int dibs_nl_fill_dev(struct sk_buff *skb, struct dibs_dev *dev,
			    u32 portid, u32 seq, int flags, u8 cmd, bool full)
{
	struct device *parent = dev->dev.parent;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &dibs_nl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;

	if (nla_put_string(skb, DIBS_A_DEV_NAME, dev_name(&dev->dev)) ||
	    nla_put_string(skb, DIBS_A_DEV_KIND, dibs_dev_kind_name(dev)) ||
	    nla_put(skb, DIBS_A_DEV_GID, sizeof(dev->gid), &dev->gid) ||
	    nla_put_u16(skb, DIBS_A_DEV_FABRIC_ID,
			dev->ops->get_fabric_id(dev)))
		goto cancel;

	if (full) {
		if (nla_put_u32(skb, DIBS_A_DEV_MAX_DMBS, dev->ops->max_dmbs()) ||
		    nla_put_u32(skb, DIBS_A_DEV_DMBS_IN_USE,
				dibs_dev_dmbs_in_use(dev)))
			goto cancel;
		if (parent &&
		    nla_put_string(skb, DIBS_A_DEV_PARENT, dev_name(parent)))
			goto cancel;
		if (dibs_nl_put_clients(skb, dev) ||
		    dibs_nl_put_stats(skb, dev))
			goto cancel;
		if (READ_ONCE(dev->removing) &&
		    nla_put_flag(skb, DIBS_A_DEV_REMOVING))
			goto cancel;
		if (dev->kind && dev->kind->nr_peers &&
		    nla_put_u32(skb, DIBS_A_DEV_PEERS, dev->kind->nr_peers(dev)))
			goto cancel;
	}

	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

struct dibs_nl_dev_get_ctx {
	struct sk_buff *msg;
	struct genl_info *info;
};

/* Runs under the device list lock: the device's ops and data are live. */
static int dibs_nl_dev_get_one(struct dibs_dev *dev, void *arg)
{
	struct dibs_nl_dev_get_ctx *ctx = arg;

	return dibs_nl_fill_dev(ctx->msg, dev, ctx->info->snd_portid,
				ctx->info->snd_seq, 0, DIBS_CMD_DEV_GET, true);
}

int dibs_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct dibs_nl_dev_get_ctx ctx = { .info = info };
	struct nlattr *attr = info->attrs[DIBS_A_DEV_NAME];
	int err;

	if (GENL_REQ_ATTR_CHECK(info, DIBS_A_DEV_NAME)) {
		NL_SET_ERR_MSG(info->extack, "missing device name");
		return -EINVAL;
	}

	ctx.msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!ctx.msg)
		return -ENOMEM;
	err = dibs_dev_call(nla_data(attr), dibs_nl_dev_get_one, &ctx);
	if (err) {
		if (err == -ENODEV)
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "no such dibs device");
		nlmsg_free(ctx.msg);
		return err;
	}
	return genlmsg_reply(ctx.msg, info);
}

struct dibs_nl_walk {
	struct sk_buff *skb;
	struct netlink_callback *cb;
	struct dibs_nl_dump_ctx *ctx;
	const char *filter;	/* dmb-get: only this device */
	bool sent;		/* this call added a message */
};

/*
 * Start of a dump call: the generation of what it lists goes to cb->seq
 * (read before the walk: a change after it shows in the next call's value).
 */
static void dibs_nl_dump_begin(struct dibs_nl_walk *w,
			       struct netlink_callback *cb, struct sk_buff *skb,
			       unsigned int gen)
{
	w->skb = skb;
	w->cb = cb;
	w->ctx = dibs_nl_dump_ctx(cb);
	cb->seq = gen;
}

/* A message of the dump: header, and NLM_F_DUMP_INTR if the list changed. */
static void *dibs_nl_dump_put(struct dibs_nl_walk *w, u8 cmd)
{
	void *hdr;

	hdr = genlmsg_put(w->skb, NETLINK_CB(w->cb->skb).portid,
			  w->cb->nlh->nlmsg_seq, &dibs_nl_family, NLM_F_MULTI,
			  cmd);
	if (hdr)
		genl_dump_check_consistent(w->cb, hdr);
	return hdr;
}

static int dibs_nl_dev_dump_one(struct dibs_dev *dev, void *arg)
{
	struct dibs_nl_walk *w = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)skb_tail_pointer(w->skb);
	int err;

	err = dibs_nl_fill_dev(w->skb, dev, NETLINK_CB(w->cb->skb).portid,
			       w->cb->nlh->nlmsg_seq, NLM_F_MULTI,
			       DIBS_CMD_DEV_GET, true);
	if (err)
		return err;
	nl_dump_check_consistent(w->cb, nlh);
	w->ctx->dev = dev->index + 1;
	w->sent = true;
	return 0;
}

/* End of a dump call: what to return. */
static int dibs_nl_dump_end(struct dibs_nl_walk *w, int err)
{
	w->ctx->started = true;
	if (err == -EMSGSIZE && w->sent)
		return w->skb->len;
	if (err)
		return err;
	return w->skb->len;
}

int dibs_nl_dev_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct dibs_nl_walk w = {};

	dibs_nl_dump_begin(&w, cb, skb, dibs_devs_gen_read());
	return dibs_nl_dump_end(&w, dibs_walk_devs_from(w.ctx->dev,
							dibs_nl_dev_dump_one,
							&w));
}

static int dibs_nl_client_dump_one(struct dibs_client *client, void *arg)
{
	struct dibs_nl_walk *w = arg;
	void *hdr;

	if (client->id < w->ctx->client)
		return 0;
	hdr = dibs_nl_dump_put(w, DIBS_CMD_CLIENT_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_string(w->skb, DIBS_A_CLIENT_NAME, client->name ?: "") ||
	    nla_put_u32(w->skb, DIBS_A_CLIENT_ID, client->id)) {
		genlmsg_cancel(w->skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(w->skb, hdr);
	w->ctx->client = client->id + 1;
	w->sent = true;
	return 0;
}

int dibs_nl_client_get_dumpit(struct sk_buff *skb,
			      struct netlink_callback *cb)
{
	struct dibs_nl_walk w = {};

	dibs_nl_dump_begin(&w, cb, skb, dibs_devs_gen_read());
	return dibs_nl_dump_end(&w, dibs_walk_clients(dibs_nl_client_dump_one,
							 &w));
}

/* The name of client @id of @dev, copied under the device lock. */
static void dibs_nl_client_name(struct dibs_dev *dev, u8 id, char *buf,
				size_t len)
{
	struct dibs_client *client;
	unsigned long flags;

	buf[0] = '\0';
	if (id >= MAX_DIBS_CLIENTS)
		return;
	spin_lock_irqsave(&dev->lock, flags);
	client = dev->subs[id];
	if (client && client->name)
		strscpy(buf, client->name, len);
	spin_unlock_irqrestore(&dev->lock, flags);
}

static int dibs_nl_fill_dmb(struct dibs_nl_walk *w, struct dibs_dev *dev,
			    const struct dibs_dmb_info *info)
{
	struct sk_buff *skb = w->skb;
	char client[DIBS_NAME_LEN];
	void *hdr;

	dibs_nl_client_name(dev, info->client_id, client, sizeof(client));

	hdr = dibs_nl_dump_put(w, DIBS_CMD_DMB_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_string(skb, DIBS_A_DMB_DEV_NAME, dev_name(&dev->dev)) ||
	    nla_put_u64_64bit(skb, DIBS_A_DMB_TOKEN, info->dmb_tok,
			      DIBS_A_DMB_PAD) ||
	    nla_put_u32(skb, DIBS_A_DMB_LEN, info->dmb_len) ||
	    nla_put_u32(skb, DIBS_A_DMB_INDEX, info->idx) ||
	    nla_put_u32(skb, DIBS_A_DMB_CLIENT_ID, info->client_id) ||
	    (client[0] &&
	     nla_put_string(skb, DIBS_A_DMB_CLIENT_NAME, client)) ||
	    nla_put(skb, DIBS_A_DMB_RGID, sizeof(info->rgid), &info->rgid) ||
	    nla_put_u32(skb, DIBS_A_DMB_ATTACH_COUNT, info->attach_count)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int dibs_nl_dmb_dump_one(struct dibs_dev *dev, void *arg)
{
	struct dibs_nl_walk *w = arg;
	struct dibs_nl_dump_ctx *ctx = w->ctx;
	struct dibs_dmb_info info;
	u32 idx;
	int err;

	if ((w->filter && strcmp(w->filter, dev_name(&dev->dev))) ||
	    !dev->kind || !dev->kind->dmb_next)
		goto next_dev;

	/* resume inside the device an earlier call stopped in, if it is left */
	idx = dev->index == ctx->dev ? ctx->dmb_idx : 0;
	for (;;) {
		memset(&info, 0, sizeof(info));
		err = dev->kind->dmb_next(dev, &idx, &info);
		if (err == -ENOENT)
			break;
		if (err)
			return err;
		err = dibs_nl_fill_dmb(w, dev, &info);
		if (err) {
			/* resume at this DMB */
			ctx->dev = dev->index;
			ctx->dmb_idx = idx;
			return err;
		}
		w->sent = true;
		if (idx == U32_MAX)
			break;
		idx++;
	}
next_dev:
	ctx->dev = dev->index + 1;
	ctx->dmb_idx = 0;
	return 0;
}

int dibs_nl_dmb_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlattr **tb = dibs_genl_dump_attrs(cb);
	struct dibs_nl_walk w = {};
	struct dibs_dev *dev;

	if (tb[DIBS_A_DMB_DEV_NAME]) {
		w.filter = nla_data(tb[DIBS_A_DMB_DEV_NAME]);
		/* an unknown device is an error on the first call only */
		if (!dibs_nl_dump_ctx(cb)->started) {
			dev = dibs_dev_get_by_name(w.filter);
			if (!dev) {
				NL_SET_ERR_MSG_ATTR(cb->extack,
						    tb[DIBS_A_DMB_DEV_NAME],
						    "no such dibs device");
				return -ENODEV;
			}
			put_device(&dev->dev);
		}
	}

	/* either list changing makes the DMBs listed inconsistent */
	dibs_nl_dump_begin(&w, cb, skb,
			   dibs_devs_gen_read() + dibs_dmbs_gen_read());
	return dibs_nl_dump_end(&w, dibs_walk_devs_from(w.ctx->dev,
							dibs_nl_dmb_dump_one,
							&w));
}

struct dibs_nl_dev_new_reply {
	struct genl_info *info;
	struct sk_buff *msg;	/* NULL once sent (or freed) */
	void *hdr;
	bool committing;	/* the device existed, the reply failed */
};

/*
 * Send the reply while nobody can delete the new device yet: if it cannot
 * be delivered (the requester's receive buffer is full), the core deletes
 * the device again and the request changed nothing.
 */
static int dibs_nl_dev_new_commit(struct dibs_dev *dev, void *arg)
{
	struct dibs_nl_dev_new_reply *r = arg;
	struct sk_buff *msg = r->msg;

	r->msg = NULL;
	r->committing = true;
	/* NLMSG_GOODSIZE always holds one short string */
	if (nla_put_string(msg, DIBS_A_DEV_NAME, dev_name(&dev->dev))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, r->hdr);
	return genlmsg_reply(msg, r->info);
}

int dibs_nl_dev_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *kind_attr = info->attrs[DIBS_A_DEV_KIND];
	struct nlattr *name_attr = info->attrs[DIBS_A_DEV_NAME];
	struct dibs_nl_dev_new_reply r = { .info = info };
	int err;

	if (GENL_REQ_ATTR_CHECK(info, DIBS_A_DEV_KIND)) {
		NL_SET_ERR_MSG(info->extack, "missing device kind");
		return -EINVAL;
	}

	/* the reply first: once the device exists, only its delivery may fail */
	r.msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!r.msg)
		return -ENOMEM;
	r.hdr = genlmsg_put(r.msg, info->snd_portid, info->snd_seq,
			    &dibs_nl_family, 0, DIBS_CMD_DEV_NEW);
	if (!r.hdr) {
		nlmsg_free(r.msg);
		return -EMSGSIZE;
	}

	err = dibs_kind_dev_new_commit(nla_data(kind_attr),
				       name_attr ? nla_data(name_attr) : NULL,
				       dibs_nl_dev_new_commit, &r,
				       info->extack);
	if (r.msg)
		nlmsg_free(r.msg);
	if (!err)
		return 0;
	if (r.committing) {
		NL_SET_ERR_MSG(info->extack,
			       "the reply could not be delivered; the new device was deleted again");
		return err;
	}
	if (info->extack && info->extack->_msg)
		return err;
	switch (err) {
	case -ENOENT:
		NL_SET_ERR_MSG_ATTR(info->extack, kind_attr,
				    "unknown device kind");
		break;
	case -EOPNOTSUPP:
		NL_SET_ERR_MSG_ATTR(info->extack, kind_attr,
				    "this kind cannot create devices");
		break;
	case -EEXIST:
		NL_SET_ERR_MSG_ATTR(info->extack, name_attr,
				    "a dibs device of that name exists");
		break;
	case -EINVAL:
		NL_SET_ERR_MSG_ATTR(info->extack, name_attr,
				    "malformed device name");
		break;
	default:
		NL_SET_ERR_MSG(info->extack,
			       "the kind failed to create the device");
		break;
	}
	return err;
}

int dibs_nl_dev_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *name_attr = info->attrs[DIBS_A_DEV_NAME];
	int err;

	if (GENL_REQ_ATTR_CHECK(info, DIBS_A_DEV_NAME)) {
		NL_SET_ERR_MSG(info->extack, "missing device name");
		return -EINVAL;
	}

	err = dibs_kind_dev_del(nla_data(name_attr), info->extack);
	if (!err || (info->extack && info->extack->_msg))
		return err;
	switch (err) {
	case -ENODEV:
		NL_SET_ERR_MSG_ATTR(info->extack, name_attr,
				    "no such dibs device");
		break;
	case -EOPNOTSUPP:
		NL_SET_ERR_MSG_ATTR(info->extack, name_attr,
				    "the device's kind cannot delete it");
		break;
	case -EBUSY:
		NL_SET_ERR_MSG_ATTR(info->extack, name_attr,
				    "the device is busy");
		break;
	default:
		NL_SET_ERR_MSG_ATTR(info->extack, name_attr,
				    "the kind failed to delete the device");
		break;
	}
	return err;
}

struct dibs_nl_selftest_ctx {
	struct sk_buff *msg;
	bool overflow;
};

static void dibs_nl_selftest_check(void *arg, const char *name,
				   enum dibs_selftest_result result,
				   const char *text)
{
	struct dibs_nl_selftest_ctx *ctx = arg;
	struct nlattr *nest;

	if (ctx->overflow)
		return;
	nest = nla_nest_start(ctx->msg, DIBS_A_SELFTEST_CHECK);
	if (!nest)
		goto overflow;
	if (nla_put_string(ctx->msg, DIBS_A_CHECK_NAME, name) ||
	    nla_put_u32(ctx->msg, DIBS_A_CHECK_RESULT, result) ||
	    nla_put_string(ctx->msg, DIBS_A_CHECK_MESSAGE, text ?: "")) {
		nla_nest_cancel(ctx->msg, nest);
		goto overflow;
	}
	nla_nest_end(ctx->msg, nest);
	return;

overflow:
	ctx->overflow = true;
}

int dibs_nl_selftest_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct dibs_nl_selftest_ctx ctx = {};
	struct dibs_selftest_report report = {
		.check = dibs_nl_selftest_check,
		.ctx = &ctx,
	};
	struct dibs_dev *dev;
	void *hdr;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, DIBS_A_SELFTEST_DEV_NAME)) {
		NL_SET_ERR_MSG(info->extack, "missing device name");
		return -EINVAL;
	}

	dev = dibs_nl_get_dev(info, DIBS_A_SELFTEST_DEV_NAME);
	if (!dev)
		return -ENODEV;

	err = -ENOMEM;
	ctx.msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!ctx.msg)
		goto out;
	hdr = genlmsg_put(ctx.msg, info->snd_portid, info->snd_seq,
			  &dibs_nl_family, 0, DIBS_CMD_SELFTEST);
	if (!hdr ||
	    nla_put_string(ctx.msg, DIBS_A_SELFTEST_DEV_NAME,
			   dev_name(&dev->dev))) {
		err = -EMSGSIZE;
		goto out_free;
	}

	err = dibs_selftest_run(dev, &report, info->extack);
	if (err)
		goto out_free;
	if (ctx.overflow) {
		NL_SET_ERR_MSG(info->extack,
			       "self-check report does not fit a message");
		err = -EMSGSIZE;
		goto out_free;
	}
	genlmsg_end(ctx.msg, hdr);
	err = genlmsg_reply(ctx.msg, info);
	goto out;

out_free:
	nlmsg_free(ctx.msg);
out:
	put_device(&dev->dev);
	return err;
}

/**
 * dibs_nl_notify_dev() - multicast a device notification
 * @dev: the device that was added, or is being removed
 * @added: true for dev-add-ntf, false for dev-del-ntf
 *
 * A dev-add-ntf carries what dev-get reports; a dev-del-ntf carries the
 * name, kind, GID and fabric id.
 *
 * Context: process context, may sleep.
 */
void dibs_nl_notify_dev(struct dibs_dev *dev, bool added)
{
	struct sk_buff *msg;

	if (!READ_ONCE(dibs_nl_registered) ||
	    !genl_has_listeners(&dibs_nl_family, &init_net,
				DIBS_NLGRP_MONITOR))
		return;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	if (dibs_nl_fill_dev(msg, dev, 0, 0, 0,
			     added ? DIBS_CMD_DEV_ADD_NTF : DIBS_CMD_DEV_DEL_NTF,
			     added)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_multicast(&dibs_nl_family, msg, 0, DIBS_NLGRP_MONITOR,
			  GFP_KERNEL);
}

/**
 * dibs_nl_init() - register the generic netlink family "dibs"
 *
 * Context: module init.
 * Return: 0, -ENOMEM, or the error of genl_register_family().
 */
int dibs_nl_init(void)
{
	int err;

	/*
	 * dibs devices are not per network namespace, nor are the monitor
	 * group's notifications: the family stays in the initial namespace
	 * (ynl-gen-c.py makes every family netnsok).
	 */
	dibs_nl_family.netnsok = false;
	err = dibs_genl_register_family(&dibs_nl_family);
	if (err)
		return err;
	WRITE_ONCE(dibs_nl_registered, true);
	return 0;
}

/**
 * dibs_nl_exit() - unregister the generic netlink family "dibs"
 *
 * Context: module exit.
 */
void dibs_nl_exit(void)
{
	WRITE_ONCE(dibs_nl_registered, false);
	dibs_genl_unregister_family(&dibs_nl_family);
}
