/* SPDX-License-Identifier: MIT */
/* dlopen.c — dlopen/dlclose, repeatedly and from several threads, of a
 * library (lib_dlalloc.so) whose constructor allocates and whose
 * destructor frees; blocks the library handed out are freed after
 * dlclose.  argv[1] is the library's path. */
#include <pthread.h>

#include "common.h"

static const char *libpath;

static void *loop(void *arg) {
  int rounds = (int)(uintptr_t)arg;
  void *keep[8] = {0};
  for (int r = 0; r < rounds; r++) {
    void *h = dlopen(libpath, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
      fprintf(stderr, "dlopen: %s\n", dlerror());
      _exit(1);
    }
    void *(*make)(size_t) = (void *(*)(size_t))dlsym(h, "dl_make");
    CHECK(make);
    free(keep[r % 8]);
    keep[r % 8] = make((size_t)(r * 4099 % 100000) + 1);
    CHECK(keep[r % 8]);
    CHECK(dlclose(h) == 0);
  }
  for (int i = 0; i < 8; i++) free(keep[i]);
  return NULL;
}

int main(int argc, char **argv) {
  watchdog(120);
  CHECK(argc > 1);
  libpath = argv[1];
  /* Check the destructor's verdict through a handle that stays open. */
  void *pin = dlopen(libpath, RTLD_NOW);
  CHECK(pin);
  int *ok = dlsym(pin, "dl_dtor_ok");
  CHECK(ok && *ok == 1);
  loop((void *)(uintptr_t)200);
  pthread_t t[3];
  for (int i = 0; i < 3; i++) CHECK(pthread_create(&t[i], NULL, loop, (void *)(uintptr_t)100) == 0);
  for (int i = 0; i < 3; i++) pthread_join(t[i], NULL);
  CHECK(*ok == 1);
  CHECK(dlclose(pin) == 0);
  /* Unpinned: every dlclose now really unloads (destructor frees). */
  for (int r = 0; r < 100; r++) {
    void *h = dlopen(libpath, RTLD_NOW);
    CHECK(h);
    int *ok2 = dlsym(h, "dl_dtor_ok");
    CHECK(ok2 && *ok2 == 1);
    CHECK(dlclose(h) == 0);
  }
  puts("dlopen: 600 dlopen/dlclose cycles ok");
  return 0;
}
