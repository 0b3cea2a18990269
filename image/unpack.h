/* Safe extraction of a layer tar stream into a directory (heavy part). */
#pragma once
#include <stdint.h>

#include "util/err.h"

struct archive;

struct image_unpack_stats {
  uint64_t files;           /* regular files written */
  uint64_t bytes;           /* file content bytes written */
  uint64_t whiteouts;       /* .wh. entries turned into overlay whiteouts */
  uint64_t skipped_devices; /* device nodes/sockets not created */
};

/* Extract every entry of the tar reader `a` under rootfd (the layer's diff dir). Never writes
 * outside rootfd; converts .wh. whiteouts to overlay form. On error the caller removes the dir. */
int image_unpack_tar(struct archive *a, int rootfd, struct image_unpack_stats *stats,
                     struct td_err **err);
