/* SPDX-License-Identifier: MIT */
/* api/version.c — brisk_version(): the version of the library actually
 * loaded (include/brisk.h has the header's).  Exported by every build. */
#include "../include/brisk.h"
#include "core/types.h"

BRISK_API const char *brisk_version(void) { return BRISK_VERSION_STRING; }
