/* A directory tree written as tar entries (heavy part). */
#pragma once
#include <stdbool.h>

#include "util/err.h"

struct archive;

/* Append every entry under dir (names relative to it, sorted, symlinks never followed) to the
 * tar writer a. upper: dir is an overlay upper dir; whiteouts become ".wh." entries. */
int image_tar_dir(struct archive *a, const char *dir, bool upper, struct td_err **err);
