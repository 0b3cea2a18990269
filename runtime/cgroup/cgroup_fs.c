/* cgroupfs file and directory helpers shared by the v1 and v2 backends. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>

#include "runtime/cgroup/cgroup_internal.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"

void cg_sleep_ms(int ms)
{
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
    ;
}

static int dir_fd(const struct cg_dir *d)
{
  return d->fd >= 0 ? d->fd : AT_FDCWD;
}

static char *dir_file(const struct cg_dir *d, const char *file)
{
  return d->fd >= 0 ? xstrdup(file) : xasprintf("%s/%s", d->dir, file);
}

int cg_write(const struct cg_dir *d, const char *file, const char *value, struct td_err **err)
{
  autofree char *rel = dir_file(d, file);
  autoclose int fd = RETRY_EINTR(openat(dir_fd(d), rel, O_WRONLY | O_CLOEXEC));
  if (fd < 0)
    return err_set(err, errno, "open %s/%s", d->dir, file);
  /* cgroupfs takes one value per write(); a short write is an error, not a partial value */
  ssize_t n = RETRY_EINTR(write(fd, value, strlen(value)));
  if (n < 0)
    return err_set(err, errno, "write '%s' to %s/%s", value, d->dir, file);
  return 0;
}

int cg_write_keep(const struct cg_dir *d, const char *file, int *fd, const char *value,
                  struct td_err **err)
{
  if (*fd < 0) {
    autofree char *rel = dir_file(d, file);
    *fd = RETRY_EINTR(openat(dir_fd(d), rel, O_WRONLY | O_CLOEXEC));
    if (*fd < 0)
      return err_set(err, errno, "open %s/%s", d->dir, file);
  }
  /* each write() is parsed on its own (one rule, one value), whatever the file offset */
  if (RETRY_EINTR(write(*fd, value, strlen(value))) < 0)
    return err_set(err, errno, "write '%s' to %s/%s", value, d->dir, file);
  return 0;
}

int cg_writef(const struct cg_dir *d, const char *file, struct td_err **err, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  autofree char *v = xvasprintf(fmt, ap);
  va_end(ap);
  return cg_write(d, file, v, err);
}

char *cg_read(const struct cg_dir *d, const char *file)
{
  autofree char *rel = dir_file(d, file);
  autoerr struct td_err *e = NULL;
  char *buf = NULL;
  if (file_read_all(dir_fd(d), rel, &buf, NULL, &e) < 0)
    return NULL;
  return buf;
}

bool cg_read_u64(const struct cg_dir *d, const char *file, uint64_t *out)
{
  autofree char *s = cg_read(d, file);
  if (!s)
    return false;
  if (strncmp(s, "max", 3) == 0) {
    *out = UINT64_MAX;
    return true;
  }
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || end == s)
    return false;
  *out = v;
  return true;
}

bool cg_read_key(const struct cg_dir *d, const char *file, const char *key, uint64_t *out)
{
  autofree char *s = cg_read(d, file);
  if (!s)
    return false;
  size_t kl = strlen(key);
  for (char *line = s; line && *line;) {
    char *nl = strchr(line, '\n');
    if (nl)
      *nl = '\0';
    if (strncmp(line, key, kl) == 0 && line[kl] == ' ') {
      *out = strtoull(line + kl + 1, NULL, 10);
      return true;
    }
    line = nl ? nl + 1 : NULL;
  }
  return false;
}

bool cg_has(const struct cg_dir *d, const char *file)
{
  autofree char *rel = dir_file(d, file);
  return faccessat(dir_fd(d), rel, F_OK, 0) == 0;
}

static int mkdir_levels_once(const char *hroot, const char *dir,
                             int (*level_cb)(const char *level, bool created, void *arg,
                                             struct td_err **err),
                             void *arg, bool *leaf_created, struct td_err **err)
{
  size_t rl = strlen(hroot);
  if (strncmp(dir, hroot, rl) != 0 || dir[rl] != '/')
    return err_set(err, EINVAL, "cgroup %s is not below %s", dir, hroot);
  autofree char *p = xstrdup(dir);
  autofree char *first_new = NULL;
  for (char *s = p + rl + 1;; s++) {
    if (*s != '/' && *s != '\0')
      continue;
    char saved = *s;
    *s = '\0';
    bool created = false;
    int r = mkdir(p, 0755);
    if (r < 0 && errno != EEXIST) {
      err_set(err, errno, "mkdir %s", p);
      goto fail;
    }
    if (r == 0) {
      created = true;
      if (!first_new)
        first_new = xstrdup(p);
      /* without xattrs only the leaf is removed later; that is the safe side */
      (void)setxattr(p, CG_MARK_XATTR, "1", 1, 0);
    }
    if (level_cb && level_cb(p, created, arg, err) < 0)
      goto fail;
    *s = saved;
    if (!saved) {
      *leaf_created = created;
      break;
    }
  }
  return 0;
fail:
  if (first_new) {
    struct cg_dir d = {.dir = xstrdup(dir), .hroot = xstrdup(hroot), .fd = -1};
    autoerr struct td_err *e2 = NULL;
    cg_dir_remove(&d, &e2);
    free(d.dir);
    free(d.hroot);
  }
  return -1;
}

int cg_mkdir_levels(struct cg_dir *d,
                    int (*level_cb)(const char *level, bool created, void *arg,
                                    struct td_err **err),
                    void *arg, struct td_err **err)
{
  for (int i = 0;; i++) {
    autoerr struct td_err *e = NULL;
    if (mkdir_levels_once(d->hroot, d->dir, level_cb, arg, &d->created, &e) == 0)
      return 0;
    /* ENOENT: a concurrent delete removed a shared parent between our mkdirs; go again */
    if (e->errnum != ENOENT || i >= 5) {
      *err = steal_ptr(e);
      return -1;
    }
  }
}

int cg_dir_open(struct cg_dir *d, struct td_err **err)
{
  if (d->fd >= 0)
    return 0;
  d->fd = RETRY_EINTR(open(d->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (d->fd < 0)
    return err_set(err, errno, "open %s", d->dir);
  return 0;
}

/* rmdir with retries: a cgroup stays busy for a moment after its last task exits. */
static int rmdir_retry(const char *path, struct td_err **err)
{
  for (int i = 0;; i++) {
    if (rmdir(path) == 0 || errno == ENOENT)
      return 0;
    if (errno != EBUSY || i >= 100)
      return err_set(err, errno, "rmdir %s", path);
    cg_sleep_ms(i < 10 ? 2 : 20);
  }
}

/* Children first: a container with a cgroup namespace may have made its own sub-cgroups. */
static int remove_tree(const char *path, int depth, struct td_err **err)
{
  if (depth > 32)
    return err_set(err, ELOOP, "cgroup tree too deep at %s", path);
  /* the common case is a leaf with no sub-cgroups and no tasks left: one rmdir, no listing.
   * A cgroup with children (or tasks) refuses with EBUSY: then go through the children. */
  if (rmdir(path) == 0 || errno == ENOENT)
    return 0;
  if (errno != EBUSY && errno != ENOTEMPTY)
    return err_set(err, errno, "rmdir %s", path);
  DIR *dp = opendir(path);
  if (!dp)
    return errno == ENOENT ? 0 : err_set(err, errno, "opendir %s", path);
  autoclosedir DIR *d = dp;
  struct dirent *de;
  while ((de = readdir(d))) {
    if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    autofree char *sub = xasprintf("%s/%s", path, de->d_name);
    if (remove_tree(sub, depth + 1, err) < 0)
      return -1;
  }
  return rmdir_retry(path, err);
}

static bool marked(const char *path)
{
  char v[4];
  return getxattr(path, CG_MARK_XATTR, v, sizeof(v)) > 0;
}

int cg_dir_remove(struct cg_dir *d, struct td_err **err)
{
  if (!d->dir)
    return 0;
  if (d->fd >= 0) {
    close(d->fd);
    d->fd = -1;
  }
  if (remove_tree(d->dir, 0, err) < 0)
    return -1;
  /* walk up through the empty levels that we made; stop at the first one shared or foreign */
  autofree char *p = xstrdup(d->dir);
  size_t rl = strlen(d->hroot);
  for (;;) {
    char *slash = strrchr(p, '/');
    if (!slash || (size_t)(slash - p) <= rl)
      break;
    *slash = '\0';
    if (!marked(p) || rmdir(p) < 0)
      break;
  }
  return 0;
}

static int read_pids_file(const char *dir, pid_t **pids, size_t *n, struct td_err **err)
{
  autofree char *file = xasprintf("%s/cgroup.procs", dir);
  autofree char *s = NULL;
  if (file_read_all(AT_FDCWD, file, &s, NULL, err) < 0)
    return -1;
  for (char *t = s; *t;) {
    char *end;
    long v = strtol(t, &end, 10);
    if (end == t)
      break;
    *pids = xrealloc(*pids, (*n + 1) * sizeof(pid_t));
    (*pids)[(*n)++] = (pid_t)v;
    t = end;
    while (*t == '\n' || *t == ' ')
      t++;
  }
  return 0;
}

static int collect(const char *dir, int depth, pid_t **pids, size_t *n, struct td_err **err)
{
  if (read_pids_file(dir, pids, n, err) < 0)
    return -1;
  if (depth > 32)
    return 0;
  DIR *dp = opendir(dir);
  if (!dp)
    return 0;
  autoclosedir DIR *d = dp;
  struct dirent *de;
  while ((de = readdir(d))) {
    if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    autofree char *sub = xasprintf("%s/%s", dir, de->d_name);
    autoerr struct td_err *e = NULL;
    collect(sub, depth + 1, pids, n, &e); /* a child removed meanwhile is fine */
  }
  return 0;
}

int cg_collect_pids(const char *dir, pid_t **pids, size_t *n, struct td_err **err)
{
  return collect(dir, 0, pids, n, err);
}

int cg_signal_pids(const char *dir, int sig, struct td_err **err)
{
  autofree pid_t *pids = NULL;
  size_t n = 0;
  autoerr struct td_err *e = NULL;
  if (cg_collect_pids(dir, &pids, &n, &e) < 0) {
    if (e->errnum == ENOENT)
      return 0;
    *err = steal_ptr(e);
    return -1;
  }
  int count = 0;
  for (size_t i = 0; i < n; i++) {
    if (kill(pids[i], sig) == 0)
      count++;
    else if (errno != ESRCH)
      return err_set(err, errno, "kill %d", (int)pids[i]);
  }
  return count;
}

bool cg_wait_empty(const char *dir, int timeout_ms)
{
  for (int waited = 0;; waited += 10) {
    autofree pid_t *pids = NULL;
    size_t n = 0;
    autoerr struct td_err *e = NULL;
    if (cg_collect_pids(dir, &pids, &n, &e) < 0 || n == 0)
      return true;
    if (waited >= timeout_ms)
      return false;
    cg_sleep_ms(10);
  }
}

int cg_enter_dir(const struct cg_dir *d, pid_t pid, struct td_err **err)
{
  return cg_writef(d, "cgroup.procs", err, "%d", (int)pid);
}

int cg_cpuset_write(const struct cg_dir *d, const struct spec_resources *res, struct td_err **err)
{
  const char *cpus = res->cpu.cpus, *mems = res->cpu.mems;
  if (cpus && *cpus && cg_write(d, "cpuset.cpus", cpus, err) < 0)
    return -1;
  if (mems && *mems && cg_write(d, "cpuset.mems", mems, err) < 0)
    return -1;
  return 0;
}
