/* config.json "linux": namespaces, id mappings, devices, sysctl, paths, personality, time. */
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>

#include "runtime/spec/spec_internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const char *const ns_names[NS_TYPE_COUNT] = {
    [NS_PID] = "pid", [NS_NET] = "network", [NS_MNT] = "mount",     [NS_IPC] = "ipc",
    [NS_UTS] = "uts", [NS_USER] = "user",   [NS_CGROUP] = "cgroup", [NS_TIME] = "time",
};

static const int ns_flags[NS_TYPE_COUNT] = {
    [NS_PID] = CLONE_NEWPID,       [NS_NET] = CLONE_NEWNET,   [NS_MNT] = CLONE_NEWNS,
    [NS_IPC] = CLONE_NEWIPC,       [NS_UTS] = CLONE_NEWUTS,   [NS_USER] = CLONE_NEWUSER,
    [NS_CGROUP] = CLONE_NEWCGROUP, [NS_TIME] = CLONE_NEWTIME,
};

const char *spec_ns_name(enum spec_ns_type t)
{
  return (unsigned)t < NS_TYPE_COUNT ? ns_names[t] : NULL;
}

int spec_ns_from_name(const char *name)
{
  for (int i = 0; i < NS_TYPE_COUNT; i++)
    if (name && strcmp(ns_names[i], name) == 0)
      return i;
  return -1;
}

int spec_ns_clone_flag(enum spec_ns_type t)
{
  return (unsigned)t < NS_TYPE_COUNT ? ns_flags[t] : 0;
}

static int parse_namespaces(json_t *j, const struct sp *p, struct spec_linux *l,
                            struct td_err **err)
{
  json_t *arr = NULL;
  int r = sj_arr(j, p, "namespaces", &arr, err);
  if (r <= 0)
    return r;
  struct sp c = SP_KEY(p, "namespaces");
  for (size_t i = 0; i < json_array_size(arr); i++) {
    json_t *e = json_array_get(arr, i);
    struct sp ci = SP_IDX(&c, i), ct = SP_KEY(&ci, "type"), cp = SP_KEY(&ci, "path");
    autofree char *type = NULL, *path = NULL;
    if (sj_want_obj(e, &ci, err) < 0 || (r = sj_str(e, &ci, "type", &type, err)) < 0)
      return -1;
    if (r == 0)
      return sp_err(err, &ct, "is required");
    int t = spec_ns_from_name(type);
    if (t < 0)
      return sp_err(err, &ct, "unknown namespace type \"%s\"", type);
    if (l->ns[t].present)
      return sp_err(err, &ct, "duplicate namespace type \"%s\"", type);
    if ((r = sj_str(e, &ci, "path", &path, err)) < 0)
      return -1;
    if (r > 0 && path[0] != '/')
      return sp_err(err, &cp, "\"%s\" is not an absolute path", path);
    l->ns[t].present = true;
    l->ns[t].path = steal_ptr(path);
  }
  return 0;
}

int spec_parse_idmaps(json_t *arr, const struct sp *p, struct spec_idmap **out, size_t *n,
                      struct td_err **err)
{
  size_t cnt = json_array_size(arr);
  struct spec_idmap *v = xcalloc(cnt ? cnt : 1, sizeof(*v));
  for (size_t i = 0; i < cnt; i++) {
    json_t *e = json_array_get(arr, i);
    struct sp ci = SP_IDX(p, i);
    int r;
    if (sj_want_obj(e, &ci, err) < 0 ||
        (r = sj_u32(e, &ci, "containerID", &v[i].container_id, err)) < 0 ||
        (r = sj_u32(e, &ci, "hostID", &v[i].host_id, err)) < 0 ||
        (r = sj_u32(e, &ci, "size", &v[i].size, err)) < 0) {
      free(v);
      return -1;
    }
    if (v[i].size == 0) {
      free(v);
      return sp_err(err, &(struct sp){.parent = &ci, .key = "size"}, "must be greater than 0");
    }
  }
  free(*out);
  *out = v;
  *n = cnt;
  return 0;
}

static int parse_device(json_t *e, const struct sp *p, struct spec_device *d, struct td_err **err)
{
  autofree char *type = NULL;
  int r;
  struct sp ct = SP_KEY(p, "type"), cpath = SP_KEY(p, "path");
  if (sj_want_obj(e, p, err) < 0 || (r = sj_str(e, p, "type", &type, err)) < 0)
    return -1;
  if (r == 0)
    return sp_err(err, &ct, "is required");
  if (strlen(type) != 1 || !strchr("cbup", type[0]))
    return sp_err(err, &ct, "unknown device type \"%s\" (want c, b, u or p)", type);
  d->type = type[0];
  if ((r = sj_str(e, p, "path", &d->path, err)) < 0)
    return -1;
  if (r == 0)
    return sp_err(err, &cpath, "is required");
  if (d->path[0] != '/')
    return sp_err(err, &cpath, "\"%s\" is not an absolute path", d->path);
  int rmaj = sj_i64(e, p, "major", 0, UINT32_MAX, &d->major, err);
  int rmin = rmaj < 0 ? -1 : sj_i64(e, p, "minor", 0, UINT32_MAX, &d->minor, err);
  if (rmaj < 0 || rmin < 0)
    return -1;
  if (d->type != 'p' && (rmaj == 0 || rmin == 0))
    return sp_err(err, p, "major and minor are required for a type %c device", d->type);
  r = sj_u32(e, p, "fileMode", &d->file_mode, err);
  if (r < 0)
    return -1;
  /* some engines write st_mode with the S_IFCHR/S_IFBLK bits: keep the permission bits */
  if (r > 0 && d->file_mode > 0177777)
    return sp_err(err, &(struct sp){.parent = p, .key = "fileMode"}, "%u is not a valid file mode",
                  d->file_mode);
  d->file_mode &= 07777;
  d->has_file_mode = r > 0;
  if ((r = sj_u32(e, p, "uid", &d->uid, err)) < 0)
    return -1;
  d->has_uid = r > 0;
  if ((r = sj_u32(e, p, "gid", &d->gid, err)) < 0)
    return -1;
  d->has_gid = r > 0;
  return 0;
}

static int parse_devices(json_t *j, const struct sp *p, struct spec_linux *l, struct td_err **err)
{
  json_t *arr = NULL;
  int r = sj_arr(j, p, "devices", &arr, err);
  if (r <= 0)
    return r;
  struct sp c = SP_KEY(p, "devices");
  size_t n = json_array_size(arr);
  l->devices = xcalloc(n ? n : 1, sizeof(*l->devices));
  for (size_t i = 0; i < n; i++) {
    struct sp ci = SP_IDX(&c, i);
    l->n_devices = i + 1;
    if (parse_device(json_array_get(arr, i), &ci, &l->devices[i], err) < 0)
      return -1;
  }
  return 0;
}

static int parse_propagation(json_t *j, const struct sp *p, struct spec_linux *l,
                             struct td_err **err)
{
  static const struct {
    const char *name;
    unsigned long flags;
  } t[] = {
      {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
      {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
      {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
      {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
  };
  autofree char *s = NULL;
  int r = sj_str(j, p, "rootfsPropagation", &s, err);
  if (r <= 0)
    return r;
  if (s[0] == 0)
    return 0;
  for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
    if (strcmp(t[i].name, s) == 0) {
      l->rootfs_propagation = t[i].flags;
      return 0;
    }
  return sp_err(err, &(struct sp){.parent = p, .key = "rootfsPropagation"},
                "unknown propagation \"%s\"", s);
}

static int parse_personality(json_t *j, const struct sp *p, struct spec_linux *l,
                             struct td_err **err)
{
  json_t *pj = NULL;
  int r = sj_obj(j, p, "personality", &pj, err);
  if (r <= 0)
    return r;
  struct sp c = SP_KEY(p, "personality"), cd = SP_KEY(&c, "domain");
  autofree char *domain = NULL;
  autostrv char **flags = NULL;
  if ((r = sj_str(pj, &c, "domain", &domain, err)) < 0 || sj_strv(pj, &c, "flags", &flags, err) < 0)
    return -1;
  if (r == 0)
    return sp_err(err, &cd, "is required");
  if (strcmp(domain, "LINUX") == 0)
    l->personality = PER_LINUX;
  else if (strcmp(domain, "LINUX32") == 0)
    l->personality = PER_LINUX32;
  else
    return sp_err(err, &cd, "unknown personality domain \"%s\"", domain);
  l->has_personality = true;
  return 0;
}

static int parse_time_offsets(json_t *j, const struct sp *p, struct spec_linux *l,
                              struct td_err **err)
{
  json_t *to = NULL;
  int r = sj_obj(j, p, "timeOffsets", &to, err);
  if (r <= 0)
    return r;
  struct sp c = SP_KEY(p, "timeOffsets");
  const char *clock;
  json_t *v;
  json_object_foreach (to, clock, v) {
    struct sp cc = SP_KEY(&c, clock);
    int64_t *secs;
    uint32_t *nsecs;
    if (strcmp(clock, "monotonic") == 0) {
      secs = &l->monotonic_secs;
      nsecs = &l->monotonic_nanosecs;
    } else if (strcmp(clock, "boottime") == 0) {
      secs = &l->boottime_secs;
      nsecs = &l->boottime_nanosecs;
    } else {
      return sp_err(err, &cc, "unknown clock (want monotonic or boottime)");
    }
    if (sj_want_obj(v, &cc, err) < 0 ||
        sj_i64(v, &cc, "secs", INT64_MIN, INT64_MAX, secs, err) < 0 ||
        sj_u32(v, &cc, "nanosecs", nsecs, err) < 0)
      return -1;
    if (*nsecs >= 1000000000u)
      return sp_err(err, &(struct sp){.parent = &cc, .key = "nanosecs"},
                    "must be less than 1000000000");
  }
  l->has_time_offsets = true;
  return 0;
}

/* linux.netDevices: {"eth1": {"name": "ctr_eth1"}}, the name optional. Kept to be checked
 * (spec_validate); moving the devices is not implemented. */
static int parse_net_devices(json_t *j, const struct sp *p, struct spec_linux *l,
                             struct td_err **err)
{
  json_t *o = NULL;
  int r = sj_obj(j, p, "netDevices", &o, err);
  if (r <= 0)
    return r;
  struct sp c = SP_KEY(p, "netDevices");
  size_t n = json_object_size(o);
  l->net_devices = xcalloc(n ? n : 1, sizeof(*l->net_devices));
  const char *k;
  json_t *v;
  json_object_foreach (o, k, v) {
    struct sp ck = SP_KEY(&c, k);
    struct spec_kv *d = &l->net_devices[l->n_net_devices];
    if (sj_want_obj(v, &ck, err) < 0)
      return -1;
    d->key = xstrdup(k);
    l->n_net_devices++;
    if (sj_str(v, &ck, "name", &d->value, err) < 0)
      return -1;
  }
  return 0;
}

static int parse_sub(json_t *j, const struct sp *p, struct spec_linux *l, struct td_err **err)
{
  json_t *v = NULL;
  struct sp cr = SP_KEY(p, "resources"), cs = SP_KEY(p, "seccomp");
  int r = sj_obj(j, p, "resources", &v, err);
  if (r < 0)
    return -1;
  if (r > 0) {
    l->resources = xcalloc(1, sizeof(*l->resources));
    if (spec_parse_resources(v, &cr, l->resources, err) < 0)
      return -1;
  }
  v = NULL;
  if ((r = sj_obj(j, p, "seccomp", &v, err)) < 0)
    return -1;
  if (r > 0) {
    l->seccomp = xcalloc(1, sizeof(*l->seccomp));
    if (spec_parse_seccomp(v, &cs, l->seccomp, err) < 0)
      return -1;
  }
  return 0;
}

int spec_parse_linux(json_t *j, const struct sp *p, struct spec_linux *l, struct td_err **err)
{
  json_t *maps = NULL;
  int r;
  struct sp cu = SP_KEY(p, "uidMappings"), cg = SP_KEY(p, "gidMappings");
  if (parse_namespaces(j, p, l, err) < 0 || (r = sj_arr(j, p, "uidMappings", &maps, err)) < 0)
    return -1;
  if (r > 0 && spec_parse_idmaps(maps, &cu, &l->uid_mappings, &l->n_uid_mappings, err) < 0)
    return -1;
  maps = NULL;
  if ((r = sj_arr(j, p, "gidMappings", &maps, err)) < 0)
    return -1;
  if (r > 0 && spec_parse_idmaps(maps, &cg, &l->gid_mappings, &l->n_gid_mappings, err) < 0)
    return -1;
  if (parse_devices(j, p, l, err) < 0 || sj_str(j, p, "cgroupsPath", &l->cgroups_path, err) < 0 ||
      sj_kv(j, p, "sysctl", &l->sysctl, &l->n_sysctl, err) < 0 || parse_sub(j, p, l, err) < 0 ||
      parse_propagation(j, p, l, err) < 0 ||
      sj_strv(j, p, "maskedPaths", &l->masked_paths, err) < 0 ||
      sj_strv(j, p, "readonlyPaths", &l->readonly_paths, err) < 0 ||
      sj_str(j, p, "mountLabel", &l->mount_label, err) < 0 || parse_personality(j, p, l, err) < 0 ||
      parse_time_offsets(j, p, l, err) < 0 || parse_net_devices(j, p, l, err) < 0)
    return -1;
  return 0;
}
