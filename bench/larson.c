/* larson — server simulation: threads replace objects that other threads made.
 *
 * Models: a server whose request handlers allocate objects (sessions, buffers,
 * parse trees) that outlive the handler and are later freed by whichever
 * thread picks up the next request touching them.
 *
 * The slot array is split into one chunk per thread.  Time is cut into epochs
 * separated by a barrier; in epoch e thread t works on chunk (t + e) % N, each
 * step freeing a random slot's object and allocating a new one of random size.
 * So from the second epoch on (with N >= 2) nearly every free is of a block
 * another thread allocated, and every thread's blocks end up spread over the
 * other threads.  Total work is fixed (split among threads) so results at
 * different thread counts are comparable.
 */
#include <pthread.h>

#include "common.h"

static struct param P[] = {
	{"threads", 4, "worker threads"},
	{"ops", 4000000, "total replacements, split among threads and epochs"},
	{"slots", 32768, "total live objects (split into one chunk per thread)"},
	{"epochs", 40, "chunk hand-overs (barriers)"},
	{"min", 8, "smallest object"},
	{"max", 512, "largest object"},
	{"seed", 7, "PRNG seed"},
};
#define THREADS P[0].value
#define OPS P[1].value
#define SLOTS P[2].value
#define EPOCHS P[3].value
#define MINSZ P[4].value
#define MAXSZ P[5].value
#define SEED P[6].value

struct obj {
	unsigned char *p;
	uint32_t size;
};

static struct obj *slots;
static long chunk;
static pthread_barrier_t barrier;

struct worker {
	pthread_t tid;
	long id;
	uint64_t sum;
};

static void make(struct obj *o, struct rng *r)
{
	size_t n = rng_range(r, (size_t)MINSZ, (size_t)MAXSZ);
	unsigned char *p = xmalloc_or_die(n);
	memset(p, (int)(n & 0xff), n < 64 ? n : 64);
	p[n - 1] = (unsigned char)n;
	o->p = p;
	o->size = (uint32_t)n;
}

static void *run(void *arg)
{
	struct worker *w = arg;
	struct rng r;
	rng_seed(&r, (uint64_t)SEED * 7919u + (uint64_t)w->id);
	long per_epoch = OPS / THREADS / EPOCHS;
	uint64_t sum = 0;

	struct obj *mine = slots + w->id * chunk;
	for (long i = 0; i < chunk; i++)
		make(&mine[i], &r);
	for (long e = 1; e <= EPOCHS; e++) {
		pthread_barrier_wait(&barrier);
		struct obj *c = slots + ((w->id + e) % THREADS) * chunk;
		for (long i = 0; i < per_epoch; i++) {
			struct obj *o = &c[rng_below(&r, (uint64_t)chunk)];
			if (UNLIKELY(o->p[o->size - 1] != (unsigned char)o->size)) {
				fprintf(stderr, "larson: corrupted object\n");
				abort();
			}
			sum = mix64(sum, o->size + o->p[0]);
			free(o->p);
			make(o, &r);
		}
	}
	w->sum = sum;
	return NULL;
}

int main(int argc, char **argv)
{
	PARAMS_PARSE(P, argc, argv);
	chunk = SLOTS / THREADS;
	slots = xmalloc_or_die(sizeof(struct obj) * (size_t)(chunk * THREADS));
	pthread_barrier_init(&barrier, NULL, (unsigned)THREADS);
	struct worker *w = xmalloc_or_die(sizeof(*w) * (size_t)THREADS);
	for (long t = 0; t < THREADS; t++) {
		w[t].id = t;
		if (pthread_create(&w[t].tid, NULL, run, &w[t]) != 0)
			abort();
	}
	uint64_t sum = 0;
	for (long t = 0; t < THREADS; t++) {
		pthread_join(w[t].tid, NULL);
		sum += w[t].sum;
	}
	for (long i = 0; i < chunk * THREADS; i++)
		free(slots[i].p);
	free(slots);
	free(w);
	pthread_barrier_destroy(&barrier);
	print_checksum(sum);
	return 0;
}
