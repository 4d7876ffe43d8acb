/* SPDX-License-Identifier: MIT */
/* large — churn of big blocks, 64 KiB .. 32 MiB, a third of them calloc'd.
 *
 * Models: image/decoder buffers, network receive buffers, per-request
 * scratch arrays and zeroed tables (calloc) that come and go.  A small set
 * of live blocks is replaced at random; every page of each new block is
 * written (a buffer is allocated to be filled), and calloc'd blocks are
 * checked to read as zero first.  Allocators that unmap or purge a freed
 * big block pay page faults on every reuse; those that keep it pay RSS.
 */
#include "common.h"

static struct param P[] = {
	{"ops", 600, "block replacements"},
	{"live", 6, "live big blocks"},
	{"min_kib", 64, "smallest block (KiB)"},
	{"max_kib", 32768, "largest block (KiB)"},
	{"calloc_pct", 33, "percent of allocations made with calloc"},
	{"seed", 13, "PRNG seed"},
};
#define OPS P[0].value
#define LIVE P[1].value
#define MIN_KIB P[2].value
#define MAX_KIB P[3].value
#define CALLOC_PCT P[4].value
#define SEED P[5].value

/* log-uniform size in [min, max] KiB, plus a random sub-KiB remainder */
static size_t pick(struct rng *r)
{
	double lo = __builtin_log((double)MIN_KIB), hi = __builtin_log((double)MAX_KIB);
	double u = (double)(rng_next(r) >> 11) / (double)(1ull << 53);
	size_t kib = (size_t)__builtin_exp(lo + u * (hi - lo));
	return kib * 1024 + rng_below(r, 1024);
}

int main(int argc, char **argv)
{
	PARAMS_PARSE(P, argc, argv);
	struct rng r;
	rng_seed(&r, (uint64_t)SEED);
	unsigned char **blk = calloc((size_t)LIVE, sizeof *blk);
	size_t *len = calloc((size_t)LIVE, sizeof *len);
	uint64_t sum = 0;
	for (long i = 0; i < OPS; i++) {
		long k = (long)rng_below(&r, (uint64_t)LIVE);
		if (blk[k]) {
			sum += blk[k][len[k] / 2] + blk[k][len[k] - 1];
			free(blk[k]);
		}
		size_t n = pick(&r);
		unsigned char *p;
		if ((long)rng_below(&r, 100) < CALLOC_PCT) {
			p = calloc(1, n);
			if (!p)
				abort();
			/* sample a few places: calloc must have zeroed them */
			for (size_t off = 0; off < n; off += n / 7 + 1)
				if (p[off] != 0) {
					fprintf(stderr, "large: calloc block not zeroed\n");
					abort();
				}
			sum += 1;
		} else {
			p = xmalloc_or_die(n);
		}
		touch(p, n, (unsigned char)(i + 1));
		p[n / 2] = (unsigned char)i;
		blk[k] = p;
		len[k] = n;
	}
	for (long k = 0; k < LIVE; k++)
		free(blk[k]);
	free(blk);
	free(len);
	print_checksum(sum);
	return 0;
}
