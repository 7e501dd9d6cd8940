// SPDX-License-Identifier: GPL-2.0
/*
 * smcd_xfer - AF_SMC (or TCP) transfers that prove which transport carried
 * them, and the TCP vs SMC-D benchmark.
 *
 *   smcd_xfer server -p PORT [-a ADDR] [--tcp] [--expect MODE] [--count N]
 *                    [--ready FILE] [--timeout S] [--splice]
 *   smcd_xfer client -a ADDR -p PORT [--tcp] [-n CONNS] [-s SIZE[,SIZE..]]
 *                    [--expect MODE] [--gids MYGID:PEERGID] [--hold]
 *                    [--together] [--fallback-ok REASON,...] [--timeout S]
 *                    [--splice] [--pipe-hold FILE]
 *   smcd_xfer bench  -a ADDR -p PORT [--tcp] -t stream|rr|crr [-D SECONDS]
 *                    [--expect MODE]
 *   smcd_xfer diag   every SMC-D socket of this network namespace, as
 *                    smc_diag reports it: GIDs and DMB tokens
 *
 * MODE is smcd (the socket must be an SMC-D connection: smc_diag over
 * NETLINK_SOCK_DIAG reports SMC_DIAG_MODE_SMCD; a TCP fallback fails),
 * tcp (must be a fallback) or any.  --gids checks the local and peer SMC-D
 * GIDs that smc_diag reports (16 hex digits each); MY:PEER|MY:PEER... allows
 * any of several pairs.  --fallback-ok (with --expect smcd): a TCP fallback
 * with one of these reasons (smc_diag's, hex) is reported and accepted.
 *
 * client: CONNS threads; each opens one connection per SIZE, sends SIZE
 * bytes of a seeded pattern up, the server checks every byte and answers
 * with a verdict, then sends SIZE bytes of another pattern down, which the
 * client checks.  --hold: after a small exchange keep every connection open
 * until the peer or the kernel ends it (for unload tests); an abort is not
 * an error then, wrong data is.  --together: the threads call their first
 * connect() at the same moment (a barrier), as a connection pool that opens
 * all its connections at start does.  --splice (client or server): that
 * side receives with splice() from the socket into a pipe and reads the
 * pipe, instead of read() from the socket: on SMC sockets smc_rx_splice()
 * hands the pipe references to the pages of the receive buffer (for SMC-D
 * the DMB) rather than copies.  --pipe-hold FILE (client, with --hold):
 * instead of just waiting, each connection sends 4096 bytes that the
 * server echoes, splices them into a pipe, closes the socket, says "pipe
 * holding", and reads and checks them (the echo, or zeros: smc clears the
 * buffer of a connection it frees) only once FILE exists: a page of
 * the receive buffer stays in the pipe meanwhile, while the connection is
 * gone (for unload tests: an open socket would keep smc's link group).
 *
 * server: accepts connections (one thread each) until --count connections
 * have finished (default: forever); exits 1 if any of them failed.
 *
 * bench: stream = 64000-byte writes for -D seconds, the server counts what
 * arrived (MB/s); rr = 14-byte ping-pong (round trip in us); crr = connect,
 * 1-byte request/response, close (connections/s).  Output: one line
 * "bench <type> <proto> <value> <unit>".
 *
 * Exit status 0: everything as expected; 1: a check failed; 2: usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/smc_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef AF_SMC
#define AF_SMC 43
#endif
#define SMCPROTO_SMC 0

#define __printf(a, b)	__attribute__((format(printf, a, b)))

#define MAGIC		0x534d4358u	/* "SMCX" */
#define OP_XFER		1
#define OP_HOLD		2
#define OP_STREAM	3
#define OP_RR		4
#define OP_CRR		5

#define VERDICT_OK	0
#define VERDICT_DATA	1
#define VERDICT_MODE	2

#define EXPECT_ANY	0
#define EXPECT_SMCD	1
#define EXPECT_TCP	2

#define CHUNK		(256 * 1024)
#define STREAM_MSG	64000
#define RR_MSG		14

struct hdr {
	uint32_t magic;
	uint32_t op;
	uint64_t up;
	uint64_t down;
	uint64_t seed;
};

static const char *opt_addr = "127.0.0.1";
static int opt_port;
static int opt_tcp;
static int opt_expect = EXPECT_ANY;
static int opt_conns = 1;
static int opt_hold;
static int opt_together;
static int opt_splice;
static const char *opt_pipe_hold;
static uint32_t fallback_ok[8];
static int nfallback_ok;
static int opt_count = -1;
static int opt_timeout = 300;
static int opt_secs = 5;
static const char *opt_ready;
static const char *opt_type = "stream";
static const char *opt_gids;
static uint64_t sizes[32];
static int nsizes;

static atomic_int failures;
static atomic_int finished;
static atomic_int fallbacks;
static pthread_barrier_t start_barrier;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

#define say(...) do {						\
		pthread_mutex_lock(&out_lock);			\
		printf(__VA_ARGS__);				\
		fflush(stdout);					\
		pthread_mutex_unlock(&out_lock);		\
	} while (0)

static void __printf(1, 2) fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pthread_mutex_lock(&out_lock);
	printf("# FAIL: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
	atomic_fetch_add(&failures, 1);
}

/* ---- data pattern ---------------------------------------------------- */

static inline uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Bytes [off, off + len) of the stream named by @seed. */
static void pattern(uint64_t seed, uint64_t off, uint8_t *buf, size_t len)
{
	while (len) {
		uint64_t w = mix64(seed ^ (off >> 3));
		unsigned int b = off & 7, i;
		size_t n = 8 - b;

		if (n > len)
			n = len;
		for (i = 0; i < n; i++)
			buf[i] = w >> ((b + i) * 8);
		buf += n;
		off += n;
		len -= n;
	}
}

/* ---- socket helpers -------------------------------------------------- */

static int read_full(int fd, void *p, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = read(fd, (char *)p + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		done += n;
	}
	return 0;
}

static int write_full(int fd, const void *p, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, (const char *)p + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		done += n;
	}
	return 0;
}

static int make_socket(void)
{
	int fd = opt_tcp ? socket(AF_INET, SOCK_STREAM, 0) :
			   socket(AF_SMC, SOCK_STREAM, SMCPROTO_SMC);

	if (fd < 0)
		perror(opt_tcp ? "socket(AF_INET)" : "socket(AF_SMC)");
	return fd;
}

static int fill_addr(struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons(opt_port);
	if (inet_pton(AF_INET, opt_addr, &sa->sin_addr) != 1) {
		fprintf(stderr, "bad IPv4 address %s\n", opt_addr);
		return -1;
	}
	return 0;
}

static int connect_to(void)
{
	struct sockaddr_in sa;
	int fd, one = 1;

	if (fill_addr(&sa))
		return -1;
	fd = make_socket();
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fail("client: connect: %s", strerror(errno));
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* ---- smc_diag ---------------------------------------------------------- */

struct diag {
	int found;
	int mode;		/* SMC_DIAG_MODE_* */
	uint64_t my_gid, peer_gid;
	uint32_t fb_reason;
};

/*
 * Ask smc_diag about the AF_SMC socket with inode @ino; with @list, print
 * every SMC-D socket of this network namespace instead (smcd_xfer diag).
 */
static int smc_diag_dump(ino_t ino, struct diag *d, int list)
{
	struct {
		struct nlmsghdr nlh;
		struct smc_diag_req req;
	} rq;
	static __thread char buf[32768];
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int nl, done = 0;

	memset(d, 0, sizeof(*d));
	nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (nl < 0)
		return -errno;
	memset(&rq, 0, sizeof(rq));
	rq.nlh.nlmsg_len = sizeof(rq);
	rq.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	rq.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	rq.nlh.nlmsg_seq = 1;
	rq.req.diag_family = AF_SMC;
	rq.req.diag_ext = (1 << (SMC_DIAG_DMBINFO - 1)) |
			  (1 << (SMC_DIAG_FALLBACK - 1));
	if (sendto(nl, &rq, sizeof(rq), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(nl);
		return -errno;
	}
	while (!done) {
		ssize_t n = recv(nl, buf, sizeof(buf), 0);
		struct nlmsghdr *h;

		if (n <= 0)
			break;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			struct smc_diag_msg *m = NLMSG_DATA(h);
			struct rtattr *a;
			int alen;

			if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
				done = 1;
				break;
			}
			if (!list && m->diag_inode != ino)
				continue;
			d->found = 1;
			d->mode = m->diag_mode;
			alen = h->nlmsg_len - NLMSG_LENGTH(sizeof(*m));
			for (a = (struct rtattr *)(m + 1); RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
				if (a->rta_type == SMC_DIAG_DMBINFO &&
				    RTA_PAYLOAD(a) >= (int)sizeof(struct smcd_diag_dmbinfo)) {
					struct smcd_diag_dmbinfo *di = RTA_DATA(a);

					d->my_gid = di->my_gid;
					d->peer_gid = di->peer_gid;
					if (list && m->diag_mode == SMC_DIAG_MODE_SMCD)
						printf("smcd inode=%llu my_gid=%016llx peer_gid=%016llx token=0x%016llx peer_token=0x%016llx\n",
						       (unsigned long long)m->diag_inode,
						       (unsigned long long)di->my_gid,
						       (unsigned long long)di->peer_gid,
						       (unsigned long long)di->token,
						       (unsigned long long)di->peer_token);
				}
				if (a->rta_type == SMC_DIAG_FALLBACK &&
				    RTA_PAYLOAD(a) >= (int)sizeof(struct smc_diag_fallback)) {
					struct smc_diag_fallback *fb = RTA_DATA(a);

					d->fb_reason = fb->reason;
				}
			}
		}
	}
	close(nl);
	return d->found ? 0 : -ENOENT;
}

static int smc_diag(int fd, struct diag *d)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	return smc_diag_dump(st.st_ino, d, 0);
}

static const char *mode_name(int mode)
{
	switch (mode) {
	case SMC_DIAG_MODE_SMCR:
		return "SMCR";
	case SMC_DIAG_MODE_FALLBACK_TCP:
		return "TCP-fallback";
	case SMC_DIAG_MODE_SMCD:
		return "SMCD";
	}
	return "?";
}

/* Is "MY:PEER" one of the '|'-separated pairs of --gids? */
static int gids_allowed(const char *gids)
{
	const char *p = opt_gids;
	size_t n = strlen(gids);

	while (p) {
		if (!strncasecmp(p, gids, n) && (p[n] == '|' || !p[n]))
			return 1;
		p = strchr(p, '|');
		if (p)
			p++;
	}
	return 0;
}

/* Check the transport of @fd against --expect and --gids; 0 if fine. */
static int check_mode(int fd, const char *who)
{
	struct diag d;
	char gids[40];
	int rc;

	if (opt_tcp || opt_expect == EXPECT_ANY)
		return 0;
	rc = smc_diag(fd, &d);
	if (rc) {
		fail("%s: smc_diag found no entry for the socket (%d)", who, rc);
		return -1;
	}
	if (opt_expect == EXPECT_SMCD && d.mode == SMC_DIAG_MODE_FALLBACK_TCP) {
		int i;

		for (i = 0; i < nfallback_ok; i++) {
			if (d.fb_reason == fallback_ok[i]) {
				say("# %s: TCP fallback, reason 0x%x (allowed)\n",
				    who, d.fb_reason);
				atomic_fetch_add(&fallbacks, 1);
				return 0;
			}
		}
	}
	if (opt_expect == EXPECT_SMCD && d.mode != SMC_DIAG_MODE_SMCD) {
		say("# %s: mode %s, fallback reason 0x%x\n", who, mode_name(d.mode),
		    d.fb_reason);
		fail("%s: not SMC-D (mode %s)", who, mode_name(d.mode));
		return -1;
	}
	if (opt_expect == EXPECT_TCP && d.mode != SMC_DIAG_MODE_FALLBACK_TCP) {
		fail("%s: expected a TCP fallback, mode %s", who, mode_name(d.mode));
		return -1;
	}
	if (opt_gids && d.mode == SMC_DIAG_MODE_SMCD) {
		snprintf(gids, sizeof(gids), "%016llx:%016llx",
			 (unsigned long long)d.my_gid, (unsigned long long)d.peer_gid);
		if (!gids_allowed(gids)) {
			say("# %s: GIDs %s, expected %s\n", who, gids, opt_gids);
			fail("%s: wrong GIDs", who);
			return -1;
		}
	}
	return 0;
}

static void print_mode(int fd, const char *who)
{
	struct diag d;

	if (opt_tcp)
		return;
	if (smc_diag(fd, &d))
		say("# %s: no smc_diag entry\n", who);
	else
		say("# %s: mode %s my_gid %016llx peer_gid %016llx fallback 0x%x\n",
		    who, mode_name(d.mode), (unsigned long long)d.my_gid,
		    (unsigned long long)d.peer_gid, d.fb_reason);
}

/* ---- data streams ---------------------------------------------------- */

static int send_pattern(int fd, uint64_t seed, uint64_t len)
{
	uint8_t *buf = malloc(CHUNK);
	uint64_t off = 0;
	int rc = 0;

	if (!buf)
		return -ENOMEM;
	while (off < len && !rc) {
		size_t n = len - off > CHUNK ? CHUNK : len - off;

		pattern(seed, off, buf, n);
		rc = write_full(fd, buf, n);
		off += n;
	}
	free(buf);
	return rc;
}

/*
 * --splice: up to @want bytes from socket @fd into pipe @pfd with
 * splice(), then every byte that went into the pipe out of it into @buf.
 * Returns the bytes in @buf, 0 at the end of the stream, -1 with errno.
 */
static ssize_t splice_some(int fd, int pfd[2], uint8_t *buf, size_t want)
{
	ssize_t n, got = 0;

	n = splice(fd, NULL, pfd[1], NULL, want, SPLICE_F_MOVE);
	if (n <= 0)
		return n;
	while (got < n) {
		ssize_t r = read(pfd[0], buf + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (!r)
				errno = EPIPE;
			return -1;
		}
		got += r;
	}
	return got;
}

/* 0: all bytes as expected; 1: a byte differed; <0: socket error. */
static int recv_pattern(int fd, uint64_t seed, uint64_t len, uint64_t *bad_off)
{
	uint8_t *buf = malloc(CHUNK), *exp = malloc(CHUNK);
	uint64_t off = 0;
	int rc = 0, pfd[2];

	if (!buf || !exp) {
		free(buf);
		free(exp);
		return -ENOMEM;
	}
	if (opt_splice && pipe(pfd)) {
		rc = -errno;
		pfd[0] = -1;
	}
	while (off < len && !(rc < 0)) {
		size_t want = len - off > CHUNK ? CHUNK : len - off;
		ssize_t n;

		if (opt_splice)
			n = splice_some(fd, pfd, buf, want);
		else
			n = read(fd, buf, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : -EPIPE;
			break;
		}
		pattern(seed, off, exp, n);
		if (memcmp(buf, exp, n) && !rc) {
			size_t i = 0;

			while (buf[i] == exp[i])
				i++;
			*bad_off = off + i;
			rc = 1;
		}
		off += n;
	}
	if (opt_splice && pfd[0] >= 0) {
		close(pfd[0]);
		close(pfd[1]);
	}
	free(buf);
	free(exp);
	return rc;
}

/* ---- server ------------------------------------------------------------ */

static void *serve_conn(void *arg)
{
	int fd = (int)(long)arg, rc;
	uint8_t msg[STREAM_MSG];
	uint64_t bad_off = 0, count = 0;
	uint32_t verdict = VERDICT_OK;
	struct hdr h;

	if (read_full(fd, &h, sizeof(h)) || h.magic != MAGIC) {
		/* crr clients of an aborted bench, port scanners: not ours */
		close(fd);
		goto out;
	}
	switch (h.op) {
	case OP_XFER:
	case OP_HOLD:
		if (check_mode(fd, "server"))
			verdict = VERDICT_MODE;
		rc = recv_pattern(fd, h.seed, h.up, &bad_off);
		if (rc < 0) {
			if (h.op == OP_XFER)
				fail("server: receiving %llu bytes: %s",
				     (unsigned long long)h.up, strerror(-rc));
			break;
		}
		if (rc > 0) {
			fail("server: received byte %llu of %llu differs",
			     (unsigned long long)bad_off, (unsigned long long)h.up);
			verdict = VERDICT_DATA;
		}
		if (write_full(fd, &verdict, sizeof(verdict)) ||
		    send_pattern(fd, ~h.seed, h.down)) {
			if (h.op == OP_XFER)
				fail("server: sending %llu bytes failed",
				     (unsigned long long)h.down);
			break;
		}
		/*
		 * until the client closes (or, with OP_HOLD, the kernel
		 * aborts); what a held client sends comes back
		 */
		for (;;) {
			ssize_t n = read(fd, msg, sizeof(msg));

			if (n <= 0 || (h.op == OP_HOLD && write_full(fd, msg, n)))
				break;
		}
		break;
	case OP_STREAM:
		for (;;) {
			ssize_t n = read(fd, msg, sizeof(msg));

			if (n <= 0)
				break;
			count += n;
		}
		write_full(fd, &count, sizeof(count));
		break;
	case OP_RR:
		while (!read_full(fd, msg, RR_MSG) && !write_full(fd, msg, RR_MSG))
			;
		break;
	case OP_CRR:
		if (!read_full(fd, msg, 1))
			write_full(fd, msg, 1);
		break;
	}
	close(fd);
out:
	atomic_fetch_add(&finished, 1);
	return NULL;
}

static int run_server(void)
{
	struct sockaddr_in sa;
	int lfd, one = 1, accepted;

	if (fill_addr(&sa))
		return 2;
	lfd = make_socket();
	if (lfd < 0)
		return 1;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 512)) {
		perror("bind/listen");
		return 1;
	}
	if (opt_ready) {
		FILE *f = fopen(opt_ready, "w");

		if (f)
			fclose(f);
	}
	for (accepted = 0; opt_count < 0 || accepted < opt_count; accepted++) {
		pthread_attr_t attr;
		pthread_t t;
		int fd;

		fd = accept(lfd, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR) {
				accepted--;
				continue;
			}
			perror("accept");
			return 1;
		}
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&attr, 256 * 1024);
		if (pthread_create(&t, &attr, serve_conn, (void *)(long)fd)) {
			fail("server: pthread_create");
			close(fd);
			atomic_fetch_add(&finished, 1);
		}
		pthread_attr_destroy(&attr);
	}
	while (atomic_load(&finished) < accepted)
		usleep(10000);
	close(lfd);
	return atomic_load(&failures) ? 1 : 0;
}

/* ---- client ------------------------------------------------------------ */

/*
 * --pipe-hold: 4096 bytes up, echoed, spliced into a pipe that keeps them
 * (and so a page of our receive buffer) after the socket is closed, until
 * the file opt_pipe_hold exists; then they are read and checked (the echo,
 * or zeros where smc has cleared the buffer).  0 if they are right.
 * Closes @fd.
 */
static int pipe_hold(int fd, uint64_t seed, const char *who)
{
	uint8_t buf[4096], exp[4096], exp2[4096];
	struct stat st;
	ssize_t n, in = 0, got = 0;
	int pfd[2], rc = -1;

	if (pipe(pfd)) {
		fail("%s: pipe: %s", who, strerror(errno));
		close(fd);
		return -1;
	}
	pattern(seed ^ 0x5a5a5a5a, 0, exp, sizeof(exp));
	if (write_full(fd, exp, sizeof(exp))) {
		fail("%s: sending the echo request failed", who);
		goto out;
	}
	while (in < (ssize_t)sizeof(buf)) {
		n = splice(fd, NULL, pfd[1], NULL, sizeof(buf) - in, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fail("%s: splice of the echo: %s", who,
			     n ? strerror(errno) : "EOF");
			goto out;
		}
		in += n;
	}
	close(fd);
	fd = -1;
	say("# %s: pipe holding\n", who);
	while (stat(opt_pipe_hold, &st))
		usleep(100000);
	while (got < in) {
		n = read(pfd[0], buf + got, in - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fail("%s: reading the pipe: %s", who,
			     n ? strerror(errno) : "EOF");
			goto out;
		}
		got += n;
	}
	/*
	 * smc clears an SMC-D receive buffer when its connection gives it up
	 * (smc_buf_unuse()), which the closed socket's may have by now: the
	 * pipe then shows zeros, as it would with ISM.
	 */
	memset(exp2, 0, sizeof(exp2));
	if (memcmp(buf, exp, sizeof(buf)) && memcmp(buf, exp2, sizeof(buf))) {
		fail("%s: the bytes held in the pipe are neither the echo nor zeros", who);
		goto out;
	}
	say("# %s: pipe read, %zd bytes right (%s)\n", who, got,
	    memcmp(buf, exp, sizeof(buf)) ? "zeros: smc cleared the buffer" : "the echo");
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	close(pfd[0]);
	close(pfd[1]);
	return rc;
}

static int client_one(int id, uint64_t size)
{
	uint64_t seed = mix64(((uint64_t)id << 32) ^ size ^ (uint64_t)time(NULL));
	struct hdr h = { MAGIC, opt_hold ? OP_HOLD : OP_XFER, size, size, seed };
	uint64_t bad_off = 0;
	uint32_t verdict;
	char who[48];
	int fd, rc;

	snprintf(who, sizeof(who), "client %d size %llu", id, (unsigned long long)size);
	fd = connect_to();
	if (fd < 0)
		return -1;
	if (check_mode(fd, who)) {
		print_mode(fd, who);
		close(fd);
		return -1;
	}
	if (id == 0 && size == sizes[0])
		print_mode(fd, who);
	if (write_full(fd, &h, sizeof(h)) || send_pattern(fd, seed, size)) {
		fail("%s: sending failed", who);
		close(fd);
		return -1;
	}
	rc = read_full(fd, &verdict, sizeof(verdict));
	if (rc || verdict != VERDICT_OK) {
		fail("%s: server verdict %d (read: %d)", who, rc ? -1 : (int)verdict, rc);
		close(fd);
		return -1;
	}
	rc = recv_pattern(fd, ~seed, size, &bad_off);
	if (rc) {
		if (rc > 0)
			fail("%s: received byte %llu differs", who, (unsigned long long)bad_off);
		else
			fail("%s: receiving: %s", who, strerror(-rc));
		close(fd);
		return -1;
	}
	if (opt_hold && opt_pipe_hold)
		return pipe_hold(fd, seed, who);
	if (opt_hold) {
		char c;
		ssize_t n;

		say("# %s: holding\n", who);
		n = read(fd, &c, 1);
		say("# %s: ended (%s)\n", who, n == 0 ? "EOF" : strerror(errno));
	}
	close(fd);
	return 0;
}

static void *client_thread(void *arg)
{
	int id = (int)(long)arg, i;

	if (opt_together)
		pthread_barrier_wait(&start_barrier);
	for (i = 0; i < nsizes; i++)
		if (client_one(id, sizes[i]))
			break;
	return NULL;
}

static int run_client(void)
{
	pthread_t *t = calloc(opt_conns, sizeof(*t));
	struct timespec a, b;
	uint64_t total = 0;
	int i;

	if (!t)
		return 1;
	if (!nsizes)
		sizes[nsizes++] = 65536;
	if (opt_together && pthread_barrier_init(&start_barrier, NULL, opt_conns)) {
		fail("client: pthread_barrier_init");
		free(t);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < opt_conns; i++)
		if (pthread_create(&t[i], NULL, client_thread, (void *)(long)i)) {
			/* the barrier would wait for the missing threads forever */
			if (opt_together) {
				printf("# FAIL: client: pthread_create\n");
				exit(1);
			}
			fail("client: pthread_create");
			opt_conns = i;
			break;
		}
	for (i = 0; i < opt_conns; i++)
		pthread_join(t[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	for (i = 0; i < nsizes; i++)
		total += sizes[i];
	say("# client: %d connection(s) x %d size(s), %llu bytes each way, %.2f s, %s\n",
	    opt_conns, nsizes, (unsigned long long)total * opt_conns,
	    (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9,
	    atomic_load(&failures) ? "FAILED" : "ok");
	if (nfallback_ok)
		say("# client: %d allowed TCP fallback(s)\n", atomic_load(&fallbacks));
	free(t);
	return atomic_load(&failures) ? 1 : 0;
}

/* ---- bench ------------------------------------------------------------- */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int run_bench(void)
{
	const char *proto = opt_tcp ? "tcp" : "smc";
	uint8_t msg[STREAM_MSG];
	double start, end;
	struct hdr h = { MAGIC, 0, 0, 0, 0 };
	uint64_t n = 0;
	int fd;

	memset(msg, 0x5a, sizeof(msg));
	if (!strcmp(opt_type, "stream")) {
		h.op = OP_STREAM;
		fd = connect_to();
		if (fd < 0 || check_mode(fd, "bench") || write_full(fd, &h, sizeof(h)))
			return 1;
		start = now_s();
		end = start + opt_secs;
		while (now_s() < end)
			if (write_full(fd, msg, STREAM_MSG))
				return 1;
		shutdown(fd, SHUT_WR);
		if (read_full(fd, &n, sizeof(n)))
			return 1;
		end = now_s();
		close(fd);
		printf("bench stream %s %.1f MB/s\n", proto, n / (end - start) / 1e6);
	} else if (!strcmp(opt_type, "rr")) {
		h.op = OP_RR;
		fd = connect_to();
		if (fd < 0 || check_mode(fd, "bench") || write_full(fd, &h, sizeof(h)))
			return 1;
		start = now_s();
		end = start + opt_secs;
		do {
			if (write_full(fd, msg, RR_MSG) || read_full(fd, msg, RR_MSG))
				return 1;
			n++;
		} while ((n & 63) || now_s() < end);
		end = now_s();
		close(fd);
		printf("bench rr %s %.1f us\n", proto, (end - start) * 1e6 / n);
	} else if (!strcmp(opt_type, "crr")) {
		double t0, t_conn = 0, t_xchg = 0, t_close = 0;

		h.op = OP_CRR;
		start = now_s();
		end = start + opt_secs;
		do {
			t0 = now_s();
			fd = connect_to();
			t_conn += now_s() - t0;
			if (fd < 0 || (n == 0 && check_mode(fd, "bench")))
				return 1;
			t0 = now_s();
			if (write_full(fd, &h, sizeof(h)) || write_full(fd, msg, 1) ||
			    read_full(fd, msg, 1))
				return 1;
			t_xchg += now_s() - t0;
			t0 = now_s();
			close(fd);
			t_close += now_s() - t0;
			n++;
		} while (now_s() < end);
		end = now_s();
		printf("# crr %s: connect %.2f ms, request/response %.2f ms, close %.2f ms\n",
		       proto, t_conn * 1e3 / n, t_xchg * 1e3 / n, t_close * 1e3 / n);
		printf("bench crr %s %.1f conn/s\n", proto, n / (end - start));
	} else {
		fprintf(stderr, "unknown bench type %s\n", opt_type);
		return 2;
	}
	return atomic_load(&failures) ? 1 : 0;
}

/* ---- main -------------------------------------------------------------- */

static void on_alarm(int sig)
{
	static const char m[] = "# FAIL: smcd_xfer: timeout\n";

	(void)sig;
	if (write(1, m, sizeof(m) - 1) < 0)
		_exit(1);
	_exit(1);
}

static uint64_t parse_size(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 0);

	if (*end == 'k' || *end == 'K')
		v <<= 10;
	else if (*end == 'm' || *end == 'M')
		v <<= 20;
	return v;
}

static void help(void)
{
	fprintf(stderr,
		"usage: smcd_xfer server -p PORT [-a ADDR] [--tcp] [--expect smcd|tcp|any]\n"
		"                        [--count N] [--ready FILE] [--timeout S] [--splice]\n"
		"       smcd_xfer client -a ADDR -p PORT [--tcp] [-n CONNS] [-s SIZE,...]\n"
		"                        [--expect MODE] [--gids MY:PEER] [--hold] [--together]\n"
		"                        [--fallback-ok REASON,...] [--timeout S] [--splice]\n"
		"                        [--pipe-hold FILE]\n"
		"       smcd_xfer bench -a ADDR -p PORT [--tcp] -t stream|rr|crr [-D S]\n"
		"       smcd_xfer diag\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "tcp", no_argument, NULL, 'T' },
		{ "expect", required_argument, NULL, 'e' },
		{ "count", required_argument, NULL, 'c' },
		{ "ready", required_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 'W' },
		{ "gids", required_argument, NULL, 'g' },
		{ "hold", no_argument, NULL, 'H' },
		{ "together", no_argument, NULL, 'G' },
		{ "splice", no_argument, NULL, 'S' },
		{ "pipe-hold", required_argument, NULL, 'P' },
		{ "fallback-ok", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 }
	};
	const char *cmd;
	char *s, *tok;
	int c;

	if (argc < 2)
		help();
	cmd = argv[1];
	if (!strcmp(cmd, "diag") && argc == 2) {
		struct diag d;

		smc_diag_dump(0, &d, 1);
		return 0;
	}
	optind = 2;
	while ((c = getopt_long(argc, argv, "a:p:n:s:t:D:", lo, NULL)) != -1) {
		switch (c) {
		case 'a':
			opt_addr = optarg;
			break;
		case 'p':
			opt_port = atoi(optarg);
			break;
		case 'n':
			opt_conns = atoi(optarg);
			break;
		case 't':
			opt_type = optarg;
			break;
		case 'D':
			opt_secs = atoi(optarg);
			break;
		case 'T':
			opt_tcp = 1;
			break;
		case 'c':
			opt_count = atoi(optarg);
			break;
		case 'r':
			opt_ready = optarg;
			break;
		case 'W':
			opt_timeout = atoi(optarg);
			break;
		case 'g':
			opt_gids = optarg;
			break;
		case 'H':
			opt_hold = 1;
			break;
		case 'G':
			opt_together = 1;
			break;
		case 'S':
			opt_splice = 1;
			break;
		case 'P':
			opt_pipe_hold = optarg;
			break;
		case 'F':
			s = strdup(optarg);
			for (tok = strtok(s, ","); tok && nfallback_ok < 8;
			     tok = strtok(NULL, ","))
				fallback_ok[nfallback_ok++] = strtoul(tok, NULL, 16);
			free(s);
			break;
		case 'e':
			if (!strcmp(optarg, "smcd"))
				opt_expect = EXPECT_SMCD;
			else if (!strcmp(optarg, "tcp"))
				opt_expect = EXPECT_TCP;
			else if (!strcmp(optarg, "any"))
				opt_expect = EXPECT_ANY;
			else
				help();
			break;
		case 's':
			s = strdup(optarg);
			for (tok = strtok(s, ","); tok && nsizes < 32; tok = strtok(NULL, ","))
				sizes[nsizes++] = parse_size(tok);
			free(s);
			break;
		default:
			help();
		}
	}
	if (!opt_port || opt_conns < 1)
		help();
	signal(SIGPIPE, SIG_IGN);
	if (opt_timeout > 0 && !opt_hold) {
		signal(SIGALRM, on_alarm);
		alarm(opt_timeout);
	}
	if (!strcmp(cmd, "server"))
		return run_server();
	if (!strcmp(cmd, "client"))
		return run_client();
	if (!strcmp(cmd, "bench"))
		return run_bench();
	help();
	return 2;
}
