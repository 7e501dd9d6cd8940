/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The built-in self-check of dibs_core (dibs_selftest.c), as the netlink
 * family (dibs_nl.c) calls it.  Private to dibs_core.ko.
 */
#ifndef _DIBS_SELFTEST_H
#define _DIBS_SELFTEST_H

#include <linux/dibs.h>
#include <uapi/linux/dibs_netlink.h>

struct netlink_ext_ack;

/**
 * struct dibs_selftest_report - where the self-check reports its checks
 * @check: called once per check, in the order the checks run, with the
 *	check's name, its outcome and a message (may be empty); process
 *	context
 * @ctx: passed to @check
 */
struct dibs_selftest_report {
	void (*check)(void *ctx, const char *name,
		      enum dibs_selftest_result result, const char *msg);
	void *ctx;
};

/**
 * dibs_selftest_run() - run the self-check on a device
 * @dev: the device; the caller holds a reference
 * @report: receives one call per check
 * @extack: error message if the test cannot run at all
 *
 * Registers a private client "selftest" for the duration of the run; runs
 * are serialised.  Touches no DMB but its own.
 *
 * Context: process context, may sleep.
 * Return: 0 if the checks ran (their outcomes went to @report), -EINTR if
 * interrupted while waiting for another run, -ENOSPC if no client slot is
 * free, -ENODEV if @dev went away, -ENOMEM.
 */
int dibs_selftest_run(struct dibs_dev *dev,
		      const struct dibs_selftest_report *report,
		      struct netlink_ext_ack *extack);

#endif /* _DIBS_SELFTEST_H */
