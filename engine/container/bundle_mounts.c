/* The container's own mounts: -v / --mount / --tmpfs, and the image config's Volumes, which
 * become anonymous volumes where the user mounts nothing at that path (docker does the same:
 * an image VOLUME always lands on a volume, filled from the image's content there). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/container/internal.h"
#include "image/volume.h"
#include "util/cleanup.h"
#include "util/jsonv.h"
#include "util/strv.h"
#include "util/xalloc.h"

json_t *bundle_mount_json(const char *dst, const char *type, const char *src, const char *opts)
{
  json_t *m = json_pack("{s:s,s:s,s:s}", "destination", dst, "type", type, "source", src);
  autostrv char **o = strv_split(opts, ',');
  json_object_set_new(m, "options", jsonv_from_strv(o));
  return m;
}

/* A JSON string from an allocated C string, which it frees. */
static json_t *json_str_own(char *s)
{
  json_t *j = json_string(s);
  free(s);
  return j;
}

/* Lexically clean an absolute path ("//a/./b/../c/" -> "/a/c"), as Go's filepath.Clean, so
 * that "/data/" in an image config and "-v x:/data" name the same mount point. */
static char *path_clean(const char *p)
{
  autostrv char **parts = strv_split(p, '/');
  autostrv char **out = xcalloc(1, sizeof(char *));
  for (char **c = parts; c && *c; c++) {
    if (**c == '\0' || strcmp(*c, ".") == 0)
      continue;
    size_t n = strv_len(out);
    if (strcmp(*c, "..") == 0) {
      if (n > 0) {
        free(out[n - 1]);
        out[n - 1] = NULL;
      }
      continue;
    }
    strv_push(&out, *c);
  }
  size_t len = 0;
  for (char **c = out; *c; c++)
    len += strlen(*c) + 1;
  char *s = xcalloc(1, len + 2);
  size_t at = 0;
  for (char **c = out; *c; c++) {
    size_t l = strlen(*c);
    s[at++] = '/';
    memcpy(s + at, *c, l);
    at += l;
  }
  if (at == 0)
    s[0] = '/';
  return s;
}

static int add_tmpfs(const struct eng_mount *m, json_t *mounts, json_t *rec)
{
  autofree char *opts =
      xasprintf("nosuid,nodev,noexec%s%s", m->readonly ? ",ro" : "", m->tmpfs_opts ? "," : "");
  autofree char *all = xasprintf("%s%s", opts, m->tmpfs_opts ? m->tmpfs_opts : "");
  json_t *j = bundle_mount_json(m->target, "tmpfs", "tmpfs", all);
  json_t *o = json_object_get(j, "options");
  if (m->tmpfs_size > 0 && !(m->tmpfs_opts && strstr(m->tmpfs_opts, "size=")))
    json_array_append_new(o, json_str_own(xasprintf("size=%lld", (long long)m->tmpfs_size)));
  if (m->tmpfs_mode)
    json_array_append_new(o, json_str_own(xasprintf("mode=%o", m->tmpfs_mode)));
  json_array_append_new(mounts, j);
  json_array_append_new(rec,
                        json_pack("{s:s,s:s,s:s,s:b,s:s}", "Type", "tmpfs", "Source", "",
                                  "Destination", m->target, "RW", !m->readonly, "Propagation", ""));
  return 0;
}

/* A volume mount (vname NULL: a new anonymous one) at target, filled from the image. */
static int add_volume(const struct eng_ctx *ctx, const char *vname_in, const char *target,
                      bool readonly, const char *propagation, const char *dir, const char *rootfs,
                      json_t *mounts, json_t *rec, struct td_err **err)
{
  autofree char *vname = vname_in ? xstrdup(vname_in) : NULL;
  if (vname == NULL && volume_create(ctx->root, NULL, NULL, true, &vname, err) < 0)
    return err_prefix(err, "anonymous volume for %s", target);
  autofree char *src = NULL;
  if (volume_prepare(ctx->root, vname, dir, rootfs, target, &src, err) < 0)
    return -1;
  autofree char *opts = xasprintf("rbind,%s%s%s", readonly ? "ro" : "rw", propagation ? "," : "",
                                  propagation ? propagation : "");
  json_array_append_new(mounts, bundle_mount_json(target, "bind", src, opts));
  json_array_append_new(rec,
                        json_pack("{s:s,s:s,s:s,s:s,s:s,s:b,s:s}", "Type", "volume", "Name", vname,
                                  "Source", src, "Destination", target, "Driver", "local", "RW",
                                  !readonly, "Propagation", propagation ? propagation : ""));
  return 0;
}

/* docker (-v only): a missing host directory is made, 0755, like os.MkdirAll. Unlike docker,
 * by fd, component by component: a symlink on the way is followed only where root owns both
 * it and the directory holding it, so that one planted by another user (in /tmp, in a
 * directory of theirs) cannot send the engine's mkdir elsewhere on the host. */
static int make_host_dir(const char *path, struct td_err **err)
{
  autoclose int at = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  autofree char *copy = xstrdup(path);
  char *save = NULL;
  for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
    struct stat dst, lst;
    if (fstat(at, &dst) < 0)
      return err_set(err, errno, "create %s", path);
    int flags = O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW;
    if (fstatat(at, c, &lst, AT_SYMLINK_NOFOLLOW) < 0) {
      if (errno != ENOENT || (mkdirat(at, c, 0755) < 0 && errno != EEXIST))
        return err_set(err, errno, "create %s", path);
    } else if (S_ISLNK(lst.st_mode)) {
      if (lst.st_uid != 0 || dst.st_uid != 0)
        return err_set(err, ELOOP,
                       "create %s: not following the symlink %s owned by uid %u in a directory "
                       "of uid %u",
                       path, c, (unsigned)lst.st_uid, (unsigned)dst.st_uid);
      flags &= ~O_NOFOLLOW;
    }
    int fd = openat(at, c, flags);
    if (fd < 0)
      return err_set(err, errno, "create %s", path);
    close(at);
    at = fd;
  }
  return 0;
}

static int add_user_mount(const struct eng_ctx *ctx, const struct eng_mount *m, const char *dir,
                          const char *rootfs, json_t *mounts, json_t *rec, struct td_err **err)
{
  if (m->type == MOUNT_TMPFS)
    return add_tmpfs(m, mounts, rec);
  if (m->type != MOUNT_BIND)
    return add_volume(ctx, m->source, m->target, m->readonly, m->propagation, dir, rootfs, mounts,
                      rec, err);
  if (m->create_source && access(m->source, F_OK) != 0 && errno == ENOENT &&
      make_host_dir(m->source, err) < 0)
    return err_prefix(err, "error while creating mount source path '%s'", m->source);
  if (access(m->source, F_OK) != 0)
    return err_set(err, 0,
                   "invalid mount config for type \"bind\": bind source path does not "
                   "exist: %s",
                   m->source);
  autofree char *opts = xasprintf("rbind,%s%s%s", m->readonly ? "ro" : "rw",
                                  m->propagation ? "," : "", m->propagation ? m->propagation : "");
  json_array_append_new(mounts, bundle_mount_json(m->target, "bind", m->source, opts));
  json_array_append_new(rec, json_pack("{s:s,s:s,s:s,s:b,s:s}", "Type", "bind", "Source", m->source,
                                       "Destination", m->target, "RW", !m->readonly, "Propagation",
                                       m->propagation ? m->propagation : "rprivate"));
  return 0;
}

/* --volumes-from CTR[:ro|rw]: CTR's volumes and binds at the same paths (a path the
 * container mounts itself stays its own), read-only or not as there unless the mode says. A
 * bind whose host source is now a symlink is refused: whoever could replace the directory
 * would otherwise choose what of the host the new container gets. */
static int add_volumes_from(const struct eng_ctx *ctx, const char *spec, const char *dir,
                            const char *rootfs, json_t *mounts, json_t *rec, char ***taken,
                            struct td_err **err)
{
  const char *c = strchr(spec, ':');
  autofree char *name = c ? xstrndup(spec, (size_t)(c - spec)) : xstrdup(spec);
  int mode = c == NULL ? -1 : strcmp(c + 1, "ro") == 0; /* -1: as it is there */
  autofree char *id = NULL;
  autorecord struct ctr_record *other = NULL;
  if (store_lookup(ctx, name, &id, err) < 0 || record_load(ctx, id, &other, err) < 0)
    return -1;
  size_t i;
  json_t *m;
  json_array_foreach (json_object_get(other->doc, "Mounts"), i, m) {
    const char *type = json_string_value(json_object_get(m, "Type"));
    const char *src = json_string_value(json_object_get(m, "Source"));
    const char *dst = json_string_value(json_object_get(m, "Destination"));
    if (!type || !dst || dst[0] != '/' || (strcmp(type, "bind") && strcmp(type, "volume")))
      continue;
    autofree char *t = path_clean(dst);
    if (strv_find(*taken, t) >= 0)
      continue;
    bool ro = mode >= 0 ? mode == 1 : !json_is_true(json_object_get(m, "RW"));
    const char *prop = json_string_value(json_object_get(m, "Propagation"));
    if (prop && *prop == '\0')
      prop = NULL;
    if (strcmp(type, "volume") == 0) {
      const char *vname = json_string_value(json_object_get(m, "Name"));
      if (vname == NULL || add_volume(ctx, vname, t, ro, prop, dir, rootfs, mounts, rec, err) < 0)
        return vname ? -1 : err_set(err, 0, "volumes-from %s: a volume without a name", name);
    } else {
      struct stat st;
      if (src == NULL || lstat(src, &st) < 0)
        return err_set(err, src ? errno : 0,
                       "invalid mount config for type \"bind\": bind source path does not "
                       "exist: %s",
                       src ? src : "");
      if (S_ISLNK(st.st_mode))
        return err_set(err, ELOOP,
                       "--volumes-from %s: the bind source %s is now a symlink, not following it",
                       name, src);
      struct eng_mount bm = {.type = MOUNT_BIND,
                             .source = (char *)src,
                             .target = t,
                             .readonly = ro,
                             .propagation =
                                 (char *)(prop && strcmp(prop, "rprivate") ? prop : NULL)};
      if (add_user_mount(ctx, &bm, dir, rootfs, mounts, rec, err) < 0)
        return -1;
    }
    strv_push(taken, t);
  }
  return 0;
}

static size_t depth(json_t *mount)
{
  const char *d = json_string_value(json_object_get(mount, "destination"));
  size_t n = 0;
  for (; d && *d; d++)
    n += *d == '/';
  return n;
}

/* Stable sort of mounts[from..] by path depth, so a parent is mounted before its children
 * (image volume /data after a user bind at /data/sub would hide the bind). */
static void sort_by_depth(json_t *mounts, size_t from)
{
  size_t n = json_array_size(mounts);
  for (size_t i = from + 1; i < n; i++) {
    json_t *m = json_incref(json_array_get(mounts, i));
    size_t d = depth(m), j = i;
    while (j > from && depth(json_array_get(mounts, j - 1)) > d)
      j--;
    if (j != i) {
      json_array_remove(mounts, i);
      json_array_insert(mounts, j, m);
    }
    json_decref(m);
  }
}

int bundle_add_mounts(const struct eng_ctx *ctx, const struct eng_run_req *req, json_t *imgcfg,
                      const char *dir, const char *rootfs, json_t *mounts, json_t *rec,
                      struct td_err **err)
{
  size_t base = json_array_size(mounts);
  autostrv char **taken = xcalloc(1, sizeof(char *));
  for (size_t i = 0; i < req->n_mounts; i++) {
    if (add_user_mount(ctx, &req->mounts[i], dir, rootfs, mounts, rec, err) < 0)
      return -1;
    autofree char *t = path_clean(req->mounts[i].target);
    strv_push(&taken, t);
  }
  for (char **vf = req->volumes_from; vf && *vf; vf++)
    if (add_volumes_from(ctx, *vf, dir, rootfs, mounts, rec, &taken, err) < 0)
      return -1;
  const char *path;
  json_t *v;
  json_object_foreach (json_object_get(imgcfg, "Volumes"), path, v) {
    (void)v;
    if (path[0] != '/')
      continue; /* docker refuses such configs at build time; nothing to mount */
    autofree char *t = path_clean(path);
    if (strcmp(t, "/") == 0 || strv_find(taken, t) >= 0)
      continue;
    if (add_volume(ctx, NULL, t, false, NULL, dir, rootfs, mounts, rec, err) < 0)
      return err_prefix(err, "image volume %s", t);
    strv_push(&taken, t);
  }
  sort_by_depth(mounts, base);
  return 0;
}
