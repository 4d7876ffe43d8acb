# SPDX-License-Identifier: MIT
# examples/examples.mk — `make examples` builds each examples/NAME.c into
# build/examples/NAME, linked -lbrisk (RUNPATH build/).
EXAMPLES := $(patsubst examples/%.c,build/examples/%,$(wildcard examples/*.c))
.PHONY: examples
examples: $(EXAMPLES)
build/examples/%: examples/%.c include/brisk.h build/libbrisk.so
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O2 -g -Wall -Wextra -D_GNU_SOURCE -Iinclude -pthread -o $@ $< \
	  -Lbuild -lbrisk -Wl,--enable-new-dtags -Wl,-rpath,'$$ORIGIN/..'
