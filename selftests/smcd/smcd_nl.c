// SPDX-License-Identifier: GPL-2.0
/*
 * smcd_nl - talk to smc's generic netlink families (smc-tools is not in
 * Debian): the SMC-D device list, the PNET table, the user EID table, smc's
 * system information and SMC-D statistics.
 *
 *   smcd_nl dev                         SMC-D devices (what `smcd device` shows)
 *   smcd_nl info                        SMC version, v2 capability, system EID
 *   smcd_nl lgr                         SMC-D link groups
 *   smcd_nl stats                       SMC-D connection and byte counters
 *   smcd_nl pnet show|flush
 *   smcd_nl pnet add PNETID eth IFNAME  map a network interface to a PNET ID
 *   smcd_nl pnet add PNETID ib SMCDDEV  map an SMC-D device (dibs name) to it
 *   smcd_nl pnet del PNETID
 *   smcd_nl ueid show|flush
 *   smcd_nl ueid add|del EID            user EID (upper case, up to 32 chars)
 *   smcd_nl seid show                   system EID and whether smc uses it
 *   smcd_nl seid enable|disable         (s390 only; disable needs a user EID)
 *
 * The PNET table and the EID table belong to the network namespace the tool
 * runs in (the EID table is global).  Exit status 0 on success, 1 on an
 * error (the kernel's error is printed), 2 on bad usage.
 */
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/smc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define BUFSZ 65536
#define PNETID_LEN 16	/* SMC_MAX_PNETID_LEN of include/net/smc.h */

struct nl {
	int fd;
	uint32_t seq;
	uint16_t family;
};

static char buf[BUFSZ];

static void put_attr(struct nlmsghdr *nlh, uint16_t type, const void *data,
		     size_t len)
{
	struct nlattr *a = (struct nlattr *)((char *)nlh + NLMSG_ALIGN(nlh->nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, data, len);
	nlh->nlmsg_len = NLMSG_ALIGN(nlh->nlmsg_len) + NLA_ALIGN(a->nla_len);
}

static struct nlmsghdr *msg_init(char *m, uint16_t type, uint16_t flags,
				 uint8_t cmd, uint8_t version)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)m;
	struct genlmsghdr *g;

	memset(m, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlh->nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN;
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	g = NLMSG_DATA(nlh);
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

typedef int (*msg_cb)(struct nlmsghdr *nlh, void *arg);

/* Send @nlh, run @cb on each answer; returns 0 or -errno from the kernel. */
static int transact(struct nl *nl, struct nlmsghdr *nlh, msg_cb cb, void *arg)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int done = 0;

	nlh->nlmsg_seq = ++nl->seq;
	nlh->nlmsg_flags |= NLM_F_ACK;
	if (sendto(nl->fd, nlh, nlh->nlmsg_len, 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0)
		return -errno;
	while (!done) {
		ssize_t n = recv(nl->fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h;

		if (n < 0)
			return -errno;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != nl->seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);

				return e->error;
			}
			if (cb && cb(h, arg))
				done = 1;
		}
	}
	return 0;
}

static struct nlattr *attr_first(void *start)
{
	return (struct nlattr *)start;
}

#define for_each_attr(a, start, len) \
	for (a = attr_first(start); \
	     (char *)a + NLA_HDRLEN <= (char *)(start) + (len) && \
	     a->nla_len >= NLA_HDRLEN && \
	     (char *)a + a->nla_len <= (char *)(start) + (len); \
	     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))

static void *attr_data(struct nlattr *a)
{
	return (char *)a + NLA_HDRLEN;
}

static int attr_len(struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

static uint64_t attr_uint(struct nlattr *a)
{
	uint64_t v = 0;

	switch (attr_len(a)) {
	case 1:
		v = *(uint8_t *)attr_data(a);
		break;
	case 2:
		v = *(uint16_t *)attr_data(a);
		break;
	case 4:
		v = *(uint32_t *)attr_data(a);
		break;
	case 8:
		memcpy(&v, attr_data(a), 8);
		break;
	}
	return v;
}

static int family_cb(struct nlmsghdr *nlh, void *arg)
{
	struct genlmsghdr *g = NLMSG_DATA(nlh);
	int len = nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	struct nlattr *a;

	for_each_attr(a, (char *)g + GENL_HDRLEN, len)
		if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID)
			*(uint16_t *)arg = *(uint16_t *)attr_data(a);
	return 0;
}

static int nl_open(struct nl *nl, const char *family)
{
	static char m[256];
	struct nlmsghdr *nlh;
	int rc;

	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (nl->fd < 0) {
		perror("socket(NETLINK_GENERIC)");
		return -1;
	}
	nl->seq = 0;
	nl->family = 0;
	nlh = msg_init(m, GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY, 1);
	put_attr(nlh, CTRL_ATTR_FAMILY_NAME, family, strlen(family) + 1);
	rc = transact(nl, nlh, family_cb, &nl->family);
	if (rc || !nl->family) {
		fprintf(stderr, "smcd_nl: generic netlink family %s not found (modprobe smc?)\n",
			family);
		return -1;
	}
	return 0;
}

/* ---- dumps ---------------------------------------------------------- */

static int dev_cb(struct nlmsghdr *nlh, void *arg)
{
	struct genlmsghdr *g = NLMSG_DATA(nlh);
	int len = nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	struct nlattr *top, *a, *p;

	(void)arg;
	for_each_attr(top, (char *)g + GENL_HDRLEN, len) {
		if ((top->nla_type & NLA_TYPE_MASK) != SMC_GEN_DEV_SMCD)
			continue;
		printf("smcd");
		for_each_attr(a, attr_data(top), attr_len(top)) {
			switch (a->nla_type & NLA_TYPE_MASK) {
			case SMC_NLA_DEV_PCI_ID:
				printf(" pci_id=%s", (char *)attr_data(a));
				break;
			case SMC_NLA_DEV_USE_CNT:
				printf(" lgrs=%llu", (unsigned long long)attr_uint(a));
				break;
			case SMC_NLA_DEV_PCI_FID:
				printf(" fid=%llu", (unsigned long long)attr_uint(a));
				break;
			case SMC_NLA_DEV_PCI_CHID:
				printf(" pchid=%04llx", (unsigned long long)attr_uint(a));
				break;
			case SMC_NLA_DEV_PCI_VENDOR:
				printf(" vendor=%04llx", (unsigned long long)attr_uint(a));
				break;
			case SMC_NLA_DEV_PCI_DEVICE:
				printf(" device=%04llx", (unsigned long long)attr_uint(a));
				break;
			case SMC_NLA_DEV_PORT:
				for_each_attr(p, attr_data(a), attr_len(a)) {
					if ((p->nla_type & NLA_TYPE_MASK) == SMC_NLA_DEV_PORT_PNETID)
						printf(" pnetid=%s", *(char *)attr_data(p) ?
						       (char *)attr_data(p) : "-");
					if ((p->nla_type & NLA_TYPE_MASK) == SMC_NLA_DEV_PORT_PNET_USR)
						printf(" pnet_by_user=%llu",
						       (unsigned long long)attr_uint(p));
				}
				break;
			}
		}
		printf("\n");
	}
	return 0;
}

static int info_cb(struct nlmsghdr *nlh, void *arg)
{
	struct genlmsghdr *g = NLMSG_DATA(nlh);
	int len = nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	struct nlattr *top, *a;

	(void)arg;
	for_each_attr(top, (char *)g + GENL_HDRLEN, len) {
		if ((top->nla_type & NLA_TYPE_MASK) != SMC_GEN_SYS_INFO)
			continue;
		for_each_attr(a, attr_data(top), attr_len(top)) {
			switch (a->nla_type & NLA_TYPE_MASK) {
			case SMC_NLA_SYS_VER:
				printf("version=%llu\n", (unsigned long long)attr_uint(a));
				break;
			case SMC_NLA_SYS_REL:
				printf("release=%llu\n", (unsigned long long)attr_uint(a));
				break;
			case SMC_NLA_SYS_IS_ISM_V2:
				printf("ism_v2_capable=%llu\n", (unsigned long long)attr_uint(a));
				break;
			case SMC_NLA_SYS_IS_SMCR_V2:
				printf("smcr_v2_capable=%llu\n", (unsigned long long)attr_uint(a));
				break;
			case SMC_NLA_SYS_LOCAL_HOST:
				printf("local_host=%s\n", (char *)attr_data(a));
				break;
			case SMC_NLA_SYS_SEID:
				printf("seid=%s\n", (char *)attr_data(a));
				break;
			}
		}
	}
	return 0;
}

static int lgr_cb(struct nlmsghdr *nlh, void *arg)
{
	struct genlmsghdr *g = NLMSG_DATA(nlh);
	int len = nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	struct nlattr *top, *a, *v;

	(void)arg;
	for_each_attr(top, (char *)g + GENL_HDRLEN, len) {
		if ((top->nla_type & NLA_TYPE_MASK) != SMC_GEN_LGR_SMCD)
			continue;
		printf("lgr");
		for_each_attr(a, attr_data(top), attr_len(top)) {
			switch (a->nla_type & NLA_TYPE_MASK) {
			case SMC_NLA_LGR_D_ID:
				printf(" id=%08llx", (unsigned long long)attr_uint(a));
				break;
			case SMC_NLA_LGR_D_GID:
				printf(" gid=%016llx", (unsigned long long)attr_uint(a));
				break;
			case SMC_NLA_LGR_D_PEER_GID:
				printf(" peer_gid=%016llx", (unsigned long long)attr_uint(a));
				break;
			case SMC_NLA_LGR_D_CONNS_NUM:
				printf(" conns=%llu", (unsigned long long)attr_uint(a));
				break;
			case SMC_NLA_LGR_D_CHID:
				printf(" chid=%04llx", (unsigned long long)attr_uint(a));
				break;
			case SMC_NLA_LGR_D_PNETID:
				printf(" pnetid=%s", *(char *)attr_data(a) ?
				       (char *)attr_data(a) : "-");
				break;
			case SMC_NLA_LGR_D_V2_COMMON:
				printf(" v2=1");
				for_each_attr(v, attr_data(a), attr_len(a))
					if ((v->nla_type & NLA_TYPE_MASK) == SMC_NLA_LGR_V2_NEG_EID)
						printf(" eid=%.32s", (char *)attr_data(v));
				break;
			}
		}
		printf("\n");
	}
	return 0;
}

static const char *const stat_names[] = {
	[SMC_NLA_STATS_T_CLNT_V1_SUCC] = "client_v1",
	[SMC_NLA_STATS_T_CLNT_V2_SUCC] = "client_v2",
	[SMC_NLA_STATS_T_SRV_V1_SUCC] = "server_v1",
	[SMC_NLA_STATS_T_SRV_V2_SUCC] = "server_v2",
	[SMC_NLA_STATS_T_RX_BYTES] = "rx_bytes",
	[SMC_NLA_STATS_T_TX_BYTES] = "tx_bytes",
	[SMC_NLA_STATS_T_RX_CNT] = "rx_calls",
	[SMC_NLA_STATS_T_TX_CNT] = "tx_calls",
};

static int stats_cb(struct nlmsghdr *nlh, void *arg)
{
	struct genlmsghdr *g = NLMSG_DATA(nlh);
	int len = nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	struct nlattr *top, *a, *t;

	(void)arg;
	for_each_attr(top, (char *)g + GENL_HDRLEN, len) {
		if ((top->nla_type & NLA_TYPE_MASK) != SMC_GEN_STATS)
			continue;
		for_each_attr(a, attr_data(top), attr_len(top)) {
			if ((a->nla_type & NLA_TYPE_MASK) != SMC_NLA_STATS_SMCD_TECH)
				continue;
			for_each_attr(t, attr_data(a), attr_len(a)) {
				unsigned int type = t->nla_type & NLA_TYPE_MASK;

				if (type < ARRAY_SIZE(stat_names) &&
				    stat_names[type])
					printf("%s=%llu\n", stat_names[type],
					       (unsigned long long)attr_uint(t));
			}
		}
	}
	return 0;
}

static int pnet_cb(struct nlmsghdr *nlh, void *arg)
{
	struct genlmsghdr *g = NLMSG_DATA(nlh);
	int len = nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	struct nlattr *a;

	(void)arg;
	printf("pnet");
	for_each_attr(a, (char *)g + GENL_HDRLEN, len) {
		switch (a->nla_type & NLA_TYPE_MASK) {
		case SMC_PNETID_NAME:
			printf(" pnetid=%s", (char *)attr_data(a));
			break;
		case SMC_PNETID_ETHNAME:
			printf(" eth=%s", (char *)attr_data(a));
			break;
		case SMC_PNETID_IBNAME:
			printf(" ib=%s", (char *)attr_data(a));
			break;
		}
	}
	printf("\n");
	return 0;
}

static int ueid_cb(struct nlmsghdr *nlh, void *arg)
{
	struct genlmsghdr *g = NLMSG_DATA(nlh);
	int len = nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	struct nlattr *a;

	(void)arg;
	for_each_attr(a, (char *)g + GENL_HDRLEN, len)
		if ((a->nla_type & NLA_TYPE_MASK) == SMC_NLA_EID_TABLE_ENTRY)
			printf("ueid=%.32s\n", (char *)attr_data(a));
	return 0;
}

/*
 * SMC_NETLINK_DUMP_SEID: the system EID and its enabled flag, present only
 * once smc is v2 capable (an SMC-D device with a v2 system EID registered).
 */
static int seid_cb(struct nlmsghdr *nlh, void *arg)
{
	struct genlmsghdr *g = NLMSG_DATA(nlh);
	int len = nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	struct nlattr *a;

	(void)arg;
	for_each_attr(a, (char *)g + GENL_HDRLEN, len) {
		switch (a->nla_type & NLA_TYPE_MASK) {
		case SMC_NLA_SEID_ENTRY:
			printf("seid=%.32s\n", (char *)attr_data(a));
			break;
		case SMC_NLA_SEID_ENABLED:
			printf("seid_enabled=%llu\n", (unsigned long long)attr_uint(a));
			break;
		}
	}
	return 0;
}

/* ---- commands ------------------------------------------------------- */

static int report(const char *what, int rc)
{
	if (rc) {
		fprintf(stderr, "smcd_nl: %s: %s\n", what, strerror(-rc));
		return 1;
	}
	return 0;
}

static int gen_dump(uint8_t cmd, msg_cb cb, const char *what)
{
	static char m[256];
	struct nl nl;

	if (nl_open(&nl, SMC_GENL_FAMILY_NAME))
		return 1;
	return report(what, transact(&nl, msg_init(m, nl.family, NLM_F_DUMP, cmd,
						   SMC_GENL_FAMILY_VERSION),
				     cb, NULL));
}

/* A user EID: upper case, blank padded to 32 characters (smc's format). */
static int ueid_cmd(uint8_t cmd, const char *eid, const char *what)
{
	char e[SMC_MAX_EID_LEN + 1];
	static char m[256];
	struct nlmsghdr *nlh;
	struct nl nl;
	size_t i;

	if (nl_open(&nl, SMC_GENL_FAMILY_NAME))
		return 1;
	nlh = msg_init(m, nl.family, 0, cmd, SMC_GENL_FAMILY_VERSION);
	if (eid) {
		if (strlen(eid) > SMC_MAX_EID_LEN) {
			fprintf(stderr, "smcd_nl: EID longer than %d characters\n",
				SMC_MAX_EID_LEN);
			return 2;
		}
		memset(e, ' ', SMC_MAX_EID_LEN);
		e[SMC_MAX_EID_LEN] = 0;
		for (i = 0; eid[i]; i++)
			e[i] = (eid[i] >= 'a' && eid[i] <= 'z') ? eid[i] - 32 : eid[i];
		put_attr(nlh, SMC_NLA_EID_TABLE_ENTRY, e, sizeof(e));
	}
	return report(what, transact(&nl, nlh, NULL, NULL));
}

/* A command without attributes of the SMC_GEN_NETLINK family. */
static int gen_do(uint8_t cmd, const char *what)
{
	static char m[256];
	struct nl nl;

	if (nl_open(&nl, SMC_GENL_FAMILY_NAME))
		return 1;
	return report(what, transact(&nl, msg_init(m, nl.family, 0, cmd,
						   SMC_GENL_FAMILY_VERSION),
				     NULL, NULL));
}

static int pnet_cmd(int argc, char **argv)
{
	char name[PNETID_LEN + 1];
	static char m[512];
	struct nlmsghdr *nlh;
	struct nl nl;
	size_t i;

	if (argc < 1)
		return -1;
	if (nl_open(&nl, SMCR_GENL_FAMILY_NAME))
		return 1;
	if (!strcmp(argv[0], "show"))
		return report("pnet show",
			      transact(&nl, msg_init(m, nl.family, NLM_F_DUMP, SMC_PNETID_GET,
						     SMCR_GENL_FAMILY_VERSION), pnet_cb, NULL));
	if (!strcmp(argv[0], "flush"))
		return report("pnet flush",
			      transact(&nl, msg_init(m, nl.family, 0, SMC_PNETID_FLUSH,
						     SMCR_GENL_FAMILY_VERSION), NULL, NULL));
	if (argc < 2 || strlen(argv[1]) > PNETID_LEN)
		return -1;
	for (i = 0; argv[1][i]; i++)
		name[i] = (argv[1][i] >= 'a' && argv[1][i] <= 'z') ?
			  argv[1][i] - 32 : argv[1][i];
	name[i] = 0;
	if (!strcmp(argv[0], "del")) {
		nlh = msg_init(m, nl.family, 0, SMC_PNETID_DEL, SMCR_GENL_FAMILY_VERSION);
		put_attr(nlh, SMC_PNETID_NAME, name, strlen(name) + 1);
		return report("pnet del", transact(&nl, nlh, NULL, NULL));
	}
	if (strcmp(argv[0], "add") || argc != 4)
		return -1;
	nlh = msg_init(m, nl.family, 0, SMC_PNETID_ADD, SMCR_GENL_FAMILY_VERSION);
	put_attr(nlh, SMC_PNETID_NAME, name, strlen(name) + 1);
	if (!strcmp(argv[2], "eth")) {
		put_attr(nlh, SMC_PNETID_ETHNAME, argv[3], strlen(argv[3]) + 1);
	} else if (!strcmp(argv[2], "ib")) {
		uint8_t port = 1;

		put_attr(nlh, SMC_PNETID_IBNAME, argv[3], strlen(argv[3]) + 1);
		put_attr(nlh, SMC_PNETID_IBPORT, &port, 1);
	} else {
		return -1;
	}
	return report("pnet add", transact(&nl, nlh, NULL, NULL));
}

static void help(void)
{
	fprintf(stderr,
		"usage: smcd_nl dev | info | lgr | stats\n"
		"       smcd_nl pnet show | flush | add PNETID eth|ib NAME | del PNETID\n"
		"       smcd_nl ueid show | flush | add EID | del EID\n"
		"       smcd_nl seid show | enable | disable\n");
}

int main(int argc, char **argv)
{
	int rc = -1;

	if (argc < 2) {
		help();
		return 2;
	}
	if (!strcmp(argv[1], "dev"))
		rc = gen_dump(SMC_NETLINK_GET_DEV_SMCD, dev_cb, "device dump");
	else if (!strcmp(argv[1], "info"))
		rc = gen_dump(SMC_NETLINK_GET_SYS_INFO, info_cb, "system info");
	else if (!strcmp(argv[1], "lgr"))
		rc = gen_dump(SMC_NETLINK_GET_LGR_SMCD, lgr_cb, "link group dump");
	else if (!strcmp(argv[1], "stats"))
		rc = gen_dump(SMC_NETLINK_GET_STATS, stats_cb, "statistics");
	else if (!strcmp(argv[1], "pnet"))
		rc = pnet_cmd(argc - 2, argv + 2);
	else if (!strcmp(argv[1], "ueid") && argc == 3 && !strcmp(argv[2], "show"))
		rc = gen_dump(SMC_NETLINK_DUMP_UEID, ueid_cb, "ueid show");
	else if (!strcmp(argv[1], "ueid") && argc == 3 && !strcmp(argv[2], "flush"))
		rc = ueid_cmd(SMC_NETLINK_FLUSH_UEID, NULL, "ueid flush");
	else if (!strcmp(argv[1], "ueid") && argc == 4 && !strcmp(argv[2], "add"))
		rc = ueid_cmd(SMC_NETLINK_ADD_UEID, argv[3], "ueid add");
	else if (!strcmp(argv[1], "ueid") && argc == 4 && !strcmp(argv[2], "del"))
		rc = ueid_cmd(SMC_NETLINK_REMOVE_UEID, argv[3], "ueid del");
	else if (!strcmp(argv[1], "seid") && argc == 3 && !strcmp(argv[2], "show"))
		rc = gen_dump(SMC_NETLINK_DUMP_SEID, seid_cb, "seid show");
	else if (!strcmp(argv[1], "seid") && argc == 3 && !strcmp(argv[2], "enable"))
		rc = gen_do(SMC_NETLINK_ENABLE_SEID, "seid enable");
	else if (!strcmp(argv[1], "seid") && argc == 3 && !strcmp(argv[2], "disable"))
		rc = gen_do(SMC_NETLINK_DISABLE_SEID, "seid disable");
	if (rc < 0) {
		help();
		return 2;
	}
	return rc;
}
