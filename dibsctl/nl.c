// SPDX-License-Identifier: GPL-2.0
/*
 * dibsctl's netlink transport: the socket and the family, one
 * request with its replies and the kernel's messages (extack), errors in
 * the user's words, and the attribute helpers.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netlink/genl/ctrl.h>

#include "dibsctl.h"

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

struct nl_sock *sk;
int family_id;

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
 * Open the generic netlink socket with the kernel's error messages turned
 * on, once; the objects resolve their families on it (nl_open: dibs).
 */
void genl_sock_open(void)
{
	int one = 1, rc;

	if (sk)
		return;
	sk = nl_socket_alloc();
	if (!sk)
		oom();
	rc = genl_connect(sk);
	if (rc < 0) {
		error("cannot open a generic netlink socket: %s",
		      nl_geterror(rc));
		exit(EXIT_FAILURE);
	}
	/* without it the kernel's error messages stay in the kernel */
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one,
		   sizeof(one));
}

/*
 * Open the socket and resolve the family; called on the first request,
 * after the command line has been parsed completely.
 */
void nl_open(void)
{
	if (family_id > 0)
		return;
	genl_sock_open();
	family_id = genl_ctrl_resolve(sk, DIBS_FAMILY_NAME);
	if (family_id == -NLE_OBJ_NOTFOUND)
		family_missing();
	if (family_id < 0) {
		error("cannot look up the dibs netlink family: %s",
		      nl_geterror(family_id));
		exit(EXIT_FAILURE);
	}
}

struct nl_msg *msg_new(uint8_t cmd, int flags)
{
	struct nl_msg *msg;

	nl_open();
	msg = nlmsg_alloc();
	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family_id, 0,
				 flags, cmd, DIBS_FAMILY_VERSION))
		oom();
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

uint32_t attr_u32(const struct nlattr *a)
{
	uint32_t v = 0;

	if (nla_len(a) >= (int)sizeof(v))
		memcpy(&v, nla_data(a), sizeof(v));
	return v;
}

uint16_t attr_u16(const struct nlattr *a)
{
	uint16_t v = 0;

	if (nla_len(a) >= (int)sizeof(v))
		memcpy(&v, nla_data(a), sizeof(v));
	return v;
}

uint64_t attr_u64(const struct nlattr *a)
{
	uint64_t v = 0;

	if (nla_len(a) >= (int)sizeof(v))
		memcpy(&v, nla_data(a), sizeof(v));
	return v;
}

/* A GID as a UUID string; false if the attribute is not 16 bytes. */
bool attr_gid(const struct nlattr *a, char *buf)
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
