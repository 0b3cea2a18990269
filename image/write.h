/* Store mutations for the heavy tool; every caller holds the store lock (image_store_lock). */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "util/err.h"

/* Store bytes as a blob (no-op if present); *digest gets "sha256:<hex>". */
int image_blob_put(const char *root, const void *data, size_t len, char **digest,
                   struct td_err **err);
/* Move a complete temp file (same filesystem) into the blob store under digest. */
int image_blob_adopt(const char *root, const char *tmp_path, const char *digest,
                     struct td_err **err);
/* fsync a file by path. */
int fsync_path(const char *path);
/* An OCI manifest for a config blob and a layers descriptor array (layers is not stolen). */
json_t *image_manifest_new(const char *config_digest, size_t config_size, json_t *layers);
/* Point each name at the manifest (names move away from other images, which stay dangling
 * if nothing else names them); with no names, the image is added untagged if absent. */
void image_index_add(json_t *index, const char *manifest_digest, uint64_t manifest_size,
                     const char *mt, const char *id, char *const *names);
/* Remove one name (the image stays, untagged, if that was its last name). */
void image_index_untag(json_t *index, const char *name);
/* Remove every entry of an image ID. */
void image_index_remove_id(json_t *index, const char *id);
/* Remove blobs and layer dirs that no index entry references; removed chain IDs are appended
 * to `removed` and their sizes added to *freed (both may be NULL). */
int image_gc(const char *root, json_t *index, json_t *removed, uint64_t *freed,
             struct td_err **err);
/* Take the store lock and clear what an interrupted writer left (temp files, unreferenced
 * layers and blobs); returns the lock fd. */
int image_store_lock_clean(const char *root, struct td_err **err);
