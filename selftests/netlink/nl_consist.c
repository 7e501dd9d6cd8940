// SPDX-License-Identifier: GPL-2.0
/*
 * nl_consist - the dibs netlink family while its lists change
 *
 * A dev-get dump is read in small pieces (one 4 KiB recv at a time, so that
 * the kernel fills one message batch per call) while devices are deleted
 * and added on another socket between the recv calls: every device that
 * exists throughout must be listed exactly once, and the messages after a
 * change must carry NLM_F_DUMP_INTR.  Read the same way without changes,
 * the dump lists every device once and is not marked.
 *
 * A dev-new whose reply cannot be delivered (the requesting socket's
 * receive buffer is full of unread answers) must leave no device behind.
 *
 * Run as root with dibs_lo loaded (nl_consist.sh does that).  Creates and
 * deletes dibs_lo devices named nc*.  KTAP output.
 */
#include <fcntl.h>

#include "nl_lib.h"

#define N_EXTRA		100	/* devices the test adds, nc0..nc99 */
#define N_CHURN		6	/* changes during the dump */
#define MAX_NAMES	512
#define PIECE		4096

static int n_test, n_fail;

static void __attribute__((format(printf, 2, 3)))
result(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d ", ok ? "ok" : "not ok", ++n_test);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!ok)
		n_fail++;
	fflush(stdout);
}

static struct nl ctl;

static int dev_new(const char *name)
{
	struct nl_ans ans = { 0 };
	struct nl_req r;
	int rc;

	req_init(&r, ctl.family, DIBS_CMD_DEV_NEW, 0);
	req_put_str(&r, DIBS_A_DEV_KIND, "lo");
	req_put_str(&r, DIBS_A_DEV_NAME, name);
	rc = nl_txn(&ctl, &r, &ans);
	return rc ? rc : ans.err;
}

static int dev_del(const char *name)
{
	struct nl_ans ans = { 0 };
	struct nl_req r;
	int rc;

	req_init(&r, ctl.family, DIBS_CMD_DEV_DEL, 0);
	req_put_str(&r, DIBS_A_DEV_NAME, name);
	rc = nl_txn(&ctl, &r, &ans);
	return rc ? rc : ans.err;
}

/* 0 if @name exists, -ENODEV if not, another error if the request failed */
static int dev_get(const char *name)
{
	struct nl_ans ans = { 0 };
	struct nl_req r;
	int rc;

	req_init(&r, ctl.family, DIBS_CMD_DEV_GET, 0);
	req_put_str(&r, DIBS_A_DEV_NAME, name);
	rc = nl_txn(&ctl, &r, &ans);
	return rc ? rc : ans.err;
}

struct names {
	char name[MAX_NAMES][16];
	int n;
};

static int names_count(const struct names *l, const char *name)
{
	int i, n = 0;

	for (i = 0; i < l->n; i++)
		n += !strcmp(l->name[i], name);
	return n;
}

static void names_add(struct names *l, const char *name)
{
	if (l->n < MAX_NAMES)
		snprintf(l->name[l->n++], sizeof(l->name[0]), "%s", name);
}

/* A dev-get dump read one recv at a time. */
struct piece_dump {
	struct names got;
	bool intr;		/* a message carried NLM_F_DUMP_INTR */
	int err;		/* the dump's error, or a socket error */
	int recvs;
};

/* Changes between two recv calls: delete one device already listed, add one. */
struct churn {
	struct names deleted;
	struct names added;
	int next_new;
};

static void churn_step(struct churn *c, const struct piece_dump *d)
{
	char name[16];
	int i;

	/* the oldest nc device already listed and still there */
	for (i = 0; i < d->got.n; i++) {
		if (strncmp(d->got.name[i], "nc", 2) ||
		    names_count(&c->deleted, d->got.name[i]))
			continue;
		if (dev_del(d->got.name[i]))
			printf("# dev-del %s failed\n", d->got.name[i]);
		else
			names_add(&c->deleted, d->got.name[i]);
		break;
	}
	snprintf(name, sizeof(name), "ncnew%d", c->next_new++);
	if (dev_new(name))
		printf("# dev-new %s failed\n", name);
	else
		names_add(&c->added, name);
}

static void parse_piece(struct piece_dump *d, const char *buf, int len,
			uint32_t seq, bool *done)
{
	const struct nlmsghdr *nlh;

	for (nlh = (const struct nlmsghdr *)buf; NLMSG_OK(nlh, len);
	     nlh = NLMSG_NEXT(nlh, len)) {
		struct nlattr *a;
		int rem;

		if (nlh->nlmsg_seq != seq)
			continue;
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			d->intr = true;
		if (nlh->nlmsg_type == NLMSG_DONE) {
			int err = 0;

			memcpy(&err, NLMSG_DATA(nlh), sizeof(err));
			d->err = err;
			*done = true;
			continue;
		}
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(nlh);

			d->err = e->error;
			*done = true;
			continue;
		}
		nl_for_each_attr(a, genl_attrs(nlh), genl_attrs_len(nlh), rem)
			if (nl_type(a) == DIBS_A_DEV_NAME)
				names_add(&d->got, nl_attr_data(a));
	}
}

static void dump_in_pieces(struct piece_dump *d, struct churn *c)
{
	static char buf[PIECE];
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	bool done = false;
	struct nl_req r;
	struct nl s;
	int rc;

	memset(d, 0, sizeof(*d));
	/* a fresh socket: the kernel sizes dump batches by earlier reads */
	rc = nl_open(&s);
	if (rc) {
		d->err = rc;
		return;
	}
	req_init(&r, ctl.family, DIBS_CMD_DEV_GET, NLM_F_DUMP);
	r.nlh.nlmsg_seq = 4242;
	if (sendto(s.fd, r.buf, r.nlh.nlmsg_len, 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0) {
		d->err = -errno;
		goto out;
	}
	while (!done) {
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n = recvmsg(s.fd, &mh, 0);

		if (n < 0) {
			d->err = -errno;
			break;
		}
		if (mh.msg_flags & MSG_TRUNC) {
			printf("# a dump batch did not fit %d bytes\n", PIECE);
			d->err = -EMSGSIZE;
			break;
		}
		d->recvs++;
		parse_piece(d, buf, (int)n, 4242, &done);
		if (!done && c && d->recvs <= N_CHURN)
			churn_step(c, d);
	}
out:
	nl_close(&s);
}

static void check_dump_quiet(void)
{
	struct nl_names all;
	struct piece_dump d;
	char *p, *save = NULL;
	bool ok = true;
	int n = 0;

	if (nl_dev_names(&ctl, &all)) {
		result(false, "dump in pieces, no change: listing failed");
		return;
	}
	dump_in_pieces(&d, NULL);
	for (p = strtok_r(all.buf, "\n", &save); p;
	     p = strtok_r(NULL, "\n", &save), n++) {
		if (names_count(&d.got, p) != 1) {
			printf("# %s listed %d times\n", p,
			       names_count(&d.got, p));
			ok = false;
		}
	}
	printf("# %d devices in %d pieces, dump error %d, interrupted %d\n",
	       d.got.n, d.recvs, d.err, d.intr);
	result(ok && !d.err && d.got.n == n && d.recvs >= 3,
	       "dump in pieces, no change: every device once (%d devices, %d pieces)",
	       d.got.n, d.recvs);
	result(!d.intr, "dump in pieces, no change: not marked interrupted");
}

static void check_dump_churn(void)
{
	static struct churn c;
	struct nl_names all;
	struct piece_dump d;
	char *p, *save = NULL;
	int i, missing = 0, twice = 0, kept = 0;

	memset(&c, 0, sizeof(c));
	if (nl_dev_names(&ctl, &all)) {
		result(false, "dump under change: listing failed");
		return;
	}
	dump_in_pieces(&d, &c);
	printf("# %d messages in %d pieces, %d deleted, %d added, dump error %d\n",
	       d.got.n, d.recvs, c.deleted.n, c.added.n, d.err);
	for (p = strtok_r(all.buf, "\n", &save); p;
	     p = strtok_r(NULL, "\n", &save)) {
		if (names_count(&c.deleted, p))
			continue;
		kept++;
		if (!names_count(&d.got, p)) {
			printf("# %s existed throughout and was skipped\n", p);
			missing++;
		}
	}
	for (i = 0; i < d.got.n; i++) {
		if (names_count(&d.got, d.got.name[i]) > 1) {
			printf("# %s listed twice\n", d.got.name[i]);
			twice++;
		}
	}
	result(!d.err && c.deleted.n >= 2 && !missing && !twice,
	       "dump under change: the %d devices that stayed are listed once each (%d skipped, %d repeated)",
	       kept, missing, twice / 2);
	result(d.intr, "dump under change: NLM_F_DUMP_INTR set");

	for (i = 0; i < c.added.n; i++)
		if (dev_del(c.added.name[i]))
			printf("# cannot delete %s\n", c.added.name[i]);
}

/*
 * dev-new on a socket whose receive buffer is full: the reply is lost, and
 * so the request must have changed nothing.
 */
static void check_dev_new_lost_reply(void)
{
	static char buf[NL_BUF];
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	bool enobufs = false, got_reply = false;
	struct nl_names before, after;
	uint32_t seq = 7000, new_seq;
	struct nl_req r;
	struct nl s;
	int i, small = 1, err;

	if (nl_dev_names(&ctl, &before) || nl_open(&s)) {
		result(false, "dev-new, reply lost: setup");
		result(false, "dev-new, reply lost: no device left behind");
		return;
	}
	setsockopt(s.fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	/* answers nobody reads, until the buffer overflows */
	for (i = 0; i < 64; i++) {
		req_init(&r, ctl.family, DIBS_CMD_DEV_GET, 0);
		req_put_str(&r, DIBS_A_DEV_NAME, "lo");
		r.nlh.nlmsg_seq = seq++;
		sendto(s.fd, r.buf, r.nlh.nlmsg_len, 0, (struct sockaddr *)&sa,
		       sizeof(sa));
	}
	req_init(&r, ctl.family, DIBS_CMD_DEV_NEW, 0);
	req_put_str(&r, DIBS_A_DEV_KIND, "lo");
	req_put_str(&r, DIBS_A_DEV_NAME, "nclost");
	new_seq = r.nlh.nlmsg_seq = seq++;
	sendto(s.fd, r.buf, r.nlh.nlmsg_len, 0, (struct sockaddr *)&sa,
	       sizeof(sa));

	/* drain: ENOBUFS, and nothing that answers the dev-new */
	fcntl(s.fd, F_SETFL, O_NONBLOCK);
	for (;;) {
		const struct nlmsghdr *nlh;
		ssize_t n = recv(s.fd, buf, sizeof(buf), 0);
		int len;

		if (n < 0 && errno == ENOBUFS) {
			enobufs = true;
			continue;
		}
		if (n <= 0)
			break;
		len = (int)n;
		for (nlh = (const struct nlmsghdr *)buf; NLMSG_OK(nlh, len);
		     nlh = NLMSG_NEXT(nlh, len))
			if (nlh->nlmsg_seq == new_seq)
				got_reply = true;
	}
	nl_close(&s);
	result(enobufs && !got_reply,
	       "dev-new, reply lost: receive buffer overflowed (ENOBUFS %d), no answer to the dev-new (%d)",
	       enobufs, got_reply);

	err = dev_get("nclost");
	if (nl_dev_names(&ctl, &after))
		after.n = -1;
	if (err != -ENODEV)
		printf("# dev-get nclost: %d\n", err);
	if (strcmp(before.buf, after.buf))
		printf("# %d devices before, %d after\n", before.n, after.n);
	result(err == -ENODEV && !strcmp(before.buf, after.buf),
	       "dev-new, reply lost: no device left behind");
	if (!err)
		dev_del("nclost");
}

int main(void)
{
	struct nl_family fam;
	char name[16];
	int i, rc, made = 0;

	printf("TAP version 13\n1..6\n");
	rc = nl_open(&ctl);
	if (!rc)
		rc = nl_resolve(&ctl, &fam);
	if (rc) {
		printf("# no dibs family: %s\n", strerror(-rc));
		return 1;
	}

	for (i = 0; i < N_EXTRA; i++) {
		snprintf(name, sizeof(name), "nc%d", i);
		if (!dev_new(name))
			made++;
	}
	printf("# made %d devices\n", made);

	check_dump_quiet();
	check_dump_churn();
	check_dev_new_lost_reply();

	for (i = 0; i < N_EXTRA; i++) {
		snprintf(name, sizeof(name), "nc%d", i);
		rc = dev_del(name);
		if (rc && rc != -ENODEV)
			printf("# cannot delete %s: %d\n", name, rc);
	}

	printf("# totals: pass:%d fail:%d\n", n_test - n_fail, n_fail);
	return n_fail ? 1 : 0;
}
