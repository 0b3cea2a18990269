/* The OCI spec of a build step (engine/build's RUN): the same docker defaults as a container's
 * (capabilities, seccomp, masked and read-only paths, /dev, the etc files), for a process that
 * is not a container of the store (no record, no name, no volumes); remapped as a `run` would be
 * with --userns-remap. */
#include <string.h>

#include "engine/container/internal.h"
#include "engine/container/userns.h"
#include "util/cleanup.h"

int eng_build_spec(const struct eng_ctx *ctx, const struct eng_build_spec_req *r, json_t **out,
                   struct td_err **err)
{
  /* no volumes for a build step: docker's builder mounts none */
  autojson json_t *imgcfg = json_deep_copy(r->imgcfg);
  if (imgcfg == NULL)
    imgcfg = json_object();
  json_object_del(imgcfg, "Volumes");
  json_object_del(imgcfg, "Entrypoint");
  struct eng_run_req req = {.cmd = r->argv,
                            .entrypoint_set = true,
                            .entrypoint = "",
                            .env = r->env,
                            .network = r->network,
                            .stop_timeout = -1};
  autojson json_t *mounts = NULL;
  if (bundle_build_spec(ctx, &req, imgcfg, r->id, r->dir, r->rootfs, out, &mounts, err) < 0)
    return -1;
  if (bundle_write_etc(r->dir, json_string_value(json_object_get(*out, "hostname")), r->network,
                       NULL, NULL, NULL, NULL, err) < 0) {
    json_decref(*out);
    *out = NULL;
    return -1;
  }
  /* --userns-remap: a user namespace with the maps of a remapped `run`, and the etc files
   * the runtime binds from inside it owned by its root (userns.c) */
  if (r->remap) {
    eng_remap_spec(r->remap, *out);
    if (eng_remap_chown_etc(r->remap, r->dir, err) < 0) {
      json_decref(*out);
      *out = NULL;
      return -1;
    }
  }
  return 0;
}
