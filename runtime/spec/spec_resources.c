/* config.json "linux.resources": the cgroup limits, validated, in config order. */
#include <string.h>

#include "runtime/spec/spec_internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

/* Optional int64 member with its has_ flag. */
static int opt_i64(json_t *j, const struct sp *p, const char *key, int64_t min, bool *has,
                   int64_t *out, struct td_err **err)
{
  int r = sj_i64(j, p, key, min, INT64_MAX, out, err);
  if (r > 0)
    *has = true;
  return r < 0 ? -1 : 0;
}

static int opt_u64(json_t *j, const struct sp *p, const char *key, bool *has, uint64_t *out,
                   struct td_err **err)
{
  int r = sj_u64(j, p, key, out, err);
  if (r > 0)
    *has = true;
  return r < 0 ? -1 : 0;
}

static int opt_u16(json_t *j, const struct sp *p, const char *key, bool *has, uint16_t *out,
                   struct td_err **err)
{
  int64_t v = 0;
  int r = sj_i64(j, p, key, 0, UINT16_MAX, &v, err);
  if (r > 0) {
    *has = true;
    *out = (uint16_t)v;
  }
  return r < 0 ? -1 : 0;
}

static int parse_memory(json_t *j, const struct sp *p, struct spec_resources *r,
                        struct td_err **err)
{
  json_t *m = NULL;
  int rc = sj_obj(j, p, "memory", &m, err);
  if (rc <= 0)
    return rc;
  struct sp c = SP_KEY(p, "memory");
  __typeof__(r->memory) *o = &r->memory;
  /* -1 means unlimited for the byte counts */
  if (opt_i64(m, &c, "limit", -1, &o->has_limit, &o->limit, err) < 0 ||
      opt_i64(m, &c, "reservation", -1, &o->has_reservation, &o->reservation, err) < 0 ||
      opt_i64(m, &c, "swap", -1, &o->has_swap, &o->swap, err) < 0 ||
      opt_i64(m, &c, "kernel", -1, &o->has_kernel, &o->kernel, err) < 0 ||
      opt_i64(m, &c, "kernelTCP", -1, &o->has_kernel_tcp, &o->kernel_tcp, err) < 0 ||
      opt_u64(m, &c, "swappiness", &o->has_swappiness, &o->swappiness, err) < 0 ||
      sj_bool(m, &c, "disableOOMKiller", &o->disable_oom_killer, err) < 0 ||
      sj_bool(m, &c, "checkBeforeUpdate", &o->check_before_update, err) < 0)
    return -1;
  if (o->has_swappiness && o->swappiness > 100)
    return sp_err(err, &(struct sp){.parent = &c, .key = "swappiness"},
                  "%llu is out of range [0, 100]", (unsigned long long)o->swappiness);
  rc = sj_bool(m, &c, "useHierarchy", &o->use_hierarchy, err);
  o->has_use_hierarchy = rc > 0;
  return rc < 0 ? -1 : 0;
}

static int parse_cpu(json_t *j, const struct sp *p, struct spec_resources *r, struct td_err **err)
{
  json_t *m = NULL;
  int rc = sj_obj(j, p, "cpu", &m, err);
  if (rc <= 0)
    return rc;
  struct sp c = SP_KEY(p, "cpu");
  __typeof__(r->cpu) *o = &r->cpu;
  if (opt_u64(m, &c, "shares", &o->has_shares, &o->shares, err) < 0 ||
      opt_i64(m, &c, "quota", -1, &o->has_quota, &o->quota, err) < 0 ||
      opt_u64(m, &c, "burst", &o->has_burst, &o->burst, err) < 0 ||
      opt_u64(m, &c, "period", &o->has_period, &o->period, err) < 0 ||
      opt_i64(m, &c, "realtimeRuntime", -1, &o->has_realtime_runtime, &o->realtime_runtime, err) <
          0 ||
      opt_u64(m, &c, "realtimePeriod", &o->has_realtime_period, &o->realtime_period, err) < 0 ||
      sj_str(m, &c, "cpus", &o->cpus, err) < 0 || sj_str(m, &c, "mems", &o->mems, err) < 0)
    return -1;
  rc = sj_i64(m, &c, "idle", 0, 1, &o->idle, err);
  o->has_idle = rc > 0;
  return rc < 0 ? -1 : 0;
}

static int parse_pids(json_t *j, const struct sp *p, struct spec_resources *r, struct td_err **err)
{
  json_t *m = NULL;
  int rc = sj_obj(j, p, "pids", &m, err);
  if (rc <= 0)
    return rc;
  struct sp c = SP_KEY(p, "pids");
  /* 0 and -1 both mean "no limit" (runtime-spec 1.2) */
  return opt_i64(m, &c, "limit", -1, &r->pids.has_limit, &r->pids.limit, err);
}

static int parse_major_minor(json_t *e, const struct sp *p, int64_t *maj, int64_t *min,
                             struct td_err **err)
{
  int r1 = sj_i64(e, p, "major", 0, UINT32_MAX, maj, err);
  int r2 = r1 < 0 ? -1 : sj_i64(e, p, "minor", 0, UINT32_MAX, min, err);
  if (r1 < 0 || r2 < 0)
    return -1;
  if (r1 == 0 || r2 == 0)
    return sp_err(err, p, "major and minor are required");
  return 0;
}

static int parse_throttle(json_t *j, const struct sp *p, const char *key,
                          struct spec_blkio_throttle **out, size_t *n, struct td_err **err)
{
  json_t *arr = NULL;
  int rc = sj_arr(j, p, key, &arr, err);
  if (rc <= 0)
    return rc;
  struct sp c = SP_KEY(p, key);
  size_t cnt = json_array_size(arr);
  *out = xcalloc(cnt ? cnt : 1, sizeof(**out));
  *n = cnt;
  for (size_t i = 0; i < cnt; i++) {
    json_t *e = json_array_get(arr, i);
    struct sp ci = SP_IDX(&c, i);
    struct spec_blkio_throttle *t = &(*out)[i];
    if (sj_want_obj(e, &ci, err) < 0 || parse_major_minor(e, &ci, &t->major, &t->minor, err) < 0)
      return -1;
    if ((rc = sj_u64(e, &ci, "rate", &t->rate, err)) < 0)
      return -1;
    if (rc == 0)
      return sp_err(err, &(struct sp){.parent = &ci, .key = "rate"}, "is required");
  }
  return 0;
}

static int parse_weight_devices(json_t *j, const struct sp *p, struct spec_resources *r,
                                struct td_err **err)
{
  json_t *arr = NULL;
  int rc = sj_arr(j, p, "weightDevice", &arr, err);
  if (rc <= 0)
    return rc;
  struct sp c = SP_KEY(p, "weightDevice");
  size_t cnt = json_array_size(arr);
  r->blkio.weight_device = xcalloc(cnt ? cnt : 1, sizeof(*r->blkio.weight_device));
  r->blkio.n_weight_device = cnt;
  for (size_t i = 0; i < cnt; i++) {
    json_t *e = json_array_get(arr, i);
    struct sp ci = SP_IDX(&c, i);
    struct spec_blkio_weight_device *w = &r->blkio.weight_device[i];
    if (sj_want_obj(e, &ci, err) < 0 || parse_major_minor(e, &ci, &w->major, &w->minor, err) < 0 ||
        opt_u16(e, &ci, "weight", &w->has_weight, &w->weight, err) < 0 ||
        opt_u16(e, &ci, "leafWeight", &w->has_leaf_weight, &w->leaf_weight, err) < 0)
      return -1;
  }
  return 0;
}

static int parse_blkio(json_t *j, const struct sp *p, struct spec_resources *r, struct td_err **err)
{
  json_t *m = NULL;
  int rc = sj_obj(j, p, "blockIO", &m, err);
  if (rc <= 0)
    return rc;
  struct sp c = SP_KEY(p, "blockIO");
  __typeof__(r->blkio) *o = &r->blkio;
  if (opt_u16(m, &c, "weight", &o->has_weight, &o->weight, err) < 0 ||
      opt_u16(m, &c, "leafWeight", &o->has_leaf_weight, &o->leaf_weight, err) < 0 ||
      parse_weight_devices(m, &c, r, err) < 0 ||
      parse_throttle(m, &c, "throttleReadBpsDevice", &o->throttle_read_bps, &o->n_throttle_read_bps,
                     err) < 0 ||
      parse_throttle(m, &c, "throttleWriteBpsDevice", &o->throttle_write_bps,
                     &o->n_throttle_write_bps, err) < 0 ||
      parse_throttle(m, &c, "throttleReadIOPSDevice", &o->throttle_read_iops,
                     &o->n_throttle_read_iops, err) < 0 ||
      parse_throttle(m, &c, "throttleWriteIOPSDevice", &o->throttle_write_iops,
                     &o->n_throttle_write_iops, err) < 0)
    return -1;
  return 0;
}

static int parse_hugepages(json_t *j, const struct sp *p, struct spec_resources *r,
                           struct td_err **err)
{
  json_t *arr = NULL;
  int rc = sj_arr(j, p, "hugepageLimits", &arr, err);
  if (rc <= 0)
    return rc;
  struct sp c = SP_KEY(p, "hugepageLimits");
  size_t cnt = json_array_size(arr);
  r->hugepage_limits = xcalloc(cnt ? cnt : 1, sizeof(*r->hugepage_limits));
  for (size_t i = 0; i < cnt; i++) {
    json_t *e = json_array_get(arr, i);
    struct sp ci = SP_IDX(&c, i);
    struct spec_hugepage_limit *h = &r->hugepage_limits[i];
    r->n_hugepage_limits = i + 1;
    if (sj_want_obj(e, &ci, err) < 0 || (rc = sj_str(e, &ci, "pageSize", &h->page_size, err)) < 0)
      return -1;
    if (rc == 0 || h->page_size[0] == 0)
      return sp_err(err, &(struct sp){.parent = &ci, .key = "pageSize"}, "is required");
    if (sj_u64(e, &ci, "limit", &h->limit, err) < 0)
      return -1;
  }
  return 0;
}

static int parse_device_rule(json_t *e, const struct sp *p, struct spec_device_rule *d,
                             struct td_err **err)
{
  autofree char *type = NULL, *access = NULL;
  int rc;
  if (sj_want_obj(e, p, err) < 0 || (rc = sj_bool(e, p, "allow", &d->allow, err)) < 0)
    return -1;
  if (rc == 0)
    return sp_err(err, &(struct sp){.parent = p, .key = "allow"}, "is required");
  if ((rc = sj_str(e, p, "type", &type, err)) < 0)
    return -1;
  d->type = 'a';
  if (rc > 0 && type[0] != 0) {
    if (strlen(type) != 1 || !strchr("acb", type[0]))
      return sp_err(err, &(struct sp){.parent = p, .key = "type"},
                    "unknown device type \"%s\" (want a, c or b)", type);
    d->type = type[0];
  }
  d->major = d->minor = -1;
  if (sj_i64(e, p, "major", -1, UINT32_MAX, &d->major, err) < 0 ||
      sj_i64(e, p, "minor", -1, UINT32_MAX, &d->minor, err) < 0 ||
      (rc = sj_str(e, p, "access", &access, err)) < 0)
    return -1;
  const char *a = rc > 0 ? access : "rwm";
  size_t n = 0;
  for (const char *c = "rwm"; *c; c++)
    if (strchr(a, *c))
      d->access[n++] = *c;
  if (strspn(a, "rwm") != strlen(a))
    return sp_err(err, &(struct sp){.parent = p, .key = "access"},
                  "\"%s\" is not a combination of r, w and m", a);
  return 0;
}

static int parse_device_rules(json_t *j, const struct sp *p, struct spec_resources *r,
                              struct td_err **err)
{
  json_t *arr = NULL;
  int rc = sj_arr(j, p, "devices", &arr, err);
  if (rc <= 0)
    return rc;
  struct sp c = SP_KEY(p, "devices");
  size_t cnt = json_array_size(arr);
  r->devices = xcalloc(cnt ? cnt : 1, sizeof(*r->devices));
  r->n_devices = cnt;
  for (size_t i = 0; i < cnt; i++) {
    struct sp ci = SP_IDX(&c, i);
    if (parse_device_rule(json_array_get(arr, i), &ci, &r->devices[i], err) < 0)
      return -1;
  }
  return 0;
}

static int parse_network(json_t *j, const struct sp *p, struct spec_resources *r,
                         struct td_err **err)
{
  json_t *m = NULL;
  int rc = sj_obj(j, p, "network", &m, err);
  if (rc <= 0)
    return rc;
  struct sp c = SP_KEY(p, "network");
  if ((rc = sj_u32(m, &c, "classID", &r->network.class_id, err)) < 0)
    return -1;
  r->network.has_class_id = rc > 0;
  json_t *arr = NULL;
  if ((rc = sj_arr(m, &c, "priorities", &arr, err)) <= 0)
    return rc;
  struct sp cp = SP_KEY(&c, "priorities");
  size_t cnt = json_array_size(arr);
  r->network.priorities = xcalloc(cnt ? cnt : 1, sizeof(*r->network.priorities));
  for (size_t i = 0; i < cnt; i++) {
    json_t *e = json_array_get(arr, i);
    struct sp ci = SP_IDX(&cp, i);
    struct spec_net_priority *np = &r->network.priorities[i];
    r->network.n_priorities = i + 1;
    if (sj_want_obj(e, &ci, err) < 0 || (rc = sj_str(e, &ci, "name", &np->name, err)) < 0)
      return -1;
    if (rc == 0)
      return sp_err(err, &(struct sp){.parent = &ci, .key = "name"}, "is required");
    if (sj_u32(e, &ci, "priority", &np->priority, err) < 0)
      return -1;
  }
  return 0;
}

int spec_parse_resources(json_t *j, const struct sp *p, struct spec_resources *r,
                         struct td_err **err)
{
  if (parse_memory(j, p, r, err) < 0 || parse_cpu(j, p, r, err) < 0 ||
      parse_pids(j, p, r, err) < 0 || parse_blkio(j, p, r, err) < 0 ||
      parse_hugepages(j, p, r, err) < 0 || parse_device_rules(j, p, r, err) < 0 ||
      parse_network(j, p, r, err) < 0 ||
      sj_kv(j, p, "unified", &r->unified, &r->n_unified, err) < 0)
    return -1;
  return 0;
}
