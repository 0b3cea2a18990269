/* Layers in the store: unpack a tar stream once into <root>/layers/<chain id> (heavy part). */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

struct image_layer {
  char *diff_id;            /* sha256 of the uncompressed tar */
  char *chain_id;           /* the store key */
  uint64_t tar_size;        /* uncompressed tar bytes */
  uint64_t size;            /* unpacked content bytes (docker's SIZE) */
  uint64_t skipped_devices; /* device nodes that were not created */
};

/* Read a tar stream (gzip/zstd/xz/plain) from fd and store it as the layer above
 * parent_chain (NULL for the base). With expect_diff_id, a mismatch is an error and a layer
 * already present is only verified, not unpacked again. tee_fd >= 0 gets a copy of the
 * uncompressed tar (a blob). The stream is consumed to EOF. Holds no lock: callers hold the
 * store lock. */
int image_layer_from_fd(const char *root, int fd, const char *parent_chain,
                        const char *expect_diff_id, int tee_fd, struct image_layer *out,
                        struct td_err **err);
/* Whether <root>/layers/<chain>/ is complete. */
bool image_layer_present(const char *root, const char *chain_id);
/* The recorded content size of a stored layer (0 if unknown). */
uint64_t image_layer_size(const char *root, const char *chain_id);
/* Free the strings of a layer result. */
void image_layer_clear(struct image_layer *l);
/* The cap on one layer's uncompressed size: TINYDOCKER_MAX_LAYER_SIZE (bytes, k/m/g suffix),
 * default 8 GiB. */
uint64_t image_layer_max_size(void);
