// SPDX-License-Identifier: GPL-2.0
/*
 * dibsctl selftest: the kernel's self-check on one device or
 * on every device
 */

#include <stdlib.h>
#include <string.h>

#include "dibsctl.h"

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
		chk = array_add(&run->c, &run->n, sizeof(*chk));
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

	/* the JSON array opens with the first result: nothing on errors */
	if (!st_json_open)
		open_json_array(NULL);
	st_json_open = true;
	open_json_object(NULL);
	print_string(PRINT_JSON, "dev_name", NULL, run.dev[0] ? run.dev : name);
	open_json_array("check");
	for (i = 0; i < run.n; i++) {
		open_json_object(NULL);
		print_string(PRINT_FP, NULL, "%-15s  ", name);
		print_string(PRINT_ANY, "name", "%-24s  ", run.c[i].name);
		print_string(PRINT_ANY, "result", "%-4s  ",
			     result_name(run.c[i].result));
		print_string(PRINT_ANY, "message", "%s", run.c[i].message);
		close_json_object();
		print_nl();
	}
	close_json_array();
	close_json_object();
	free(run.c);
	return failed ? 1 : 0;
}

static int selftest_run(int argc, char **argv)
{
	struct dev_list l = { 0 };
	bool failed = false;
	int i, rc;

	if (!args_ok(argc, argv, "selftest", "selftest run", true))
		return EXIT_USAGE;
	if (argc == 1) {
		rc = selftest_one(argv[0]);
		if (st_json_open)
			close_json_array();
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
	if (st_json_open)
		close_json_array();
	free(l.devs);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

static int selftest_all(int argc, char **argv)
{
	if (!args_ok(argc, argv, "selftest", "selftest all", false))
		return EXIT_USAGE;
	return selftest_run(0, argv);
}

const struct dibsctl_obj selftest_obj = {
	"selftest", (const struct dibsctl_cmd[]) {
		{ "run", "[NAME]", "[-j [-p]]",
		  "kernel self-check on NAME or every device", selftest_run },
		{ "all", "", "[-j [-p]]",
		  "kernel self-check on every device", selftest_all },
		{ 0 }
	}
};
