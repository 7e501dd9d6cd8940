/* SPDX-License-Identifier: GPL-2.0 */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/dibs.yaml */
/* YNL-GEN kernel header */

#ifndef _LINUX_DIBS_GEN_H
#define _LINUX_DIBS_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include <uapi/linux/dibs_netlink.h>

int dibs_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info);
int dibs_nl_dev_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int dibs_nl_client_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int dibs_nl_dmb_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int dibs_nl_dev_new_doit(struct sk_buff *skb, struct genl_info *info);
int dibs_nl_dev_del_doit(struct sk_buff *skb, struct genl_info *info);
int dibs_nl_selftest_doit(struct sk_buff *skb, struct genl_info *info);

enum {
	DIBS_NLGRP_MONITOR,
};

extern struct genl_family dibs_nl_family;

#endif /* _LINUX_DIBS_GEN_H */
