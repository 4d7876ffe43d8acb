/* SPDX-License-Identifier: MIT */
/* xmalloc — many threads allocate, one thread frees everything.
 *
 * Models: a pool of worker threads building results that a single collector
 * (logger, writer, GC-like reaper) disposes of.  Allocating threads fill
 * batches of blocks and push each batch onto a shared list; one freeing
 * thread pops batches and frees every block.  At most `inflight` batches
 * wait at a time, so producers block when the freer falls behind: the
 * freer's speed on foreign blocks bounds throughput, and allocators that
 * return remotely freed memory to its owner slowly grow their RSS.
 */
#include <pthread.h>

#include "common.h"

static struct param P[] = {
	{"threads", 4, "allocating threads (plus one freeing thread)"},
	{"blocks", 2000000, "blocks per allocating thread"},
	{"batch", 256, "blocks handed over per batch"},
	{"inflight", 64, "batches allowed to wait for the freer"},
	{"min", 8, "smallest block"},
	{"max", 512, "largest block"},
	{"seed", 11, "PRNG seed"},
};
#define THREADS P[0].value
#define BLOCKS P[1].value
#define BATCH P[2].value
#define INFLIGHT P[3].value
#define MINSZ P[4].value
#define MAXSZ P[5].value
#define SEED P[6].value

struct batch {
	struct batch *next;
	long n;
	unsigned char *blk[];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static struct batch *stack;
static long waiting, producers_left;

static void *allocator_thread(void *arg)
{
	long id = (long)arg;
	struct rng r;
	rng_seed(&r, (uint64_t)SEED * 101u + (uint64_t)id);
	for (long done = 0; done < BLOCKS;) {
		long n = BLOCKS - done < BATCH ? BLOCKS - done : BATCH;
		struct batch *b = xmalloc_or_die(sizeof *b + sizeof(void *) * (size_t)n);
		b->n = n;
		for (long i = 0; i < n; i++) {
			size_t sz = rng_range(&r, (size_t)MINSZ, (size_t)MAXSZ);
			unsigned char *p = xmalloc_or_die(sz);
			p[0] = (unsigned char)sz;
			p[sz - 1] = (unsigned char)(sz >> 1);
			b->blk[i] = p;
		}
		done += n;
		pthread_mutex_lock(&lock);
		while (waiting >= INFLIGHT)
			pthread_cond_wait(&not_full, &lock);
		b->next = stack;
		stack = b;
		waiting++;
		pthread_cond_signal(&not_empty);
		pthread_mutex_unlock(&lock);
	}
	pthread_mutex_lock(&lock);
	producers_left--;
	pthread_cond_signal(&not_empty);
	pthread_mutex_unlock(&lock);
	return NULL;
}

int main(int argc, char **argv)
{
	PARAMS_PARSE(P, argc, argv);
	pthread_t *tid = xmalloc_or_die(sizeof(pthread_t) * (size_t)THREADS);
	producers_left = THREADS;
	for (long t = 0; t < THREADS; t++)
		if (pthread_create(&tid[t], NULL, allocator_thread, (void *)t))
			abort();
	/* the main thread is the freeing thread */
	uint64_t sum = 0;
	for (;;) {
		pthread_mutex_lock(&lock);
		while (!stack && producers_left > 0)
			pthread_cond_wait(&not_empty, &lock);
		struct batch *list = stack;
		stack = NULL;
		waiting = 0;
		pthread_cond_broadcast(&not_full);
		int finished = producers_left == 0;
		pthread_mutex_unlock(&lock);
		while (list) {
			struct batch *next = list->next;
			for (long i = 0; i < list->n; i++) {
				unsigned char *p = list->blk[i];
				sum += p[0];
				free(p);
			}
			free(list);
			list = next;
		}
		if (finished)
			break;
	}
	for (long t = 0; t < THREADS; t++)
		pthread_join(tid[t], NULL);
	free(tid);
	print_checksum(sum);
	return 0;
}
