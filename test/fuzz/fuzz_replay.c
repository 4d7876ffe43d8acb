/* SPDX-License-Identifier: MIT */
/* fuzz_replay.c — main() for replaying fuzz inputs without libFuzzer:
 * runs LLVMFuzzerTestOneInput on each file named on the command line
 * (test/real/run.sh replays test/fuzz/regressions/ and test/fuzz/corpus/).
 * Exit 0 when every input ran; the harness aborts on any violation. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv) {
  int n = 0;
  for (int i = 1; i < argc; i++) {
    FILE *f = fopen(argv[i], "rb");
    if (f == NULL) continue; /* an unmatched glob */
    static uint8_t buf[1 << 20];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    fprintf(stderr, "replay %s (%zu bytes)\n", argv[i], len);
    LLVMFuzzerTestOneInput(buf, len);
    n++;
  }
  printf("fuzz_replay: %d inputs ok\n", n);
  return 0;
}
