// SPDX-License-Identifier: GPL-2.0
/*
 * dibsctl client: the registered clients (smc_d, ...)
 */

#include <stdlib.h>
#include <string.h>
#include <inttypes.h>

#include "dibsctl.h"

struct client_list {
	int n;
	struct {
		char name[DIBS_NAME_LEN];
		uint32_t id;
	} c[64];
};

static int parse_client(struct nl_msg *msg, void *arg)
{
	struct client_list *l = arg;
	struct nlattr *a;
	int rem;

	if (l->n == (int)ARRAY_SIZE(l->c))
		return NL_OK;
	memset(&l->c[l->n], 0, sizeof(l->c[0]));
	for_each_genl_attr(a, msg, rem) {
		if (nla_type(a) == DIBS_A_CLIENT_NAME)
			attr_str(a, l->c[l->n].name, DIBS_NAME_LEN);
		else if (nla_type(a) == DIBS_A_CLIENT_ID)
			l->c[l->n].id = attr_u32(a);
	}
	l->n++;
	return NL_OK;
}

static int client_show(int argc, char **argv)
{
	struct client_list l = { 0 };
	struct request r;
	int i;

	if (!args_ok(argc, argv, "client", "client show", false))
		return EXIT_USAGE;
	if (request(msg_new(DIBS_CMD_CLIENT_GET, NLM_F_DUMP), parse_client, &l,
		    &r)) {
		report_err(&r, "client show");
		return EXIT_FAILURE;
	}
	print_fp("%-3s  %s\n", "ID", "NAME");
	open_json_array(NULL);
	for (i = 0; i < l.n; i++) {
		open_json_object(NULL);
		print_uint(PRINT_FP, NULL, "%-3" PRIu64 "  ", l.c[i].id);
		print_string(PRINT_ANY, "name", "%s", l.c[i].name);
		print_uint(PRINT_JSON, "id", NULL, l.c[i].id);
		close_json_object();
		print_nl();
	}
	close_json_array();
	return EXIT_SUCCESS;
}

const struct dibsctl_obj client_obj = {
	"client", (const struct dibsctl_cmd[]) {
		{ "show", "", "[-j [-p]]",
		  "registered clients", client_show },
		{ 0 }
	}
};
