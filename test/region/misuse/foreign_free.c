/* free of a pointer outside the region */
#include "misuse.h"
int main(void) {
  brisk_region_t *r = misuse_region();
  static char elsewhere[64];
  EXPECT("brisk: region: invalid free of %p (not in region %p)\n", (void *)(elsewhere + 16),
         (void *)r);
  brisk_region_free(r, elsewhere + 16);
  return 0;
}
