/* SPDX-License-Identifier: MIT */
/* bench/common.h — helpers shared by the brisk benchmark workloads.
 *
 * Owns: argument parsing (key=value on argv), a fast per-thread PRNG, the
 * "realistic" small-object size mix, RSS readout and the result line.
 * Every workload prints exactly one line "checksum=<u64>" (plus optional
 * "metric <name>=<value>" lines) so the runner can check that all allocators
 * computed the same thing.  Timing and peak RSS are measured by the runner
 * (bench/runner.py, wait4 rusage), never inside the workload.
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

/* Parameters: each workload declares a table of {name, default}; argv entries
 * of the form name=value override them.  Unknown names are fatal so a typo in
 * the runner cannot silently benchmark the default. */
struct param {
	const char *name;
	long value;
	const char *help;
};

static inline void params_parse(struct param *p, int n, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		int found = 0;
		if (eq) {
			for (int k = 0; k < n; k++) {
				size_t len = strlen(p[k].name);
				if ((size_t)(eq - argv[i]) == len &&
				    strncmp(argv[i], p[k].name, len) == 0) {
					p[k].value = strtol(eq + 1, NULL, 0);
					found = 1;
				}
			}
		}
		if (!found) {
			fprintf(stderr, "%s: unknown argument '%s'; parameters:\n", argv[0], argv[i]);
			for (int k = 0; k < n; k++)
				fprintf(stderr, "  %s=%ld\t%s\n", p[k].name, p[k].value, p[k].help);
			exit(2);
		}
	}
}

#define PARAMS_PARSE(tbl, argc, argv) params_parse(tbl, (int)(sizeof(tbl) / sizeof(tbl[0])), argc, argv)

/* xorshift64* — deterministic per seed, good enough for picking slots/sizes. */
struct rng {
	uint64_t s;
};

static inline void rng_seed(struct rng *r, uint64_t seed)
{
	r->s = seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
	if (r->s == 0)
		r->s = 1;
}

static inline uint64_t rng_next(struct rng *r)
{
	uint64_t x = r->s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	r->s = x;
	return x * 0x2545F4914F6CDD1Dull;
}

/* uniform in [0, n) */
static inline uint64_t rng_below(struct rng *r, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)rng_next(r) * n) >> 64);
}

/* uniform in [lo, hi] */
static inline size_t rng_range(struct rng *r, size_t lo, size_t hi)
{
	return lo + (size_t)rng_below(r, hi - lo + 1);
}

/* A size mix shaped like heap traces of ordinary programs: most requests are
 * tiny (strings, list nodes, small structs), a thinning tail reaches 64 KiB.
 *   62%   1..64 B     24%  65..256 B    10%  257 B..4 KiB
 *    3%   4..16 KiB    1%  16..64 KiB */
static inline size_t size_mix(struct rng *r)
{
	uint64_t p = rng_below(r, 100);
	if (p < 62) {
		/* within the tiny class favour 16..48 bytes */
		uint64_t q = rng_below(r, 4);
		return q == 0 ? rng_range(r, 1, 16) : rng_range(r, 16, 64);
	}
	if (p < 86)
		return rng_range(r, 65, 256);
	if (p < 96)
		return rng_range(r, 257, 4096);
	if (p < 99)
		return rng_range(r, 4097, 16384);
	return rng_range(r, 16385, 65536);
}

/* Write the first and last bytes and one byte per 4 KiB page in between, as a
 * program initialising a header and filling its buffer would (cheaply). */
static inline void touch(void *p, size_t n, unsigned char v)
{
	unsigned char *c = p;
	if (n == 0)
		return;
	c[0] = v;
	for (size_t off = 4096; off < n; off += 4096)
		c[off] = v;
	c[n - 1] = v;
}

static inline uint64_t mix64(uint64_t h, uint64_t v)
{
	h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
	return h;
}

/* Resident set size of this process in KiB, read from /proc/self/statm with
 * plain read(2) (no stdio, so no allocation). Returns -1 on failure. */
static inline long rss_kib(void)
{
	char buf[128];
	int fd = open("/proc/self/statm", O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	char *s = strchr(buf, ' ');
	if (!s)
		return -1;
	long pages = strtol(s + 1, NULL, 10);
	return pages * (sysconf(_SC_PAGESIZE) / 1024);
}

static inline void print_checksum(uint64_t sum)
{
	printf("checksum=%llu\n", (unsigned long long)sum);
}

static inline void print_metric(const char *name, long value)
{
	printf("metric %s=%ld\n", name, value);
}

static inline void *xmalloc_or_die(size_t n)
{
	void *p = malloc(n);
	if (UNLIKELY(!p)) {
		fprintf(stderr, "out of memory (%zu bytes)\n", n);
		abort();
	}
	return p;
}

/* Tagged objects for the multi-threaded workloads (threadchurn, rptest):
 * an 8-byte header {size, tag}, one byte per 4 KiB page and the last byte
 * set to a value derived from both.  obj_free() checks them all (an
 * allocator that hands a live block out twice, or corrupts one, is caught
 * wherever the block is freed), frees the block and returns tag + size, so
 * a sum over all objects is the same whichever thread frees which. */
struct objhdr {
	uint32_t size;
	uint32_t tag;
};

#define OBJ_MIN 16

static inline unsigned char obj_byte(uint32_t size, uint32_t tag)
{
	return (unsigned char)(tag ^ (tag >> 11) ^ size ^ 0x5a);
}

static inline void *obj_new(size_t n, uint32_t tag)
{
	if (n < OBJ_MIN)
		n = OBJ_MIN;
	unsigned char *c = xmalloc_or_die(n);
	unsigned char v = obj_byte((uint32_t)n, tag);
	for (size_t off = 4096; off < n; off += 4096)
		c[off] = v;
	c[n - 1] = v;
	struct objhdr *h = (struct objhdr *)c;
	h->size = (uint32_t)n;
	h->tag = tag;
	return c;
}

static inline uint64_t obj_free(void *p, const char *who)
{
	unsigned char *c = p;
	struct objhdr *h = p;
	uint32_t n = h->size, tag = h->tag;
	unsigned char v = obj_byte(n, tag);
	int bad = n < OBJ_MIN || n > (1u << 30) || c[n - 1] != v;
	for (size_t off = 4096; !bad && off < n; off += 4096)
		bad = c[off] != v;
	if (UNLIKELY(bad)) {
		fprintf(stderr, "%s: corrupted object %p (size field %u)\n", who, p, n);
		abort();
	}
	free(p);
	return (uint64_t)tag + n;
}

#endif
