/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What dibsctl.c offers the files of other objects (smc.c): options, error
 * reporting, JSON output, netlink requests.
 */
#ifndef DIBSCTL_H
#define DIBSCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#define EXIT_USAGE 2

extern bool opt_json;
extern bool opt_pretty;

/* the netlink socket of the run; opened by the object that needs it */
extern struct nl_sock *sk;

void error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void usage_obj(FILE *f, const char *obj);
bool matches(const char *arg, const char *word);

void jkey(const char *key);
void jopen(char c);
void jclose(char c);
void jstr(const char *key, const char *val);
void juint(const char *key, uint64_t val);
void jhex(const char *key, uint64_t val);
void jbool(const char *key, bool val);

struct request {
	int (*parse)(struct nl_msg *msg, void *arg);
	void *arg;
	int err;		/* negative errno from the kernel, or 0 */
	int nlerr;		/* libnl's error (NLE_*) if libnl failed */
	char extack[512];	/* the kernel's message, if any */
	bool done;
	bool intr;		/* a dump saw its list change (NLM_F_DUMP_INTR) */
};

int request(struct nl_msg *msg, int (*parse)(struct nl_msg *, void *),
	    void *arg, struct request *r);
void report_err(const struct request *r, const char *what);
void attr_str(const struct nlattr *a, char *buf, size_t size);

/* smc.c: the smc object (smc's generic netlink families) */
int cmd_smc_info(int argc, char **argv);
int cmd_smc_dev(int argc, char **argv);
int cmd_smc_lgr(int argc, char **argv);
int cmd_smc_stats(int argc, char **argv);
int cmd_smc_sock(int argc, char **argv);
int cmd_smc_pnet(int argc, char **argv);
int cmd_smc_ueid(int argc, char **argv);
int cmd_smc_seid(int argc, char **argv);

#endif
