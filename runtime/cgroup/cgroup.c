/* The public cgroup interface: mode detection, cgroupsPath resolution, and dispatch to the
 * v1 (also hybrid) or v2 backend. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <linux/magic.h>

#include "runtime/cgroup/cgroup_internal.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

#define DEFAULT_PARENT "/tinyrun"

const char *cg_mount_root(void)
{
  const char *r = getenv("TINYRUN_CGROUP_ROOT");
  return r && *r ? r : "/sys/fs/cgroup";
}

static bool fs_is(const char *path, long magic)
{
  struct statfs sf;
  return statfs(path, &sf) == 0 && (long)sf.f_type == magic;
}

static enum cgroup_mode detect_mode(void)
{
  const char *root = cg_mount_root();
  if (fs_is(root, CGROUP2_SUPER_MAGIC))
    return CGROUP_MODE_V2;
  autofree char *unified = xasprintf("%s/unified", root);
  if (fs_is(unified, CGROUP2_SUPER_MAGIC))
    return CGROUP_MODE_HYBRID;
  return CGROUP_MODE_V1;
}

enum cgroup_mode cgroup_mode(void)
{
  /* the override is read every time so a test can force one path and then another */
  const char *force = getenv("TINYRUN_CGROUP_MODE");
  if (force && strcmp(force, "v1") == 0)
    return CGROUP_MODE_V1;
  if (force && strcmp(force, "v2") == 0)
    return CGROUP_MODE_V2;
  if (force && strcmp(force, "hybrid") == 0)
    return CGROUP_MODE_HYBRID;
  static int cached = -1;
  if (cached < 0)
    cached = (int)detect_mode();
  return (enum cgroup_mode)cached;
}

bool cgroup_path_is_systemd(const char *cgroups_path)
{
  if (!cgroups_path || strchr(cgroups_path, '/'))
    return false;
  const char *a = strchr(cgroups_path, ':');
  return a && strchr(a + 1, ':') != NULL;
}

/* Join parts into "/a/b/c": duplicate slashes collapse, "." goes, ".." is refused. */
static int normalize(const char *const *parts, char **out, struct td_err **err)
{
  autostrv char **comps = NULL;
  for (size_t i = 0; parts[i]; i++) {
    autostrv char **v = strv_split(parts[i], '/');
    for (char **c = v; *c; c++) {
      if (!**c || strcmp(*c, ".") == 0)
        continue;
      if (strcmp(*c, "..") == 0)
        return err_set(err, EINVAL, "cgroup path %s: '..' is not allowed", parts[i]);
      strv_push(&comps, *c);
    }
  }
  autofree char *joined = comps ? strv_join(comps, "/") : xstrdup("");
  *out = xasprintf("/%s", joined);
  return 0;
}

int cgroup_resolve(const char *cgroups_path, const char *default_parent, const char *id, char **out,
                   struct td_err **err)
{
  if (cgroup_path_is_systemd(cgroups_path))
    return err_set(err, EINVAL,
                   "cgroupsPath %s is in systemd form (slice:prefix:name); systemd cgroup "
                   "management (--systemd-cgroup) is not supported",
                   cgroups_path);
  const char *parent = default_parent && *default_parent ? default_parent : DEFAULT_PARENT;
  if (!cgroups_path || !*cgroups_path) {
    if (!id || !*id || strchr(id, '/'))
      return err_set(err, EINVAL, "cgroup path: bad container id '%s'", id ? id : "");
    const char *parts[] = {parent, id, NULL};
    return normalize(parts, out, err);
  }
  if (cgroups_path[0] == '/') {
    const char *parts[] = {cgroups_path, NULL};
    if (normalize(parts, out, err) < 0)
      return -1;
  } else {
    const char *parts[] = {parent, cgroups_path, NULL};
    if (normalize(parts, out, err) < 0)
      return -1;
  }
  if (strcmp(*out, "/") == 0) {
    free(steal_ptr(*out));
    return err_set(err, EINVAL, "cgroupsPath %s names the root cgroup", cgroups_path);
  }
  return 0;
}

char *cgroup_resolve_path(const char *cgroups_path, const char *default_parent, const char *id)
{
  autoerr struct td_err *e = NULL;
  char *out = NULL;
  if (cgroup_resolve(cgroups_path, default_parent, id, &out, &e) < 0)
    return NULL;
  return out;
}

static struct cgroup *cg_new(const char *path)
{
  struct cgroup *cg = xcalloc(1, sizeof(*cg));
  cg->mode = cgroup_mode();
  cg->ops = cg->mode == CGROUP_MODE_V2 ? &cg_v2_ops : &cg_v1_ops;
  cg->path = xstrdup(path);
  cg->root = xstrdup(cg_mount_root());
  for (int i = 0; i < CG_CTL_COUNT; i++)
    cg->v1[i].fd = -1;
  cg->v2.fd = -1;
  return cg;
}

static int check_path(const char *path, struct td_err **err)
{
  /* NULL is what cgroup_resolve_path gives for a path it refuses; cgroup_resolve says why */
  if (!path)
    return err_set(err, EINVAL,
                   "invalid cgroupsPath: a systemd-form path (slice:prefix:name) needs "
                   "--systemd-cgroup, and '..' or the root cgroup are not allowed");
  if (!path || path[0] != '/' || strcmp(path, "/") == 0 || strstr(path, "/../") ||
      (strlen(path) >= 3 && strcmp(path + strlen(path) - 3, "/..") == 0))
    return err_set(err, EINVAL, "cgroup path '%s' must be absolute, below the root, without '..'",
                   path ? path : "");
  return 0;
}

/* 0 means "not set" for these values, as runc reads them (Go zero values); writing a 0
 * memory limit would kill the container at once. */
static struct spec_resources zero_is_unset(const struct spec_resources *res)
{
  struct spec_resources r = *res;
  if (r.memory.limit == 0)
    r.memory.has_limit = false;
  if (r.memory.reservation == 0)
    r.memory.has_reservation = false;
  if (r.memory.swap == 0)
    r.memory.has_swap = false;
  if (r.cpu.quota == 0)
    r.cpu.has_quota = false;
  if (r.cpu.shares == 0)
    r.cpu.has_shares = false;
  if (r.cpu.period == 0)
    r.cpu.has_period = false;
  if (r.cpu.realtime_runtime == 0)
    r.cpu.has_realtime_runtime = false;
  if (r.cpu.realtime_period == 0)
    r.cpu.has_realtime_period = false;
  return r;
}

/* Undo a failed create: only the directories this handle made (a shared, pre-existing
 * cgroupsPath stays). */
static void remove_created(struct cgroup *cg)
{
  for (int i = 0; i < CG_CTL_COUNT; i++) {
    autoerr struct td_err *e = NULL;
    if (cg->v1[i].created)
      cg_dir_remove(&cg->v1[i], &e);
  }
  autoerr struct td_err *e = NULL;
  if (cg->v2.created)
    cg_dir_remove(&cg->v2, &e);
}

int cgroup_create(const char *path, const struct spec_resources *res, struct cgroup **out,
                  struct td_err **err)
{
  if (check_path(path, err) < 0)
    return -1;
  struct cgroup *cg = cg_new(path);
  if (cg->ops->create(cg, err) < 0) {
    cgroup_free(cg);
    return err_prefix(err, "create cgroup %s", path);
  }
  struct spec_resources r = res ? zero_is_unset(res) : (struct spec_resources){0};
  if (res && cg->ops->apply(cg, &r, err) < 0) {
    remove_created(cg);
    cgroup_free(cg);
    return -1; /* the message names the file; the caller says which container */
  }
  *out = cg;
  return 0;
}

int cgroup_open(const char *path, struct cgroup **out, struct td_err **err)
{
  if (check_path(path, err) < 0)
    return -1;
  struct cgroup *cg = cg_new(path);
  if (cg->ops->open(cg, err) < 0) {
    cgroup_free(cg);
    return err_prefix(err, "open cgroup %s", path);
  }
  *out = cg;
  return 0;
}

int cgroup_v2_dirfd(struct cgroup *cg)
{
  return cg->mode == CGROUP_MODE_V2 ? cg->v2.fd : -1;
}

void cgroup_self_close(int *fds, int *n)
{
  while (*n > 0)
    close(fds[--*n]);
}

int cgroup_clone_plan(struct cgroup *cg, bool self, int fds[CGROUP_SELF_MAX], int *n)
{
  *n = 0;
  if (cg->mode == CGROUP_MODE_V2 || !self)
    return cgroup_v2_dirfd(cg);
  for (int i = 0; i < CG_CTL_COUNT && *n < CGROUP_SELF_MAX; i++) {
    if (!cg_v1_unique(cg, i) || cg->v1[i].fd < 0)
      continue;
    fds[*n] = openat(cg->v1[i].fd, "tasks", O_WRONLY | O_CLOEXEC);
    if (fds[*n] < 0) { /* the parent's way then */
      cgroup_self_close(fds, n);
      return -1;
    }
    ++*n;
  }
  return *n > 0 && cg->v2.present ? cg->v2.fd : -1;
}

int cgroup_self_enter(int *fds, int *n, struct td_err **err)
{
  for (int i = 0; i < *n; i++) {
    if (write(fds[i], "0", 1) != 1) {
      int e = errno;
      cgroup_self_close(fds, n);
      return err_set(err, e, "move into the container's cgroup");
    }
  }
  cgroup_self_close(fds, n);
  return 0;
}

int cgroup_enter(struct cgroup *cg, pid_t pid, struct td_err **err)
{
  if (cg->ops->enter(cg, pid, err) < 0)
    return err_prefix(err, "move pid %d into cgroup %s", (int)pid, cg->path);
  return 0;
}

int cgroup_apply(struct cgroup *cg, const struct spec_resources *res, struct td_err **err)
{
  if (!res)
    return 0;
  struct spec_resources r = zero_is_unset(res);
  return cg->ops->apply(cg, &r, err);
}

int cgroup_freeze(struct cgroup *cg, bool frozen, struct td_err **err)
{
  if (cg->ops->freeze(cg, frozen, err) < 0)
    return err_prefix(err, "%s cgroup %s", frozen ? "freeze" : "thaw", cg->path);
  return 0;
}

bool cgroup_is_frozen(struct cgroup *cg)
{
  return cg->ops->is_frozen(cg);
}

int cgroup_pids(struct cgroup *cg, pid_t **pids, size_t *n, struct td_err **err)
{
  *pids = NULL;
  *n = 0;
  const char *dir = cg->ops->procs_dir(cg);
  if (!dir)
    return err_set(err, ENOENT, "cgroup %s: no hierarchy to list processes from", cg->path);
  if (cg_collect_pids(dir, pids, n, err) < 0) {
    free(steal_ptr(*pids));
    *n = 0;
    return -1;
  }
  return 0;
}

int cgroup_kill_all(struct cgroup *cg, int sig, struct td_err **err)
{
  if (cg->ops->kill_all(cg, sig, err) < 0)
    return err_prefix(err, "signal %d to cgroup %s", sig, cg->path);
  return 0;
}

int cgroup_destroy(struct cgroup *cg, struct td_err **err)
{
  const char *dir = cg->ops->procs_dir(cg);
  /* the common delete comes after the init is gone and took everything with it: one look
   * at the pids is enough then (kill_all and the wait after it would each list them again) */
  if (!dir || !cg_wait_empty(dir, 0)) {
    autoerr struct td_err *kerr = NULL;
    /* a failed kill is not fatal: the removal below reports what is really left */
    cg->ops->kill_all(cg, SIGKILL, &kerr);
    if (dir)
      cg_wait_empty(dir, 5000);
  }
  if (cg->ops->remove(cg, err) < 0)
    return err_prefix(err, "remove cgroup %s", cg->path);
  return 0;
}

int cgroup_stats(struct cgroup *cg, struct cgroup_stats *out, struct td_err **err)
{
  memset(out, 0, sizeof(*out));
  if (cg->ops->stats(cg, out, err) < 0)
    return err_prefix(err, "stats of cgroup %s", cg->path);
  return 0;
}

int cgroup_oom_fd(struct cgroup *cg, struct td_err **err)
{
  int fd = cg->ops->oom_fd(cg, err);
  if (fd < 0)
    return err_prefix(err, "OOM notification for cgroup %s", cg->path);
  return fd;
}

static void dir_close(struct cg_dir *d)
{
  if (d->fd >= 0)
    close(d->fd);
  free(d->dir);
  free(d->hroot);
}

void cgroup_free(struct cgroup *cg)
{
  if (!cg)
    return;
  for (int i = 0; i < CG_CTL_COUNT; i++)
    dir_close(&cg->v1[i]);
  dir_close(&cg->v2);
  free(cg->path);
  free(cg->root);
  free(cg);
}

const char *cgroup_path(struct cgroup *cg)
{
  return cg->path;
}

enum cgroup_mode cgroup_handle_mode(struct cgroup *cg)
{
  return cg->mode;
}

const char *cgroup_mode_name(enum cgroup_mode m)
{
  switch (m) {
  case CGROUP_MODE_V1:
    return "v1";
  case CGROUP_MODE_V2:
    return "v2";
  case CGROUP_MODE_HYBRID:
    return "hybrid";
  }
  return "?";
}

static void push_hier(struct cgroup_hierarchy **out, size_t *n, const struct cg_dir *d, bool v2,
                      bool top)
{
  *out = xrealloc(*out, (*n + 1) * sizeof(**out));
  char *real = realpath(d->hroot, NULL);
  const char *base = real ? strrchr(real, '/') + 1 : strrchr(d->hroot, '/') + 1;
  (*out)[*n] =
      (struct cgroup_hierarchy){.name = xstrdup(top ? "" : base), .dir = xstrdup(d->dir), .v2 = v2};
  free(real);
  (*n)++;
}

int cgroup_hierarchies(struct cgroup *cg, struct cgroup_hierarchy **out, size_t *n)
{
  *out = NULL;
  *n = 0;
  for (int i = 0; i < CG_CTL_COUNT; i++)
    if (cg_v1_unique(cg, i) && cg->v1[i].fd >= 0)
      push_hier(out, n, &cg->v1[i], false, false);
  if (cg->v2.present && cg->v2.fd >= 0)
    push_hier(out, n, &cg->v2, true, cg->mode == CGROUP_MODE_V2);
  return 0;
}

void cgroup_hierarchies_free(struct cgroup_hierarchy *h, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    free(h[i].name);
    free(h[i].dir);
  }
  free(h);
}
