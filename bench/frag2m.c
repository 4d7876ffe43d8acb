/* SPDX-License-Identifier: MIT */
/* frag2m — scattered 90% free of many small objects, then another size.
 *
 * Models: a program that loads millions of small records (strings, nodes),
 * keeps a scattered tenth of them (an index, a cache, interned keys) and then
 * goes on to allocate a different kind of object.  The freed memory is
 * plentiful but in small holes spread over every page: a segregated
 * allocator cannot give a page back (each still holds survivors) nor reuse
 * its holes for another size class, so the new objects need fresh memory;
 * a coalescing heap (glibc) merges neighbouring holes and fills them, and
 * meshing (merging pages whose live blocks do not overlap) can release them.
 *
 * Phase A: allocate `small` objects of min..max bytes (uniform, default
 * 16..128).  B: free all but every `keep`-th one (in allocation order, so
 * in every run of `keep` neighbours one survives).  C: allocate `big`
 * objects of `size` bytes (default 1M x 200 B).  Then every object is
 * checked and freed.  Peak RSS (measured by the runner) is the figure of
 * interest; metric live_mib is what the program holds at the peak.
 */
#include "common.h"

static struct param P[] = {
	{"small", 2000000, "small objects allocated in phase A"},
	{"min", 16, "smallest small object"},
	{"max", 128, "largest small object (max - min <= 255)"},
	{"keep", 10, "every keep-th small object survives phase B"},
	{"big", 1000000, "objects allocated in phase C"},
	{"size", 200, "size of the phase-C objects"},
	{"seed", 37, "PRNG seed"},
};
#define SMALL P[0].value
#define MINSZ P[1].value
#define MAXSZ P[2].value
#define KEEP P[3].value
#define BIG P[4].value
#define SIZE P[5].value
#define SEED P[6].value

/* fill the first bytes (up to 32) and the last one with a value derived
 * from the object's index; check returns the last byte */
static unsigned char *mk(size_t n, uint64_t i)
{
	unsigned char *p = xmalloc_or_die(n);
	unsigned char v = (unsigned char)(i * 131 + n);
	memset(p, v, n < 32 ? n : 32);
	p[n - 1] = (unsigned char)(v ^ 0xa5);
	return p;
}

static uint64_t check(unsigned char *p, size_t n, uint64_t i)
{
	unsigned char v = (unsigned char)(i * 131 + n);
	size_t m = n < 32 ? n : 32;
	for (size_t k = 0; k < m && k < n - 1; k++)
		if (UNLIKELY(p[k] != v))
			goto bad;
	if (UNLIKELY(p[n - 1] != (unsigned char)(v ^ 0xa5)))
		goto bad;
	return (uint64_t)p[n - 1] + n;
bad:
	fprintf(stderr, "frag2m: object %llu (%zu B) corrupted\n", (unsigned long long)i, n);
	abort();
}

int main(int argc, char **argv)
{
	PARAMS_PARSE(P, argc, argv);
	if (SMALL < 1 || KEEP < 1 || MINSZ < 1 || MAXSZ < MINSZ || MAXSZ - MINSZ > 255 || SIZE < 1 || BIG < 0)
		return 2;
	struct rng r;
	rng_seed(&r, (uint64_t)SEED);
	unsigned char **a = xmalloc_or_die(sizeof *a * (size_t)SMALL);
	uint8_t *an = xmalloc_or_die((size_t)SMALL);
	uint64_t sum = 0;
	size_t live = 0;

	/* A: many small objects */
	for (long i = 0; i < SMALL; i++) {
		an[i] = (uint8_t)(rng_range(&r, (size_t)MINSZ, (size_t)MAXSZ) - MINSZ);
		a[i] = mk((size_t)an[i] + (size_t)MINSZ, (uint64_t)i);
	}
	/* B: scattered 90% free */
	for (long i = 0; i < SMALL; i++) {
		size_t n = (size_t)an[i] + (size_t)MINSZ;
		if (i % KEEP == 0) {
			live += n;
			continue;
		}
		sum += check(a[i], n, (uint64_t)i);
		free(a[i]);
		a[i] = NULL;
	}
	/* C: objects of another size */
	unsigned char **c = xmalloc_or_die(sizeof *c * (size_t)(BIG ? BIG : 1));
	for (long i = 0; i < BIG; i++)
		c[i] = mk((size_t)SIZE, (uint64_t)i + 7);
	live += (size_t)BIG * (size_t)SIZE;
	long peak_live_mib = (long)(live >> 20);
	/* check and free everything */
	for (long i = 0; i < SMALL; i += KEEP) {
		size_t n = (size_t)an[i] + (size_t)MINSZ;
		sum += check(a[i], n, (uint64_t)i);
		free(a[i]);
	}
	for (long i = 0; i < BIG; i++) {
		sum += check(c[i], (size_t)SIZE, (uint64_t)i + 7);
		free(c[i]);
	}
	free(c);
	free(a);
	free(an);
	print_checksum(sum);
	print_metric("live_mib", peak_live_mib);
	return 0;
}
