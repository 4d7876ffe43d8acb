/* free of a pointer into the middle of a block */
#include "misuse.h"
int main(void) {
  brisk_region_t *r = misuse_region();
  char *p = brisk_region_malloc(r, 100);
  EXPECT("brisk: region: invalid free of %p (not a block of region %p)\n", (void *)(p + 8),
         (void *)r);
  brisk_region_free(r, p + 8);
  return 0;
}
