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
#include "util/treecopy.h"
#include "util/xalloc.h"

/* a volume keeps the image's owners, modes and times; files other than regular files,
 * directories and links are not copied */
static const struct treecopy_opts volume_copy = {.times = true, .owner_soft = true};

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
      if (tree_copy(sfd, dfd, &volume_copy, err) < 0)
        return err_prefix(err, "copy %s into volume %s", ctr_path, name);
      if (fstat(sfd, &st) == 0) {
        (void)!fchown(dfd, st.st_uid, st.st_gid);
        (void)fchmod(dfd, st.st_mode & 07777);
        struct timespec ts[2] = {st.st_atim, st.st_mtim};
        (void)futimens(dfd, ts);
      }
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
  int lock = lock_acquire(lockp, "the volume store", err);
  if (lock < 0)
    return -1;
  int rc = populate(root, n, rootfs, ctr_path, data, err);
  lock_release(lock);
  if (rc < 0)
    return -1;
  *data_path = steal_ptr(data);
  return 0;
}
