// SPDX-License-Identifier: GPL-2.0
/*
 * ivshmem_bar - read and write the BARs of an ivshmem PCI function from
 * user space (sysfs resource files), for the multi-guest harness tests.
 *
 *   ivshmem_bar fill DEV SEED     BAR2 := the pattern of SEED
 *   ivshmem_bar check DEV SEED    BAR2 = the pattern? (exit 1 if not)
 *   ivshmem_bar differ DEV SEED   most of BAR2 differs from it? (exit 1 if not)
 *   ivshmem_bar ivpos DEV         print IVPosition (BAR0 offset 8)
 *
 * DEV is the function's sysfs directory (/sys/bus/pci/devices/...).
 */

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static void *map(const char *dev, int bar, size_t *size)
{
	char path[512];
	struct stat st;
	void *p;
	int fd;

	snprintf(path, sizeof(path), "%s/resource%d", dev, bar);
	fd = open(path, O_RDWR | O_SYNC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		perror(path);
		exit(2);
	}
	*size = st.st_size;
	p = mmap(NULL, *size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	close(fd);
	return p;
}

static uint64_t pat(uint64_t seed, size_t i)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ULL + i * 0xbf58476d1ce4e5b9ULL + 1;

	x ^= x >> 31;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 29);
}

int main(int argc, char **argv)
{
	volatile uint64_t *m;
	uint64_t seed;
	size_t size, n, bad = 0, first = (size_t)-1;

	if (argc < 3) {
		fprintf(stderr, "usage: ivshmem_bar fill|check|differ DEV SEED | ivpos DEV\n");
		return 2;
	}
	if (!strcmp(argv[1], "ivpos")) {
		volatile uint32_t *r = map(argv[2], 0, &size);

		printf("%d\n", (int32_t)r[2]);
		return 0;
	}
	if (argc < 4)
		return 2;
	seed = strtoull(argv[3], NULL, 0);
	m = map(argv[2], 2, &size);
	n = size / 8;
	if (!strcmp(argv[1], "fill")) {
		for (size_t i = 0; i < n; i++)
			m[i] = pat(seed, i);
		printf("# filled %zu bytes with pattern %llu\n", size, (unsigned long long)seed);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (m[i] != pat(seed, i)) {
			bad++;
			if (first == (size_t)-1)
				first = i * 8;
		}
	}
	if (!strcmp(argv[1], "check")) {
		if (bad)
			printf("# %zu of %zu words differ from pattern %llu, the first at byte %zu\n",
			       bad, n, (unsigned long long)seed, first);
		else
			printf("# %zu bytes (first, middle, last included) hold pattern %llu\n",
			       size, (unsigned long long)seed);
		return bad ? 1 : 0;
	}
	if (!strcmp(argv[1], "differ")) {
		printf("# %zu of %zu words differ from pattern %llu\n", bad, n,
		       (unsigned long long)seed);
		return bad * 10 >= n * 9 ? 0 : 1;
	}
	return 2;
}
