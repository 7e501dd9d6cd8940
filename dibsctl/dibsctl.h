/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of dibsctl share
 *
 *	dibsctl.c	options, the command table, help, main()
 *	nl.c		the netlink transport and attribute helpers
 *	print.c		the output layer: text and JSON from the same calls
 *	dev.c ...	one file per object (dev, dmb, gid, client, selftest,
 *			monitor, smc), each defining a struct dibsctl_obj
 *	smc_*.c		the parts of smc, one per SMC object (smc.h, smc.c)
 *
 * Adding an object OBJ: write OBJ.c with the commands and
 *	const struct dibsctl_obj OBJ_obj = { "OBJ", OBJ_cmds };
 * and add X(OBJ) to DIBSCTL_OBJECTS in dibsctl.c.  The Makefile builds
 * every *.c here but dibs-*.c (the preload library of dibs-smcrun); help,
 * --commands (bash completion) and the parser follow the table; the man page's SYNOPSIS must list the new lines (checked by
 * selftests/dibsctl/host/dibsctl_host.sh).
 */
#ifndef DIBSCTL_H
#define DIBSCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <netlink/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/genl/genl.h>

#include <linux/dibs_netlink.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define EXIT_USAGE 2

/*
 * The command table
 */

/*
 * One command of an object.  @cmd NULL: the object has no commands
 * (monitor).  In @args, upper case words are values, lower case words
 * keywords, [ ] optional parts.  @fn gets the words after the command;
 * it finds usage errors (EXIT_USAGE) before its first netlink request.
 */
struct dibsctl_cmd {
	const char *cmd;
	const char *args;
	const char *opts;	/* the options that apply */
	const char *desc;
	int (*fn)(int argc, char **argv);
};

/* An object: its name and its commands, ended by an entry without @fn */
struct dibsctl_obj {
	const char *name;
	const struct dibsctl_cmd *cmds;
};

/* Options */
extern bool opt_json;
extern bool opt_pretty;
extern bool opt_stats;
extern bool opt_details;
extern bool opt_timestamp;

extern const char *prog;

void error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void usage_obj(FILE *f, const char *obj);
bool matches(const char *arg, const char *word);
bool name_ok(const char *what, const char *name);
bool args_ok(int argc, char **argv, const char *obj, const char *what,
	     bool name_arg);
void *array_add(void *array, int *n, size_t size);
__attribute__((noreturn)) void oom(void);

/*
 * Netlink (nl.c)
 */

extern struct nl_sock *sk;
extern int family_id;

struct request {
	int (*parse)(struct nl_msg *msg, void *arg);
	void *arg;
	int err;		/* negative errno from the kernel, or 0 */
	int nlerr;		/* libnl's error (NLE_*) if libnl failed */
	char extack[512];	/* the kernel's message, if any */
	bool done;
	bool intr;		/* a dump saw its list change (NLM_F_DUMP_INTR) */
};

void genl_sock_open(void);
void nl_open(void);
struct nl_msg *msg_new(uint8_t cmd, int flags);
int request(struct nl_msg *msg, int (*parse)(struct nl_msg *, void *),
	    void *arg, struct request *r);
void report_err(const struct request *r, const char *what);

void attr_str(const struct nlattr *a, char *buf, size_t size);
uint16_t attr_u16(const struct nlattr *a);
uint32_t attr_u32(const struct nlattr *a);
uint64_t attr_u64(const struct nlattr *a);
bool attr_gid(const struct nlattr *a, char *buf);

#define for_each_genl_attr(a, msg, rem)					\
	nla_for_each_attr(a, genlmsg_attrdata(nlmsg_data(nlmsg_hdr(msg)), 0), \
			  genlmsg_attrlen(nlmsg_data(nlmsg_hdr(msg)), 0), rem)

/*
 * Output (print.c), after iproute2's json_print: each call draws a value
 * as text (with @fmt, a printf format for @value; NULL: no text) and as
 * JSON (under @key; NULL inside an array), as @type asks.  With -j only
 * the JSON is drawn, without -j only the text.
 */
enum output_type {
	PRINT_FP = 1,		/* text only */
	PRINT_JSON = 2,		/* JSON only */
	PRINT_ANY = PRINT_FP | PRINT_JSON,
};

void print_string(enum output_type t, const char *key, const char *fmt,
		  const char *value);
void print_uint(enum output_type t, const char *key, const char *fmt,
		uint64_t value);
/* JSON: a string "0x..." as Python's hex() prints it (ynl: display-hint hex) */
void print_hex(enum output_type t, const char *key, const char *fmt,
	       uint64_t value);
/* JSON: true or false; text: @fmt with the string "yes" or "no" */
void print_bool(enum output_type t, const char *key, const char *fmt,
		bool value);
/* text only: a newline; a formatted string */
void print_nl(void);
void print_fp(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* JSON only; the outermost one closing ends the line */
void open_json_object(const char *key);
void close_json_object(void);
void open_json_array(const char *key);
void close_json_array(void);

/*
 * Devices (dev.c), which gid, selftest and monitor read too
 */

#define MAX_CLIENTS 16		/* more than the kernel's MAX_DIBS_CLIENTS */

enum { ST_MOVE, ST_BYTES, ST_SIGNALS, ST_REG, ST_UNREG, ST_ERRORS, ST_N };

struct dev_info {
	char name[DIBS_NAME_LEN];
	char kind[DIBS_NAME_LEN];
	char gid[40];
	char parent[64];
	bool has_fabric, has_max, has_in_use, has_stats, removing, has_peers;
	uint16_t fabric;
	uint32_t max_dmbs, in_use, peers;
	int nclients;
	struct {
		char name[DIBS_NAME_LEN];
		uint32_t id;
	} clients[MAX_CLIENTS];
	uint64_t stats[ST_N];
};

struct dev_list {
	struct dev_info *devs;
	int n;
};

void parse_dev_attrs(struct nlattr *head, int len, struct dev_info *d);
void get_devs(const char *name, struct dev_list *l, const char *what);
void get_devs_tries(const char *name, struct dev_list *l, const char *what,
		    int tries);
/* the text columns of the device table that are as wide as their cells */
struct dev_widths {
	int name, kind, clients;
};

void dev_print(const struct dev_info *d, const char *key, bool full,
	       const struct dev_widths *w);

#endif
