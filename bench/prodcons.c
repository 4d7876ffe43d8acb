/* SPDX-License-Identifier: MIT */
/* prodcons — producer/consumer pipelines: every block is freed by a thread
 * other than the one that allocated it.
 *
 * Models: message passing — a parser thread allocates requests or log
 * records and a worker thread consumes and frees them.  Each pair shares a
 * bounded single-producer/single-consumer ring of pointers; the producer
 * allocates and fills a message, the consumer reads and frees it.  With
 * pairs=4 there are 8 threads on the machine, so queues run full and empty
 * in bursts (the consumer frees batches of blocks from the same producer).
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "common.h"

static struct param P[] = {
	{"pairs", 1, "producer/consumer pairs"},
	{"msgs", 2000000, "messages per pair"},
	{"ring", 4096, "ring capacity (power of two)"},
	{"min", 16, "smallest message"},
	{"max", 255, "largest message"},
	{"seed", 3, "PRNG seed"},
};
#define PAIRS P[0].value
#define MSGS P[1].value
#define RING P[2].value
#define MINSZ P[3].value
#define MAXSZ P[4].value
#define SEED P[5].value

struct queue {
	_Alignas(64) _Atomic unsigned long head; /* written by the consumer */
	_Alignas(64) _Atomic unsigned long tail; /* written by the producer */
	_Alignas(64) unsigned char **items;
	unsigned long mask;
	long id;
	uint64_t sum;
	pthread_t prod, cons;
};

static void backoff(unsigned *spins)
{
	if (++*spins < 64)
		__builtin_ia32_pause();
	else
		sched_yield();
}

static void *producer(void *arg)
{
	struct queue *q = arg;
	struct rng r;
	rng_seed(&r, (uint64_t)SEED * 31u + (uint64_t)q->id);
	unsigned long tail = 0;
	for (long i = 0; i < MSGS; i++) {
		size_t n = rng_range(&r, (size_t)MINSZ, (size_t)MAXSZ);
		unsigned char *m = xmalloc_or_die(n);
		memset(m, (int)(i & 0xff), n);
		m[0] = (unsigned char)n;
		unsigned spins = 0;
		while (tail - atomic_load_explicit(&q->head, memory_order_acquire) > q->mask)
			backoff(&spins);
		q->items[tail & q->mask] = m;
		atomic_store_explicit(&q->tail, ++tail, memory_order_release);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	struct queue *q = arg;
	unsigned long head = 0;
	uint64_t sum = 0;
	while (head < (unsigned long)MSGS) {
		unsigned spins = 0;
		unsigned long tail;
		while ((tail = atomic_load_explicit(&q->tail, memory_order_acquire)) == head)
			backoff(&spins);
		for (; head < tail; head++) {
			unsigned char *m = q->items[head & q->mask];
			sum += m[0] + m[m[0] - 1];
			free(m);
			if ((head & 63) == 63)
				atomic_store_explicit(&q->head, head + 1, memory_order_release);
		}
		atomic_store_explicit(&q->head, head, memory_order_release);
	}
	q->sum = sum;
	return NULL;
}

int main(int argc, char **argv)
{
	PARAMS_PARSE(P, argc, argv);
	if (RING & (RING - 1) || MINSZ < 2 || MAXSZ > 255) {
		fprintf(stderr, "prodcons: ring must be a power of two, 2 <= min <= max <= 255\n");
		return 2;
	}
	struct queue *qs = aligned_alloc(64, sizeof(struct queue) * (size_t)PAIRS);
	for (long i = 0; i < PAIRS; i++) {
		struct queue *q = &qs[i];
		memset(q, 0, sizeof *q);
		q->items = xmalloc_or_die(sizeof(void *) * (size_t)RING);
		q->mask = (unsigned long)RING - 1;
		q->id = i;
		if (pthread_create(&q->cons, NULL, consumer, q) ||
		    pthread_create(&q->prod, NULL, producer, q))
			abort();
	}
	uint64_t sum = 0;
	for (long i = 0; i < PAIRS; i++) {
		pthread_join(qs[i].prod, NULL);
		pthread_join(qs[i].cons, NULL);
		sum += qs[i].sum;
		free(qs[i].items);
	}
	free(qs);
	print_checksum(sum);
	return 0;
}
