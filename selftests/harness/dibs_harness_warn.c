// SPDX-License-Identifier: GPL-2.0
/*
 * dibs_harness_warn - a module that warns on purpose.
 *
 * Only for the harness self-test of scripts/vm: loading it must make the
 * run fail, because the kernel log then holds a "WARNING:" report.  Never
 * part of a normal run or an installation.
 */
#include <linux/bug.h>
#include <linux/module.h>

static int __init dibs_harness_warn_init(void)
{
	WARN(1, "dibs_harness_warn: deliberate warning (harness self-test)\n");
	return 0;
}

static void __exit dibs_harness_warn_exit(void)
{
}

module_init(dibs_harness_warn_init);
module_exit(dibs_harness_warn_exit);

MODULE_DESCRIPTION("dibs harness self-test: WARN() at load");
MODULE_LICENSE("GPL");
