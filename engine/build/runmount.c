/* RUN --mount (BuildKit's Dockerfile syntax): type=bind (the context or a stage/image, read-only
 * unless rw, where writes go to a throw-away overlay), type=cache (a directory of the store,
 * <root>/buildcache/mounts/<sha256 of its id>, kept between builds and shared by them; id
 * defaults to the target), type=tmpfs. type=secret and type=ssh are refused. None of them is
 * in the step's layer: the mounts are the RUN container's own (its spec), and a target the step
 * had to create is removed after it.
 *
 * Sources are opened as the rest of the build opens them: the context beneath its root
 * (openat2 RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS: "..", absolute or climbing symlinks are
 * refused), a stage or image inside its read-only root (RESOLVE_IN_ROOT), and bound by the fd
 * (/proc/self/fd/N) to a staging point in the step's directory, which is what the spec names:
 * nothing is resolved twice. The target is resolved inside the rootfs by the runtime
 * (RESOLVE_IN_ROOT), so a target that is a symlink leads inside the rootfs, never to the host.
 * Under --userns-remap a bind's source is idmapped with the RUN's mapping (runmount_idmap.c). */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engine/build/internal.h"
#include "engine/build/steps.h"
#include "engine/container/container.h"
#include "image/sha256.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/safepath.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* "--mount=type=bind,from=x,..." -> "x" (new), or NULL */
char *run_mount_from(const char *flag)
{
  if (strncmp(flag, "--mount=", 8) != 0)
    return NULL;
  autofree char *s = xstrdup(flag + 8);
  char *save = NULL;
  for (char *f = strtok_r(s, ",", &save); f; f = strtok_r(NULL, ",", &save))
    if (strncmp(f, "from=", 5) == 0 && f[5])
      return xstrdup(f + 5);
  return NULL;
}

void run_mounts_free(struct run_mount *m, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    free(m[i].target);
    free(m[i].source);
    free(m[i].from);
    free(m[i].id);
    free(m[i].size);
    free(m[i].from_root);
  }
  free(m);
}

static bool truthy(const char *v)
{
  return v == NULL || strcmp(v, "true") == 0 || strcmp(v, "1") == 0;
}

static int parse_one(const char *csv, const char *workdir, unsigned line, struct run_mount *m,
                     struct td_err **err)
{
  memset(m, 0, sizeof(*m));
  m->type = RM_BIND;
  m->mode = -1;
  m->uid = m->gid = -1;
  autofree char *s = xstrdup(csv);
  char *save = NULL;
  const char *type = "bind";
  bool rw_set = false;
  for (char *f = strtok_r(s, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(f, '=');
    const char *v = eq ? eq + 1 : NULL;
    if (eq)
      *eq = '\0';
    if (strcmp(f, "type") == 0 && v) {
      type = v;
    } else if ((strcmp(f, "target") == 0 || strcmp(f, "dst") == 0 ||
                strcmp(f, "destination") == 0) &&
               v) {
      free(m->target);
      m->target = step_path_join(workdir, v);
    } else if ((strcmp(f, "source") == 0 || strcmp(f, "src") == 0) && v) {
      free(m->source);
      m->source = xstrdup(v);
    } else if (strcmp(f, "from") == 0 && v) {
      free(m->from);
      m->from = xstrdup(v);
    } else if (strcmp(f, "id") == 0 && v) {
      free(m->id);
      m->id = xstrdup(v);
    } else if (strcmp(f, "ro") == 0 || strcmp(f, "readonly") == 0) {
      m->rw = !truthy(v);
      rw_set = true;
    } else if (strcmp(f, "rw") == 0 || strcmp(f, "readwrite") == 0) {
      m->rw = truthy(v);
      rw_set = true;
    } else if (strcmp(f, "sharing") == 0 && v) {
      if (strcmp(v, "shared") && strcmp(v, "private") && strcmp(v, "locked"))
        return err_set_exit(
            err, 1, 0, "Dockerfile line %u: RUN --mount: unrecognized sharing mode %s", line, v);
    } else if ((strcmp(f, "mode") == 0 || strcmp(f, "uid") == 0 || strcmp(f, "gid") == 0) && v) {
      char *end;
      long n = strtol(v, &end, *f == 'm' ? 8 : 10);
      if (*v == '\0' || *end || n < 0 || n > (*f == 'm' ? 07777 : 0x7fffffff))
        return err_set_exit(err, 1, 0, "Dockerfile line %u: RUN --mount: invalid %s: %s", line, f,
                            v);
      *(*f == 'm' ? &m->mode : *f == 'u' ? &m->uid : &m->gid) = (int)n;
    } else if (strcmp(f, "size") == 0 && v) {
      free(m->size);
      m->size = xstrdup(v);
    } else {
      return err_set_exit(err, 1, 0, "Dockerfile line %u: RUN --mount: unexpected key '%s'", line,
                          f);
    }
  }
  if (strcmp(type, "secret") == 0 || strcmp(type, "ssh") == 0)
    return err_set_exit(err, 1, 0,
                        "Dockerfile line %u: RUN --mount=type=%s is not supported by this "
                        "builder (no secrets or ssh agent are passed to a build)",
                        line, type);
  if (strcmp(type, "bind") == 0)
    m->type = RM_BIND;
  else if (strcmp(type, "cache") == 0)
    m->type = RM_CACHE;
  else if (strcmp(type, "tmpfs") == 0)
    m->type = RM_TMPFS;
  else
    return err_set_exit(err, 1, 0, "Dockerfile line %u: RUN --mount: unsupported mount type %s",
                        line, type);
  if (m->target == NULL)
    return err_set_exit(err, 1, 0, "Dockerfile line %u: RUN --mount: target is required", line);
  if (strcmp(m->target, "/") == 0)
    return err_set_exit(err, 1, 0, "Dockerfile line %u: RUN --mount: target cannot be /", line);
  if (m->type == RM_CACHE) {
    if (!rw_set)
      m->rw = true;
    if (m->from)
      return err_set_exit(
          err, 1, 0, "Dockerfile line %u: RUN --mount=type=cache: from= is not supported", line);
    if (m->id == NULL)
      m->id = xstrdup(m->target);
  }
  if (m->type != RM_BIND && m->source && m->type != RM_CACHE)
    return err_set_exit(err, 1, 0, "Dockerfile line %u: RUN --mount=type=%s takes no source", line,
                        type);
  return 0;
}

int run_mounts_parse(const struct df_instr *in, const char *workdir, struct run_mount **out,
                     size_t *n_out, struct td_err **err)
{
  struct run_mount *v = NULL;
  size_t n = 0;
  for (char **fl = in->flags; fl && *fl; fl++) {
    if (strncmp(*fl, "--mount=", 8) != 0)
      continue;
    v = xrealloc(v, (n + 1) * sizeof(*v));
    if (parse_one(*fl + 8, workdir, in->line, &v[n], err) < 0) {
      run_mounts_free(v, n + 1);
      return -1;
    }
    n++;
  }
  *out = v;
  *n_out = n;
  return 0;
}

/* openat2 from a root: beneath it (the context) or inside it (a stage) */
static int open_in(int rootfd, const char *rel, bool beneath, const char *what, struct td_err **err)
{
  while (*rel == '/')
    rel++;
  struct open_how how = {.flags = O_PATH | O_CLOEXEC,
                         .resolve =
                             RESOLVE_NO_MAGICLINKS | (beneath ? RESOLVE_BENEATH : RESOLVE_IN_ROOT)};
  int fd = (int)syscall(SYS_openat2, rootfd, *rel ? rel : ".", &how, sizeof(how));
  if (fd >= 0)
    return fd;
  if (errno == EXDEV || errno == ELOOP)
    return err_set_exit(err, 1, 0, "RUN --mount: forbidden path outside the %s: %s", what, rel);
  if (errno == ENOENT || errno == ENOTDIR)
    return err_set_exit(err, 1, 0, "RUN --mount: %s not found in the %s", rel, what);
  return err_set(err, errno, "RUN --mount: open %s", rel);
}

/* the stage or image a bind mount's from= names: its read-only root */
static int from_root(struct builder *b, struct stage *sg, const char *from, char **path,
                     struct td_err **err)
{
  /* --userns-remap: its layers idmapped (an overlay cannot be idmapped itself) */
  int (*mount_ro)(struct builder *, const struct bstate *, char **, struct td_err **) =
      b->remap ? bstate_mount_ro_idmapped : bstate_mount_ro;
  size_t si = (size_t)(sg - b->stages);
  int o = step_find_stage(b, from, si);
  if (o >= 0)
    return mount_ro(b, &b->stages[o].st, path, err);
  struct bstate st = {0};
  if (bstate_from_image(b, from, &st, err) < 0)
    return err_prefix(err, "RUN --mount from=%s", from);
  int rc = mount_ro(b, &st, path, err);
  bstate_clear(&st);
  return rc;
}

/* the checksum of a bind mount's context source, for the step's cache key */
int run_mounts_key(struct builder *b, struct stage *sg, const struct run_mount *m, size_t n,
                   char **out, struct td_err **err)
{
  autofree char *key = xstrdup("");
  for (size_t i = 0; i < n; i++) {
    autofree char *sum = NULL;
    if (m[i].type == RM_BIND && m[i].from == NULL) {
      autoclose int fd =
          open_in(b->ctxfd, m[i].source ? m[i].source : ".", true, "build context", err);
      if (fd < 0)
        return -1;
      char *srcs[] = {m[i].source ? m[i].source : (char *)".", NULL};
      struct copy_req c = {.srcfd = b->ctxfd, .from_context = true, .srcs = srcs, .chmod = -1};
      if (copy_checksum(b, &c, &sum, err) < 0)
        return -1;
    } else if (m[i].type == RM_BIND) {
      int o = step_find_stage(b, m[i].from, (size_t)(sg - b->stages));
      sum = xstrdup(o >= 0 && b->stages[o].st.id ? b->stages[o].st.id : m[i].from);
    }
    char *t =
        xasprintf("%s\n--mount=%d,%s,%s,%s,%s,%d,%d,%d,%s,%s", key, (int)m[i].type, m[i].target,
                  m[i].source ? m[i].source : "", m[i].id ? m[i].id : "", m[i].rw ? "rw" : "ro",
                  m[i].mode, m[i].uid, m[i].gid, m[i].size ? m[i].size : "", sum ? sum : "");
    free(key);
    key = t;
  }
  *out = steal_ptr(key);
  return 0;
}

/* bind fd at a fresh staging point (a directory or a file, as the source) */
static int stage_fd(int fd, const char *point, struct td_err **err)
{
  struct stat st;
  if (fstat(fd, &st) < 0)
    return err_set(err, errno, "RUN --mount: stat");
  if (S_ISDIR(st.st_mode)) {
    if (mkdir(point, 0700) < 0)
      return err_set(err, errno, "mkdir %s", point);
  } else {
    autoclose int f = open(point, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (f < 0)
      return err_set(err, errno, "create %s", point);
  }
  char p[64];
  snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
  if (mount(p, point, NULL, MS_BIND | MS_REC, NULL) == 0)
    return 0;
  if (errno != EINVAL)
    return err_set(err, errno, "RUN --mount: bind %s", point);
  /* the context was opened before the build's mount namespace: the same file again, by its
   * path in this namespace, and checked to be the same inode (nothing resolved differently) */
  char path[4096];
  ssize_t pl = readlink(p, path, sizeof(path) - 1);
  if (pl <= 0 || path[0] != '/')
    return err_set_exit(err, 1, 0, "RUN --mount: the source has no path");
  path[pl] = '\0';
  autoclose int again = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  struct stat st2;
  if (again < 0 || fstat(again, &st2) < 0 || st2.st_dev != st.st_dev || st2.st_ino != st.st_ino)
    return err_set_exit(err, 1, 0, "RUN --mount: the source moved while it was mounted");
  snprintf(p, sizeof(p), "/proc/self/fd/%d", again);
  if (mount(p, point, NULL, MS_BIND | MS_REC, NULL) < 0)
    return err_set(err, errno, "RUN --mount: bind %s", point);
  return 0;
}

static int cache_dir(struct builder *b, const struct run_mount *m, struct td_err **err)
{
  char hex[65];
  image_sha256_str(m->id, hex);
  /* --userns-remap: a cache dir of its own per mapping, owned by the mapped ids (as docker's
   * per-remapping store, /var/lib/docker/100000.100000), so a remapped RUN never meets the
   * host ids of an unmapped build's cache (nobody's inside) nor hands it its own */
  autofree char *tag = b->remap ? eng_build_remap_tag(b->remap) : NULL;
  autofree char *dir = tag ? xasprintf("%s/buildcache/mounts/%.32s-%s", b->req->root, hex, tag)
                           : xasprintf("%s/buildcache/mounts/%.32s", b->req->root, hex);
  uid_t u = (uid_t)(m->uid >= 0 ? m->uid : 0);
  gid_t g = (gid_t)(m->gid >= 0 ? m->gid : 0);
  if (b->remap)
    eng_build_remap_ids(b->remap, &u, &g);
  struct stat st;
  if (lstat(dir, &st) < 0) {
    autofree char *parent = xasprintf("%s/buildcache/mounts", b->req->root);
    if (mkdir_p(parent, 0700, err) < 0)
      return -1;
    if (mkdir(dir, (mode_t)(m->mode >= 0 ? m->mode : 0755)) < 0 && errno != EEXIST)
      return err_set(err, errno, "mkdir %s", dir);
    if (m->mode >= 0)
      chmod(dir, (mode_t)m->mode);
    if ((m->uid >= 0 || m->gid >= 0 || b->remap) && lchown(dir, u, g) < 0)
      return err_set(err, errno, "chown %s", dir);
  }
  int fd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return err_set(err, errno, "open %s", dir);
  return fd;
}

int run_mounts_stage(struct builder *b, struct stage *sg, struct fsstep *f, struct run_mount *m,
                     size_t n, json_t **spec_mounts, struct td_err **err)
{
  json_t *arr = json_array();
  *spec_mounts = arr;
  autoclose int rootfd = open(f->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return err_set(err, errno, "open %s", f->rootfs);
  for (size_t i = 0; i < n; i++) {
    /* a target the step creates is removed after it (not in the layer) */
    autoerr struct td_err *e = NULL;
    int t = safepath_open(rootfd, m[i].target, O_PATH, 0, &e);
    m[i].created = t < 0;
    if (t >= 0)
      close(t);
    if (m[i].type == RM_TMPFS) {
      json_t *opts = json_pack("[s,s,s]", "nosuid", "nodev", "mode=1777");
      if (m[i].size)
        json_array_append_new(opts, json_sprintf("size=%s", m[i].size));
      json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:o}", "destination", m[i].target, "type",
                                           "tmpfs", "source", "tmpfs", "options", opts));
      continue;
    }
    autoclose int fd = -1;
    if (m[i].type == RM_CACHE) {
      fd = cache_dir(b, &m[i], err);
    } else if (m[i].from) {
      if (from_root(b, sg, m[i].from, &m[i].from_root, err) < 0)
        return -1;
      autoclose int rfd = open(m[i].from_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (rfd < 0)
        return err_set(err, errno, "open %s", m[i].from_root);
      fd = open_in(rfd, m[i].source ? m[i].source : ".", false, "stage", err);
    } else {
      fd = open_in(b->ctxfd, m[i].source ? m[i].source : ".", true, "build context", err);
    }
    if (fd < 0)
      return -1;
    autofree char *point = xasprintf("%s/mnt%zu", f->dir, i);
    if (stage_fd(fd, point, err) < 0)
      return -1;
    /* --userns-remap: a context source through an idmapped read-only mount (runmount_idmap.c) */
    if (b->remap && m[i].type == RM_BIND && m[i].from == NULL) {
      autofree char *what = xasprintf("'%s' of the build context", m[i].source ? m[i].source : ".");
      if (run_mount_idmap(b, point, what, err) < 0)
        return -1;
    }
    const char *src = point;
    autofree char *ovl = NULL;
    if (m[i].rw && m[i].type == RM_BIND) {
      /* rw bind: the writes go to a throw-away upper dir, never to the source */
      struct stat st;
      if (stat(point, &st) < 0 || !S_ISDIR(st.st_mode))
        return err_set_exit(err, 1, 0, "RUN --mount: rw needs a directory source");
      ovl = xasprintf("%s/mnt%zu-ovl", f->dir, i);
      autofree char *up = xasprintf("%s/mnt%zu-up", f->dir, i);
      autofree char *wk = xasprintf("%s/mnt%zu-wk", f->dir, i);
      if (mkdir(ovl, 0700) < 0 || mkdir(up, 0700) < 0 || mkdir(wk, 0700) < 0)
        return err_set(err, errno, "RUN --mount: rw overlay");
      /* --userns-remap: the throw-away upper dir is the remapped root's (its top dir writable
       * from inside); the lower dir is the idmapped source (copy-ups keep its mapped ids) */
      uid_t ru = 0;
      gid_t rg = 0;
      if (b->remap)
        eng_build_remap_ids(b->remap, &ru, &rg);
      if (b->remap && lchown(up, ru, rg) < 0)
        return err_set(err, errno, "RUN --mount: chown %s", up);
      autofree char *data = xasprintf("lowerdir=%s,upperdir=%s,workdir=%s", point, up, wk);
      /* nodev under remapping: the idmapped lower's root device nodes are the RUN root's */
      if (mount("overlay", ovl, "overlay", b->remap ? MS_NODEV : 0, data) < 0)
        return err_set(err, errno, "RUN --mount: rw overlay");
      src = ovl;
    }
    json_t *opts = json_pack("[s]", "rbind");
    json_array_append_new(opts, json_string(m[i].rw ? "rw" : "ro"));
    json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:o}", "destination", m[i].target, "type",
                                         "bind", "source", src, "options", opts));
  }
  return 0;
}

void run_mounts_unstage(struct fsstep *f, const struct run_mount *m, size_t n)
{
  autoclose int rootfd = open(f->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  for (size_t i = n; i-- > 0;) {
    if (m[i].type != RM_TMPFS) {
      autofree char *ovl = xasprintf("%s/mnt%zu-ovl", f->dir, i);
      autofree char *point = xasprintf("%s/mnt%zu", f->dir, i);
      umount2(ovl, MNT_DETACH);
      umount2(point, MNT_DETACH);
    }
    if (m[i].from_root && umount2(m[i].from_root, MNT_DETACH) == 0)
      rmdir(m[i].from_root);
    if (!m[i].created || rootfd < 0)
      continue;
    /* the mount point the runtime made: out of the layer (an empty dir or file) */
    autofree char *t = xstrdup(m[i].target);
    char *slash = strrchr(t, '/');
    if (slash == NULL || slash[1] == '\0')
      continue;
    *slash = '\0';
    autoerr struct td_err *e = NULL;
    autoclose int pfd = safepath_open(rootfd, *t ? t : "/", O_RDONLY | O_DIRECTORY, 0, &e);
    if (pfd < 0)
      continue;
    if (unlinkat(pfd, slash + 1, AT_REMOVEDIR) < 0 && errno == ENOTDIR)
      unlinkat(pfd, slash + 1, 0);
  }
}
