/* the block's own header overwritten (an underflow of the previous block) */
#include "misuse.h"
int main(void) {
  brisk_region_t *r = misuse_region();
  char *p = brisk_region_malloc(r, 100);
  memset(p - 16, 0x41, 16);
  EXPECT("brisk: region: corrupted block header at %p\n", (void *)(p - 16));
  brisk_region_free(r, p);
  return 0;
}
