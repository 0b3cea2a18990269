/* A directory tree written as tar entries (heavy part). */
#pragma once
#include <stdbool.h>

#include "util/err.h"
#include "util/idmapns.h"
#include "util/subid.h"

struct archive;

/* Append every entry under dir (names relative to it, sorted, symlinks never followed) to the
 * tar writer a. upper: dir is an overlay upper dir; whiteouts become ".wh." entries. */
int image_tar_dir(struct archive *a, const char *dir, bool upper, struct td_err **err);

/* The host ids of a --userns-remap container's files back to its own (docker's commit/export
 * of a remapped container): an owner inside a map's host range becomes its container id. */
struct tar_idshift {
  struct idmap_line u[SUBID_MAX], g[SUBID_MAX];
  size_t nu, ng;
};
/* image_tar_dir with owners shifted by s (NULL: none). */
int image_tar_dir_shifted(struct archive *a, const char *dir, bool upper,
                          const struct tar_idshift *s, struct td_err **err);
/* The shift of the container whose upper dir is upper_dir (its record, <dir>/container.json,
 * "Td".UidMap/GidMap): false where it has none. */
bool image_tar_idshift_of(const char *upper_dir, struct tar_idshift *s);
