/* SPDX-License-Identifier: MIT */
/* rptest — more threads than cores, random sizes whose distribution changes
 * in phases, with some frees crossing threads.
 *
 * Models: a multi-threaded service whose threads go through stages with
 * different allocation profiles (parsing: many small objects; I/O and
 * encoding: buffers of a few KiB; processing: a mix), each thread at its own
 * stage, and some objects handed to another thread to be disposed of.
 * (cf. rpmalloc's rptest; our own program.)
 *
 * Each of `threads` threads (default 4; the machine the suite runs on has 2
 * cores, so they are preempted in the middle of allocator work) keeps a
 * working set of `live` slots and replaces a random slot's object at each
 * step.  Every `phase` steps it moves to the next size distribution, cycling
 * small (16..256 B uniform), medium (257 B..32 KiB log-uniform) and mixed
 * (size_mix(), 16 B..64 KiB); thread t starts at phase t % 3, so different
 * distributions run at once.  A replaced object is freed by its thread or,
 * with probability `remote_pct`, swapped into a random slot of a shared
 * array; the object swapped out (most likely another thread's) is freed
 * instead.  Total work is fixed (ops are split among the threads).  Every
 * object is checked where it is freed (obj_free in common.h).
 */
#include <pthread.h>

#include "common.h"

static struct param P[] = {
	{"threads", 4, "worker threads"},
	{"ops", 4000000, "total replacements, split among threads"},
	{"live", 4096, "working-set slots per thread"},
	{"phase", 25000, "steps per phase (small, medium, mixed, small, ...)"},
	{"remote_pct", 10, "percent of frees passed through the shared array"},
	{"shared", 4096, "slots of the shared array"},
	{"seed", 29, "PRNG seed"},
};
#define THREADS P[0].value
#define OPS P[1].value
#define LIVE P[2].value
#define PHASE P[3].value
#define REMOTE_PCT P[4].value
#define SHARED P[5].value
#define SEED P[6].value

static void **shared;

struct worker {
	pthread_t tid;
	long id;
	uint64_t sum;
	long passed, taken;
};

static size_t pick_size(struct rng *r, long phase)
{
	switch (phase % 3) {
	case 0:
		return rng_range(r, 16, 256);
	case 1: {
		unsigned sh = (unsigned)rng_range(r, 8, 14); /* [2^sh + 1, 2^(sh+1)] */
		return rng_range(r, ((size_t)1 << sh) + 1, (size_t)2 << sh);
	}
	default:
		return size_mix(r);
	}
}

static void drop(struct worker *w, struct rng *r, void *p)
{
	if ((long)rng_below(r, 100) < REMOTE_PCT) {
		void *old = __atomic_exchange_n(&shared[rng_below(r, (uint64_t)SHARED)], p, __ATOMIC_ACQ_REL);
		w->passed++;
		if (!old)
			return;
		w->taken++;
		p = old;
	}
	w->sum += obj_free(p, "rptest");
}

static void *run(void *arg)
{
	struct worker *w = arg;
	struct rng r;
	rng_seed(&r, (uint64_t)SEED * 7001u + (uint64_t)w->id);
	long live = LIVE, ops = OPS / THREADS;
	void **set = calloc((size_t)live, sizeof *set);
	if (!set)
		abort();
	long phase = w->id % 3;
	for (long i = 0; i < ops; i++) {
		if (i && i % PHASE == 0)
			phase++;
		long k = (long)rng_below(&r, (uint64_t)live);
		if (set[k])
			drop(w, &r, set[k]);
		set[k] = obj_new(pick_size(&r, phase), (uint32_t)rng_next(&r));
	}
	for (long k = 0; k < live; k++)
		if (set[k])
			drop(w, &r, set[k]);
	free(set);
	return NULL;
}

int main(int argc, char **argv)
{
	PARAMS_PARSE(P, argc, argv);
	if (THREADS < 1 || LIVE < 1 || SHARED < 1 || PHASE < 1)
		return 2;
	shared = calloc((size_t)SHARED, sizeof *shared);
	struct worker *w = calloc((size_t)THREADS, sizeof *w);
	if (!shared || !w)
		abort();
	for (long t = 0; t < THREADS; t++) {
		w[t].id = t;
		if (pthread_create(&w[t].tid, NULL, run, &w[t]) != 0)
			abort();
	}
	uint64_t sum = 0;
	long passed = 0, taken = 0;
	for (long t = 0; t < THREADS; t++) {
		pthread_join(w[t].tid, NULL);
		sum += w[t].sum;
		passed += w[t].passed;
		taken += w[t].taken;
	}
	for (long k = 0; k < SHARED; k++)
		if (shared[k])
			sum += obj_free(shared[k], "rptest");
	free(shared);
	free(w);
	print_checksum(sum);
	print_metric("passed", passed);
	print_metric("taken_from_shared", taken);
	return 0;
}
