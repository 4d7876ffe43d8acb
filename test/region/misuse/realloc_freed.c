/* realloc of a block already freed */
#include "misuse.h"
int main(void) {
  brisk_region_t *r = misuse_region();
  char *p = brisk_region_malloc(r, 100);
  brisk_region_malloc(r, 100);
  brisk_region_free(r, p);
  EXPECT("brisk: region: invalid realloc of %p (freed block of region %p)\n", (void *)p,
         (void *)r);
  brisk_region_realloc(r, p, 10);
  return 0;
}
