// SPDX-License-Identifier: GPL-2.0
/*
 * smcd_tcp - a plain TCP program, for dibs-smcrun's test (smcd_run.sh): it
 * knows nothing of SMC, uses socket(AF_INET, SOCK_STREAM, 0) and is linked
 * dynamically, as the programs dibs-smcrun is for.
 *
 *   smcd_tcp server ADDR PORT COUNT [READYFILE]
 *   smcd_tcp client ADDR PORT SIZE [HOLDFILE]
 *
 * The client sends SIZE (a header of 8 digits) and SIZE bytes of a
 * pattern; the server checks every byte, answers "ok" and SIZE bytes of a
 * second pattern, which the client checks.  With HOLDFILE the client then creates
 * it and keeps the connection open until the file is removed (at most 60
 * s), so that its socket can be looked at; the server closes once the
 * client has.  The server serves COUNT connections, one after the other,
 * and creates READYFILE once it listens.
 * Exit status 0: every byte as expected; 1: an error; 2: usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHUNK 65536

static unsigned char pattern(unsigned long i, int seed)
{
	return (unsigned char)((i * 7 + seed + (i >> 13)) & 0xff);
}

static int send_pattern(int fd, unsigned long size, int seed)
{
	static unsigned char buf[CHUNK];
	unsigned long off = 0, i;
	ssize_t n;
	size_t len;

	while (off < size) {
		len = size - off < CHUNK ? size - off : CHUNK;
		for (i = 0; i < len; i++)
			buf[i] = pattern(off + i, seed);
		n = write(fd, buf, len);
		if (n <= 0) {
			perror("smcd_tcp: write");
			return -1;
		}
		off += n;
	}
	return 0;
}

static int recv_pattern(int fd, unsigned long size, int seed)
{
	static unsigned char buf[CHUNK];
	unsigned long off = 0;
	ssize_t n, i;

	while (off < size) {
		n = read(fd, buf, size - off < CHUNK ? size - off : CHUNK);
		if (n <= 0) {
			fprintf(stderr, "smcd_tcp: %s after %lu of %lu bytes\n",
				n ? strerror(errno) : "end of data", off, size);
			return -1;
		}
		for (i = 0; i < n; i++) {
			if (buf[i] != pattern(off + i, seed)) {
				fprintf(stderr, "smcd_tcp: byte %lu is wrong\n", off + i);
				return -1;
			}
		}
		off += n;
	}
	return 0;
}

static int addr(const char *ip, const char *port, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons(atoi(port));
	return inet_pton(AF_INET, ip, &sa->sin_addr) == 1 ? 0 : -1;
}

static int read_full(int fd, char *buf, size_t len)
{
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		n = read(fd, buf + off, len - off);
		if (n <= 0)
			return -1;
		off += n;
	}
	return 0;
}

/* the size comes first, as 8 decimal digits and a newline */
static int serve(int c)
{
	char hdr[10], rest;
	unsigned long size;

	if (read_full(c, hdr, sizeof(hdr) - 1))
		return -1;
	hdr[9] = '\0';
	size = strtoul(hdr, NULL, 10);
	if (recv_pattern(c, size, 1)) {
		fprintf(stderr, "smcd_tcp: server: the data is wrong\n");
		return -1;
	}
	if (write(c, "ok\n", 3) != 3 || send_pattern(c, size, 2))
		return -1;
	/* until the client closes */
	while (read(c, &rest, 1) > 0)
		;
	return 0;
}

static int server(char **argv, int argc)
{
	int count = atoi(argv[3]), one = 1, fd, c, rc = 0;
	struct sockaddr_in sa;

	if (addr(argv[1], argv[2], &sa))
		return 2;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 16)) {
		perror("smcd_tcp: server");
		return 1;
	}
	if (argc > 4)
		close(open(argv[4], O_WRONLY | O_CREAT, 0644));
	while (count-- > 0) {
		c = accept(fd, NULL, NULL);
		if (c < 0) {
			perror("smcd_tcp: accept");
			return 1;
		}
		if (serve(c))
			rc = 1;
		close(c);
	}
	close(fd);
	return rc;
}

static int client(char **argv, int argc)
{
	unsigned long size = strtoul(argv[3], NULL, 10);
	struct sockaddr_in sa;
	char hdr[10], ok[3];
	int fd, i;

	if (addr(argv[1], argv[2], &sa) || size > 99999999)
		return 2;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("smcd_tcp: client");
		return 1;
	}
	snprintf(hdr, sizeof(hdr), "%08lu\n", size);
	if (write(fd, hdr, 9) != 9 || send_pattern(fd, size, 1))
		return 1;
	if (read_full(fd, ok, 3) || memcmp(ok, "ok\n", 3) ||
	    recv_pattern(fd, size, 2)) {
		fprintf(stderr, "smcd_tcp: client: the answer is wrong\n");
		return 1;
	}
	printf("smcd_tcp: %lu bytes each way, checked\n", size);
	fflush(stdout);
	if (argc > 4) {
		close(open(argv[4], O_WRONLY | O_CREAT, 0644));
		for (i = 0; i < 600 && !access(argv[4], F_OK); i++)
			usleep(100000);
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 5 && argc <= 6 && !strcmp(argv[1], "server"))
		return server(argv + 1, argc - 1);
	if (argc >= 5 && argc <= 6 && !strcmp(argv[1], "client"))
		return client(argv + 1, argc - 1);
	fprintf(stderr, "usage: smcd_tcp server ADDR PORT COUNT [READYFILE]\n"
		"       smcd_tcp client ADDR PORT SIZE [HOLDFILE]\n");
	return 2;
}
