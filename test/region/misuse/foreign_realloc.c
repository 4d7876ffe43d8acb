/* realloc of a block of the process heap, not of the region */
#include "misuse.h"
int main(void) {
  brisk_region_t *r = misuse_region();
  char *p = malloc(100);
  EXPECT("brisk: region: invalid realloc of %p (not in region %p)\n", (void *)p, (void *)r);
  brisk_region_realloc(r, p, 200);
  return 0;
}
