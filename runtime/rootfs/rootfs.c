/* The order the kernel sees: propagation, self-bind, spec mounts, /dev, pivot_root, then the
 * masks and read-only remounts on the final tree. */
#include "runtime/rootfs/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/rootfs/rootfs_int.h"
#include "util/cleanup.h"
#include "util/safepath.h"
#include "util/xalloc.h"

#define MS_PROPAGATION (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)

static char *root_path(const struct rootfs_opts *o)
{
  if (o->rootfs[0] == '/' || o->bundle == NULL)
    return xstrdup(o->rootfs);
  return xasprintf("%s/%s", o->bundle, o->rootfs);
}

/* pivot_root refuses a shared parent mount of the new root, and an unbindable one cannot be
 * bound onto itself: make the mount holding the rootfs private (in our namespace only) when
 * rootfsPropagation made it so. */
static int parent_mount_private(const char *rootfs, struct td_err **err)
{
  autofree char *real = realpath(rootfs, NULL);
  if (real == NULL)
    return err_set(err, errno, "rootfs %s", rootfs);
  struct mountinfo *mi = NULL;
  size_t n = 0;
  if (mountinfo_read(&mi, &n, err) < 0)
    return -1;
  const struct mountinfo *best = NULL;
  for (size_t i = 0; i < n; i++)
    if (rootfs_path_under(real, mi[i].mountpoint) &&
        (best == NULL || strlen(mi[i].mountpoint) >= strlen(best->mountpoint)))
      best = &mi[i];
  int r = 0;
  if (best && (best->shared || best->unbindable) &&
      mount(NULL, best->mountpoint, NULL, MS_PRIVATE, NULL) < 0)
    r = err_set(err, errno, "make %s private", best->mountpoint);
  mountinfo_free(mi, n);
  return r;
}

static int check_mount_label(const struct spec *spec, struct td_err **err)
{
  const char *label = spec->linux_.mount_label;
  if (label == NULL || label[0] == '\0')
    return 0;
  if (access("/sys/fs/selinux/enforce", F_OK) < 0)
    return err_set(err, ENOTSUP, "linux.mountLabel %s: SELinux is not enabled on this host", label);
  return err_set(err, ENOTSUP, "linux.mountLabel %s: SELinux mount labels are not supported",
                 label);
}

/* runtime-spec: masked and read-only paths are absolute paths in the container */
static int check_paths(char **v, const char *what, struct td_err **err)
{
  for (size_t i = 0; v && v[i]; i++)
    if (v[i][0] != '/')
      return err_set(err, EINVAL, "linux.%s[%zu]: \"%s\" is not an absolute path", what, i, v[i]);
  return 0;
}

int rootfs_prepare(const struct spec *spec, const struct rootfs_opts *o, struct td_err **err)
{
  if (check_mount_label(spec, err) < 0 ||
      check_paths(spec->linux_.masked_paths, "maskedPaths", err) < 0 ||
      check_paths(spec->linux_.readonly_paths, "readonlyPaths", err) < 0)
    return -1;
  rootfs_proc_recheck();
  autofree char *rootfs = root_path(o);
  unsigned long prop = spec->linux_.rootfs_propagation;
  if (prop == 0)
    prop = MS_SLAVE | MS_REC;
  /* unbindable is private that cannot be bound: an unbindable copy of the host's mounts would
   * refuse every bind source, so the tree stays private until rootfs_finalize */
  if (prop & MS_UNBINDABLE)
    prop = MS_PRIVATE | (prop & MS_REC);
  if (mount(NULL, "/", NULL, prop, NULL) < 0)
    return err_set(err, errno, "set propagation of /");
  /* after a recursive slave/private nothing is shared: spare the mountinfo read */
  bool maybe_shared = (prop & (MS_SHARED | MS_UNBINDABLE)) || !(prop & MS_REC);
  if (maybe_shared && parent_mount_private(rootfs, err) < 0)
    return -1;
  if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
    return err_set(err, errno, "bind rootfs %s onto itself", rootfs);
  autoclose int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return err_set(err, errno, "open rootfs %s", rootfs);
  for (size_t i = 0; i < spec->n_mounts; i++)
    if (rootfs_mount_one(rootfd, spec, &spec->mounts[i], o, err) < 0)
      return -1;
  return rootfs_setup_dev(rootfd, spec, o, err);
}

/* --no-pivot: detach the host mounts outside the rootfs so the container does not pin them,
 * then move the rootfs over / and chroot into it. */
static int move_root(const char *rootfs, struct td_err **err)
{
  autofree char *real = realpath(rootfs, NULL);
  if (real == NULL)
    return err_set(err, errno, "rootfs %s", rootfs);
  struct mountinfo *mi = NULL;
  size_t n = 0;
  if (mountinfo_read(&mi, &n, err) < 0)
    return -1;
  for (size_t i = n; i-- > 0;) {
    const char *mp = mi[i].mountpoint;
    if (rootfs_path_under(mp, real) || rootfs_path_under(real, mp))
      continue;
    /* slave first: the unmount must never propagate to the host */
    if (mount(NULL, mp, NULL, MS_SLAVE | MS_REC, NULL) == 0)
      umount2(mp, MNT_DETACH);
  }
  mountinfo_free(mi, n);
  if (chdir(real) < 0)
    return err_set(err, errno, "chdir %s", real);
  if (mount(real, "/", NULL, MS_MOVE, NULL) < 0)
    return err_set(err, errno, "move %s to /", real);
  if (chroot(".") < 0)
    return err_set(err, errno, "chroot");
  if (chdir("/") < 0)
    return err_set(err, errno, "chdir /");
  return 0;
}

int rootfs_pivot(const struct rootfs_opts *o, struct td_err **err)
{
  rootfs_proc_recheck(); /* from here on /proc is the container's */
  autofree char *rootfs = root_path(o);
  if (o->no_pivot)
    return move_root(rootfs, err);
  autoclose int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (oldroot < 0)
    return err_set(err, errno, "open /");
  autoclose int newroot = open(rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (newroot < 0)
    return err_set(err, errno, "open rootfs %s", rootfs);
  if (fchdir(newroot) < 0)
    return err_set(err, errno, "chdir %s", rootfs);
  /* pivot_root(".", "."): the old root ends up stacked under the new one, no put_old dir */
  if (syscall(SYS_pivot_root, ".", ".") < 0)
    return err_set(err, errno, "pivot_root %s", rootfs);
  if (fchdir(oldroot) < 0)
    return err_set(err, errno, "chdir to the old root");
  if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
    return err_set(err, errno, "make the old root rslave");
  if (umount2(".", MNT_DETACH) < 0)
    return err_set(err, errno, "detach the old root");
  if (chdir("/") < 0)
    return err_set(err, errno, "chdir /");
  return 0;
}

static unsigned long keep_flags(int fd)
{
  struct statvfs sv;
  unsigned long ms = 0;
  if (fstatvfs(fd, &sv) < 0)
    return 0;
  if (sv.f_flag & ST_NOSUID)
    ms |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV)
    ms |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC)
    ms |= MS_NOEXEC;
  return ms;
}

static int readonly_path(int rootfd, const char *path, struct td_err **err)
{
  autoclose int fd = safepath_open(rootfd, path, O_PATH, 0, NULL);
  if (fd < 0 && errno == ENOENT)
    return 0;
  if (fd < 0)
    return err_set(err, errno, "readonly path %s", path);
  autofree char *self = safepath_fd_path(fd);
  if (rootfs_mount_fd(self, fd, NULL, MS_BIND | MS_REC, NULL, err) < 0)
    return err_prefix(err, "readonly path %s", path);
  autoclose int top = safepath_open(rootfd, path, O_PATH, 0, err);
  if (top < 0)
    return -1;
  if (rootfs_remount_bind(top, MS_RDONLY | keep_flags(top), err) < 0)
    return err_prefix(err, "readonly path %s", path);
  return 0;
}

/* The container's /dev/null, checked to be the real node (CVE-2025-31133: a /dev/null
 * replaced by a symlink would turn the mask into a bind of whatever it points to). */
static int open_dev_null(int rootfd, struct td_err **err)
{
  autoclose int fd = safepath_open(rootfd, "/dev/null", O_PATH | O_NOFOLLOW, 0, err);
  if (fd < 0)
    return -1;
  struct stat st;
  if (fstat(fd, &st) < 0)
    return err_set(err, errno, "stat /dev/null");
  if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
    return err_set(err, EPERM, "/dev/null in the container is not the null device");
  return steal_fd(fd);
}

static int mask_path(int rootfd, int *nullfd, const char *path, struct td_err **err)
{
  autoclose int fd = safepath_open(rootfd, path, O_PATH, 0, NULL);
  if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
    return 0;
  if (fd < 0)
    return err_set(err, errno, "masked path %s", path);
  struct stat st;
  if (fstat(fd, &st) < 0)
    return err_set(err, errno, "stat %s", path);
  int r;
  if (S_ISDIR(st.st_mode))
    r = rootfs_mount_fd("tmpfs", fd, "tmpfs", MS_RDONLY, NULL, err);
  else {
    if (*nullfd < 0 && (*nullfd = open_dev_null(rootfd, err)) < 0)
      return err_prefix(err, "mask %s", path);
    autofree char *src = safepath_fd_path(*nullfd);
    r = rootfs_mount_fd(src, fd, NULL, MS_BIND, NULL, err);
  }
  if (r < 0)
    return err_prefix(err, "mask %s", path);
  return 0;
}

/* A read-only /dev (or any read-only mount of a filesystem we wrote into after mounting it). */
static int late_readonly(int rootfd, const struct spec *spec, struct td_err **err)
{
  for (size_t i = 0; i < spec->n_mounts; i++) {
    const struct spec_mount *m = &spec->mounts[i];
    if (m->destination == NULL || m->is_bind || !(m->flags & MS_RDONLY))
      continue;
    autofree char *d = rootfs_clean_path(m->destination);
    if (strcmp(d, "/dev") != 0)
      continue;
    autoclose int fd = safepath_open(rootfd, d, O_PATH, 0, err);
    if (fd < 0 || rootfs_remount_bind(fd, MS_RDONLY | keep_flags(fd), err) < 0)
      return err_prefix(err, "remount /dev read-only");
  }
  return 0;
}

int rootfs_finalize(const struct spec *spec, const struct rootfs_opts *o, struct td_err **err)
{
  (void)o;
  rootfs_proc_recheck(); /* setup_stdio ran meanwhile */
  autoclose int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return err_set(err, errno, "open /");
  for (char **p = spec->linux_.readonly_paths; p && *p; p++)
    if (readonly_path(rootfd, *p, err) < 0)
      return -1;
  autoclose int nullfd = -1;
  for (char **p = spec->linux_.masked_paths; p && *p; p++)
    if (mask_path(rootfd, &nullfd, *p, err) < 0)
      return -1;
  if (late_readonly(rootfd, spec, err) < 0)
    return -1;
  if (spec->root_readonly &&
      mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | keep_flags(rootfd), NULL) < 0)
    return err_set(err, errno, "remount / read-only");
  /* last: on the old root a shared propagation would have reached the host, and an
   * unbindable tree would refuse the binds of readonlyPaths and maskedPaths above */
  unsigned long prop = spec->linux_.rootfs_propagation & (MS_PROPAGATION | MS_REC);
  if (prop && mount(NULL, "/", NULL, prop, NULL) < 0)
    return err_set(err, errno, "set propagation of the container's /");
  return 0;
}
