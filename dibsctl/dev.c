// SPDX-License-Identifier: GPL-2.0
/*
 * dibsctl dev: list, add and delete devices; the device as the
 * kernel reports it (dev_info), which gid, selftest and monitor use too.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dibsctl.h"

/* the same names in JSON and in the text of -s */
static const char *const stat_keys[ST_N] = {
	"move_data", "bytes_moved", "signals", "dmb_registered",
	"dmb_unregistered", "errors",
};

void parse_dev_attrs(struct nlattr *head, int len, struct dev_info *d)
{
	struct nlattr *a, *c;
	int rem, crem;

	memset(d, 0, sizeof(*d));
	nla_for_each_attr(a, head, len, rem) {
		switch (nla_type(a)) {
		case DIBS_A_DEV_NAME:
			attr_str(a, d->name, sizeof(d->name));
			break;
		case DIBS_A_DEV_KIND:
			attr_str(a, d->kind, sizeof(d->kind));
			break;
		case DIBS_A_DEV_GID:
			if (!attr_gid(a, d->gid))
				strcpy(d->gid, "?");
			break;
		case DIBS_A_DEV_FABRIC_ID:
			d->fabric = attr_u16(a);
			d->has_fabric = true;
			break;
		case DIBS_A_DEV_MAX_DMBS:
			d->max_dmbs = attr_u32(a);
			d->has_max = true;
			break;
		case DIBS_A_DEV_DMBS_IN_USE:
			d->in_use = attr_u32(a);
			d->has_in_use = true;
			break;
		case DIBS_A_DEV_PARENT:
			attr_str(a, d->parent, sizeof(d->parent));
			break;
		case DIBS_A_DEV_REMOVING:
			d->removing = true;
			break;
		case DIBS_A_DEV_PEERS:
			d->peers = attr_u32(a);
			d->has_peers = true;
			break;
		case DIBS_A_DEV_CLIENT:
			if (d->nclients == MAX_CLIENTS)
				break;
			nla_for_each_nested(c, a, crem) {
				if (nla_type(c) == DIBS_A_CLIENT_NAME)
					attr_str(c, d->clients[d->nclients].name,
						 DIBS_NAME_LEN);
				else if (nla_type(c) == DIBS_A_CLIENT_ID)
					d->clients[d->nclients].id =
						attr_u32(c);
			}
			d->nclients++;
			break;
		case DIBS_A_DEV_STATS:
			d->has_stats = true;
			nla_for_each_nested(c, a, crem) {
				int t = nla_type(c);

				if (t >= DIBS_A_STATS_MOVE_DATA &&
				    t <= DIBS_A_STATS_ERRORS)
					d->stats[t - DIBS_A_STATS_MOVE_DATA] =
						attr_u64(c);
			}
			break;
		}
	}
}

static int parse_dev(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	struct dev_list *l = arg;

	parse_dev_attrs(genlmsg_attrdata(gh, 0), genlmsg_attrlen(gh, 0),
			array_add(&l->devs, &l->n, sizeof(*l->devs)));
	return NL_OK;
}

/*
 * Fetch one device (@name) or all, asking up to @tries times while the dump
 * is interrupted (the list changed under it); exits on failure.
 */
void get_devs_tries(const char *name, struct dev_list *l, const char *what,
		    int tries)
{
	struct request r;
	struct nl_msg *msg;
	int rc;

	for (;;) {
		memset(l, 0, sizeof(*l));
		if (name) {
			msg = msg_new(DIBS_CMD_DEV_GET, 0);
			if (nla_put_string(msg, DIBS_A_DEV_NAME, name) < 0) {
				error("bad device name");
				exit(EXIT_FAILURE);
			}
		} else {
			msg = msg_new(DIBS_CMD_DEV_GET, NLM_F_DUMP);
		}
		rc = request(msg, parse_dev, l, &r);
		if (!rc)
			return;
		if (rc != -EINTR || !r.intr || --tries <= 0)
			break;
		free(l->devs);
	}
	report_err(&r, what);
	exit(EXIT_FAILURE);
}

/* Fetch one device (@name) or all; exits on failure (iproute2: no retry). */
void get_devs(const char *name, struct dev_list *l, const char *what)
{
	get_devs_tries(name, l, what, 1);
}

/* the CLIENTS cell of a device: names, with their ids under -d */
static void dev_clients_cell(const struct dev_info *d, char *buf, size_t size)
{
	size_t used = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < d->nclients && used < size; i++) {
		if (opt_details)
			used += snprintf(buf + used, size - used,
					 "%s%s(%" PRIu32 ")", i ? "," : "",
					 d->clients[i].name, d->clients[i].id);
		else
			used += snprintf(buf + used, size - used, "%s%s",
					 i ? "," : "", d->clients[i].name);
	}
	if (!d->nclients)
		snprintf(buf, size, d->removing ? "(removing)" : "-");
}

/*
 * One device: a JSON object (under @key), and in text a row of the device
 * table (@w: its column widths) or, without @w, the identity for a monitor
 * event.  @full: every attribute, not only the identity (always with @w).
 */
void dev_print(const struct dev_info *d, const char *key, bool full,
	       const struct dev_widths *w)
{
	char fname[16], fkind[16], fclients[16], cell[256];
	int k;

	if (w) {
		snprintf(fname, sizeof(fname), "%%-%ds  ", w->name);
		snprintf(fkind, sizeof(fkind), "%%-%ds  ", w->kind);
		snprintf(fclients, sizeof(fclients), w->clients ? "%%-%ds" :
			 "%%s", w->clients);
	}
	open_json_object(key);
	print_string(PRINT_ANY, "name", w ? fname : "%s", d->name);
	print_string(PRINT_JSON, "kind", NULL, d->kind);
	print_string(PRINT_FP, NULL, w ? fkind : " kind %s",
		     d->kind[0] ? d->kind : "-");
	print_string(PRINT_ANY, "gid", w ? "%-36s  " : " gid %s", d->gid);
	print_hex(d->has_fabric ? PRINT_ANY : PRINT_FP, "fabric_id",
		  w ? "0x%04" PRIx64 "  " : " fabric 0x%04" PRIx64, d->fabric);
	if (full) {
		snprintf(cell, sizeof(cell), "%" PRIu32 "/%" PRIu32,
			 d->in_use, d->max_dmbs);
		print_string(PRINT_FP, NULL, w ? "%-12s  " : NULL, cell);
		if (d->has_max)
			print_uint(PRINT_JSON, "max_dmbs", NULL, d->max_dmbs);
		if (d->has_in_use)
			print_uint(PRINT_JSON, "dmbs_in_use", NULL, d->in_use);
		if (d->parent[0])
			print_string(PRINT_JSON, "parent", NULL, d->parent);
		print_string(PRINT_JSON, "state", NULL,
			     d->removing ? "removing" : "live");
		if (d->has_peers)
			print_uint(PRINT_JSON, "peers", NULL, d->peers);
		open_json_array("client");
		for (k = 0; k < d->nclients; k++) {
			open_json_object(NULL);
			print_string(PRINT_JSON, "name", NULL,
				     d->clients[k].name);
			print_uint(PRINT_JSON, "id", NULL, d->clients[k].id);
			close_json_object();
		}
		close_json_array();
		dev_clients_cell(d, cell, sizeof(cell));
		print_string(PRINT_FP, NULL, w ? fclients : NULL, cell);
		if (opt_details)
			print_string(PRINT_FP, NULL, w ? "  %s" : NULL,
				     d->parent[0] ? d->parent : "-");
	}
	print_nl();
	/* devices whose kind counts their peers (ivshmem): a line in the table */
	if (full && w && d->has_peers)
		print_uint(PRINT_FP, NULL, "    peers %" PRIu64 "\n", d->peers);
	if (full && opt_stats && d->has_stats) {
		/* text: a line of its own under the device's row */
		if (w)
			print_fp("   ");
		open_json_object("stats");
		for (k = 0; k < ST_N; k++) {
			print_string(PRINT_FP, NULL, w ? " %s" : NULL,
				     stat_keys[k]);
			print_uint(PRINT_ANY, stat_keys[k],
				   w ? " %" PRIu64 : NULL, d->stats[k]);
		}
		close_json_object();
		if (w)
			print_nl();
	}
	close_json_object();
}

static void dev_print_table(const struct dev_list *l)
{
	struct dev_widths w = { .name = 4, .kind = 4, .clients = 7 };
	char clients[256];
	int i;

	for (i = 0; i < l->n; i++) {
		if ((int)strlen(l->devs[i].name) > w.name)
			w.name = strlen(l->devs[i].name);
		if ((int)strlen(l->devs[i].kind) > w.kind)
			w.kind = strlen(l->devs[i].kind);
		dev_clients_cell(&l->devs[i], clients, sizeof(clients));
		if ((int)strlen(clients) > w.clients)
			w.clients = strlen(clients);
	}
	/* CLIENTS is padded only when the PARENT column follows it */
	if (!opt_details)
		w.clients = 0;
	print_fp("%-*s  %-*s  %-36s  %-6s  %-12s  %-*s%s\n", w.name, "NAME",
		 w.kind, "KIND", "GID", "FABRIC", "DMBS/MAX", w.clients,
		 "CLIENTS", opt_details ? "  PARENT" : "");
	open_json_array(NULL);
	for (i = 0; i < l->n; i++)
		dev_print(&l->devs[i], NULL, true, &w);
	close_json_array();
}

static int dev_show(int argc, char **argv)
{
	const char *name = argc ? argv[0] : NULL;
	struct dev_list l;
	char what[64];

	if (!args_ok(argc, argv, "dev", "dev show", true))
		return EXIT_USAGE;
	snprintf(what, sizeof(what), "dev show%s%.16s", name ? " " : "",
		 name ? name : "");
	get_devs(name, &l, what);
	dev_print_table(&l);
	free(l.devs);
	return EXIT_SUCCESS;
}

static int parse_new_name(struct nl_msg *msg, void *arg)
{
	struct nlattr *a;
	int rem;

	for_each_genl_attr(a, msg, rem)
		if (nla_type(a) == DIBS_A_DEV_NAME)
			attr_str(a, arg, DIBS_NAME_LEN);
	return NL_OK;
}

static int dev_add(int argc, char **argv)
{
	char new_name[DIBS_NAME_LEN] = "";
	const char *name = NULL;
	struct nl_msg *msg;
	struct request r;

	if (argc < 1) {
		error("dev add: missing KIND");
		usage_obj(stderr, "dev");
		return EXIT_USAGE;
	}
	if (argc == 3 && matches(argv[1], "name")) {
		name = argv[2];
	} else if (argc != 1) {
		error("dev add: unexpected argument '%s'", argv[1]);
		usage_obj(stderr, "dev");
		return EXIT_USAGE;
	}
	if (!name_ok("dev add", argv[0]) || (name && !name_ok("dev add", name)))
		return EXIT_USAGE;

	msg = msg_new(DIBS_CMD_DEV_NEW, 0);
	if (nla_put_string(msg, DIBS_A_DEV_KIND, argv[0]) < 0 ||
	    (name && nla_put_string(msg, DIBS_A_DEV_NAME, name) < 0)) {
		error("out of memory");
		return EXIT_FAILURE;
	}
	if (request(msg, parse_new_name, new_name, &r)) {
		report_err(&r, "dev add");
		return EXIT_FAILURE;
	}
	open_json_object(NULL);
	print_string(PRINT_ANY, "name", "%s\n", new_name);
	close_json_object();
	return EXIT_SUCCESS;
}

static int dev_del(int argc, char **argv)
{
	struct nl_msg *msg;
	struct request r;

	if (argc != 1) {
		error(argc ? "dev del: unexpected argument '%s'" :
			     "dev del: missing NAME%s", argc ? argv[1] : "");
		usage_obj(stderr, "dev");
		return EXIT_USAGE;
	}
	if (!name_ok("dev del", argv[0]))
		return EXIT_USAGE;
	msg = msg_new(DIBS_CMD_DEV_DEL, 0);
	if (nla_put_string(msg, DIBS_A_DEV_NAME, argv[0]) < 0) {
		error("out of memory");
		return EXIT_FAILURE;
	}
	if (request(msg, NULL, NULL, &r)) {
		char what[64];

		snprintf(what, sizeof(what), "dev del %.16s", argv[0]);
		report_err(&r, what);
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}

const struct dibsctl_obj dev_obj = {
	"dev", (const struct dibsctl_cmd[]) {
		{ "show", "[NAME]", "[-j [-p]] [-s] [-d]",
		  "list devices", dev_show },
		{ "add", "KIND [name NAME]", "[-j [-p]]",
		  "create a device (KIND lo: dibs_lo)", dev_add },
		{ "del", "NAME", "",
		  "delete a device", dev_del },
		{ 0 }
	}
};
