// SPDX-License-Identifier: GPL-2.0
/*
 * dibs-ivshmem-server - the server of QEMU's ivshmem-doorbell device.
 *
 * Speaks the client-server protocol of QEMU's docs/specs/ivshmem-spec.rst
 * over a unix stream socket.  Every message is one little-endian int64,
 * optionally with one file descriptor (SCM_RIGHTS).  On connect a client
 * gets, in order:
 *
 *   1. the protocol version, 0;
 *   2. its own peer id (no fd);
 *   3. -1 with the shared memory fd;
 *   4. for every other peer: its id, once per vector, each time with the
 *      peer's eventfd of that vector (vector order);
 *   5. its own id, once per vector, with its own eventfds.
 *
 * The other peers then get the newcomer's id with its eventfds (as in 4),
 * and, when a client goes away, its id without an fd.
 *
 * One thread, poll(): every client has a queue of messages that is sent
 * with non-blocking sendmsg() as the client reads.  A client that reads
 * nothing for TIMEOUT seconds while messages wait, whose queue grows past
 * a limit, or that fails a send is dropped (its peers get the leave
 * notification); what a client sends is read and thrown away.  SIGPIPE is
 * ignored.  See dibs-ivshmem-server(8).
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <endian.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#ifndef DIBS_VERSION
#define DIBS_VERSION "unknown"
#endif

#define PROTOCOL_VERSION	0
#define MAX_PEER_ID		65535
#define MAX_VECTORS		1024
/* QEMU's server writes its pid there when it detaches and has no -p. */
#define DEFAULT_PIDFILE		"/var/run/ivshmem-server.pid"
/* Messages waiting for one client before it is dropped. */
#define MAX_QUEUE		(1 << 16)

struct msg {
	int64_t val;
	int fd;			/* our own dup, closed once sent; -1: none */
};

struct client {
	int sock;
	int id;
	int *efd;		/* one eventfd per vector */
	struct msg *q;
	size_t qhead, qlen, qcap;
	time_t stalled_since;	/* 0: nothing waiting, or progress made */
	bool dead;
};

/* Where the shared memory comes from: the last of -M, -m, -f wins. */
enum shm_kind {
	SHM_POSIX,		/* -M NAME: shm_open(NAME) */
	SHM_DIR,		/* -m DIR: an unlinked file made in DIR */
	SHM_FILE,		/* -f PATH: that file */
};

static const char * const shm_kind_name[] = {
	[SHM_POSIX] = "POSIX shm object",
	[SHM_DIR] = "unlinked file in",
	[SHM_FILE] = "file",
};

static struct {
	const char *sock_path;
	enum shm_kind shm_kind;
	const char *shm_arg;
	const char *pidfile;
	bool default_pidfile;
	uint64_t size_asked;	/* -l before rounding */
	uint64_t size;
	unsigned int vectors;
	unsigned int timeout;
	bool foreground;
	int verbose;
} opt = {
	.sock_path = "/tmp/ivshmem_socket",
	.shm_kind = SHM_POSIX,
	.shm_arg = "ivshmem",
	.size = 4 << 20,
	.vectors = 1,
	.timeout = 10,
};

static int listen_fd = -1, shm_fd = -1, spare_fd = -1;
static struct client **clients;
static size_t nclients, clients_cap;
static int next_id;
static bool use_syslog;
static volatile sig_atomic_t quit_sig;

static void logmsg(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void logmsg(int prio, const char *fmt, ...)
{
	va_list ap;

	if (prio == LOG_DEBUG && !opt.verbose)
		return;
	va_start(ap, fmt);
	if (use_syslog) {
		vsyslog(prio, fmt, ap);
	} else {
		fputs("dibs-ivshmem-server: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: dibs-ivshmem-server [-F] [-v] [-S SOCKET] [-M NAME | -m DIR | -f PATH]\n"
		"                           [-l SIZE] [-n VECTORS] [-p PIDFILE] [-t SECONDS]\n"
		"The options of QEMU's contrib/ivshmem-server, with their meanings, and -f, -t, -V.\n"
		"  -S SOCKET   unix socket QEMU connects to (default /tmp/ivshmem_socket)\n"
		"  -M NAME     POSIX shared memory object NAME (shm_open; default ivshmem)\n"
		"  -m DIR      an unlinked file created in DIR (e.g. hugetlbfs)\n"
		"  -f PATH     the file PATH, created if needed, kept on exit\n"
		"  -l SIZE     shared memory size; K, M, G, T suffixes; rounded up to a\n"
		"              power of two (4M)\n"
		"  -n VECTORS  eventfds per peer, = the devices' vectors= (1)\n"
		"  -p PIDFILE  write the process id there (detached default\n"
		"              " DEFAULT_PIDFILE ", if writable)\n"
		"  -t SECONDS  drop a client that reads nothing this long (10)\n"
		"  -F          stay in the foreground (default: daemonize)\n"
		"  -v          verbose: log every peer and message\n"
		"  -V          print the version\n"
		"  -h          print this help\n");
}

static bool parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned int shift = 0;

	errno = 0;
	if (*s < '0' || *s > '9')
		return false;
	v = strtoull(s, &end, 0);
	if (errno)
		return false;
	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	case 't':
	case 'T':
		shift = 40;
		break;
	}
	if (shift)
		end++;
	if (*end == 'i' || *end == 'B')
		end += (*end == 'i' && end[1] == 'B') ? 2 : 1;
	if (*end || v > (UINT64_MAX >> shift))
		return false;
	*out = (uint64_t)v << shift;
	return true;
}

static bool parse_uint(const char *s, unsigned int min, unsigned int max, unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	if (*s < '0' || *s > '9')
		return false;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/*
 * -m and -M meant a POSIX shm object and a file before dibs 0.1.0 took
 * QEMU's meanings: refuse what only the old meaning could have wanted.
 */
static void check_shm_arg(void)
{
	const char *a = opt.shm_arg;
	struct stat st;

	switch (opt.shm_kind) {
	case SHM_POSIX:
		while (*a == '/')
			a++;
		if (!*a || strchr(a, '/')) {
			fprintf(stderr,
				"dibs-ivshmem-server: -M %s: not a POSIX shm object name; -M NAME is QEMU's shm_open() name, a file is -f PATH\n",
				opt.shm_arg);
			exit(2);
		}
		break;
	case SHM_DIR:
		if (stat(a, &st) < 0 || !S_ISDIR(st.st_mode)) {
			fprintf(stderr,
				"dibs-ivshmem-server: -m %s: not a directory; -m DIR makes the memory in DIR as QEMU's server does, a POSIX shm object is -M NAME\n",
				a);
			exit(2);
		}
		break;
	case SHM_FILE:
		break;
	}
}

static void parse_args(int argc, char **argv)
{
	int c;

	while ((c = getopt(argc, argv, "S:m:M:f:l:n:p:t:FvVh")) != -1) {
		switch (c) {
		case 'S':
			opt.sock_path = optarg;
			break;
		case 'M':
			opt.shm_kind = SHM_POSIX;
			opt.shm_arg = optarg;
			break;
		case 'm':
			opt.shm_kind = SHM_DIR;
			opt.shm_arg = optarg;
			break;
		case 'f':
			opt.shm_kind = SHM_FILE;
			opt.shm_arg = optarg;
			break;
		case 'l':
			if (!parse_size(optarg, &opt.size) || !opt.size ||
			    opt.size > (UINT64_C(1) << 62)) {
				fprintf(stderr, "dibs-ivshmem-server: -l %s: not a size (e.g. 4M, 1G, 65536)\n",
					optarg);
				exit(2);
			}
			/* As QEMU's server: the next power of two. */
			opt.size_asked = opt.size;
			while (opt.size & (opt.size - 1))
				opt.size += opt.size & -opt.size;
			break;
		case 'n':
			if (!parse_uint(optarg, 1, MAX_VECTORS, &opt.vectors)) {
				fprintf(stderr, "dibs-ivshmem-server: -n %s: vectors must be 1..%d and equal the devices' vectors=\n",
					optarg, MAX_VECTORS);
				exit(2);
			}
			break;
		case 'p':
			opt.pidfile = optarg;
			break;
		case 't':
			if (!parse_uint(optarg, 1, 86400, &opt.timeout)) {
				fprintf(stderr, "dibs-ivshmem-server: -t %s: seconds, 1..86400\n", optarg);
				exit(2);
			}
			break;
		case 'F':
			opt.foreground = true;
			break;
		case 'v':
			opt.verbose++;
			break;
		case 'V':
			printf("dibs-ivshmem-server %s\n", DIBS_VERSION);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "dibs-ivshmem-server: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		exit(2);
	}
	check_shm_arg();
	if (!opt.foreground && !opt.pidfile) {
		opt.pidfile = DEFAULT_PIDFILE;
		opt.default_pidfile = true;
	}
	if (strlen(opt.sock_path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		fprintf(stderr, "dibs-ivshmem-server: -S %s: socket path too long\n", opt.sock_path);
		exit(2);
	}
}

/* -m DIR: a file of our own in DIR, unlinked at once (as QEMU's server). */
static int open_in_dir(void)
{
	size_t len = strlen(opt.shm_arg) + sizeof("/ivshmem.XXXXXX");
	char *name = malloc(len);
	int fd, err;

	if (!name)
		return -1;
	snprintf(name, len, "%s/ivshmem.XXXXXX", opt.shm_arg);
	fd = mkostemp(name, O_CLOEXEC);
	err = errno;
	if (fd >= 0) {
		unlink(name);
		logmsg(LOG_DEBUG, "shared memory: %s, unlinked", name);
	}
	free(name);
	errno = err;
	return fd;
}

/* The shared memory: created if missing, sized to opt.size. */
static int open_shm(void)
{
	struct statfs sfs;
	struct stat st;
	int fd;

	switch (opt.shm_kind) {
	case SHM_POSIX:
		fd = shm_open(opt.shm_arg, O_RDWR | O_CREAT, 0600);
		break;
	case SHM_DIR:
		fd = open_in_dir();
		break;
	default:
		fd = open(opt.shm_arg, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		break;
	}
	if (fd < 0) {
		logmsg(LOG_ERR, "cannot open shared memory (%s %s): %s",
		       shm_kind_name[opt.shm_kind], opt.shm_arg, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || (!S_ISREG(st.st_mode))) {
		logmsg(LOG_ERR, "shared memory %s: not a regular file", opt.shm_arg);
		close(fd);
		return -1;
	}
	if (opt.size_asked && opt.size_asked != opt.size)
		logmsg(LOG_NOTICE, "-l %llu is not a power of two: %llu bytes",
		       (unsigned long long)opt.size_asked, (unsigned long long)opt.size);
	/* hugetlbfs takes whole huge pages only: QEMU's server tries larger sizes. */
	if (fstatfs(fd, &sfs) == 0 && sfs.f_type == HUGETLBFS_MAGIC && sfs.f_bsize > 0 &&
	    opt.size % (uint64_t)sfs.f_bsize) {
		opt.size = (uint64_t)sfs.f_bsize;
		logmsg(LOG_NOTICE, "hugetlbfs: rounded up to one huge page, %llu bytes",
		       (unsigned long long)opt.size);
	}
	if ((uint64_t)st.st_size != opt.size && ftruncate(fd, (off_t)opt.size) < 0) {
		logmsg(LOG_ERR, "cannot size shared memory %s to %llu bytes: %s",
		       opt.shm_arg, (unsigned long long)opt.size, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int open_listener(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	strcpy(sa.sun_path, opt.sock_path);
	if (lstat(opt.sock_path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			logmsg(LOG_ERR, "%s exists and is not a socket", opt.sock_path);
			return -1;
		}
		/* A live server there?  Else a stale socket: remove it. */
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			close(fd);
			logmsg(LOG_ERR, "%s: another server is listening there", opt.sock_path);
			return -1;
		}
		if (fd >= 0)
			close(fd);
		unlink(opt.sock_path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		logmsg(LOG_ERR, "socket: %s", strerror(errno));
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0) {
		logmsg(LOG_ERR, "cannot listen on %s: %s", opt.sock_path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Queue one message for @c.  @fd (-1: none) is a duplicate that the
 * queue owns from now on: it is closed once sent, or here if @c cannot
 * take it.
 */
static bool enqueue(struct client *c, int64_t val, int fd)
{
	struct msg *m;

	if (c->dead)
		goto drop;
	if (c->qhead + c->qlen == c->qcap) {
		if (c->qhead) {
			memmove(c->q, c->q + c->qhead, c->qlen * sizeof(*c->q));
			c->qhead = 0;
		} else {
			size_t cap = c->qcap ? c->qcap * 2 : 64;

			if (cap > MAX_QUEUE) {
				logmsg(LOG_WARNING, "peer %d: %zu messages unread, dropping it",
				       c->id, c->qlen);
				c->dead = true;
				goto drop;
			}
			m = realloc(c->q, cap * sizeof(*m));
			if (!m) {
				c->dead = true;
				goto drop;
			}
			c->q = m;
			c->qcap = cap;
		}
	}
	m = &c->q[c->qhead + c->qlen];
	m->val = val;
	m->fd = fd;
	c->qlen++;
	if (!c->stalled_since)
		c->stalled_since = time(NULL);
	return true;
drop:
	if (fd >= 0)
		close(fd);
	return false;
}

/* Send what the socket takes now.  false: the client is gone. */
static bool flush(struct client *c)
{
	while (c->qlen && !c->dead) {
		struct msg *m = &c->q[c->qhead];
		int64_t le = (int64_t)htole64((uint64_t)m->val);
		struct iovec iov = { .iov_base = &le, .iov_len = sizeof(le) };
		union {
			char buf[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} u;
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n;

		if (m->fd >= 0) {
			struct cmsghdr *cm;

			memset(&u, 0, sizeof(u));
			mh.msg_control = u.buf;
			mh.msg_controllen = sizeof(u.buf);
			cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(cm), &m->fd, sizeof(int));
		}
		n = sendmsg(c->sock, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		if (n < 0 && errno == EINTR)
			continue;
		if (n != sizeof(le)) {
			/* A stream socket takes 8 bytes whole or not at all
			 * while its buffer has room; a short write or an
			 * error (EPIPE, ETOOMANYREFS...) ends the client.
			 */
			logmsg(n < 0 && errno == EPIPE ? LOG_DEBUG : LOG_WARNING,
			       "peer %d: send failed (%s), dropping it", c->id,
			       n < 0 ? strerror(errno) : "short write");
			c->dead = true;
			return false;
		}
		if (m->fd >= 0)
			close(m->fd);
		c->qhead++;
		c->qlen--;
		c->stalled_since = c->qlen ? time(NULL) : 0;
	}
	if (!c->qlen)
		c->qhead = 0;
	return !c->dead;
}

static bool id_in_use(int id)
{
	for (size_t i = 0; i < nclients; i++)
		if (clients[i]->id == id)
			return true;
	return false;
}

static void free_client(struct client *c)
{
	for (unsigned int v = 0; v < opt.vectors; v++)
		if (c->efd && c->efd[v] >= 0)
			close(c->efd[v]);
	for (size_t i = 0; i < c->qlen; i++)
		if (c->q[c->qhead + i].fd >= 0)
			close(c->q[c->qhead + i].fd);
	if (c->sock >= 0)
		close(c->sock);
	free(c->efd);
	free(c->q);
	free(c);
}

/* accept() with a spare fd to give back when the fd table is full, so
 * that a refused client is closed instead of left pending forever.
 */
static int do_accept(void)
{
	int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0 && (errno == EMFILE || errno == ENFILE) && spare_fd >= 0) {
		close(spare_fd);
		fd = accept(listen_fd, NULL, NULL);
		if (fd >= 0)
			close(fd);
		logmsg(LOG_WARNING, "out of file descriptors: refused a client");
		spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		return -1;
	}
	return fd;
}

static void new_client(void)
{
	struct client *c;
	int fd, id = -1, *dups;
	size_t ndup, k;

	fd = do_accept();
	if (fd < 0)
		return;
	for (int i = 0; i <= MAX_PEER_ID; i++) {
		int cand = (next_id + i) % (MAX_PEER_ID + 1);

		if (!id_in_use(cand)) {
			id = cand;
			break;
		}
	}
	if (id < 0) {
		logmsg(LOG_WARNING, "all %d peer ids in use: refused a client", MAX_PEER_ID + 1);
		close(fd);
		return;
	}
	if (nclients == clients_cap) {
		size_t cap = clients_cap ? clients_cap * 2 : 16;
		struct client **n = realloc(clients, cap * sizeof(*n));

		if (!n) {
			close(fd);
			return;
		}
		clients = n;
		clients_cap = cap;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->sock = fd;
	c->id = id;
	c->efd = malloc(opt.vectors * sizeof(int));
	if (!c->efd) {
		free_client(c);
		return;
	}
	for (unsigned int v = 0; v < opt.vectors; v++)
		c->efd[v] = -1;
	for (unsigned int v = 0; v < opt.vectors; v++) {
		c->efd[v] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (c->efd[v] < 0) {
			logmsg(LOG_WARNING, "eventfd: %s: refused a client", strerror(errno));
			free_client(c);
			return;
		}
	}
	/* Every fd the queues will hold, duplicated before anything is
	 * queued: when the fd table is full, the newcomer is refused and
	 * the others never hear of it.
	 */
	ndup = 1 + opt.vectors * (2 * nclients + 1);
	dups = malloc(ndup * sizeof(int));
	if (!dups) {
		free_client(c);
		return;
	}
	k = 0;
	dups[k++] = shm_fd;
	for (size_t i = 0; i < nclients; i++) {
		for (unsigned int v = 0; v < opt.vectors; v++) {
			dups[k++] = clients[i]->efd[v];
			dups[k++] = c->efd[v];
		}
	}
	for (unsigned int v = 0; v < opt.vectors; v++)
		dups[k++] = c->efd[v];
	for (k = 0; k < ndup; k++) {
		dups[k] = fcntl(dups[k], F_DUPFD_CLOEXEC, 0);
		if (dups[k] < 0) {
			logmsg(LOG_WARNING, "out of file descriptors (%s): refused a client",
			       strerror(errno));
			while (k--)
				close(dups[k]);
			free(dups);
			free_client(c);
			return;
		}
	}
	/* 1-3: version, id, shared memory */
	k = 0;
	enqueue(c, PROTOCOL_VERSION, -1);
	enqueue(c, id, -1);
	enqueue(c, -1, dups[k++]);
	/* 4: the others' eventfds; and the others learn of the newcomer
	 * (an other that cannot take it is dropped: its own queue is full)
	 */
	for (size_t i = 0; i < nclients; i++) {
		struct client *o = clients[i];

		for (unsigned int v = 0; v < opt.vectors; v++) {
			enqueue(c, o->id, dups[k++]);
			enqueue(o, id, dups[k++]);
		}
	}
	/* 5: its own eventfds */
	for (unsigned int v = 0; v < opt.vectors; v++)
		enqueue(c, id, dups[k++]);
	free(dups);
	clients[nclients++] = c;
	next_id = (id + 1) % (MAX_PEER_ID + 1);
	logmsg(LOG_INFO, "peer %d joined (%zu peers)", id, nclients);
}

/* Remove dead clients; the others get the leave notification. */
static void reap(void)
{
	bool again = true;

	while (again) {
		again = false;
		for (size_t i = 0; i < nclients; i++) {
			struct client *c = clients[i];

			if (!c->dead)
				continue;
			clients[i] = clients[--nclients];
			logmsg(LOG_INFO, "peer %d left (%zu peers)", c->id, nclients);
			for (size_t j = 0; j < nclients; j++)
				if (!clients[j]->dead && !enqueue(clients[j], c->id, -1))
					again = true;
			free_client(c);
			i--;
		}
	}
}

static void drain(struct client *c)
{
	char buf[512];

	for (;;) {
		ssize_t n = recv(c->sock, buf, sizeof(buf), MSG_DONTWAIT);

		if (n > 0) {
			logmsg(LOG_DEBUG, "peer %d sent %zd bytes: ignored", c->id, n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		/* EOF or error: gone */
		c->dead = true;
		return;
	}
}

static void on_signal(int sig)
{
	quit_sig = sig;
}

static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int write_pidfile(void)
{
	FILE *f;

	if (!opt.pidfile)
		return 0;
	f = fopen(opt.pidfile, "we");
	if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f) != 0) {
		if (f)
			unlink(opt.pidfile);
		/* Only a pid file asked for with -p is a reason to fail. */
		logmsg(opt.default_pidfile ? LOG_WARNING : LOG_ERR, "cannot write %s: %s",
		       opt.pidfile, strerror(errno));
		if (!opt.default_pidfile)
			return -1;
		opt.pidfile = NULL;
	}
	return 0;
}

/* Remove the pid file if it still names us (another server may share the default). */
static void remove_pidfile(void)
{
	FILE *f;
	int pid = 0;

	if (!opt.pidfile)
		return;
	f = fopen(opt.pidfile, "re");
	if (!f)
		return;
	if (fscanf(f, "%d", &pid) != 1)
		pid = 0;
	fclose(f);
	if (pid == (int)getpid())
		unlink(opt.pidfile);
}

/* Detach; the first process exits only when the daemon says it is ready
 * (the pid file written), with its status: returns the pipe to say it on.
 */
static int daemonize(void)
{
	int ready[2], fd;
	char st = 1;
	pid_t pid;

	if (pipe2(ready, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		close(ready[1]);
		if (read(ready[0], &st, 1) != 1)
			st = 1;
		_exit(st);
	}
	close(ready[0]);
	setsid();
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	if (chdir("/") < 0)
		return -1;
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	openlog("dibs-ivshmem-server", LOG_PID, LOG_DAEMON);
	use_syslog = true;
	return ready[1];
}

/* Tell the waiting first process how the start went. */
static void say_ready(int fd, char status)
{
	if (fd >= 0) {
		if (write(fd, &status, 1) != 1)
			logmsg(LOG_WARNING, "cannot report the start: %s", strerror(errno));
		close(fd);
	}
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t quit_set, run_mask;
	struct pollfd *pfd = NULL;
	size_t pfd_cap = 0;
	int rc = 0, ready_fd = -1;

	parse_args(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/*
	 * The quit signals wait blocked and arrive only inside ppoll(): one
	 * arriving between the check of quit_sig and the wait would otherwise
	 * leave the server waiting for good.
	 */
	sigemptyset(&quit_set);
	sigaddset(&quit_set, SIGINT);
	sigaddset(&quit_set, SIGTERM);
	sigaddset(&quit_set, SIGHUP);
	sigprocmask(SIG_BLOCK, &quit_set, &run_mask);
	raise_fd_limit();

	shm_fd = open_shm();
	if (shm_fd < 0)
		return 1;
	listen_fd = open_listener();
	if (listen_fd < 0)
		return 1;
	spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (!opt.foreground) {
		ready_fd = daemonize();
		if (ready_fd < 0) {
			logmsg(LOG_ERR, "cannot daemonize: %s", strerror(errno));
			unlink(opt.sock_path);
			return 1;
		}
	}
	if (write_pidfile() < 0) {
		say_ready(ready_fd, 1);
		unlink(opt.sock_path);
		return 1;
	}
	say_ready(ready_fd, 0);
	logmsg(LOG_INFO, "listening on %s: shared memory %s %s, %llu bytes, %u vector(s)",
	       opt.sock_path, shm_kind_name[opt.shm_kind], opt.shm_arg,
	       (unsigned long long)opt.size, opt.vectors);

	while (!quit_sig) {
		time_t now = time(NULL);
		struct timespec ts;
		size_t n = 0;
		int timeout_ms = -1;

		if (pfd_cap < nclients + 1) {
			struct pollfd *p = realloc(pfd, (nclients + 16) * sizeof(*p));

			if (!p) {
				logmsg(LOG_ERR, "out of memory");
				rc = 1;
				break;
			}
			pfd = p;
			pfd_cap = nclients + 16;
		}
		pfd[n++] = (struct pollfd){ .fd = listen_fd, .events = POLLIN };
		for (size_t i = 0; i < nclients; i++) {
			struct client *c = clients[i];

			pfd[n++] = (struct pollfd){
				.fd = c->sock,
				.events = POLLIN | (c->qlen ? POLLOUT : 0),
			};
			if (c->qlen) {
				long left = (long)c->stalled_since + opt.timeout - now;

				if (left < 0)
					left = 0;
				if (timeout_ms < 0 || left * 1000 + 100 < timeout_ms)
					timeout_ms = (int)(left * 1000 + 100);
			}
		}
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000;
		if (ppoll(pfd, n, timeout_ms < 0 ? NULL : &ts, &run_mask) < 0) {
			if (errno == EINTR)
				continue;
			logmsg(LOG_ERR, "poll: %s", strerror(errno));
			rc = 1;
			break;
		}
		now = time(NULL);
		/* clients[] is unchanged since pfd[] was filled */
		for (size_t i = 0; i < nclients; i++) {
			struct client *c = clients[i];
			short re = pfd[i + 1].revents;

			if (re & POLLIN)
				drain(c);
			if (!c->dead && (re & (POLLERR | POLLHUP)) && !(re & POLLIN))
				c->dead = true;
			if (!c->dead && (re & POLLOUT))
				flush(c);
			if (!c->dead && c->qlen &&
			    now - c->stalled_since >= (time_t)opt.timeout) {
				logmsg(LOG_WARNING, "peer %d read nothing for %u s, dropping it",
				       c->id, opt.timeout);
				c->dead = true;
			}
		}
		if (pfd[0].revents & POLLIN)
			new_client();
		reap();
		/* Send what the changes queued right away. */
		for (size_t i = 0; i < nclients; i++)
			flush(clients[i]);
		reap();
	}
	if (quit_sig)
		logmsg(LOG_INFO, "signal %d: exiting", (int)quit_sig);
	while (nclients)
		free_client(clients[--nclients]);
	free(clients);
	free(pfd);
	close(listen_fd);
	unlink(opt.sock_path);
	remove_pidfile();
	return rc;
}
