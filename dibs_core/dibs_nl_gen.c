// SPDX-License-Identifier: GPL-2.0
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/dibs.yaml */
/* YNL-GEN kernel source */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "dibs_nl_gen.h"

#include <uapi/linux/dibs_netlink.h>

/* DIBS_CMD_DEV_GET - do */
static const struct nla_policy dibs_dev_get_nl_policy[DIBS_A_DEV_NAME + 1] = {
	[DIBS_A_DEV_NAME] = { .type = NLA_NUL_STRING, .len = 15, },
};

/* DIBS_CMD_DMB_GET - dump */
static const struct nla_policy dibs_dmb_get_nl_policy[DIBS_A_DMB_DEV_NAME + 1] = {
	[DIBS_A_DMB_DEV_NAME] = { .type = NLA_NUL_STRING, .len = 15, },
};

/* DIBS_CMD_DEV_NEW - do */
static const struct nla_policy dibs_dev_new_nl_policy[DIBS_A_DEV_KIND + 1] = {
	[DIBS_A_DEV_KIND] = { .type = NLA_NUL_STRING, .len = 15, },
	[DIBS_A_DEV_NAME] = { .type = NLA_NUL_STRING, .len = 15, },
};

/* DIBS_CMD_DEV_DEL - do */
static const struct nla_policy dibs_dev_del_nl_policy[DIBS_A_DEV_NAME + 1] = {
	[DIBS_A_DEV_NAME] = { .type = NLA_NUL_STRING, .len = 15, },
};

/* DIBS_CMD_SELFTEST - do */
static const struct nla_policy dibs_selftest_nl_policy[DIBS_A_SELFTEST_DEV_NAME + 1] = {
	[DIBS_A_SELFTEST_DEV_NAME] = { .type = NLA_NUL_STRING, .len = 15, },
};

/* Ops table for dibs */
static const struct genl_split_ops dibs_nl_ops[] = {
	{
		.cmd		= DIBS_CMD_DEV_GET,
		.doit		= dibs_nl_dev_get_doit,
		.policy		= dibs_dev_get_nl_policy,
		.maxattr	= DIBS_A_DEV_NAME,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd	= DIBS_CMD_DEV_GET,
		.dumpit	= dibs_nl_dev_get_dumpit,
		.flags	= GENL_CMD_CAP_DUMP,
	},
	{
		.cmd	= DIBS_CMD_CLIENT_GET,
		.dumpit	= dibs_nl_client_get_dumpit,
		.flags	= GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= DIBS_CMD_DMB_GET,
		.dumpit		= dibs_nl_dmb_get_dumpit,
		.policy		= dibs_dmb_get_nl_policy,
		.maxattr	= DIBS_A_DMB_DEV_NAME,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= DIBS_CMD_DEV_NEW,
		.doit		= dibs_nl_dev_new_doit,
		.policy		= dibs_dev_new_nl_policy,
		.maxattr	= DIBS_A_DEV_KIND,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= DIBS_CMD_DEV_DEL,
		.doit		= dibs_nl_dev_del_doit,
		.policy		= dibs_dev_del_nl_policy,
		.maxattr	= DIBS_A_DEV_NAME,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= DIBS_CMD_SELFTEST,
		.doit		= dibs_nl_selftest_doit,
		.policy		= dibs_selftest_nl_policy,
		.maxattr	= DIBS_A_SELFTEST_DEV_NAME,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
};

static const struct genl_multicast_group dibs_nl_mcgrps[] = {
	[DIBS_NLGRP_MONITOR] = { "monitor", },
};

struct genl_family dibs_nl_family __ro_after_init = {
	.name		= DIBS_FAMILY_NAME,
	.version	= DIBS_FAMILY_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.split_ops	= dibs_nl_ops,
	.n_split_ops	= ARRAY_SIZE(dibs_nl_ops),
	.mcgrps		= dibs_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(dibs_nl_mcgrps),
};
