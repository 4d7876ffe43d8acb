/* writing 8 bytes past the usable size damages the next header */
#include "misuse.h"
int main(void) {
  brisk_region_t *r = misuse_region();
  char *p = brisk_region_malloc(r, 100);
  brisk_region_malloc(r, 100);
  size_t n = brisk_region_usable_size(r, p);
  memset(p, 0x41, n + 8);
  EXPECT("brisk: region: corrupted block header at %p\n", (void *)(p + n));
  brisk_region_free(r, p);
  return 0;
}
