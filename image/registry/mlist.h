/* Internal: a manifest list made locally by `manifest create` (docs/registry.md): one file
 * per list in <root>/manifests/, holding docker's ImageManifest entries in the order they were
 * added; shared by mlist.c (create, annotate, show, rm) and mlist_push.c. */
#pragma once
#include <stddef.h>

#include <jansson.h>

#include "image/image.h"
#include "util/err.h"

struct mlist {
  struct image_ref *ref; /* the list's name (a tag, never a digest) */
  char *full;            /* its full form, "127.0.0.1:5000/app:1" */
  char *path;            /* <root>/manifests/<full with ':' -> '-' and '/' -> '_'>.json */
  json_t *entries;       /* [ImageManifest...]; empty when the list is not stored */
  bool stored;
};

/* Parse the list's name and load it when it is stored. */
int mlist_open(const char *root, const char *name, struct mlist *l, struct td_err **err);
/* Write the list atomically (its directory made as needed). */
int mlist_save(const char *root, struct mlist *l, struct td_err **err);
/* Free what a list holds. */
void mlist_clear(struct mlist *l);
/* The entry whose Ref is full, or NULL. */
json_t *mlist_find(const struct mlist *l, const char *full);
/* The list as it is pushed and as `manifest inspect` prints it: an OCI index when every entry
 * is an OCI manifest, else docker's manifest list; indented as docker's CLI marshals it. */
char *mlist_index_bytes(const struct mlist *l, const char **media_type);
