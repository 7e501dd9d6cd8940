// SPDX-License-Identifier: GPL-2.0
/*
 * fake_nl.so - an LD_PRELOAD stand-in for the dibs family on a host
 * without dibs_core, for dibsctl_host.sh: dibsctl's error paths that need
 * a kernel answer it cannot get here.
 *
 *   FAKE_NL=warn      the family resolves; every request is answered with
 *                     an ACK (success) carrying the extack message
 *                     "fake warning" (NLM_F_ACK_TLVS)
 *   FAKE_NL=sendfail  the family resolves; sending fails with ENOBUFS
 *   FAKE_NL=nosocket  a netlink socket cannot be made (EPROTONOSUPPORT)
 *
 * genl_ctrl_resolve() of libnl is replaced; sendmsg()/recvmsg() on
 * netlink sockets are answered here, other sockets are left alone.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <linux/netlink.h>

#define FAKE_FAMILY 0x7f0
#define MSG "fake warning"

static char reply[512];
static size_t reply_len;

static const char *mode(void)
{
	const char *m = getenv("FAKE_NL");

	return m ? m : "";
}

static int is_netlink(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	return !getsockname(fd, (struct sockaddr *)&ss, &len) &&
	       ss.ss_family == AF_NETLINK;
}

int socket(int domain, int type, int protocol)
{
	static int (*real)(int, int, int);

	if (!real)
		real = (int (*)(int, int, int))dlsym(RTLD_NEXT, "socket");
	if (domain == AF_NETLINK && !strcmp(mode(), "nosocket")) {
		errno = EPROTONOSUPPORT;
		return -1;
	}
	return real(domain, type, protocol);
}

int genl_ctrl_resolve(void *sk, const char *name)
{
	(void)sk;
	(void)name;
	return FAKE_FAMILY;
}

/* the ACK of @req: an nlmsgerr with error 0, capped, with an extack */
static void make_ack(const struct nlmsghdr *req)
{
	struct nlmsghdr *h = (struct nlmsghdr *)reply;
	struct nlmsgerr *e = NLMSG_DATA(h);
	struct nlattr *a = (struct nlattr *)((char *)e + NLMSG_ALIGN(sizeof(*e)));

	memset(reply, 0, sizeof(reply));
	e->error = 0;
	e->msg = *req;
	a->nla_type = NLMSGERR_ATTR_MSG;
	a->nla_len = NLA_HDRLEN + sizeof(MSG);
	memcpy((char *)a + NLA_HDRLEN, MSG, sizeof(MSG));
	h->nlmsg_type = NLMSG_ERROR;
	h->nlmsg_flags = NLM_F_CAPPED | NLM_F_ACK_TLVS;
	h->nlmsg_seq = req->nlmsg_seq;
	h->nlmsg_pid = req->nlmsg_pid;
	h->nlmsg_len = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*e)) +
		       NLA_ALIGN(a->nla_len);
	reply_len = h->nlmsg_len;
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	static ssize_t (*real)(int, const struct msghdr *, int);
	struct nlmsghdr req;

	if (!real)
		real = (ssize_t (*)(int, const struct msghdr *, int))
			dlsym(RTLD_NEXT, "sendmsg");
	if (!is_netlink(fd) || !*mode())
		return real(fd, msg, flags);
	if (!strcmp(mode(), "sendfail")) {
		errno = ENOBUFS;
		return -1;
	}
	if (msg->msg_iovlen < 1 || msg->msg_iov[0].iov_len < sizeof(req)) {
		errno = EINVAL;
		return -1;
	}
	memcpy(&req, msg->msg_iov[0].iov_base, sizeof(req));
	make_ack(&req);
	return req.nlmsg_len;
}

ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	static ssize_t (*real)(int, struct msghdr *, int);
	struct sockaddr_nl *nl = msg->msg_name;
	size_t n = reply_len;

	if (!real)
		real = (ssize_t (*)(int, struct msghdr *, int))
			dlsym(RTLD_NEXT, "recvmsg");
	if (!is_netlink(fd) || !*mode())
		return real(fd, msg, flags);
	if (!reply_len) {
		errno = EAGAIN;
		return -1;
	}
	if (nl && msg->msg_namelen >= sizeof(*nl)) {
		memset(nl, 0, sizeof(*nl));
		nl->nl_family = AF_NETLINK;
		msg->msg_namelen = sizeof(*nl);
	}
	msg->msg_flags = 0;
	msg->msg_controllen = 0;
	if (n > msg->msg_iov[0].iov_len) {
		n = msg->msg_iov[0].iov_len;
		msg->msg_flags |= MSG_TRUNC;
	}
	memcpy(msg->msg_iov[0].iov_base, reply, n);
	n = reply_len;
	if (!(flags & MSG_PEEK))
		reply_len = 0;
	return n;
}
