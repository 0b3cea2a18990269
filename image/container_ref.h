/* A container of the engine's store, as commit/export need it (heavy part, read-only). */
#pragma once
#include <jansson.h>

#include "util/err.h"

struct image_container {
  char *id;
  char *dir;        /* <root>/containers/<id> */
  char *upper;      /* <dir>/upper */
  char *image_id;   /* NULL for a --rootfs DIR container */
  char *rootfs_dir; /* the plain rootfs dir of a --rootfs container, else NULL */
  json_t *config;   /* docker's Config of the container (Env, Cmd, ...), may be NULL */
};

/* Find a container by name, id or unique id prefix ("No such container: X", exit 1). */
int image_container_find(const char *root, const char *ref, struct image_container *out,
                         struct td_err **err);
/* Free the fields. */
void image_container_clear(struct image_container *c);
