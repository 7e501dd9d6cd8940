// SPDX-License-Identifier: GPL-2.0
/*
 * dibsctl - show and control dibs devices
 *
 * A client of the generic netlink family "dibs" (dibs_core.ko), described
 * by Documentation/netlink/specs/dibs.yaml.  Follows the conventions of
 * iproute2's devlink and rdma:
 *
 *	dibsctl [OPTIONS] OBJECT [COMMAND [ARGS]]
 *
 * One table (commands[] below) drives parsing, help, the man page's
 * synopsis (checked by selftests/dibsctl/host/dibsctl_host.sh) and the bash
 * completion (which reads it from the hidden option --commands).
 * Objects and commands may be abbreviated; the first command of an object
 * is its default.  Every argument after the command is taken literally.
 * Exit status: 0 success, 1 failure, 2 usage error (found before any
 * netlink).
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include <linux/dibs_netlink.h>

#include "dibsctl.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#ifndef DIBSCTL_VERSION
#define DIBSCTL_VERSION "unknown"
#endif

/* Netlink bits older libc/libnl headers may lack. */
#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif
#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NLM_F_CAPPED
#define NLM_F_CAPPED 0x100
#endif
#ifndef NLM_F_ACK_TLVS
#define NLM_F_ACK_TLVS 0x200
#endif
#define DIBSCTL_NLMSGERR_ATTR_MSG 1	/* NLMSGERR_ATTR_MSG */
#define DIBSCTL_NLMSGERR_ATTR_MAX 8

#define MAX_CLIENTS 16		/* more than the kernel's MAX_DIBS_CLIENTS */

static const char *prog = "dibsctl";

/* Options */
bool opt_json;
bool opt_pretty;
static bool opt_stats;
static bool opt_details;
static bool opt_timestamp;

/* Netlink state */
struct nl_sock *sk;
static int family_id;

/*
 * Errors and usage
 */

void error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void usage_main(FILE *f);

/* True if @arg is a non-empty prefix of @word (iproute2's matches()). */
bool matches(const char *arg, const char *word)
{
	size_t len = strlen(arg);

	return len && len <= strlen(word) && !strncmp(arg, word, len);
}

/*
 * JSON output (RFC 8259), compact or pretty
 */

static int jdepth;
static bool jfirst[64];
static bool jkeyed;

static void jindent(void)
{
	int i;

	if (!opt_pretty)
		return;
	putchar('\n');
	for (i = 0; i < jdepth; i++)
		fputs("    ", stdout);
}

static void jprefix(void)
{
	if (jkeyed) {
		jkeyed = false;
		return;
	}
	if (!jdepth)
		return;
	if (!jfirst[jdepth])
		putchar(',');
	jfirst[jdepth] = false;
	jindent();
}

static void jraw_str(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	putchar('"');
	for (; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", stdout);
			break;
		case '\\':
			fputs("\\\\", stdout);
			break;
		case '\n':
			fputs("\\n", stdout);
			break;
		case '\t':
			fputs("\\t", stdout);
			break;
		default:
			if (*p < 0x20)
				printf("\\u%04x", *p);
			else
				putchar(*p);
		}
	}
	putchar('"');
}

void jkey(const char *key)
{
	jprefix();
	jraw_str(key);
	putchar(':');
	if (opt_pretty)
		putchar(' ');
	jkeyed = true;
}

void jopen(char c)
{
	jprefix();
	putchar(c);
	jfirst[++jdepth] = true;
}

void jclose(char c)
{
	bool empty = jfirst[jdepth];

	jdepth--;
	if (!empty)
		jindent();
	putchar(c);
	if (!jdepth)
		putchar('\n');
}

void jstr(const char *key, const char *val)
{
	if (key)
		jkey(key);
	jprefix();
	jraw_str(val);
}

void juint(const char *key, uint64_t val)
{
	if (key)
		jkey(key);
	jprefix();
	printf("%" PRIu64, val);
}

/* hex as Python's hex() prints it, like `ynl` for display-hint: hex */
void jhex(const char *key, uint64_t val)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, val);
	jstr(key, buf);
}

void jbool(const char *key, bool val)
{
	if (key)
		jkey(key);
	jprefix();
	fputs(val ? "true" : "false", stdout);
}

/*
 * Netlink plumbing
 */

/* The kernel's message (extack): an error's text or a warning on success */
static void parse_extack(struct request *r, const struct nlmsghdr *nlh,
			 size_t off)
{
	struct nlattr *tb[DIBSCTL_NLMSGERR_ATTR_MAX + 1];
	size_t payload = nlh->nlmsg_len - NLMSG_HDRLEN;
	struct nlattr *attrs;
	size_t len;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || off > payload)
		return;
	attrs = (struct nlattr *)((char *)nlh + NLMSG_HDRLEN + NLMSG_ALIGN(off));
	if (NLMSG_ALIGN(off) > payload)
		return;
	len = payload - NLMSG_ALIGN(off);
	if (nla_parse(tb, DIBSCTL_NLMSGERR_ATTR_MAX, attrs, len, NULL) < 0)
		return;
	if (tb[DIBSCTL_NLMSGERR_ATTR_MSG]) {
		struct nlattr *a = tb[DIBSCTL_NLMSGERR_ATTR_MSG];
		size_t n = nla_len(a);

		if (n >= sizeof(r->extack))
			n = sizeof(r->extack) - 1;
		memcpy(r->extack, nla_data(a), n);
		r->extack[n] = '\0';
	}
}

static int cb_valid(struct nl_msg *msg, void *arg)
{
	struct request *r = arg;

	if (r->parse)
		return r->parse(msg, r->arg);
	return NL_OK;
}

static int cb_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	const struct nlmsghdr *nlh =
		(const struct nlmsghdr *)((const char *)e - NLMSG_HDRLEN);
	struct request *r = arg;
	size_t off = sizeof(*e);

	(void)nla;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	r->err = e->error;
	parse_extack(r, nlh, off);
	r->done = true;
	return NL_STOP;
}

/* A warning the kernel attached to a successful request, as ip prints it */
static void report_warning(struct request *r)
{
	if (r->extack[0])
		fprintf(stderr, "%s: Warning: %s\n", prog, r->extack);
	r->extack[0] = '\0';
}

/* The ACK of a request that succeeded; it may carry a warning (extack) */
static int cb_ack(struct nl_msg *msg, void *arg)
{
	const struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct request *r = arg;
	size_t off = sizeof(struct nlmsgerr);

	if (nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(struct nlmsgerr)) {
		const struct nlmsgerr *e = nlmsg_data(nlh);

		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - NLMSG_HDRLEN;
		parse_extack(r, nlh, off);
		report_warning(r);
	}
	r->done = true;
	return NL_STOP;
}

/* NLMSG_DONE: carries the error of a failed dump, with the extack */
static int cb_finish(struct nl_msg *msg, void *arg)
{
	const struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct request *r = arg;
	int err;

	if (nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(int)) {
		memcpy(&err, nlmsg_data(nlh), sizeof(err));
		parse_extack(r, nlh, sizeof(int));
		if (err < 0)
			r->err = err;
		else
			report_warning(r);
	}
	r->done = true;
	return NL_STOP;
}

/* NLM_F_DUMP_INTR: the list changed while it was dumped; read on, then fail */
static int cb_dump_intr(struct nl_msg *msg, void *arg)
{
	struct request *r = arg;

	(void)msg;
	r->intr = true;
	return NL_OK;
}

/*
 * Why the family is missing: dibs_core is not loaded, or it is and we are
 * in another network namespace than the initial one (the family is not
 * netns-aware: it exists only there).
 */
static void family_missing(void)
{
	if (access("/sys/module/dibs_core", F_OK))
		error("dibs_core is not loaded (modprobe dibs_core, or a device driver such as dibs_lo)");
	else
		error("dibs_core is loaded, but its netlink family is not visible here: it exists only in the initial network namespace (is this a container or `ip netns exec`?)");
	exit(EXIT_FAILURE);
}

/*
 * Open the socket and resolve the family; called on the first request,
 * after the command line has been parsed completely.
 */
static void nl_open(void)
{
	int one = 1, rc;

	if (sk)
		return;
	sk = nl_socket_alloc();
	if (!sk) {
		error("out of memory");
		exit(EXIT_FAILURE);
	}
	rc = genl_connect(sk);
	if (rc < 0) {
		error("cannot open a generic netlink socket: %s",
		      nl_geterror(rc));
		exit(EXIT_FAILURE);
	}
	/* without it the kernel's error messages stay in the kernel */
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one,
		   sizeof(one));
	family_id = genl_ctrl_resolve(sk, DIBS_FAMILY_NAME);
	if (family_id == -NLE_OBJ_NOTFOUND)
		family_missing();
	if (family_id < 0) {
		error("cannot look up the dibs netlink family: %s",
		      nl_geterror(family_id));
		exit(EXIT_FAILURE);
	}
}

static struct nl_msg *msg_new(uint8_t cmd, int flags)
{
	struct nl_msg *msg;

	nl_open();
	msg = nlmsg_alloc();
	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family_id, 0,
				 flags, cmd, DIBS_FAMILY_VERSION)) {
		error("out of memory");
		exit(EXIT_FAILURE);
	}
	return msg;
}

/* Send @msg (consumed), feed every reply to @parse; 0 or negative errno. */
int request(struct nl_msg *msg, int (*parse)(struct nl_msg *, void *),
	    void *arg, struct request *r)
{
	struct nl_cb *cb;
	int rc;

	memset(r, 0, sizeof(*r));
	r->parse = parse;
	r->arg = arg;

	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, cb_valid, r);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, cb_ack, r);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, cb_finish, r);
	nl_cb_set(cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, cb_dump_intr, r);
	nl_cb_err(cb, NL_CB_CUSTOM, cb_error, r);

	rc = nl_send_auto(sk, msg);
	nlmsg_free(msg);
	if (rc < 0) {
		nl_cb_put(cb);
		r->nlerr = rc;
		r->err = -EIO;
		return r->err;
	}
	while (!r->done) {
		rc = nl_recvmsgs(sk, cb);
		if (rc < 0 && !r->done) {
			r->nlerr = rc;
			r->err = -EIO;
			break;
		}
	}
	nl_cb_put(cb);
	/* what was read may list an entry twice or miss one: print nothing */
	if (r->intr && !r->err)
		r->err = -EINTR;
	return r->err;
}

/* Report a failed request the way the user needs to see it. */
void report_err(const struct request *r, const char *what)
{
	if (r->nlerr)
		error("%s: netlink: %s", what, nl_geterror(r->nlerr));
	else if (r->intr && r->err == -EINTR)
		error("%s: Dump was interrupted and may be inconsistent (the kernel's list changed while it was read); try again",
		      what);
	else if (r->extack[0])
		error("%s: %s (%s)", what, r->extack, strerror(-r->err));
	else if (r->err == -EPERM)
		error("%s: %s (needs CAP_NET_ADMIN)", what, strerror(-r->err));
	else
		error("%s: %s", what, strerror(-r->err));
}

/*
 * Attribute helpers
 */

void attr_str(const struct nlattr *a, char *buf, size_t size)
{
	size_t n = nla_len(a);

	if (n >= size)
		n = size - 1;
	memcpy(buf, nla_data(a), n);
	buf[n] = '\0';
	buf[strnlen(buf, n)] = '\0';
}

static uint32_t attr_u32(const struct nlattr *a)
{
	uint32_t v = 0;

	if (nla_len(a) >= (int)sizeof(v))
		memcpy(&v, nla_data(a), sizeof(v));
	return v;
}

static uint16_t attr_u16(const struct nlattr *a)
{
	uint16_t v = 0;

	if (nla_len(a) >= (int)sizeof(v))
		memcpy(&v, nla_data(a), sizeof(v));
	return v;
}

static uint64_t attr_u64(const struct nlattr *a)
{
	uint64_t v = 0;

	if (nla_len(a) >= (int)sizeof(v))
		memcpy(&v, nla_data(a), sizeof(v));
	return v;
}

/* A GID as a UUID string; false if the attribute is not 16 bytes. */
static bool attr_gid(const struct nlattr *a, char *buf)
{
	const unsigned char *g = nla_data(a);

	if (nla_len(a) != DIBS_GID_LEN)
		return false;
	sprintf(buf,
		"%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9],
		g[10], g[11], g[12], g[13], g[14], g[15]);
	return true;
}

#define for_each_genl_attr(a, msg, rem)					\
	nla_for_each_attr(a, genlmsg_attrdata(nlmsg_data(nlmsg_hdr(msg)), 0), \
			  genlmsg_attrlen(nlmsg_data(nlmsg_hdr(msg)), 0), rem)

/*
 * Devices
 */

enum { ST_MOVE, ST_BYTES, ST_SIGNALS, ST_REG, ST_UNREG, ST_ERRORS, ST_N };

static const char *const stat_keys[ST_N] = {
	"move_data", "bytes_moved", "signals", "dmb_registered",
	"dmb_unregistered", "errors",
};

struct dev_info {
	char name[DIBS_NAME_LEN];
	char kind[DIBS_NAME_LEN];
	char gid[40];
	char parent[64];
	bool has_fabric, has_max, has_in_use, has_stats, removing, has_peers;
	uint16_t fabric;
	uint32_t max_dmbs, in_use, peers;
	int nclients;
	struct {
		char name[DIBS_NAME_LEN];
		uint32_t id;
	} clients[MAX_CLIENTS];
	uint64_t stats[ST_N];
};

struct dev_list {
	struct dev_info *devs;
	int n;
};

static void parse_dev_attrs(struct nlattr *head, int len, struct dev_info *d)
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
	struct dev_info *d;

	d = realloc(l->devs, (l->n + 1) * sizeof(*d));
	if (!d) {
		error("out of memory");
		exit(EXIT_FAILURE);
	}
	l->devs = d;
	parse_dev_attrs(genlmsg_attrdata(gh, 0), genlmsg_attrlen(gh, 0),
			&l->devs[l->n++]);
	return NL_OK;
}

/*
 * Fetch one device (@name) or all, asking up to @tries times while the dump
 * is interrupted (the list changed under it); exits on failure.
 */
static void get_devs_tries(const char *name, struct dev_list *l,
			   const char *what, int tries)
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
static void get_devs(const char *name, struct dev_list *l, const char *what)
{
	get_devs_tries(name, l, what, 1);
}

static void dev_json(const struct dev_info *d, bool full)
{
	int i;

	jopen('{');
	jstr("name", d->name);
	jstr("kind", d->kind);
	jstr("gid", d->gid);
	if (d->has_fabric)
		jhex("fabric_id", d->fabric);
	if (full) {
		if (d->has_max)
			juint("max_dmbs", d->max_dmbs);
		if (d->has_in_use)
			juint("dmbs_in_use", d->in_use);
		if (d->parent[0])
			jstr("parent", d->parent);
		jstr("state", d->removing ? "removing" : "live");
		if (d->has_peers)
			juint("peers", d->peers);
		jkey("client");
		jopen('[');
		for (i = 0; i < d->nclients; i++) {
			jopen('{');
			jstr("name", d->clients[i].name);
			juint("id", d->clients[i].id);
			jclose('}');
		}
		jclose(']');
		if (opt_stats && d->has_stats) {
			jkey("stats");
			jopen('{');
			for (i = 0; i < ST_N; i++)
				juint(stat_keys[i], d->stats[i]);
			jclose('}');
		}
	}
	jclose('}');
}

static void dev_clients_str(const struct dev_info *d, char *buf, size_t size)
{
	size_t used = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < d->nclients && used < size; i++)
		used += snprintf(buf + used, size - used, "%s%s", i ? "," : "",
				 d->clients[i].name);
	if (!d->nclients)
		snprintf(buf, size, d->removing ? "(removing)" : "-");
}

/* the CLIENTS cell of a device: names, with their ids under -d */
static void dev_clients_cell(const struct dev_info *d, char *buf, size_t size)
{
	size_t used = 0;
	int j;

	if (!opt_details) {
		dev_clients_str(d, buf, size);
		return;
	}
	buf[0] = '\0';
	for (j = 0; j < d->nclients && used < size; j++)
		used += snprintf(buf + used, size - used, "%s%s(%" PRIu32 ")",
				 j ? "," : "", d->clients[j].name,
				 d->clients[j].id);
	if (!d->nclients)
		snprintf(buf, size, d->removing ? "(removing)" : "-");
}

static void dev_print_table(const struct dev_list *l)
{
	char dmbs[32], clients[256];
	int i, wname = 4, wkind = 4, wclients = 7;

	for (i = 0; i < l->n; i++) {
		if ((int)strlen(l->devs[i].name) > wname)
			wname = strlen(l->devs[i].name);
		if ((int)strlen(l->devs[i].kind) > wkind)
			wkind = strlen(l->devs[i].kind);
		dev_clients_cell(&l->devs[i], clients, sizeof(clients));
		if ((int)strlen(clients) > wclients)
			wclients = strlen(clients);
	}
	/* CLIENTS is padded only when the PARENT column follows it */
	if (!opt_details)
		wclients = 0;
	printf("%-*s  %-*s  %-36s  %-6s  %-12s  %-*s%s\n", wname, "NAME", wkind,
	       "KIND", "GID", "FABRIC", "DMBS/MAX", wclients, "CLIENTS",
	       opt_details ? "  PARENT" : "");
	for (i = 0; i < l->n; i++) {
		const struct dev_info *d = &l->devs[i];

		snprintf(dmbs, sizeof(dmbs), "%" PRIu32 "/%" PRIu32, d->in_use,
			 d->max_dmbs);
		dev_clients_cell(d, clients, sizeof(clients));
		printf("%-*s  %-*s  %-36s  0x%04x  %-12s  %-*s", wname, d->name,
		       wkind, d->kind[0] ? d->kind : "-", d->gid, d->fabric,
		       dmbs, wclients, clients);
		if (opt_details)
			printf("  %s", d->parent[0] ? d->parent : "-");
		putchar('\n');
		/* devices whose kind counts their peers (ivshmem) */
		if (d->has_peers)
			printf("    peers %" PRIu32 "\n", d->peers);
		if (opt_stats && d->has_stats) {
			int k;

			/* the same names as the JSON keys */
			fputs("   ", stdout);
			for (k = 0; k < ST_N; k++)
				printf(" %s %" PRIu64, stat_keys[k],
				       d->stats[k]);
			putchar('\n');
		}
	}
}

static bool name_ok(const char *what, const char *name);

static int cmd_dev_show(int argc, char **argv)
{
	const char *name = NULL;
	struct dev_list l;
	char what[64];
	int i;

	if (argc > 1) {
		error("dev show: unexpected argument '%s'", argv[1]);
		usage_obj(stderr, "dev");
		return EXIT_USAGE;
	}
	if (argc == 1) {
		if (!name_ok("dev show", argv[0]))
			return EXIT_USAGE;
		name = argv[0];
	}
	snprintf(what, sizeof(what), "dev show%s%.16s", name ? " " : "",
		 name ? name : "");
	get_devs(name, &l, what);
	if (opt_json) {
		jopen('[');
		for (i = 0; i < l.n; i++)
			dev_json(&l.devs[i], true);
		jclose(']');
	} else {
		dev_print_table(&l);
	}
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

static bool name_ok(const char *what, const char *name)
{
	if (strlen(name) >= DIBS_NAME_LEN) {
		error("%s: '%s' is longer than %d characters", what, name,
		      DIBS_NAME_LEN - 1);
		return false;
	}
	return true;
}

static int cmd_dev_add(int argc, char **argv)
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
	if (opt_json) {
		jopen('{');
		jstr("name", new_name);
		jclose('}');
	} else {
		printf("%s\n", new_name);
	}
	return EXIT_SUCCESS;
}

static int cmd_dev_del(int argc, char **argv)
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

static int cmd_gid_show(int argc, char **argv)
{
	const char *name = NULL;
	struct dev_list l;
	int i;

	if (argc > 1) {
		error("gid show: unexpected argument '%s'", argv[1]);
		usage_obj(stderr, "gid");
		return EXIT_USAGE;
	}
	if (argc == 1 && !name_ok("gid show", argv[0]))
		return EXIT_USAGE;
	if (argc == 1)
		name = argv[0];
	get_devs(name, &l, "gid show");
	if (opt_json) {
		jopen('[');
		for (i = 0; i < l.n; i++) {
			jopen('{');
			jstr("name", l.devs[i].name);
			jstr("gid", l.devs[i].gid);
			jclose('}');
		}
		jclose(']');
	} else {
		for (i = 0; i < l.n; i++)
			printf("%s %s\n", l.devs[i].name, l.devs[i].gid);
	}
	free(l.devs);
	return EXIT_SUCCESS;
}

/*
 * Clients
 */

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

static int cmd_client_show(int argc, char **argv)
{
	struct client_list l = { 0 };
	struct request r;
	int i;

	if (argc) {
		error("client show: unexpected argument '%s'", argv[0]);
		usage_obj(stderr, "client");
		return EXIT_USAGE;
	}
	if (request(msg_new(DIBS_CMD_CLIENT_GET, NLM_F_DUMP), parse_client, &l,
		    &r)) {
		report_err(&r, "client show");
		return EXIT_FAILURE;
	}
	if (opt_json) {
		jopen('[');
		for (i = 0; i < l.n; i++) {
			jopen('{');
			jstr("name", l.c[i].name);
			juint("id", l.c[i].id);
			jclose('}');
		}
		jclose(']');
	} else {
		printf("%-3s  %s\n", "ID", "NAME");
		for (i = 0; i < l.n; i++)
			printf("%-3" PRIu32 "  %s\n", l.c[i].id, l.c[i].name);
	}
	return EXIT_SUCCESS;
}

/*
 * DMBs
 */

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

	d = realloc(l->d, (l->n + 1) * sizeof(*d));
	if (!d) {
		error("out of memory");
		exit(EXIT_FAILURE);
	}
	l->d = d;
	d = &l->d[l->n++];
	memset(d, 0, sizeof(*d));
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

static int cmd_dmb_show(int argc, char **argv)
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
	if (opt_json) {
		jopen('[');
		for (i = 0; i < l.n; i++) {
			const struct dmb_info *d = &l.d[i];

			jopen('{');
			jstr("dev_name", d->dev);
			jhex("token", d->token);
			juint("len", d->len);
			juint("index", d->index);
			juint("client_id", d->client_id);
			if (d->client[0])
				jstr("client_name", d->client);
			jstr("rgid", d->rgid);
			juint("attach_count", d->attach);
			jclose('}');
		}
		jclose(']');
	} else {
		printf("%-15s  %-5s  %-18s  %-8s  %-12s  %-36s  %s\n", "DEV",
		       "INDEX", "TOKEN", "LEN", "CLIENT", "RGID", "ATTACHED");
		for (i = 0; i < l.n; i++) {
			const struct dmb_info *d = &l.d[i];
			char client[32];

			snprintf(client, sizeof(client), "%s(%" PRIu32 ")",
				 d->client[0] ? d->client : "?", d->client_id);
			printf("%-15s  %-5" PRIu32 "  0x%016" PRIx64
			       "  %-8" PRIu32 "  %-12s  %-36s  %" PRIu32 "\n",
			       d->dev, d->index, d->token, d->len, client,
			       d->rgid, d->attach);
		}
	}
	free(l.d);
	return EXIT_SUCCESS;
}

/*
 * Self-test
 */

static const char *const result_names[] = {
	[DIBS_SELFTEST_RESULT_PASS] = "pass",
	[DIBS_SELFTEST_RESULT_FAIL] = "fail",
	[DIBS_SELFTEST_RESULT_SKIP] = "skip",
};

struct st_check {
	char name[64];
	char message[256];
	uint32_t result;
};

struct st_run {
	char dev[DIBS_NAME_LEN];
	struct st_check *c;
	int n;
};

static int parse_selftest(struct nl_msg *msg, void *arg)
{
	struct st_run *run = arg;
	struct nlattr *a, *c;
	int rem, crem;

	for_each_genl_attr(a, msg, rem) {
		struct st_check *chk;

		if (nla_type(a) == DIBS_A_SELFTEST_DEV_NAME) {
			attr_str(a, run->dev, sizeof(run->dev));
			continue;
		}
		if (nla_type(a) != DIBS_A_SELFTEST_CHECK)
			continue;
		chk = realloc(run->c, (run->n + 1) * sizeof(*chk));
		if (!chk) {
			error("out of memory");
			exit(EXIT_FAILURE);
		}
		run->c = chk;
		chk = &run->c[run->n++];
		memset(chk, 0, sizeof(*chk));
		chk->result = DIBS_SELFTEST_RESULT_FAIL;
		nla_for_each_nested(c, a, crem) {
			if (nla_type(c) == DIBS_A_CHECK_NAME)
				attr_str(c, chk->name, sizeof(chk->name));
			else if (nla_type(c) == DIBS_A_CHECK_MESSAGE)
				attr_str(c, chk->message, sizeof(chk->message));
			else if (nla_type(c) == DIBS_A_CHECK_RESULT)
				chk->result = attr_u32(c);
		}
	}
	return NL_OK;
}

static const char *result_name(uint32_t result)
{
	if (result < ARRAY_SIZE(result_names))
		return result_names[result];
	return "unknown";
}

/* true once the JSON array of selftest results has been opened */
static bool st_json_open;

/* Run the self-check on @name; 0 all passed, 1 a check failed, -1 error. */
static int selftest_one(const char *name)
{
	struct st_run run = { 0 };
	struct nl_msg *msg;
	struct request r;
	bool failed = false;
	int i;

	msg = msg_new(DIBS_CMD_SELFTEST, 0);
	if (nla_put_string(msg, DIBS_A_SELFTEST_DEV_NAME, name) < 0) {
		error("out of memory");
		return -1;
	}
	if (request(msg, parse_selftest, &run, &r)) {
		char what[64];

		snprintf(what, sizeof(what), "selftest %.16s", name);
		report_err(&r, what);
		free(run.c);
		return -1;
	}
	if (!run.n) {
		error("selftest %s: the kernel reported no checks", name);
		return -1;
	}
	for (i = 0; i < run.n; i++)
		if (run.c[i].result != DIBS_SELFTEST_RESULT_PASS &&
		    run.c[i].result != DIBS_SELFTEST_RESULT_SKIP)
			failed = true;

	if (opt_json) {
		/* the array opens with the first result: nothing on errors */
		if (!st_json_open)
			jopen('[');
		st_json_open = true;
		jopen('{');
		jstr("dev_name", run.dev[0] ? run.dev : name);
		jkey("check");
		jopen('[');
		for (i = 0; i < run.n; i++) {
			jopen('{');
			jstr("name", run.c[i].name);
			jstr("result", result_name(run.c[i].result));
			jstr("message", run.c[i].message);
			jclose('}');
		}
		jclose(']');
		jclose('}');
	} else {
		for (i = 0; i < run.n; i++)
			printf("%-15s  %-24s  %-4s  %s\n", name, run.c[i].name,
			       result_name(run.c[i].result), run.c[i].message);
	}
	free(run.c);
	return failed ? 1 : 0;
}

static int cmd_selftest_run(int argc, char **argv)
{
	struct dev_list l = { 0 };
	bool failed = false;
	int i, rc;

	if (argc > 1) {
		error("selftest run: unexpected argument '%s'", argv[1]);
		usage_obj(stderr, "selftest");
		return EXIT_USAGE;
	}
	if (argc == 1 && !name_ok("selftest run", argv[0]))
		return EXIT_USAGE;
	if (argc == 1) {
		rc = selftest_one(argv[0]);
		if (opt_json && st_json_open)
			jclose(']');
		return rc ? EXIT_FAILURE : EXIT_SUCCESS;
	}

	/*
	 * Only the names are needed, and another self-check or a device
	 * coming or going interrupts the dump: ask again before giving up.
	 */
	get_devs_tries(NULL, &l, "selftest", 5);
	if (!l.n) {
		error("selftest: there are no dibs devices");
		return EXIT_FAILURE;
	}
	for (i = 0; i < l.n; i++) {
		if (selftest_one(l.devs[i].name))
			failed = true;
		fflush(stdout);
	}
	/* devices that could not be tested are left out (and exit 1) */
	if (opt_json && st_json_open)
		jclose(']');
	free(l.devs);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

static int cmd_selftest_all(int argc, char **argv)
{
	if (argc) {
		error("selftest all: unexpected argument '%s'", argv[0]);
		usage_obj(stderr, "selftest");
		return EXIT_USAGE;
	}
	return cmd_selftest_run(0, argv);
}

/*
 * Monitor
 */

static void on_signal(int sig)
{
	(void)sig;
	/* every event is flushed as it is printed */
	_exit(EXIT_SUCCESS);
}

static int monitor_grp = -1;	/* the dibs family's group while joined */

/* -t: when an event was read, in local time to the microsecond */
static void monitor_stamp(char *buf, size_t size)
{
	struct timeval tv;
	struct tm tm;
	size_t n;

	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, size - n, ".%06ld", (long)tv.tv_usec);
}

static void monitor_dev(struct genlmsghdr *gh)
{
	bool added = gh->cmd == DIBS_CMD_DEV_ADD_NTF;
	const char *ev = added ? "new" : "del";
	char stamp[64];
	struct dev_info d;

	parse_dev_attrs(genlmsg_attrdata(gh, 0), genlmsg_attrlen(gh, 0), &d);
	if (opt_timestamp)
		monitor_stamp(stamp, sizeof(stamp));
	if (opt_json) {
		jopen('{');
		if (opt_timestamp)
			jstr("timestamp", stamp);
		jstr("object", "dev");
		jstr("event", ev);
		jkey("dev");
		dev_json(&d, added);
		jclose('}');
	} else {
		if (opt_timestamp)
			printf("[%s] ", stamp);
		printf("[dev,%s] %s kind %s gid %s fabric 0x%04x\n", ev, d.name,
		       d.kind[0] ? d.kind : "-", d.gid, d.fabric);
	}
	fflush(stdout);
}

/* nlctrl's news about the dibs family: gone, back (with its groups) */
static void monitor_ctrl(struct nl_msg *msg, struct genlmsghdr *gh)
{
	struct nlattr *tb[CTRL_ATTR_MAX + 1];
	struct nlattr *g, *ga;
	int rem, grem, rc;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, CTRL_ATTR_MAX, NULL) < 0 ||
	    !tb[CTRL_ATTR_FAMILY_NAME] ||
	    strcmp(nla_get_string(tb[CTRL_ATTR_FAMILY_NAME]), DIBS_FAMILY_NAME))
		return;
	if (gh->cmd == CTRL_CMD_DELFAMILY) {
		if (family_id >= 0)
			error("monitor: the dibs netlink family went away (dibs_core unloaded); waiting for it to return");
		family_id = -1;
		monitor_grp = -1;
		return;
	}
	if (gh->cmd != CTRL_CMD_NEWFAMILY && gh->cmd != CTRL_CMD_NEWMCAST_GRP)
		return;
	if (tb[CTRL_ATTR_FAMILY_ID])
		family_id = nla_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (monitor_grp >= 0 || !tb[CTRL_ATTR_MCAST_GROUPS])
		return;
	nla_for_each_nested(g, tb[CTRL_ATTR_MCAST_GROUPS], rem) {
		const char *name = NULL;
		int id = -1;

		nla_for_each_nested(ga, g, grem) {
			if (nla_type(ga) == CTRL_ATTR_MCAST_GRP_NAME)
				name = nla_get_string(ga);
			else if (nla_type(ga) == CTRL_ATTR_MCAST_GRP_ID)
				id = nla_get_u32(ga);
		}
		if (!name || id < 0 || strcmp(name, DIBS_MCGRP_MONITOR))
			continue;
		rc = nl_socket_add_membership(sk, id);
		if (rc < 0) {
			error("monitor: cannot join the group again: %s",
			      nl_geterror(rc));
			exit(EXIT_FAILURE);
		}
		monitor_grp = id;
		error("monitor: the dibs netlink family is back; monitoring again");
	}
}

static int monitor_event(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	int type = nlmsg_hdr(msg)->nlmsg_type;

	(void)arg;
	if (type == GENL_ID_CTRL) {
		monitor_ctrl(msg, gh);
		return NL_OK;
	}
	if (family_id < 0 || type != family_id)
		return NL_SKIP;
	if (gh->cmd == DIBS_CMD_DEV_ADD_NTF || gh->cmd == DIBS_CMD_DEV_DEL_NTF)
		monitor_dev(gh);
	return NL_OK;
}

static int cmd_monitor(int argc, char **argv)
{
	struct sigaction sa;
	int ctrl_grp, rc;

	if (argc) {
		error("monitor: unexpected argument '%s'", argv[0]);
		usage_obj(stderr, "monitor");
		return EXIT_USAGE;
	}
	nl_open();
	monitor_grp = genl_ctrl_resolve_grp(sk, DIBS_FAMILY_NAME,
					    DIBS_MCGRP_MONITOR);
	if (monitor_grp < 0) {
		error("monitor: the dibs family has no group '%s': %s",
		      DIBS_MCGRP_MONITOR, nl_geterror(monitor_grp));
		return EXIT_FAILURE;
	}
	/* nlctrl tells when the family goes away and when it returns */
	ctrl_grp = genl_ctrl_resolve_grp(sk, "nlctrl", "notify");
	if (ctrl_grp < 0) {
		error("monitor: cannot find nlctrl's notify group: %s",
		      nl_geterror(ctrl_grp));
		return EXIT_FAILURE;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	nl_socket_disable_seq_check(sk);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, monitor_event, NULL);
	rc = nl_socket_add_memberships(sk, monitor_grp, ctrl_grp, 0);
	if (rc < 0) {
		error("monitor: cannot join the groups: %s", nl_geterror(rc));
		return EXIT_FAILURE;
	}
	for (;;) {
		rc = nl_recvmsgs_default(sk);
		if (rc == -NLE_NOMEM) {
			/* the socket overran (ENOBUFS): say so, go on */
			error("monitor: events were lost (receive buffer overrun)");
			continue;
		}
		if (rc < 0 && rc != -NLE_INTR) {
			error("monitor: %s", nl_geterror(rc));
			return EXIT_FAILURE;
		}
	}
}

/*
 * The command table: parsing, help, the man page's synopsis and the bash
 * completion all follow it.  Objects are matched by prefix in the order of
 * their first entry ("d" is dev), commands by prefix in table order; the
 * first command of an object is its default (only when nothing follows
 * the object).  An object without a command (monitor) has cmd NULL.
 * In @args, upper case words are values, lower case words keywords.
 */
struct command {
	const char *obj;
	const char *cmd;
	const char *args;
	const char *opts;	/* the options that apply */
	const char *desc;
	int (*fn)(int argc, char **argv);
};

static const struct command commands[] = {
	{ "dev", "show", "[NAME]", "[-j [-p]] [-s] [-d]",
	  "list devices", cmd_dev_show },
	{ "dev", "add", "KIND [name NAME]", "[-j [-p]]",
	  "create a device (KIND lo: dibs_lo)", cmd_dev_add },
	{ "dev", "del", "NAME", "",
	  "delete a device", cmd_dev_del },
	{ "dmb", "show", "[dev NAME]", "[-j [-p]]",
	  "registered DMBs (needs CAP_NET_ADMIN)", cmd_dmb_show },
	{ "gid", "show", "[NAME]", "[-j [-p]]",
	  "device names and GIDs", cmd_gid_show },
	{ "client", "show", "", "[-j [-p]]",
	  "registered clients", cmd_client_show },
	{ "selftest", "run", "[NAME]", "[-j [-p]]",
	  "kernel self-check on NAME or every device", cmd_selftest_run },
	{ "selftest", "all", "", "[-j [-p]]",
	  "kernel self-check on every device", cmd_selftest_all },
	{ "monitor", NULL, "", "[-j [-p]] [-t]",
	  "print device notifications", cmd_monitor },
	/* smc.c: smc's own configuration; the command parses its verb */
	{ "smc", "info", "", "[-j [-p]]",
	  "smc version, v2 capability, system EID", cmd_smc_info },
	{ "smc", "device", "[show]", "[-j [-p]]",
	  "the SMC-D devices smc uses", cmd_smc_dev },
	{ "smc", "lgr", "[show]", "[-j [-p]]",
	  "SMC-D link groups", cmd_smc_lgr },
	{ "smc", "stats", "[show]", "[-j [-p]]",
	  "SMC-D counters, TCP fallbacks and why", cmd_smc_stats },
	{ "smc", "sock", "[show]", "[-j [-p]]",
	  "SMC sockets: SMC-D or TCP fallback, and why", cmd_smc_sock },
	{ "smc", "ueid", "show", "[-j [-p]]",
	  "user EIDs (SMC-Dv2)", cmd_smc_ueid },
	{ "smc", "ueid", "add EID", "",
	  "add a user EID", cmd_smc_ueid },
	{ "smc", "ueid", "del EID", "",
	  "remove a user EID", cmd_smc_ueid },
	{ "smc", "ueid", "flush", "",
	  "remove every user EID", cmd_smc_ueid },
	{ "smc", "seid", "show", "[-j [-p]]",
	  "the system EID and whether smc uses it", cmd_smc_seid },
	{ "smc", "seid", "enable", "",
	  "use the system EID (s390 kernels only)", cmd_smc_seid },
	{ "smc", "seid", "disable", "",
	  "stop using it (s390; needs a user EID)", cmd_smc_seid },
	{ "smc", "pnet", "show", "[-j [-p]]",
	  "the PNET table of this namespace (SMC-Dv1)", cmd_smc_pnet },
	{ "smc", "pnet", "add PNETID eth IFNAME", "",
	  "give a network interface a PNET ID", cmd_smc_pnet },
	{ "smc", "pnet", "add PNETID smcd DEV", "",
	  "give an SMC-D device a PNET ID", cmd_smc_pnet },
	{ "smc", "pnet", "del PNETID", "",
	  "remove a PNET ID's entries", cmd_smc_pnet },
	{ "smc", "pnet", "flush", "",
	  "empty the PNET table", cmd_smc_pnet },
};

static void print_synopsis(FILE *f, const struct command *c, bool opts)
{
	fprintf(f, "dibsctl%s%s %s", opts && c->opts[0] ? " " : "",
		opts ? c->opts : "", c->obj);
	if (c->cmd)
		fprintf(f, " %s", c->cmd);
	if (c->args[0])
		fprintf(f, " %s", c->args);
}

static void usage_main(FILE *f)
{
	unsigned int i;
	int n;

	fprintf(f,
		"Usage: dibsctl [OPTIONS] OBJECT [COMMAND [ARGS]]\n"
		"       dibsctl [OPTIONS] help [OBJECT]\n"
		"where  OBJECT := { dev | dmb | gid | client | selftest | monitor | smc }\n"
		"       OPTIONS := { -j[son] | -p[retty] | -s[tatistics] | -d[etails] |\n"
		"                    -t[imestamp] | -V[ersion] | -h[elp] }\n"
		"\n");
	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		fputs("  ", f);
		n = fprintf(f, "%s%s%s%s%s", commands[i].obj,
			    commands[i].cmd ? " " : "",
			    commands[i].cmd ? commands[i].cmd : "",
			    commands[i].args[0] ? " " : "", commands[i].args);
		fprintf(f, "%*s%s\n", n < 30 ? 30 - n : 1, "",
			commands[i].desc);
	}
	fprintf(f,
		"\n"
		"Objects and commands may be abbreviated; the first command of\n"
		"an object is its default.  Arguments after the command are\n"
		"taken literally (a device may be called \"show\" or \"help\").\n"
		"dibsctl help OBJECT shows the object's syntax.\n");
}

void usage_obj(FILE *f, const char *obj)
{
	const char *lead = "Usage:";
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(commands[i].obj, obj))
			continue;
		fprintf(f, "%-6s ", lead);
		print_synopsis(f, &commands[i], true);
		fputc('\n', f);
		lead = "";
	}
	fprintf(f, "%-6s dibsctl %s help\n", lead, obj);
}

/* --commands (for the completion and the tests): OBJECT COMMAND ARGS */
static void print_commands(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		print_synopsis(stdout, &commands[i], false);
		putchar('\n');
	}
}

/* The object @arg abbreviates, or NULL */
static const char *find_object(const char *arg)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (matches(arg, commands[i].obj))
			return commands[i].obj;
	return NULL;
}

/*
 * Main
 */

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "statistics", no_argument, NULL, 's' },
		{ "details", no_argument, NULL, 'd' },
		{ "timestamp", no_argument, NULL, 't' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		/* not for users: the command table, for completion and tests */
		{ "commands", no_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	const struct command *c = NULL;
	const char *obj;
	unsigned int i;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "+jpsdtVh", long_opts,
				  NULL)) != -1) {
		switch (opt) {
		case 'j':
			opt_json = true;
			break;
		case 'p':
			opt_pretty = true;
			break;
		case 's':
			opt_stats = true;
			break;
		case 'd':
			opt_details = true;
			break;
		case 't':
			opt_timestamp = true;
			break;
		case 'V':
			printf("dibsctl %s\n", DIBSCTL_VERSION);
			return EXIT_SUCCESS;
		case 'h':
			usage_main(stdout);
			return EXIT_SUCCESS;
		case 'C':
			print_commands();
			return EXIT_SUCCESS;
		default:
			usage_main(stderr);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	/* -p without -j changes nothing, as in iproute2 */

	if (!argc) {
		usage_main(stderr);
		return EXIT_USAGE;
	}
	obj = find_object(argv[0]);
	if (!obj && matches(argv[0], "help")) {
		if (argc == 1) {
			usage_main(stdout);
			return EXIT_SUCCESS;
		}
		obj = find_object(argv[1]);
		if (argc > 2 || !obj) {
			error("help: unknown object '%s'", argv[argc > 2 ? 2 : 1]);
			usage_main(stderr);
			return EXIT_USAGE;
		}
		usage_obj(stdout, obj);
		return EXIT_SUCCESS;
	}
	if (!obj) {
		error("unknown object '%s'", argv[0]);
		usage_main(stderr);
		return EXIT_USAGE;
	}
	argc--;
	argv++;
	/* the COMMAND position: a command of the object, or help */
	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(commands[i].obj, obj))
			continue;
		if (!commands[i].cmd || !argc) {
			c = &commands[i];
			break;
		}
		if (matches(argv[0], commands[i].cmd)) {
			c = &commands[i];
			argc--;
			argv++;
			break;
		}
	}
	if (argc && (!c || !c->cmd) && matches(argv[0], "help")) {
		usage_obj(stdout, obj);
		return EXIT_SUCCESS;
	}
	if (!c) {
		error("%s: unknown command '%s'", obj, argv[0]);
		usage_obj(stderr, obj);
		return EXIT_USAGE;
	}
	/* usage errors are found before the first netlink request */
	rc = c->fn(argc, argv);
	fflush(stdout);
	if (sk)
		nl_socket_free(sk);
	return rc;
}
