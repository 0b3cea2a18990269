/* The image store as the engine sees it (light part: JSON only, linked into tinydocker):
 * reference parsing, resolving a reference to its config and ordered layer dirs, the overlay
 * rootfs of a container, image reference counts, and the exec of `tinydocker-image` for the
 * commands that need libarchive/libcrypto/libcurl. See docs/images.md. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "util/err.h"

/* ---- references: [domain/]path[:tag][@sha256:hex], docker's rules ---- */

struct image_ref {
  char *domain; /* "docker.io" when none was given */
  char *path;   /* "library/busybox" (docker.io single names get "library/") */
  char *tag;    /* "latest" when neither tag nor digest was given; NULL with a digest only */
  char *digest; /* "sha256:<64 hex>" or NULL */
};

/* Parse and normalise a reference; a clear one-line error ("invalid reference format...")
 * on bad input. The engine may call this before anything else to reject bad refs early. */
int image_ref_parse(const char *s, struct image_ref **out, struct td_err **err);
/* Free a parsed reference (NULL is fine). */
void image_ref_free(struct image_ref *r);
/* "docker.io/library/busybox:latest" (tag and/or @digest as present). */
char *image_ref_full(const struct image_ref *r);
/* docker's display form: "busybox:latest", "me/app:1", "localhost:5000/x:y". */
char *image_ref_familiar(const struct image_ref *r);
/* The repository in display form, without tag/digest: "busybox". */
char *image_ref_familiar_repo(const struct image_ref *r);
/* Familiar display of a full stored name ("docker.io/library/busybox:latest" -> "busybox:latest");
 * returns a copy of s if it does not parse. */
char *image_name_familiar(const char *full);

/* ---- resolve ---- */

struct image_config {
  char **env;           /* "K=V" strings, may be NULL */
  char **cmd;           /* may be NULL */
  char **entrypoint;    /* may be NULL */
  char *working_dir;    /* may be NULL or "" */
  char *user;           /* may be NULL or "" */
  char *stop_signal;    /* may be NULL */
  char **exposed_ports; /* "80/tcp" keys, may be NULL */
  char **volumes;       /* "/data" keys, may be NULL */
  json_t *labels;       /* object (never NULL: empty object when the image has none) */
};

struct image_info {
  char *id;              /* "sha256:<64 hex>": digest of the config blob (docker's image ID) */
  char *name;            /* full stored name that matched ("docker.io/library/busybox:latest"),
                            NULL when resolved by ID */
  char *manifest_digest; /* "sha256:<hex>" of the manifest blob */
  json_t *config;        /* the whole image config JSON */
  struct image_config cfg;
  size_t n_layers;
  char **layer_dirs; /* absolute diff dirs, bottom layer first, NULL-terminated */
  char **chain_ids;  /* "sha256:<hex>" per layer, bottom first, NULL-terminated */
};

/* Resolve a reference, a full ID "sha256:<hex>" or a unique ID prefix (as docker accepts)
 * under the engine root. Not found: the message is "No such image: REF" (test it with
 * image_err_is_not_found; docker's run then says "Unable to find image 'x:latest' locally"). */
int image_resolve(const char *root, const char *ref, struct image_info **out, struct td_err **err);
/* Whether an error from image_resolve means "no such image" (rather than a broken store). */
bool image_err_is_not_found(struct td_err *e);
/* Free what image_resolve returned (NULL is fine). */
void image_info_free(struct image_info *img);

/* ---- a container's rootfs ---- */

/* Mount the image as an overlay at <container_dir>/rootfs with upper and work dirs in
 * <container_dir>/{upper,work} (created if missing, kept across restarts so commit can read the
 * upper dir). Also records that the container uses the image (see image_release), so rmi refuses.
 * *rootfs_path gets the mount point. */
int image_rootfs_mount(const char *root, const struct image_info *img, const char *container_dir,
                       char **rootfs_path, struct td_err **err);
/* image_rootfs_mount (transient: _transient's) with every image layer idmapped through the user
 * namespace userns (an fd): a remapped container's root owns the image's files, which keep
 * their own ids on disk (docs/security.md, "User-namespace remapping"); the caller owns the
 * upper dir by the container's root. */
int image_rootfs_mount_idmapped(const char *root, const struct image_info *img,
                                const char *container_dir, bool transient, int userns,
                                char **rootfs_path, struct td_err **err);
/* image_rootfs_mount for a container that is removed when it stops (--rm): the overlay is
 * "volatile" (no sync of the upper dir, so its unmount does not sync the host filesystem). */
int image_rootfs_mount_transient(const char *root, const struct image_info *img,
                                 const char *container_dir, char **rootfs_path,
                                 struct td_err **err);
/* Unmount <container_dir>/rootfs (detached is fine: lazy); not mounted is not an error. */
int image_rootfs_umount(const char *container_dir, struct td_err **err);
/* Record that the container in container_dir uses image_id (done by image_rootfs_mount too);
 * idempotent. Call at `create` if the mount happens later. */
int image_hold(const char *root, const char *image_id, const char *container_dir,
               struct td_err **err);
/* Drop the container's hold on its image (call at `rm`, after unmount); missing is fine. */
int image_release(const char *root, const char *container_dir, struct td_err **err);
/* Remove the image's (empty) hold directory: when the image is deleted. */
void image_holds_drop(const char *root, const char *image_id);
/* Number of containers that hold image_id (stale holds whose container dir is gone are
 * dropped); -1 on error. */
int image_holders(const char *root, const char *image_id, struct td_err **err);

/* ---- the heavy tool ---- */

/* Exec `tinydocker-image` with argv (argv[0] is replaced; argv[1] is the command name, exactly
 * docker's argv from the command on). Found by helper_find (util/fileio.h). root (may be NULL) is
 * passed as `--root ROOT` before the command. Returns only on failure (-1 with err set, exit code
 * 125). */
int image_tool_exec(const char *root, int argc, char **argv, struct td_err **err);
/* Whether docker's flag `a` of commit/export takes a separate value ("-m msg", not "-m=msg"):
 * the one list the CLI (to find the CONTAINER argument) and the hand-over use. */
bool image_tool_flag_takes_value(const char *a);
/* `tinydocker commit [OPTIONS] CONTAINER [REPO[:TAG]]` and `tinydocker export [-o FILE]
 * CONTAINER`, once the engine has found the container: argv is docker's from the command name
 * on (argv[0] = "commit" or "export"); the CONTAINER argument is replaced by the container's
 * upper dir (<container_dir>/upper) and image ID, and tinydocker-image runs
 * commit-container/export-container. Returns only on failure. The engine may append its
 * container config as "-c" changes (docker's commit keeps Env, Cmd, ... of the container). */
int image_tool_exec_container(const char *root, const char *container_dir, const char *image_id,
                              int argc, char **argv, struct td_err **err);
/* run/create's pull of a missing image: `tinydocker-image pull --for-run REF` as a child, its
 * output on stderr (stdout is the container's, or create's ID), waited for. Returns its exit
 * status (0: pulled; else it printed its error), or -1 with err set when it could not run. */
int image_tool_pull(const char *root, const char *ref, struct td_err **err);
/* Whether ref names an image of the store: 1, 0 (not there), or -1 (a bad reference, an
 * ambiguous ID prefix, an unreadable index) with err set. */
int image_present(const char *root, const char *ref, struct td_err **err);
/* The path of tinydocker-image as image_tool_exec finds it, or NULL (caller frees). */
char *image_tool_path(void);
