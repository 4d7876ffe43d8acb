/* SPDX-License-Identifier: MIT */
/* core/mesh_pass.h — the meshing pass (core/mesh_pass.c; the model and its
 * scope: core/mesh.h). */
#ifndef BRISK_CORE_MESH_PASS_H
#define BRISK_CORE_MESH_PASS_H

#include "core/types.h"

/* The heap's periodic housekeeping tick (core/heap.c), with meshing on
 * (brisk_mesh_enabled): a mesh pass when one is due — 10 ms after the
 * last, doubling up to 1 s while passes find nothing, or 10 ms after it
 * when the heap freed 1 MiB since — and the process has one thread.
 * Owner thread, no page pointer held by the caller. */
void brisk_mesh_pass_tick(heap_t *heap);

#endif
