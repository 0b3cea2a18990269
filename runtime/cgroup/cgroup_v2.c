/* cgroup v2 backend: one unified directory; controllers enabled through the ancestors'
 * cgroup.subtree_control; freeze, kill and OOM events through the core v2 files. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/statfs.h>
#include <linux/magic.h>

#include "runtime/cgroup/cgroup_internal.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

static void v2_locate(struct cgroup *cg)
{
  cg->v2.present = true;
  cg->v2.hroot = xstrdup(cg->root);
  cg->v2.dir = xasprintf("%s%s", cg->root, cg->path);
}

char **cg_v2_missing_controllers(const char *avail, const char *enabled)
{
  autostrv char **have = NULL;
  autofree char *en = xstrdup(enabled ? enabled : "");
  for (char *t = strtok(en, " \n"); t; t = strtok(NULL, " \n"))
    strv_push(&have, t);
  char **out = NULL;
  autofree char *av = xstrdup(avail ? avail : "");
  for (char *t = strtok(av, " \n"); t; t = strtok(NULL, " \n"))
    if (strv_find(have, t) < 0)
      strv_push(&out, t);
  return out;
}

int cg_v2_enable_level(const char *level, bool created, void *arg, struct td_err **err)
{
  (void)created;
  (void)err;
  autofree char *parent = xstrdup(level);
  *strrchr(parent, '/') = '\0';
  /* the mount root belongs to the host (systemd); its subtree_control is not ours to change */
  const char *hroot = arg;
  if (hroot && strcmp(parent, hroot) == 0)
    return 0;
  struct cg_dir p = {.dir = parent, .fd = -1};
  autofree char *avail = cg_read(&p, "cgroup.controllers");
  autofree char *enabled = cg_read(&p, "cgroup.subtree_control");
  autostrv char **missing = cg_v2_missing_controllers(avail, enabled);
  for (char **c = missing; c && *c; c++) {
    /* one controller per write: a refused one (busy parent) must not block the others */
    autoerr struct td_err *e = NULL;
    autofree char *v = xasprintf("+%s", *c);
    cg_write(&p, "cgroup.subtree_control", v, &e);
  }
  return 0;
}

/* A forced v2 backend must still point at a cgroup2 mount, never at a plain directory. */
static int v2_check_root(struct cgroup *cg, struct td_err **err)
{
  struct statfs sf;
  if (statfs(cg->root, &sf) < 0)
    return err_set(err, errno, "statfs %s", cg->root);
  if ((long)sf.f_type != CGROUP2_SUPER_MAGIC)
    return err_set(err, EINVAL, "%s is not a cgroup2 mount (set TINYRUN_CGROUP_ROOT?)", cg->root);
  return 0;
}

static int v2_create(struct cgroup *cg, struct td_err **err)
{
  if (v2_check_root(cg, err) < 0)
    return -1;
  v2_locate(cg);
  if (cg_mkdir_levels(&cg->v2, cg_v2_enable_level, cg->v2.hroot, err) < 0)
    return -1;
  if (cg_dir_open(&cg->v2, err) < 0) {
    autoerr struct td_err *e = NULL;
    if (cg->v2.created)
      cg_dir_remove(&cg->v2, &e);
    return -1;
  }
  return 0;
}

static int v2_open(struct cgroup *cg, struct td_err **err)
{
  if (v2_check_root(cg, err) < 0)
    return -1;
  v2_locate(cg);
  return cg_dir_open(&cg->v2, err);
}

static int v2_enter(struct cgroup *cg, pid_t pid, struct td_err **err)
{
  return cg_enter_dir(&cg->v2, pid, err);
}

static bool v2_is_frozen(struct cgroup *cg)
{
  uint64_t v = 0;
  return cg_read_key(&cg->v2, "cgroup.events", "frozen", &v) && v == 1;
}

static int v2_freeze_wait(struct cgroup *cg, bool frozen, int rounds, struct td_err **err)
{
  if (!cg_has(&cg->v2, "cgroup.freeze"))
    return err_set(err, ENOTSUP, "%s has no cgroup.freeze (kernel < 5.2)", cg->v2.dir);
  if (cg_write(&cg->v2, "cgroup.freeze", frozen ? "1" : "0", err) < 0)
    return -1;
  for (int i = 0; i < rounds; i++) {
    if (v2_is_frozen(cg) == frozen)
      return 0;
    cg_sleep_ms(i < 10 ? 1 : 10);
  }
  if (frozen) {
    autoerr struct td_err *e = NULL;
    cg_write(&cg->v2, "cgroup.freeze", "0", &e);
  }
  return err_set(err, ETIMEDOUT, "%s/cgroup.events did not report frozen %d", cg->v2.dir,
                 frozen ? 1 : 0);
}

static int v2_freeze(struct cgroup *cg, bool frozen, struct td_err **err)
{
  return v2_freeze_wait(cg, frozen, 1000, err);
}

static const char *v2_procs_dir(struct cgroup *cg)
{
  return cg->v2.fd >= 0 ? cg->v2.dir : NULL;
}

static int v2_kill_all(struct cgroup *cg, int sig, struct td_err **err)
{
  if (cg->v2.fd < 0)
    return 0;
  if (sig == SIGKILL && cg_has(&cg->v2, "cgroup.kill"))
    return cg_write(&cg->v2, "cgroup.kill", "1", err);
  if (sig != SIGKILL)
    return cg_signal_pids(cg->v2.dir, sig, err) < 0 ? -1 : 0;
  /* no cgroup.kill (kernel < 5.14): freeze so nothing forks, kill, thaw */
  autoerr struct td_err *fe = NULL;
  bool froze = !v2_is_frozen(cg) && v2_freeze_wait(cg, true, 100, &fe) == 0;
  int r = cg_signal_pids(cg->v2.dir, SIGKILL, err);
  autoerr struct td_err *te = NULL;
  if (froze || v2_is_frozen(cg))
    v2_freeze(cg, false, &te);
  return r < 0 ? -1 : 0;
}

static int v2_remove(struct cgroup *cg, struct td_err **err)
{
  return cg_dir_remove(&cg->v2, err);
}

static int v2_stats(struct cgroup *cg, struct cgroup_stats *out, struct td_err **err)
{
  (void)err;
  return cg_v2_stats_dir(&cg->v2, out);
}

static int v2_oom_fd(struct cgroup *cg, struct td_err **err)
{
  if (!cg_has(&cg->v2, "memory.events"))
    return err_set(err, ENOTSUP, "%s has no memory.events (memory controller not enabled)",
                   cg->v2.dir);
  autoclose int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (fd < 0)
    return err_set(err, errno, "inotify_init1");
  autofree char *f = xasprintf("%s/memory.events", cg->v2.dir);
  if (inotify_add_watch(fd, f, IN_MODIFY) < 0)
    return err_set(err, errno, "inotify_add_watch %s", f);
  return steal_fd(fd);
}

static int v2_apply(struct cgroup *cg, const struct spec_resources *res, struct td_err **err)
{
  return cg_v2_apply_dir(&cg->v2, res, err);
}

const struct cgroup_ops cg_v2_ops = {
    .name = "v2",
    .create = v2_create,
    .open = v2_open,
    .enter = v2_enter,
    .apply = v2_apply,
    .freeze = v2_freeze,
    .is_frozen = v2_is_frozen,
    .procs_dir = v2_procs_dir,
    .kill_all = v2_kill_all,
    .remove = v2_remove,
    .stats = v2_stats,
    .oom_fd = v2_oom_fd,
};
