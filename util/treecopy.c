#include "util/treecopy.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fileio.h"

#define TREECOPY_MAX_DEPTH 256

int fd_copy_data(int in, int out)
{
  char buf[65536];
  for (;;) {
    ssize_t n = RETRY_EINTR(read(in, buf, sizeof(buf)));
    if (n <= 0)
      return (int)n;
    if (write_all(out, buf, (size_t)n) < 0)
      return -1;
  }
}

/* Owner, then mode (a chown clears set-id bits), then times, of an entry of ours by fd. */
static int set_meta(int fd, const struct stat *st, const struct treecopy_opts *o, const char *name,
                    struct td_err **err)
{
  if (fchown(fd, st->st_uid, st->st_gid) < 0 && !o->owner_soft)
    return err_set(err, errno, "chown %s", name);
  if (fchmod(fd, st->st_mode & 07777) < 0)
    return err_set(err, errno, "chmod %s", name);
  struct timespec ts[2] = {st->st_atim, st->st_mtim};
  if (o->times && futimens(fd, ts) < 0)
    return err_set(err, errno, "set the times of %s", name);
  return 0;
}

static int copy_dir(int sfd, int dfd, const struct treecopy_opts *o, int depth,
                    struct td_err **err);

static int copy_file(int sfd, int dfd, const char *name, const struct stat *st,
                     const struct treecopy_opts *o, struct td_err **err)
{
  autoclose int in = openat(sfd, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
  if (in < 0)
    return err_set(err, errno, "open %s", name);
  autoclose int out = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0)
    return err_set(err, errno, "create %s", name);
  if (fd_copy_data(in, out) < 0)
    return err_set(err, errno, "copy %s", name);
  return set_meta(out, st, o, name, err);
}

static int copy_subdir(int sfd, int dfd, const char *name, const struct stat *st,
                       const struct treecopy_opts *o, int depth, struct td_err **err)
{
  if (mkdirat(dfd, name, 0700) < 0 && errno != EEXIST)
    return err_set(err, errno, "mkdir %s", name);
  autoclose int s = openat(sfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  autoclose int d = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (s < 0 || d < 0)
    return err_set(err, errno, "open %s", name);
  if (copy_dir(s, d, o, depth + 1, err) < 0)
    return err_prefix(err, "%s", name);
  return set_meta(d, st, o, name, err);
}

static int copy_link(int sfd, int dfd, const char *name, const struct stat *st,
                     const struct treecopy_opts *o, struct td_err **err)
{
  char target[PATH_MAX];
  ssize_t n = readlinkat(sfd, name, target, sizeof(target) - 1);
  if (n < 0)
    return err_set(err, errno, "readlink %s", name);
  target[n] = '\0';
  if (symlinkat(target, dfd, name) < 0)
    return err_set(err, errno, "symlink %s", name);
  if (fchownat(dfd, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 && !o->owner_soft)
    return err_set(err, errno, "chown %s", name);
  return 0;
}

static int copy_special(int dfd, const char *name, const struct stat *st,
                        const struct treecopy_opts *o, struct td_err **err)
{
  if (!o->devices)
    return 0;
  if (mknodat(dfd, name, st->st_mode & ~07777, st->st_rdev) < 0)
    return err_set(err, errno, "mknod %s", name);
  /* by name: a node just made in a directory of ours (fchmodat cannot refuse a link) */
  if (fchownat(dfd, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 && !o->owner_soft)
    return err_set(err, errno, "chown %s", name);
  if (fchmodat(dfd, name, st->st_mode & 07777, 0) < 0)
    return err_set(err, errno, "chmod %s", name);
  return 0;
}

static int copy_entry(int sfd, int dfd, const char *name, const struct treecopy_opts *o, int depth,
                      struct td_err **err)
{
  struct stat st;
  if (fstatat(sfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return err_set(err, errno, "stat %s", name);
  if (S_ISREG(st.st_mode))
    return copy_file(sfd, dfd, name, &st, o, err);
  if (S_ISDIR(st.st_mode))
    return copy_subdir(sfd, dfd, name, &st, o, depth, err);
  if (S_ISLNK(st.st_mode))
    return copy_link(sfd, dfd, name, &st, o, err);
  return copy_special(dfd, name, &st, o, err);
}

static int copy_dir(int sfd, int dfd, const struct treecopy_opts *o, int depth, struct td_err **err)
{
  if (depth > TREECOPY_MAX_DEPTH)
    return err_set(err, ELOOP, "directory tree too deep");
  int dup_fd = openat(sfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dup_fd < 0)
    return err_set(err, errno, "open a directory");
  autoclosedir DIR *d = fdopendir(dup_fd);
  if (d == NULL) {
    int e = errno;
    close(dup_fd);
    return err_set(err, e, "read a directory");
  }
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    if (copy_entry(sfd, dfd, de->d_name, o, depth, err) < 0)
      return -1;
  }
  return 0;
}

int tree_copy(int src_dir, int dst_dir, const struct treecopy_opts *o, struct td_err **err)
{
  return copy_dir(src_dir, dst_dir, o, 0, err);
}
