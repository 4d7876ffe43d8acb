/* usable_size of a pointer of another region */
#include "misuse.h"
int main(void) {
  brisk_region_t *r = misuse_region(), *other = misuse_region();
  char *p = brisk_region_malloc(other, 10);
  EXPECT("brisk: region: invalid usable_size of %p (not in region %p)\n", (void *)p, (void *)r);
  brisk_region_usable_size(r, p);
  return 0;
}
