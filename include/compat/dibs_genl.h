/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Generic netlink for the family that ynl-gen-c.py generates
 * (dibs_core/dibs_nl_gen.c), on every kernel.  Include after
 * <net/genetlink.h>.
 *
 * GENL_REQ_ATTR_CHECK(info, attr): true if the request lacks @attr; from
 * 6.0 on (DIBS_HAVE_GENL_REQ_ATTR_CHECK) the kernel's, which also names
 * the attribute in the error (NLMSGERR_ATTR_MISS_TYPE).  Where it cannot,
 * the module says so in its modinfo (dibs_nl_miss_type=no), for the tests.
 *
 * dibs_genl_dump_attrs(cb): the request attributes of a dump, parsed and
 * validated by the genetlink core (genl_info_dump(cb)->attrs where the
 * kernel has it, DIBS_HAVE_GENL_INFO_DUMP).
 *
 * dibs_genl_register_family(), dibs_genl_unregister_family(): in place of
 * genl_register_family() and genl_unregister_family() for a family whose
 * table ynl-gen-c.py made.  The table has split ops: a command's do and
 * dump are two entries, each with the policy of its own request, and an
 * entry without a policy is a request the spec gives no attribute.  The
 * kernel reports such an entry as rejecting every attribute (its policy
 * dump shows genl_policy_reject_all) but does not parse its request at
 * all, so "a dev-get dump takes no name" would hold only on paper.  The
 * family registers a copy of the table in which every entry without a
 * policy has dibs_genl_reject_all, so a request with an attribute it does
 * not take fails with EINVAL and "this request takes no attributes".
 *
 * Before 6.2 there are no split ops (DIBS_HAVE_GENL_SPLIT_OPS unset; see
 * dibs_compat.h): the generated table arrives as plain genl_ops, one per
 * do and per dump, in the family's .ops.  The copy then merges each
 * command's entries into one genl_ops, which takes the do's policy (or the
 * dump's, for a dump-only command), and the dump of a command that also
 * has a do checks its request against its own policy before each call of
 * its dumpit, strictly: the same errors and extack messages as with split
 * ops.  (Not in the start callback: 6.1 gives it no extack.)  Both halves
 * of a command must have the same flags.
 */
#ifndef _DIBS_COMPAT_GENL_H
#define _DIBS_COMPAT_GENL_H

#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#ifdef DIBS_HAVE_GENL_INFO_DUMP
static inline struct nlattr **dibs_genl_dump_attrs(struct netlink_callback *cb)
{
	return genl_info_dump(cb)->attrs;
}
#else
static inline struct nlattr **dibs_genl_dump_attrs(struct netlink_callback *cb)
{
	return genl_dumpit_info(cb)->attrs;
}
#endif

#ifndef DIBS_HAVE_GENL_REQ_ATTR_CHECK
/*
 * Before 6.0 a netlink error cannot name the missing attribute
 * (NLMSGERR_ATTR_MISS_TYPE): the check only tests, and the caller's extack
 * message is what user space gets.
 */
#define GENL_REQ_ATTR_CHECK(info, attr)	(!(info)->attrs[(attr)])
/* for the selftests (selftests/netlink/nl_badinput.sh): modinfo -F */
MODULE_INFO(dibs_nl_miss_type, "no");
#endif

/* The policy of a request that takes no attribute. */
static const struct nla_policy dibs_genl_reject_all[] = {
	{ .type = NLA_REJECT },
	{
		.type = NLA_REJECT,
		.reject_message = "this request takes no attributes",
	},
};

#define DIBS_GENL_REJECT_ALL_MAXATTR	(ARRAY_SIZE(dibs_genl_reject_all) - 1)

/*
 * What the family registers: a copy of the generated table (merged per
 * command before 6.2), and the table itself.  Freed at unregistration,
 * found then through the family's ops pointer: the family itself may be
 * read-only by then (__ro_after_init).
 */
struct dibs_genl_ops {
	const struct genl_split_ops *gen;
	unsigned int n_gen;
	struct genl_split_ops ops[];
};

#ifdef DIBS_HAVE_GENL_SPLIT_OPS

/* The table to register: the generated one, every entry with a policy. */
static inline int dibs_genl_fill_ops(struct dibs_genl_ops *c)
{
	unsigned int i;

	memcpy(c->ops, c->gen, c->n_gen * sizeof(*c->gen));
	for (i = 0; i < c->n_gen; i++) {
		if (!c->ops[i].policy) {
			c->ops[i].policy = dibs_genl_reject_all;
			c->ops[i].maxattr = DIBS_GENL_REJECT_ALL_MAXATTR;
		}
	}
	return c->n_gen;
}

#else /* !DIBS_HAVE_GENL_SPLIT_OPS: genl_split_ops is genl_ops */

/* the dumpit of a command that has a do: check the dump's own policy */
static int dibs_genl_compat_dumpit(struct sk_buff *skb,
				   struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	const struct genl_family *family = info->family;
	const struct nla_policy *policy = dibs_genl_reject_all;
	unsigned int i, maxattr = DIBS_GENL_REJECT_ALL_MAXATTR;
	int hdrlen = GENL_HDRLEN + family->hdrsize;
	const struct genl_ops *dump = NULL;
	const struct dibs_genl_ops *c;
	int err;

	c = container_of(family->ops, struct dibs_genl_ops, ops[0]);
	for (i = 0; i < c->n_gen; i++) {
		if (c->gen[i].cmd == info->op.cmd &&
		    (c->gen[i].flags & GENL_CMD_CAP_DUMP)) {
			dump = &c->gen[i];
			break;
		}
	}
	if (WARN_ON_ONCE(!dump))
		return -EINVAL;
	if (dump->policy) {
		policy = dump->policy;
		maxattr = dump->maxattr;
	}
	err = nla_validate(nlmsg_attrdata(cb->nlh, hdrlen),
			   nlmsg_attrlen(cb->nlh, hdrlen), maxattr, policy,
			   cb->extack);
	if (err)
		return err;
	return dump->dumpit(skb, cb);
}

/* The table to register: one genl_ops per command; how many, or -EINVAL. */
static inline int dibs_genl_fill_ops(struct dibs_genl_ops *c)
{
	const u8 cap = GENL_CMD_CAP_DO | GENL_CMD_CAP_DUMP;
	unsigned int i, k = 0;

	for (i = 0; i < c->n_gen; i++) {
		const struct genl_ops *s = &c->gen[i];
		struct genl_ops *op = &c->ops[k];

		if (k && c->ops[k - 1].cmd == s->cmd) {
			/* the dump beside a do: the do's policy stays */
			op = &c->ops[k - 1];
			if (WARN_ON((op->flags ^ s->flags) & ~cap))
				return -EINVAL;
		} else {
			op->cmd = s->cmd;
			op->flags = s->flags & ~cap;
			op->policy = s->policy ?: dibs_genl_reject_all;
			op->maxattr = s->policy ? s->maxattr :
				      DIBS_GENL_REJECT_ALL_MAXATTR;
			op->validate = s->validate;
			k++;
		}
		if (s->flags & GENL_CMD_CAP_DO) {
			op->doit = s->doit;
		} else {
			op->dumpit = op->doit ? dibs_genl_compat_dumpit :
						s->dumpit;
			op->start = s->start;
			op->done = s->done;
		}
	}
	return k;
}

#endif /* DIBS_HAVE_GENL_SPLIT_OPS */

/* (Before 6.2, family->split_ops and n_split_ops are its ops and n_ops.) */
static inline int dibs_genl_register_family(struct genl_family *family)
{
	const struct genl_split_ops *gen = family->split_ops;
	unsigned int n = family->n_split_ops;
	struct dibs_genl_ops *c;
	int k, err;

	c = kzalloc(struct_size(c, ops, n), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	c->gen = gen;
	c->n_gen = n;
	k = dibs_genl_fill_ops(c);
	if (k < 0) {
		kfree(c);
		return k;
	}
	family->split_ops = c->ops;
	family->n_split_ops = k;
	err = genl_register_family(family);
	if (err) {
		family->split_ops = gen;
		family->n_split_ops = n;
		kfree(c);
	}
	return err;
}

static inline int dibs_genl_unregister_family(const struct genl_family *family)
{
	struct dibs_genl_ops *c;
	int err;

	c = container_of(family->split_ops, struct dibs_genl_ops, ops[0]);
	err = genl_unregister_family(family);
	kfree(c);
	return err;
}

#endif /* _DIBS_COMPAT_GENL_H */
