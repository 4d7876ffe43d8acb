/* SPDX-License-Identifier: MIT */
/* observe/stats.h — process statistics: merged on read from every heap's
 * counters and the event hook's process totals (observe/event.c).  The
 * public API is brisk_stats_get/brisk_stats_print (include/brisk.h). */
#ifndef BRISK_OBSERVE_STATS_H
#define BRISK_OBSERVE_STATS_H

#include "../include/brisk.h"

/* Print the table to stderr when BRISK_STATS=1 (library destructor). */
void brisk_stats_at_exit(void);

#endif
