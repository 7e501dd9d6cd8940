// SPDX-License-Identifier: GPL-2.0
/*
 * dibsctl monitor: the family's device notifications, and
 * nlctrl's news of the family leaving (dibs_core unloaded) and returning
 */

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <netlink/genl/ctrl.h>

#include "dibsctl.h"

static void on_signal(int sig)
{
	(void)sig;
	/* every event is flushed as it is printed */
	_exit(EXIT_SUCCESS);
}

static int monitor_grp = -1;	/* the dibs family's group while joined */

/* -t: when an event was read, in local time to the microsecond */
static void monitor_stamp(char *buf, size_t size)
{
	struct timeval tv;
	struct tm tm;
	size_t n;

	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, size - n, ".%06ld", (long)tv.tv_usec);
}

static void monitor_dev(struct genlmsghdr *gh)
{
	bool added = gh->cmd == DIBS_CMD_DEV_ADD_NTF;
	const char *ev = added ? "new" : "del";
	char stamp[64];
	struct dev_info d;

	parse_dev_attrs(genlmsg_attrdata(gh, 0), genlmsg_attrlen(gh, 0), &d);
	if (opt_timestamp)
		monitor_stamp(stamp, sizeof(stamp));
	open_json_object(NULL);
	if (opt_timestamp)
		print_string(PRINT_ANY, "timestamp", "[%s] ", stamp);
	print_string(PRINT_JSON, "object", NULL, "dev");
	print_string(PRINT_ANY, "event", "[dev,%s] ", ev);
	/* text: the identity only; JSON: everything a new device has */
	dev_print(&d, "dev", added, NULL);
	close_json_object();
	fflush(stdout);
}

/* nlctrl's news about the dibs family: gone, back (with its groups) */
static void monitor_ctrl(struct nl_msg *msg, struct genlmsghdr *gh)
{
	struct nlattr *tb[CTRL_ATTR_MAX + 1];
	struct nlattr *g, *ga;
	int rem, grem, rc;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, CTRL_ATTR_MAX, NULL) < 0 ||
	    !tb[CTRL_ATTR_FAMILY_NAME] ||
	    strcmp(nla_get_string(tb[CTRL_ATTR_FAMILY_NAME]), DIBS_FAMILY_NAME))
		return;
	if (gh->cmd == CTRL_CMD_DELFAMILY) {
		if (family_id >= 0)
			error("monitor: the dibs netlink family went away (dibs_core unloaded); waiting for it to return");
		family_id = -1;
		monitor_grp = -1;
		return;
	}
	if (gh->cmd != CTRL_CMD_NEWFAMILY && gh->cmd != CTRL_CMD_NEWMCAST_GRP)
		return;
	if (tb[CTRL_ATTR_FAMILY_ID])
		family_id = nla_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (monitor_grp >= 0 || !tb[CTRL_ATTR_MCAST_GROUPS])
		return;
	nla_for_each_nested(g, tb[CTRL_ATTR_MCAST_GROUPS], rem) {
		const char *name = NULL;
		int id = -1;

		nla_for_each_nested(ga, g, grem) {
			if (nla_type(ga) == CTRL_ATTR_MCAST_GRP_NAME)
				name = nla_get_string(ga);
			else if (nla_type(ga) == CTRL_ATTR_MCAST_GRP_ID)
				id = nla_get_u32(ga);
		}
		if (!name || id < 0 || strcmp(name, DIBS_MCGRP_MONITOR))
			continue;
		rc = nl_socket_add_membership(sk, id);
		if (rc < 0) {
			error("monitor: cannot join the group again: %s",
			      nl_geterror(rc));
			exit(EXIT_FAILURE);
		}
		monitor_grp = id;
		error("monitor: the dibs netlink family is back; monitoring again");
	}
}

static int monitor_event(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	int type = nlmsg_hdr(msg)->nlmsg_type;

	(void)arg;
	if (type == GENL_ID_CTRL) {
		monitor_ctrl(msg, gh);
		return NL_OK;
	}
	if (family_id < 0 || type != family_id)
		return NL_SKIP;
	if (gh->cmd == DIBS_CMD_DEV_ADD_NTF || gh->cmd == DIBS_CMD_DEV_DEL_NTF)
		monitor_dev(gh);
	return NL_OK;
}

static int monitor_run(int argc, char **argv)
{
	struct sigaction sa;
	int ctrl_grp, rc;

	if (!args_ok(argc, argv, "monitor", "monitor", false))
		return EXIT_USAGE;
	nl_open();
	monitor_grp = genl_ctrl_resolve_grp(sk, DIBS_FAMILY_NAME,
					    DIBS_MCGRP_MONITOR);
	if (monitor_grp < 0) {
		error("monitor: the dibs family has no group '%s': %s",
		      DIBS_MCGRP_MONITOR, nl_geterror(monitor_grp));
		return EXIT_FAILURE;
	}
	/* nlctrl tells when the family goes away and when it returns */
	ctrl_grp = genl_ctrl_resolve_grp(sk, "nlctrl", "notify");
	if (ctrl_grp < 0) {
		error("monitor: cannot find nlctrl's notify group: %s",
		      nl_geterror(ctrl_grp));
		return EXIT_FAILURE;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	nl_socket_disable_seq_check(sk);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, monitor_event, NULL);
	rc = nl_socket_add_memberships(sk, monitor_grp, ctrl_grp, 0);
	if (rc < 0) {
		error("monitor: cannot join the groups: %s", nl_geterror(rc));
		return EXIT_FAILURE;
	}
	for (;;) {
		rc = nl_recvmsgs_default(sk);
		if (rc == -NLE_NOMEM) {
			/* the socket overran (ENOBUFS): say so, go on */
			error("monitor: events were lost (receive buffer overrun)");
			continue;
		}
		if (rc < 0 && rc != -NLE_INTR) {
			error("monitor: %s", nl_geterror(rc));
			return EXIT_FAILURE;
		}
	}
}

const struct dibsctl_obj monitor_obj = {
	"monitor", (const struct dibsctl_cmd[]) {
		{ NULL, "", "[-j [-p]] [-t]",
		  "print device notifications", monitor_run },
		{ 0 }
	}
};
