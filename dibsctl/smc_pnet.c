// SPDX-License-Identifier: GPL-2.0
/*
 * dibsctl smc pnet: the PNET table of this network namespace (SMC-Dv1)
 */

#include <ctype.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "smc.h"

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

int cmd_smc_pnet(int argc, char **argv)
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
