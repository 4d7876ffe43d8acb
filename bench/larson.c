/* SPDX-License-Identifier: MIT */
/* larson — server simulation: threads replace objects that other threads made.
 *
 * Models: a server whose request handlers allocate objects (sessions, buffers,
 * parse trees) that outlive the handler and are later freed by whichever
 * thread picks up the next request touching them.
 *
 * The slot array is split into one chunk per thread.  Time is cut into epochs
 * separated by a barrier; in epoch e thread t works on chunk (t + e) % N, each
 * step freeing a random slot's object and allocating a new one of random size.
 * An epoch replaces `turnover`% as many objects as the chunk holds, so with
 * the default 50% about 80% of all frees (with N >= 2) are of blocks another
 * thread allocated (printed as metric remote_free_pct), and every thread's
 * blocks end up spread over the other threads.  Total work is fixed (split among threads) so results at
 * different thread counts are comparable.
 */
#include <pthread.h>

#include "common.h"

static struct param P[] = {
	{"threads", 4, "worker threads"},
	{"ops", 4000000, "total replacements, split among threads and epochs"},
	{"slots", 65536, "total live objects (split into one chunk per thread)"},
	{"turnover", 50, "replacements per epoch, in % of a chunk (sets the epoch count)"},
	{"min", 8, "smallest object"},
	{"max", 512, "largest object"},
	{"seed", 7, "PRNG seed"},
};
#define THREADS P[0].value
#define OPS P[1].value
#define SLOTS P[2].value
#define TURNOVER P[3].value
#define MINSZ P[4].value
#define MAXSZ P[5].value
#define SEED P[6].value

struct obj {
	unsigned char *p;
	uint32_t size;
	uint32_t owner; /* thread that allocated it */
};

static struct obj *slots;
static long chunk, epochs;
static pthread_barrier_t barrier;

struct worker {
	pthread_t tid;
	long id;
	uint64_t sum;
	long remote;
};

static void make(struct obj *o, struct rng *r, long owner)
{
	size_t n = rng_range(r, (size_t)MINSZ, (size_t)MAXSZ);
	unsigned char *p = xmalloc_or_die(n);
	memset(p, (int)(n & 0xff), n < 64 ? n : 64);
	p[n - 1] = (unsigned char)n;
	o->p = p;
	o->size = (uint32_t)n;
	o->owner = (uint32_t)owner;
}

static void *run(void *arg)
{
	struct worker *w = arg;
	struct rng r;
	rng_seed(&r, (uint64_t)SEED * 7919u + (uint64_t)w->id);
	long per_epoch = OPS / THREADS / epochs;
	uint64_t sum = 0;
	long remote = 0;

	struct obj *mine = slots + w->id * chunk;
	for (long i = 0; i < chunk; i++)
		make(&mine[i], &r, w->id);
	for (long e = 1; e <= epochs; e++) {
		pthread_barrier_wait(&barrier);
		struct obj *c = slots + ((w->id + e) % THREADS) * chunk;
		for (long i = 0; i < per_epoch; i++) {
			struct obj *o = &c[rng_below(&r, (uint64_t)chunk)];
			if (UNLIKELY(o->p[o->size - 1] != (unsigned char)o->size)) {
				fprintf(stderr, "larson: corrupted object\n");
				abort();
			}
			sum = mix64(sum, o->size + o->p[0]);
			remote += o->owner != (uint32_t)w->id;
			free(o->p);
			make(o, &r, w->id);
		}
	}
	w->sum = sum;
	w->remote = remote;
	return NULL;
}

int main(int argc, char **argv)
{
	PARAMS_PARSE(P, argc, argv);
	chunk = SLOTS / THREADS;
	epochs = OPS * 100 / (SLOTS * TURNOVER);
	if (epochs < 1)
		epochs = 1;
	slots = xmalloc_or_die(sizeof(struct obj) * (size_t)(chunk * THREADS));
	pthread_barrier_init(&barrier, NULL, (unsigned)THREADS);
	struct worker *w = xmalloc_or_die(sizeof(*w) * (size_t)THREADS);
	for (long t = 0; t < THREADS; t++) {
		w[t].id = t;
		if (pthread_create(&w[t].tid, NULL, run, &w[t]) != 0)
			abort();
	}
	uint64_t sum = 0;
	long remote = 0;
	for (long t = 0; t < THREADS; t++) {
		pthread_join(w[t].tid, NULL);
		sum += w[t].sum;
		remote += w[t].remote;
	}
	for (long i = 0; i < chunk * THREADS; i++)
		free(slots[i].p);
	free(slots);
	free(w);
	pthread_barrier_destroy(&barrier);
	print_checksum(sum);
	print_metric("remote_free_pct", remote * 100 / (OPS / THREADS / epochs * epochs * THREADS));
	print_metric("epochs", epochs);
	return 0;
}
