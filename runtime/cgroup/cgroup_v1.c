/* cgroup v1 backend: one directory per controller hierarchy. Also serves hybrid hosts, where
 * the same path is kept in the cgroup2 mount as a best effort (v1 stays the authority). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>

#include "runtime/cgroup/cgroup_internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

static const char *const ctl_names[CG_CTL_COUNT] = {
    [CG_CPU] = "cpu",           [CG_CPUACCT] = "cpuacct", [CG_CPUSET] = "cpuset",
    [CG_MEMORY] = "memory",     [CG_DEVICES] = "devices", [CG_FREEZER] = "freezer",
    [CG_BLKIO] = "blkio",       [CG_PIDS] = "pids",       [CG_NET_CLS] = "net_cls",
    [CG_NET_PRIO] = "net_prio", [CG_HUGETLB] = "hugetlb",
};

const char *cg_ctl_name(enum cg_ctl c)
{
  return ctl_names[c];
}

/* Where each controller's hierarchy is mounted below one cgroup root. */
struct v1_layout {
  char *root;
  bool present[CG_CTL_COUNT];
  dev_t dev[CG_CTL_COUNT];
  bool unified; /* <root>/unified is a cgroup2 mount */
};

/* Probe the hierarchies (statfs + stat per controller) once per process and root: create,
 * the stats read after exit and delete each open a handle, and on a v1 host with 11 names
 * to try that was ~30 syscalls every time. The mounts under /sys/fs/cgroup do not change
 * under a running engine; a hierarchy that went away since shows up as a failed open. */
static const struct v1_layout *v1_layout(const char *root)
{
  static struct v1_layout cache;
  if (cache.root && strcmp(cache.root, root) == 0)
    return &cache;
  free(cache.root);
  memset(&cache, 0, sizeof(cache));
  for (int i = 0; i < CG_CTL_COUNT; i++) {
    autofree char *hroot = xasprintf("%s/%s", root, ctl_names[i]);
    struct statfs sf;
    struct stat st;
    if (statfs(hroot, &sf) < 0 || (long)sf.f_type != CGROUP_SUPER_MAGIC || stat(hroot, &st) < 0)
      continue;
    cache.present[i] = true;
    cache.dev[i] = st.st_dev;
  }
  autofree char *unified = xasprintf("%s/unified", root);
  struct statfs sf;
  cache.unified = statfs(unified, &sf) == 0 && (long)sf.f_type == CGROUP2_SUPER_MAGIC;
  cache.root = xstrdup(root);
  return &cache;
}

/* Find each controller's hierarchy as <root>/<name> (co-mounts are reached through the
 * symlinks that systemd makes, e.g. cpu -> cpu,cpuacct). */
static void v1_locate(struct cgroup *cg)
{
  const struct v1_layout *l = v1_layout(cg->root);
  for (int i = 0; i < CG_CTL_COUNT; i++) {
    if (!l->present[i])
      continue;
    struct cg_dir *d = &cg->v1[i];
    d->present = true;
    d->dev = l->dev[i];
    d->hroot = xasprintf("%s/%s", cg->root, ctl_names[i]);
    d->dir = xasprintf("%s%s", d->hroot, cg->path);
  }
  if (cg->mode == CGROUP_MODE_HYBRID && l->unified) {
    cg->v2.present = true;
    cg->v2.hroot = xasprintf("%s/unified", cg->root);
    cg->v2.dir = xasprintf("%s%s", cg->v2.hroot, cg->path);
  }
}

bool cg_v1_unique(struct cgroup *cg, int i)
{
  if (!cg->v1[i].present)
    return false;
  for (int j = 0; j < i; j++)
    if (cg->v1[j].present && cg->v1[j].dev == cg->v1[i].dev)
      return false;
  return true;
}

struct cg_dir *cg_v1_dir(struct cgroup *cg, enum cg_ctl c)
{
  struct cg_dir *d = &cg->v1[c];
  if (!d->present)
    return NULL;
  /* a co-mounted controller lives in the directory of the first one of its hierarchy */
  for (int j = 0; j < (int)c; j++)
    if (cg->v1[j].present && cg->v1[j].dev == d->dev)
      return &cg->v1[j];
  return d;
}

/* What cpuset_fill found at the level it filled last, so that the next level down does not
 * read the same two files again as its parent's. */
struct cpuset_walk {
  char *level;  /* the directory val describes */
  char *val[2]; /* its cpuset.cpus, cpuset.mems */
};

static void cpuset_walk_clear(struct cpuset_walk *w)
{
  free(w->level);
  free(w->val[0]);
  free(w->val[1]);
  memset(w, 0, sizeof(*w));
}

/* A cpuset cgroup with empty cpus/mems refuses tasks: fill each level from its parent. */
static int cpuset_fill(const char *level, bool created, void *arg, struct td_err **err)
{
  struct cpuset_walk *w = arg;
  autofree char *parent = xstrdup(level);
  *strrchr(parent, '/') = '\0';
  /* only the values of this very parent may stand in for reading it (a retried walk starts
   * over at the top) */
  if (!w->level || strcmp(w->level, parent) != 0)
    cpuset_walk_clear(w);
  struct cg_dir p = {.dir = parent, .fd = -1}, l = {.dir = (char *)level, .fd = -1};
  static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
  for (size_t i = 0; i < 2; i++) {
    /* a level we just made holds nothing or (cgroup.clone_children) its parent's values:
     * writing the parent's values is right either way, so it need not be read first */
    char *cur = created && w->val[i] ? NULL : cg_read(&l, files[i]);
    if (cur && cur[0] != '\n' && cur[0] != '\0') {
      free(w->val[i]);
      w->val[i] = cur;
      continue;
    }
    free(cur);
    if (!w->val[i] && !(w->val[i] = cg_read(&p, files[i])))
      return err_set(err, errno, "read %s/%s", parent, files[i]);
    if (cg_write(&l, files[i], w->val[i], err) < 0)
      return -1;
  }
  free(w->level);
  w->level = xstrdup(level);
  return 0;
}

static void v1_remove_created(struct cgroup *cg)
{
  for (int i = 0; i < CG_CTL_COUNT; i++) {
    autoerr struct td_err *e = NULL;
    if (cg->v1[i].created)
      cg_dir_remove(&cg->v1[i], &e);
  }
}

/* The unified half of a hybrid host; failures there never fail the container. */
static void hybrid_create(struct cgroup *cg)
{
  if (!cg->v2.present)
    return;
  autoerr struct td_err *e = NULL;
  if (cg_mkdir_levels(&cg->v2, cg_v2_enable_level, cg->v2.hroot, &e) < 0 ||
      cg_dir_open(&cg->v2, &e) < 0)
    cg->v2.present = false;
}

static int v1_create(struct cgroup *cg, struct td_err **err)
{
  v1_locate(cg);
  bool any = false;
  for (int i = 0; i < CG_CTL_COUNT; i++) {
    if (!cg_v1_unique(cg, i))
      continue;
    struct cg_dir *d = &cg->v1[i];
    struct cpuset_walk w = {0};
    int rc = cg_mkdir_levels(d, i == CG_CPUSET ? cpuset_fill : NULL, &w, err);
    cpuset_walk_clear(&w);
    if (rc < 0) {
      v1_remove_created(cg);
      return -1;
    }
    if (cg_dir_open(d, err) < 0) {
      v1_remove_created(cg);
      return -1;
    }
    any = true;
  }
  if (!any)
    return err_set(err, ENOENT, "no cgroup v1 controller is mounted below %s", cg->root);
  if (cg->mode == CGROUP_MODE_HYBRID)
    hybrid_create(cg);
  return 0;
}

static int v1_open(struct cgroup *cg, struct td_err **err)
{
  v1_locate(cg);
  bool any = false;
  for (int i = 0; i < CG_CTL_COUNT; i++) {
    if (!cg_v1_unique(cg, i))
      continue;
    autoerr struct td_err *e = NULL;
    if (cg_dir_open(&cg->v1[i], &e) == 0)
      any = true;
  }
  if (cg->v2.present) {
    autoerr struct td_err *e = NULL;
    if (cg_dir_open(&cg->v2, &e) < 0)
      cg->v2.present = false;
    else
      any = true; /* a leftover on the cgroup2 side alone can still be destroyed */
  }
  if (!any)
    return err_set(err, ENOENT, "cgroup %s does not exist in any v1 hierarchy", cg->path);
  return 0;
}

static int v1_enter(struct cgroup *cg, pid_t pid, struct td_err **err)
{
  for (int i = 0; i < CG_CTL_COUNT; i++) {
    if (cg_v1_unique(cg, i) && cg->v1[i].fd >= 0 && cg_enter_dir(&cg->v1[i], pid, err) < 0)
      return -1;
  }
  if (cg->v2.present && cg->v2.fd >= 0) {
    autoerr struct td_err *e = NULL;
    cg_enter_dir(&cg->v2, pid, &e);
  }
  return 0;
}

static bool v1_is_frozen(struct cgroup *cg)
{
  struct cg_dir *d = cg_v1_dir(cg, CG_FREEZER);
  autofree char *s = d ? cg_read(d, "freezer.state") : NULL;
  return s && strncmp(s, "FROZEN", 6) == 0;
}

/* Polls up to `rounds` times (10 ms each after the first few); ~10 s for pause, ~1 s when
 * the freeze only guards a kill. A freeze that does not settle is undone. */
static int v1_freeze_wait(struct cgroup *cg, bool frozen, int rounds, struct td_err **err)
{
  struct cg_dir *d = cg_v1_dir(cg, CG_FREEZER);
  if (!d || d->fd < 0)
    return err_set(err, ENOTSUP, "the freezer controller is not mounted");
  const char *want = frozen ? "FROZEN" : "THAWED";
  for (int i = 0; i < rounds; i++) {
    /* re-writing FROZEN nudges tasks that were forking when the freeze began */
    if (i % 50 == 0 && cg_write(d, "freezer.state", want, err) < 0)
      return -1;
    autofree char *s = cg_read(d, "freezer.state");
    if (s && strncmp(s, want, strlen(want)) == 0)
      return 0;
    cg_sleep_ms(i < 10 ? 1 : 10);
  }
  if (frozen) {
    autoerr struct td_err *e = NULL;
    cg_write(d, "freezer.state", "THAWED", &e);
  }
  return err_set(err, ETIMEDOUT, "%s/freezer.state did not reach %s", d->dir, want);
}

static int v1_freeze(struct cgroup *cg, bool frozen, struct td_err **err)
{
  return v1_freeze_wait(cg, frozen, 1000, err);
}

static const char *v1_procs_dir(struct cgroup *cg)
{
  static const enum cg_ctl pref[] = {CG_PIDS, CG_FREEZER, CG_MEMORY, CG_CPU, CG_DEVICES};
  for (size_t i = 0; i < sizeof(pref) / sizeof(pref[0]); i++) {
    struct cg_dir *d = cg_v1_dir(cg, pref[i]);
    if (d && d->fd >= 0)
      return d->dir;
  }
  for (int i = 0; i < CG_CTL_COUNT; i++)
    if (cg->v1[i].present && cg->v1[i].fd >= 0)
      return cg->v1[i].dir;
  return NULL;
}

static int v1_kill_all(struct cgroup *cg, int sig, struct td_err **err)
{
  const char *dir = v1_procs_dir(cg);
  if (!dir)
    return 0;
  if (sig != SIGKILL)
    return cg_signal_pids(dir, sig, err) < 0 ? -1 : 0;
  if (cg_wait_empty(dir, 0))
    return 0; /* the common delete: nothing left, so no freeze round trip */
  /* freeze so nothing forks behind our back, kill, then thaw so SIGKILL is acted upon */
  struct cg_dir *fz = cg_v1_dir(cg, CG_FREEZER);
  bool freezer = fz && fz->fd >= 0;
  autoerr struct td_err *fe = NULL;
  if (freezer && !v1_is_frozen(cg))
    freezer = v1_freeze_wait(cg, true, 100, &fe) == 0;
  int r = cg_signal_pids(dir, SIGKILL, err);
  if (freezer) {
    autoerr struct td_err *te = NULL;
    v1_freeze(cg, false, &te);
  }
  if (r < 0)
    return -1;
  /* without a freezer, a forking process can outrun one pass */
  for (int i = 0; i < 20 && r > 0; i++) {
    if (cg_wait_empty(dir, 20))
      break;
    r = cg_signal_pids(dir, SIGKILL, err);
    if (r < 0)
      return -1;
  }
  return 0;
}

static int v1_remove(struct cgroup *cg, struct td_err **err)
{
  int rc = 0;
  for (int i = 0; i < CG_CTL_COUNT; i++) {
    if (!cg_v1_unique(cg, i))
      continue;
    autoerr struct td_err *e = NULL;
    if (cg_dir_remove(&cg->v1[i], &e) < 0 && rc == 0) {
      *err = steal_ptr(e);
      rc = -1;
    }
  }
  if (cg->v2.present) {
    autoerr struct td_err *e = NULL;
    cg_dir_remove(&cg->v2, &e);
  }
  return rc;
}

static int v1_oom_fd(struct cgroup *cg, struct td_err **err)
{
  struct cg_dir *d = cg_v1_dir(cg, CG_MEMORY);
  if (!d || d->fd < 0)
    return err_set(err, ENOTSUP, "the memory controller is not mounted");
  autoclose int efd = eventfd(0, EFD_CLOEXEC);
  if (efd < 0)
    return err_set(err, errno, "eventfd");
  autoclose int ofd = RETRY_EINTR(openat(d->fd, "memory.oom_control", O_RDONLY | O_CLOEXEC));
  if (ofd < 0)
    return err_set(err, errno, "open %s/memory.oom_control", d->dir);
  /* the kernel keeps the registration until efd is closed; ofd is only needed to name it */
  if (cg_writef(d, "cgroup.event_control", err, "%d %d", efd, ofd) < 0)
    return -1;
  return steal_fd(efd);
}

const struct cgroup_ops cg_v1_ops = {
    .name = "v1",
    .create = v1_create,
    .open = v1_open,
    .enter = v1_enter,
    .apply = cg_v1_apply,
    .freeze = v1_freeze,
    .is_frozen = v1_is_frozen,
    .procs_dir = v1_procs_dir,
    .kill_all = v1_kill_all,
    .remove = v1_remove,
    .stats = cg_v1_stats,
    .oom_fd = v1_oom_fd,
};
