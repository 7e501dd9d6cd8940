// SPDX-License-Identifier: GPL-2.0
/*
 * nl_fuzz - random messages against the dibs netlink family
 *
 *	nl_fuzz [COUNT [SEED [unprivileged]]]
 *
 * (default 10000 messages, seed 0: from the clock; "unprivileged": as nobody,
 * without capabilities, where the admin ops must all get EPERM)
 *
 * Each message has a random command (mostly the family's, sometimes any
 * byte), random do/dump flags and 0..5 random attributes: random types
 * (mostly the family's), random lengths and contents, sometimes device
 * names or kinds that exist, sometimes nests.  Every message must get an
 * answer (ACK, error or dump end) with an errno from the expected set.
 * Devices the fuzzer happened to create are deleted afterwards.  Then the
 * family must still answer correctly: the same devices as before, dev-get
 * and client-get work, and the self-check passes on lo.
 *
 * KTAP output.  Run as root with dibs_lo loaded (nl_fuzz.sh).
 */
#include <grp.h>
#include <time.h>

#include "nl_lib.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static struct nl nl;
static unsigned int seed;

static uint32_t rnd(void)
{
	/* xorshift32: reproducible from the seed printed at the start */
	seed ^= seed << 13;
	seed ^= seed >> 17;
	seed ^= seed << 5;
	return seed;
}

static uint32_t pick(uint32_t n)
{
	return rnd() % n;
}

static const char *const words[] = {
	"lo", "lo1", "lo2", "nosuch", "", "a", "fz0", "fz1",
	"abcdefghijklmno", "abcdefghijklmnop", "bad/name", "ism", "lo",
};

static void random_payload(struct nl_req *r, uint16_t type, int depth)
{
	char buf[64];
	uint32_t len, i, v;

	switch (pick(6)) {
	case 0:	/* a word, NUL terminated */
		req_put_str(r, type, words[pick(ARRAY_SIZE(words))]);
		return;
	case 1:	/* a word without its NUL */
		{
			const char *w = words[pick(ARRAY_SIZE(words))];

			req_put(r, type, w, strlen(w));
		}
		return;
	case 2:	/* a u32 */
		v = rnd();
		req_put_u32(r, type, v);
		return;
	case 3:	/* a nest of random attributes */
		if (depth < 3 && req_nest_start(r, type)) {
			for (i = pick(3); i; i--)
				random_payload(r, pick(12), depth + 1);
			req_nest_end(r);
			return;
		}
		/* fall through */
	default: /* random bytes of random length */
		len = pick(sizeof(buf) + 1);
		for (i = 0; i < len; i++)
			buf[i] = (char)rnd();
		req_put(r, type, buf, len);
		return;
	}
}

/* dev-new replies name the device: remember it, for the cleanup. */
static char created[256][DIBS_NAME_LEN];
static int ncreated;

static void new_reply(const struct nlmsghdr *nlh, void *arg)
{
	struct genlmsghdr *g = NLMSG_DATA(nlh);
	struct nlattr *a;
	int rem;

	(void)arg;
	if (g->cmd != DIBS_CMD_DEV_NEW || ncreated == 256)
		return;
	nl_for_each_attr(a, genl_attrs(nlh), genl_attrs_len(nlh), rem)
		if (nl_type(a) == DIBS_A_DEV_NAME)
			snprintf(created[ncreated++], DIBS_NAME_LEN, "%.*s",
				 nl_attr_len(a), (char *)nl_attr_data(a));
}

static bool unprivileged;

static bool errno_expected(int err)
{
	if (err == -EPERM)
		return unprivileged;
	switch (-err) {
	case 0: case EINVAL: case ERANGE: case ENODEV: case ENOENT:
	case EEXIST: case EOPNOTSUPP: case EMSGSIZE: case ENOSPC: case EBUSY:
		return true;
	}
	return false;
}

static int n_test, n_fail;

static void result(bool ok, const char *name)
{
	printf("%s %d %s\n", ok ? "ok" : "not ok", ++n_test, name);
	if (!ok)
		n_fail++;
	fflush(stdout);
}

struct st_summary {
	int checks, bad;
};

static void st_reply(const struct nlmsghdr *nlh, void *arg)
{
	struct st_summary *s = arg;
	struct nlattr *a, *c;
	int rem, crem;

	nl_for_each_attr(a, genl_attrs(nlh), genl_attrs_len(nlh), rem) {
		if (nl_type(a) != DIBS_A_SELFTEST_CHECK)
			continue;
		s->checks++;
		nl_for_each_attr(c, nl_attr_data(a), nl_attr_len(a), crem) {
			uint32_t v;

			if (nl_type(c) != DIBS_A_CHECK_RESULT)
				continue;
			memcpy(&v, nl_attr_data(c), 4);
			if (v == DIBS_SELFTEST_RESULT_FAIL)
				s->bad++;
		}
	}
}

int main(int argc, char **argv)
{
	unsigned long count = argc > 1 ? strtoul(argv[1], NULL, 0) : 10000;
	unsigned long i, answered = 0, unexpected = 0, errs[5] = { 0 };
	struct nl_names before, after;
	struct st_summary st = { 0 };
	struct nl_family fam;
	struct nl_ans ans;
	struct nl_req r;
	int rc, k;

	seed = argc > 2 ? strtoul(argv[2], NULL, 0) : 0;
	if (!seed)	/* 0: from the clock */
		seed = (unsigned int)time(NULL) | 1;
	unprivileged = argc > 3 && !strcmp(argv[3], "unprivileged");
	printf("TAP version 13\n1..6\n# seed %u, %lu messages%s\n", seed, count,
	       unprivileged ? ", unprivileged" : "");
	/* leaving uid 0 drops every capability; the socket opens after */
	if (unprivileged &&
	    (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
	     setresuid(65534, 65534, 65534))) {
		printf("# cannot drop privileges: %s\n", strerror(errno));
		return 1;
	}
	if (nl_open(&nl) || nl_resolve(&nl, &fam) ||
	    nl_dev_names(&nl, &before)) {
		printf("# no dibs family\n");
		return 1;
	}

	for (i = 0; i < count; i++) {
		uint16_t flags = 0;
		uint8_t cmd;
		int nattrs;

		cmd = pick(10) < 8 ? 1 + pick(DIBS_CMD_SELFTEST) : (uint8_t)rnd();
		/* mostly the way the op is meant, now and then the other */
		if (cmd == DIBS_CMD_CLIENT_GET || cmd == DIBS_CMD_DMB_GET)
			flags = pick(10) ? NLM_F_DUMP : 0;
		else if (cmd == DIBS_CMD_DEV_GET)
			flags = pick(2) ? NLM_F_DUMP : 0;
		else
			flags = pick(10) ? 0 : NLM_F_DUMP;
		req_init(&r, nl.family, cmd, flags);
		if (pick(8) == 0)
			((struct genlmsghdr *)NLMSG_DATA(&r.nlh))->version =
				(uint8_t)rnd();
		for (nattrs = pick(6); nattrs; nattrs--) {
			uint16_t type = pick(10) < 8 ? pick(12) : (uint16_t)rnd();

			random_payload(&r, type, 0);
		}
		/* now and then a valid dev-new, so that deletes find work */
		if (pick(200) == 0) {
			cmd = DIBS_CMD_DEV_NEW;
			req_init(&r, nl.family, DIBS_CMD_DEV_NEW, 0);
			req_put_str(&r, DIBS_A_DEV_KIND, "lo");
		} else if (pick(100) == 0 && ncreated) {
			cmd = DIBS_CMD_DEV_DEL;
			req_init(&r, nl.family, DIBS_CMD_DEV_DEL, 0);
			req_put_str(&r, DIBS_A_DEV_NAME,
				    created[pick(ncreated)]);
		}
		memset(&ans, 0, sizeof(ans));
		ans.reply = new_reply;
		rc = nl_txn(&nl, &r, &ans);
		if (rc) {
			printf("# message %lu (cmd %u): no answer: %s\n", i, cmd,
			       strerror(-rc));
			break;
		}
		answered++;
		/* without CAP_NET_ADMIN an admin op never gets through */
		if (unprivileged && cmd >= DIBS_CMD_DMB_GET &&
		    cmd <= DIBS_CMD_SELFTEST && ans.err != -EPERM &&
		    ans.err != -EOPNOTSUPP) {
			if (unexpected++ < 10)
				printf("# message %lu: admin op %u answered %d\n",
				       i, cmd, ans.err);
		} else if (!errno_expected(ans.err)) {
			if (unexpected++ < 10)
				printf("# message %lu (cmd %u): unexpected error %d (%s) \"%s\"\n",
				       i, cmd, ans.err, strerror(-ans.err),
				       ans.ext);
		}
		if (!ans.err)
			errs[0]++;
		else if (ans.err == -EINVAL)
			errs[1]++;
		else if (ans.err == -EOPNOTSUPP)
			errs[2]++;
		else if (ans.err == -ENODEV || ans.err == -ENOENT ||
			 ans.err == -EPERM)
			errs[3]++;
		else {
			errs[4]++;
			if (errs[4] <= 10)
				printf("# message %lu (cmd %u): %s \"%s\"\n", i,
				       cmd, strerror(-ans.err), ans.ext);
		}
	}
	printf("# answers: %lu ok, %lu EINVAL, %lu EOPNOTSUPP, %lu ENODEV/ENOENT/EPERM, %lu other; %d devices created\n",
	       errs[0], errs[1], errs[2], errs[3], errs[4], ncreated);
	result(answered == count, "every message got an answer");
	result(!unexpected, "only expected errnos");

	/* delete what the fuzzer created (some may be gone already) */
	for (k = 0; k < ncreated; k++) {
		memset(&ans, 0, sizeof(ans));
		req_init(&r, nl.family, DIBS_CMD_DEV_DEL, 0);
		req_put_str(&r, DIBS_A_DEV_NAME, created[k]);
		nl_txn(&nl, &r, &ans);
	}
	rc = nl_dev_names(&nl, &after);
	if (rc || strcmp(before.buf, after.buf))
		printf("# before:\n%s# after:\n%s", before.buf, after.buf);
	result(!rc && !strcmp(before.buf, after.buf),
	       "the same devices as before");

	memset(&ans, 0, sizeof(ans));
	req_init(&r, nl.family, DIBS_CMD_DEV_GET, 0);
	req_put_str(&r, DIBS_A_DEV_NAME, "lo");
	rc = nl_txn(&nl, &r, &ans);
	result(!rc && !ans.err && ans.replies == 1, "dev-get lo still works");

	memset(&ans, 0, sizeof(ans));
	req_init(&r, nl.family, DIBS_CMD_CLIENT_GET, NLM_F_DUMP);
	rc = nl_txn(&nl, &r, &ans);
	result(!rc && !ans.err, "client-get dump still works");

	if (unprivileged) {
		printf("ok %d the self-check on lo still passes # SKIP needs CAP_NET_ADMIN\n",
		       ++n_test);
		printf("# totals: pass:%d fail:%d\n", n_test - n_fail, n_fail);
		return n_fail ? 1 : 0;
	}
	memset(&ans, 0, sizeof(ans));
	ans.reply = st_reply;
	ans.arg = &st;
	req_init(&r, nl.family, DIBS_CMD_SELFTEST, 0);
	req_put_str(&r, DIBS_A_SELFTEST_DEV_NAME, "lo");
	rc = nl_txn(&nl, &r, &ans);
	printf("# selftest lo: %d checks, %d failed; error %d \"%s\"\n",
	       st.checks, st.bad, rc ? rc : ans.err, ans.ext);
	result(!rc && !ans.err && st.checks > 5 && !st.bad,
	       "the self-check on lo still passes");

	printf("# totals: pass:%d fail:%d\n", n_test - n_fail, n_fail);
	return n_fail ? 1 : 0;
}
