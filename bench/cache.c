/* SPDX-License-Identifier: MIT */
/* cache — false sharing induced by the allocator (active and passive).
 *
 * thrash (scratch=0): every thread repeatedly allocates a small object,
 *   writes it hot, and frees it.  An allocator that carves neighbouring
 *   blocks of one cache line out for different threads makes the threads
 *   fight over that line ("active" false sharing).
 * scratch (scratch=1): the main thread allocates one small object per
 *   thread, back to back, and hands one to each thread; the thread frees it
 *   and then runs the thrash loop.  An allocator that recycles the freed
 *   block into the freeing thread's cache puts every thread on the same line
 *   ("passive" false sharing).
 * Models: small per-thread counters, iterators and request state objects
 * updated in tight loops.
 */
#include <pthread.h>

#include "common.h"

static struct param P[] = {
	{"scratch", 0, "1: hand main-thread objects to workers first (passive)"},
	{"threads", 2, "worker threads"},
	{"iters", 20000, "allocate/write/free cycles per thread"},
	{"writes", 500, "write passes over each object"},
	{"objsize", 8, "object size in bytes"},
};
#define SCRATCH P[0].value
#define THREADS P[1].value
#define ITERS P[2].value
#define WRITES P[3].value
#define OBJSIZE P[4].value

struct worker {
	pthread_t tid;
	unsigned char *handed;
	uint64_t sum;
};

static pthread_barrier_t start;

static void *run(void *arg)
{
	struct worker *w = arg;
	pthread_barrier_wait(&start);
	free(w->handed);
	uint64_t sum = 0;
	for (long i = 0; i < ITERS; i++) {
		volatile unsigned char *p = xmalloc_or_die((size_t)OBJSIZE);
		for (long j = 0; j < OBJSIZE; j++)
			p[j] = 0;
		for (long k = 0; k < WRITES; k++)
			for (long j = 0; j < OBJSIZE; j++)
				p[j] = (unsigned char)(p[j] + 1 + k);
		sum += p[0];
		free((void *)p);
	}
	w->sum = sum;
	return NULL;
}

int main(int argc, char **argv)
{
	PARAMS_PARSE(P, argc, argv);
	struct worker *w = xmalloc_or_die(sizeof(*w) * (size_t)THREADS);
	pthread_barrier_init(&start, NULL, (unsigned)THREADS);
	for (long t = 0; t < THREADS; t++) {
		w[t].handed = NULL;
		if (SCRATCH) {
			w[t].handed = xmalloc_or_die((size_t)OBJSIZE);
			memset(w[t].handed, 0, (size_t)OBJSIZE);
		}
	}
	for (long t = 0; t < THREADS; t++)
		if (pthread_create(&w[t].tid, NULL, run, &w[t]))
			abort();
	uint64_t sum = 0;
	for (long t = 0; t < THREADS; t++) {
		pthread_join(w[t].tid, NULL);
		sum += w[t].sum;
	}
	free(w);
	pthread_barrier_destroy(&start);
	print_checksum(sum);
	return 0;
}
