/* SPDX-License-Identifier: MIT */
/* core/mesh.h — meshing (BRISK_MESH=1): OS pages of small-block pages
 * whose live bytes do not overlap share one physical page.
 *
 * The idea is Mesh's (Powers et al., PLDI 2019), at the granularity of one
 * OS page (4 KiB) inside brisk's 64 KiB pages: after a scattered free, the
 * live blocks of several OS pages are copied into one page of a memory
 * file, and every one of those virtual OS pages is mapped onto it; their
 * own physical pages go back to the kernel.  An OS page with no live byte
 * is simply purged.  Free blocks that lie (even partly) in a meshed OS
 * page are *withheld*: taken off the page's free list, counted in `used`,
 * not handed out, because their bytes may now belong to other pages' live
 * blocks — except those that claim bytes of the shared page no member
 * uses (the first member to ask keeps them on its list).  A block that was
 * live at the mesh and is freed later goes back on the free list as usual
 * (its bytes are its own).  A page whose only used blocks are withheld is
 * unmeshed (its OS pages get fresh memory) and retired as usual; before a
 * new page of a class is made, a meshed page of the class gets its own
 * memory back so that its withheld holes serve again (reclaim).
 *
 * Scope (docs/design.md, "Meshing"): thread heaps over the default
 * source, one-slice pages, a pass only while the process has a single
 * thread (the copy and the remap must not race with a write to the blocks
 * being moved) with every signal blocked.  Fork: the prepare handler
 * copies the memory file, the child maps its meshed pages onto a copy of
 * its own.  Builds with guard pages or zero checks (BRISK_HARDENED) have
 * no meshing.
 *
 * Thread ownership: a heap's meshed pages, their tables (in the segment
 * header's slice) and the file pages they share are touched by the heap's
 * owner only; the file-page allocator and the list of segments holding
 * meshed pages (read by the fork child) are behind a spin lock held for a
 * few stores.  brisk_mesh_withheld may be asked by any thread.
 */
#ifndef BRISK_CORE_MESH_H
#define BRISK_CORE_MESH_H

#include "core/types.h"

/* Whether meshing is on (BRISK_MESH=1 in a build that supports it); set
 * once by brisk_mesh_init. */
extern bool brisk_mesh_enabled;
/* Read the option (after brisk_options_init). */
void brisk_mesh_init(void);

/* Whether the carved block start p of `page` (PAGE_MESHED) is withheld:
 * freeing it is a double free.  Any thread (a relaxed read: the bits
 * change only while no block they cover is live). */
bool brisk_mesh_withheld(const page_t *page, const void *p);
/* Withheld blocks of `page` (PAGE_MESHED): the page is idle when its
 * used count equals this. */
uint32_t brisk_mesh_withheld_count(const page_t *page);
/* Unmesh idle `page` (used == withheld count; owner): fresh zero memory
 * for its meshed OS pages, the file pages given back when no other page
 * maps them, used -= withheld.  relink: the page is kept: its free list
 * is made anew, every carved block on it; else the caller retires it.  The
 * caller clears PAGE_MESHED. */
void brisk_mesh_unmesh_page(page_t *page, bool relink);

/* Before heap takes a new page of `bin` (core/page.c): the meshed page of
 * the class with most withheld blocks (a quarter of it at least) gets
 * memory of its own again — its meshed OS pages copied out of the file —
 * and its withheld blocks go back on its list, so that a program that
 * allocates the class again fills the holes meshing took instead of new
 * pages.  Only while the process has one thread (the copy must not race
 * with a write).  Returns the page (still in its queue or the full list,
 * PAGE_MESHED cleared), or NULL.  Owner thread. */
page_t *brisk_mesh_reclaim(heap_t *heap, unsigned bin);

/* The debug-full walk (core/check.c): the page's table agrees with its
 * flags and counts, and its free list holds no withheld block.  false
 * with *why set otherwise. */
bool brisk_mesh_page_ok(const page_t *page, const char **why);

/* Fork (api/init.c): the prepare handler copies the memory file (no lock,
 * a mapping and one read), the parent's frees the copy, the child's puts
 * it in a file of its own and maps its meshed pages there. */
void brisk_mesh_atfork_prepare(void);
void brisk_mesh_atfork_parent(void);
void brisk_mesh_atfork_child(void);

/* Counters for observe/stats.c: passes run, OS pages meshed now (mapped
 * onto a file page or purged), file pages holding them now. */
typedef struct mesh_stats_s {
  uint64_t passes;
  uint64_t meshed_pages;
  uint64_t zero_pages;
  uint64_t file_pages;
  uint64_t reclaimed; /* meshed pages taken back for allocation (cumulative) */
} mesh_stats_t;
void brisk_mesh_stats(mesh_stats_t *out);

#endif
