/* SPDX-License-Identifier: MIT */
/* ro_globals.c — BRISK_RO_GLOBALS: the runtime options and the block key
 * lie on read-only pages once the library constructor has run.
 *
 * The two globals are hidden (no dlsym), so the test finds them in the
 * library's own symbol table: the loaded libbrisk (dl_iterate_phdr gives
 * its path and load address) is read from disk and its .symtab searched
 * for brisk_options and brisk_block_key.  Then:
 *  - brisk_options.purge_delay_ms holds the value of the sidecar's
 *    BRISK_PURGE_DELAY_MS (so the symbol is right and the options were
 *    read before the pages were sealed), the key is not its static default
 *    (it was drawn);
 *  - /proc/self/maps shows both pages as r--p;
 *  - a child that writes either dies of SIGSEGV, and one that only
 *    allocates and forks again lives (nothing writes them after start-up).
 * Fails on a build without the protection (the pages are rw-p and the
 * writes succeed). */
#include "hu.h"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/mman.h>
#include <sys/stat.h>

typedef struct lib_s {
  char path[4096];
  uintptr_t base;
} lib_t;

static int find_lib(struct dl_phdr_info *info, size_t size, void *arg) {
  (void)size;
  lib_t *lib = arg;
  if (info->dlpi_name == NULL || strstr(info->dlpi_name, "libbrisk") == NULL) return 0;
  snprintf(lib->path, sizeof lib->path, "%s", info->dlpi_name);
  lib->base = (uintptr_t)info->dlpi_addr;
  return 1;
}

/* Address of the symbol `name` of the loaded library (0 if absent). */
static uintptr_t symbol(const lib_t *lib, const char *name) {
  int fd = open(lib->path, O_RDONLY);
  CHECK(fd >= 0, "open %s", lib->path);
  struct stat sb;
  CHECK(fstat(fd, &sb) == 0, "fstat");
  const uint8_t *f = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  CHECK(f != MAP_FAILED, "mmap %s", lib->path);
  close(fd);
  const Elf64_Ehdr *eh = (const Elf64_Ehdr *)f;
  CHECK(memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0, "not ELF");
  const Elf64_Shdr *sh = (const Elf64_Shdr *)(f + eh->e_shoff);
  uintptr_t addr = 0;
  for (unsigned i = 0; i < eh->e_shnum && addr == 0; i++) {
    if (sh[i].sh_type != SHT_SYMTAB) continue;
    const Elf64_Sym *sym = (const Elf64_Sym *)(f + sh[i].sh_offset);
    const char *str = (const char *)(f + sh[sh[i].sh_link].sh_offset);
    for (size_t k = 0; k < sh[i].sh_size / sizeof *sym; k++)
      if (strcmp(str + sym[k].st_name, name) == 0 && sym[k].st_value != 0) {
        addr = lib->base + sym[k].st_value;
        break;
      }
  }
  munmap((void *)f, (size_t)sb.st_size);
  return addr;
}

static void poke_long(void *arg) { *(volatile long *)arg = 1; }
static void poke_word(void *arg) { *(volatile uintptr_t *)arg ^= 1; }
static void alloc_and_fork(void *arg) {
  (void)arg;
  for (int i = 0; i < 1000; i++) free(malloc((size_t)i * 37));
  pid_t pid = fork();
  if (pid == 0) {
    free(malloc(100));
    _exit(0);
  }
  int st;
  if (waitpid(pid, &st, 0) != pid || st != 0) _exit(3);
}

int main(void) {
  CHECK(on_brisk(), "not running on brisk");
  const char *want = getenv("BRISK_PURGE_DELAY_MS");
  CHECK(want != NULL, "the sidecar sets BRISK_PURGE_DELAY_MS");
  lib_t lib = {{0}, 0};
  CHECK(dl_iterate_phdr(find_lib, &lib) == 1, "libbrisk not loaded");
  uintptr_t opts = symbol(&lib, "brisk_options"), key = symbol(&lib, "brisk_block_key");
  CHECK(opts != 0 && key != 0, "brisk_options / brisk_block_key not in %s's symbol table", lib.path);
  CHECK(*(long *)opts == atol(want), "brisk_options.purge_delay_ms = %ld, BRISK_PURGE_DELAY_MS=%s",
        *(long *)opts, want);
  CHECK(*(uintptr_t *)key != 0x9e3779b97f4a7c15u, "the block key was not drawn");
  char perms[8];
  CHECK(perms_at(opts, perms) && strcmp(perms, "r--p") == 0, "options page is %s, not r--p",
        perms_at(opts, perms) ? perms : "unmapped");
  CHECK(perms_at(key, perms) && strcmp(perms, "r--p") == 0, "key page is %s, not r--p",
        perms_at(key, perms) ? perms : "unmapped");
  char err[256];
  CHECK(faulted(in_child(poke_long, (void *)opts, err, sizeof err)), "writing brisk_options did not fault");
  CHECK(faulted(in_child(poke_word, (void *)key, err, sizeof err)), "writing brisk_block_key did not fault");
  uintptr_t mul = symbol(&lib, "brisk_block_mul"); /* the safe links' multiplier */
  CHECK(mul != 0, "brisk_block_mul not in %s's symbol table", lib.path);
  CHECK(perms_at(mul, perms) && strcmp(perms, "r--p") == 0, "link multiplier page is %s, not r--p",
        perms_at(mul, perms) ? perms : "unmapped");
  CHECK(faulted(in_child(poke_word, (void *)mul, err, sizeof err)), "writing brisk_block_mul did not fault");
  int st = in_child(alloc_and_fork, NULL, err, sizeof err);
  CHECK(st == 0, "a child that allocates and forks failed (status %#x): %s", st, err);
  puts("ok");
  return 0;
}
