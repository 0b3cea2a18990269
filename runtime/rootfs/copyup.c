/* "tmpcopyup": a tmpfs mounted over a directory of the image starts with a copy of what it
 * hides (podman and runc give --tmpfs this). Copies by fd, never following symlinks. */
#include "runtime/rootfs/rootfs_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"

#define COPYUP_MAX_DEPTH 64

static int copy_data(int from, int to)
{
  char buf[65536];
  for (;;) {
    ssize_t n = RETRY_EINTR(read(from, buf, sizeof(buf)));
    if (n < 0)
      return -1;
    if (n == 0)
      return 0;
    if (write_all(to, buf, (size_t)n) < 0)
      return -1;
  }
}

static int copy_entry(int src, int dst, const char *name, int depth);

static int copy_dir(int src, int dst, int depth)
{
  if (depth > COPYUP_MAX_DEPTH) {
    errno = ELOOP;
    return -1;
  }
  int dfd = fcntl(src, F_DUPFD_CLOEXEC, 3);
  if (dfd < 0)
    return -1;
  autoclosedir DIR *d = fdopendir(dfd);
  if (d == NULL) {
    close(dfd);
    return -1;
  }
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    if (copy_entry(src, dst, de->d_name, depth) < 0)
      return -1;
  }
  return 0;
}

static int copy_entry(int src, int dst, const char *name, int depth)
{
  struct stat st;
  if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return -1;
  if (S_ISDIR(st.st_mode)) {
    if (mkdirat(dst, name, st.st_mode & 07777) < 0 && errno != EEXIST)
      return -1;
    autoclose int s = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    autoclose int d = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (s < 0 || d < 0 || copy_dir(s, d, depth + 1) < 0)
      return -1;
  } else if (S_ISREG(st.st_mode)) {
    autoclose int s = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    autoclose int d =
        openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, st.st_mode & 07777);
    if (s < 0 || d < 0 || copy_data(s, d) < 0)
      return -1;
  } else if (S_ISLNK(st.st_mode)) {
    char target[PATH_MAX];
    ssize_t n = readlinkat(src, name, target, sizeof(target) - 1);
    if (n < 0)
      return -1;
    target[n] = '\0';
    if (symlinkat(target, dst, name) < 0)
      return -1;
  } else if (mknodat(dst, name, st.st_mode, st.st_rdev) < 0) {
    return -1;
  }
  if (fchownat(dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
    return -1;
  if (!S_ISLNK(st.st_mode) && fchmodat(dst, name, st.st_mode & 07777, 0) < 0)
    return -1;
  return 0;
}

int rootfs_copyup(int under_fd, int top_fd, struct td_err **err)
{
  struct stat st;
  if (fstat(under_fd, &st) < 0)
    return err_set(err, errno, "tmpcopyup: stat");
  if (copy_dir(under_fd, top_fd, 0) < 0)
    return err_set(err, errno, "tmpcopyup");
  if (fchown(top_fd, st.st_uid, st.st_gid) < 0 || fchmod(top_fd, st.st_mode & 07777) < 0)
    return err_set(err, errno, "tmpcopyup: owner and mode");
  return 0;
}
