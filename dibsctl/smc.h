/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of dibsctl smc share (smc.c lists them): smc's two
 * generic netlink families and the helpers for their requests and
 * attributes (smc.c), the SMC-D device list that smc pnet add checks
 * names against (smc_dev.c) and the fallback reasons' texts that smc sock
 * shows too (smc_stats.c).
 */
#ifndef DIBSCTL_SMC_H
#define DIBSCTL_SMC_H

#include <linux/smc.h>

#include "dibsctl.h"

#define PNETID_LEN 16		/* SMC_MAX_PNETID_LEN of include/net/smc.h */
#define SMC_NAME_LEN 64

/*
 * The families and requests (smc.c)
 */

extern int smc_family;		/* SMC_GEN_NETLINK */
extern int pnet_family;		/* SMC_PNETID */

void smc_open(bool pnet);
struct nl_msg *smc_msg(bool pnet, uint8_t cmd, int flags);
int smc_request(struct nl_msg *msg, int (*parse)(struct nl_msg *, void *),
		void *arg, const char *what);

uint64_t attr_uint(const struct nlattr *a);
void attr_trim(const struct nlattr *a, char *buf, size_t size);
struct nlattr *genl_attrs(struct nl_msg *msg, int *len);

#define for_each_nested(a, nest, rem) \
	nla_for_each_nested(a, nest, rem)

bool only_show(const char *what, int argc, char **argv);
bool want_help(int argc, char **argv);
int usage_err(const char *fmt, const char *arg);

/*
 * The SMC-D devices smc uses (smc_dev.c)
 */

struct smcd_dev {
	char pci_id[SMC_NAME_LEN];
	char pnetid[PNETID_LEN + 1];
	bool pnet_by_user;
	uint64_t use_cnt, fid, chid, vendor, device;
};

struct smcd_dev_list {
	struct smcd_dev d[64];
	int n;
};

int get_smcd_devs(struct smcd_dev_list *l, const char *what);

/* smc's text for a decline or fallback code (smc_stats.c) */
const char *fback_why(uint32_t code);

/*
 * The commands, one handler per object of smc (the table is in smc.c)
 */

int cmd_smc_info(int argc, char **argv);	/* smc_eid.c */
int cmd_smc_seid(int argc, char **argv);
int cmd_smc_ueid(int argc, char **argv);
int cmd_smc_dev(int argc, char **argv);		/* smc_dev.c */
int cmd_smc_lgr(int argc, char **argv);
int cmd_smc_stats(int argc, char **argv);	/* smc_stats.c */
int cmd_smc_sock(int argc, char **argv);	/* smc_sock.c */
int cmd_smc_pnet(int argc, char **argv);	/* smc_pnet.c */

#endif
