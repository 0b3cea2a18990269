/* cp's checks and steps on one entry by its fd, which its tree copy (cp.c) and its tar streams
 * (cp_tar.c, cp_untar.c) share: a regular file's data reopened from its pinned fd, room made for
 * a new entry, and the kernel filesystems cp never touches. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "engine/ops/ops.h"

/* A regular file's data, opened from its pinned O_PATH fd (no second lookup by name). */
int cp_reopen_file(int pathfd)
{
  char p[64];
  snprintf(p, sizeof(p), "/proc/self/fd/%d", pathfd);
  return open(p, O_RDONLY | O_NOCTTY | O_CLOEXEC);
}

/* Make room for a new entry dfd/name: a directory stays when a directory is wanted (1),
 * anything else is removed (0). */
int cp_make_room(int dfd, const char *name, bool want_dir, struct td_err **err)
{
  struct stat st;
  if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT ? 0 : err_set(err, errno, "stat %s", name);
  if (S_ISDIR(st.st_mode)) {
    if (want_dir)
      return 1;
    return err_set(err, EISDIR, "cannot overwrite directory %s with non-directory", name);
  }
  if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
    return err_set(err, errno, "remove %s", name);
  return 0;
}

#ifndef MQUEUE_MAGIC
#define MQUEUE_MAGIC 0x19800202
#endif

/* Whether fd lies on a kernel filesystem (proc, sysfs, cgroup, ...), which a running
 * container's root reaches through its mounts: cp neither reads nor writes those (docker's
 * cp never sees them), so a link planted in the container cannot aim a copy at /proc files. */
bool cp_kernel_fs(int fd)
{
  struct statfs sf;
  if (fstatfs(fd, &sf) < 0)
    return true;
  switch ((unsigned long)sf.f_type) {
  case PROC_SUPER_MAGIC:
  case SYSFS_MAGIC:
  case CGROUP_SUPER_MAGIC:
  case CGROUP2_SUPER_MAGIC:
  case DEVPTS_SUPER_MAGIC:
  case MQUEUE_MAGIC:
  case DEBUGFS_MAGIC:
  case TRACEFS_MAGIC:
  case SECURITYFS_MAGIC:
  case BPF_FS_MAGIC:
  case SELINUX_MAGIC:
  case SMACK_MAGIC:
  case EFIVARFS_MAGIC:
  case PSTOREFS_MAGIC:
  case BINFMTFS_MAGIC:
    return true;
  default:
    return false;
  }
}
