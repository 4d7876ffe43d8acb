# SPDX-License-Identifier: MIT
# test/soak/soak.mk — the soak test (included from test/real/real.mk).
#   make soak [SOAK_SECONDS=600] [SOAK_THREADS=4] [SOAK_LIB=build/libbrisk.so]
# SOAK_LIB= (empty) runs it on glibc's malloc, for comparison.
SOAK_SECONDS ?= 600
SOAK_THREADS ?= 4
SOAK_LIB ?= build/libbrisk.so

$(REAL_OUT)/soak: test/soak/soak.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O2 -g -Wall -Wextra -D_GNU_SOURCE -pthread -fno-builtin-malloc \
	  -fno-builtin-free -fno-builtin-calloc -fno-builtin-realloc -o $@ $<

soak-bin: $(REAL_OUT)/soak

soak: lib
	@$(MAKE) --no-print-directory soak-bin
	LD_PRELOAD=$(if $(SOAK_LIB),$(abspath $(SOAK_LIB))) $(REAL_OUT)/soak -s $(SOAK_SECONDS) -t $(SOAK_THREADS)
