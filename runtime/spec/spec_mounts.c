/* config.json "mounts": options into MS_* flags to set and clear, propagation, mount_setattr
 * attributes for the recursive options, and the filesystem data string. */
#include <string.h>
#include <sys/mount.h>

#include "runtime/spec/spec_internal.h"
#include "util/strv.h"
#include "util/xalloc.h"

struct mount_opt {
  const char *name;
  bool clear;
  unsigned long flag;
};

/* mount(2) flags; clear = the option turns the flag off */
static const struct mount_opt flag_opts[] = {
    {"acl", false, MS_POSIXACL},
    {"async", true, MS_SYNCHRONOUS},
    {"atime", true, MS_NOATIME},
    {"bind", false, MS_BIND},
    {"defaults", false, 0},
    {"dev", true, MS_NODEV},
    {"diratime", true, MS_NODIRATIME},
    {"dirsync", false, MS_DIRSYNC},
    {"exec", true, MS_NOEXEC},
    {"iversion", false, MS_I_VERSION},
    {"lazytime", false, MS_LAZYTIME},
    {"loud", true, MS_SILENT},
    {"mand", false, MS_MANDLOCK},
    {"noacl", true, MS_POSIXACL},
    {"noatime", false, MS_NOATIME},
    {"nodev", false, MS_NODEV},
    {"nodiratime", false, MS_NODIRATIME},
    {"noexec", false, MS_NOEXEC},
    {"noiversion", true, MS_I_VERSION},
    {"nolazytime", true, MS_LAZYTIME},
    {"nomand", true, MS_MANDLOCK},
    {"norelatime", true, MS_RELATIME},
    {"nostrictatime", true, MS_STRICTATIME},
    {"nosuid", false, MS_NOSUID},
    {"nosymfollow", false, MS_NOSYMFOLLOW},
    {"rbind", false, MS_BIND | MS_REC},
    {"relatime", false, MS_RELATIME},
    {"remount", false, MS_REMOUNT},
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"silent", false, MS_SILENT},
    {"strictatime", false, MS_STRICTATIME},
    {"suid", true, MS_NOSUID},
    {"symfollow", true, MS_NOSYMFOLLOW},
    {"sync", false, MS_SYNCHRONOUS},
};

static const struct mount_opt propagation_opts[] = {
    {"private", false, MS_PRIVATE},       {"rprivate", false, MS_PRIVATE | MS_REC},
    {"shared", false, MS_SHARED},         {"rshared", false, MS_SHARED | MS_REC},
    {"slave", false, MS_SLAVE},           {"rslave", false, MS_SLAVE | MS_REC},
    {"unbindable", false, MS_UNBINDABLE}, {"runbindable", false, MS_UNBINDABLE | MS_REC},
};

/* mount_setattr(2) attributes applied to the whole tree; atime modes clear the whole
 * MOUNT_ATTR__ATIME field, which is the only way the kernel accepts an atime change */
#define ATIME_MODE 0x40000000ul /* marks an atime mode entry (not a kernel bit) */
static const struct mount_opt recursive_opts[] = {
    {"rro", false, MOUNT_ATTR_RDONLY},
    {"rrw", true, MOUNT_ATTR_RDONLY},
    {"rnosuid", false, MOUNT_ATTR_NOSUID},
    {"rsuid", true, MOUNT_ATTR_NOSUID},
    {"rnodev", false, MOUNT_ATTR_NODEV},
    {"rdev", true, MOUNT_ATTR_NODEV},
    {"rnoexec", false, MOUNT_ATTR_NOEXEC},
    {"rexec", true, MOUNT_ATTR_NOEXEC},
    {"rnodiratime", false, MOUNT_ATTR_NODIRATIME},
    {"rdiratime", true, MOUNT_ATTR_NODIRATIME},
    {"rnosymfollow", false, MOUNT_ATTR_NOSYMFOLLOW},
    {"rsymfollow", true, MOUNT_ATTR_NOSYMFOLLOW},
    {"rrelatime", false, ATIME_MODE | MOUNT_ATTR_RELATIME},
    {"rnorelatime", true, ATIME_MODE | MOUNT_ATTR_RELATIME},
    {"rnoatime", false, ATIME_MODE | MOUNT_ATTR_NOATIME},
    {"ratime", true, ATIME_MODE | MOUNT_ATTR_NOATIME},
    {"rstrictatime", false, ATIME_MODE | MOUNT_ATTR_STRICTATIME},
    {"rnostrictatime", true, ATIME_MODE | MOUNT_ATTR_STRICTATIME},
};

/* Options other runtimes define that are not mount(2) data: kept in options, not in data. */
static const char *const extension_opts[] = {
    "idmap",        "ridmap",        "tmpcopyup", "notmpcopyup", "copy-symlink",
    "src-nofollow", "dest-nofollow", "nocopyup",  "r",           NULL,
};

#define N_ELEM(a) (sizeof(a) / sizeof((a)[0]))

static const struct mount_opt *find_opt(const struct mount_opt *t, size_t n, const char *name)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(t[i].name, name) == 0)
      return &t[i];
  return NULL;
}

static void apply_recursive(struct spec_mount *m, const struct mount_opt *o)
{
  uint64_t v = o->flag;
  m->attr_recursive = true;
  if (v & ATIME_MODE) {
    m->attr_clr |= MOUNT_ATTR__ATIME;
    m->attr_set &= ~(uint64_t)MOUNT_ATTR__ATIME;
    if (!o->clear)
      m->attr_set |= v & MOUNT_ATTR__ATIME;
    return;
  }
  if (o->clear) {
    m->attr_clr |= v;
    m->attr_set &= ~v;
  } else {
    m->attr_set |= v;
    m->attr_clr &= ~v;
  }
}

/* Sort one option into flags, propagation, attributes or data; later options win. */
static void apply_option(struct spec_mount *m, const char *opt, char ***data)
{
  const struct mount_opt *o = find_opt(flag_opts, N_ELEM(flag_opts), opt);
  if (o) {
    if (o->clear) {
      m->flags &= ~o->flag;
      m->clear_flags |= o->flag;
    } else {
      m->flags |= o->flag;
      m->clear_flags &= ~o->flag;
    }
    return;
  }
  if ((o = find_opt(propagation_opts, N_ELEM(propagation_opts), opt))) {
    m->propagation = o->flag;
    return;
  }
  if ((o = find_opt(recursive_opts, N_ELEM(recursive_opts), opt))) {
    apply_recursive(m, o);
    return;
  }
  if (strcmp(opt, "idmap") == 0 || strcmp(opt, "ridmap") == 0) {
    m->idmap = true;
    m->idmap_recursive |= opt[0] == 'r';
    return;
  }
  for (const char *const *e = extension_opts; *e; e++)
    if (strcmp(*e, opt) == 0)
      return;
  strv_push(data, opt);
}

static int parse_mount_options(json_t *j, const struct sp *p, struct spec_mount *m,
                               struct td_err **err)
{
  if (sj_strv(j, p, "options", &m->options, err) < 0)
    return -1;
  char **data = NULL;
  struct sp co = SP_KEY(p, "options");
  for (size_t i = 0; m->options && m->options[i]; i++) {
    if (m->options[i][0] == 0) {
      strv_free(data);
      return sp_err(err, &(struct sp){.parent = &co, .index = i}, "empty mount option");
    }
    apply_option(m, m->options[i], &data);
  }
  if (data) {
    m->data = strv_join(data, ",");
    strv_free(data);
  }
  if (m->type && strcmp(m->type, "bind") == 0)
    m->flags |= MS_BIND;
  m->is_bind = (m->flags & MS_BIND) != 0;
  if (m->idmap && (m->flags & MS_REC))
    m->idmap_recursive = true;
  return 0;
}

int spec_parse_mount(json_t *j, const struct sp *p, struct spec_mount *m, struct td_err **err)
{
  if (sj_want_obj(j, p, err) < 0)
    return -1;
  int r = sj_str(j, p, "destination", &m->destination, err);
  if (r < 0)
    return -1;
  struct sp cd = SP_KEY(p, "destination");
  if (r == 0 || m->destination[0] == 0)
    return sp_err(err, &cd, "is required");
  if (m->destination[0] != '/') {
    /* runtime-spec 1.2: a relative destination is deprecated and relative to "/" */
    char *abs = xasprintf("/%s", m->destination);
    free(m->destination);
    m->destination = abs;
  }
  if (sj_str(j, p, "type", &m->type, err) < 0 || sj_str(j, p, "source", &m->source, err) < 0)
    return -1;
  json_t *maps = NULL;
  if ((r = sj_arr(j, p, "uidMappings", &maps, err)) < 0)
    return -1;
  struct sp cu = SP_KEY(p, "uidMappings"), cg = SP_KEY(p, "gidMappings");
  if (r > 0 && spec_parse_idmaps(maps, &cu, &m->uid_mappings, &m->n_uid_mappings, err) < 0)
    return -1;
  maps = NULL;
  if ((r = sj_arr(j, p, "gidMappings", &maps, err)) < 0)
    return -1;
  if (r > 0 && spec_parse_idmaps(maps, &cg, &m->gid_mappings, &m->n_gid_mappings, err) < 0)
    return -1;
  if (parse_mount_options(j, p, m, err) < 0)
    return -1;
  if ((m->uid_mappings != NULL) != (m->gid_mappings != NULL))
    return sp_err(err, m->uid_mappings ? &cg : &cu,
                  "uidMappings and gidMappings must be given together");
  if (m->uid_mappings)
    m->idmap = true;
  if (m->idmap && !m->is_bind)
    return sp_err(err, p, "idmapped mounts are supported for bind mounts only");
  return 0;
}

int spec_parse_mounts(json_t *arr, const struct sp *p, struct spec *s, struct td_err **err)
{
  size_t n = json_array_size(arr);
  s->mounts = xcalloc(n ? n : 1, sizeof(*s->mounts));
  for (size_t i = 0; i < n; i++) {
    struct sp c = SP_IDX(p, i);
    s->n_mounts = i + 1;
    if (spec_parse_mount(json_array_get(arr, i), &c, &s->mounts[i], err) < 0)
      return -1;
  }
  return 0;
}

void spec_mount_options_append(json_t *arr)
{
  for (size_t i = 0; i < N_ELEM(flag_opts); i++)
    json_array_append_new(arr, json_string(flag_opts[i].name));
  for (size_t i = 0; i < N_ELEM(propagation_opts); i++)
    json_array_append_new(arr, json_string(propagation_opts[i].name));
  for (size_t i = 0; i < N_ELEM(recursive_opts); i++)
    json_array_append_new(arr, json_string(recursive_opts[i].name));
  json_array_append_new(arr, json_string("idmap"));
  json_array_append_new(arr, json_string("ridmap"));
}
