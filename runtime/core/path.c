/* Finding the process's executable inside the rootfs, and the systemd cgroupsPath form. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/core/internal.h"
#include "util/cleanup.h"
#include "util/safepath.h"
#include "util/strv.h"
#include "util/xalloc.h"

static const char default_path[] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/* An errno that says the lookup itself could not run (out of fds or memory), not that the
 * program is missing: the caller reports it instead of docker's "not found" (127). */
static bool lookup_failed(int e)
{
  return e == EMFILE || e == ENFILE || e == ENOMEM;
}

static bool is_exec_in_root(int rootfd, const char *path, int *hard)
{
  autoerr struct td_err *err = NULL;
  autoclose int fd = safepath_open(rootfd, path, O_PATH, 0, &err);
  if (fd < 0 && err && lookup_failed(err->errnum))
    *hard = err->errnum;
  if (fd < 0)
    return false;
  struct stat sb;
  return fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && (sb.st_mode & 0111);
}

/* Where rt_find_exec looks for arg0: the path itself when it has a '/' (cwd-relative made
 * absolute), else each $PATH directory (relative ones under cwd). */
static char **exec_dirs(const char *cwd, const char *arg0, char *const *env)
{
  if (strchr(arg0, '/')) {
    autofree char *p = arg0[0] == '/' ? xstrdup(arg0) : xasprintf("%s/%s", cwd ? cwd : "/", arg0);
    char **one = xcalloc(2, sizeof(char *));
    one[0] = steal_ptr(p);
    return one;
  }
  const char *path = default_path;
  for (char *const *e = env; e && *e; e++)
    if (strncmp(*e, "PATH=", 5) == 0)
      path = *e + 5;
  char **dirs = strv_split(path, ':');
  for (char **d = dirs; d && *d; d++)
    if ((*d)[0] != '/') {
      char *abs = xasprintf("%s/%s", cwd ? cwd : "/", **d ? *d : ".");
      free(*d);
      *d = abs;
    }
  return dirs;
}

static bool path_under(const char *path, const char *dir)
{
  size_t n = strlen(dir);
  while (n > 1 && dir[n - 1] == '/')
    n--;
  if (n == 1 && dir[0] == '/')
    return true;
  return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

bool rt_exec_maybe_in_mount(const struct spec *s, const char *cwd, const char *arg0,
                            char *const *env)
{
  if (arg0 == NULL || *arg0 == '\0')
    return false;
  autostrv char **dirs = exec_dirs(cwd, arg0, env);
  for (char **d = dirs; d && *d; d++)
    for (size_t i = 0; i < s->n_mounts; i++)
      if (s->mounts[i].destination && path_under(*d, s->mounts[i].destination))
        return true;
  return false;
}

char *rt_find_exec(int rootfd, const char *cwd, const char *arg0, char *const *env)
{
  if (arg0 == NULL || *arg0 == '\0')
    return NULL;
  autostrv char **dirs = exec_dirs(cwd, arg0, env);
  int hard = 0;
  if (strchr(arg0, '/')) {
    if (is_exec_in_root(rootfd, dirs[0], &hard))
      return xstrdup(arg0);
    errno = hard ? hard : ENOENT;
    return NULL;
  }
  for (char **d = dirs; d && *d; d++) {
    char *cand = xasprintf("%s/%s", *d, arg0);
    if (is_exec_in_root(rootfd, cand, &hard))
      return cand;
    free(cand);
  }
  errno = hard ? hard : ENOENT;
  return NULL;
}

/* "system.slice:docker:abc" -> "/system.slice/docker-abc.scope"; a parent slice named
 * "a-b.slice" expands to "a.slice/a-b.slice" like systemd lays it out. */
char *rt_systemd_to_cgroupfs(const char *path)
{
  autostrv char **parts = strv_split(path, ':');
  if (strv_len(parts) != 3)
    return xstrdup(path);
  const char *slice = *parts[0] ? parts[0] : "system.slice";
  autofree char *dir = xstrdup("");
  if (strcmp(slice, "-.slice") != 0) {
    size_t n = strlen(slice);
    const char *base = n > 6 ? slice : "system.slice";
    n = strlen(base);
    for (size_t i = 0; i + 6 <= n; i++) {
      if (base[i] == '-' || i + 6 == n) {
        autofree char *prefix = xstrndup(base, base[i] == '-' ? i : n - 6);
        char *nd = xasprintf("%s/%s.slice", dir, prefix);
        free(dir);
        dir = nd;
      }
    }
  }
  if (strcmp(parts[1], "") == 0)
    return xasprintf("%s/%s.scope", dir, parts[2]);
  return xasprintf("%s/%s-%s.scope", dir, parts[1], parts[2]);
}
