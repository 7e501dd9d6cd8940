// SPDX-License-Identifier: GPL-2.0
/*
 * dibs_churn - change the dibs device list quickly, for dibsctl_intr.sh
 *
 *	dibs_churn SECONDS VICTIM_PREFIX VICTIMS
 *
 * For SECONDS, adds and deletes a dibs_lo device "ch" at the end of the
 * list as fast as netlink allows, and every 1/VICTIMS of the time deletes
 * the next of VICTIM_PREFIX0 .. VICTIM_PREFIX{VICTIMS-1}, which sit at the
 * front of the list.  Prints the number of changes; exit 1 if a request
 * failed.
 */
#include <time.h>

#include "../netlink/nl_lib.h"

static struct nl nl;

static int dev_req(uint8_t cmd, const char *name)
{
	struct nl_ans ans = { 0 };
	struct nl_req r;
	int rc;

	req_init(&r, nl.family, cmd, 0);
	if (cmd == DIBS_CMD_DEV_NEW)
		req_put_str(&r, DIBS_A_DEV_KIND, "lo");
	req_put_str(&r, DIBS_A_DEV_NAME, name);
	rc = nl_txn(&nl, &r, &ans);
	return rc ? rc : ans.err;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double start, secs, step;
	struct nl_family fam;
	int victims, next = 0, changes = 0, bad = 0;
	char name[32];

	if (argc != 4) {
		fprintf(stderr, "usage: dibs_churn SECONDS PREFIX VICTIMS\n");
		return 2;
	}
	secs = atof(argv[1]);
	victims = atoi(argv[3]);
	if (nl_open(&nl) || nl_resolve(&nl, &fam)) {
		fprintf(stderr, "dibs_churn: no dibs family\n");
		return 1;
	}
	step = victims > 0 ? secs / victims : secs;
	start = now();
	while (now() - start < secs) {
		if (next < victims && now() - start >= next * step) {
			snprintf(name, sizeof(name), "%s%d", argv[2], next++);
			bad += !!dev_req(DIBS_CMD_DEV_DEL, name);
			changes++;
		}
		bad += !!dev_req(DIBS_CMD_DEV_NEW, "ch");
		bad += !!dev_req(DIBS_CMD_DEV_DEL, "ch");
		changes += 2;
	}
	printf("%d changes, %d failed\n", changes, bad);
	return bad ? 1 : 0;
}
