/* free twice, the neighbours in use: the header says "not in use" */
#include "misuse.h"
int main(void) {
  brisk_region_t *r = misuse_region();
  char *p = brisk_region_malloc(r, 100);
  brisk_region_malloc(r, 100);
  brisk_region_free(r, p);
  EXPECT("brisk: region: double free of %p\n", (void *)p);
  brisk_region_free(r, p);
  return 0;
}
