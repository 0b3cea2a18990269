/* volume_prepare: a named (or anonymous) volume for a container, filled on first use from the
 * image content at the mount path. The source is read inside the container rootfs through
 * safepath (never leaving it) and copied with fd-relative calls that never follow symlinks. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/volume.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/lock.h"
#include "util/safepath.h"
#include "util/xalloc.h"

static void copy_meta(int fd, const struct stat *st)
{
  (void)!fchown(fd, st->st_uid, st->st_gid);
  (void)fchmod(fd, st->st_mode & 07777);
  struct timespec ts[2] = {st->st_atim, st->st_mtim};
  (void)futimens(fd, ts);
}

static int copy_file(int sfd, int ddir, const char *name, const struct stat *st,
                     struct td_err **err)
{
  autoclose int in = openat(sfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (in < 0)
    return err_set(err, errno, "open %s", name);
  autoclose int out =
      openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0)
    return err_set(err, errno, "create %s", name);
  char buf[65536];
  for (;;) {
    ssize_t r = RETRY_EINTR(read(in, buf, sizeof(buf)));
    if (r < 0)
      return err_set(err, errno, "read %s", name);
    if (r == 0)
      break;
    if (write_all(out, buf, (size_t)r) < 0)
      return err_set(err, errno, "write %s", name);
  }
  copy_meta(out, st);
  return 0;
}

static int copy_tree(int sfd, int dfd, int depth, struct td_err **err);

static int copy_entry(int sfd, int dfd, const char *name, int depth, struct td_err **err)
{
  struct stat st;
  if (fstatat(sfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return err_set(err, errno, "stat %s", name);
  if (S_ISREG(st.st_mode))
    return copy_file(sfd, dfd, name, &st, err);
  if (S_ISLNK(st.st_mode)) {
    char target[4096];
    ssize_t n = readlinkat(sfd, name, target, sizeof(target) - 1);
    if (n < 0)
      return err_set(err, errno, "readlink %s", name);
    target[n] = '\0';
    if (symlinkat(target, dfd, name) < 0)
      return err_set(err, errno, "symlink %s", name);
    (void)fchownat(dfd, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
    return 0;
  }
  if (!S_ISDIR(st.st_mode))
    return 0; /* devices, fifos, sockets are not copied */
  if (mkdirat(dfd, name, 0700) < 0)
    return err_set(err, errno, "mkdir %s", name);
  autoclose int s2 = openat(sfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  autoclose int d2 = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (s2 < 0 || d2 < 0)
    return err_set(err, errno, "open %s", name);
  if (copy_tree(s2, d2, depth + 1, err) < 0)
    return -1;
  copy_meta(d2, &st);
  return 0;
}

static int copy_tree(int sfd, int dfd, int depth, struct td_err **err)
{
  if (depth > 256)
    return err_set(err, ELOOP, "directory tree too deep");
  int dup_fd = openat(sfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dup_fd < 0)
    return err_set(err, errno, "open dir");
  DIR *d = fdopendir(dup_fd);
  if (d == NULL) {
    close(dup_fd);
    return err_set(err, errno, "opendir");
  }
  struct dirent *de;
  int rc = 0;
  while (rc == 0 && (de = readdir(d)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    rc = copy_entry(sfd, dfd, de->d_name, depth, err);
  }
  closedir(d);
  return rc;
}

static bool dir_empty(int fd)
{
  int dup_fd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
  if (d == NULL) {
    if (dup_fd >= 0)
      close(dup_fd);
    return false;
  }
  struct dirent *de;
  bool empty = true;
  while (empty && (de = readdir(d)) != NULL)
    empty = strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0;
  closedir(d);
  return empty;
}

/* Copy <rootfs>/<ctr_path> into data once; the record's Populated flag says it happened. */
static int populate(const char *root, const char *name, const char *rootfs, const char *ctr_path,
                    const char *data, struct td_err **err)
{
  autofree char *recp = xasprintf("%s/volumes/%s/volume.json", root, name);
  autojson json_t *rec = NULL;
  if (file_read_json(AT_FDCWD, recp, &rec, err) < 0)
    return -1;
  if (json_is_true(json_object_get(rec, "Populated")))
    return 0;
  autoclose int dfd = open(data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return err_set(err, errno, "open %s", data);
  if (rootfs && ctr_path && dir_empty(dfd)) {
    autoclose int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
      return err_set(err, errno, "open %s", rootfs);
    autoerr struct td_err *serr = NULL;
    autoclose int sfd = safepath_open(rootfd, ctr_path, O_RDONLY | O_DIRECTORY, 0, &serr);
    if (sfd >= 0) {
      struct stat st;
      if (copy_tree(sfd, dfd, 0, err) < 0)
        return err_prefix(err, "copy %s into volume %s", ctr_path, name);
      if (fstat(sfd, &st) == 0)
        copy_meta(dfd, &st);
    }
  }
  json_object_set_new(rec, "Populated", json_true());
  return file_write_json(AT_FDCWD, recp, rec, 0600, err);
}

int volume_prepare(const char *root, const char *name, const char *container_dir,
                   const char *rootfs, const char *ctr_path, char **data_path, struct td_err **err)
{
  autofree char *n = NULL;
  if (volume_create(root, name, NULL, name == NULL, &n, err) < 0)
    return -1;
  if (volume_use(root, n, container_dir, err) < 0)
    return -1;
  autofree char *data = xasprintf("%s/volumes/%s/_data", root, n);
  autofree char *lockp = xasprintf("%s/volumes/.lock", root);
  int lock = lock_acquire(lockp, err);
  if (lock < 0)
    return -1;
  int rc = populate(root, n, rootfs, ctr_path, data, err);
  lock_release(lock);
  if (rc < 0)
    return -1;
  *data_path = steal_ptr(data);
  return 0;
}
