/* SPDX-License-Identifier: MIT */
/* bigset — a working set of up to 20 big blocks (5..25 MiB), allocated and
 * freed in random order.
 *
 * Models: a program holding several big buffers at once — decoded images,
 * column chunks, compression windows, per-file read buffers — that come and
 * go in no particular order.  The working set (up to live x 25 MiB, about
 * 200 MiB on average with the defaults) is larger than a small cache of
 * freed huge blocks: an allocator that unmaps every freed block (or keeps
 * only a couple) pays mmap/munmap and a page fault per page on every
 * allocation; one that keeps and reuses freed spans does not.
 *
 * Each step picks one of `live` slots at random.  An empty slot gets a new
 * block; an occupied one has its block checked and freed, and then with
 * probability `refill_pct` a new block of another size takes its place
 * (about two thirds of the slots are occupied in the steady state).  Sizes
 * are uniform in [min_mib, max_mib] MiB plus a random remainder below 4 KiB.
 * Every page of a new block is written (a buffer is allocated to be filled)
 * and read back when the block is freed.
 */
#include "common.h"

static struct param P[] = {
	{"ops", 600, "steps (allocations + frees)"},
	{"live", 20, "slots: at most this many blocks live"},
	{"min_mib", 5, "smallest block (MiB)"},
	{"max_mib", 25, "largest block (MiB)"},
	{"refill_pct", 50, "percent of frees immediately followed by a new block in the slot"},
	{"seed", 31, "PRNG seed"},
};
#define OPS P[0].value
#define LIVE P[1].value
#define MIN_MIB P[2].value
#define MAX_MIB P[3].value
#define REFILL_PCT P[4].value
#define SEED P[5].value

struct blk {
	unsigned char *p;
	size_t n;
	unsigned char v;
};

static uint64_t nallocs, npages;

static void make(struct blk *b, struct rng *r)
{
	size_t n = rng_range(r, (size_t)MIN_MIB << 20, (size_t)MAX_MIB << 20) + rng_below(r, 4096);
	unsigned char v = (unsigned char)(rng_next(r) | 1);
	unsigned char *p = xmalloc_or_die(n);
	p[n - 1] = v; /* first: a last byte at a page start takes the page's mark */
	for (size_t off = 0; off < n; off += 4096)
		p[off] = (unsigned char)(v + (off >> 12));
	b->p = p;
	b->n = n;
	b->v = v;
	nallocs++;
	npages += (n + 4095) / 4096;
}

static uint64_t drop(struct blk *b)
{
	uint64_t s = 0;
	for (size_t off = 0; off < b->n; off += 4096) {
		if (UNLIKELY(b->p[off] != (unsigned char)(b->v + (off >> 12)))) {
			fprintf(stderr, "bigset: block %p corrupted at offset %zu\n", (void *)b->p, off);
			abort();
		}
		s += b->p[off];
	}
	if (UNLIKELY(((b->n - 1) & 4095) != 0 && b->p[b->n - 1] != b->v)) {
		fprintf(stderr, "bigset: block %p corrupted at its end\n", (void *)b->p);
		abort();
	}
	free(b->p);
	b->p = NULL;
	return s + b->n;
}

int main(int argc, char **argv)
{
	PARAMS_PARSE(P, argc, argv);
	if (LIVE < 1 || MIN_MIB < 1 || MAX_MIB < MIN_MIB)
		return 2;
	struct rng r;
	rng_seed(&r, (uint64_t)SEED);
	struct blk *b = calloc((size_t)LIVE, sizeof *b);
	if (!b)
		abort();
	uint64_t sum = 0;
	long maxlive = 0, nlive = 0;
	for (long i = 0; i < OPS; i++) {
		struct blk *s = &b[rng_below(&r, (uint64_t)LIVE)];
		if (!s->p) {
			make(s, &r);
			nlive++;
		} else {
			sum = mix64(sum, drop(s));
			nlive--;
			if ((long)rng_below(&r, 100) < REFILL_PCT) {
				make(s, &r);
				nlive++;
			}
		}
		if (nlive > maxlive)
			maxlive = nlive;
	}
	for (long k = 0; k < LIVE; k++)
		if (b[k].p)
			sum = mix64(sum, drop(&b[k]));
	free(b);
	print_checksum(sum);
	print_metric("allocs", (long)nallocs);
	print_metric("max_live", maxlive);
	print_metric("mib_written", (long)(npages / 256));
	return 0;
}
