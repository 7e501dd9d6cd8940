// SPDX-License-Identifier: GPL-2.0
/*
 * dibs_runas - run a command as an unprivileged user (uid/gid 65534,
 * "nobody"), without any capability: dibs_runas CMD [ARGS...]
 *
 * The busybox guests have no su/setpriv with a user database.
 */
#include <grp.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: dibs_runas CMD [ARGS...]\n");
		return 2;
	}
	if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
	    setresuid(65534, 65534, 65534)) {
		perror("dibs_runas: dropping privileges");
		return 2;
	}
	execvp(argv[1], argv + 1);
	perror("dibs_runas: exec");
	return 127;
}
