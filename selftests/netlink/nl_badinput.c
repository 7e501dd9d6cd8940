// SPDX-License-Identifier: GPL-2.0
/*
 * nl_badinput - bad requests to the dibs netlink family, raw netlink
 *
 * Checks the family as the controller reports it (ops, admin flags, the
 * monitor group) against the UAPI header, then sends requests with wrong
 * attribute types and lengths, missing required attributes, unknown
 * attributes and commands, unknown devices and kinds, refused deletes, and
 * admin ops from a caller without CAP_NET_ADMIN.  Each must fail with its
 * errno and, where the family or the attribute validation answers, an
 * extack message; nothing may change (same devices before and after).
 *
 * Run as root with dibs_lo loaded (nl_badinput.sh does that).  KTAP output.
 */
#include <grp.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "nl_lib.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

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

static struct nl nl;

/*
 * Set (DIBS_NL_NO_MISS_TYPE=1, from nl_badinput.sh) where dibs_core was
 * built for a kernel whose netlink errors cannot name a missing attribute
 * (before 6.0: no NLMSGERR_ATTR_MISS_TYPE; dibs_core's modinfo says
 * dibs_nl_miss_type=no): the extack message alone tells then.
 */
static bool no_miss_type;

/*
 * Send @r; the answer must be error @want_err with an extack message if
 * @want_ext (containing @ext_sub if not NULL).  @miss: the attribute the
 * kernel must report missing (0: no check).
 */
static void expect(const char *name, struct nl_req *r, int want_err,
		   bool want_ext, const char *ext_sub, uint32_t miss)
{
	struct nl_ans ans = { 0 };
	int rc = nl_txn(&nl, r, &ans);
	bool ok = true;

	if (rc) {
		printf("# %s: socket error %s\n", name, strerror(-rc));
		result(false, "%s", name);
		return;
	}
	if (ans.err != want_err) {
		printf("# %s: error %d (%s), expected %d (%s)\n", name, ans.err,
		       strerror(-ans.err), want_err, strerror(-want_err));
		ok = false;
	}
	if (want_ext && !ans.ext[0]) {
		printf("# %s: no extack message\n", name);
		ok = false;
	}
	if (ext_sub && !strstr(ans.ext, ext_sub)) {
		printf("# %s: extack \"%s\" lacks \"%s\"\n", name, ans.ext,
		       ext_sub);
		ok = false;
	}
	if (miss && no_miss_type && ans.miss_type) {
		printf("# %s: missing attribute reported %u on a kernel that cannot\n",
		       name, ans.miss_type);
		ok = false;
	} else if (miss && !no_miss_type && ans.miss_type != miss) {
		printf("# %s: missing attribute reported %u, expected %u\n",
		       name, ans.miss_type, miss);
		ok = false;
	}
	if (want_err && ans.replies) {
		printf("# %s: %d replies before the error\n", name,
		       ans.replies);
		ok = false;
	}
	printf("# %s: %s%s%s%s\n", name, ans.err ? strerror(-ans.err) : "ok",
	       ans.ext[0] ? " \"" : "", ans.ext, ans.ext[0] ? "\"" : "");
	result(ok, "%s", name);
}

static void req(struct nl_req *r, uint8_t cmd, uint16_t flags)
{
	req_init(r, nl.family, cmd, flags);
}

static void check_family(const struct nl_family *f)
{
	static const struct {
		uint32_t cmd;
		bool admin, doit, dumpit;
	} want[] = {
		{ DIBS_CMD_DEV_GET, false, true, true },
		{ DIBS_CMD_CLIENT_GET, false, false, true },
		{ DIBS_CMD_DMB_GET, true, false, true },
		{ DIBS_CMD_DEV_NEW, true, true, false },
		{ DIBS_CMD_DEV_DEL, true, true, false },
		{ DIBS_CMD_SELFTEST, true, true, false },
	};
	unsigned int i;
	int j;
	bool ok = f->version == DIBS_FAMILY_VERSION &&
		  f->nops == (int)ARRAY_SIZE(want);

	if (!ok)
		printf("# version %u, %d ops\n", f->version, f->nops);
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		for (j = 0; j < f->nops; j++)
			if (f->ops[j].id == want[i].cmd)
				break;
		if (j == f->nops) {
			printf("# op %u missing\n", want[i].cmd);
			ok = false;
			continue;
		}
		if (!!(f->ops[j].flags & GENL_ADMIN_PERM) != want[i].admin ||
		    !!(f->ops[j].flags & GENL_CMD_CAP_DO) != want[i].doit ||
		    !!(f->ops[j].flags & GENL_CMD_CAP_DUMP) != want[i].dumpit) {
			printf("# op %u: flags 0x%x\n", want[i].cmd,
			       f->ops[j].flags);
			ok = false;
		}
	}
	result(ok, "family: version, ops and their flags as in the UAPI header");

	ok = f->ngrps == 1 && !strcmp(f->grps[0].name, DIBS_MCGRP_MONITOR);
	result(ok, "family: one multicast group \"%s\"", DIBS_MCGRP_MONITOR);
}

/* The admin ops from a process without CAP_NET_ADMIN: -EPERM each. */
static void check_unprivileged(void)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		result(false, "unprivileged: fork");
		return;
	}
	if (!pid) {
		struct nl_family f;
		struct nl_req r;

		/* leaving uid 0 drops all capabilities */
		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534)) {
			printf("# setresuid: %s\n", strerror(errno));
			exit(1);
		}
		/* the socket must be opened without the capability */
		if (nl_open(&nl) || nl_resolve(&nl, &f)) {
			printf("# unprivileged socket failed\n");
			exit(1);
		}
		req(&r, DIBS_CMD_DEV_NEW, 0);
		req_put_str(&r, DIBS_A_DEV_KIND, "lo");
		expect("unprivileged dev-new: EPERM", &r, -EPERM, false, NULL, 0);
		req(&r, DIBS_CMD_DEV_DEL, 0);
		req_put_str(&r, DIBS_A_DEV_NAME, "lo1");
		expect("unprivileged dev-del: EPERM", &r, -EPERM, false, NULL, 0);
		req(&r, DIBS_CMD_DMB_GET, NLM_F_DUMP);
		expect("unprivileged dmb-get: EPERM", &r, -EPERM, false, NULL, 0);
		req(&r, DIBS_CMD_SELFTEST, 0);
		req_put_str(&r, DIBS_A_SELFTEST_DEV_NAME, "lo");
		expect("unprivileged selftest: EPERM", &r, -EPERM, false, NULL, 0);
		req(&r, DIBS_CMD_DEV_GET, 0);
		req_put_str(&r, DIBS_A_DEV_NAME, "lo");
		expect("unprivileged dev-get: allowed", &r, 0, false, NULL, 0);
		req(&r, DIBS_CMD_CLIENT_GET, NLM_F_DUMP);
		expect("unprivileged client-get: allowed", &r, 0, false, NULL, 0);
		exit(n_fail ? 1 : 0);
	}
	waitpid(pid, &status, 0);
	/* the child's results were printed with its own numbers: count */
	n_test += 6;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		n_fail++;
}

int main(void)
{
	struct nl_names before, after;
	char long_name[64], buf[64];
	struct nl_family fam;
	struct nl_req r;
	int rc;

	printf("TAP version 13\n1..46\n");
	no_miss_type = getenv("DIBS_NL_NO_MISS_TYPE") &&
		       !strcmp(getenv("DIBS_NL_NO_MISS_TYPE"), "1");
	if (no_miss_type)
		printf("# no NLMSGERR_ATTR_MISS_TYPE here: extack messages only\n");
	rc = nl_open(&nl);
	if (!rc)
		rc = nl_resolve(&nl, &fam);
	if (rc) {
		printf("# no dibs family: %s\n", strerror(-rc));
		return 1;
	}
	check_family(&fam);
	if (nl_dev_names(&nl, &before) || before.n < 2) {
		printf("# need dibs_lo with devices=1 (lo, lo1): %d devices\n",
		       before.n);
		return 1;
	}
	memset(long_name, 'x', sizeof(long_name));
	long_name[20] = '\0';

	/* dev-get */
	req(&r, DIBS_CMD_DEV_GET, 0);
	expect("dev-get without name: EINVAL, missing attribute", &r, -EINVAL,
	       true, "missing device name", DIBS_A_DEV_NAME);
	req(&r, DIBS_CMD_DEV_GET, 0);
	req_put(&r, DIBS_A_DEV_NAME, "abcd", 4);
	expect("dev-get name without NUL: EINVAL", &r, -EINVAL, true, NULL, 0);
	req(&r, DIBS_CMD_DEV_GET, 0);
	req_put_u32(&r, DIBS_A_DEV_NAME, 0x41424344);	/* no NUL */
	expect("dev-get name as u32: EINVAL", &r, -EINVAL, true, NULL, 0);
	req(&r, DIBS_CMD_DEV_GET, 0);
	req_put(&r, DIBS_A_DEV_NAME, NULL, 0);
	expect("dev-get empty name attribute: EINVAL", &r, -EINVAL, true,
	       NULL, 0);
	req(&r, DIBS_CMD_DEV_GET, 0);
	req_put_str(&r, DIBS_A_DEV_NAME, long_name);
	expect("dev-get 20 character name: EINVAL", &r, -EINVAL, true, NULL, 0);
	req(&r, DIBS_CMD_DEV_GET, 0);
	req_put_str(&r, DIBS_A_DEV_NAME, "");
	expect("dev-get name \"\": ENODEV", &r, -ENODEV, true,
	       "no such dibs device", 0);
	req(&r, DIBS_CMD_DEV_GET, 0);
	req_put_str(&r, DIBS_A_DEV_NAME, "nosuch");
	expect("dev-get unknown device: ENODEV", &r, -ENODEV, true,
	       "no such dibs device", 0);
	req(&r, DIBS_CMD_DEV_GET, 0);
	req_put_str(&r, DIBS_A_DEV_NAME, "lo");
	req_put_u32(&r, 200, 1);
	expect("dev-get unknown attribute type: EINVAL", &r, -EINVAL, true,
	       NULL, 0);
	req(&r, DIBS_CMD_DEV_GET, 0);
	req_put_str(&r, DIBS_A_DEV_NAME, "lo");
	req_put_str(&r, DIBS_A_DEV_KIND, "lo");
	expect("dev-get attribute the op does not take: EINVAL", &r, -EINVAL,
	       true, NULL, 0);
	req(&r, DIBS_CMD_DEV_GET, 0);
	req_put(&r, 0, "xxxx", 4);
	req_put_str(&r, DIBS_A_DEV_NAME, "lo");
	expect("dev-get attribute type 0: EINVAL", &r, -EINVAL, true, NULL, 0);
	req(&r, DIBS_CMD_DEV_GET, 0);
	req_put_str(&r, DIBS_A_DEV_NAME, "lo");
	expect("dev-get lo: works", &r, 0, false, NULL, 0);
	req(&r, DIBS_CMD_DEV_GET, NLM_F_DUMP);
	req_put_str(&r, DIBS_A_DEV_NAME, "lo");
	/* no request attribute in the spec: include/compat/dibs_genl.h */
	expect("dev-get dump with a name: EINVAL", &r, -EINVAL, true,
	       "takes no attributes", 0);

	/* dev-new */
	req(&r, DIBS_CMD_DEV_NEW, 0);
	expect("dev-new without kind: EINVAL, missing attribute", &r, -EINVAL,
	       true, "missing device kind", DIBS_A_DEV_KIND);
	req(&r, DIBS_CMD_DEV_NEW, 0);
	req_put_str(&r, DIBS_A_DEV_NAME, "bi0");
	expect("dev-new with name but no kind: EINVAL", &r, -EINVAL, true,
	       "missing device kind", DIBS_A_DEV_KIND);
	req(&r, DIBS_CMD_DEV_NEW, 0);
	req_put_str(&r, DIBS_A_DEV_KIND, "nosuchkind");
	expect("dev-new unknown kind: ENOENT", &r, -ENOENT, true, NULL, 0);
	req(&r, DIBS_CMD_DEV_NEW, 0);
	req_put(&r, DIBS_A_DEV_KIND, "lo", 2);
	expect("dev-new kind without NUL: EINVAL", &r, -EINVAL, true, NULL, 0);
	req(&r, DIBS_CMD_DEV_NEW, 0);
	req_put_str(&r, DIBS_A_DEV_KIND, "lo");
	req_put_str(&r, DIBS_A_DEV_NAME, "bad/name");
	expect("dev-new malformed name: EINVAL", &r, -EINVAL, true, NULL, 0);
	req(&r, DIBS_CMD_DEV_NEW, 0);
	req_put_str(&r, DIBS_A_DEV_KIND, "lo");
	req_put_str(&r, DIBS_A_DEV_NAME, long_name);
	expect("dev-new 20 character name: EINVAL", &r, -EINVAL, true, NULL, 0);
	req(&r, DIBS_CMD_DEV_NEW, 0);
	req_put_str(&r, DIBS_A_DEV_KIND, "lo");
	req_put_str(&r, DIBS_A_DEV_NAME, "lo1");
	expect("dev-new taken name: EEXIST", &r, -EEXIST, true, NULL, 0);
	req(&r, DIBS_CMD_DEV_NEW, 0);
	req_put_str(&r, DIBS_A_DEV_KIND, "lo");
	req_put_u32(&r, DIBS_A_DEV_GID, 7);
	expect("dev-new with an attribute it does not take: EINVAL", &r,
	       -EINVAL, true, NULL, 0);

	/* dev-del */
	req(&r, DIBS_CMD_DEV_DEL, 0);
	expect("dev-del without name: EINVAL, missing attribute", &r, -EINVAL,
	       true, "missing device name", DIBS_A_DEV_NAME);
	req(&r, DIBS_CMD_DEV_DEL, 0);
	req_put_str(&r, DIBS_A_DEV_NAME, "nosuch");
	expect("dev-del unknown device: ENODEV", &r, -ENODEV, true, NULL, 0);
	req(&r, DIBS_CMD_DEV_DEL, 0);
	req_put_str(&r, DIBS_A_DEV_NAME, "lo");
	expect("dev-del lo (no kind delete): EOPNOTSUPP", &r, -EOPNOTSUPP, true,
	       NULL, 0);
	req(&r, DIBS_CMD_DEV_DEL, 0);
	req_put_str(&r, DIBS_A_DEV_NAME, "abcdefghijklmnop");
	expect("dev-del 16 character name: EINVAL", &r, -EINVAL, true, NULL,
	       0);

	/* selftest and dmb-get */
	req(&r, DIBS_CMD_SELFTEST, 0);
	expect("selftest without device: EINVAL, missing attribute", &r,
	       -EINVAL, true, "missing device name", DIBS_A_SELFTEST_DEV_NAME);
	req(&r, DIBS_CMD_SELFTEST, 0);
	req_put_str(&r, DIBS_A_SELFTEST_DEV_NAME, "nosuch");
	expect("selftest unknown device: ENODEV", &r, -ENODEV, true,
	       "no such dibs device", 0);
	req(&r, DIBS_CMD_SELFTEST, 0);
	req_put(&r, DIBS_A_SELFTEST_DEV_NAME, "lo", 2);
	expect("selftest device name without NUL: EINVAL", &r, -EINVAL, true,
	       NULL, 0);
	req(&r, DIBS_CMD_DMB_GET, NLM_F_DUMP);
	req_put_str(&r, DIBS_A_DMB_DEV_NAME, "nosuch");
	expect("dmb-get dump of unknown device: ENODEV", &r, -ENODEV, true,
	       "no such dibs device", 0);
	req(&r, DIBS_CMD_DMB_GET, NLM_F_DUMP);
	req_put_u32(&r, DIBS_A_DMB_DEV_NAME, 0x41424344);
	expect("dmb-get dump, device name as u32: EINVAL", &r, -EINVAL, true,
	       NULL, 0);
	req(&r, DIBS_CMD_DMB_GET, NLM_F_DUMP);
	req_put_str(&r, DIBS_A_DMB_TOKEN, "x");
	expect("dmb-get dump with a reply-only attribute: EINVAL", &r, -EINVAL,
	       true, NULL, 0);
	req(&r, DIBS_CMD_CLIENT_GET, NLM_F_DUMP);
	req_put_str(&r, DIBS_A_CLIENT_NAME, "x");
	expect("client-get dump with an attribute: EINVAL", &r, -EINVAL, true,
	       "takes no attributes", 0);

	/*
	 * Unknown commands and missing do/dump handlers: the genetlink core
	 * answers these itself, without an extack message.
	 */
	req(&r, 99, 0);
	expect("unknown command 99: EOPNOTSUPP", &r, -EOPNOTSUPP, false, NULL,
	       0);
	req(&r, 0, 0);
	expect("command 0: EOPNOTSUPP", &r, -EOPNOTSUPP, false, NULL, 0);
	req(&r, DIBS_CMD_DEV_ADD_NTF, 0);
	expect("a notification as request: EOPNOTSUPP", &r, -EOPNOTSUPP, false,
	       NULL, 0);
	req(&r, DIBS_CMD_CLIENT_GET, 0);
	expect("client-get as do: EOPNOTSUPP", &r, -EOPNOTSUPP, false, NULL, 0);
	req(&r, DIBS_CMD_DEV_NEW, NLM_F_DUMP);
	expect("dev-new as dump: EOPNOTSUPP", &r, -EOPNOTSUPP, false, NULL, 0);
	req(&r, DIBS_CMD_DEV_GET, 0);
	r.nlh.nlmsg_len = NLMSG_LENGTH(2);	/* half a genetlink header */
	expect("truncated genetlink header: EINVAL", &r, -EINVAL, false, NULL,
	       0);

	check_unprivileged();

	rc = nl_dev_names(&nl, &after);
	snprintf(buf, sizeof(buf), "%d devices", after.n);
	if (rc || strcmp(before.buf, after.buf))
		printf("# before:\n%s# after:\n%s", before.buf, after.buf);
	result(!rc && !strcmp(before.buf, after.buf),
	       "nothing changed (%s, as before)", buf);

	printf("# totals: pass:%d fail:%d\n", n_test - n_fail, n_fail);
	return n_fail ? 1 : 0;
}
