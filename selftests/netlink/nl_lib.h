/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nl_lib.h - raw generic netlink for the dibs netlink selftests: build any
 * message, well-formed or not, send it, and collect the replies, the error
 * and the extack of the kernel's answer.  Header-only, so that every test
 * program stays one .c file (selftests/lib/lib.mk builds NAME from NAME.c).
 */
#ifndef _DIBS_NL_LIB_H
#define _DIBS_NL_LIB_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "../../include/uapi/linux/dibs_netlink.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define NL_BUF 65536

struct nl {
	int fd;
	uint32_t seq;
	uint16_t family;
};

/* A request under construction. */
struct nl_req {
	union {
		struct nlmsghdr nlh;
		char buf[8192];
	};
	size_t nest[8];
	int depth;
};

/* What the kernel answered. */
struct nl_ans {
	int err;		/* 0 or negative errno */
	bool acked;		/* an ACK/ERROR/DONE ended the answer */
	int replies;		/* messages of the family before the end */
	char ext[256];		/* extack message ("" if none) */
	uint32_t miss_type;	/* NLMSGERR_ATTR_MISS_TYPE, 0 if none */
	bool has_offs;		/* NLMSGERR_ATTR_OFFS present */
	/* called for every reply message of the family */
	void (*reply)(const struct nlmsghdr *nlh, void *arg);
	void *arg;
};

static inline int nl_open(struct nl *nl)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = 10 };
	int one = 1;

	memset(nl, 0, sizeof(*nl));
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (nl->fd < 0)
		return -errno;
	if (bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one,
		       sizeof(one)) < 0 ||
	    setsockopt(nl->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		close(nl->fd);
		return -errno;
	}
	nl->seq = (uint32_t)getpid() << 8;
	return 0;
}

static inline void nl_close(struct nl *nl)
{
	close(nl->fd);
}

static inline void req_init(struct nl_req *r, uint16_t type, uint8_t cmd,
			    uint16_t flags)
{
	struct genlmsghdr *g;

	memset(r, 0, sizeof(*r));
	r->nlh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r->nlh.nlmsg_type = type;
	r->nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	g = NLMSG_DATA(&r->nlh);
	g->cmd = cmd;
	g->version = DIBS_FAMILY_VERSION;
}

/* Any attribute, any length; false if it does not fit. */
static inline bool req_put(struct nl_req *r, uint16_t type, const void *data,
			   size_t len)
{
	size_t off = NLMSG_ALIGN(r->nlh.nlmsg_len);
	struct nlattr *a = (struct nlattr *)(r->buf + off);

	if (off + NLA_HDRLEN + NLA_ALIGN(len) > sizeof(r->buf))
		return false;
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	memset((char *)a + NLA_HDRLEN + len, 0, NLA_ALIGN(len) - len);
	r->nlh.nlmsg_len = off + NLA_HDRLEN + NLA_ALIGN(len);
	return true;
}

static inline bool req_put_str(struct nl_req *r, uint16_t type, const char *s)
{
	return req_put(r, type, s, strlen(s) + 1);
}

static inline bool req_put_u32(struct nl_req *r, uint16_t type, uint32_t v)
{
	return req_put(r, type, &v, sizeof(v));
}

static inline bool req_nest_start(struct nl_req *r, uint16_t type)
{
	if (r->depth == 8)
		return false;
	r->nest[r->depth++] = NLMSG_ALIGN(r->nlh.nlmsg_len);
	return req_put(r, type | NLA_F_NESTED, NULL, 0);
}

static inline void req_nest_end(struct nl_req *r)
{
	struct nlattr *a = (struct nlattr *)(r->buf + r->nest[--r->depth]);

	a->nla_len = r->nlh.nlmsg_len - r->nest[r->depth];
}

/* Walk the attributes in [@start, @start + @len). */
#define nl_for_each_attr(a, start, len, rem)				\
	for ((a) = (struct nlattr *)(start), (rem) = (int)(len);	\
	     (rem) >= (int)NLA_HDRLEN && (a)->nla_len >= NLA_HDRLEN &&	\
	     (a)->nla_len <= (rem);					\
	     (rem) -= NLA_ALIGN((a)->nla_len),				\
	     (a) = (struct nlattr *)((char *)(a) + NLA_ALIGN((a)->nla_len)))

#define nl_type(a) ((a)->nla_type & NLA_TYPE_MASK)
#define nl_attr_data(a) ((void *)((char *)(a) + NLA_HDRLEN))
#define nl_attr_len(a) ((int)(a)->nla_len - NLA_HDRLEN)

static inline void nl_parse_extack(struct nl_ans *ans,
				   const struct nlmsghdr *nlh, size_t off)
{
	const struct nlattr *a;
	size_t payload = nlh->nlmsg_len - NLMSG_HDRLEN;
	int rem;

	off = NLMSG_ALIGN(off);
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || off > payload)
		return;
	nl_for_each_attr(a, (const char *)NLMSG_DATA(nlh) + off,
			 payload - off, rem) {
		switch (nl_type(a)) {
		case NLMSGERR_ATTR_MSG:
			snprintf(ans->ext, sizeof(ans->ext), "%.*s",
				 nl_attr_len(a), (const char *)nl_attr_data(a));
			break;
		case NLMSGERR_ATTR_OFFS:
			ans->has_offs = true;
			break;
		case 5:	/* NLMSGERR_ATTR_MISS_TYPE (6.0+) */
			if (nl_attr_len(a) >= 4)
				memcpy(&ans->miss_type, nl_attr_data(a), 4);
			break;
		}
	}
}

/*
 * Send @r and read the answer until the ACK, ERROR or DONE of its sequence
 * number.  Returns 0, or -errno if the socket failed (timeout: -EAGAIN).
 */
static inline int nl_txn(struct nl *nl, struct nl_req *r, struct nl_ans *ans)
{
	static char buf[NL_BUF];
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	uint32_t seq = ++nl->seq;
	ssize_t n;

	ans->err = 0;
	ans->acked = false;
	ans->replies = 0;
	ans->ext[0] = '\0';
	ans->miss_type = 0;
	ans->has_offs = false;
	r->nlh.nlmsg_seq = seq;
	if (sendto(nl->fd, r->buf, r->nlh.nlmsg_len, 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0)
		return -errno;

	while (!ans->acked) {
		struct nlmsghdr *nlh;
		int len;

		n = recv(nl->fd, buf, sizeof(buf), 0);
		if (n < 0)
			return -errno;
		len = (int)n;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, len);
		     nlh = NLMSG_NEXT(nlh, len)) {
			if (nlh->nlmsg_seq != seq)
				continue;	/* a late answer to an old one */
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nlh);
				size_t off = sizeof(*e);

				if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
					off += e->msg.nlmsg_len - NLMSG_HDRLEN;
				ans->err = e->error;
				nl_parse_extack(ans, nlh, off);
				ans->acked = true;
			} else if (nlh->nlmsg_type == NLMSG_DONE) {
				int err = 0;

				if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
					memcpy(&err, NLMSG_DATA(nlh), sizeof(err));
				ans->err = err < 0 ? err : 0;
				nl_parse_extack(ans, nlh, sizeof(int));
				ans->acked = true;
			} else {
				ans->replies++;
				if (ans->reply)
					ans->reply(nlh, ans->arg);
			}
		}
	}
	return 0;
}

/* The attributes of a genetlink message. */
#define genl_attrs(nlh) ((char *)NLMSG_DATA(nlh) + GENL_HDRLEN)
#define genl_attrs_len(nlh) ((int)(nlh)->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN))

/* Family info from the controller. */
struct nl_family {
	uint16_t id;
	uint32_t version;
	int nops;
	struct {
		uint32_t id, flags;
	} ops[64];
	int ngrps;
	struct {
		uint32_t id;
		char name[GENL_NAMSIZ];
	} grps[16];
};

static inline void nl_family_reply(const struct nlmsghdr *nlh, void *arg)
{
	struct nl_family *f = arg;
	struct nlattr *a, *b, *c;
	int rem, brem, crem;

	nl_for_each_attr(a, genl_attrs(nlh), genl_attrs_len(nlh), rem) {
		switch (nl_type(a)) {
		case CTRL_ATTR_FAMILY_ID:
			memcpy(&f->id, nl_attr_data(a), 2);
			break;
		case CTRL_ATTR_VERSION:
			memcpy(&f->version, nl_attr_data(a), 4);
			break;
		case CTRL_ATTR_OPS:
			nl_for_each_attr(b, nl_attr_data(a), nl_attr_len(a),
					 brem) {
				if (f->nops == 64)
					break;
				nl_for_each_attr(c, nl_attr_data(b),
						 nl_attr_len(b), crem) {
					if (nl_type(c) == CTRL_ATTR_OP_ID)
						memcpy(&f->ops[f->nops].id,
						       nl_attr_data(c), 4);
					if (nl_type(c) == CTRL_ATTR_OP_FLAGS)
						memcpy(&f->ops[f->nops].flags,
						       nl_attr_data(c), 4);
				}
				f->nops++;
			}
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			nl_for_each_attr(b, nl_attr_data(a), nl_attr_len(a),
					 brem) {
				if (f->ngrps == 16)
					break;
				nl_for_each_attr(c, nl_attr_data(b),
						 nl_attr_len(b), crem) {
					if (nl_type(c) == CTRL_ATTR_MCAST_GRP_ID)
						memcpy(&f->grps[f->ngrps].id,
						       nl_attr_data(c), 4);
					if (nl_type(c) == CTRL_ATTR_MCAST_GRP_NAME)
						snprintf(f->grps[f->ngrps].name,
							 GENL_NAMSIZ, "%.*s",
							 nl_attr_len(c),
							 (char *)nl_attr_data(c));
				}
				f->ngrps++;
			}
			break;
		}
	}
}

/* Resolve the dibs family; 0 or -errno (-ENOENT: not registered). */
static inline int nl_resolve(struct nl *nl, struct nl_family *f)
{
	struct nl_ans ans = { .reply = nl_family_reply, .arg = f };
	struct nl_req r;
	int rc;

	memset(f, 0, sizeof(*f));
	req_init(&r, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	((struct genlmsghdr *)NLMSG_DATA(&r.nlh))->version = 2;
	req_put_str(&r, CTRL_ATTR_FAMILY_NAME, DIBS_FAMILY_NAME);
	rc = nl_txn(nl, &r, &ans);
	if (rc)
		return rc;
	if (ans.err)
		return ans.err;
	if (!f->id)
		return -ENOENT;
	nl->family = f->id;
	return 0;
}

/* Names of the devices (dev-get dump), newline separated, in the kernel's order. */
struct nl_names {
	char buf[4096];
	int n;
};

static inline void nl_names_reply(const struct nlmsghdr *nlh, void *arg)
{
	struct nl_names *l = arg;
	struct nlattr *a;
	int rem;
	size_t used = strlen(l->buf);

	nl_for_each_attr(a, genl_attrs(nlh), genl_attrs_len(nlh), rem) {
		if (nl_type(a) == DIBS_A_DEV_NAME && used < sizeof(l->buf)) {
			used += snprintf(l->buf + used, sizeof(l->buf) - used,
					 "%.*s\n", nl_attr_len(a),
					 (char *)nl_attr_data(a));
			l->n++;
		}
	}
}

static inline int nl_dev_names(struct nl *nl, struct nl_names *l)
{
	struct nl_ans ans = { .reply = nl_names_reply, .arg = l };
	struct nl_req r;
	int rc;

	memset(l, 0, sizeof(*l));
	req_init(&r, nl->family, DIBS_CMD_DEV_GET, NLM_F_DUMP);
	rc = nl_txn(nl, &r, &ans);
	return rc ? rc : ans.err;
}

#endif /* _DIBS_NL_LIB_H */
