/* Functions shared between the engine's own files (not for the CLI). */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "engine/engine.h"
#include "runtime/core/runtime.h"
#include "util/err.h"

/* The OCI config.json for a container (docker's defaults + the request + image config).
 * rootfs: path the runtime sees; rec: the record being built (paths of hostname etc.). */
int bundle_build_spec(const struct eng_ctx *ctx, const struct eng_run_req *req, json_t *imgcfg,
                      const char *id, const char *dir, const char *rootfs, json_t **out,
                      json_t **mounts_rec, struct td_err **err);
/* Write /etc/hostname, /etc/hosts and /etc/resolv.conf for the container into its dir. */
int bundle_write_etc(const char *dir, const char *hostname, const char *net_mode,
                     char **add_hosts, char **dns, char **dns_search, struct td_err **err);
/* A helper program of ours (tinydocker-init, tinydocker-monitor) next to our binary (installed),
 * in the build tree's engine/, or in ../libexec/tinydocker; NULL when not found. */
char *eng_find_helper(const struct eng_ctx *ctx, const char *name);
/* The runtime context for the engine's containers. */
void eng_rt_ctx(const struct eng_ctx *ctx, struct rt_ctx *rt);
/* The image layer: resolve ref, mount its rootfs at <dir>/rootfs with upper/work in dir
 * (transient: a --rm container, whose overlay needs no sync). *config gets the image's config
 * object ("Env", "Cmd"...) and *image_id its id. */
int eng_image_prepare(const struct eng_ctx *ctx, const char *ref, bool transient,
                      const char *dir, json_t **config, char **image_id, struct td_err **err);
/* Mount the container's rootfs again (start after stop); no-op for --rootfs dirs. */
int eng_rootfs_mount(const struct eng_ctx *ctx, json_t *rec, struct td_err **err);
/* Unmount the container's rootfs if it is mounted (idempotent). */
void eng_rootfs_umount(const struct eng_ctx *ctx, json_t *rec);
/* Release the image's hold on the container (layers refcount), at rm. */
void eng_image_release(const struct eng_ctx *ctx, json_t *rec);
/* Remove everything of a stopped container: runtime state, cgroup, network, rootfs mount,
 * name, directory. Idempotent; used by rm, --rm and crash recovery. */
int eng_cleanup_container(const struct eng_ctx *ctx, const char *id, json_t *rec,
                          bool remove_record, bool remove_volumes, struct td_err **err);
/* Load a record and refresh its state from the kernel. */
int eng_load_refreshed(const struct eng_ctx *ctx, const char *id, json_t **rec,
                       struct td_err **err);
/* Spawn the monitor for a container (double fork); sock gets our end of its socketpair. */
int monitor_spawn(const struct eng_ctx *ctx, const char *id, int *sock, struct td_err **err);
/* Wait until pid (with starttime) is gone, up to timeout_ms (-1 forever); true if gone. */
bool eng_wait_pid_gone(pid_t pid, uint64_t starttime, int timeout_ms);
/* Attach our stdio over a monitor socket, relay signals/resizes, return the exit code.
 * send_start asks the monitor to start the container once attached. */
int attach_session(int sock, bool tty, bool with_stdin, bool sig_proxy, bool send_start,
                   int *exit_code, struct td_err **err);
/* Connect to a running container's monitor socket. */
int attach_connect(const struct eng_ctx *ctx, const char *id, struct td_err **err);
/* The short (12 hex) form of an id, in buf (>= 13 bytes). */
const char *eng_short_id(const char *id, char *buf);
/* Host CPU count. */
int eng_ncpu(void);
/* Print rows of '\t'-separated cells aligned like Go's tabwriter (padding 3). */
void eng_print_table(char **lines);
