/* SPDX-License-Identifier: MIT */
/* core/quarantine.h — delayed reuse of freed small and medium blocks
 * (BRISK_QUARANTINE, hardened builds).
 *
 * A freed block carries the free mark (so a second free of it is caught)
 * but waits in its freeing thread's quarantine, not on a free list, until
 * BRISK_QUARANTINE_BYTES or BRISK_QUARANTINE_SLOTS of younger frees push
 * it out; the block released is drawn at random among the oldest eight
 * (FIFO with randomisation), so a program cannot predict which block of a
 * size the next malloc returns.  Released blocks go through the ordinary
 * free path.  Owner thread only; the ring is mapped on first use.
 */
#ifndef BRISK_CORE_QUARANTINE_H
#define BRISK_CORE_QUARANTINE_H

#include "core/types.h"

/* Quarantine b (a live small block of `size` bytes that the program just
 * freed: already checked and zeroed).  Marks it free.  False (nothing
 * done) when heap has no quarantine and none can be mapped. */
bool brisk_quarantine_put(heap_t *heap, block_t *b, size_t size);
/* Release every quarantined block of heap (thread exit, trim). */
void brisk_quarantine_flush(heap_t *heap);

#endif
