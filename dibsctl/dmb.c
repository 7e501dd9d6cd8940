// SPDX-License-Identifier: GPL-2.0
/*
 * dibsctl dmb: the registered DMBs of every device or of one
 */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dibsctl.h"

struct dmb_info {
	char dev[DIBS_NAME_LEN];
	char client[DIBS_NAME_LEN];
	char rgid[40];
	uint64_t token;
	uint32_t len, index, client_id, attach;
};

struct dmb_list {
	struct dmb_info *d;
	int n;
};

static int parse_dmb(struct nl_msg *msg, void *arg)
{
	struct dmb_list *l = arg;
	struct dmb_info *d;
	struct nlattr *a;
	int rem;

	d = array_add(&l->d, &l->n, sizeof(*d));
	for_each_genl_attr(a, msg, rem) {
		switch (nla_type(a)) {
		case DIBS_A_DMB_DEV_NAME:
			attr_str(a, d->dev, sizeof(d->dev));
			break;
		case DIBS_A_DMB_TOKEN:
			d->token = attr_u64(a);
			break;
		case DIBS_A_DMB_LEN:
			d->len = attr_u32(a);
			break;
		case DIBS_A_DMB_INDEX:
			d->index = attr_u32(a);
			break;
		case DIBS_A_DMB_CLIENT_ID:
			d->client_id = attr_u32(a);
			break;
		case DIBS_A_DMB_CLIENT_NAME:
			attr_str(a, d->client, sizeof(d->client));
			break;
		case DIBS_A_DMB_RGID:
			if (!attr_gid(a, d->rgid))
				strcpy(d->rgid, "?");
			break;
		case DIBS_A_DMB_ATTACH_COUNT:
			d->attach = attr_u32(a);
			break;
		}
	}
	return NL_OK;
}

static int dmb_show(int argc, char **argv)
{
	struct dmb_list l = { 0 };
	const char *dev = NULL;
	struct nl_msg *msg;
	struct request r;
	int i;

	if (argc == 2 && !strcmp(argv[0], "dev")) {
		dev = argv[1];
		if (!name_ok("dmb show", dev))
			return EXIT_USAGE;
	} else if (argc) {
		error("dmb show: %s '%s'", argc == 1 && !strcmp(argv[0], "dev") ?
		      "missing NAME after" : "unexpected argument", argv[0]);
		usage_obj(stderr, "dmb");
		return EXIT_USAGE;
	}

	msg = msg_new(DIBS_CMD_DMB_GET, NLM_F_DUMP);
	if (dev && nla_put_string(msg, DIBS_A_DMB_DEV_NAME, dev) < 0) {
		error("out of memory");
		return EXIT_FAILURE;
	}
	if (request(msg, parse_dmb, &l, &r)) {
		report_err(&r, "dmb show");
		free(l.d);
		return EXIT_FAILURE;
	}
	print_fp("%-15s  %-5s  %-18s  %-8s  %-12s  %-36s  %s\n", "DEV",
		 "INDEX", "TOKEN", "LEN", "CLIENT", "RGID", "ATTACHED");
	open_json_array(NULL);
	for (i = 0; i < l.n; i++) {
		const struct dmb_info *d = &l.d[i];
		char client[32];

		snprintf(client, sizeof(client), "%s(%" PRIu32 ")",
			 d->client[0] ? d->client : "?", d->client_id);
		open_json_object(NULL);
		print_string(PRINT_ANY, "dev_name", "%-15s  ", d->dev);
		print_uint(PRINT_FP, NULL, "%-5" PRIu64 "  ", d->index);
		print_hex(PRINT_ANY, "token", "0x%016" PRIx64 "  ", d->token);
		print_uint(PRINT_ANY, "len", "%-8" PRIu64 "  ", d->len);
		print_uint(PRINT_JSON, "index", NULL, d->index);
		print_uint(PRINT_JSON, "client_id", NULL, d->client_id);
		if (d->client[0])
			print_string(PRINT_JSON, "client_name", NULL, d->client);
		print_string(PRINT_FP, NULL, "%-12s  ", client);
		print_string(PRINT_ANY, "rgid", "%-36s  ", d->rgid);
		print_uint(PRINT_ANY, "attach_count", "%" PRIu64, d->attach);
		close_json_object();
		print_nl();
	}
	close_json_array();
	free(l.d);
	return EXIT_SUCCESS;
}

const struct dibsctl_obj dmb_obj = {
	"dmb", (const struct dibsctl_cmd[]) {
		{ "show", "[dev NAME]", "[-j [-p]]",
		  "registered DMBs (needs CAP_NET_ADMIN)", dmb_show },
		{ 0 }
	}
};
