/* User-namespace remapping (tinydocker --userns-remap, docker's dockerd --userns-remap):
 * the subordinate ranges of a name in /etc/subuid and /etc/subgid, resolved at create, kept
 * in the record ("Td".UidMap/GidMap) and the bundle (linux.uidMappings), and the checks of
 * docker's daemon against the flags that share a host namespace. docs/security.md,
 * "User-namespace remapping". Private to engine/container. */
#pragma once

#include <jansson.h>

#include "engine/container/container.h"
#include "util/idmapns.h"
#include "util/subid.h"

struct image_info;

struct eng_remap {
  struct idmap_line uid[SUBID_MAX], gid[SUBID_MAX];
  size_t nu, ng; /* 0: no remapping */
};

/* The maps of value ("default" = the name dockremap, USER[:GROUP] or UID[:GID]) from
 * /etc/subuid and /etc/subgid; container ids from 0 up, the ranges in file order. */
int eng_remap_resolve(const char *value, struct eng_remap *out, struct td_err **err);
/* Whether req gets a user namespace of its own (remapping on, no --userns host); docker's
 * refusals of --privileged, --network host and --pid host then. */
int eng_remap_check(const struct eng_ctx *ctx, const struct eng_run_req *req, bool *remapped,
                    struct td_err **err);
/* A user namespace and its maps into spec's linux. */
void eng_remap_spec(const struct eng_remap *r, json_t *spec);
/* The maps into / from the record's Td ("UidMap", "GidMap": ["0 100000 65536", ...]). */
void eng_remap_to_td(const struct eng_remap *r, json_t *td);
void eng_remap_from_record(const struct ctr_record *rec, struct eng_remap *r);
/* A user namespace fd holding r's maps (for the idmapped rootfs). */
int eng_remap_userns(const struct eng_remap *r, struct td_err **err);
/* The files of the container dir bound into the container (hostname, hosts, resolv.conf) owned
 * by its root, as docker's; nothing without remapping. */
int eng_remap_chown_etc(const struct eng_remap *r, const char *dir, struct td_err **err);
/* Let the remapped root reach its container dir (the runtime binds its rootfs, hosts... from
 * inside the user namespace): the store root and containers/ 0710 of its gid 0; dir 0711. */
int eng_remap_dirs(const struct eng_ctx *ctx, const struct eng_remap *r, const char *dir,
                   struct td_err **err);
/* A volume (docs: mounts of Type "volume") whose _data is new (empty and host root's) becomes
 * the remapped root's, as docker's volumes of a remapped daemon; one filled from the image has
 * the image's ids through the idmapped rootfs already. */
int eng_remap_volumes(const struct eng_remap *r, json_t *mounts, struct td_err **err);
/* The image's overlay rootfs at dir/rootfs, idmapped through r's maps when r has them. */
int eng_remap_rootfs(const struct eng_ctx *ctx, const struct image_info *img, const char *dir,
                     bool transient, const struct eng_remap *r, char **rootfs, struct td_err **err);
