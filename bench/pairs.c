/* SPDX-License-Identifier: MIT */
/* pairs — fast-path cost probe for callgrind: N malloc(32)/free pairs.
 *
 * The runner runs this under `valgrind --tool=callgrind` twice, with n=N1
 * and n=N2, and reports (Ir(N2) - Ir(N1)) / (N2 - N1): the instructions one
 * steady-state malloc+free pair costs, start-up and warm-up cancelled out.
 * The loop itself adds ~5 instructions per pair (counted for every allocator).
 *
 * neighbours=K first allocates K live 32-byte blocks, so the block cycled by
 * the loop shares its page with live ones (the usual situation).  With
 * neighbours=0 every free may empty its page: the "lone" figure shows
 * whether the allocator then retires and re-creates the page each time.
 */
#include "common.h"

static struct param P[] = {
	{"n", 100000, "measured malloc/free pairs"},
	{"neighbours", 100, "live 32-byte blocks kept during the loop"},
	{"size", 32, "request size"},
};
#define N P[0].value
#define NEIGHBOURS P[1].value
#define SIZE P[2].value

static void *volatile sink;

int main(int argc, char **argv)
{
	PARAMS_PARSE(P, argc, argv);
	void **keep = NULL;
	if (NEIGHBOURS) {
		keep = xmalloc_or_die(sizeof(void *) * (size_t)NEIGHBOURS);
		for (long i = 0; i < NEIGHBOURS; i++)
			keep[i] = xmalloc_or_die((size_t)SIZE);
	}
	/* warm-up: reach steady state before the measured part */
	for (long i = 0; i < 1000; i++) {
		sink = malloc((size_t)SIZE);
		free(sink);
	}
	for (long i = 0; i < N; i++) {
		void *p = malloc((size_t)SIZE);
		sink = p;
		free(p);
	}
	for (long i = 0; i < NEIGHBOURS; i++)
		free(keep[i]);
	free(keep);
	return 0;
}
