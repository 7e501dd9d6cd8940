// SPDX-License-Identifier: GPL-2.0
/*
 * dibsctl - show and control dibs devices
 *
 * A client of the generic netlink family "dibs" (dibs_core.ko), described
 * by Documentation/netlink/specs/dibs.yaml.  Follows the conventions of
 * iproute2's devlink and rdma:
 *
 *	dibsctl [OPTIONS] OBJECT [COMMAND [ARGS]]
 *
 * One table (DIBSCTL_OBJECTS below, each object's commands in its own
 * file) drives parsing, help, the man page's synopsis (checked by
 * selftests/dibsctl/host/dibsctl_host.sh) and the bash completion (which
 * reads it from the hidden option --commands).
 * Objects and commands may be abbreviated; the first command of an object
 * is its default.  Every argument after the command is taken literally.
 * Exit status: 0 success, 1 failure, 2 usage error (found before any
 * netlink).
 *
 * This file: the options, the table, help, main().  See dibsctl.h for
 * the others.
 */

#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "dibsctl.h"

#ifndef DIBSCTL_VERSION
#define DIBSCTL_VERSION "unknown"
#endif

const char *prog = "dibsctl";

bool opt_json;
bool opt_pretty;
bool opt_stats;
bool opt_details;
bool opt_timestamp;

/*
 * The command table: the objects, in the order in which they are matched
 * by prefix ("d" is dev) and listed (help, --commands, the man page).  An
 * object OBJ is the file OBJ.c defining OBJ_obj; its commands are matched
 * by prefix in its table's order, and the first is its default (only when
 * nothing follows the object).  One line here per object.
 */
#define DIBSCTL_OBJECTS(X)	\
	X(dev)			\
	X(dmb)			\
	X(gid)			\
	X(client)		\
	X(selftest)		\
	X(monitor)		\
	X(smc)

#define DECLARE_OBJ(o)	extern const struct dibsctl_obj o##_obj;
#define LIST_OBJ(o)	&o##_obj,
DIBSCTL_OBJECTS(DECLARE_OBJ)
static const struct dibsctl_obj *const objects[] = {
	DIBSCTL_OBJECTS(LIST_OBJ)
};

#define for_each_cmd(o, c) for ((c) = (o)->cmds; (c)->fn; (c)++)

/*
 * Errors and usage
 */

void error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void oom(void)
{
	error("out of memory");
	exit(EXIT_FAILURE);
}

/* True if @arg is a non-empty prefix of @word (iproute2's matches()). */
bool matches(const char *arg, const char *word)
{
	size_t len = strlen(arg);

	return len && len <= strlen(word) && !strncmp(arg, word, len);
}

bool name_ok(const char *what, const char *name)
{
	if (strlen(name) >= DIBS_NAME_LEN) {
		error("%s: '%s' is longer than %d characters", what, name,
		      DIBS_NAME_LEN - 1);
		return false;
	}
	return true;
}

/*
 * The arguments of "OBJ CMD [NAME]" (@name_arg) or of "OBJ CMD": false,
 * with the usage error reported, if there are more or NAME is too long.
 */
bool args_ok(int argc, char **argv, const char *obj, const char *what,
	     bool name_arg)
{
	int max = name_arg ? 1 : 0;

	if (argc > max) {
		error("%s: unexpected argument '%s'", what, argv[max]);
		usage_obj(stderr, obj);
		return false;
	}
	return !argc || name_ok(what, argv[0]);
}

/*
 * Append a zeroed element of @size to the array at *@array (a pointer to
 * the array's pointer) of *@n elements; exits when out of memory.
 */
void *array_add(void *array, int *n, size_t size)
{
	void **a = array;
	char *p = realloc(*a, (*n + 1) * size);

	if (!p)
		oom();
	*a = p;
	p += (*n)++ * size;
	memset(p, 0, size);
	return p;
}

static void print_synopsis(FILE *f, const struct dibsctl_obj *o,
			   const struct dibsctl_cmd *c, bool opts)
{
	fprintf(f, "dibsctl%s%s %s", opts && c->opts[0] ? " " : "",
		opts ? c->opts : "", o->name);
	if (c->cmd)
		fprintf(f, " %s", c->cmd);
	if (c->args[0])
		fprintf(f, " %s", c->args);
}

static void usage_main(FILE *f)
{
	const struct dibsctl_cmd *c;
	unsigned int i;
	int n;

	fprintf(f,
		"Usage: dibsctl [OPTIONS] OBJECT [COMMAND [ARGS]]\n"
		"       dibsctl [OPTIONS] help [OBJECT]\n"
		"where  OBJECT := {");
	for (i = 0; i < ARRAY_SIZE(objects); i++)
		fprintf(f, "%s %s", i ? " |" : "", objects[i]->name);
	fprintf(f,
		" }\n"
		"       OPTIONS := { -j[son] | -p[retty] | -s[tatistics] | -d[etails] |\n"
		"                    -t[imestamp] | -V[ersion] | -h[elp] }\n"
		"\n");
	for (i = 0; i < ARRAY_SIZE(objects); i++) {
		for_each_cmd(objects[i], c) {
			fputs("  ", f);
			n = fprintf(f, "%s%s%s%s%s", objects[i]->name,
				    c->cmd ? " " : "", c->cmd ? c->cmd : "",
				    c->args[0] ? " " : "", c->args);
			fprintf(f, "%*s%s\n", n < 30 ? 30 - n : 1, "",
				c->desc);
		}
	}
	fprintf(f,
		"\n"
		"Objects and commands may be abbreviated; the first command of\n"
		"an object is its default.  Arguments after the command are\n"
		"taken literally (a device may be called \"show\" or \"help\").\n"
		"dibsctl help OBJECT shows the object's syntax.\n");
}

/* The object @arg abbreviates, or NULL */
static const struct dibsctl_obj *find_object(const char *arg)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(objects); i++)
		if (matches(arg, objects[i]->name))
			return objects[i];
	return NULL;
}

static void usage_object(FILE *f, const struct dibsctl_obj *o)
{
	const char *lead = "Usage:";
	const struct dibsctl_cmd *c;

	for_each_cmd(o, c) {
		fprintf(f, "%-6s ", lead);
		print_synopsis(f, o, c, true);
		fputc('\n', f);
		lead = "";
	}
	fprintf(f, "%-6s dibsctl %s help\n", lead, o->name);
}

/* The usage of the object @obj (its full name), for the commands' errors */
void usage_obj(FILE *f, const char *obj)
{
	usage_object(f, find_object(obj));
}

/* --commands (for the completion and the tests): OBJECT COMMAND ARGS */
static void print_commands(void)
{
	const struct dibsctl_cmd *c;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(objects); i++) {
		for_each_cmd(objects[i], c) {
			print_synopsis(stdout, objects[i], c, false);
			putchar('\n');
		}
	}
}

/*
 * Main
 */

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "statistics", no_argument, NULL, 's' },
		{ "details", no_argument, NULL, 'd' },
		{ "timestamp", no_argument, NULL, 't' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		/* not for users: the command table, for completion and tests */
		{ "commands", no_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	const struct dibsctl_cmd *c = NULL, *it;
	const struct dibsctl_obj *obj;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "+jpsdtVh", long_opts,
				  NULL)) != -1) {
		switch (opt) {
		case 'j':
			opt_json = true;
			break;
		case 'p':
			opt_pretty = true;
			break;
		case 's':
			opt_stats = true;
			break;
		case 'd':
			opt_details = true;
			break;
		case 't':
			opt_timestamp = true;
			break;
		case 'V':
			printf("dibsctl %s\n", DIBSCTL_VERSION);
			return EXIT_SUCCESS;
		case 'h':
			usage_main(stdout);
			return EXIT_SUCCESS;
		case 'C':
			print_commands();
			return EXIT_SUCCESS;
		default:
			usage_main(stderr);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	/* -p without -j changes nothing, as in iproute2 */

	if (!argc) {
		usage_main(stderr);
		return EXIT_USAGE;
	}
	obj = find_object(argv[0]);
	if (!obj && matches(argv[0], "help")) {
		if (argc == 1) {
			usage_main(stdout);
			return EXIT_SUCCESS;
		}
		obj = find_object(argv[1]);
		if (argc > 2 || !obj) {
			error("help: unknown object '%s'", argv[argc > 2 ? 2 : 1]);
			usage_main(stderr);
			return EXIT_USAGE;
		}
		usage_object(stdout, obj);
		return EXIT_SUCCESS;
	}
	if (!obj) {
		error("unknown object '%s'", argv[0]);
		usage_main(stderr);
		return EXIT_USAGE;
	}
	argc--;
	argv++;
	/* the COMMAND position: a command of the object, or help */
	for_each_cmd(obj, it) {
		if (!it->cmd || !argc) {
			c = it;
			break;
		}
		if (matches(argv[0], it->cmd)) {
			c = it;
			argc--;
			argv++;
			break;
		}
	}
	if (argc && (!c || !c->cmd) && matches(argv[0], "help")) {
		usage_object(stdout, obj);
		return EXIT_SUCCESS;
	}
	if (!c) {
		error("%s: unknown command '%s'", obj->name, argv[0]);
		usage_object(stderr, obj);
		return EXIT_USAGE;
	}
	/* usage errors are found before the first netlink request */
	rc = c->fn(argc, argv);
	fflush(stdout);
	if (sk)
		nl_socket_free(sk);
	return rc;
}
