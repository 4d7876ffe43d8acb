/* SPDX-License-Identifier: MIT */
/* examples/prefork_cache.c — a pre-forked "server" whose workers share a
 * key -> value cache living in a brisk region heap.
 *
 *   build/examples/prefork_cache [workers] [requests-per-worker]
 *
 * The parent makes a 16 MiB memfd, maps it MAP_SHARED, turns it into a
 * region (BRISK_REGION_SHARED) and puts the cache's root in it: a hash
 * table of offsets and a robust process-shared mutex.  Each worker maps
 * the memfd again (at an address of its own: nothing in the region is a
 * pointer), attaches, and serves fake requests "GET user:<id>": a hit
 * reads the cached value; a miss "computes" it and inserts an entry
 * allocated from the region; now and then an entry is evicted and freed,
 * by whichever worker happens to evict it.
 *
 * Locks: the cache mutex guards the table; the region's own lock guards
 * the allocator.  Region calls are made while holding the cache mutex,
 * never the other way round, so there is one lock order.  Each table
 * update publishes last (a new entry is linked in by one store after it
 * is complete), so a worker that dies holding the mutex leaves a table
 * that the next locker can keep using after pthread_mutex_consistent.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "brisk.h"

#define REGION_LEN (16u << 20)
#define BUCKETS 1024
#define KEYS 5000

typedef struct cache {
  pthread_mutex_t lock;
  uint64_t bucket[BUCKETS]; /* offset of the first entry, 0: none */
  uint64_t entries, hits[64], misses[64], evictions;
} cache_t;

typedef struct entry {
  uint64_t next; /* offset of the next entry in the bucket */
  uint32_t key, vlen;
  char value[];
} entry_t;

static void cache_lock(cache_t *c) {
  if (pthread_mutex_lock(&c->lock) == EOWNERDEAD) pthread_mutex_consistent(&c->lock);
}

/* Serve one request for `key`; returns the value's length. */
static size_t serve(brisk_region_t *r, cache_t *c, int me, uint32_t key) {
  char buf[128];
  size_t len = 0;
  cache_lock(c);
  uint64_t *link = &c->bucket[key % BUCKETS];
  entry_t *e;
  for (e = brisk_region_ptr(r, *link); e != NULL; e = brisk_region_ptr(r, e->next))
    if (e->key == key) break;
  if (e != NULL) {
    c->hits[me]++;
    len = e->vlen;
    memcpy(buf, e->value, len); /* the "response" */
  } else {
    c->misses[me]++;
    len = (size_t)snprintf(buf, sizeof buf, "profile of user %u, computed by worker %d", key, me);
    e = brisk_region_malloc(r, sizeof *e + len);
    if (e != NULL) {
      *e = (entry_t){.next = *link, .key = key, .vlen = (uint32_t)len};
      memcpy(e->value, buf, len);
      *link = brisk_region_offset(r, e); /* publish last */
      c->entries++;
    }
  }
  if (key % 7 == 0 && *link != 0) { /* evict the bucket's first entry */
    entry_t *victim = brisk_region_ptr(r, *link);
    *link = victim->next;
    brisk_region_free(r, victim);
    c->entries--;
    c->evictions++;
  }
  pthread_mutex_unlock(&c->lock);
  return len;
}

static void worker(int fd, uint64_t root, int me, int requests) {
  void *m = mmap(NULL, REGION_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  brisk_region_t *r = m == MAP_FAILED ? NULL : brisk_region_attach(m);
  if (r == NULL) _exit(1);
  cache_t *c = brisk_region_ptr(r, root);
  unsigned seed = 1234u + (unsigned)me;
  size_t bytes = 0;
  for (int i = 0; i < requests; i++) {
    uint32_t key = (uint32_t)(rand_r(&seed) % KEYS) / (1 + (uint32_t)rand_r(&seed) % 8); /* skewed */
    bytes += serve(r, c, me, key);
  }
  printf("worker %d (region at %p): %d requests, %zu bytes served\n", me, m, requests, bytes);
  fflush(stdout);
  _exit(0);
}

int main(int argc, char **argv) {
  int workers = argc > 1 ? atoi(argv[1]) : 4, requests = argc > 2 ? atoi(argv[2]) : 50000;
  if (workers < 1 || workers > 64) workers = 4;
  int fd = memfd_create("prefork-cache", 0);
  if (fd < 0 || ftruncate(fd, REGION_LEN) != 0) return perror("memfd"), 1;
  void *m = mmap(NULL, REGION_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  brisk_region_t *r = m == MAP_FAILED ? NULL : brisk_region_init(m, REGION_LEN, BRISK_REGION_SHARED);
  cache_t *c = r ? brisk_region_calloc(r, 1, sizeof *c) : NULL;
  if (c == NULL) return perror("region"), 1;
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
  pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
  pthread_mutex_init(&c->lock, &a);
  uint64_t root = brisk_region_offset(r, c);

  printf("parent: region at %p, cache root at offset %llu\n", m, (unsigned long long)root);
  fflush(stdout);
  for (int i = 0; i < workers; i++)
    if (fork() == 0) worker(fd, root, i, requests);
  int failed = 0, st;
  while (wait(&st) > 0) failed += !WIFEXITED(st) || WEXITSTATUS(st) != 0;

  uint64_t hits = 0, misses = 0;
  for (int i = 0; i < workers; i++) hits += c->hits[i], misses += c->misses[i];
  brisk_region_stats_t s;
  brisk_region_stats(r, &s);
  printf("cache: %llu hits, %llu misses (%.1f%% hit rate), %llu entries, %llu evictions\n",
         (unsigned long long)hits, (unsigned long long)misses, 100.0 * (double)hits / (double)(hits + misses),
         (unsigned long long)c->entries, (unsigned long long)c->evictions);
  printf("region: %zu blocks in use (%zu KiB), %zu free blocks (%zu KiB, largest %zu KiB), check %s\n",
         s.blocks, s.used / 1024, s.free_blocks, s.free / 1024, s.largest_free / 1024,
         brisk_region_check(r) == 0 ? "clean" : "FAILED");
  return failed != 0;
}
