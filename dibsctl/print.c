// SPDX-License-Identifier: GPL-2.0
/*
 * dibsctl's output: every value is drawn by one call, as text
 * (without -j) or as JSON (with -j; RFC 8259, compact or with -p pretty),
 * after iproute2's print_string(PRINT_ANY, "key", "fmt", value).
 *
 * A caller writes one sequence of calls for both forms.  PRINT_FP and
 * PRINT_JSON are for what only one form has: a table's header and a
 * composite cell ("3/255") in text, attributes the table leaves out in
 * JSON.  Objects and arrays exist only in JSON; the outermost one closing
 * ends the line.
 */

#include <inttypes.h>
#include <stdarg.h>

#include "dibsctl.h"

static int jdepth;
static bool jfirst[64];
static bool jkeyed;

static void jindent(void)
{
	int i;

	if (!opt_pretty)
		return;
	putchar('\n');
	for (i = 0; i < jdepth; i++)
		fputs("    ", stdout);
}

static void jprefix(void)
{
	if (jkeyed) {
		jkeyed = false;
		return;
	}
	if (!jdepth)
		return;
	if (!jfirst[jdepth])
		putchar(',');
	jfirst[jdepth] = false;
	jindent();
}

static void jraw_str(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	putchar('"');
	for (; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", stdout);
			break;
		case '\\':
			fputs("\\\\", stdout);
			break;
		case '\n':
			fputs("\\n", stdout);
			break;
		case '\t':
			fputs("\\t", stdout);
			break;
		default:
			if (*p < 0x20)
				printf("\\u%04x", *p);
			else
				putchar(*p);
		}
	}
	putchar('"');
}

/* the key of the next value (none inside an array), and its separator */
static void jkey(const char *key)
{
	if (!key)
		return;
	jprefix();
	jraw_str(key);
	putchar(':');
	if (opt_pretty)
		putchar(' ');
	jkeyed = true;
}

static void jopen(const char *key, char c)
{
	jkey(key);
	jprefix();
	putchar(c);
	jfirst[++jdepth] = true;
}

static void jclose(char c)
{
	bool empty = jfirst[jdepth];

	jdepth--;
	if (!empty)
		jindent();
	putchar(c);
	if (!jdepth)
		putchar('\n');
}

/* Is the @t part of a call drawn in this run's form? */
static bool as_json(enum output_type t)
{
	return opt_json && (t & PRINT_JSON);
}

static bool as_text(enum output_type t, const char *fmt)
{
	return !opt_json && (t & PRINT_FP) && fmt;
}

void print_string(enum output_type t, const char *key, const char *fmt,
		  const char *value)
{
	if (as_json(t)) {
		jkey(key);
		jprefix();
		jraw_str(value);
	} else if (as_text(t, fmt)) {
		printf(fmt, value);
	}
}

void print_uint(enum output_type t, const char *key, const char *fmt,
		uint64_t value)
{
	if (as_json(t)) {
		jkey(key);
		jprefix();
		printf("%" PRIu64, value);
	} else if (as_text(t, fmt)) {
		printf(fmt, value);
	}
}

void print_hex(enum output_type t, const char *key, const char *fmt,
	       uint64_t value)
{
	char buf[24];

	if (as_json(t)) {
		snprintf(buf, sizeof(buf), "0x%" PRIx64, value);
		print_string(PRINT_JSON, key, NULL, buf);
	} else if (as_text(t, fmt)) {
		printf(fmt, value);
	}
}

void print_bool(enum output_type t, const char *key, const char *fmt,
		bool value)
{
	if (as_json(t)) {
		jkey(key);
		jprefix();
		fputs(value ? "true" : "false", stdout);
	} else if (as_text(t, fmt)) {
		printf(fmt, value ? "yes" : "no");
	}
}

void print_nl(void)
{
	if (!opt_json)
		putchar('\n');
}

void print_fp(const char *fmt, ...)
{
	va_list ap;

	if (opt_json)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

void open_json_object(const char *key)
{
	if (opt_json)
		jopen(key, '{');
}

void close_json_object(void)
{
	if (opt_json)
		jclose('}');
}

void open_json_array(const char *key)
{
	if (opt_json)
		jopen(key, '[');
}

void close_json_array(void)
{
	if (opt_json)
		jclose(']');
}
