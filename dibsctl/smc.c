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
 *
 * The object is split as dibsctl is, by what it shows or changes; smc.h
 * declares what the parts share:
 *
 *	smc.c		the command table; the families, requests, helpers
 *	smc_eid.c	info, seid, ueid: system information and the EIDs
 *	smc_dev.c	device, lgr: the SMC-D devices and link groups
 *	smc_stats.c	stats: counters and the fallback reasons
 *	smc_sock.c	sock: the SMC sockets, through smc_diag
 *	smc_pnet.c	pnet: the PNET table
 */

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netlink/genl/ctrl.h>

#include "smc.h"

int smc_family;		/* SMC_GEN_NETLINK */
int pnet_family;	/* SMC_PNETID */

/*
 * Open the socket and resolve both families; exits with a clear message if
 * the one a request needs (@pnet: SMC_PNETID) is missing.  smc before 5.11
 * has only SMC_PNETID: there `smc pnet` works and the rest does not.
 */
void smc_open(bool pnet)
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

struct nl_msg *smc_msg(bool pnet, uint8_t cmd, int flags)
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
uint64_t attr_uint(const struct nlattr *a)
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
void attr_trim(const struct nlattr *a, char *buf, size_t size)
{
	size_t n;

	attr_str(a, buf, size);
	n = strlen(buf);
	while (n && buf[n - 1] == ' ')
		buf[--n] = '\0';
}

struct nlattr *genl_attrs(struct nl_msg *msg, int *len)
{
	struct genlmsghdr *g = nlmsg_data(nlmsg_hdr(msg));

	*len = genlmsg_attrlen(g, 0);
	return genlmsg_attrdata(g, 0);
}

/* Run a request; on failure report it as @what. 0 or EXIT_FAILURE. */
int smc_request(struct nl_msg *msg, int (*parse)(struct nl_msg *, void *),
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
bool only_show(const char *what, int argc, char **argv)
{
	int show = argc && matches(argv[0], "show") ? 1 : 0;

	return args_ok(argc - show, argv + show, "smc", what, false);
}

/* OBJECT COMMAND help, as for the other objects */
bool want_help(int argc, char **argv)
{
	if (argc != 1 || strcmp(argv[0], "help"))
		return false;
	usage_obj(stdout, "smc");
	return true;
}

int usage_err(const char *fmt, const char *arg)
{
	error(fmt, arg);
	usage_obj(stderr, "smc");
	return EXIT_USAGE;
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
