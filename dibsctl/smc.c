// SPDX-License-Identifier: GPL-2.0
/*
 * dibsctl smc - smc's own configuration and state, for SMC-D over dibs on
 * systems without smc-tools (Debian packages none).
 *
 * smc.ko answers two generic netlink families (include/uapi/linux/smc.h):
 * SMC_GEN_NETLINK (system information, SMC-D devices and link groups,
 * statistics, the user and system EIDs) and SMC_PNETID (the PNET table of
 * a network namespace).  Both are netns-aware; the EID table is global.
 *
 * Every argument is checked before the first request (exit 2), so that a
 * usage error never changes anything.
 */

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netlink/genl/ctrl.h>
#include <netlink/msg.h>
#include <netlink/genl/genl.h>

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/smc.h>
#include <linux/smc_diag.h>
#include <linux/sock_diag.h>

#include "dibsctl.h"

#define PNETID_LEN 16		/* SMC_MAX_PNETID_LEN of include/net/smc.h */
#define SMC_NAME_LEN 64

static int smc_family;		/* SMC_GEN_NETLINK */
static int pnet_family;		/* SMC_PNETID */

/*
 * Open the socket and resolve both families; exits with a clear message if
 * the one a request needs (@pnet: SMC_PNETID) is missing.  smc before 5.11
 * has only SMC_PNETID: there `smc pnet` works and the rest does not.
 */
static void smc_open(bool pnet)
{
	int rc;

	if (!smc_family && !pnet_family) {
		genl_sock_open();
		smc_family = genl_ctrl_resolve(sk, SMC_GENL_FAMILY_NAME);
		pnet_family = genl_ctrl_resolve(sk, SMCR_GENL_FAMILY_NAME);
	}
	rc = pnet ? pnet_family : smc_family;
	if (rc >= 0)
		return;
	if (rc != -NLE_OBJ_NOTFOUND)
		error("cannot look up smc's netlink families: %s", nl_geterror(rc));
	else if (access("/sys/module/smc", F_OK))
		error("smc is not loaded (modprobe smc)");
	else
		error("smc is loaded, but its netlink family %s is missing (smc older than 5.11?)",
		      pnet ? SMCR_GENL_FAMILY_NAME : SMC_GENL_FAMILY_NAME);
	exit(EXIT_FAILURE);
}

static struct nl_msg *smc_msg(bool pnet, uint8_t cmd, int flags)
{
	struct nl_msg *msg;

	smc_open(pnet);
	msg = nlmsg_alloc();
	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ,
				 pnet ? pnet_family : smc_family, 0, flags, cmd,
				 pnet ? SMCR_GENL_FAMILY_VERSION :
					SMC_GENL_FAMILY_VERSION))
		oom();
	return msg;
}

/* smc puts u8..u64 as the attribute says; read whatever width it has */
static uint64_t attr_uint(const struct nlattr *a)
{
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64 = 0;

	switch (nla_len(a)) {
	case 1:
		memcpy(&v8, nla_data(a), 1);
		return v8;
	case 2:
		memcpy(&v16, nla_data(a), 2);
		return v16;
	case 4:
		memcpy(&v32, nla_data(a), 4);
		return v32;
	case 8:
		memcpy(&v64, nla_data(a), 8);
		return v64;
	}
	return 0;
}

/* A string attribute without the blanks smc pads EIDs and PNET IDs with */
static void attr_trim(const struct nlattr *a, char *buf, size_t size)
{
	size_t n;

	attr_str(a, buf, size);
	n = strlen(buf);
	while (n && buf[n - 1] == ' ')
		buf[--n] = '\0';
}

#define for_each_nested(a, nest, rem) \
	nla_for_each_nested(a, nest, rem)

static struct nlattr *genl_attrs(struct nl_msg *msg, int *len)
{
	struct genlmsghdr *g = nlmsg_data(nlmsg_hdr(msg));

	*len = genlmsg_attrlen(g, 0);
	return genlmsg_attrdata(g, 0);
}

/* Run a request; on failure report it as @what. 0 or EXIT_FAILURE. */
static int smc_request(struct nl_msg *msg, int (*parse)(struct nl_msg *, void *),
		       void *arg, const char *what)
{
	struct request r;

	if (request(msg, parse, arg, &r)) {
		report_err(&r, what);
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}

/* "show" or nothing, for the objects that only show */
static bool only_show(const char *what, int argc, char **argv)
{
	int show = argc && matches(argv[0], "show") ? 1 : 0;

	return args_ok(argc - show, argv + show, "smc", what, false);
}

/* OBJECT COMMAND help, as for the other objects */
static bool want_help(int argc, char **argv)
{
	if (argc != 1 || strcmp(argv[0], "help"))
		return false;
	usage_obj(stdout, "smc");
	return true;
}

static int usage_err(const char *fmt, const char *arg)
{
	error(fmt, arg);
	usage_obj(stderr, "smc");
	return EXIT_USAGE;
}

/*
 * info: system information (and the system EID state)
 */

struct sys_info {
	bool has;
	uint64_t ver, rel;
	bool ism_v2, smcr_v2, has_smcr_v2;
	char host[SMC_MAX_HOSTNAME_LEN + 1];
	char seid[SMC_MAX_EID_LEN + 1];
	bool has_seid, seid_enabled;
};

static int parse_info(struct nl_msg *msg, void *arg)
{
	struct sys_info *s = arg;
	struct nlattr *top, *a;
	int len, rem, rem2;

	top = genl_attrs(msg, &len);
	nla_for_each_attr(top, top, len, rem) {
		if (nla_type(top) != SMC_GEN_SYS_INFO)
			continue;
		s->has = true;
		for_each_nested(a, top, rem2) {
			switch (nla_type(a)) {
			case SMC_NLA_SYS_VER:
				s->ver = attr_uint(a);
				break;
			case SMC_NLA_SYS_REL:
				s->rel = attr_uint(a);
				break;
			case SMC_NLA_SYS_IS_ISM_V2:
				s->ism_v2 = attr_uint(a);
				break;
			case SMC_NLA_SYS_IS_SMCR_V2:
				s->smcr_v2 = attr_uint(a);
				s->has_smcr_v2 = true;
				break;
			case SMC_NLA_SYS_LOCAL_HOST:
				attr_trim(a, s->host, sizeof(s->host));
				break;
			}
		}
	}
	return NL_OK;
}

/*
 * SMC_NETLINK_DUMP_SEID: the system EID and whether it is used; smc
 * answers only once an SMC-D device with a v2 system EID is registered.
 */
static int parse_seid(struct nl_msg *msg, void *arg)
{
	struct sys_info *s = arg;
	struct nlattr *a;
	int len, rem;

	a = genl_attrs(msg, &len);
	nla_for_each_attr(a, a, len, rem) {
		if (nla_type(a) == SMC_NLA_SEID_ENTRY) {
			attr_trim(a, s->seid, sizeof(s->seid));
			s->has_seid = true;
		} else if (nla_type(a) == SMC_NLA_SEID_ENABLED) {
			s->seid_enabled = attr_uint(a);
		}
	}
	return NL_OK;
}

static void seid_print(const struct sys_info *s)
{
	if (!s->has_seid) {
		print_fp("seid none (smc has no SMC-Dv2 capable device)\n");
		return;
	}
	print_string(PRINT_ANY, "seid", "seid %s", s->seid);
	print_bool(PRINT_ANY, "seid_enabled", " seid_enabled %s",
		   s->seid_enabled);
	print_nl();
}

static int cmd_smc_info(int argc, char **argv)
{
	struct sys_info s = { 0 };

	if (want_help(argc, argv))
		return EXIT_SUCCESS;
	if (!args_ok(argc, argv, "smc", "smc info", false))
		return EXIT_USAGE;
	if (smc_request(smc_msg(false, SMC_NETLINK_GET_SYS_INFO, NLM_F_DUMP),
			parse_info, &s, "smc info") ||
	    smc_request(smc_msg(false, SMC_NETLINK_DUMP_SEID, NLM_F_DUMP),
			parse_seid, &s, "smc info"))
		return EXIT_FAILURE;
	open_json_object(NULL);
	print_uint(PRINT_ANY, "version", "version %" PRIu64, s.ver);
	print_uint(PRINT_ANY, "release", " release %" PRIu64, s.rel);
	print_string(PRINT_JSON, "local_host", NULL, s.host);
	print_string(PRINT_FP, NULL, " local_host %s\n", s.host[0] ? s.host : "-");
	print_bool(PRINT_ANY, "ism_v2_capable", "ism_v2_capable %s", s.ism_v2);
	if (s.has_smcr_v2)
		print_bool(PRINT_ANY, "smcr_v2_capable", " smcr_v2_capable %s",
			   s.smcr_v2);
	print_nl();
	seid_print(&s);
	close_json_object();
	return EXIT_SUCCESS;
}

static int cmd_smc_seid(int argc, char **argv)
{
	struct sys_info s = { 0 };
	struct request r;
	bool enable;

	if (want_help(argc, argv))
		return EXIT_SUCCESS;
	if (!argc || (argc == 1 && matches(argv[0], "show"))) {
		if (smc_request(smc_msg(false, SMC_NETLINK_DUMP_SEID, NLM_F_DUMP),
				parse_seid, &s, "smc seid show"))
			return EXIT_FAILURE;
		open_json_object(NULL);
		seid_print(&s);
		close_json_object();
		return EXIT_SUCCESS;
	}
	if (argc > 1)
		return usage_err("smc seid: unexpected argument '%s'", argv[1]);
	if (matches(argv[0], "enable"))
		enable = true;
	else if (matches(argv[0], "disable"))
		enable = false;
	else
		return usage_err("smc seid: unknown command '%s'", argv[0]);
	if (!request(smc_msg(false, enable ? SMC_NETLINK_ENABLE_SEID :
			     SMC_NETLINK_DISABLE_SEID, 0), NULL, NULL, &r))
		return EXIT_SUCCESS;
	if (r.err == -EOPNOTSUPP && !r.extack[0])
		error("smc seid %s: smc switches the system EID only on s390 kernels",
		      enable ? "enable" : "disable");
	else if (r.err == -ENOENT && !enable && !r.extack[0])
		error("smc seid disable: no user EID is set (smc keeps the system EID until one is: dibsctl smc ueid add EID)");
	else
		report_err(&r, enable ? "smc seid enable" : "smc seid disable");
	return EXIT_FAILURE;
}

/*
 * dev: the SMC-D devices smc uses
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

static int get_smcd_devs(struct smcd_dev_list *l, const char *what)
{
	l->n = 0;
	return smc_request(smc_msg(false, SMC_NETLINK_GET_DEV_SMCD, NLM_F_DUMP),
			   parse_dev, l, what);
}

static int cmd_smc_dev(int argc, char **argv)
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

static int cmd_smc_lgr(int argc, char **argv)
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

/*
 * stats: SMC-D counters, handshake errors, fallbacks by reason
 */

static const struct {
	int type;
	const char *key;
} smcd_counters[] = {
	{ SMC_NLA_STATS_T_CLNT_V1_SUCC, "client_v1" },
	{ SMC_NLA_STATS_T_CLNT_V2_SUCC, "client_v2" },
	{ SMC_NLA_STATS_T_SRV_V1_SUCC, "server_v1" },
	{ SMC_NLA_STATS_T_SRV_V2_SUCC, "server_v2" },
	{ SMC_NLA_STATS_T_RX_BYTES, "rx_bytes" },
	{ SMC_NLA_STATS_T_TX_BYTES, "tx_bytes" },
	{ SMC_NLA_STATS_T_RX_CNT, "rx_calls" },
	{ SMC_NLA_STATS_T_TX_CNT, "tx_calls" },
};

/* smc's decline and fallback codes (SMC_CLC_DECL_* of net/smc/smc_clc.h) */
static const struct {
	uint32_t code;
	const char *why;
} fback_reasons[] = {
	{ 0x01010000, "insufficient memory" },
	{ 0x02010000, "timeout waiting for confirm link" },
	{ 0x02020000, "timeout waiting for add link" },
	{ 0x03000000, "configuration error" },
	{ 0x03010000, "peer did not offer SMC" },
	{ 0x03020000, "IPsec in use" },
	{ 0x03030000, "no SMC device found" },
	{ 0x03030001, "no SMC-D device found" },
	{ 0x03030002, "no SMC-R device found" },
	{ 0x03030003, "device has no ISMv2 support" },
	{ 0x03030004, "peer sent no CLC v2 extension" },
	{ 0x03030005, "peer sent no SMC-Dv2 extension" },
	{ 0x03030006, "peer sent no system EID" },
	{ 0x03030007, "no SMC-Dv2 device found" },
	{ 0x03030008, "peer sent no matching user EID" },
	{ 0x03040000, "SMC modes do not match" },
	{ 0x03050000, "peer has eyecatcher in RMBE" },
	{ 0x03060000, "TCP fastopen in use" },
	{ 0x03070000, "IP prefix or subnet mismatch" },
	{ 0x03080000, "cannot get the VLAN ID" },
	{ 0x03090000, "cannot register the VLAN ID on the device" },
	{ 0x030a0000, "no active SMC-R link" },
	{ 0x030b0000, "SMC-R link from server not found" },
	{ 0x030c0000, "SMC version mismatch" },
	{ 0x030d0000, "SMC-D DMB limit exceeded" },
	{ 0x030e0000, "SMC-Rv2: no route to the peer" },
	{ 0x030f0000, "SMC-Rv2: indirect mismatch" },
	{ 0x04000000, "synchronization error" },
	{ 0x05000000, "peer declined during the handshake" },
	{ 0x09990000, "internal error" },
	{ 0x09990001, "internal error: rtoken handling" },
	{ 0x09990002, "internal error: ready link" },
	{ 0x09990003, "internal error: buffer registration" },
};

static const char *fback_why(uint32_t code)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fback_reasons); i++)
		if (fback_reasons[i].code == code)
			return fback_reasons[i].why;
	return "unknown reason";
}

#define MAX_REASONS 64

struct smc_stats {
	uint64_t smcd[ARRAY_SIZE(smcd_counters)];
	uint64_t hs_err_client, hs_err_server;
	uint64_t fb_client, fb_server;
	int nreasons;
	struct {
		uint32_t code;
		uint64_t client, server;
	} reasons[MAX_REASONS];
};

static int parse_stats(struct nl_msg *msg, void *arg)
{
	struct smc_stats *st = arg;
	struct nlattr *top, *a, *t;
	int len, rem, rem2, rem3;
	unsigned int i;

	top = genl_attrs(msg, &len);
	nla_for_each_attr(top, top, len, rem) {
		if (nla_type(top) != SMC_GEN_STATS)
			continue;
		for_each_nested(a, top, rem2) {
			if (nla_type(a) == SMC_NLA_STATS_CLNT_HS_ERR_CNT)
				st->hs_err_client = attr_uint(a);
			else if (nla_type(a) == SMC_NLA_STATS_SRV_HS_ERR_CNT)
				st->hs_err_server = attr_uint(a);
			if (nla_type(a) != SMC_NLA_STATS_SMCD_TECH)
				continue;
			for_each_nested(t, a, rem3)
				for (i = 0; i < ARRAY_SIZE(smcd_counters); i++)
					if (nla_type(t) == smcd_counters[i].type)
						st->smcd[i] = attr_uint(t);
		}
	}
	return NL_OK;
}

/* one message per reason and side; the first carries the totals */
static int parse_fback(struct nl_msg *msg, void *arg)
{
	struct smc_stats *st = arg;
	struct nlattr *top, *a;
	uint64_t cnt = 0;
	uint32_t code = 0;
	bool server = false;
	int len, rem, rem2, i;

	top = genl_attrs(msg, &len);
	nla_for_each_attr(top, top, len, rem) {
		if (nla_type(top) != SMC_GEN_FBACK_STATS)
			continue;
		for_each_nested(a, top, rem2) {
			switch (nla_type(a)) {
			case SMC_NLA_FBACK_STATS_TYPE:
				server = attr_uint(a);
				break;
			case SMC_NLA_FBACK_STATS_SRV_CNT:
				st->fb_server = attr_uint(a);
				break;
			case SMC_NLA_FBACK_STATS_CLNT_CNT:
				st->fb_client = attr_uint(a);
				break;
			case SMC_NLA_FBACK_STATS_RSN_CODE:
				code = attr_uint(a);
				break;
			case SMC_NLA_FBACK_STATS_RSN_CNT:
				cnt = attr_uint(a);
				break;
			}
		}
		if (!code)
			continue;
		for (i = 0; i < st->nreasons; i++)
			if (st->reasons[i].code == code)
				break;
		if (i == st->nreasons) {
			if (i == MAX_REASONS)
				continue;
			st->nreasons++;
			st->reasons[i].code = code;
		}
		if (server)
			st->reasons[i].server = cnt;
		else
			st->reasons[i].client = cnt;
	}
	return NL_OK;
}

static int cmd_smc_stats(int argc, char **argv)
{
	struct smc_stats st = { 0 };
	unsigned int i;
	int j;

	if (want_help(argc, argv))
		return EXIT_SUCCESS;
	if (!only_show("smc stats", argc, argv))
		return EXIT_USAGE;
	if (smc_request(smc_msg(false, SMC_NETLINK_GET_STATS, NLM_F_DUMP),
			parse_stats, &st, "smc stats") ||
	    smc_request(smc_msg(false, SMC_NETLINK_GET_FBACK_STATS, NLM_F_DUMP),
			parse_fback, &st, "smc stats"))
		return EXIT_FAILURE;
	open_json_object(NULL);
	open_json_object("smcd");
	print_fp("smcd");
	for (i = 0; i < ARRAY_SIZE(smcd_counters); i++) {
		print_fp(" %s", smcd_counters[i].key);
		print_uint(PRINT_ANY, smcd_counters[i].key, " %" PRIu64,
			   st.smcd[i]);
	}
	print_nl();
	close_json_object();
	open_json_object("handshake_errors");
	print_uint(PRINT_ANY, "client", "handshake_errors client %" PRIu64,
		   st.hs_err_client);
	print_uint(PRINT_ANY, "server", " server %" PRIu64 "\n",
		   st.hs_err_server);
	close_json_object();
	open_json_object("fallbacks");
	print_uint(PRINT_ANY, "client", "fallbacks client %" PRIu64,
		   st.fb_client);
	print_uint(PRINT_ANY, "server", " server %" PRIu64 "\n", st.fb_server);
	open_json_array("reasons");
	for (j = 0; j < st.nreasons; j++) {
		open_json_object(NULL);
		print_hex(PRINT_ANY, "code", "    reason 0x%08" PRIx64,
			  st.reasons[j].code);
		print_string(PRINT_JSON, "reason", NULL,
			     fback_why(st.reasons[j].code));
		print_uint(PRINT_ANY, "client", " client %" PRIu64,
			   st.reasons[j].client);
		print_uint(PRINT_ANY, "server", " server %" PRIu64,
			   st.reasons[j].server);
		print_string(PRINT_FP, NULL, " (%s)\n",
			     fback_why(st.reasons[j].code));
		close_json_object();
	}
	close_json_array();
	close_json_object();
	close_json_object();
	return EXIT_SUCCESS;
}

/*
 * sock: the SMC sockets of this network namespace, as smc_diag reports
 * them (NETLINK_SOCK_DIAG, family AF_SMC; needs the smc_diag module)
 */

#define SMC_STATE_LISTEN 10	/* enum smc_state of net/smc/smc.h */

static const char *smc_state_name(unsigned int state)
{
	switch (state) {
	case 1: return "ACTIVE";
	case 2: return "INIT";
	case 7: return "CLOSED";
	case SMC_STATE_LISTEN: return "LISTEN";
	case 20: return "PEERCLOSEWAIT1";
	case 21: return "PEERCLOSEWAIT2";
	case 22: return "APPCLOSEWAIT1";
	case 23: return "APPCLOSEWAIT2";
	case 24: return "APPFINCLOSEWAIT";
	case 25: return "PEERFINCLOSEWAIT";
	case 26: return "PEERABORTWAIT";
	case 27: return "PROCESSABORT";
	}
	return "UNKNOWN";
}

struct smc_sock_info {
	char local[INET6_ADDRSTRLEN + 8], peer[INET6_ADDRSTRLEN + 8];
	const char *state, *mode;
	uint64_t inode, gid, peer_gid;
	uint32_t uid, reason, peer_diagnosis;
	bool has_dmb;
};

struct sock_list {
	struct smc_sock_info *s;
	int n, size;
};

/* smc_diag does not say whether the TCP side is v4 or v6: v4 uses one word */
static void sock_addr(const __be32 *a, __be16 port, bool v4, char *buf,
		      size_t size)
{
	char ip[INET6_ADDRSTRLEN];

	inet_ntop(v4 ? AF_INET : AF_INET6, a, ip, sizeof(ip));
	snprintf(buf, size, v4 ? "%s:%u" : "[%s]:%u", ip, ntohs(port));
}

static int parse_sock(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[SMC_DIAG_MAX + 1];
	struct sock_list *l = arg;
	struct smc_diag_msg *m;
	struct smc_sock_info *i;
	bool v4;

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*m)) ||
	    nlmsg_parse(nlh, sizeof(*m), tb, SMC_DIAG_MAX, NULL) < 0)
		return NL_OK;
	m = nlmsg_data(nlh);
	if (l->n == l->size) {
		i = realloc(l->s, (l->size * 2 + 16) * sizeof(*i));
		if (!i)
			return NL_STOP;
		l->s = i;
		l->size = l->size * 2 + 16;
	}
	i = &l->s[l->n++];
	memset(i, 0, sizeof(*i));
	v4 = !m->id.idiag_src[1] && !m->id.idiag_src[2] && !m->id.idiag_src[3] &&
	     !m->id.idiag_dst[1] && !m->id.idiag_dst[2] && !m->id.idiag_dst[3];
	sock_addr(m->id.idiag_src, m->id.idiag_sport, v4, i->local, sizeof(i->local));
	sock_addr(m->id.idiag_dst, m->id.idiag_dport, v4, i->peer, sizeof(i->peer));
	i->state = smc_state_name(m->diag_state);
	i->inode = m->diag_inode;
	i->uid = m->diag_uid;
	if (m->diag_mode == SMC_DIAG_MODE_FALLBACK_TCP)
		i->mode = "tcp";
	else if (m->diag_mode == SMC_DIAG_MODE_SMCD)
		i->mode = "smcd";
	else if (tb[SMC_DIAG_LGRINFO])
		i->mode = "smcr";
	else
		i->mode = "none";	/* listening or not connected yet */
	if (tb[SMC_DIAG_FALLBACK] &&
	    nla_len(tb[SMC_DIAG_FALLBACK]) >= (int)sizeof(struct smc_diag_fallback)) {
		struct smc_diag_fallback fb;

		memcpy(&fb, nla_data(tb[SMC_DIAG_FALLBACK]), sizeof(fb));
		i->reason = fb.reason;
		i->peer_diagnosis = fb.peer_diagnosis;
	}
	if (tb[SMC_DIAG_DMBINFO] &&
	    nla_len(tb[SMC_DIAG_DMBINFO]) >= (int)sizeof(struct smcd_diag_dmbinfo)) {
		struct smcd_diag_dmbinfo d;

		memcpy(&d, nla_data(tb[SMC_DIAG_DMBINFO]), sizeof(d));
		i->gid = d.my_gid;
		i->peer_gid = d.peer_gid;
		i->has_dmb = true;
	}
	return NL_OK;
}

static void sock_print(const struct smc_sock_info *i)
{
	char g[20];

	open_json_object(NULL);
	print_string(PRINT_ANY, "local", "local %s", i->local);
	print_string(PRINT_ANY, "peer", " peer %s", i->peer);
	print_string(PRINT_ANY, "state", " state %s", i->state);
	print_string(PRINT_ANY, "mode", " mode %s", i->mode);
	if (i->has_dmb) {
		snprintf(g, sizeof(g), "%016" PRIx64, i->gid);
		print_string(PRINT_ANY, "gid", " gid %s", g);
		snprintf(g, sizeof(g), "%016" PRIx64, i->peer_gid);
		print_string(PRINT_ANY, "peer_gid", " peer_gid %s", g);
	}
	if (!strcmp(i->mode, "tcp")) {
		print_hex(PRINT_ANY, "fallback_reason",
			  " fallback_reason 0x%08" PRIx64, i->reason);
		print_string(PRINT_JSON, "fallback", NULL, fback_why(i->reason));
		print_string(PRINT_FP, NULL, " (%s)", fback_why(i->reason));
		print_hex(PRINT_ANY, "peer_diagnosis",
			  " peer_diagnosis 0x%08" PRIx64, i->peer_diagnosis);
	}
	print_uint(PRINT_ANY, "uid", " uid %" PRIu64, i->uid);
	print_uint(PRINT_ANY, "inode", " inode %" PRIu64, i->inode);
	print_nl();
	close_json_object();
}

static int cmd_smc_sock(int argc, char **argv)
{
	struct smc_diag_req req = {
		.diag_family = AF_SMC,
		.diag_ext = (1 << (SMC_DIAG_LGRINFO - 1)) |
			    (1 << (SMC_DIAG_DMBINFO - 1)) |
			    (1 << (SMC_DIAG_FALLBACK - 1)),
	};
	struct nl_sock *genl_sk = sk;
	struct sock_list l = { 0 };
	struct nl_msg *msg;
	struct request r;
	int i, rc;

	if (want_help(argc, argv))
		return EXIT_SUCCESS;
	if (!only_show("smc sock", argc, argv))
		return EXIT_USAGE;
	sk = nl_socket_alloc();
	if (!sk)
		oom();
	rc = nl_connect(sk, NETLINK_SOCK_DIAG);
	if (rc < 0) {
		error("cannot open a sock_diag netlink socket: %s", nl_geterror(rc));
		nl_socket_free(sk);
		sk = genl_sk;
		return EXIT_FAILURE;
	}
	msg = nlmsg_alloc_simple(SOCK_DIAG_BY_FAMILY, NLM_F_DUMP);
	if (!msg || nlmsg_append(msg, &req, sizeof(req), NLMSG_ALIGNTO) < 0)
		oom();
	rc = request(msg, parse_sock, &l, &r);
	nl_socket_free(sk);
	sk = genl_sk;
	if (rc == -ENOENT && !r.nlerr && !r.extack[0]) {
		/* no handler for AF_SMC: smc_diag is not loaded */
		error("smc sock: smc_diag is not loaded (modprobe smc_diag)");
		return EXIT_FAILURE;
	}
	if (rc) {
		report_err(&r, "smc sock");
		return EXIT_FAILURE;
	}
	open_json_array(NULL);
	for (i = 0; i < l.n; i++)
		sock_print(&l.s[i]);
	close_json_array();
	free(l.s);
	return EXIT_SUCCESS;
}

/*
 * ueid: the user EID table (global)
 */

/*
 * An EID as smc takes it (smc_clc_ueid_valid): 1 to 32 characters, upper
 * case letters, digits, '.' and '-', the first a letter or digit; blank
 * padded to 32.  Lower case letters are raised, as smc-tools does.
 */
static bool eid_parse(const char *arg, char eid[SMC_MAX_EID_LEN + 1])
{
	size_t i, len = strlen(arg);

	if (!len || len > SMC_MAX_EID_LEN) {
		error("bad EID '%s': it has %zu characters, smc takes 1 to %d",
		      arg, len, SMC_MAX_EID_LEN);
		return false;
	}
	memset(eid, ' ', SMC_MAX_EID_LEN);
	eid[SMC_MAX_EID_LEN] = '\0';
	for (i = 0; i < len; i++) {
		unsigned char c = toupper((unsigned char)arg[i]);

		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      (i && (c == '.' || c == '-')))) {
			error("bad EID '%s': character %zu ('%c') is not allowed (smc takes letters, digits, '.' and '-', and a letter or digit first)",
			      arg, i + 1, arg[i]);
			return false;
		}
		eid[i] = c;
	}
	return true;
}

struct ueid_list {
	char eid[16][SMC_MAX_EID_LEN + 1];
	int n;
};

static int parse_ueid(struct nl_msg *msg, void *arg)
{
	struct ueid_list *l = arg;
	struct nlattr *a;
	int len, rem;

	a = genl_attrs(msg, &len);
	nla_for_each_attr(a, a, len, rem)
		if (nla_type(a) == SMC_NLA_EID_TABLE_ENTRY &&
		    l->n < (int)ARRAY_SIZE(l->eid))
			attr_trim(a, l->eid[l->n++], sizeof(l->eid[0]));
	return NL_OK;
}

static int cmd_smc_ueid(int argc, char **argv)
{
	char eid[SMC_MAX_EID_LEN + 1];
	const char *what;
	struct nl_msg *msg;
	struct request r;
	uint8_t cmd;
	int rc;

	if (want_help(argc, argv))
		return EXIT_SUCCESS;
	if (!argc || (argc == 1 && matches(argv[0], "show"))) {
		struct ueid_list l = { 0 };
		int i;

		if (smc_request(smc_msg(false, SMC_NETLINK_DUMP_UEID, NLM_F_DUMP),
				parse_ueid, &l, "smc ueid show"))
			return EXIT_FAILURE;
		open_json_array(NULL);
		for (i = 0; i < l.n; i++)
			print_string(PRINT_ANY, NULL, "ueid %s\n", l.eid[i]);
		close_json_array();
		return EXIT_SUCCESS;
	}
	if (matches(argv[0], "add")) {
		cmd = SMC_NETLINK_ADD_UEID;
		what = "smc ueid add";
	} else if (matches(argv[0], "del")) {
		cmd = SMC_NETLINK_REMOVE_UEID;
		what = "smc ueid del";
	} else if (matches(argv[0], "flush")) {
		if (argc > 1)
			return usage_err("smc ueid flush: unexpected argument '%s'", argv[1]);
		return smc_request(smc_msg(false, SMC_NETLINK_FLUSH_UEID, 0), NULL,
				   NULL, "smc ueid flush");
	} else {
		return usage_err("smc ueid: unknown command '%s'", argv[0]);
	}
	if (argc != 2) {
		error("%s: %s", what, argc < 2 ? "EID missing" : "too many arguments");
		usage_obj(stderr, "smc");
		return EXIT_USAGE;
	}
	if (!eid_parse(argv[1], eid))
		return EXIT_USAGE;
	msg = smc_msg(false, cmd, 0);
	if (nla_put(msg, SMC_NLA_EID_TABLE_ENTRY, sizeof(eid), eid) < 0)
		oom();
	rc = request(msg, NULL, NULL, &r);
	/* the last one removed: smc says EAGAIN and uses its system EID */
	if (!rc || (cmd == SMC_NETLINK_REMOVE_UEID && rc == -EAGAIN))
		return EXIT_SUCCESS;
	if (r.extack[0] || r.nlerr)
		report_err(&r, what);
	else if (rc == -EEXIST)
		error("%s: %s is already set", what, argv[1]);
	else if (rc == -ERANGE)
		error("%s: the table is full (smc keeps %d user EIDs)", what, SMC_MAX_UEID);
	else if (rc == -ENOENT)
		error("%s: %s is not set", what, argv[1]);
	else
		report_err(&r, what);
	return EXIT_FAILURE;
}

/*
 * pnet: the PNET table of this network namespace
 */

/* A PNET ID as smc takes it: 1 to 16 letters and digits (upper case) */
static bool pnetid_parse(const char *arg, char id[PNETID_LEN + 1])
{
	size_t i, len = strlen(arg);

	if (!len || len > PNETID_LEN) {
		error("bad PNET ID '%s': it has %zu characters, smc takes 1 to %d",
		      arg, len, PNETID_LEN);
		return false;
	}
	for (i = 0; i < len; i++) {
		if (!isalnum((unsigned char)arg[i])) {
			error("bad PNET ID '%s': character %zu ('%c') is not a letter or digit",
			      arg, i + 1, arg[i]);
			return false;
		}
		id[i] = toupper((unsigned char)arg[i]);
	}
	id[len] = '\0';
	return true;
}

struct pnet_entry {
	char id[PNETID_LEN + 1], eth[IF_NAMESIZE + 1], dev[SMC_NAME_LEN];
};

struct pnet_list {
	struct pnet_entry *e;
	int n, size;
};

static int parse_pnet(struct nl_msg *msg, void *arg)
{
	struct pnet_list *l = arg;
	struct pnet_entry *e;
	struct nlattr *a;
	int len, rem;

	if (l->n == l->size) {
		e = realloc(l->e, (l->size * 2 + 16) * sizeof(*e));
		if (!e)
			return NL_STOP;
		l->e = e;
		l->size = l->size * 2 + 16;
	}
	e = &l->e[l->n++];
	memset(e, 0, sizeof(*e));
	a = genl_attrs(msg, &len);
	nla_for_each_attr(a, a, len, rem) {
		if (nla_type(a) == SMC_PNETID_NAME)
			attr_trim(a, e->id, sizeof(e->id));
		else if (nla_type(a) == SMC_PNETID_ETHNAME)
			attr_str(a, e->eth, sizeof(e->eth));
		else if (nla_type(a) == SMC_PNETID_IBNAME)
			attr_str(a, e->dev, sizeof(e->dev));
	}
	/* smc fills the other kind's name with "n/a" */
	if (!strcmp(e->eth, "n/a"))
		e->eth[0] = '\0';
	if (!strcmp(e->dev, "n/a"))
		e->dev[0] = '\0';
	return NL_OK;
}

static void pnet_print(const struct pnet_entry *e)
{
	open_json_object(NULL);
	print_string(PRINT_ANY, "pnetid", "pnetid %s", e->id);
	if (e->eth[0])
		print_string(PRINT_ANY, "eth", " eth %s", e->eth);
	if (e->dev[0])
		print_string(PRINT_ANY, "smcd", " smcd %s", e->dev);
	print_nl();
	close_json_object();
}

/* Is @name a device smc can take for a PNET ID (an SMC-D or RDMA device)? */
static bool smcd_dev_known(const char *name)
{
	struct smcd_dev_list *l;
	char path[300];
	bool found = false;
	int i;

	snprintf(path, sizeof(path), "/sys/class/infiniband/%s", name);
	if (!access(path, F_OK))
		return true;
	l = calloc(1, sizeof(*l));
	if (!l)
		return false;
	if (!get_smcd_devs(l, "smc pnet add"))
		for (i = 0; i < l->n; i++)
			if (!strcmp(l->d[i].pci_id, name))
				found = true;
	free(l);
	return found;
}

static int cmd_smc_pnet(int argc, char **argv)
{
	char id[PNETID_LEN + 1];
	struct nl_msg *msg;
	bool eth;

	if (want_help(argc, argv))
		return EXIT_SUCCESS;
	if (!argc || (argc == 1 && matches(argv[0], "show"))) {
		struct pnet_list l = { 0 };
		int i;

		if (smc_request(smc_msg(true, SMC_PNETID_GET, NLM_F_DUMP),
				parse_pnet, &l, "smc pnet show"))
			return EXIT_FAILURE;
		open_json_array(NULL);
		for (i = 0; i < l.n; i++)
			pnet_print(&l.e[i]);
		close_json_array();
		free(l.e);
		return EXIT_SUCCESS;
	}
	if (matches(argv[0], "flush")) {
		if (argc > 1)
			return usage_err("smc pnet flush: unexpected argument '%s'", argv[1]);
		return smc_request(smc_msg(true, SMC_PNETID_FLUSH, 0), NULL, NULL,
				   "smc pnet flush");
	}
	if (matches(argv[0], "del")) {
		if (argc != 2) {
			error("smc pnet del: %s", argc < 2 ? "PNETID missing" : "too many arguments");
			usage_obj(stderr, "smc");
			return EXIT_USAGE;
		}
		if (!pnetid_parse(argv[1], id))
			return EXIT_USAGE;
		msg = smc_msg(true, SMC_PNETID_DEL, 0);
		if (nla_put_string(msg, SMC_PNETID_NAME, id) < 0)
			oom();
		return smc_request(msg, NULL, NULL, "smc pnet del");
	}
	if (!matches(argv[0], "add"))
		return usage_err("smc pnet: unknown command '%s'", argv[0]);
	if (argc != 4 || (strcmp(argv[2], "eth") && strcmp(argv[2], "smcd"))) {
		error("smc pnet add: want PNETID eth IFNAME or PNETID smcd DEV");
		usage_obj(stderr, "smc");
		return EXIT_USAGE;
	}
	if (!pnetid_parse(argv[1], id))
		return EXIT_USAGE;
	eth = !strcmp(argv[2], "eth");
	if (!argv[3][0] || strlen(argv[3]) >= (eth ? IF_NAMESIZE : SMC_NAME_LEN)) {
		error("smc pnet add: bad device name '%s'", argv[3]);
		return EXIT_USAGE;
	}
	/*
	 * smc would take any name, and apply it when such a device appears.
	 * Without SMC_GEN_NETLINK (smc before 5.11) its devices cannot be
	 * listed: the name is not checked there.
	 */
	smc_open(true);
	if (eth && !if_nametoindex(argv[3])) {
		error("smc pnet add: no network interface '%s' in this network namespace",
		      argv[3]);
		return EXIT_FAILURE;
	}
	if (!eth && smc_family >= 0 && !smcd_dev_known(argv[3])) {
		error("smc pnet add: smc has no SMC-D device '%s' (dibsctl smc device lists them)",
		      argv[3]);
		return EXIT_FAILURE;
	}
	msg = smc_msg(true, SMC_PNETID_ADD, 0);
	if (nla_put_string(msg, SMC_PNETID_NAME, id) < 0 ||
	    nla_put_string(msg, eth ? SMC_PNETID_ETHNAME : SMC_PNETID_IBNAME,
			   argv[3]) < 0 ||
	    (!eth && nla_put_u8(msg, SMC_PNETID_IBPORT, 1) < 0))
		oom();
	return smc_request(msg, NULL, NULL, "smc pnet add");
}

/*
 * The commands with verbs of their own (ueid, seid, pnet) have one entry
 * per verb, all with the same handler, which parses the verb.
 */
const struct dibsctl_obj smc_obj = {
	"smc", (const struct dibsctl_cmd[]) {
		{ "info", "", "[-j [-p]]",
		  "smc version, v2 capability, system EID", cmd_smc_info },
		{ "device", "[show]", "[-j [-p]]",
		  "the SMC-D devices smc uses", cmd_smc_dev },
		{ "lgr", "[show]", "[-j [-p]]",
		  "SMC-D link groups", cmd_smc_lgr },
		{ "stats", "[show]", "[-j [-p]]",
		  "SMC-D counters, TCP fallbacks and why", cmd_smc_stats },
		{ "sock", "[show]", "[-j [-p]]",
		  "SMC sockets: SMC-D or TCP fallback, and why", cmd_smc_sock },
		{ "ueid", "show", "[-j [-p]]",
		  "user EIDs (SMC-Dv2)", cmd_smc_ueid },
		{ "ueid", "add EID", "",
		  "add a user EID", cmd_smc_ueid },
		{ "ueid", "del EID", "",
		  "remove a user EID", cmd_smc_ueid },
		{ "ueid", "flush", "",
		  "remove every user EID", cmd_smc_ueid },
		{ "seid", "show", "[-j [-p]]",
		  "the system EID and whether smc uses it", cmd_smc_seid },
		{ "seid", "enable", "",
		  "use the system EID (s390 kernels only)", cmd_smc_seid },
		{ "seid", "disable", "",
		  "stop using it (s390; needs a user EID)", cmd_smc_seid },
		{ "pnet", "show", "[-j [-p]]",
		  "the PNET table of this namespace (SMC-Dv1)", cmd_smc_pnet },
		{ "pnet", "add PNETID eth IFNAME", "",
		  "give a network interface a PNET ID", cmd_smc_pnet },
		{ "pnet", "add PNETID smcd DEV", "",
		  "give an SMC-D device a PNET ID", cmd_smc_pnet },
		{ "pnet", "del PNETID", "",
		  "remove a PNET ID's entries", cmd_smc_pnet },
		{ "pnet", "flush", "",
		  "empty the PNET table", cmd_smc_pnet },
		{ 0 }
	}
};
