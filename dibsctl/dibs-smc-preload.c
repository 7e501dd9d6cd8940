// SPDX-License-Identifier: GPL-2.0
/*
 * dibs-smc-preload.so - run an unmodified TCP program over SMC.
 *
 * Loaded with LD_PRELOAD (by dibs-smcrun(1)), it takes the place of libc's
 * socket(): a TCP socket, socket(AF_INET or AF_INET6, SOCK_STREAM [| flags],
 * 0 or IPPROTO_TCP), becomes socket(AF_SMC, the same type,
 * SMCPROTO_SMC or SMCPROTO_SMC6).  An AF_SMC socket takes the same
 * addresses and calls as a TCP socket; smc negotiates SMC with the peer in
 * the TCP handshake and falls back to plain TCP when the peer or the
 * configuration offers none.  When the kernel has no AF_SMC (smc cannot be
 * loaded), the program gets its TCP socket.  Every other socket is left
 * alone.
 *
 * DIBS_SMC_DEBUG=1 logs every decision on standard error.
 */
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef AF_SMC
#define AF_SMC 43
#endif
/* the protocol of an AF_SMC socket: the address family of its TCP side */
#define DIBS_SMCPROTO_SMC 0
#define DIBS_SMCPROTO_SMC6 1
/* SOCK_NONBLOCK and SOCK_CLOEXEC share the type argument */
#define DIBS_SOCK_TYPE_MASK 0xf

static int (*libc_socket)(int domain, int type, int protocol);
static int debug;

static void __attribute__((format(printf, 1, 2))) dbg(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	if (!debug)
		return;
	n = snprintf(buf, sizeof(buf), "dibs-smc[%d]: ", (int)getpid());
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	/* one write: lines of several processes do not mix */
	strncat(buf, "\n", sizeof(buf) - strlen(buf) - 1);
	if (write(STDERR_FILENO, buf, strlen(buf)) < 0)
		return;
}

static void __attribute__((constructor)) dibs_smc_init(void)
{
	const char *d = getenv("DIBS_SMC_DEBUG");

	debug = d && *d && strcmp(d, "0");
	libc_socket = (int (*)(int, int, int))dlsym(RTLD_NEXT, "socket");
}

int socket(int domain, int type, int protocol)
{
	int fd, err;

	if (!libc_socket) {
		libc_socket = (int (*)(int, int, int))dlsym(RTLD_NEXT, "socket");
		if (!libc_socket) {
			errno = ENOSYS;
			return -1;
		}
	}
	if ((domain != AF_INET && domain != AF_INET6) ||
	    (type & DIBS_SOCK_TYPE_MASK) != SOCK_STREAM ||
	    (protocol != 0 && protocol != IPPROTO_TCP))
		return libc_socket(domain, type, protocol);

	fd = libc_socket(AF_SMC, type, domain == AF_INET6 ? DIBS_SMCPROTO_SMC6 :
			 DIBS_SMCPROTO_SMC);
	if (fd >= 0) {
		dbg("socket(%s, SOCK_STREAM) -> AF_SMC, fd %d",
		    domain == AF_INET6 ? "AF_INET6" : "AF_INET", fd);
		return fd;
	}
	err = errno;
	dbg("socket(AF_SMC) failed (%s): plain TCP", strerror(err));
	fd = libc_socket(domain, type, protocol);
	return fd;
}
