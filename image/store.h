/* Internal: the on-disk layout of the image store, shared by the light and heavy parts.
 *   <root>/images/        OCI image layout (oci-layout, index.json, blobs/sha256/<hex>)
 *   <root>/images/.lock   the store lock (flock) held by every writer
 *   <root>/layers/<hex>/  one unpacked layer per chain ID: diff/ and layer.json
 *   <root>/imageholds/<image hex>/<key>   containers that use an image
 *   <root>/tmp/           staging for imports, on the same filesystem for rename
 *   <root>/pulls/<pid>-<r>  what an in-flight pull adds (image/pullhold.c) */
#pragma once
#include <stdbool.h>

#include <jansson.h>

#include "util/err.h"

#define IMAGE_ANNOT_REF "org.opencontainers.image.ref.name"
#define IMAGE_ANNOT_ID "io.tinydocker.image.id"
/* an intermediate image of `build` (engine/build): hidden from `images` unless -a */
/* The registry's manifest digest of a pulled image (docker's RepoDigests, `images --digests`);
 * an image made or loaded here has none, and docker shows <none>. */
#define IMAGE_ANNOT_REPO_DIGEST "io.tinydocker.image.repo-digest"
#define IMAGE_ANNOT_BUILD_CACHE "io.tinydocker.build.cache"
#define IMAGE_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define IMAGE_MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define IMAGE_MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define IMAGE_MT_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define IMAGE_MT_OCI_LAYER_GZ "application/vnd.oci.image.layer.v1.tar+gzip"
#define IMAGE_MT_OCI_LAYER_ZST "application/vnd.oci.image.layer.v1.tar+zstd"
#define IMAGE_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define IMAGE_MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define IMAGE_MT_DOCKER_LAYER_GZ "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define IMAGE_MT_DOCKER_LAYER "application/vnd.docker.image.rootfs.diff.tar"

/* "sha256:<64 lowercase hex>" */
bool image_digest_valid(const char *d);
/* The hex part of a digest ("sha256:abc" -> "abc"). */
const char *image_digest_hex(const char *d);
/* <root>/images */
char *image_store_dir(const char *root);
/* <root>/images/blobs/sha256/<hex> */
char *image_blob_path(const char *root, const char *digest);
/* <root>/layers/<chain hex> */
char *image_layer_dir(const char *root, const char *chain_id);
/* Create the layout (dirs, oci-layout, empty index.json) if missing. */
int image_store_init(const char *root, struct td_err **err);
/* Take the store's exclusive lock; returns the lock fd (lock_release it). */
int image_store_lock(const char *root, struct td_err **err);
/* A mkdtemp/mkostemp template for a writer's temp entry: <root>/<dir>/<kind>-<pid>-XXXXXX. The
 * pid lets any later process tell a dead writer's leftovers (kill -9) from a live one's. */
char *image_tmp_template(const char *root, const char *dir, const char *kind);
/* Remove the entries of <root>/tmp and <root>/exports whose writer is dead (every taker of the
 * store lock does). */
void image_tmp_sweep(const char *root);
/* Read index.json (an empty index when the store does not exist yet). */
int image_index_read(const char *root, json_t **out, struct td_err **err);
/* Write index.json atomically (hold the store lock). */
int image_index_write(const char *root, json_t *index, struct td_err **err);
/* Read and parse a JSON blob. */
int image_blob_read_json(const char *root, const char *digest, json_t **out, struct td_err **err);
/* Chain IDs for a config's rootfs.diff_ids array: NULL-terminated "sha256:<hex>" vector. */
int image_chain_ids(json_t *diff_ids, char ***out, struct td_err **err);
/* Accessors for an index entry: its stored name (NULL if untagged) and image ID. */
const char *image_entry_name(json_t *entry);
const char *image_entry_id(json_t *entry);
/* Find the index entry for a name, "sha256:<id>", or unique ID prefix; borrowed pointer.
 * Sets *matched_name to the stored name when matched by name (caller frees). */
int image_index_find(json_t *index, const char *ref, json_t **entry, char **matched_name,
                     struct td_err **err);
/* In-flight holds of pulls (<root>/pulls/, image/pullhold.c). Hold blobs and layers (JSON arrays
 * of digests and chain IDs, not stolen) for this process: *path NULL creates the hold, else it
 * is rewritten. */
int image_pull_hold(const char *root, char **path, json_t *blobs, json_t *layers,
                    struct td_err **err);
/* Drop this process's hold and free *path (NULL-safe). */
void image_pull_unhold(char **path);
/* Mark (as hex keys set to true) what live pulls hold in blobs and layers (either may be
 * NULL); remove the holds of dead pulls. Called under the store lock. */
void image_pull_holds(const char *root, json_t *blobs, json_t *layers);
