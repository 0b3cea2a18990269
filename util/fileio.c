#include "util/fileio.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/xalloc.h"

int write_all(int fd, const void *buf, size_t len)
{
  const char *p = buf;
  while (len > 0) {
    ssize_t w = RETRY_EINTR(write(fd, p, len));
    if (w < 0)
      return -1;
    p += w;
    len -= (size_t)w;
  }
  return 0;
}

int file_read_all(int dirfd, const char *path, char **out, size_t *len, struct td_err **err)
{
  autoclose int fd = RETRY_EINTR(openat(dirfd, path, O_RDONLY | O_CLOEXEC));
  if (fd < 0)
    return err_set(err, errno, "open %s", path);
  size_t cap = 4096, n = 0;
  autofree char *buf = xmalloc(cap + 1);
  for (;;) {
    if (n == cap) {
      cap *= 2;
      buf = xrealloc(buf, cap + 1);
    }
    ssize_t r = RETRY_EINTR(read(fd, buf + n, cap - n));
    if (r < 0)
      return err_set(err, errno, "read %s", path);
    if (r == 0)
      break;
    n += (size_t)r;
  }
  buf[n] = '\0';
  if (len)
    *len = n;
  *out = steal_ptr(buf);
  return 0;
}

static int write_atomic(int dirfd, const char *path, const void *buf, size_t len, mode_t mode,
                        bool sync, struct td_err **err)
{
  autofree char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
  autoclose int fd =
      RETRY_EINTR(openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (fd < 0)
    return err_set(err, errno, "create %s", tmp);
  if (write_all(fd, buf, len) < 0 || (sync && fsync(fd) < 0)) {
    int saved = errno;
    unlinkat(dirfd, tmp, 0);
    return err_set(err, saved, "write %s", tmp);
  }
  if (renameat(dirfd, tmp, dirfd, path) < 0) {
    int saved = errno;
    unlinkat(dirfd, tmp, 0);
    return err_set(err, saved, "rename %s", path);
  }
  return 0;
}

int file_write_atomic(int dirfd, const char *path, const void *buf, size_t len, mode_t mode,
                      struct td_err **err)
{
  return write_atomic(dirfd, path, buf, len, mode, true, err);
}

int file_write_json(int dirfd, const char *path, json_t *j, mode_t mode, struct td_err **err)
{
  autofree char *s = json_dumps(j, JSON_COMPACT);
  if (s == NULL)
    return err_set(err, ENOMEM, "serialise %s", path);
  return write_atomic(dirfd, path, s, strlen(s), mode, true, err);
}

int file_write_json_nosync(int dirfd, const char *path, json_t *j, mode_t mode, struct td_err **err)
{
  autofree char *s = json_dumps(j, JSON_COMPACT);
  if (s == NULL)
    return err_set(err, ENOMEM, "serialise %s", path);
  return write_atomic(dirfd, path, s, strlen(s), mode, false, err);
}

int file_read_json(int dirfd, const char *path, json_t **out, struct td_err **err)
{
  autofree char *buf = NULL;
  size_t len = 0;
  if (file_read_all(dirfd, path, &buf, &len, err) < 0)
    return -1;
  json_error_t jerr;
  json_t *j = json_loadb(buf, len, 0, &jerr);
  if (j == NULL)
    return err_set(err, 0, "parse %s: line %d column %d: %s", path, jerr.line, jerr.column,
                   jerr.text);
  *out = j;
  return 0;
}

int file_write_str(int dirfd, const char *path, const char *s, struct td_err **err)
{
  autoclose int fd = RETRY_EINTR(openat(dirfd, path, O_WRONLY | O_CLOEXEC));
  if (fd < 0)
    return err_set(err, errno, "open %s", path);
  if (write_all(fd, s, strlen(s)) < 0)
    return err_set(err, errno, "write %s to %s", s, path);
  return 0;
}

int mkdir_p(const char *path, mode_t mode, struct td_err **err)
{
  autofree char *p = xstrdup(path);
  for (char *s = p + 1; *s; s++) {
    if (*s != '/')
      continue;
    *s = '\0';
    if (mkdir(p, mode) < 0 && errno != EEXIST)
      return err_set(err, errno, "mkdir %s", p);
    *s = '/';
  }
  if (mkdir(p, mode) < 0 && errno != EEXIST)
    return err_set(err, errno, "mkdir %s", p);
  return 0;
}

static int rm_one(const char *fpath, const struct stat *sb, int flag, struct FTW *ftw)
{
  (void)sb;
  (void)ftw;
  int r = (flag == FTW_DP) ? rmdir(fpath) : unlink(fpath);
  if (r < 0 && errno != ENOENT)
    return -1;
  return 0;
}

int rm_rf(const char *path, struct td_err **err)
{
  if (nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0 && errno != ENOENT)
    return err_set(err, errno, "remove %s", path);
  return 0;
}

char *self_exe_path(void)
{
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n > 1 && buf[0] == '/') {
    buf[n] = '\0';
    if (access(buf, X_OK) == 0)
      return xstrdup(buf);
  }
  const char *env = getenv(SELF_EXE_ENV);
  return env && env[0] == '/' ? xstrdup(env) : NULL;
}

#ifndef TD_LIBEXECDIR
#define TD_LIBEXECDIR "/usr/local/libexec/tinydocker"
#endif

char *helper_find(const char *name)
{
  autofree char *dir = self_exe_path();
  if (!dir)
    dir = xstrdup("/usr/local/bin/tinydocker");
  char *slash = strrchr(dir, '/');
  if (slash)
    *slash = '\0';
  /* next to the program (the build tree), its engine/ (the build tree's engine helpers),
   * <prefix>/libexec/tinydocker beside <prefix>/bin (an install under any prefix), the
   * configured libexecdir, the parent and its parent (the build tree's helpers in build/engine/
   * and test tools in build/tests/helpers/). Never $PATH: a root program must not run whatever
   * a user's PATH names first. */
  const char *const cands[] = {dir, dir, dir, NULL, dir, dir};
  static const char *const subdirs[] = {"",    "/engine", "/../libexec/tinydocker", TD_LIBEXECDIR,
                                        "/..", "/../.."};
  for (size_t i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
    autofree char *p = xasprintf("%s%s/%s", cands[i] ? cands[i] : "", subdirs[i], name);
    if (access(p, X_OK) == 0)
      return steal_ptr(p);
  }
  return NULL;
}
