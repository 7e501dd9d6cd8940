// SPDX-License-Identifier: GPL-2.0
/*
 * dibsctl smc info, seid, ueid: smc's system information, the system EID
 * and whether smc uses it, the user EID table (SMC-Dv2)
 */

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "smc.h"

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

int cmd_smc_info(int argc, char **argv)
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

int cmd_smc_seid(int argc, char **argv)
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

int cmd_smc_ueid(int argc, char **argv)
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
