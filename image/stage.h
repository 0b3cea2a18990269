/* Staging of an image archive read from a stream (heavy part). */
#pragma once
#include <stddef.h>

#include <jansson.h>

#include "util/err.h"

struct image_stage {
  char *dir;       /* <root>/tmp/load-XXXXXX */
  json_t *members; /* cleaned name -> {path, digest, size} or {link} */
  size_t n;
};

/* Read the whole archive (any compression) from fd into a staging dir. */
int image_stage_read(const char *root, int fd, struct image_stage *s, struct td_err **err);
/* The member {path, digest, size} for a name, following links; NULL if absent. */
json_t *image_stage_get(struct image_stage *s, const char *name);
/* Read a small member (manifest, config; at most 16 MiB). */
int image_stage_read_small(struct image_stage *s, const char *name, char **buf, size_t *len,
                           struct td_err **err);
/* Remove the staging dir and free. */
void image_stage_free(struct image_stage *s);
