/* The image operations behind `tinydocker-image` (heavy part). Each takes the engine root and
 * holds the store lock while it changes anything. */
#pragma once
#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "util/err.h"

struct image_import_opts {
  const char *source;     /* for the history comment: "-" or the file name */
  const char *ref;        /* tag to give, or NULL */
  char **changes;         /* -c */
  const char *message;    /* -m */
  const char *created_by; /* history created_by, or NULL */
};

/* Import a rootfs tarball read from fd; *id_out = "sha256:<id>". */
int image_import(const char *root, int fd, const struct image_import_opts *o, char **id_out,
                 struct td_err **err);
/* Build busybox:latest (or ref) from a static busybox binary; no network. */
int image_create_default(const char *root, const char *busybox, const char *ref, char **id_out,
                         struct td_err **err);
/* Load a docker-archive or oci-archive from fd; prints "Loaded image: NAME" or
 * "Loaded image ID: sha256:..." lines to out. */
int image_load(const char *root, int fd, FILE *out, struct td_err **err);
/* Save images as docker-archive ("docker-archive", default) or "oci-archive" to out_fd. */
int image_save(const char *root, char *const *refs, const char *format, int out_fd,
               struct td_err **err);
/* Tag src (name or ID) as dst. */
int image_tag(const char *root, const char *src, const char *dst, struct td_err **err);
/* rmi: untag a name, delete an image when its last name goes (docker's rules and messages;
 * in use by a container -> refused unless force, and then only untagged). */
int image_remove(const char *root, const char *ref, bool force, FILE *out, struct td_err **err);
/* image prune: dangling images (all unused ones with all) not used by containers. */
/* filters: docker's prune filters (until=TIMESTAMP: created before it; label=K[=V],
 * label!=K[=V]; dangling=true|false), values of one key or-ed; base: bytes freed before (by
 * `system prune`), added to the total printed. */
int image_prune(const char *root, bool all, char **filters, unsigned long long base, FILE *out,
                struct td_err **err);
/* docker-shaped `image inspect` object for one image. */
int image_inspect(const char *root, const char *ref, json_t **out, struct td_err **err);
/* The rows of `history`: array of {id, created, created_by, size, comment} newest first. */
int image_history(const char *root, const char *ref, json_t **out, struct td_err **err);
/* All images for `images`: array of {repo, tag, id, digest, created, size, dangling, labels}. */
int image_list(const char *root, bool all, json_t **out, struct td_err **err);
/* commit: the container's overlay upper dir becomes a new layer over parent_image (an ID).
 * Whiteouts (char 0:0) -> .wh.<name>, opaque dirs -> .wh..wh..opq. ref may be NULL. */
int image_commit_dir(const char *root, const char *upper_dir, const char *parent_image,
                     char *const *changes, const char *message, const char *author, const char *ref,
                     char **id_out, struct td_err **err);
/* commit with the container's Config carried into the image (docker's commit). */
int image_commit_dir_config(const char *root, const char *upper_dir, const char *parent_image,
                            json_t *container_config, char *const *changes, const char *message,
                            const char *author, const char *ref, char **id_out,
                            struct td_err **err);
/* export: the merged rootfs dir as a tar stream on out_fd. */
int image_export_rootfs(const char *rootfs_dir, int out_fd, struct td_err **err);
/* export of a container: a read-only overlay of its upper dir over its image's layers,
 * mounted in a private mount namespace of this process (nothing left behind), as a tar. */
int image_export_container(const char *root, const char *upper_dir, const char *image, int out_fd,
                           struct td_err **err);
