/* SPDX-License-Identifier: MIT */
/* mesh.c — meshing (BRISK_MESH=1, mesh.env; core/mesh.h): after a
 * scattered 90% free of 300 k small objects, later allocations bring a
 * pass that maps OS pages onto shared file pages: brisk_stats_value
 * counts meshed pages and fewer file pages holding them, and the
 * resident set falls by at least half of what it says it gave back.
 * Every survivor keeps all its bytes, and writes to survivors that now
 * share a physical page do not disturb each other.  Allocating the same
 * sizes again takes meshed pages back (survivors intact, new blocks
 * too).  A fork child sees
 * the parent's contents, and its writes stay in the child.  Freeing a
 * block that was freed before (some of them withheld in meshed pages)
 * aborts as a double free.  No pass runs while a second thread exists.
 * Freeing the survivors unmeshes every page: nothing stays mapped onto
 * the file (only empty OS pages of pages that stdio's buffers keep may stay
 * purged).  Skipped on glibc and where meshing is not built
 * (the hardened build: mesh_enabled is 0 there).
 */
#include "check.h"
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

#define N 300000
#define KEEP 10

#define OBJECTS_N N
#include "objects.h"

/* Allocations of another size until a pass meshed something (at most 3 s):
 * the pass runs from the allocation path's periodic tick. */
static void **other;
static long nother;
static void allocate_until_meshed(void) {
  double end = now_s() + 3;
  while (stat_of("mesh_pages") == 0 && now_s() < end) {
    for (int k = 0; k < 5000; k++) {
      other[nother] = malloc(200);
      CHECK(other[nother] != NULL, "malloc(200)");
      memset(other[nother], 0x5a, 200);
      nother++;
    }
    usleep(20000);
  }
}

static void *sleeper(void *arg) {
  while (!__atomic_load_n((int *)arg, __ATOMIC_ACQUIRE)) usleep(1000);
  return NULL;
}

int main(void) {
  if (!on_brisk() || stats_value_fn() == NULL) {
    NOTE("not on brisk: skipped");
    puts("ok");
    return 0;
  }
  if (stat_of("mesh_enabled") == 0) {
    NOTE("meshing not in this build: skipped");
    puts("ok");
    return 0;
  }
  other = malloc(sizeof *other * 400000);
  CHECK(other != NULL, "malloc");
  uint64_t s = 12345;
  for (long i = 0; i < N; i++) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    len[i] = (unsigned short)(16 + (s >> 33) % 113);
    obj[i] = malloc(len[i]);
    CHECK(obj[i] != NULL, "malloc(%u)", (unsigned)len[i]);
    fill(i, 0);
  }
  /* a second thread: passes wait */
  int stop = 0;
  pthread_t t;
  CHECK(pthread_create(&t, NULL, sleeper, &stop) == 0, "pthread_create");
  unsigned char **freed = malloc(sizeof *freed * N);
  long nfreed = 0;
  for (long i = 0; i < N; i++)
    if (i % KEEP != 0 && i % KEEP != 5) {
      freed[nfreed++] = obj[i];
      free(obj[i]);
      obj[i] = NULL;
    }
  uint64_t passes = stat_of("mesh_passes");
  for (int r = 0; r < 10; r++) {
    for (int k = 0; k < 5000; k++) free(malloc(24));
    usleep(20000);
  }
  CHECK(stat_of("mesh_passes") == passes, "a pass ran while the process had two threads");
  __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
  pthread_join(t, NULL);
  usleep(50000); /* the kernel's thread count follows the exit */
  for (long i = 0; i < N; i += KEEP) { /* half the survivors go too: every 10th remains */
    free(obj[i + 5]);
    obj[i + 5] = NULL;
  }

  size_t rss_before = rss_bytes();
  allocate_until_meshed();
  uint64_t meshed = stat_of("mesh_pages"), zero = stat_of("mesh_zero_pages"), files = stat_of("mesh_file_pages");
  size_t rss_after = rss_bytes();
  NOTE("meshed %llu OS pages (%llu purged) onto %llu file pages; RSS %zu -> %zu KiB with %ld more 200 B blocks",
       (unsigned long long)meshed, (unsigned long long)zero, (unsigned long long)files, rss_before >> 10,
       rss_after >> 10, nother);
  CHECK(meshed > 1000, "only %llu OS pages meshed", (unsigned long long)meshed);
  CHECK(files > 0 && files * 2 <= meshed - zero, "%llu file pages hold %llu meshed OS pages",
        (unsigned long long)files, (unsigned long long)(meshed - zero));
  size_t given_back = (size_t)(meshed - files) * 4096;
  size_t grown = (size_t)nother * 208;
  CHECK(rss_after + given_back / 2 <= rss_before + grown, "RSS %zu -> %zu KiB though %zu KiB were given back",
        rss_before >> 10, rss_after >> 10, given_back >> 10);

  for (long i = 0; i < N; i += KEEP) verify(i, 0, "after the mesh");
  for (long i = 0; i < N; i += KEEP) fill(i, 1);
  for (long i = 0; i < N; i += KEEP) verify(i, 1, "after rewriting every survivor");

  /* the same sizes again: meshed pages are taken back (their survivors
   * copied into memory of their own) and their holes serve */
  uint64_t meshed_before = stat_of("mesh_pages");
  for (long i = 0; i < N; i++)
    if (i % KEEP == 3) {
      obj[i] = malloc(len[i]);
      CHECK(obj[i] != NULL, "malloc");
      fill(i, 3);
    }
  NOTE("%llu meshed pages taken back; %llu OS pages still meshed (of %llu)",
       (unsigned long long)stat_of("mesh_reclaimed"), (unsigned long long)stat_of("mesh_pages"),
       (unsigned long long)meshed_before);
  CHECK(stat_of("mesh_reclaimed") > 0, "no meshed page was taken back for allocations of its class");
  for (long i = 0; i < N; i += KEEP) verify(i, 1, "after pages were taken back");
  for (long i = 3; i < N; i += KEEP) {
    verify(i, 3, "a block from a page taken back");
    free(obj[i]);
    obj[i] = NULL;
  }

  /* fork: the child reads the parent's bytes, and its writes stay its own */
  pid_t pid = fork();
  CHECK(pid >= 0, "fork");
  if (pid == 0) {
    for (long i = 0; i < N; i += KEEP) verify(i, 1, "in the fork child");
    for (long i = 0; i < N; i += KEEP) fill(i, 2);
    for (long i = 0; i < N; i += KEEP) verify(i, 2, "in the fork child, rewritten");
    void *p = malloc(64);
    free(p);
    _exit(0);
  }
  int st = 0;
  CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "fork child failed (status %d)", st);
  for (long i = 0; i < N; i += KEEP) verify(i, 1, "in the parent after the child wrote");

  /* freeing any freed block again aborts as a double free, withheld or not */
  for (int k = 0; k < 4; k++) {
    int fds[2];
    CHECK(pipe(fds) == 0, "pipe");
    pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
      dup2(fds[1], 2);
      free(freed[(long)k * (nfreed / 4) + 17]);
      _exit(0);
    }
    close(fds[1]);
    char msg[512] = {0};
    size_t got = 0;
    ssize_t r;
    while (got < sizeof msg - 1 && (r = read(fds[0], msg + got, sizeof msg - 1 - got)) > 0) got += (size_t)r;
    close(fds[0]);
    CHECK(waitpid(pid, &st, 0) == pid, "waitpid");
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT, "a second free did not abort (status %d)", st);
    CHECK(strstr(msg, "double free") != NULL, "a second free said: %s", msg);
  }

  for (long i = 0; i < N; i += KEEP) {
    verify(i, 1, "before the last free");
    free(obj[i]);
  }
  for (long i = 0; i < nother; i++) free(other[i]);
  /* (stdio's buffers stay live: the empty OS pages of their pages may stay purged) */
  CHECK(stat_of("mesh_pages") == stat_of("mesh_zero_pages"), "%llu OS pages still meshed after every block was freed",
        (unsigned long long)(stat_of("mesh_pages") - stat_of("mesh_zero_pages")));
  CHECK(stat_of("mesh_file_pages") == 0, "%llu file pages still held", (unsigned long long)stat_of("mesh_file_pages"));
  free(freed);
  free(other);
  puts("ok");
  return 0;
}
