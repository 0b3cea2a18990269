/* linux.sysctl, written through a procfs we can trust: a fresh, detached procfs instance
 * (fsopen/fsmount), so nothing the container image or its mounts put over /proc can redirect
 * the write (the 2025 runc procfs CVEs); every opened file is checked to be on procfs. */
#include "runtime/rootfs/rootfs_int.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"

static bool on_procfs(int fd)
{
  struct statfs sfs;
  return fstatfs(fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
}

/* A private procfs: a new instance if the kernel allows, else a non-recursive clone of /proc
 * (which drops whatever is mounted below it), else /proc itself. */
int rootfs_open_procfs(struct td_err **err)
{
  int fd = -1;
  autoclose int fsfd = fsopen("proc", FSOPEN_CLOEXEC);
  if (fsfd >= 0 && fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
    fd = fsmount(fsfd, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
  if (fd < 0)
    fd = open_tree(AT_FDCWD, "/proc", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (fd < 0)
    fd = open("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return err_set(err, errno, "open procfs");
  if (!on_procfs(fd)) {
    close(fd);
    return err_set(err, EXDEV, "/proc is not a procfs");
  }
  return fd;
}

static int open_beneath(int procfd, const char *rel)
{
  struct open_how how = {.flags = O_WRONLY | O_CLOEXEC | O_NOFOLLOW,
                         .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
                                    RESOLVE_NO_XDEV};
  int fd = (int)syscall(SYS_openat2, procfd, rel, &how, sizeof(how));
  if (fd < 0 && errno == ENOSYS)
    fd = openat(procfd, rel, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  return fd;
}

static int write_one(int procfd, const char *key, const char *value, struct td_err **err)
{
  /* spec_validate refused such a key already; this is the last line before the write */
  autofree char *rel = spec_sysctl_path(key);
  if (rel == NULL)
    return err_set(err, EINVAL, "sysctl %s: invalid key", key);
  autoclose int fd = open_beneath(procfd, rel);
  if (fd < 0)
    return err_set(err, errno, "sysctl %s: open /proc/%s", key, rel);
  if (!on_procfs(fd))
    return err_set(err, EXDEV, "sysctl %s: /proc/%s is not on procfs", key, rel);
  if (write_all(fd, value, strlen(value)) < 0)
    return err_set(err, errno, "sysctl %s=%s", key, value);
  return 0;
}

int rootfs_apply_sysctl(const struct spec *spec, struct td_err **err)
{
  if (spec->linux_.n_sysctl == 0)
    return 0;
  autoclose int procfd = rootfs_open_procfs(err);
  if (procfd < 0)
    return err_prefix(err, "sysctl");
  for (size_t i = 0; i < spec->linux_.n_sysctl; i++)
    if (write_one(procfd, spec->linux_.sysctl[i].key, spec->linux_.sysctl[i].value, err) < 0)
      return -1;
  return 0;
}
