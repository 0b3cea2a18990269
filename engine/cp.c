/* cp between the host and a container's rootfs. The container side is opened with
 * openat2(RESOLVE_IN_ROOT) and walked with O_NOFOLLOW fds, so a symlink in the container
 * can never send the copy out to the host. Symlinks are copied as symlinks. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/internal.h"
#include "engine/store.h"
#include "engine/user.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"

static int copy_fd(int in, int out)
{
  char buf[65536];
  for (;;) {
    ssize_t r = RETRY_EINTR(read(in, buf, sizeof(buf)));
    if (r < 0)
      return -1;
    if (r == 0)
      return 0;
    if (write_all(out, buf, (size_t)r) < 0)
      return -1;
  }
}

/* Copy entry `name` in directory sfd to directory dfd (as `dname`), recursively. */
static int copy_entry(int sfd, const char *name, int dfd, const char *dname, struct td_err **err)
{
  struct stat st;
  if (fstatat(sfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return err_set(err, errno, "stat %s", name);
  if (S_ISLNK(st.st_mode)) {
    char target[4096];
    ssize_t n = readlinkat(sfd, name, target, sizeof(target) - 1);
    if (n < 0)
      return err_set(err, errno, "readlink %s", name);
    target[n] = '\0';
    unlinkat(dfd, dname, 0);
    if (symlinkat(target, dfd, dname) < 0)
      return err_set(err, errno, "symlink %s", dname);
    return 0;
  }
  if (S_ISDIR(st.st_mode)) {
    if (mkdirat(dfd, dname, st.st_mode & 07777) < 0 && errno != EEXIST)
      return err_set(err, errno, "mkdir %s", dname);
    autoclose int s2 = openat(sfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    autoclose int d2 = openat(dfd, dname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (s2 < 0 || d2 < 0)
      return err_set(err, errno, "open directory %s", name);
    int dup_fd = dup(s2);
    DIR *d = fdopendir(dup_fd);
    if (d == NULL)
      return err_set(err, errno, "read directory %s", name);
    struct dirent *de;
    int rc = 0;
    while (rc == 0 && (de = readdir(d)) != NULL)
      if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
        rc = copy_entry(s2, de->d_name, d2, de->d_name, err);
    closedir(d);
    return rc;
  }
  if (!S_ISREG(st.st_mode))
    return 0; /* devices, fifos, sockets: not copied */
  autoclose int in = openat(sfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (in < 0)
    return err_set(err, errno, "open %s", name);
  autoclose int out =
      openat(dfd, dname, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, st.st_mode & 07777);
  if (out < 0)
    return err_set(err, errno, "create %s", dname);
  if (copy_fd(in, out) < 0)
    return err_set(err, errno, "copy %s", name);
  fchmod(out, st.st_mode & 07777);
  return 0;
}

/* Split "ctr:/path"; NULL when s is a host path. */
static char *split_ref(const char *s, const char **path)
{
  const char *c = strchr(s, ':');
  if (c == NULL || s[0] == '/' || s[0] == '.')
    return NULL;
  *path = c + 1;
  return xstrndup(s, (size_t)(c - s));
}

/* Open the parent directory of path and give the last name (dirfd + name). */
static int open_parent(int rootfd, const char *path, bool in_root, char **name, struct td_err **err)
{
  autofree char *a = xstrdup(path), *b = xstrdup(path);
  const char *dir = dirname(a);
  *name = xstrdup(basename(b));
  int fd = in_root ? eng_open_in_root(rootfd, dir, O_RDONLY | O_DIRECTORY)
                   : open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    free(*name);
    *name = NULL;
    return err_set(err, errno, "open %s", dir);
  }
  return fd;
}

/* Copy (src_root,src) -> (dst_root,dst); docker's rule: into dst/<name> when dst is a dir. */
static int copy_path(int src_root, const char *src, bool src_in_root, int dst_root, const char *dst,
                     bool dst_in_root, struct td_err **err)
{
  autofree char *sname = NULL;
  autoclose int sfd = open_parent(src_root, src, src_in_root, &sname, err);
  if (sfd < 0)
    return -1;
  struct stat st;
  if (fstatat(sfd, sname, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return err_set(err, errno, "Could not find the file %s", src);
  autoclose int dfd = dst_in_root ? eng_open_in_root(dst_root, dst, O_RDONLY | O_DIRECTORY)
                                  : open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    const char *n = strcmp(sname, "/") == 0 ? "." : sname;
    return copy_entry(sfd, n, dfd, n, err);
  }
  autofree char *dname = NULL;
  autoclose int pfd = open_parent(dst_root, dst, dst_in_root, &dname, err);
  if (pfd < 0)
    return -1;
  return copy_entry(sfd, sname, pfd, dname, err);
}

int eng_cp(struct eng_ctx *ctx, const char *src, const char *dst, struct td_err **err)
{
  const char *spath = NULL, *dpath = NULL;
  autofree char *sref = split_ref(src, &spath);
  autofree char *dref = split_ref(dst, &dpath);
  if ((sref == NULL) == (dref == NULL))
    return err_set(err, 0, "must specify at least one container source");
  autofree char *id = NULL;
  if (store_lookup(ctx, sref ? sref : dref, &id, err) < 0)
    return -1;
  autojson json_t *rec = NULL;
  if (eng_load_refreshed(ctx, id, &rec, err) < 0)
    return -1;
  const char *st = rec_str(rec, "State.Status");
  bool was_running = strcmp(st, "running") == 0 || strcmp(st, "paused") == 0;
  if (!was_running && eng_rootfs_mount(ctx, rec, err) < 0)
    return -1;
  autoclose int rootfd = open(rec_str(rec, "Td.Rootfs"), O_PATH | O_DIRECTORY | O_CLOEXEC);
  int rc;
  if (rootfd < 0)
    rc = err_set(err, errno, "open rootfs");
  else if (sref)
    rc = copy_path(rootfd, spath, true, AT_FDCWD, dst, false, err);
  else
    rc = copy_path(AT_FDCWD, src, false, rootfd, dpath, true, err);
  if (!was_running)
    eng_rootfs_umount(ctx, rec);
  return rc;
}
