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
/* One OCI mount object; opts is a comma-separated list. */
json_t *bundle_mount_json(const char *dst, const char *type, const char *src, const char *opts);
/* -v / --mount / --tmpfs and the image config's Volumes (anonymous volumes where no user mount
 * covers them) into OCI mounts, ordered parents first; rec gets docker's "Mounts" entries. */
int bundle_add_mounts(const struct eng_ctx *ctx, const struct eng_run_req *req, json_t *imgcfg,
                      const char *dir, const char *rootfs, json_t *mounts, json_t *rec,
                      struct td_err **err);
/* Write /etc/hostname, /etc/hosts and /etc/resolv.conf for the container into its dir. */
int bundle_write_etc(const char *dir, const char *hostname, const char *net_mode, char **add_hosts,
                     char **dns, char **dns_search, struct td_err **err);
/* The runtime context for the engine's containers. */
void eng_rt_ctx(const struct eng_ctx *ctx, struct rt_ctx *rt);
/* The image layer: resolve ref, mount its rootfs at <dir>/rootfs with upper/work in dir
 * (transient: a --rm container, whose overlay needs no sync). *config gets the image's config
 * object ("Env", "Cmd"...) and *image_id its id. */
int eng_image_prepare(const struct eng_ctx *ctx, const char *ref, bool transient, const char *dir,
                      json_t **config, char **image_id, struct td_err **err);
/* Mount the container's rootfs again (start after stop); no-op for --rootfs dirs. */
int eng_rootfs_mount(const struct eng_ctx *ctx, json_t *rec, struct td_err **err);
/* Unmount the container's rootfs if it is mounted (idempotent). */
void eng_rootfs_umount(const struct eng_ctx *ctx, json_t *rec);
/* Release the image's hold on the container (layers refcount), at rm. */
void eng_image_release(const struct eng_ctx *ctx, json_t *rec);
/* The runtime state, cgroups (a runtime's leftover too) and network of a container that is
 * not running. Idempotent. */
void eng_teardown_runtime(const struct eng_ctx *ctx, const char *id, bool net);
/* Whether a network mode gives the container endpoints of its own (NULL: the default
 * network does): not none/host/container:X (`network connect` refuses those, as docker
 * does), so they publish no ports and their removal skips the network store. */
bool eng_mode_has_endpoints(const char *mode);
/* The same for a container's record (HostConfig.NetworkMode). */
bool eng_net_endpoints(json_t *rec);
struct net_attach_result;
/* NetworkSettings.Networks[name] of the record for an endpoint (aliases may be NULL). */
json_t *eng_net_endpoint_json(const struct net_attach_result *res, char *const *aliases);
/* Remove everything of a stopped container: runtime state, cgroup, network, rootfs mount,
 * name, directory. Idempotent; used by rm, --rm and crash recovery. */
int eng_cleanup_container(const struct eng_ctx *ctx, const char *id, json_t *rec,
                          bool remove_record, bool remove_volumes, struct td_err **err);
/* Release what names the container to other commands: its name, image hold and (with
 * remove_volumes, or --rm) anonymous volumes. Part of every removal. */
void eng_unpublish(const struct eng_ctx *ctx, const char *id, json_t *rec, bool remove_volumes);
/* --rm, first half (engine/trash.c): the network endpoint released (the host veths to
 * delete in *unplug, net_release), the rootfs unmounted, unpublished, the store directory
 * renamed into <root>/trash; the caller holds its lock. */
int eng_trash_move(const struct eng_ctx *ctx, const char *id, json_t *rec, char ***unplug,
                   struct td_err **err);
/* --rm, second half: runtime state, cgroups and files of a trash entry. */
void eng_trash_finish(const struct eng_ctx *ctx, const char *id, bool rootfs_is_dir, bool net);
/* Finish the trash entries whose remover died (their lock is free). */
void eng_trash_sweep(const struct eng_ctx *ctx);
/* Load a record and refresh its state from the kernel. */
int eng_load_refreshed(const struct eng_ctx *ctx, const char *id, json_t **rec,
                       struct td_err **err);
/* Spawn the monitor for a container (double fork); sock gets our end of its socketpair. */
int monitor_spawn(const struct eng_ctx *ctx, const char *id, int *sock, struct td_err **err);
/* An attached run without a terminal, or run -d (attach false: tinydocker-attach prints id
 * once started): clone the monitor into this address space and exec tinydocker-attach in our
 * place (handoff.c). Returns only when it could not: 1 when not possible here (the caller
 * forks), -1 on an error before the clone. */
int monitor_handoff(const struct eng_ctx *ctx, const char *id, bool attach, bool sig_proxy,
                    struct td_err **err);
/* Wait until pid (with starttime) is gone, up to timeout_ms (-1 forever); true if gone. */
bool eng_wait_pid_gone(pid_t pid, uint64_t starttime, int timeout_ms);
/* Attach our stdio over a monitor socket, relay signals/resizes, return the exit code.
 * send_start asks the monitor to start the container once attached. detach_keys (docker's
 * format, NULL = ctrl-p,ctrl-q) end the session with exit code 0 for a tty with stdin. */
int attach_session(int sock, bool tty, bool with_stdin, bool sig_proxy, bool send_start,
                   const char *detach_keys, int *exit_code, struct td_err **err);
/* Connect to a running container's monitor socket. */
int attach_connect(const struct eng_ctx *ctx, const char *id, struct td_err **err);
/* The short (12 hex) form of an id, in buf (>= 13 bytes). */
const char *eng_short_id(const char *id, char *buf);
/* Host CPU count. */
int eng_ncpu(void);
/* docker's warnings for limits this host cannot apply (no blkio weight, no swap accounting):
 * the value discarded, a WARNING line on stderr; engine/hostcheck.c. */
int eng_host_adjust(struct eng_run_req *req, struct td_err **err);
/* ps --filter ancestor=: the images the filters name, resolved (NULL when none resolves). */
struct ps_ancestry *ps_ancestry_new(const char *root, char **filters);
/* Whether the container's image is one of them or built on one (their layers at its bottom). */
bool ps_ancestry_match(struct ps_ancestry *a, json_t *rec);
/* Free it (NULL is fine). */
void ps_ancestry_free(struct ps_ancestry *a);
/* top's table for pids (sorted) with docker's ps options (-ef, aux, -o FIELD,...). */
int top_print(const pid_t *pids, size_t n, char **ps_args, struct td_err **err);
/* Print rows of '\t'-separated cells aligned like Go's tabwriter (padding 3). */
void eng_print_table(char **lines);
