// SPDX-License-Identifier: GPL-2.0
/*
 * nl_ynl - dump the dibs family with mainline's YNL C library and the code
 * ynl-gen-c.py generates from our spec (built by ynl_prepare.sh), and print
 * what it decoded as JSON in dibsctl's format:
 *
 *	nl_ynl dev	dev-get dump, as `dibsctl -j dev show`
 *	nl_ynl client	client-get dump, as `dibsctl -j client`
 *
 * nl_ynl.sh compares the two.  Without the YNL code (no linux-source-6.12
 * on the build host) it prints "unavailable: REASON" and exits 4.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifdef HAVE_YNL
#include "ynl.h"
#include "dibs-user.h"

static void str(const char *key, const char *val, int *first)
{
	const char *p;

	printf("%s\"%s\":\"", *first ? "" : ",", key);
	for (p = val ? val : ""; *p; p++) {
		if (*p == '"' || *p == '\\')
			putchar('\\');
		putchar(*p);
	}
	putchar('"');
	*first = 0;
}

static void num(const char *key, unsigned long long val, int *first)
{
	printf("%s\"%s\":%llu", *first ? "" : ",", key, val);
	*first = 0;
}

static void gid(const char *key, const unsigned char *g, unsigned int len,
		int *first)
{
	char buf[40] = "?";

	if (len == 16)
		snprintf(buf, sizeof(buf),
			 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
			 g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8],
			 g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
	str(key, buf, first);
}

static int dump_devs(struct ynl_sock *ys)
{
	struct dibs_dev_get_list *devs = dibs_dev_get_dump(ys);
	int firstdev = 1;

	if (!devs) {
		fprintf(stderr, "nl_ynl: dev-get dump: %s\n", ys->err.msg);
		return 1;
	}
	putchar('[');
	ynl_dump_foreach(devs, d) {
		char hex[16];
		int first = 1;
		unsigned int i;

		printf("%s{", firstdev ? "" : ",");
		firstdev = 0;
		str("name", d->name, &first);
		str("kind", d->kind, &first);
		gid("gid", d->gid, d->_present.gid_len, &first);
		snprintf(hex, sizeof(hex), "0x%x", d->fabric_id);
		str("fabric-id", hex, &first);
		num("max-dmbs", d->max_dmbs, &first);
		num("dmbs-in-use", d->dmbs_in_use, &first);
		if (d->_present.parent_len)
			str("parent", d->parent, &first);
		/* dibsctl's "state": the flag "removing", or live */
		str("state", d->_present.removing ? "removing" : "live", &first);
		printf(",\"client\":[");
		for (i = 0; i < d->n_client; i++) {
			int cf = 1;

			printf("%s{", i ? "," : "");
			str("name", d->client[i].name, &cf);
			num("id", d->client[i].id, &cf);
			putchar('}');
		}
		printf("]}");
	}
	printf("]\n");
	dibs_dev_get_list_free(devs);
	return 0;
}

static int dump_clients(struct ynl_sock *ys)
{
	struct dibs_client_get_rsp_list *cl = dibs_client_get_dump(ys);
	int firstc = 1;

	if (!cl) {
		fprintf(stderr, "nl_ynl: client-get dump: %s\n", ys->err.msg);
		return 1;
	}
	putchar('[');
	ynl_dump_foreach(cl, c) {
		int first = 1;

		printf("%s{", firstc ? "" : ",");
		firstc = 0;
		str("name", c->name, &first);
		num("id", c->id, &first);
		putchar('}');
	}
	printf("]\n");
	dibs_client_get_rsp_list_free(cl);
	return 0;
}

int main(int argc, char **argv)
{
	struct ynl_error yerr;
	struct ynl_sock *ys;
	int rc;

	ys = ynl_sock_create(&ynl_dibs_family, &yerr);
	if (!ys) {
		fprintf(stderr, "nl_ynl: %s\n", yerr.msg);
		return 1;
	}
	if (argc > 1 && !strcmp(argv[1], "client"))
		rc = dump_clients(ys);
	else
		rc = dump_devs(ys);
	ynl_sock_destroy(ys);
	return rc;
}
#else
int main(void)
{
	printf("unavailable: %s\n", YNL_UNAVAILABLE);
	return 4;
}
#endif
