/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KTAP from a test module into the kernel log, one printk line each,
 * between markers tagged with the module's run_id parameter:
 *
 *	MODULE: ktap-begin run=ID
 *	MODULE: ktap: KTAP version 1
 *	MODULE: ktap: 1..N
 *	MODULE: ktap: ok 1 name
 *	MODULE: ktap: not ok 2 name
 *	MODULE: ktap: ok 3 name # SKIP reason
 *	MODULE: ktap: # a diagnostic
 *	MODULE: ktap-end run=ID pass=P fail=F skip=S
 *
 * selftests/dibs/dibs_lib.sh (dibs_module_log, dibs_reemit) takes them out
 * of the log and re-emits them as the test script's subtest; the shell
 * side of the same format is selftests/lib/ktap.sh.  The module defines
 * pr_fmt as KBUILD_MODNAME ": " fmt before its first include.
 *
 *	static struct ktap kt;
 *
 *	ktap_begin(&kt, run_id, ARRAY_SIZE(cases));
 *	for (i = 0; i < ARRAY_SIZE(cases); i++)
 *		ktap_result(&kt, !cases[i].fn(), "%s", cases[i].name);
 *	ktap_end(&kt);
 */
#ifndef DIBS_KTAP_KMOD_H
#define DIBS_KTAP_KMOD_H

#include <linux/kernel.h>
#include <linux/printk.h>

/**
 * struct ktap - one KTAP run of a test module
 * @run_id: the tag of the begin and end markers
 * @planned: the number of cases in the plan
 * @n: the number of the last case reported
 * @pass: cases that passed
 * @fail: cases that failed
 * @skip: cases that were skipped
 */
struct ktap {
	int run_id;
	int planned;
	int n;
	int pass;
	int fail;
	int skip;
};

/* One line of KTAP as it is */
#define ktap_line(fmt, ...)	pr_info("ktap: " fmt "\n", ##__VA_ARGS__)
/* A diagnostic line; ktap_err() for the ones that explain a failure */
#define ktap_diag(fmt, ...)	pr_info("ktap: # " fmt "\n", ##__VA_ARGS__)
#define ktap_err(fmt, ...)	pr_err("ktap: # " fmt "\n", ##__VA_ARGS__)

/**
 * ktap_begin() - the begin marker, the KTAP header and the plan
 * @k: the run, reset here
 * @run_id: the module's run_id parameter
 * @planned: how many cases will be reported
 */
static inline void ktap_begin(struct ktap *k, int run_id, int planned)
{
	*k = (struct ktap){ .run_id = run_id, .planned = planned };
	pr_info("ktap-begin run=%d\n", run_id);
	ktap_line("KTAP version 1");
	ktap_line("1..%d", planned);
}

/* The next case: passed, failed, or (@skip not NULL) skipped for @skip */
static inline void ktap_vcase(struct ktap *k, bool ok, const char *skip,
			      const char *fmt, va_list *args)
{
	struct va_format vaf = { .fmt = fmt, .va = args };

	k->n++;
	if (skip)
		k->skip++;
	else if (ok)
		k->pass++;
	else
		k->fail++;
	ktap_line("%sok %d %pV%s%s%s", ok ? "" : "not ", k->n, &vaf,
		  skip ? " # SKIP" : "", skip && *skip ? " " : "",
		  skip ? skip : "");
}

/**
 * ktap_result() - report the next case as passed or failed
 * @k: the run
 * @ok: whether the case passed
 * @fmt: printf format of the case's name, and its arguments
 */
static inline __printf(3, 4)
void ktap_result(struct ktap *k, bool ok, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	ktap_vcase(k, ok, NULL, fmt, &args);
	va_end(args);
}

/**
 * ktap_skip() - report the next case as skipped
 * @k: the run
 * @reason: why, or NULL
 * @fmt: printf format of the case's name, and its arguments
 */
static inline __printf(3, 4)
void ktap_skip(struct ktap *k, const char *reason, const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	ktap_vcase(k, true, reason ? reason : "", fmt, &args);
	va_end(args);
}

/**
 * ktap_end() - the end marker with the totals
 * @k: the run
 *
 * A run that reported fewer or more cases than it planned says so; the
 * script counts that as a failure (dibs_reemit).
 */
static inline void ktap_end(struct ktap *k)
{
	if (k->n != k->planned)
		ktap_err("planned %d cases, reported %d", k->planned, k->n);
	pr_info("ktap-end run=%d pass=%d fail=%d skip=%d\n", k->run_id,
		k->pass, k->fail, k->skip);
}

#endif /* DIBS_KTAP_KMOD_H */
