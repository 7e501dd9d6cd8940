// SPDX-License-Identifier: GPL-2.0
/*
 * ivshmem_server_test - host test of dibs-ivshmem-server: plays the QEMU
 * side of QEMU's ivshmem client-server protocol (docs/specs/ivshmem-spec.rst)
 * and checks what the server sends; then one real QEMU (ivshmem-doorbell
 * on a q35 machine that never runs, -S) against the server.  KTAP.
 *
 *   ivshmem_server_test SERVER [QEMU]
 *
 * Run by selftests/ivshmem_server/host/ivshmem_server_host.sh.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <endian.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#define MAXQ 8192

struct m {
	int64_t val;
	int fd;
};

struct cl {
	int sock;
	struct m q[MAXQ];
	int head, n;
	bool eof;
};

static const char *server_bin, *qemu_bin;
static char dir[] = "/tmp/ivshmem-server-test.XXXXXX";
static char sock_path[128], shm_path[128], log_path[128];
static pid_t server_pid;
static const char *server_prefix = "";
static int ktap_n, ktap_fail;

static void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("# ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
}

static void result(bool ok, const char *name)
{
	ktap_n++;
	if (!ok)
		ktap_fail++;
	printf("%sok %d %s\n", ok ? "" : "not ", ktap_n, name);
	fflush(stdout);
}

static void skip(const char *name, const char *why)
{
	ktap_n++;
	printf("ok %d %s # SKIP %s\n", ktap_n, name, why);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Start the server; wait until its socket accepts. */
static pid_t start_server(const char *args)
{
	char cmd[1024];
	pid_t pid;

	unlink(sock_path);
	pid = fork();
	if (pid == 0) {
		int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);

		dup2(fd, 2);
		dup2(fd, 1);
		snprintf(cmd, sizeof(cmd), "%sexec '%s' -F -S '%s' -f '%s' %s",
			 server_prefix, server_bin, sock_path, shm_path, args);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 500; i++) {
		struct stat st;

		if (stat(sock_path, &st) == 0)
			return pid;
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return -1;
		usleep(10000);
	}
	return -1;
}

static void stop_server(void)
{
	if (server_pid > 0) {
		kill(server_pid, SIGTERM);
		waitpid(server_pid, NULL, 0);
		server_pid = 0;
	}
}

static struct cl *conn(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct cl *c = calloc(1, sizeof(*c));

	strcpy(sa.sun_path, sock_path);
	c->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (connect(c->sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		diag("connect: %s", strerror(errno));
		close(c->sock);
		free(c);
		return NULL;
	}
	return c;
}

static void cl_close(struct cl *c)
{
	if (!c)
		return;
	while (c->n) {
		if (c->q[c->head].fd >= 0)
			close(c->q[c->head].fd);
		c->head = (c->head + 1) % MAXQ;
		c->n--;
	}
	close(c->sock);
	free(c);
}

/* Read every message that is there now (or wait up to @ms for one). */
static void pump(struct cl *c, int ms)
{
	while (!c->eof && c->n < MAXQ) {
		struct pollfd p = { .fd = c->sock, .events = POLLIN };
		union {
			char buf[CMSG_SPACE(4 * sizeof(int))];
			struct cmsghdr a;
		} u;
		int64_t v;
		struct iovec iov = { .iov_base = &v, .iov_len = sizeof(v) };
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
		};
		struct cmsghdr *cm;
		ssize_t n;
		int fd = -1;

		if (poll(&p, 1, ms) <= 0)
			return;
		ms = 0;
		n = recvmsg(c->sock, &mh, MSG_CMSG_CLOEXEC | MSG_WAITALL);
		if (n <= 0) {
			c->eof = true;
			return;
		}
		if (n != sizeof(v)) {
			diag("short message: %zd bytes", n);
			c->eof = true;
			return;
		}
		for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
			int k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
				continue;
			for (int i = 0; i < k; i++) {
				int f;

				memcpy(&f, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
				if (fd < 0) {
					fd = f;
				} else {
					diag("more than one fd with one message");
					close(f);
					v = INT64_MIN;
				}
			}
		}
		c->q[(c->head + c->n) % MAXQ] = (struct m){ (int64_t)le64toh((uint64_t)v), fd };
		c->n++;
	}
}

/* The next message, waiting up to @ms.  false: none. */
static bool next(struct cl *c, struct m *out, int ms)
{
	double end = now() + ms / 1000.0;

	while (!c->n && !c->eof) {
		int left = (int)((end - now()) * 1000);

		if (left <= 0)
			break;
		pump(c, left);
	}
	if (!c->n)
		return false;
	*out = c->q[c->head];
	c->head = (c->head + 1) % MAXQ;
	c->n--;
	return true;
}

/* Expect @val with (wantfd) or without an fd; *fd gets it (or closed). */
static bool expect(struct cl *c, int64_t val, bool wantfd, int *fd, const char *what)
{
	struct m m;

	if (!next(c, &m, 5000)) {
		diag("%s: no message (wanted %lld%s)", what, (long long)val,
		     wantfd ? " with an fd" : "");
		return false;
	}
	if (m.val != val || (m.fd >= 0) != wantfd) {
		diag("%s: got %lld%s, wanted %lld%s", what, (long long)m.val,
		     m.fd >= 0 ? " with an fd" : "", (long long)val, wantfd ? " with an fd" : "");
		if (m.fd >= 0)
			close(m.fd);
		return false;
	}
	if (fd)
		*fd = m.fd;
	else if (m.fd >= 0)
		close(m.fd);
	return true;
}

/* A complete peer as the server sets it up. */
struct peer {
	struct cl *c;
	int id;
	int shm;
	int own[8];
	int other_id[8];
	int other[8][8];	/* [peer index][vector] */
	int nother;
};

/* Handshake: version, id, shm, @nprev peers' fds, own fds. */
static bool handshake(struct peer *p, int vectors, int nprev, const int *prev_ids, int want_id)
{
	struct m m;
	bool ok = true;

	memset(p, 0, sizeof(*p));
	p->c = conn();
	if (!p->c)
		return false;
	ok &= expect(p->c, 0, false, NULL, "protocol version");
	if (!next(p->c, &m, 5000) || m.fd >= 0 || m.val < 0 || m.val > 65535) {
		diag("peer id: bad or missing");
		return false;
	}
	p->id = (int)m.val;
	if (want_id >= 0 && p->id != want_id) {
		diag("peer id %d, expected %d", p->id, want_id);
		ok = false;
	}
	ok &= expect(p->c, -1, true, &p->shm, "shared memory");
	for (int i = 0; i < nprev; i++) {
		p->other_id[i] = prev_ids[i];
		for (int v = 0; v < vectors; v++)
			ok &= expect(p->c, prev_ids[i], true, &p->other[i][v], "existing peer's eventfd");
	}
	p->nother = nprev;
	for (int v = 0; v < vectors; v++)
		ok &= expect(p->c, p->id, true, &p->own[v], "own eventfd");
	return ok;
}

static bool quiet(struct cl *c, int ms)
{
	struct m m;

	if (next(c, &m, ms)) {
		diag("unexpected message %lld%s", (long long)m.val, m.fd >= 0 ? " with an fd" : "");
		if (m.fd >= 0)
			close(m.fd);
		return false;
	}
	return true;
}

static bool efd_readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

/* Writing @w makes exactly @r readable among @own[0..vectors). */
static bool efd_linked(int w, const int *own, int vectors, int r)
{
	uint64_t one = 1, got;
	bool ok = true;

	if (write(w, &one, 8) != 8)
		return false;
	for (int v = 0; v < vectors; v++) {
		bool rd = efd_readable(own[v], v == r ? 1000 : 0);

		if (rd != (v == r)) {
			diag("vector %d: readable %d, expected %d", v, rd, v == r);
			ok = false;
		}
		if (rd && (read(own[v], &got, 8) != 8 || got != 1))
			ok = false;
	}
	return ok;
}

static int run_capture(const char *cmd, char *out, size_t len)
{
	FILE *f = popen(cmd, "r");
	size_t n;

	if (!f)
		return -1;
	n = fread(out, 1, len - 1, f);
	out[n] = 0;
	return pclose(f);
}

static void test_usage(void)
{
	char cmd[512], out[2048];
	int rc;

	snprintf(cmd, sizeof(cmd), "'%s' -F -S '%s' -f '%s' -l 0 2>&1", server_bin, sock_path, shm_path);
	rc = run_capture(cmd, out, sizeof(out));
	result(WIFEXITED(rc) && WEXITSTATUS(rc) == 2 && strstr(out, "not a size"),
	       "-l 0 is refused: exit 2, 'not a size'");
	snprintf(cmd, sizeof(cmd), "'%s' -F -S '%s' -f '%s' -n 0 2>&1", server_bin, sock_path, shm_path);
	rc = run_capture(cmd, out, sizeof(out));
	result(WIFEXITED(rc) && WEXITSTATUS(rc) == 2 && strstr(out, "vectors"),
	       "-n 0 is refused: exit 2");
	snprintf(cmd, sizeof(cmd), "'%s' -F -S '%s' -f '%s' -m '%s' 2>&1", server_bin, sock_path,
		 shm_path, shm_path);
	rc = run_capture(cmd, out, sizeof(out));
	result(WIFEXITED(rc) && WEXITSTATUS(rc) == 2 && strstr(out, "not a directory"),
	       "-m FILE (the last of -f, -m) is refused: exit 2, 'not a directory'");
}

/* Without -F it detaches; -p writes its pid; SIGTERM removes both files. */
static void test_daemon(void)
{
	char cmd[512], pidfile[160];
	struct stat st;
	FILE *f;
	int pid = 0, rc, i;
	bool ok;

	snprintf(pidfile, sizeof(pidfile), "%s/pid", dir);
	snprintf(cmd, sizeof(cmd), "'%s' -S '%s' -f '%s' -l 4K -p '%s'", server_bin, sock_path,
		 shm_path, pidfile);
	rc = system(cmd);
	f = fopen(pidfile, "r");
	ok = rc == 0 && f && fscanf(f, "%d", &pid) == 1 && pid > 1 && kill(pid, 0) == 0 &&
	     stat(sock_path, &st) == 0;
	if (f)
		fclose(f);
	if (pid > 1)
		kill(pid, SIGTERM);
	for (i = 0; i < 200 && (stat(pidfile, &st) == 0 || stat(sock_path, &st) == 0); i++)
		usleep(10000);
	ok &= stat(pidfile, &st) < 0 && stat(sock_path, &st) < 0;
	result(ok, "without -F it detaches, -p has its pid, SIGTERM removes pid file and socket");
}

#define NV 3

static void test_protocol(void)
{
	struct peer a, b, g;
	struct stat st;
	int prev[2];
	bool ok;
	char *ma, *mb;
	struct cl *n, *x;
	int nid, gid;
	double t0;

	server_pid = start_server("-l 1M -n 3 -t 2");
	result(server_pid > 0, "server starts (-f file, -l 1M, -n 3, -t 2)");
	if (server_pid <= 0)
		return;

	ok = handshake(&a, NV, 0, NULL, 0);
	result(ok, "first client: version 0, id 0, shm fd, its own 3 eventfds in vector order");
	result(quiet(a.c, 200), "first client: nothing more");
	result(fstat(a.shm, &st) == 0 && st.st_size == 1 << 20, "shm fd: 1 MiB");

	prev[0] = a.id;
	ok = handshake(&b, NV, 1, prev, 1);
	result(ok, "second client: id 1, peer 0's 3 eventfds, then its own 3");
	ok = true;
	for (int v = 0; v < NV; v++)
		ok &= expect(a.c, 1, true, &a.other[0][v], "join notification");
	a.other_id[0] = 1;
	a.nother = 1;
	result(ok && quiet(a.c, 100), "first client hears of the second: id 1 with 3 eventfds");

	ma = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, a.shm, 0);
	mb = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, b.shm, 0);
	ok = ma != MAP_FAILED && mb != MAP_FAILED;
	if (ok) {
		for (int i = 0; i < 1 << 20; i += 4096)
			ma[i] = (char)(i >> 12) ^ 0x5a;
		ma[(1 << 20) - 1] = 0x77;
		for (int i = 0; i < 1 << 20; i += 4096)
			ok &= mb[i] == ((char)(i >> 12) ^ 0x5a);
		ok &= mb[(1 << 20) - 1] == 0x77;
	}
	result(ok, "both clients map the same memory (first to last byte)");
	if (ma != MAP_FAILED)
		munmap(ma, 1 << 20);
	if (mb != MAP_FAILED)
		munmap(mb, 1 << 20);

	ok = true;
	for (int v = 0; v < NV; v++) {
		ok &= efd_linked(b.other[0][v], a.own, NV, v);
		ok &= efd_linked(a.other[0][v], b.own, NV, v);
	}
	result(ok, "eventfds: peer's vector v rings exactly the owner's vector v");

	/* A client that sends garbage and leaves before reading. */
	g.c = conn();
	ok = g.c != NULL;
	if (ok) {
		char junk[4096];

		for (size_t i = 0; i < sizeof(junk); i++)
			junk[i] = (char)rand();
		ok = write(g.c->sock, junk, sizeof(junk)) == (ssize_t)sizeof(junk);
		cl_close(g.c);
	}
	gid = 2;
	for (int v = 0; v < NV; v++) {
		ok &= expect(a.c, gid, true, NULL, "garbage client joins (a)");
		ok &= expect(b.c, gid, true, NULL, "garbage client joins (b)");
	}
	ok &= expect(a.c, gid, false, NULL, "garbage client leaves (a)");
	ok &= expect(b.c, gid, false, NULL, "garbage client leaves (b)");
	result(ok, "a client that sends garbage and closes early: others see id 2 join and leave");
	result(efd_linked(b.other[0][1], a.own, NV, 1) && quiet(a.c, 100) && quiet(b.c, 0),
	       "... and the others' connections and eventfds still work");

	/* Ids count up: the next one is 3 although 2 is free again. */
	prev[0] = 0;
	prev[1] = 1;
	{
		struct peer c;

		ok = handshake(&c, NV, 2, prev, 3);
		for (int v = 0; v < NV; v++) {
			ok &= expect(a.c, 3, true, NULL, "join 3 (a)");
			ok &= expect(b.c, 3, true, NULL, "join 3 (b)");
		}
		result(ok, "ids count up: the next client gets 3, not the free 2");
		cl_close(c.c);
		ok = expect(a.c, 3, false, NULL, "leave 3 (a)") & expect(b.c, 3, false, NULL, "leave 3 (b)");
		result(ok, "a client that disconnects: the others get its id without an fd");
	}

	/* A client that never reads: dropped after -t 2 s once its socket is
	 * full, while the others go on.
	 */
	n = conn();
	nid = 4;
	for (int v = 0; v < NV; v++) {
		expect(a.c, nid, true, NULL, "join never-reader (a)");
		expect(b.c, nid, true, NULL, "join never-reader (b)");
	}
	t0 = now();
	ok = true;
	{
		int churn = 0, left_seen = 0;

		while (!left_seen && now() - t0 < 15) {
			struct m m;

			x = conn();
			if (!x) {
				ok = false;
				break;
			}
			cl_close(x);
			churn++;
			pump(a.c, 0);
			pump(b.c, 0);
			while (next(a.c, &m, 0)) {
				if (m.val == nid && m.fd < 0)
					left_seen = 1;
				if (m.fd >= 0)
					close(m.fd);
			}
			while (next(b.c, &m, 0))
				if (m.fd >= 0)
					close(m.fd);
			usleep(1000);
		}
		diag("never-reading client dropped after %.1f s, %d clients came and went meanwhile",
		     now() - t0, churn);
		ok &= left_seen;
	}
	result(ok, "a client that never reads is dropped (timeout), the others hear it leave");
	result(efd_linked(a.other[0][2], b.own, NV, 2), "... and the others still work");
	cl_close(n);

	/* The server must still be alive and accept a client. */
	{
		struct peer d;
		int cnt = 0;
		struct m m;

		pump(a.c, 200);
		while (next(a.c, &m, 0))
			if (m.fd >= 0)
				close(m.fd);
		pump(b.c, 200);
		while (next(b.c, &m, 0))
			if (m.fd >= 0)
				close(m.fd);
		prev[0] = 0;
		prev[1] = 1;
		ok = handshake(&d, NV, 2, prev, -1);
		for (int v = 0; v < NV; v++)
			cnt += expect(a.c, d.id, true, NULL, "join (a)");
		result(ok && cnt == NV && waitpid(server_pid, NULL, WNOHANG) == 0,
		       "server still serves: a new client gets the 2 peers' eventfds");
		cl_close(d.c);
	}

	cl_close(a.c);
	cl_close(b.c);
	stop_server();
}

/* Ids wrap after 65535 and skip ids in use. */
static void test_wrap(void)
{
	struct peer p, h;
	double t0 = now();
	int id = 0, left = -1, prev[1] = { 0 };
	bool ok;

	server_pid = start_server("-l 64K -n 1");
	if (server_pid <= 0) {
		result(false, "ids wrap after 65535 and skip ids in use");
		return;
	}
	ok = handshake(&p, 1, 0, NULL, 0);
	while (ok && id < 65534) {
		struct cl *c = conn();
		struct m m;

		if (!c)
			break;
		expect(c, 0, false, NULL, "version");
		/* 30 s: a loaded 2-core machine can stall the server for seconds */
		if (!next(c, &m, 30000)) {
			diag("no id for the client after id %d", id);
			cl_close(c);
			break;
		}
		id = (int)m.val;
		cl_close(c);
		/* the holder drains join and leave */
		pump(p.c, 0);
		while (next(p.c, &m, 0)) {
			if (m.fd >= 0)
				close(m.fd);
			else
				left = (int)m.val;
		}
	}
	ok &= id == 65534;
	/*
	 * The server may not have seen the last client go yet: wait until the
	 * holder hears it leave (its id without an fd), or the next client
	 * would find it still a peer.
	 */
	if (ok) {
		struct m m;
		bool gone = left == id;

		while (!gone && next(p.c, &m, 30000)) {
			if (m.fd >= 0)
				close(m.fd);
			else if (m.val == id)
				gone = true;
		}
		if (!gone)
			diag("the holder never heard client %d leave", id);
		ok &= gone;
	}
	ok &= handshake(&h, 1, 1, prev, 65535);
	{
		int prev2[2] = { 0, 65535 };
		struct peer w;

		ok &= handshake(&w, 1, 2, prev2, 1);
		cl_close(w.c);
	}
	diag("65536 clients in %.1f s", now() - t0);
	result(ok, "ids wrap after 65535 and skip ids in use (0 held: next is 1)");
	cl_close(h.c);
	cl_close(p.c);
	stop_server();
}

/* Out of file descriptors: a newcomer is refused (closed), the peer that
 * is there goes on and hears nothing of it.  For every fd limit from 24
 * to 63, so that the table runs full at every step of a join.
 */
static void test_fdlimit(void)
{
	int lims = 0, dropped = 0, refused = 0, admitted, lim;
	char pre[64];
	bool ok = true;

	for (lim = 24; lim < 64; lim++) {
		struct cl *flood[12];
		struct peer a = { 0 };
		struct m m;

		snprintf(pre, sizeof(pre), "ulimit -n %d; ", lim);
		server_prefix = pre;
		server_pid = start_server("-l 4K -n 4");
		server_prefix = "";
		if (server_pid <= 0 || !handshake(&a, 4, 0, NULL, 0)) {
			if (a.c)
				cl_close(a.c);
			stop_server();
			continue;
		}
		lims++;
		admitted = 0;
		for (int i = 0; i < 12; i++) {
			flood[i] = conn();
			if (!flood[i])
				continue;
			if (next(flood[i], &m, 2000)) {
				admitted++;
				if (m.fd >= 0)
					close(m.fd);
			} else if (flood[i]->eof) {
				refused++;
			}
		}
		/* a hears joins (and leaves) of the admitted, never EOF */
		pump(a.c, 200);
		while (next(a.c, &m, 0))
			if (m.fd >= 0)
				close(m.fd);
		if (a.c->eof)
			dropped++;
		for (int i = 0; i < 12; i++)
			cl_close(flood[i]);
		/* Room for a second peer: one is served once the others left. */
		if (!a.c->eof && admitted) {
			struct cl *d;
			int fd = -1;

			pump(a.c, 100);
			while (next(a.c, &m, 0))
				if (m.fd >= 0)
					close(m.fd);
			d = conn();
			if (!d || !expect(d, 0, false, NULL, "version") || !next(d, &m, 2000) ||
			    m.fd >= 0 || !expect(d, -1, true, &fd, "shared memory")) {
				diag("fd limit %d: no client served after the others left", lim);
				ok = false;
			}
			if (fd >= 0)
				close(fd);
			cl_close(d);
		}
		cl_close(a.c);
		stop_server();
	}
	diag("fd limits 24..63: %d served a first peer, %d newcomers refused, the first peer dropped %d times",
	     lims, refused, dropped);
	result(ok && lims > 20 && refused > 0 && dropped == 0,
	       "fd table full: newcomers refused, the peer there goes on, a later client is served");
}

static pid_t start_qemu(int vectors, const char *errlog)
{
	char dev[256], chr[256];
	pid_t pid;

	snprintf(chr, sizeof(chr), "socket,path=%s,id=ivs", sock_path);
	snprintf(dev, sizeof(dev), "ivshmem-doorbell,chardev=ivs,vectors=%d", vectors);
	pid = fork();
	if (pid == 0) {
		int fd = open(errlog, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int nul = open("/dev/null", O_RDWR);

		dup2(nul, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		execlp(qemu_bin, qemu_bin, "-M", "q35", "-accel", "tcg", "-m", "64",
		       "-nodefaults", "-display", "none", "-S", "-chardev", chr,
		       "-device", dev, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static bool file_has(const char *path, const char *s)
{
	char buf[8192];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return strstr(buf, s) != NULL;
}

/* The last 30 lines of @path, as diagnostics. */
static void show_file(const char *path)
{
	static char lines[30][256];
	FILE *f = fopen(path, "r");
	int n = 0;

	while (f && fgets(lines[n % 30], sizeof(lines[0]), f))
		n++;
	for (int i = n > 30 ? n - 30 : 0; i < n; i++)
		printf("#   %s", lines[i % 30]);
	if (f)
		fclose(f);
}

static void test_qemu(void)
{
	char qlog[160], qlog2[160];
	struct peer a;
	pid_t q;
	int qfd[2] = { -1, -1 }, st;
	bool ok;
	struct stat sb;

	snprintf(qlog, sizeof(qlog), "%s/qemu.log", dir);
	snprintf(qlog2, sizeof(qlog2), "%s/qemu-mismatch.log", dir);
	server_pid = start_server("-l 1M -n 2");
	if (server_pid <= 0 || !handshake(&a, 2, 0, NULL, 0)) {
		result(false, "QEMU: a client before it");
		stop_server();
		return;
	}
	q = start_qemu(2, qlog);
	ok = true;
	for (int v = 0; v < 2; v++)
		ok &= expect(a.c, 1, true, &qfd[v], "QEMU joins");
	result(ok, "QEMU ivshmem-doorbell,vectors=2 connects: peer 1 with 2 eventfds");
	/* QEMU watches its own eventfds (TCG: no irqfd): what we write
	 * there, it consumes.
	 */
	ok = qfd[0] >= 0 && qfd[1] >= 0;
	for (int v = 0; ok && v < 2; v++) {
		uint64_t one = 1;
		double t0 = now();

		ok = write(qfd[v], &one, 8) == 8;
		while (ok && efd_readable(qfd[v], 0) && now() - t0 < 10)
			usleep(20000);
		ok &= !efd_readable(qfd[v], 0);
	}
	result(ok, "QEMU took its eventfds: it consumes doorbells rung on both vectors");
	result(waitpid(q, &st, WNOHANG) == 0 && !file_has(qlog, "ivshmem") &&
	       !file_has(qlog, "eventfd") && !file_has(qlog, "rror"),
	       "QEMU accepted every message: no error in its log");
	show_file(qlog);
	kill(q, SIGTERM);
	waitpid(q, &st, 0);
	result(expect(a.c, 1, false, NULL, "QEMU leaves"), "QEMU gone: peer 1 leaves");
	for (int v = 0; v < 2; v++)
		if (qfd[v] >= 0)
			close(qfd[v]);

	/* The control: a device with fewer vectors than the server sends
	 * makes QEMU complain, so the check above can fail.
	 */
	q = start_qemu(1, qlog2);
	ok = true;
	for (int v = 0; v < 2; v++)
		ok &= expect(a.c, 2, true, NULL, "QEMU (vectors=1) joins");
	for (int i = 0; i < 100 && !file_has(qlog2, "Too many eventfd"); i++)
		usleep(50000);
	result(ok && file_has(qlog2, "Too many eventfd"),
	       "control: a device with vectors=1 on an -n 2 server logs 'Too many eventfd received'");
	kill(q, SIGTERM);
	waitpid(q, &st, 0);
	expect(a.c, 2, false, NULL, "QEMU leaves");
	cl_close(a.c);
	stop_server();
	result(stat(sock_path, &sb) < 0, "the server removes its socket on SIGTERM");
}

int main(int argc, char **argv)
{
	char cmd[256];

	if (argc < 2) {
		fprintf(stderr, "usage: %s SERVER [QEMU]\n", argv[0]);
		return 2;
	}
	server_bin = argv[1];
	qemu_bin = argc > 2 ? argv[2] : NULL;
	signal(SIGPIPE, SIG_IGN);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(sock_path, sizeof(sock_path), "%s/sock", dir);
	snprintf(shm_path, sizeof(shm_path), "%s/shm", dir);
	snprintf(log_path, sizeof(log_path), "%s/server.log", dir);

	printf("TAP version 13\n1..27\n");
	test_usage();
	test_daemon();
	test_protocol();
	test_wrap();
	test_fdlimit();
	if (qemu_bin && *qemu_bin) {
		test_qemu();
	} else {
		const char *q[] = {
			"QEMU ivshmem-doorbell,vectors=2 connects: peer 1 with 2 eventfds",
			"QEMU took its eventfds: it consumes doorbells rung on both vectors",
			"QEMU accepted every message: no error in its log",
			"QEMU gone: peer 1 leaves",
			"control: a device with vectors=1 on an -n 2 server logs 'Too many eventfd received'",
			"the server removes its socket on SIGTERM",
		};

		for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++)
			skip(q[i], "no qemu-system-x86_64");
	}
	stop_server();
	if (ktap_fail) {
		diag("server log:");
		show_file(log_path);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("cannot remove %s", dir);
	printf("# %d passed, %d failed\n", ktap_n - ktap_fail, ktap_fail);
	return ktap_fail ? 1 : 0;
}
