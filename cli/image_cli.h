/* The commands of tinydocker-image: each gets the engine root and argv from its own name. */
#pragma once
#include <stdbool.h>

#include <jansson.h>

#include "cli/docker_types.h"
#include "cli/format_rows.h"

#include "util/err.h"

struct image_cmd {
  const char *name;
  int (*fn)(const char *root, int argc, char **argv);
};

/* images / image ls */
int cmd_images(const char *root, int argc, char **argv);
/* import FILE|URL|- [REF] */
int cmd_import(const char *root, int argc, char **argv);
/* load [-i FILE] [-q] */
int cmd_load(const char *root, int argc, char **argv);
/* save [-o FILE] [--format docker-archive|oci-archive] REF... */
int cmd_save(const char *root, int argc, char **argv);
/* tag SOURCE TARGET */
int cmd_tag(const char *root, int argc, char **argv);
/* rmi [-f] IMAGE... */
int cmd_rmi(const char *root, int argc, char **argv);
/* history [-q] [--no-trunc] [-H] IMAGE */
int cmd_history(const char *root, int argc, char **argv);
/* image inspect [-f FORMAT] IMAGE... */
int cmd_inspect(const char *root, int argc, char **argv);
/* image prune [-a] [-f] */
int cmd_prune(const char *root, int argc, char **argv);
/* The flags `image prune` and `volume prune` share (-a, -f, --filter): *all for -a;
 * EXIT_ENGINE on an unknown flag, else 0. */
/* -a, -f, --filter (into *filters, NULL-terminated, borrowed from argv; may be NULL) and the
 * internal --reclaimed BYTES of `system prune` (added to the total printed; may be NULL). */
int cli_prune_flags(int argc, char **argv, bool *all, char ***filters,
                    unsigned long long *reclaimed);
/* create-default [--busybox PATH] [REF]: busybox:latest from the host's busybox-static */
int cmd_create_default(const char *root, int argc, char **argv);
/* commit [-m] [-a] [-c]... CONTAINER [REF]: the container found in the engine's store */
int cmd_commit(const char *root, int argc, char **argv);
/* export [-o FILE] CONTAINER */
int cmd_export(const char *root, int argc, char **argv);
/* engine-internal: commit-container --upper DIR --image ID [-m] [-a] [-c]... [REF] */
int cmd_commit_container(const char *root, int argc, char **argv);
/* engine-internal: export-container --upper DIR --image ID [-o FILE] */
int cmd_export_container(const char *root, int argc, char **argv);
/* engine-internal: export-rootfs --rootfs DIR [-o FILE] (an already merged tree) */
int cmd_export_rootfs(const char *root, int argc, char **argv);
/* debugging/tests/bench: mount-rootfs IMAGE CONTAINER_DIR (what the engine does at start) */
int cmd_mount_rootfs(const char *root, int argc, char **argv);
/* umount-rootfs CONTAINER_DIR [--release] (what the engine does at stop / rm) */
int cmd_umount_rootfs(const char *root, int argc, char **argv);
/* bench: mount-bench IMAGE CONTAINER_DIR COUNT (mean time of image_rootfs_mount) */
int cmd_mount_bench(const char *root, int argc, char **argv);
/* tests: volume-prepare NAME CONTAINER_DIR ROOTFS PATH (what run -v NAME:PATH does) */
int cmd_volume_prepare(const char *root, int argc, char **argv);
/* tests: volume-release CONTAINER_DIR (what rm does); prints the anonymous volumes */
int cmd_volume_release(const char *root, int argc, char **argv);
/* pull/push/login/logout until the registry client lands */
int cmd_unsupported(const char *root, int argc, char **argv);
/* If argv asks for --help and cmd is known, print docker's usage and return 0; else -1. */
int image_help(const char *cmd, int argc, char **argv);
/* Print the error like docker and return its exit code. */
int cli_fail(struct td_err *err);
/* `image inspect` / `volume inspect` (cmd names it in errors): [-f FORMAT] NAME..., each
 * looked up with get; a template sees the document as docker's type (cli_docker_typed_view).
 * Returns the exit code. */
int cli_inspect_each(const char *root, const char *cmd, enum cli_docker_type type, int argc,
                     char **argv,
                     int (*get)(const char *root, const char *name, json_t **out,
                                struct td_err **err));
