/* SPDX-License-Identifier: MIT */
/* churn — single-thread (or N independent threads) small-object churn.
 *
 * Models: the steady state of an ordinary program — a working set of live
 * objects (strings, nodes, small structs, the odd buffer) where a random
 * object dies and a new one of a different size is born, over and over.
 * Size mix: see size_mix() in common.h (most < 64 B, tail to 64 KiB).
 * Each thread owns its working set; nothing crosses threads, so with
 * threads=N this measures how the allocator scales with thread count
 * (total work is fixed: ops are split among the threads).
 */
#include <pthread.h>

#include "common.h"

static struct param P[] = {
	{"threads", 1, "worker threads, each with its own working set"},
	{"ops", 4000000, "total replacements, split among threads"},
	{"live", 20000, "live objects per thread"},
	{"seed", 42, "PRNG seed"},
};
#define THREADS P[0].value
#define OPS P[1].value
#define LIVE P[2].value
#define SEED P[3].value

struct slot {
	unsigned char *p;
	uint32_t size;
	unsigned char tag;
};

struct worker {
	pthread_t tid;
	long id;
	uint64_t sum;
};

static unsigned char *birth(struct slot *s, struct rng *r)
{
	size_t n = size_mix(r);
	unsigned char *p = xmalloc_or_die(n);
	unsigned char tag = (unsigned char)rng_next(r);
	/* initialise like a constructor: small objects fully, big ones sparsely */
	memset(p, tag, n < 128 ? n : 128);
	touch(p, n, tag);
	s->p = p;
	s->size = (uint32_t)n;
	s->tag = tag;
	return p;
}

static void *run(void *arg)
{
	struct worker *w = arg;
	struct rng r;
	rng_seed(&r, (uint64_t)SEED * 1000003u + (uint64_t)w->id);
	long live = LIVE;
	long ops = OPS / THREADS;
	struct slot *slots = xmalloc_or_die(sizeof(struct slot) * (size_t)live);
	uint64_t sum = 0;

	for (long i = 0; i < live; i++)
		birth(&slots[i], &r);
	for (long i = 0; i < ops; i++) {
		struct slot *s = &slots[rng_below(&r, (uint64_t)live)];
		/* read the dying object, as its owner would before dropping it */
		sum = mix64(sum, (uint64_t)s->p[0] + s->p[s->size - 1] + s->size);
		if (UNLIKELY(s->p[0] != s->tag)) {
			fprintf(stderr, "churn: corrupted object\n");
			abort();
		}
		free(s->p);
		birth(s, &r);
	}
	for (long i = 0; i < live; i++)
		free(slots[i].p);
	free(slots);
	w->sum = sum;
	return NULL;
}

int main(int argc, char **argv)
{
	PARAMS_PARSE(P, argc, argv);
	struct worker *w = xmalloc_or_die(sizeof(*w) * (size_t)THREADS);
	for (long t = 0; t < THREADS; t++) {
		w[t].id = t;
		if (THREADS == 1)
			run(&w[t]);
		else if (pthread_create(&w[t].tid, NULL, run, &w[t]) != 0)
			abort();
	}
	uint64_t sum = 0;
	for (long t = 0; t < THREADS; t++) {
		if (THREADS > 1)
			pthread_join(w[t].tid, NULL);
		sum += w[t].sum;
	}
	free(w);
	print_checksum(sum);
	return 0;
}
