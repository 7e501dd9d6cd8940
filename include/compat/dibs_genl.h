/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Generic netlink split ops on every kernel.  Include after
 * <net/genetlink.h>.
 *
 * A family lists its operations as split ops: a command's do and dump are
 * two entries (do first, commands in ascending order), each with its own
 * policy, and the core checks every request against the policy of its own
 * half.  Kernels before 6.2 have no split ops: there
 * dibs_genl_register_family() merges each command's entries into one
 * struct genl_ops, which takes the do's policy (or the dump's, for a
 * dump-only command), and a dumpit that has a do beside it checks its
 * request itself, with dibs_genl_dump_validate().
 *
 *	static const struct dibs_genl_split_ops ops[] = {
 *		DIBS_GENL_DO(CMD_A, a_doit, a_do_policy, flags),
 *		DIBS_GENL_DUMP(CMD_A, a_dumpit, a_dump_policy, flags),
 *		DIBS_GENL_DUMP(CMD_B, b_dumpit, b_policy, flags),
 *	};
 *	err = dibs_genl_register_family(&family, ops, ARRAY_SIZE(ops));
 *	...
 *	dibs_genl_unregister_family(&family);
 *
 * Every policy is an array whose last index is the highest attribute it
 * knows; a request that takes no attribute gets one with an NLA_REJECT
 * entry (split ops without a policy are not checked at all).
 */
#ifndef _DIBS_COMPAT_GENL_H
#define _DIBS_COMPAT_GENL_H

#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#define DIBS_GENL_MAXATTR(policy)	(ARRAY_SIZE(policy) - 1)

#define DIBS_GENL_DO(_cmd, _doit, _policy, _flags)			\
	{								\
		.cmd = (_cmd),						\
		.doit = (_doit),					\
		.policy = (_policy),					\
		.maxattr = DIBS_GENL_MAXATTR(_policy),			\
		.flags = (_flags) | GENL_CMD_CAP_DO,			\
	}

#define DIBS_GENL_DUMP(_cmd, _dumpit, _policy, _flags)			\
	{								\
		.cmd = (_cmd),						\
		.dumpit = (_dumpit),					\
		.policy = (_policy),					\
		.maxattr = DIBS_GENL_MAXATTR(_policy),			\
		.flags = (_flags) | GENL_CMD_CAP_DUMP,			\
	}

#ifdef DIBS_HAVE_GENL_SPLIT_OPS

#define dibs_genl_split_ops genl_split_ops

static inline int
dibs_genl_register_family(struct genl_family *family,
			  const struct genl_split_ops *ops, unsigned int n)
{
	family->split_ops = ops;
	family->n_split_ops = n;
	return genl_register_family(family);
}

static inline void dibs_genl_unregister_family(struct genl_family *family)
{
	genl_unregister_family(family);
}

/* The core has checked the request against the dump's own policy. */
#define dibs_genl_dump_validate(cb, policy)	((void)(cb), 0)

#else /* !DIBS_HAVE_GENL_SPLIT_OPS */

/* What this suite uses of 6.2's struct genl_split_ops. */
struct dibs_genl_split_ops {
	int (*doit)(struct sk_buff *skb, struct genl_info *info);
	int (*dumpit)(struct sk_buff *skb, struct netlink_callback *cb);
	const struct nla_policy *policy;
	unsigned int maxattr;
	u8 cmd;
	u8 flags;
};

static inline int
dibs_genl_register_family(struct genl_family *family,
			  const struct dibs_genl_split_ops *split,
			  unsigned int n)
{
	struct genl_ops *ops;
	unsigned int i, k = 0;
	int err;

	ops = kcalloc(n, sizeof(*ops), GFP_KERNEL);
	if (!ops)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct genl_ops *op = &ops[k];

		if (k && ops[k - 1].cmd == split[i].cmd) {
			/* the dump beside a do: the do's policy stays */
			op = &ops[k - 1];
		} else {
			op->cmd = split[i].cmd;
			op->flags = split[i].flags &
				    ~(GENL_CMD_CAP_DO | GENL_CMD_CAP_DUMP);
			op->policy = split[i].policy;
			op->maxattr = split[i].maxattr;
			k++;
		}
		if (split[i].flags & GENL_CMD_CAP_DO)
			op->doit = split[i].doit;
		else
			op->dumpit = split[i].dumpit;
	}
	family->ops = ops;
	family->n_ops = k;
	err = genl_register_family(family);
	if (err) {
		kfree(ops);
		family->ops = NULL;
	}
	return err;
}

static inline void dibs_genl_unregister_family(struct genl_family *family)
{
	genl_unregister_family(family);
	kfree(family->ops);
	family->ops = NULL;
}

/* Check a dump request against the dump's own policy, strictly. */
#define dibs_genl_dump_validate(cb, policy)				\
	nla_validate(nlmsg_attrdata((cb)->nlh, GENL_HDRLEN),		\
		     nlmsg_attrlen((cb)->nlh, GENL_HDRLEN),		\
		     DIBS_GENL_MAXATTR(policy), (policy), (cb)->extack)

#endif /* DIBS_HAVE_GENL_SPLIT_OPS */

#endif /* _DIBS_COMPAT_GENL_H */
