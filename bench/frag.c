/* SPDX-License-Identifier: MIT */
/* frag — fragmentation: phases of different size mixes, peak and final RSS.
 *
 * Models: a long-running program whose allocation pattern changes: it loads
 * many small records, drops most of them (a scattered 10% survive: caches,
 * interned strings), then works with medium-sized buffers, then small
 * objects of other sizes, and finally returns to a quiet state.
 *
 * Per cycle: A) allocate `small` objects of 16..128 B; B) free 90% of them,
 * scattered at random; C) allocate medium objects of 200..2000 B totalling
 * about the freed bytes; D) free C and allocate `small`/2 objects of
 * 24..48 B; E) free D.  The A-survivors stay live across cycles.
 * After the last cycle prints metric final_rss_kib (RSS with only the
 * survivors live, no malloc_trim) and live_kib (bytes the program holds).
 * Peak RSS is measured by the runner.  An allocator that can reuse the holes
 * left by B for C's sizes (coalescing) keeps both low.
 */
#include "common.h"

static struct param P[] = {
	{"small", 1000000, "small objects allocated per cycle in phase A"},
	{"cycles", 3, "repetitions of phases A..E"},
	{"keep_pct", 10, "percent of phase-A objects that survive"},
	{"seed", 17, "PRNG seed"},
};
#define SMALL P[0].value
#define CYCLES P[1].value
#define KEEP_PCT P[2].value
#define SEED P[3].value

struct blk {
	unsigned char *p;
	size_t n;
};

static unsigned char *mk(size_t n, unsigned char v)
{
	unsigned char *p = xmalloc_or_die(n);
	memset(p, v, n < 64 ? n : 64);
	p[n - 1] = v;
	return p;
}

int main(int argc, char **argv)
{
	PARAMS_PARSE(P, argc, argv);
	struct rng r;
	rng_seed(&r, (uint64_t)SEED);
	long small = SMALL;
	struct blk *keep = xmalloc_or_die(sizeof *keep * (size_t)(small * CYCLES));
	long nkeep = 0;
	struct blk *a = xmalloc_or_die(sizeof *a * (size_t)small);
	struct blk *c = xmalloc_or_die(sizeof *c * (size_t)small);
	uint64_t sum = 0;
	size_t live_bytes = 0;

	for (long cyc = 0; cyc < CYCLES; cyc++) {
		/* A: many small records */
		for (long i = 0; i < small; i++) {
			a[i].n = rng_range(&r, 16, 128);
			a[i].p = mk(a[i].n, (unsigned char)i);
		}
		/* B: drop 90%, scattered; survivors join the long-lived set */
		size_t freed = 0;
		for (long i = 0; i < small; i++) {
			if ((long)rng_below(&r, 100) < KEEP_PCT) {
				keep[nkeep++] = a[i];
				live_bytes += a[i].n;
			} else {
				sum += a[i].p[a[i].n - 1];
				freed += a[i].n;
				free(a[i].p);
			}
		}
		/* C: medium buffers, about as many bytes as were freed */
		long nc = 0;
		for (size_t got = 0; got < freed && nc < small; nc++) {
			c[nc].n = rng_range(&r, 200, 2000);
			c[nc].p = mk(c[nc].n, (unsigned char)nc);
			got += c[nc].n;
		}
		/* D: free C, then small objects of other sizes */
		for (long i = 0; i < nc; i++) {
			sum += c[i].p[c[i].n - 1];
			free(c[i].p);
		}
		long nd = small / 2;
		for (long i = 0; i < nd; i++) {
			a[i].n = rng_range(&r, 24, 48);
			a[i].p = mk(a[i].n, (unsigned char)(i * 3));
		}
		/* E: free D */
		for (long i = 0; i < nd; i++) {
			sum += a[i].p[a[i].n - 1];
			free(a[i].p);
		}
	}
	long final_rss = rss_kib();
	for (long i = 0; i < nkeep; i++) {
		sum += keep[i].p[keep[i].n - 1];
		free(keep[i].p);
	}
	free(keep);
	free(a);
	free(c);
	print_checksum(sum);
	print_metric("final_rss_kib", final_rss);
	print_metric("live_kib", (long)(live_bytes / 1024));
	return 0;
}
