// SPDX-License-Identifier: GPL-2.0
/*
 * dibsctl smc sock: the SMC sockets of this network namespace (smc_diag)
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/smc_diag.h>
#include <linux/sock_diag.h>

#include "smc.h"

/*
 * sock: the SMC sockets of this network namespace, as smc_diag reports
 * them (NETLINK_SOCK_DIAG, family AF_SMC; needs the smc_diag module)
 */

#define SMC_STATE_LISTEN 10	/* enum smc_state of net/smc/smc.h */

static const char *smc_state_name(unsigned int state)
{
	switch (state) {
	case 1: return "ACTIVE";
	case 2: return "INIT";
	case 7: return "CLOSED";
	case SMC_STATE_LISTEN: return "LISTEN";
	case 20: return "PEERCLOSEWAIT1";
	case 21: return "PEERCLOSEWAIT2";
	case 22: return "APPCLOSEWAIT1";
	case 23: return "APPCLOSEWAIT2";
	case 24: return "APPFINCLOSEWAIT";
	case 25: return "PEERFINCLOSEWAIT";
	case 26: return "PEERABORTWAIT";
	case 27: return "PROCESSABORT";
	}
	return "UNKNOWN";
}

struct smc_sock_info {
	char local[INET6_ADDRSTRLEN + 8], peer[INET6_ADDRSTRLEN + 8];
	const char *state, *mode;
	uint64_t inode, gid, peer_gid;
	uint32_t uid, reason, peer_diagnosis;
	bool has_dmb;
};

struct sock_list {
	struct smc_sock_info *s;
	int n, size;
};

/* smc_diag does not say whether the TCP side is v4 or v6: v4 uses one word */
static void sock_addr(const __be32 *a, __be16 port, bool v4, char *buf,
		      size_t size)
{
	char ip[INET6_ADDRSTRLEN];

	inet_ntop(v4 ? AF_INET : AF_INET6, a, ip, sizeof(ip));
	snprintf(buf, size, v4 ? "%s:%u" : "[%s]:%u", ip, ntohs(port));
}

static int parse_sock(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[SMC_DIAG_MAX + 1];
	struct sock_list *l = arg;
	struct smc_diag_msg *m;
	struct smc_sock_info *i;
	bool v4;

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*m)) ||
	    nlmsg_parse(nlh, sizeof(*m), tb, SMC_DIAG_MAX, NULL) < 0)
		return NL_OK;
	m = nlmsg_data(nlh);
	if (l->n == l->size) {
		i = realloc(l->s, (l->size * 2 + 16) * sizeof(*i));
		if (!i)
			return NL_STOP;
		l->s = i;
		l->size = l->size * 2 + 16;
	}
	i = &l->s[l->n++];
	memset(i, 0, sizeof(*i));
	v4 = !m->id.idiag_src[1] && !m->id.idiag_src[2] && !m->id.idiag_src[3] &&
	     !m->id.idiag_dst[1] && !m->id.idiag_dst[2] && !m->id.idiag_dst[3];
	sock_addr(m->id.idiag_src, m->id.idiag_sport, v4, i->local, sizeof(i->local));
	sock_addr(m->id.idiag_dst, m->id.idiag_dport, v4, i->peer, sizeof(i->peer));
	i->state = smc_state_name(m->diag_state);
	i->inode = m->diag_inode;
	i->uid = m->diag_uid;
	if (m->diag_mode == SMC_DIAG_MODE_FALLBACK_TCP)
		i->mode = "tcp";
	else if (m->diag_mode == SMC_DIAG_MODE_SMCD)
		i->mode = "smcd";
	else if (tb[SMC_DIAG_LGRINFO])
		i->mode = "smcr";
	else
		i->mode = "none";	/* listening or not connected yet */
	if (tb[SMC_DIAG_FALLBACK] &&
	    nla_len(tb[SMC_DIAG_FALLBACK]) >= (int)sizeof(struct smc_diag_fallback)) {
		struct smc_diag_fallback fb;

		memcpy(&fb, nla_data(tb[SMC_DIAG_FALLBACK]), sizeof(fb));
		i->reason = fb.reason;
		i->peer_diagnosis = fb.peer_diagnosis;
	}
	if (tb[SMC_DIAG_DMBINFO] &&
	    nla_len(tb[SMC_DIAG_DMBINFO]) >= (int)sizeof(struct smcd_diag_dmbinfo)) {
		struct smcd_diag_dmbinfo d;

		memcpy(&d, nla_data(tb[SMC_DIAG_DMBINFO]), sizeof(d));
		i->gid = d.my_gid;
		i->peer_gid = d.peer_gid;
		i->has_dmb = true;
	}
	return NL_OK;
}

static void sock_print(const struct smc_sock_info *i)
{
	char g[20];

	open_json_object(NULL);
	print_string(PRINT_ANY, "local", "local %s", i->local);
	print_string(PRINT_ANY, "peer", " peer %s", i->peer);
	print_string(PRINT_ANY, "state", " state %s", i->state);
	print_string(PRINT_ANY, "mode", " mode %s", i->mode);
	if (i->has_dmb) {
		snprintf(g, sizeof(g), "%016" PRIx64, i->gid);
		print_string(PRINT_ANY, "gid", " gid %s", g);
		snprintf(g, sizeof(g), "%016" PRIx64, i->peer_gid);
		print_string(PRINT_ANY, "peer_gid", " peer_gid %s", g);
	}
	if (!strcmp(i->mode, "tcp")) {
		print_hex(PRINT_ANY, "fallback_reason",
			  " fallback_reason 0x%08" PRIx64, i->reason);
		print_string(PRINT_JSON, "fallback", NULL, fback_why(i->reason));
		print_string(PRINT_FP, NULL, " (%s)", fback_why(i->reason));
		print_hex(PRINT_ANY, "peer_diagnosis",
			  " peer_diagnosis 0x%08" PRIx64, i->peer_diagnosis);
	}
	print_uint(PRINT_ANY, "uid", " uid %" PRIu64, i->uid);
	print_uint(PRINT_ANY, "inode", " inode %" PRIu64, i->inode);
	print_nl();
	close_json_object();
}

int cmd_smc_sock(int argc, char **argv)
{
	struct smc_diag_req req = {
		.diag_family = AF_SMC,
		.diag_ext = (1 << (SMC_DIAG_LGRINFO - 1)) |
			    (1 << (SMC_DIAG_DMBINFO - 1)) |
			    (1 << (SMC_DIAG_FALLBACK - 1)),
	};
	struct nl_sock *genl_sk = sk;
	struct sock_list l = { 0 };
	struct nl_msg *msg;
	struct request r;
	int i, rc;

	if (want_help(argc, argv))
		return EXIT_SUCCESS;
	if (!only_show("smc sock", argc, argv))
		return EXIT_USAGE;
	sk = nl_socket_alloc();
	if (!sk)
		oom();
	rc = nl_connect(sk, NETLINK_SOCK_DIAG);
	if (rc < 0) {
		error("cannot open a sock_diag netlink socket: %s", nl_geterror(rc));
		nl_socket_free(sk);
		sk = genl_sk;
		return EXIT_FAILURE;
	}
	msg = nlmsg_alloc_simple(SOCK_DIAG_BY_FAMILY, NLM_F_DUMP);
	if (!msg || nlmsg_append(msg, &req, sizeof(req), NLMSG_ALIGNTO) < 0)
		oom();
	rc = request(msg, parse_sock, &l, &r);
	nl_socket_free(sk);
	sk = genl_sk;
	if (rc == -ENOENT && !r.nlerr && !r.extack[0]) {
		/* no handler for AF_SMC: smc_diag is not loaded */
		error("smc sock: smc_diag is not loaded (modprobe smc_diag)");
		return EXIT_FAILURE;
	}
	if (rc) {
		report_err(&r, "smc sock");
		return EXIT_FAILURE;
	}
	open_json_array(NULL);
	for (i = 0; i < l.n; i++)
		sock_print(&l.s[i]);
	close_json_array();
	free(l.s);
	return EXIT_SUCCESS;
}
