/* Store a new image built from an optional parent and an optional new layer (heavy part). */
#pragma once
#include <jansson.h>

#include "image/layer.h"
#include "util/err.h"

struct image_build {
  json_t *base_config;        /* parent image config, or NULL for a base image */
  json_t *base_manifest;      /* parent manifest (its layer descriptors are kept), or NULL */
  struct image_layer *layer;  /* the new layer, or NULL (then history says empty_layer) */
  const char *layer_blob_tmp; /* temp file with the layer's uncompressed tar (becomes a blob) */
  json_t *container_config;   /* commit: the container's Config (its Env, Cmd...), or NULL */
  char *const *changes;       /* Dockerfile-style changes (-c) */
  const char *created_by;     /* history */
  const char *comment;        /* history (-m) */
  const char *author;         /* -a */
  char *const *names;         /* full names to tag ("docker.io/library/x:y") */
};

/* Write config, layer blob, manifest and index entry; *id_out = "sha256:<config digest>".
 * The caller holds the store lock. */
int image_build_store(const char *root, const struct image_build *b, char **id_out,
                      struct td_err **err);
/* Parse user references into full stored names (tags required, no digest-only refs). */
int image_names_full(char *const *refs, char ***out, struct td_err **err);
/* A new temp file under <root>/tmp (for a blob being written); returns the fd. */
int image_tmp_file(const char *root, char **path, struct td_err **err);
/* The host architecture in OCI words (amd64, arm64...). */
const char *image_host_arch(void);
