// SPDX-License-Identifier: GPL-2.0
/*
 * fault_walk - fail every allocation of one operation, one at a time.
 *
 *   fault_walk [-v] OP [ARGS...]
 *
 * OP is a request of the dibs netlink family or a module load:
 *
 *   dev-get NAME          dev-get do            client-get   (dump)
 *   dev-dump              dev-get dump          dmb-get [DEV] (dump)
 *   dev-new KIND NAME     undone with dev-del   selftest DEV
 *   dev-del NAME KIND     a failed step leaves NAME; made again with
 *                         dev-new KIND NAME if a lost answer hides a delete
 *   load KO [PARAMS]      finit_module() of KO; undone with delete_module()
 *
 * Step N writes N to /proc/thread-self/fail-nth and runs OP in this task:
 * the Nth allocation (slab or page allocator, whatever the fault
 * attributes in debugfs let fail) that the task makes fails.  The walk ends
 * at the first step that succeeds with the fault unconsumed (the operation
 * made fewer than N allocations): N - 1 is the number of allocation points
 * found.  Every step whose fault was consumed must
 *
 *  - fail with an errno (netlink: the kernel's error, its extack printed),
 *    and leave the state as it was: the dibs devices in sysfs with their
 *    DMB counts, the devices netlink lists, the platform devices of the
 *    ISM emulator and the loaded modules; or
 *  - succeed (the failed allocation was one the kernel may do without) and
 *    leave what the operation makes (undone before the next step).
 *
 * A step that fails without its fault consumed fails the walk.  Prints
 * each problem (-v: every step) and a summary "OP: N allocation points
 * ...", with the errors the failed steps returned.  The self-check answers
 * 0 and reports its checks: a failed check is its failure.
 * Exit 0 if every step was clean, 1 if not, 4 (skip) without fail-nth.
 */
#include <fcntl.h>
#include <dirent.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/stat.h>

#include "../netlink/nl_lib.h"

#define MAX_STEPS	20000
#define STATE_MAX	8192

static int nth_fd = -1;
static const char *op;
static char **args;
static int nargs;
static int ko_fd = -1;
static char ko_name[64];
/* nl: the operation's socket; ctl: the snapshots' and the undos' */
static struct nl nl, ctl;

/* The state a failed step must not change. */
struct state {
	char s[STATE_MAX];
	size_t len;
};

static void st_add(struct state *st, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (st->len >= sizeof(st->s))
		return;
	va_start(ap, fmt);
	n = vsnprintf(st->s + st->len, sizeof(st->s) - st->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		st->len += (size_t)n;
}

static void read_line(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	buf[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of @dir starting with @prefix ("" for all), sorted. */
static void st_dir(struct state *st, const char *dir, const char *prefix,
		   bool dmbs)
{
	static char names[256][64];
	char *sorted[256];
	struct dirent *d;
	char path[512], val[64];
	int n = 0, i;
	DIR *dp;

	dp = opendir(dir);
	if (!dp)
		return;
	while ((d = readdir(dp)) && n < 256) {
		if (d->d_name[0] == '.' ||
		    strncmp(d->d_name, prefix, strlen(prefix)))
			continue;
		snprintf(names[n], sizeof(names[n]), "%.63s", d->d_name);
		sorted[n] = names[n];
		n++;
	}
	closedir(dp);
	qsort(sorted, n, sizeof(sorted[0]), name_cmp);
	for (i = 0; i < n; i++) {
		st_add(st, " %s", sorted[i]);
		if (dmbs) {
			snprintf(path, sizeof(path), "%s/%s/dmbs", dir,
				 sorted[i]);
			read_line(path, val, sizeof(val));
			st_add(st, "(dmbs=%s)", val);
		}
	}
}

static void snapshot(struct state *st)
{
	struct nl_names names;
	char line[256], name[64];
	FILE *f;
	int rc;

	st->len = 0;
	st->s[0] = '\0';
	st_add(st, "sysfs:");
	st_dir(st, "/sys/class/dibs", "", true);
	st_add(st, "\nnetlink:");
	rc = ctl.family ? nl_dev_names(&ctl, &names) : -ENOENT;
	if (rc)
		st_add(st, " (%s)", strerror(-rc));
	else
		for (char *p = strtok(names.buf, "\n"); p;
		     p = strtok(NULL, "\n"))
			st_add(st, " %s", p);
	st_add(st, "\nism_emu:");
	st_dir(st, "/sys/bus/platform/devices", "ism_emu", false);
	st_add(st, "\nmodules:");
	f = fopen("/proc/modules", "re");
	if (f) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "%63s", name) == 1 &&
			    (!strncmp(name, "dibs_", 5) ||
			     !strncmp(name, "ism_", 4)))
				st_add(st, " %s", name);
		fclose(f);
	}
	st_add(st, "\n");
}

static void set_nth(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	if (pwrite(nth_fd, buf, len, 0) != len) {
		perror("write /proc/thread-self/fail-nth");
		exit(1);
	}
}

static unsigned int get_nth(void)
{
	char buf[16] = "";

	if (pread(nth_fd, buf, sizeof(buf) - 1, 0) < 0) {
		perror("read /proc/thread-self/fail-nth");
		exit(1);
	}
	return (unsigned int)strtoul(buf, NULL, 10);
}

/* What an operation did. */
struct result {
	int err;		/* 0 or -errno */
	bool lost;		/* the socket failed: the answer may be lost */
	char ext[256];		/* extack, or the self-check's failed check */
	char check[256];	/* the self-check's first failed check */
};

/*
 * The self-check answers 0 and reports its checks: a failed one (the
 * injected fault reached a check) is the operation's failure.
 */
static void selftest_reply(const struct nlmsghdr *nlh, void *arg)
{
	struct result *res = arg;
	const struct nlattr *a, *c;
	char name[64] = "", msg[160] = "";
	uint32_t result;
	int rem, crem;

	nl_for_each_attr(a, genl_attrs(nlh), genl_attrs_len(nlh), rem) {
		if (nl_type(a) != DIBS_A_SELFTEST_CHECK)
			continue;
		result = DIBS_SELFTEST_RESULT_PASS;
		nl_for_each_attr(c, nl_attr_data(a), nl_attr_len(a), crem) {
			if (nl_type(c) == DIBS_A_CHECK_NAME)
				snprintf(name, sizeof(name), "%.*s",
					 nl_attr_len(c),
					 (char *)nl_attr_data(c));
			else if (nl_type(c) == DIBS_A_CHECK_MESSAGE)
				snprintf(msg, sizeof(msg), "%.*s",
					 nl_attr_len(c),
					 (char *)nl_attr_data(c));
			else if (nl_type(c) == DIBS_A_CHECK_RESULT &&
				 nl_attr_len(c) == 4)
				memcpy(&result, nl_attr_data(c), 4);
		}
		if (result == DIBS_SELFTEST_RESULT_FAIL && !res->check[0])
			snprintf(res->check, sizeof(res->check),
				 "check %s failed: %s", name, msg);
	}
}

static void nl_do(struct nl_req *r, struct result *res)
{
	struct nl_ans ans = { 0 };
	int rc;

	if (!strcmp(op, "selftest")) {
		ans.reply = selftest_reply;
		ans.arg = res;
	}

	rc = nl_txn(&nl, r, &ans);
	if (rc) {
		/*
		 * The socket's own error (-ENOBUFS: an answer could not be
		 * allocated): the request may have been carried out.
		 */
		res->err = rc;
		res->lost = true;
		return;
	}
	res->err = ans.err;
	snprintf(res->ext, sizeof(res->ext), "%s", ans.ext);
	if (!res->err && res->check[0]) {
		res->err = -EIO;
		snprintf(res->ext, sizeof(res->ext), "%s", res->check);
	}
}

static void req_dev(struct nl_req *r, uint8_t cmd, const char *kind,
		    const char *name)
{
	req_init(r, ctl.family, cmd, 0);
	if (kind)
		req_put_str(r, DIBS_A_DEV_KIND, kind);
	if (name)
		req_put_str(r, DIBS_A_DEV_NAME, name);
}


static void run_op(struct result *res)
{
	struct nl_req r;

	memset(res, 0, sizeof(*res));
	if (!strcmp(op, "load")) {
		if (syscall(SYS_finit_module, ko_fd, nargs > 1 ? args[1] : "",
			    0))
			res->err = -errno;
		return;
	}
	if (!strcmp(op, "dev-get")) {
		req_dev(&r, DIBS_CMD_DEV_GET, NULL, args[0]);
	} else if (!strcmp(op, "dev-dump")) {
		req_init(&r, nl.family, DIBS_CMD_DEV_GET, NLM_F_DUMP);
	} else if (!strcmp(op, "client-get")) {
		req_init(&r, nl.family, DIBS_CMD_CLIENT_GET, NLM_F_DUMP);
	} else if (!strcmp(op, "dmb-get")) {
		req_init(&r, nl.family, DIBS_CMD_DMB_GET, NLM_F_DUMP);
		if (nargs > 0)
			req_put_str(&r, DIBS_A_DMB_DEV_NAME, args[0]);
	} else if (!strcmp(op, "dev-new")) {
		req_dev(&r, DIBS_CMD_DEV_NEW, args[0], args[1]);
	} else if (!strcmp(op, "dev-del")) {
		req_dev(&r, DIBS_CMD_DEV_DEL, NULL, args[0]);
	} else {	/* selftest */
		req_init(&r, nl.family, DIBS_CMD_SELFTEST, 0);
		req_put_str(&r, DIBS_A_SELFTEST_DEV_NAME, args[0]);
	}
	nl_do(&r, res);
}

/* Undo a successful step; false if that failed. */
static bool undo(void)
{
	struct result res = { 0 };
	struct nl_ans ans = { 0 };
	struct nl_req r;
	int rc;

	if (!strcmp(op, "load")) {
		if (syscall(SYS_delete_module, ko_name, O_NONBLOCK)) {
			fprintf(stderr, "# delete_module %s: %s\n", ko_name,
				strerror(errno));
			return false;
		}
		return true;
	}
	if (!strcmp(op, "dev-new"))
		req_dev(&r, DIBS_CMD_DEV_DEL, NULL, args[1]);
	else if (!strcmp(op, "dev-del"))
		req_dev(&r, DIBS_CMD_DEV_NEW, args[1], args[0]);
	else
		return true;
	rc = nl_txn(&ctl, &r, &ans);
	res.err = rc ? rc : ans.err;
	snprintf(res.ext, sizeof(res.ext), "%s", ans.ext);
	if (res.err)
		fprintf(stderr, "# undoing %s: %s %s\n", op,
			strerror(-res.err), res.ext);
	return !res.err;
}

static bool verbose;
static struct { int err; unsigned int n; } errs[16];
static int nerrs;

static void count_err(int err)
{
	int i;

	for (i = 0; i < nerrs && errs[i].err != -err; i++)
		;
	if (i == nerrs) {
		if (nerrs == 16)
			return;
		errs[nerrs++].err = -err;
	}
	errs[i].n++;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: fault_walk dev-get NAME | dev-dump | client-get | dmb-get [DEV] |\n"
		"       dev-new KIND NAME | dev-del NAME KIND | selftest DEV | load KO [PARAMS]\n");
	return 2;
}

static bool args_ok(void)
{
	static const struct { const char *op; int min, max; } ops[] = {
		{ "dev-get", 1, 1 }, { "dev-dump", 0, 0 },
		{ "client-get", 0, 0 }, { "dmb-get", 0, 1 },
		{ "dev-new", 2, 2 }, { "dev-del", 2, 2 },
		{ "selftest", 1, 1 }, { "load", 1, 2 },
	};

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(op, ops[i].op))
			return nargs >= ops[i].min && nargs <= ops[i].max;
	return false;
}

int main(int argc, char **argv)
{
	static struct state before, after, done;
	unsigned int n, left, clean = 0, tolerated = 0, bad = 0, ext = 0;
	struct result res;
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "-v")) {
		verbose = true;
		argv++;
		argc--;
	}
	if (argc < 2)
		return usage();
	op = argv[1];
	args = argv + 2;
	nargs = argc - 2;
	if (!args_ok())
		return usage();

	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (nth_fd < 0) {
		printf("# no /proc/thread-self/fail-nth (a kernel without CONFIG_FAULT_INJECTION)\n");
		return 4;
	}
	/* No page faults of ours inside a step. */
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		perror("mlockall");

	rc = nl_open(&nl);
	if (!rc)
		rc = nl_resolve(&nl, &(struct nl_family){ 0 });
	if (!rc)
		rc = nl_open(&ctl);
	ctl.family = nl.family;
	if (rc && strcmp(op, "load")) {
		fprintf(stderr, "dibs netlink family: %s\n", strerror(-rc));
		return 1;
	}
	if (!strcmp(op, "load")) {
		const char *base = strrchr(args[0], '/');

		base = base ? base + 1 : args[0];
		snprintf(ko_name, sizeof(ko_name), "%.*s",
			 (int)strcspn(base, "."), base);
		for (char *p = ko_name; *p; p++)
			if (*p == '-')
				*p = '_';
		ko_fd = open(args[0], O_RDONLY | O_CLOEXEC);
		if (ko_fd < 0) {
			perror(args[0]);
			return 1;
		}
	}

	for (n = 1; n <= MAX_STEPS; n++) {
		snapshot(&before);
		set_nth(n);
		run_op(&res);
		left = get_nth();
		set_nth(0);
		if (res.lost) {
			/* A dump may still be pending on it: a new socket. */
			nl_close(&nl);
			if (nl_open(&nl)) {
				perror("netlink socket");
				return 1;
			}
			nl.family = ctl.family;
		}
		snapshot(&after);

		if (!left && res.err) {
			/* The fault hit and the operation failed. */
			if (!strcmp(before.s, after.s)) {
				clean++;
				if (res.ext[0])
					ext++;
				count_err(res.err);
				if (verbose)
					printf("# %s step %u: %s%s%s\n", op, n,
					       strerror(-res.err),
					       res.ext[0] ? ", extack: " : "",
					       res.ext);
				continue;
			}
			if (res.lost && (!strcmp(op, "dev-new") ||
					 !strcmp(op, "dev-del"))) {
				/* Done, but its answer was lost. */
				printf("# %s step %u: carried out, its answer lost (%s)\n",
				       op, n, strerror(-res.err));
				tolerated++;
				if (!undo())
					return 1;
				continue;
			}
			bad++;
			printf("# FAIL %s step %u: %s%s%s, and the state changed\n#   before: %s#   after:  %s",
			       op, n, strerror(-res.err),
			       res.ext[0] ? ", extack: " : "", res.ext,
			       before.s, after.s);
			break;
		}
		if (res.err) {
			bad++;
			printf("# FAIL %s step %u: %s%s%s without the injected fault\n",
			       op, n, strerror(-res.err),
			       res.ext[0] ? ", extack: " : "", res.ext);
			break;
		}
		/* Succeeded: the effect must be whole; then undo it. */
		if (!left) {
			tolerated++;
			if (verbose)
				printf("# %s step %u: succeeded with the failed allocation\n",
				       op, n);
		}
		if (!undo())
			return 1;
		snapshot(&done);
		if (strcmp(before.s, done.s)) {
			bad++;
			printf("# FAIL %s step %u: after success and undo the state differs\n#   before: %s#   after:  %s",
			       op, n, before.s, done.s);
			break;
		}
		if (left)
			break;
	}
	if (n > MAX_STEPS) {
		printf("# FAIL %s: still failing after %u steps\n", op,
		       MAX_STEPS);
		return 1;
	}
	printf("# %s: %u allocation points: %u failed cleanly (%u with extack or a failed check; errors:",
	       op, n - 1, clean, ext);
	for (int i = 0; i < nerrs; i++)
		printf(" %s x%u", strerrorname_np(errs[i].err) ?: "?",
		       errs[i].n);
	printf("), %u tolerated%s\n", tolerated, bad ? ", FAILED" : "");
	return bad ? 1 : 0;
}
