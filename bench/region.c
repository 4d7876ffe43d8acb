/* SPDX-License-Identifier: MIT */
/* bench/region.c — region heaps: per-operation latency and fragmentation
 * (`make bench-region`; docs/region.md keeps the figures).
 *
 * Latency: the same seeded sequence of 2e6 operations on 8192 slots (an
 * empty slot allocates, a full one frees: the live set hovers at half the
 * slots), sizes uniform in 16..4096 with one in ten uniform in
 * 4097..65536, run on
 *   region         brisk_region_* on a private 64 MiB region (flags 0)
 *   region-shared  the same with BRISK_REGION_SHARED (process-shared lock)
 *   malloc         the process's malloc (glibc here; the second run of
 *                  `make bench-region` preloads build/libbrisk.so)
 * Each operation is timed alone with clock_gettime(CLOCK_MONOTONIC)
 * (vDSO); the timer's own cost is measured and printed, not subtracted.
 * The region's memory is touched once before timing, so page faults of
 * the first touch are not counted; malloc's are (it maps as it goes).
 * Printed: mean, p50, p99, p99.99 and max per operation, in ns.
 *
 * Fragmentation: 1e7 operations of the same mix on a 64 MiB region with
 * 16384 slots (the live set near 40 MiB), then
 *   internal = 1 - requested bytes / used bytes (headers, rounding)
 *   external = 1 - largest free block / free bytes
 *   failures = allocations refused (ENOMEM) although free >= the request.
 *
 * Parameters (key=value): ops=2000000 frag_ops=10000000 malloc_only=0
 */
#include <errno.h>
#include <math.h>
#include <sys/mman.h>
#include <time.h>

#include "brisk.h"
#include "common.h"

#define LEN ((size_t)64 << 20)
#define SLOTS 8192

static struct param params[] = {
	{"ops", 2000000, "timed operations per allocator"},
	{"frag_ops", 10000000, "operations of the fragmentation run"},
	{"malloc_only", 0, "1: only the malloc row (used with LD_PRELOAD)"},
};

typedef struct alloc_ops {
	const char *name;
	void *(*alloc)(void *ctx, size_t n);
	void (*release)(void *ctx, void *p);
	void *ctx;
} alloc_ops_t;

static void *r_alloc(void *ctx, size_t n) { return brisk_region_malloc(ctx, n); }
static void r_free(void *ctx, void *p) { brisk_region_free(ctx, p); }
static void *m_alloc(void *ctx, size_t n) { (void)ctx; return malloc(n); }
static void m_free(void *ctx, void *p) { (void)ctx; free(p); }

static inline uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static size_t bench_size(struct rng *r)
{
	return rng_below(r, 10) == 0 ? rng_range(r, 4097, 65536) : rng_range(r, 16, 4096);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

static void print_row(const char *name, const char *op, uint32_t *t, size_t n)
{
	if (n == 0)
		return;
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += t[i];
	qsort(t, n, sizeof t[0], cmp_u32);
	size_t i9999 = (size_t)((double)n * 0.9999);
	printf("%-16s %-6s %9zu %8.1f %7u %7u %9u %9u\n", name, op, n, sum / (double)n, t[n / 2],
	       t[(size_t)((double)n * 0.99)], t[i9999 < n ? i9999 : n - 1], t[n - 1]);
}

static void run_latency(const alloc_ops_t *a, long ops, uint32_t *ta, uint32_t *tf)
{
	static void *slot[SLOTS];
	struct rng rng;
	size_t na = 0, nf = 0;
	rng_seed(&rng, 42);
	memset(slot, 0, sizeof slot);
	for (long op = 0; op < ops; op++) {
		size_t i = rng_below(&rng, SLOTS);
		if (slot[i] == NULL) {
			size_t n = bench_size(&rng);
			uint64_t t0 = now_ns();
			void *p = a->alloc(a->ctx, n);
			uint64_t t1 = now_ns();
			if (p == NULL) {
				fprintf(stderr, "%s: allocation of %zu failed\n", a->name, n);
				exit(1);
			}
			*(volatile char *)p = 1;
			slot[i] = p;
			ta[na++] = (uint32_t)(t1 - t0);
		} else {
			uint64_t t0 = now_ns();
			a->release(a->ctx, slot[i]);
			uint64_t t1 = now_ns();
			slot[i] = NULL;
			tf[nf++] = (uint32_t)(t1 - t0);
		}
	}
	for (size_t i = 0; i < SLOTS; i++)
		if (slot[i])
			a->release(a->ctx, slot[i]);
	print_row(a->name, "malloc", ta, na);
	print_row(a->name, "free", tf, nf);
}

static void run_fragmentation(void *mem, long ops)
{
	enum { FSLOTS = 16384 };
	static void *slot[FSLOTS];
	static size_t want[FSLOTS];
	brisk_region_t *r = brisk_region_init(mem, LEN, 0);
	struct rng rng;
	size_t requested = 0, failures = 0, refused = 0;
	brisk_region_stats_t s;
	rng_seed(&rng, 7);
	for (long op = 0; op < ops; op++) {
		size_t i = rng_below(&rng, FSLOTS);
		if (slot[i] == NULL) {
			size_t n = bench_size(&rng);
			slot[i] = brisk_region_malloc(r, n);
			if (slot[i] == NULL) {
				refused++;
				brisk_region_stats(r, &s);
				if (s.free >= n + 16)
					failures++;
				continue;
			}
			want[i] = n;
			requested += n;
		} else {
			brisk_region_free(r, slot[i]);
			slot[i] = NULL;
			requested -= want[i];
		}
	}
	brisk_region_stats(r, &s);
	printf("\nfragmentation after %ld random operations (64 MiB region, %d slots):\n", ops, FSLOTS);
	printf("  live: %zu blocks, %.1f MiB requested, %.1f MiB used (headers included)\n", s.blocks,
	       requested / 1048576.0, s.used / 1048576.0);
	printf("  free: %zu blocks, %.1f MiB, largest %.1f MiB\n", s.free_blocks, s.free / 1048576.0,
	       s.largest_free / 1048576.0);
	printf("  internal fragmentation 1 - requested/used   = %.2f%%\n",
	       100.0 * (1.0 - (double)requested / (double)s.used));
	printf("  external fragmentation 1 - largest/free     = %.2f%%\n",
	       s.free ? 100.0 * (1.0 - (double)s.largest_free / (double)s.free) : 0.0);
	printf("  utilisation requested/(size - overhead)     = %.2f%%\n",
	       100.0 * (double)requested / (double)(s.used + s.free));
	printf("  allocations refused: %zu, of which with free >= request: %zu\n", refused, failures);
	if (brisk_region_check(r) != 0) {
		fprintf(stderr, "region check failed\n");
		exit(1);
	}
}

int main(int argc, char **argv)
{
	PARAMS_PARSE(params, argc, argv);
	long ops = params[0].value;
	uint32_t *ta = malloc((size_t)ops * sizeof *ta), *tf = malloc((size_t)ops * sizeof *tf);
	void *mem = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!ta || !tf || mem == MAP_FAILED)
		return 1;
	memset(mem, 0, LEN); /* first-touch faults out of the timing */

	uint64_t t0 = now_ns(), tmin = UINT64_MAX;
	for (int i = 0; i < 100000; i++) {
		uint64_t a = now_ns(), b = now_ns();
		if (b - a < tmin)
			tmin = b - a;
	}
	double timer = (double)(now_ns() - t0) / 100000.0 / 2.0;

	printf("%-16s %-6s %9s %8s %7s %7s %9s %9s\n", "allocator", "op", "count", "mean", "p50",
	       "p99", "p99.99", "max (ns)");
	if (!params[2].value) {
		alloc_ops_t reg = {"region", r_alloc, r_free, brisk_region_init(mem, LEN, 0)};
		run_latency(&reg, ops, ta, tf);
		alloc_ops_t shr = {"region-shared", r_alloc, r_free,
				   brisk_region_init(mem, LEN, BRISK_REGION_SHARED)};
		run_latency(&shr, ops, ta, tf);
	}
	const char *pre = getenv("LD_PRELOAD");
	alloc_ops_t mal = {pre && strstr(pre, "brisk") ? "malloc (brisk)" : "malloc (libc)",
			   m_alloc, m_free, NULL};
	run_latency(&mal, ops, ta, tf);
	printf("timer: clock_gettime pair %.1f ns mean, %llu ns min (included above)\n", timer,
	       (unsigned long long)tmin);
	if (!params[2].value)
		run_fragmentation(mem, params[1].value);
	return 0;
}
