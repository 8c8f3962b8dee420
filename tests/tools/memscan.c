// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memscan: look for byte strings in the memory of a running process. A helper of the
 * tests, not a test itself.
 *
 *   memscan PID NAME=HEX...
 *
 * Reads /proc/PID/maps and, for every readable private or anonymous mapping (heap,
 * stacks, anonymous mmaps, writable data of the program and its libraries), its bytes
 * through /proc/PID/mem; prints one line per hit, "found NAME at 0xADDR in REGION", and a
 * summary. Exit: 0 no string found, 1 some found, 2 error (bad arguments, process gone,
 * no permission: needs root or ptrace rights over PID).
 *
 * Used by tests/e2e/keys.sh to check that ktlsod keeps no key of an offloaded connection.
 * Read-only file mappings (the program's text) are skipped: they come from disk, not from
 * anything the process computed.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_NEEDLES 16
#define CHUNK (1 << 20)

struct needle {
	const char *name;
	unsigned char bytes[64];
	size_t len;
	unsigned hits;
	uint64_t last;		/* address of the last hit: chunks overlap */
};

static int parse_needle(const char *arg, struct needle *n)
{
	const char *eq = strchr(arg, '='), *hex;
	size_t hl;

	if (!eq || eq == arg)
		return -1;
	hex = eq + 1;
	hl = strlen(hex);
	if (hl < 16 || hl % 2 || hl / 2 > sizeof(n->bytes))
		return -1;	/* 8 bytes at least: shorter strings match by chance */
	for (size_t i = 0; i < hl / 2; i++) {
		unsigned v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		n->bytes[i] = (unsigned char)v;
	}
	n->len = hl / 2;
	n->name = strndup(arg, (size_t)(eq - arg));
	return n->name ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct needle nd[MAX_NEEDLES];
	char path[64], line[512];
	unsigned char *buf;
	uint64_t regions = 0, bytes = 0, hits = 0;
	size_t nn = 0, maxlen = 0;
	FILE *maps;
	int mem;

	if (argc < 3 || argc - 2 > MAX_NEEDLES) {
		fprintf(stderr, "usage: memscan PID NAME=HEX... (at most %d strings)\n", MAX_NEEDLES);
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		if (parse_needle(argv[i], &nd[nn])) {
			fprintf(stderr, "memscan: '%s' is not NAME=HEX (8 to 64 bytes)\n", argv[i]);
			return 2;
		}
		nd[nn].hits = 0;
		nd[nn].last = UINT64_MAX;
		if (nd[nn].len > maxlen)
			maxlen = nd[nn].len;
		nn++;
	}
	snprintf(path, sizeof(path), "/proc/%s/maps", argv[1]);
	maps = fopen(path, "re");
	snprintf(path, sizeof(path), "/proc/%s/mem", argv[1]);
	mem = open(path, O_RDONLY | O_CLOEXEC);
	if (!maps || mem < 0) {
		fprintf(stderr, "memscan: %s: %s\n", path, strerror(errno));
		return 2;
	}
	buf = malloc(CHUNK + 64);
	if (!buf)
		return 2;
	while (fgets(line, sizeof(line), maps)) {
		uint64_t lo, hi, off;
		char perms[8], region[400] = "";
		int pos = 0;

		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %*s %*s%n", &lo, &hi, perms,
			   &off, &pos) < 4)
			continue;
		sscanf(line + pos, " %399[^\n]", region);
		if (perms[0] != 'r')
			continue;
		/* the program's and libraries' read-only pages come from their files */
		if (region[0] == '/' && perms[1] != 'w')
			continue;
		if (!strcmp(region, "[vvar]") || !strcmp(region, "[vsyscall]"))
			continue;
		regions++;
		/* chunks overlap by maxlen - 1 bytes, so a string across two is still seen */
		for (uint64_t a = lo; a < hi;) {
			size_t want = hi - a > CHUNK ? CHUNK : (size_t)(hi - a);
			ssize_t got = pread(mem, buf, want, (off_t)a);

			if (got <= 0)
				break;	/* e.g. a guard page */
			bytes += (uint64_t)got;
			for (size_t k = 0; k < nn; k++) {
				for (unsigned char *p = buf;
				     (p = memmem(p, (size_t)(buf + got - p), nd[k].bytes, nd[k].len));
				     p++) {
					uint64_t at = a + (uint64_t)(p - buf);

					if (nd[k].last != UINT64_MAX && at <= nd[k].last)
						continue;
					nd[k].last = at;
					printf("found %s at 0x%" PRIx64 " in %s\n", nd[k].name, at,
					       region[0] ? region : "[anon]");
					nd[k].hits++;
					hits++;
				}
			}
			if ((size_t)got < want || a + (uint64_t)got >= hi)
				break;
			a += (uint64_t)got - (maxlen - 1);
		}
	}
	printf("memscan: %" PRIu64 " regions, %" PRIu64 " bytes read, %" PRIu64 " hits", regions,
	       bytes, hits);
	for (size_t k = 0; k < nn; k++)
		printf("%s %s=%u", k ? "," : ":", nd[k].name, nd[k].hits);
	printf("\n");
	return hits ? 1 : 0;
}
