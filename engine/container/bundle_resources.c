/* issue 16's resource flags -> the OCI spec (docker's oci_linux.go): process.oomScoreAdj,
 * linux.resources' swappiness, real-time CPU, block IO throttles and device weights (the
 * device's major:minor from a stat of the host path), device cgroup rules as written. The
 * cgroupsPath under a --cgroup-parent is eng_cgroup_path()'s, always beneath the root.
 * --kernel-memory is recorded only: runc (and so docker 20.10) no longer applies it. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "engine/container/internal.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/jsonv.h"
#include "util/xalloc.h"

static json_t *child(json_t *o, const char *key)
{
  json_t *c = json_object_get(o, key);
  if (!json_is_object(c)) {
    c = json_object();
    json_object_set_new(o, key, c);
  }
  return c;
}

/* DEVICE:VALUE entries as {"major","minor",vkey}: the host path must be a block device */
static int blkio_list(const struct eng_blkio_list *l, json_t *blockio, const char *key,
                      const char *vkey, struct td_err **err)
{
  if (l->n == 0)
    return 0;
  json_t *arr = json_array();
  json_object_set_new(blockio, key, arr);
  for (size_t i = 0; i < l->n; i++) {
    struct stat st;
    if (stat(l->v[i].path, &st) < 0)
      return err_set(err, errno, "stat %s", l->v[i].path);
    if (!S_ISBLK(st.st_mode))
      return err_set(err, 0, "%s is not a block device", l->v[i].path);
    json_array_append_new(arr, json_pack("{s:I,s:I,s:I}", "major", (json_int_t)major(st.st_rdev),
                                         "minor", (json_int_t)minor(st.st_rdev), vkey,
                                         (json_int_t)l->v[i].value));
  }
  return 0;
}

int bundle_add_resources16(const struct eng_run_req *req, json_t *spec, struct td_err **err)
{
  /* always, as docker's: 0 unless given (build_process sets that 0), never the caller's own;
   * the runtime writes it only where it differs from the value the init would inherit */
  json_object_set_new(json_object_get(spec, "process"), "oomScoreAdj",
                      json_integer(req->oom_score_adj));
  json_t *res = json_object_get(json_object_get(spec, "linux"), "resources");
  if (req->has_memory_swappiness)
    json_object_set_new(child(res, "memory"), "swappiness", json_integer(req->memory_swappiness));
  if (req->cpu_rt_period > 0)
    json_object_set_new(child(res, "cpu"), "realtimePeriod", json_integer(req->cpu_rt_period));
  if (req->cpu_rt_runtime != 0)
    json_object_set_new(child(res, "cpu"), "realtimeRuntime", json_integer(req->cpu_rt_runtime));
  if (req->weight_device.n || req->read_bps.n || req->write_bps.n || req->read_iops.n ||
      req->write_iops.n) {
    json_t *b = child(res, "blockIO");
    if (blkio_list(&req->weight_device, b, "weightDevice", "weight", err) < 0 ||
        blkio_list(&req->read_bps, b, "throttleReadBpsDevice", "rate", err) < 0 ||
        blkio_list(&req->write_bps, b, "throttleWriteBpsDevice", "rate", err) < 0 ||
        blkio_list(&req->read_iops, b, "throttleReadIOPSDevice", "rate", err) < 0 ||
        blkio_list(&req->write_iops, b, "throttleWriteIOPSDevice", "rate", err) < 0)
      return -1;
  }
  json_t *rules = json_object_get(res, "devices");
  for (char **d = req->device_cgroup_rules; d && *d && !req->privileged; d++) {
    struct eng_dev_rule r;
    if (eng_parse_dev_rule(*d, &r, err) < 0)
      return -1;
    char type[2] = {r.type, '\0'};
    json_t *j = json_pack("{s:b,s:s,s:s}", "allow", 1, "type", type, "access", r.access);
    if (r.major >= 0)
      json_object_set_new(j, "major", json_integer(r.major));
    if (r.minor >= 0)
      json_object_set_new(j, "minor", json_integer(r.minor));
    json_array_append_new(rules, j);
  }
  return 0;
}

static json_t *blkio_json(const struct eng_blkio_list *l, const char *vkey)
{
  json_t *a = json_array();
  for (size_t i = 0; i < l->n; i++)
    json_array_append_new(
        a, json_pack("{s:s,s:I}", "Path", l->v[i].path, vkey, (json_int_t)l->v[i].value));
  return a;
}

void bundle_host_config16(const struct eng_run_req *req, json_t *hc)
{
  json_object_set_new(hc, "OomScoreAdj", json_integer(req->oom_score_adj));
  json_object_set_new(hc, "MemorySwappiness",
                      req->has_memory_swappiness ? json_integer(req->memory_swappiness)
                                                 : json_null());
  json_object_set_new(hc, "KernelMemory", json_integer(req->kernel_memory));
  json_object_set_new(hc, "CgroupParent",
                      json_string(req->cgroup_parent ? req->cgroup_parent : ""));
  json_object_set_new(hc, "DeviceCgroupRules",
                      req->device_cgroup_rules ? jsonv_from_strv(req->device_cgroup_rules)
                                               : json_null());
  json_object_set_new(hc, "BlkioWeightDevice", blkio_json(&req->weight_device, "Weight"));
  json_object_set_new(hc, "BlkioDeviceReadBps", blkio_json(&req->read_bps, "Rate"));
  json_object_set_new(hc, "BlkioDeviceWriteBps", blkio_json(&req->write_bps, "Rate"));
  json_object_set_new(hc, "BlkioDeviceReadIOps", blkio_json(&req->read_iops, "Rate"));
  json_object_set_new(hc, "BlkioDeviceWriteIOps", blkio_json(&req->write_iops, "Rate"));
  json_object_set_new(hc, "CpuRealtimePeriod", json_integer(req->cpu_rt_period));
  json_object_set_new(hc, "CpuRealtimeRuntime", json_integer(req->cpu_rt_runtime));
  /* docker's map of the flag's KEY=VALUE pairs as given (create_record.c drops an empty one) */
  json_t *so = json_object();
  for (char **o = req->storage_opts; o && *o; o++) {
    const char *eq = strchr(*o, '=');
    autofree char *k = xstrndup(*o, eq ? (size_t)(eq - *o) : strlen(*o));
    json_object_set_new(so, k, json_string(eq ? eq + 1 : ""));
  }
  json_object_set_new(hc, "StorageOpt", so);
}

char *bundle_cgroups_path(const struct eng_ctx *ctx, const char *id)
{
  autofree char *dir = store_dir(ctx, id);
  /* the bundle in the store, or where eng_trash_move put it (trash.c's TRASH_DIR) */
  autofree char *p1 = xasprintf("%s/config.json", dir);
  autofree char *p2 = xasprintf("%s/trash/%s/config.json", ctx->root, id);
  const char *paths[] = {p1, p2};
  for (size_t i = 0; i < 2; i++) {
    autojson json_t *spec = NULL;
    autoerr struct td_err *e = NULL;
    if (file_read_json(AT_FDCWD, paths[i], &spec, &e) < 0)
      continue;
    const char *cg =
        json_string_value(json_object_get(json_object_get(spec, "linux"), "cgroupsPath"));
    if (cg && *cg == '/')
      return xstrdup(cg);
  }
  return xasprintf("/%s/%s", ENG_CGROUP_PARENT, id);
}
