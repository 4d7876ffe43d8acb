/* SPDX-License-Identifier: MIT */
/* threadchurn — short-lived threads that hand objects to each other.
 *
 * Models: a program that runs its work on threads it starts and joins over
 * and over (a task spawned per request, a pool that is torn down and rebuilt,
 * a parallel loop without a persistent pool).  Each thread builds a working
 * set of mixed-size objects, lets a share of the objects it drops travel
 * through a shared table to whichever thread touches that table slot next,
 * and exits.  The next threads need memory right away: an allocator that
 * purges an exiting thread's heap pays page faults (and madvise calls) for
 * every new thread; one that hands the heap on warm does not.  Frees of
 * objects whose allocating thread has exited must still be collected.
 *
 * Per round, `waves` waves of `threads` concurrent threads run one after the
 * other (a wave is joined before the next starts), so the default 2 threads x
 * 2 waves x 50 rounds starts 200 threads.  Each thread makes `objs` objects
 * (16 B..64 KiB from size_mix(), `big_permille` of them 64 KiB..1 MiB) into a
 * working set of `live` slots; a displaced object (and, at exit, every one
 * left) is freed by the thread itself or, with probability `transfer_pct`,
 * swapped into a random slot of the shared table, whose previous occupant
 * (made by a sibling or by a thread of an earlier wave) is freed instead.
 * At the end of each round the main thread frees what is left in the table.
 * Every object is checked (obj_free in common.h) wherever it is freed.
 */
#include <pthread.h>

#include "common.h"

static struct param P[] = {
	{"threads", 2, "threads running at once (one wave)"},
	{"waves", 2, "waves of threads per round, each joined before the next"},
	{"rounds", 50, "rounds (threads started: threads x waves x rounds)"},
	{"objs", 20000, "objects each thread allocates"},
	{"live", 2000, "working-set slots per thread"},
	{"transfer_pct", 50, "percent of dropped objects passed through the shared table"},
	{"big_permille", 5, "per mille of objects of 64 KiB..1 MiB"},
	{"table", 4096, "slots of the shared table"},
	{"seed", 23, "PRNG seed"},
};
#define THREADS P[0].value
#define WAVES P[1].value
#define ROUNDS P[2].value
#define OBJS P[3].value
#define LIVE P[4].value
#define TRANSFER_PCT P[5].value
#define BIG_PERMILLE P[6].value
#define TABLE P[7].value
#define SEED P[8].value

static void **table;

struct worker {
	pthread_t tid;
	uint64_t id; /* unique over the whole run */
	uint64_t sum;
	long passed, taken;
};

static size_t pick_size(struct rng *r)
{
	if ((long)rng_below(r, 1000) < BIG_PERMILLE) {
		/* log-uniform 64 KiB .. 1 MiB */
		unsigned sh = (unsigned)rng_range(r, 16, 19);
		return rng_range(r, (size_t)1 << sh, (size_t)2 << sh);
	}
	return size_mix(r); /* obj_new rounds up to OBJ_MIN */
}

/* drop an object: free it here or pass it on through the table */
static void drop(struct worker *w, struct rng *r, void *p)
{
	if ((long)rng_below(r, 100) < TRANSFER_PCT) {
		void *old = __atomic_exchange_n(&table[rng_below(r, (uint64_t)TABLE)], p, __ATOMIC_ACQ_REL);
		w->passed++;
		if (!old)
			return;
		w->taken++;
		p = old;
	}
	w->sum += obj_free(p, "threadchurn");
}

static void *run(void *arg)
{
	struct worker *w = arg;
	struct rng r;
	rng_seed(&r, (uint64_t)SEED * 1000033u + w->id);
	long live = LIVE;
	void **set = calloc((size_t)live, sizeof *set);
	if (!set)
		abort();
	for (long i = 0; i < OBJS; i++) {
		long k = (long)rng_below(&r, (uint64_t)live);
		if (set[k])
			drop(w, &r, set[k]);
		set[k] = obj_new(pick_size(&r), (uint32_t)rng_next(&r));
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
	if (THREADS < 1 || LIVE < 1 || TABLE < 1)
		return 2;
	table = calloc((size_t)TABLE, sizeof *table);
	struct worker *w = calloc((size_t)THREADS, sizeof *w);
	if (!table || !w)
		abort();
	uint64_t sum = 0, id = 0;
	long passed = 0, taken = 0, started = 0, swept = 0;
	for (long round = 0; round < ROUNDS; round++) {
		for (long wave = 0; wave < WAVES; wave++) {
			for (long t = 0; t < THREADS; t++) {
				memset(&w[t], 0, sizeof w[t]);
				w[t].id = id++;
				if (pthread_create(&w[t].tid, NULL, run, &w[t]) != 0) {
					fprintf(stderr, "threadchurn: pthread_create failed\n");
					return 1;
				}
				started++;
			}
			for (long t = 0; t < THREADS; t++) {
				pthread_join(w[t].tid, NULL);
				sum += w[t].sum;
				passed += w[t].passed;
				taken += w[t].taken;
			}
		}
		/* the main thread frees what the exited threads left in the table */
		for (long k = 0; k < TABLE; k++)
			if (table[k]) {
				sum += obj_free(table[k], "threadchurn");
				table[k] = NULL;
				swept++;
			}
	}
	free(table);
	free(w);
	print_checksum(sum);
	print_metric("threads_started", started);
	print_metric("passed", passed);
	print_metric("taken_from_table", taken);
	print_metric("swept_by_main", swept);
	return 0;
}
