// SPDX-License-Identifier: GPL-2.0
/*
 * dibsctl smc device, lgr: the SMC-D devices smc uses (which smc pnet add
 * checks its device names against) and the SMC-D link groups
 */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "smc.h"

/*
 * dev: the SMC-D devices smc uses
 */

static int parse_dev(struct nl_msg *msg, void *arg)
{
	struct smcd_dev_list *l = arg;
	struct nlattr *top, *a, *p;
	int len, rem, rem2, rem3;
	struct smcd_dev *d;

	top = genl_attrs(msg, &len);
	nla_for_each_attr(top, top, len, rem) {
		if (nla_type(top) != SMC_GEN_DEV_SMCD)
			continue;
		if (l->n == (int)ARRAY_SIZE(l->d))
			return NL_OK;
		d = &l->d[l->n++];
		memset(d, 0, sizeof(*d));
		for_each_nested(a, top, rem2) {
			switch (nla_type(a)) {
			case SMC_NLA_DEV_PCI_ID:
				attr_str(a, d->pci_id, sizeof(d->pci_id));
				break;
			case SMC_NLA_DEV_USE_CNT:
				d->use_cnt = attr_uint(a);
				break;
			case SMC_NLA_DEV_PCI_FID:
				d->fid = attr_uint(a);
				break;
			case SMC_NLA_DEV_PCI_CHID:
				d->chid = attr_uint(a);
				break;
			case SMC_NLA_DEV_PCI_VENDOR:
				d->vendor = attr_uint(a);
				break;
			case SMC_NLA_DEV_PCI_DEVICE:
				d->device = attr_uint(a);
				break;
			case SMC_NLA_DEV_PORT:
				for_each_nested(p, a, rem3) {
					if (nla_type(p) == SMC_NLA_DEV_PORT_PNETID)
						attr_trim(p, d->pnetid, sizeof(d->pnetid));
					else if (nla_type(p) == SMC_NLA_DEV_PORT_PNET_USR)
						d->pnet_by_user = attr_uint(p);
				}
				break;
			}
		}
	}
	return NL_OK;
}

int get_smcd_devs(struct smcd_dev_list *l, const char *what)
{
	l->n = 0;
	return smc_request(smc_msg(false, SMC_NETLINK_GET_DEV_SMCD, NLM_F_DUMP),
			   parse_dev, l, what);
}

int cmd_smc_dev(int argc, char **argv)
{
	struct smcd_dev_list *l;
	struct smcd_dev *d;
	int i;

	if (want_help(argc, argv))
		return EXIT_SUCCESS;
	if (!only_show("smc device", argc, argv))
		return EXIT_USAGE;
	l = calloc(1, sizeof(*l));
	if (!l || get_smcd_devs(l, "smc device show"))
		return EXIT_FAILURE;
	open_json_array(NULL);
	for (i = 0; i < l->n; i++) {
		d = &l->d[i];
		open_json_object(NULL);
		print_string(PRINT_ANY, "pci_id", "smcd %s", d->pci_id);
		print_string(PRINT_JSON, "pnetid", NULL, d->pnetid);
		print_string(PRINT_FP, NULL, " pnetid %s",
			     d->pnetid[0] ? d->pnetid : "-");
		print_bool(PRINT_JSON, "pnetid_by_user", NULL, d->pnet_by_user);
		if (d->pnet_by_user)
			print_fp(" (user)");
		print_uint(PRINT_ANY, "use_count", " use_count %" PRIu64,
			   d->use_cnt);
		print_hex(PRINT_ANY, "chid", " chid 0x%04" PRIx64, d->chid);
		print_uint(PRINT_ANY, "fid", " fid %" PRIu64, d->fid);
		print_hex(PRINT_ANY, "vendor", " vendor 0x%04" PRIx64, d->vendor);
		print_hex(PRINT_ANY, "device", " device 0x%04" PRIx64, d->device);
		print_nl();
		close_json_object();
	}
	close_json_array();
	free(l);
	return EXIT_SUCCESS;
}

/*
 * lgr: SMC-D link groups
 */

struct smcd_lgr {
	char pnetid[PNETID_LEN + 1], eid[SMC_MAX_EID_LEN + 1];
	char host[SMC_MAX_HOSTNAME_LEN + 1], gid[20], peer_gid[20];
	uint64_t id, conns, chid, vlan, version;
};

struct lgr_list {
	struct smcd_lgr *l;
	int n, size;
};

static int parse_lgr(struct nl_msg *msg, void *arg)
{
	struct lgr_list *ll = arg;
	struct nlattr *top, *a, *v;
	int len, rem, rem2, rem3;
	struct smcd_lgr *g;

	top = genl_attrs(msg, &len);
	nla_for_each_attr(top, top, len, rem) {
		if (nla_type(top) != SMC_GEN_LGR_SMCD)
			continue;
		if (ll->n == ll->size) {
			g = realloc(ll->l, (ll->size * 2 + 16) * sizeof(*g));
			if (!g)
				return NL_STOP;
			ll->l = g;
			ll->size = ll->size * 2 + 16;
		}
		g = &ll->l[ll->n++];
		memset(g, 0, sizeof(*g));
		strcpy(g->gid, "-");
		strcpy(g->peer_gid, "-");
		g->version = 1;
		for_each_nested(a, top, rem2) {
			switch (nla_type(a)) {
			case SMC_NLA_LGR_D_ID:
				g->id = attr_uint(a);
				break;
			case SMC_NLA_LGR_D_GID:
				snprintf(g->gid, sizeof(g->gid), "%016" PRIx64, attr_uint(a));
				break;
			case SMC_NLA_LGR_D_PEER_GID:
				snprintf(g->peer_gid, sizeof(g->peer_gid), "%016" PRIx64,
					 attr_uint(a));
				break;
			case SMC_NLA_LGR_D_CONNS_NUM:
				g->conns = attr_uint(a);
				break;
			case SMC_NLA_LGR_D_CHID:
				g->chid = attr_uint(a);
				break;
			case SMC_NLA_LGR_D_VLAN_ID:
				g->vlan = attr_uint(a);
				break;
			case SMC_NLA_LGR_D_PNETID:
				attr_trim(a, g->pnetid, sizeof(g->pnetid));
				break;
			case SMC_NLA_LGR_D_V2_COMMON:
				g->version = 2;
				for_each_nested(v, a, rem3) {
					if (nla_type(v) == SMC_NLA_LGR_V2_NEG_EID)
						attr_trim(v, g->eid, sizeof(g->eid));
					else if (nla_type(v) == SMC_NLA_LGR_V2_PEER_HOST)
						attr_trim(v, g->host, sizeof(g->host));
				}
				break;
			}
		}
	}
	return NL_OK;
}

static void lgr_print(const struct smcd_lgr *g)
{
	open_json_object(NULL);
	print_hex(PRINT_ANY, "id", "lgr %08" PRIx64, g->id);
	print_uint(PRINT_ANY, "smcd_version", " smcd_version %" PRIu64,
		   g->version);
	print_string(PRINT_ANY, "gid", " gid %s", g->gid);
	print_string(PRINT_ANY, "peer_gid", " peer_gid %s", g->peer_gid);
	print_uint(PRINT_ANY, "conns", " conns %" PRIu64, g->conns);
	print_hex(PRINT_ANY, "chid", " chid 0x%04" PRIx64, g->chid);
	print_uint(PRINT_ANY, "vlan_id", " vlan_id %" PRIu64, g->vlan);
	print_string(PRINT_JSON, "pnetid", NULL, g->pnetid);
	print_string(PRINT_FP, NULL, " pnetid %s",
		     g->pnetid[0] ? g->pnetid : "-");
	if (g->version == 2) {
		print_string(PRINT_JSON, "eid", NULL, g->eid);
		print_string(PRINT_FP, NULL, " eid %s", g->eid[0] ? g->eid : "-");
		print_string(PRINT_JSON, "peer_host", NULL, g->host);
		print_string(PRINT_FP, NULL, " peer_host %s",
			     g->host[0] ? g->host : "-");
	}
	print_nl();
	close_json_object();
}

int cmd_smc_lgr(int argc, char **argv)
{
	struct lgr_list ll = { 0 };
	int i;

	if (want_help(argc, argv))
		return EXIT_SUCCESS;
	if (!only_show("smc lgr", argc, argv))
		return EXIT_USAGE;
	if (smc_request(smc_msg(false, SMC_NETLINK_GET_LGR_SMCD, NLM_F_DUMP),
			parse_lgr, &ll, "smc lgr show"))
		return EXIT_FAILURE;
	open_json_array(NULL);
	for (i = 0; i < ll.n; i++)
		lgr_print(&ll.l[i]);
	close_json_array();
	free(ll.l);
	return EXIT_SUCCESS;
}
