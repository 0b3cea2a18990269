/* /dev: the standard nodes, linux.devices and the usual symlinks. Device nodes are made with
 * mknod; in a user namespace (where mknod is refused) the host's node is bound instead. */
#include "runtime/rootfs/rootfs_int.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/safepath.h"
#include "util/xalloc.h"

static const struct spec_device std_devices[] = {
    {.type = 'c', .path = "/dev/null", .major = 1, .minor = 3},
    {.type = 'c', .path = "/dev/zero", .major = 1, .minor = 5},
    {.type = 'c', .path = "/dev/full", .major = 1, .minor = 7},
    {.type = 'c', .path = "/dev/random", .major = 1, .minor = 8},
    {.type = 'c', .path = "/dev/urandom", .major = 1, .minor = 9},
    {.type = 'c', .path = "/dev/tty", .major = 5, .minor = 0},
};

bool rootfs_dev_is_bind(const struct spec *spec)
{
  for (size_t i = 0; i < spec->n_mounts; i++) {
    const struct spec_mount *m = &spec->mounts[i];
    if (m->destination == NULL)
      continue;
    autofree char *d = rootfs_clean_path(m->destination);
    if (strcmp(d, "/dev") == 0 && (m->is_bind || (m->type && strcmp(m->type, "bind") == 0)))
      return true;
  }
  return false;
}

static mode_t dev_type_bits(char t)
{
  switch (t) {
  case 'b':
    return S_IFBLK;
  case 'p':
    return S_IFIFO;
  default:
    return S_IFCHR; /* 'c' and 'u' (unbuffered character) */
  }
}

/* In a user namespace: an empty file with the host's node bound over it. */
static int bind_device(int rootfd, const char *path, struct td_err **err)
{
  autoclose int fd = safepath_mkfile_p(rootfd, path, 0000, err);
  if (fd < 0)
    return -1;
  return rootfs_mount_fd(path, fd, NULL, MS_BIND, NULL, err);
}

/* The directory the last node went into: the standard nodes all go into /dev, so it is
 * resolved once rather than once per node. */
struct dev_parent {
  char *path;
  int fd;
};

static int parent_fd(int rootfd, struct dev_parent *p, const char *parent, struct td_err **err)
{
  if (p->path && strcmp(p->path, parent) == 0)
    return p->fd;
  if (p->fd >= 0)
    close(p->fd);
  free(p->path);
  p->path = NULL;
  p->fd = safepath_mkdir_p(rootfd, parent, 0755, err);
  if (p->fd >= 0)
    p->path = xstrdup(parent);
  return p->fd;
}

/* Called with the umask at 0 (rootfs_setup_dev sets it once for all nodes). */
static int make_device(int rootfd, struct dev_parent *dp, const struct spec_device *d,
                       bool in_userns, struct td_err **err)
{
  autofree char *path = rootfs_clean_path(d->path);
  if (strcmp(path, "/") == 0)
    return err_set(err, EINVAL, "device path %s", d->path);
  if (in_userns)
    return bind_device(rootfd, path, err);
  char *slash = strrchr(path, '/');
  autofree char *parent = slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
  int pfd = parent_fd(rootfd, dp, parent, err);
  if (pfd < 0)
    return -1;
  mode_t perm = d->has_file_mode ? (d->file_mode & 07777) : 0666;
  dev_t dev = d->type == 'p' ? 0 : makedev((unsigned)d->major, (unsigned)d->minor);
  int r = mknodat(pfd, slash + 1, dev_type_bits(d->type) | perm, dev);
  int saved = errno;
  if (r < 0 && saved == EEXIST)
    return 0; /* as runc: what is there stays */
  if (r < 0 && saved == EPERM)
    return bind_device(rootfd, path, err);
  if (r < 0)
    return err_set(err, saved, "mknod %s", path);
  uid_t uid = d->has_uid ? d->uid : 0;
  gid_t gid = d->has_gid ? d->gid : 0;
  if (fchownat(pfd, slash + 1, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
    return err_set(err, errno, "chown %s", path);
  return 0;
}

static bool spec_has_device(const struct spec *spec, const char *path)
{
  for (size_t i = 0; i < spec->linux_.n_devices; i++) {
    autofree char *p = rootfs_clean_path(spec->linux_.devices[i].path);
    if (strcmp(p, path) == 0)
      return true;
  }
  return false;
}

static int dev_links(int rootfd, struct td_err **err)
{
  static const char *const links[][2] = {
      {"/proc/self/fd", "fd"},
      {"/proc/self/fd/0", "stdin"},
      {"/proc/self/fd/1", "stdout"},
      {"/proc/self/fd/2", "stderr"},
  };
  autoclose int dfd = safepath_open(rootfd, "/dev", O_PATH | O_DIRECTORY, 0, err);
  if (dfd < 0)
    return -1;
  for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
    if (symlinkat(links[i][0], dfd, links[i][1]) < 0 && errno != EEXIST)
      return err_set(err, errno, "symlink /dev/%s", links[i][1]);
  if (access("/proc/kcore", F_OK) == 0 && symlinkat("/proc/kcore", dfd, "core") < 0 &&
      errno != EEXIST)
    return err_set(err, errno, "symlink /dev/core");
  /* the pts instance's own ptmx, not a host-wide one */
  if (unlinkat(dfd, "ptmx", 0) < 0 && errno != ENOENT)
    return err_set(err, errno, "remove /dev/ptmx");
  if (symlinkat("pts/ptmx", dfd, "ptmx") < 0)
    return err_set(err, errno, "symlink /dev/ptmx");
  return 0;
}

static int make_devices(int rootfd, const struct spec *spec, const struct rootfs_opts *o,
                        struct td_err **err)
{
  struct dev_parent dp = {NULL, -1};
  int r = 0;
  for (size_t i = 0; r == 0 && i < sizeof(std_devices) / sizeof(std_devices[0]); i++) {
    if (spec_has_device(spec, std_devices[i].path))
      continue;
    if ((r = make_device(rootfd, &dp, &std_devices[i], o->in_userns, err)) < 0)
      err_prefix(err, "create device %s", std_devices[i].path);
  }
  for (size_t i = 0; r == 0 && i < spec->linux_.n_devices; i++) {
    const struct spec_device *d = &spec->linux_.devices[i];
    if ((r = make_device(rootfd, &dp, d, o->in_userns, err)) < 0)
      err_prefix(err, "create device %s", d->path);
  }
  if (dp.fd >= 0)
    close(dp.fd);
  free(dp.path);
  return r;
}

int rootfs_setup_dev(int rootfd, const struct spec *spec, const struct rootfs_opts *o,
                     struct td_err **err)
{
  if (rootfs_dev_is_bind(spec))
    return 0;
  /* the modes are the spec's, not cut by the umask: set it aside once for all the nodes */
  mode_t old = umask(0);
  int r = make_devices(rootfd, spec, o, err);
  umask(old);
  if (r < 0)
    return -1;
  if (dev_links(rootfd, err) < 0)
    return err_prefix(err, "/dev links");
  return 0;
}

int rootfs_bind_console(const char *slave_path, struct td_err **err)
{
  autoclose int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return err_set(err, errno, "open /");
  /* the slave must be a pty of a devpts (CVE-2025-52565: a redirected console bind) */
  autoclose int sfd = safepath_open(rootfd, slave_path, O_PATH | O_NOFOLLOW, 0, err);
  if (sfd < 0)
    return err_prefix(err, "console");
  struct stat st;
  struct statfs sfs;
  if (fstat(sfd, &st) < 0 || fstatfs(sfd, &sfs) < 0)
    return err_set(err, errno, "console: stat %s", slave_path);
  if (!S_ISCHR(st.st_mode) || sfs.f_type != DEVPTS_SUPER_MAGIC)
    return err_set(err, EPERM, "console: %s is not a pty on a devpts", slave_path);
  /* the target is the image's /dev/console itself, never what a symlink there names (the
   * other half of CVE-2025-52565: the pty bound over a procfs file): created if missing, then
   * opened without following a symlink, and checked to be a plain file or a device node that
   * is not on procfs or sysfs */
  autoclose int fd = safepath_open(rootfd, "/dev/console", O_PATH | O_NOFOLLOW, 0, NULL);
  if (fd < 0) {
    autoclose int made = safepath_mkfile_p(rootfd, "/dev/console", 0666, err);
    if (made < 0)
      return err_prefix(err, "console");
    fd = safepath_open(rootfd, "/dev/console", O_PATH | O_NOFOLLOW, 0, err);
    if (fd < 0)
      return err_prefix(err, "console");
  }
  struct stat tst;
  struct statfs tfs;
  if (fstat(fd, &tst) < 0 || fstatfs(fd, &tfs) < 0)
    return err_set(err, errno, "console: stat /dev/console");
  if ((!S_ISREG(tst.st_mode) && !S_ISCHR(tst.st_mode)) || tfs.f_type == PROC_SUPER_MAGIC ||
      tfs.f_type == SYSFS_MAGIC)
    return err_set(err, EPERM, "console: /dev/console in the container is not a file or a device");
  autofree char *src = safepath_fd_path(sfd);
  if (rootfs_mount_fd(src, fd, NULL, MS_BIND, NULL, err) < 0)
    return err_prefix(err, "bind %s on /dev/console", slave_path);
  return 0;
}
