// SPDX-License-Identifier: GPL-2.0
/*
 * dibs_json - parse dibsctl's JSON output and check it, for the busybox
 * guests (no jq, no python).
 *
 *   dibs_json print              reprint stdin as compact JSON (canonical)
 *   dibs_json devs [stats|one]   `dibsctl -j dev show`: every field against
 *                                /sys/class/dibs; "stats": with -s; "one":
 *                                a single device, not the whole list
 *   dibs_json gids               `dibsctl -j gid`
 *   dibs_json clients            `dibsctl -j client`
 *   dibs_json dmbs               `dibsctl -j dmb`: per device as many DMBs
 *                                as sysfs counts, well-formed fields
 *   dibs_json selftest           `dibsctl -j selftest`: well-formed, no
 *                                check failed
 *   dibs_json monitor            `dibsctl -j monitor` output (one object
 *                                per line): prints "OBJECT,EVENT NAME" per
 *                                line
 *
 * Diagnostics go to stdout as "# ..." (KTAP comments); exit 0 if all is
 * well, 1 if not, 2 on bad usage.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
	enum jtype t;
	char *s;		/* J_STR: the string; J_NUM: the literal */
	uint64_t u;		/* J_NUM: value (non-negative integers only) */
	bool is_uint;
	bool b;
	int n;
	struct jv **v;		/* J_ARR, J_OBJ: members */
	char **k;		/* J_OBJ: keys */
};

static const char *in;
static int line = 1;
static int errors;

static void __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	errors++;
}

static void __attribute__((noreturn)) syntax(const char *what)
{
	printf("# JSON syntax error at line %d: %s (near '%.20s')\n", line,
	       what, in);
	exit(1);
}

static void *xalloc(size_t n)
{
	void *p = calloc(1, n);

	if (!p) {
		printf("# out of memory\n");
		exit(1);
	}
	return p;
}

static void ws(void)
{
	while (*in == ' ' || *in == '\t' || *in == '\n' || *in == '\r') {
		if (*in == '\n')
			line++;
		in++;
	}
}

static struct jv *parse_value(void);

static char *parse_string(void)
{
	size_t cap = 16, len = 0;
	char *s = xalloc(cap);

	if (*in != '"')
		syntax("expected a string");
	in++;
	for (;;) {
		char c = *in++;

		if (!c)
			syntax("unterminated string");
		if (c == '"')
			break;
		if ((unsigned char)c < 0x20)
			syntax("control character in a string");
		if (c == '\\') {
			c = *in++;
			switch (c) {
			case '"': case '\\': case '/':
				break;
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case 'r':
				c = '\r';
				break;
			case 'b':
				c = '\b';
				break;
			case 'f':
				c = '\f';
				break;
			case 'u': {
				unsigned int cp;

				if (sscanf(in, "%4x", &cp) != 1 || cp > 0x7f)
					syntax("unsupported \\u escape");
				in += 4;
				c = (char)cp;
				break;
			}
			default:
				syntax("bad escape");
			}
		}
		if (len + 2 > cap) {
			char *t = realloc(s, cap *= 2);

			if (!t)
				syntax("out of memory");
			s = t;
		}
		s[len++] = c;
	}
	s[len] = '\0';
	return s;
}

static void add(struct jv *c, char *key, struct jv *v)
{
	c->v = realloc(c->v, (c->n + 1) * sizeof(*c->v));
	c->k = realloc(c->k, (c->n + 1) * sizeof(*c->k));
	if (!c->v || !c->k)
		syntax("out of memory");
	c->v[c->n] = v;
	c->k[c->n] = key;
	c->n++;
}

static struct jv *parse_value(void)
{
	struct jv *v = xalloc(sizeof(*v));

	ws();
	if (*in == '{') {
		v->t = J_OBJ;
		in++;
		ws();
		if (*in == '}') {
			in++;
			return v;
		}
		for (;;) {
			char *key;
			int i;

			ws();
			key = parse_string();
			for (i = 0; i < v->n; i++)
				if (!strcmp(v->k[i], key))
					syntax("duplicate key");
			ws();
			if (*in++ != ':')
				syntax("expected ':'");
			add(v, key, parse_value());
			ws();
			if (*in == ',') {
				in++;
				continue;
			}
			if (*in++ != '}')
				syntax("expected ',' or '}'");
			return v;
		}
	}
	if (*in == '[') {
		v->t = J_ARR;
		in++;
		ws();
		if (*in == ']') {
			in++;
			return v;
		}
		for (;;) {
			add(v, NULL, parse_value());
			ws();
			if (*in == ',') {
				in++;
				continue;
			}
			if (*in++ != ']')
				syntax("expected ',' or ']'");
			return v;
		}
	}
	if (*in == '"') {
		v->t = J_STR;
		v->s = parse_string();
		return v;
	}
	if (!strncmp(in, "true", 4) || !strncmp(in, "false", 5)) {
		v->t = J_BOOL;
		v->b = *in == 't';
		in += v->b ? 4 : 5;
		return v;
	}
	if (!strncmp(in, "null", 4)) {
		v->t = J_NULL;
		in += 4;
		return v;
	}
	if (*in == '-' || isdigit((unsigned char)*in)) {
		const char *start = in;
		char *end;

		v->t = J_NUM;
		if (*in == '-')
			in++;
		while (isdigit((unsigned char)*in) || *in == '.' ||
		       *in == 'e' || *in == 'E' || *in == '+' || *in == '-')
			in++;
		v->s = strndup(start, in - start);
		if (*start != '-' && strspn(v->s, "0123456789") == strlen(v->s) &&
		    (strlen(v->s) == 1 || v->s[0] != '0')) {
			errno = 0;
			v->u = strtoull(v->s, &end, 10);
			v->is_uint = !errno && !*end;
		}
		return v;
	}
	syntax("unexpected character");
}

static void print_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void print_value(const struct jv *v)
{
	int i;

	switch (v->t) {
	case J_NULL:
		printf("null");
		break;
	case J_BOOL:
		printf(v->b ? "true" : "false");
		break;
	case J_NUM:
		printf("%s", v->s);
		break;
	case J_STR:
		print_str(v->s);
		break;
	case J_ARR:
	case J_OBJ:
		putchar(v->t == J_ARR ? '[' : '{');
		for (i = 0; i < v->n; i++) {
			if (i)
				putchar(',');
			if (v->t == J_OBJ) {
				print_str(v->k[i]);
				putchar(':');
			}
			print_value(v->v[i]);
		}
		putchar(v->t == J_ARR ? ']' : '}');
		break;
	}
}

static struct jv *get(const struct jv *o, const char *key)
{
	int i;

	for (i = 0; o->t == J_OBJ && i < o->n; i++)
		if (!strcmp(o->k[i], key))
			return o->v[i];
	return NULL;
}

/* Only the keys in @allowed (NULL-terminated) may appear. */
static void only_keys(const struct jv *o, const char *what,
		      const char *const *allowed)
{
	int i, j;

	for (i = 0; i < o->n; i++) {
		for (j = 0; allowed[j]; j++)
			if (!strcmp(o->k[i], allowed[j]))
				break;
		if (!allowed[j])
			fail("%s: unexpected key \"%s\"", what, o->k[i]);
	}
}

static const char *need_str(const struct jv *o, const char *what,
			    const char *key)
{
	struct jv *v = get(o, key);

	if (!v || v->t != J_STR) {
		fail("%s: \"%s\" missing or not a string", what, key);
		return NULL;
	}
	return v->s;
}

static bool need_uint(const struct jv *o, const char *what, const char *key,
		      uint64_t *val)
{
	struct jv *v = get(o, key);

	if (!v || v->t != J_NUM || !v->is_uint) {
		fail("%s: \"%s\" missing or not an unsigned integer", what, key);
		return false;
	}
	*val = v->u;
	return true;
}

static bool is_uuid(const char *s)
{
	int i;

	if (strlen(s) != 36)
		return false;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!isxdigit((unsigned char)s[i]) ||
			   isupper((unsigned char)s[i])) {
			return false;
		}
	}
	return true;
}

/* "0x" and lower-case hex digits without leading zeros, as Python's hex() */
static bool parse_hex(const char *s, uint64_t *val)
{
	char *end;

	if (strncmp(s, "0x", 2) || !s[2] || (s[2] == '0' && s[3]) ||
	    strspn(s + 2, "0123456789abcdef") != strlen(s + 2))
		return false;
	errno = 0;
	*val = strtoull(s + 2, &end, 16);
	return !errno && !*end;
}

static bool read_sysfs(const char *dev, const char *attr, char *buf,
		       size_t size)
{
	char path[256];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/sys/class/dibs/%s/%s", dev, attr);
	f = fopen(path, "r");
	if (!f)
		return false;
	n = fread(buf, 1, size - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return true;
}

static uint64_t sysfs_uint(const char *dev, const char *attr, int base)
{
	char buf[64];

	if (!read_sysfs(dev, attr, buf, sizeof(buf))) {
		fail("%s: cannot read sysfs %s", dev, attr);
		return UINT64_MAX;
	}
	return strtoull(buf, NULL, base);
}

/* The device names in sysfs; returns how many, fills @names. */
static int sysfs_devs(char names[][32], int max)
{
	DIR *d = opendir("/sys/class/dibs");
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) && n < max) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(names[n++], 32, "%.31s", e->d_name);
	}
	closedir(d);
	return n;
}

static const struct jv *need_array(const struct jv *root, const char *what)
{
	if (root->t != J_ARR) {
		fail("%s: the output is not a JSON array", what);
		return NULL;
	}
	return root;
}

/* Every listed name is a sysfs device, and (unless @one) every one listed. */
static void same_devs(const struct jv *arr, const char *key, bool one)
{
	char names[256][32];
	int n = sysfs_devs(names, 256), i, j, found;

	for (i = 0; i < n; i++) {
		found = 0;
		for (j = 0; j < arr->n; j++) {
			struct jv *v = get(arr->v[j], key);

			if (v && v->t == J_STR && !strcmp(v->s, names[i]))
				found++;
		}
		if (found > 1)
			fail("device %s listed %d times", names[i], found);
		if (!found && !one)
			fail("device %s of sysfs not listed", names[i]);
	}
	if (one && arr->n != 1)
		fail("%d devices listed, expected one", arr->n);
}

static void check_dev(const struct jv *d, bool stats)
{
	static const char *const keys[] = {
		"name", "kind", "gid", "fabric_id", "max_dmbs", "dmbs_in_use",
		"parent", "state", "client", "stats", NULL,
	};
	static const char *const stat_keys[] = {
		"move_data", "bytes_moved", "signals", "dmb_registered",
		"dmb_unregistered", "errors", NULL,
	};
	const char *name, *gid, *fabric, *state;
	char buf[64], what[64];
	uint64_t u, f;
	struct jv *c, *s;
	int i;

	if (d->t != J_OBJ) {
		fail("a device entry is not an object");
		return;
	}
	name = need_str(d, "device", "name");
	if (!name)
		return;
	snprintf(what, sizeof(what), "device %s", name);
	only_keys(d, what, keys);
	if (!read_sysfs(name, "gid", buf, sizeof(buf))) {
		fail("%s: not in /sys/class/dibs", what);
		return;
	}

	gid = need_str(d, what, "gid");
	if (gid && (!is_uuid(gid) || strcmp(gid, buf)))
		fail("%s: gid %s, sysfs has %s", what, gid, buf);
	need_str(d, what, "kind");

	fabric = need_str(d, what, "fabric_id");
	if (fabric) {
		if (!parse_hex(fabric, &f))
			fail("%s: fabric_id \"%s\" is not hex like 0x1f",
			     what, fabric);
		else if (f != sysfs_uint(name, "fabric_id", 16))
			fail("%s: fabric_id %s, sysfs has 0x%" PRIx64, what,
			     fabric, sysfs_uint(name, "fabric_id", 16));
	}
	if (need_uint(d, what, "max_dmbs", &u) &&
	    u != sysfs_uint(name, "max_dmbs", 10))
		fail("%s: max_dmbs %" PRIu64 ", sysfs has %" PRIu64, what, u,
		     sysfs_uint(name, "max_dmbs", 10));
	if (need_uint(d, what, "dmbs_in_use", &u) &&
	    u != sysfs_uint(name, "dmbs", 10))
		fail("%s: dmbs_in_use %" PRIu64 ", sysfs has %" PRIu64, what,
		     u, sysfs_uint(name, "dmbs", 10));
	if (get(d, "parent"))
		need_str(d, what, "parent");
	state = need_str(d, what, "state");
	if (state && read_sysfs(name, "state", buf, sizeof(buf)) &&
	    strcmp(state, buf))
		fail("%s: state %s, sysfs has %s", what, state, buf);

	c = get(d, "client");
	if (!c || c->t != J_ARR) {
		fail("%s: \"client\" missing or not an array", what);
	} else {
		static const char *const ckeys[] = { "name", "id", NULL };

		for (i = 0; i < c->n; i++) {
			only_keys(c->v[i], what, ckeys);
			need_str(c->v[i], what, "name");
			if (need_uint(c->v[i], what, "id", &u) && u >= 8)
				fail("%s: client id %" PRIu64 " out of range",
				     what, u);
		}
	}

	s = get(d, "stats");
	if (!stats) {
		if (s)
			fail("%s: stats without -s", what);
		return;
	}
	if (!s || s->t != J_OBJ) {
		fail("%s: \"stats\" missing or not an object", what);
		return;
	}
	only_keys(s, what, stat_keys);
	for (i = 0; stat_keys[i]; i++)
		need_uint(s, what, stat_keys[i], &u);
}

static void check_devs(const struct jv *root, bool stats, bool one)
{
	int i;

	if (!need_array(root, "dev show"))
		return;
	for (i = 0; i < root->n; i++)
		check_dev(root->v[i], stats);
	same_devs(root, "name", one);
}

static void check_gids(const struct jv *root)
{
	static const char *const keys[] = { "name", "gid", NULL };
	const char *name, *gid;
	char buf[64];
	int i;

	if (!need_array(root, "gid show"))
		return;
	for (i = 0; i < root->n; i++) {
		only_keys(root->v[i], "gid entry", keys);
		name = need_str(root->v[i], "gid entry", "name");
		gid = need_str(root->v[i], "gid entry", "gid");
		if (!name || !gid)
			continue;
		if (!read_sysfs(name, "gid", buf, sizeof(buf)) ||
		    strcmp(buf, gid))
			fail("gid of %s: %s, sysfs has %s", name, gid, buf);
	}
	same_devs(root, "name", false);
}

static void check_clients(const struct jv *root)
{
	static const char *const keys[] = { "name", "id", NULL };
	uint64_t id, seen = 0;
	int i;

	if (!need_array(root, "client show"))
		return;
	for (i = 0; i < root->n; i++) {
		only_keys(root->v[i], "client", keys);
		need_str(root->v[i], "client", "name");
		if (!need_uint(root->v[i], "client", "id", &id))
			continue;
		if (id >= 8 || (seen & (1ULL << id)))
			fail("client id %" PRIu64 " out of range or repeated",
			     id);
		else
			seen |= 1ULL << id;
	}
}

static void check_dmbs(const struct jv *root)
{
	static const char *const keys[] = {
		"dev_name", "token", "len", "index", "client_id",
		"client_name", "rgid", "attach_count", NULL,
	};
	char names[256][32];
	int n, i, j, count;
	const char *dev, *tok, *rgid;
	uint64_t u, t;

	if (!need_array(root, "dmb show"))
		return;
	for (i = 0; i < root->n; i++) {
		const struct jv *d = root->v[i];

		only_keys(d, "dmb", keys);
		dev = need_str(d, "dmb", "dev_name");
		tok = need_str(d, "dmb", "token");
		if (tok && (!parse_hex(tok, &t) || !t))
			fail("dmb: token \"%s\" not a non-zero hex number", tok);
		if (need_uint(d, "dmb", "len", &u) && !u)
			fail("dmb: zero length");
		if (need_uint(d, "dmb", "index", &u) && dev &&
		    u >= sysfs_uint(dev, "max_dmbs", 10))
			fail("dmb: index %" PRIu64 " beyond max_dmbs of %s", u,
			     dev);
		if (need_uint(d, "dmb", "client_id", &u) && u >= 8)
			fail("dmb: client_id %" PRIu64 " out of range", u);
		need_uint(d, "dmb", "attach_count", &u);
		rgid = need_str(d, "dmb", "rgid");
		if (rgid && !is_uuid(rgid))
			fail("dmb: rgid \"%s\" is not a UUID", rgid);
		if (get(d, "client_name"))
			need_str(d, "dmb", "client_name");
	}
	/* as many DMBs per device as sysfs counts */
	n = sysfs_devs(names, 256);
	for (i = 0; i < n; i++) {
		count = 0;
		for (j = 0; j < root->n; j++) {
			struct jv *v = get(root->v[j], "dev_name");

			if (v && v->t == J_STR && !strcmp(v->s, names[i]))
				count++;
		}
		if ((uint64_t)count != sysfs_uint(names[i], "dmbs", 10))
			fail("%s: %d DMBs listed, sysfs counts %" PRIu64,
			     names[i], count, sysfs_uint(names[i], "dmbs", 10));
	}
}

static void check_selftest(const struct jv *root)
{
	static const char *const keys[] = { "dev_name", "check", NULL };
	static const char *const ckeys[] = { "name", "result", "message", NULL };
	const char *dev, *res, *name;
	int i, j;

	if (!need_array(root, "selftest"))
		return;
	if (!root->n)
		fail("selftest: no device tested");
	for (i = 0; i < root->n; i++) {
		const struct jv *r = root->v[i];
		const struct jv *c;

		only_keys(r, "selftest", keys);
		dev = need_str(r, "selftest", "dev_name");
		c = get(r, "check");
		if (!dev || !c || c->t != J_ARR || !c->n) {
			fail("selftest: no checks for %s", dev ? dev : "?");
			continue;
		}
		for (j = 0; j < c->n; j++) {
			only_keys(c->v[j], "check", ckeys);
			name = need_str(c->v[j], "check", "name");
			need_str(c->v[j], "check", "message");
			res = need_str(c->v[j], "check", "result");
			if (!res || !name)
				continue;
			if (strcmp(res, "pass") && strcmp(res, "skip") &&
			    strcmp(res, "fail"))
				fail("%s %s: result \"%s\"", dev, name, res);
			else if (!strcmp(res, "fail"))
				fail("%s %s: failed: %s", dev, name,
				     get(c->v[j], "message") ?
				     get(c->v[j], "message")->s : "");
		}
	}
}

static char *slurp(FILE *f)
{
	size_t cap = 4096, len = 0, n;
	char *buf = xalloc(cap);

	while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (len + 1 == cap) {
			buf = realloc(buf, cap *= 2);
			if (!buf)
				syntax("out of memory");
		}
	}
	buf[len] = '\0';
	return buf;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	const char *opt = argc > 2 ? argv[2] : "";
	char *text = slurp(stdin);
	struct jv *root;

	in = text;
	if (!strcmp(mode, "monitor")) {
		/* one object per line */
		while (ws(), *in) {
			const char *ev, *name;
			struct jv *m;

			static const char *const keys[] = {
				"timestamp", "object", "event", "dev", NULL,
			};
			const char *obj;

			root = parse_value();
			only_keys(root, "event", keys);
			obj = need_str(root, "event", "object");
			ev = need_str(root, "event", "event");
			m = get(root, "dev");
			name = m ? need_str(m, "event dev", "name") : NULL;
			if (!m)
				fail("event without dev");
			if (obj && ev && name)
				printf("%s,%s %s\n", obj, ev, name);
			if (m && !get(m, "gid"))
				fail("event without gid");
		}
		return errors ? 1 : 0;
	}

	root = parse_value();
	ws();
	if (*in)
		syntax("trailing data after the JSON value");

	if (!strcmp(mode, "print")) {
		print_value(root);
		putchar('\n');
	} else if (!strcmp(mode, "devs")) {
		check_devs(root, !strcmp(opt, "stats"), !strcmp(opt, "one"));
	} else if (!strcmp(mode, "gids")) {
		check_gids(root);
	} else if (!strcmp(mode, "clients")) {
		check_clients(root);
	} else if (!strcmp(mode, "dmbs")) {
		check_dmbs(root);
	} else if (!strcmp(mode, "selftest")) {
		check_selftest(root);
	} else {
		fprintf(stderr, "usage: dibs_json print|devs [stats|one]|gids|clients|dmbs|selftest|monitor < JSON\n");
		return 2;
	}
	return errors ? 1 : 0;
}
