/* Inside engine/container only: create's steps (create.c, create_record.c, bundle.c,
 * bundle_mounts.c, hostcheck.c). */
#pragma once
#include <stdbool.h>

#include <jansson.h>

#include "engine/container/container.h"

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
/* The new container's record (create_record.c): docker's inspect document ("HostConfig",
 * "Config", "NetworkSettings"...) of the request, its spec, the image's config and its mounts
 * (docker's "Mounts" entries), plus the engine's "Td" part. */
json_t *create_record_doc(const struct eng_run_req *req, const char *id, const char *name,
                          const char *dir, json_t *spec, json_t *imgcfg, const char *image_id,
                          const char *rootfs, json_t *mounts);
/* Write /etc/hostname, /etc/hosts and /etc/resolv.conf for the container into its dir. */
int bundle_write_etc(const char *dir, const char *hostname, const char *net_mode, char **add_hosts,
                     char **dns, char **dns_search, char **dns_opts, struct td_err **err);
/* The image layer: resolve ref, mount its rootfs at <dir>/rootfs with upper/work in dir
 * (transient: a --rm container, whose overlay needs no sync). *config gets the image's config
 * object ("Env", "Cmd"...) and *image_id its id. */
struct eng_remap;
int eng_image_prepare(const struct eng_ctx *ctx, const char *ref, bool transient, const char *dir,
                      const struct eng_remap *remap, json_t **config, char **image_id,
                      struct td_err **err);
/* docker's warnings for limits this host cannot apply (no blkio weight, no swap accounting):
 * the value discarded, a WARNING line on stderr; engine/container/hostcheck.c. */
int eng_host_adjust(struct eng_run_req *req, struct td_err **err);
/* --storage-opt (storage.c): docker's checks and words; *size: the quota in bytes (0: none). */
int eng_storage_check(const struct eng_ctx *ctx, const struct eng_run_req *req, uint64_t *size,
                      struct td_err **err);
/* A project quota of size bytes on dir's upper and work dirs (made here if absent). */
int eng_storage_apply(const struct eng_ctx *ctx, const char *dir, uint64_t size,
                      struct td_err **err);
/* Clear the quota of dir's upper dir, if it has one (rm, a failed create); warns on failure. */
void eng_storage_release(const char *dir);
/* A quota-limited container's seccomp profile: ioctl allowed but for the requests that change a
 * file's project id or its PROJINHERIT flag (FS_IOC_FSSETXATTR, FS_IOC_SETFLAGS). */
void eng_storage_seccomp(json_t *spec);

/* engine/container/nsmode.c: docker's checks of --ipc/--uts/--network container: conflicts. */
int eng_ns_validate(const struct eng_run_req *req, struct td_err **err);
/* container:NAME -> container:<full id> in req's network, ipc and pid modes (docker's
 * HostConfig); the strings are m's. */
struct eng_ns_modes {
  char *mode[ENG_NS_JOINS];
};
int eng_ns_resolve_modes(const struct eng_ctx *ctx, struct eng_run_req *req, struct eng_ns_modes *m,
                         struct td_err **err);
void eng_ns_modes_clear(struct eng_ns_modes *m);
/* --network container:<id>: X's directory, whose hosts, resolv.conf and hostname files the
 * container shares (docker binds X's own files: X's later updates are seen); NULL for any other
 * mode. eng_ns_net_etc_check: each of them a regular file opened beneath X's directory, never
 * through a symlink (checked at create and at every start). */
char *eng_ns_net_etc_dir(const struct eng_ctx *ctx, const char *network);
int eng_ns_net_etc_check(const struct eng_ctx *ctx, const char *network, struct td_err **err);
/* Whether --cgroupns mode (NULL = docker's default for this host) is a namespace of its own. */
bool eng_ns_cgroup_private(const char *mode);
/* The spec's linux.namespaces; with --network container:X, X's host and domain name. */
int eng_ns_build(const struct eng_ctx *ctx, const struct eng_run_req *req, json_t **out,
                 char **net_hostname, char **net_domainname, struct td_err **err);
/* issue 16's resource flags into a built spec (its process and linux.resources):
 * engine/container/bundle_resources.c. */
int bundle_add_resources16(const struct eng_run_req *req, json_t *spec, struct td_err **err);
/* Their inspect HostConfig keys, docker's values. */
void bundle_host_config16(const struct eng_run_req *req, json_t *hc);
