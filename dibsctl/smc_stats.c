// SPDX-License-Identifier: GPL-2.0
/*
 * dibsctl smc stats: SMC-D counters, handshake errors, TCP fallbacks by
 * reason; the reasons' texts, which smc sock shows too
 */

#include <inttypes.h>
#include <stdlib.h>

#include "smc.h"

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

const char *fback_why(uint32_t code)
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

int cmd_smc_stats(int argc, char **argv)
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
