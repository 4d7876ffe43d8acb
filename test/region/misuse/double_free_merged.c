/* free twice a block that coalesced into its free previous neighbour:
 * its absorbed header is marked dead */
#include "misuse.h"
int main(void) {
  brisk_region_t *r = misuse_region();
  char *a = brisk_region_malloc(r, 100), *b = brisk_region_malloc(r, 100);
  brisk_region_malloc(r, 100);
  brisk_region_free(r, a);
  brisk_region_free(r, b);
  EXPECT("brisk: region: double free of %p\n", (void *)b);
  brisk_region_free(r, b);
  return 0;
}
