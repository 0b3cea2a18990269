/* Project quotas on a container's writable layer: see quota.h. The ids are allocated the way
 * docker's projectquota.go does (above the store dir's own id, above every id in use under the
 * store), plus a counter file so an id freed by `rm` is not handed out again while the trash
 * may still hold its blocks. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/dqblk_xfs.h>
#include <linux/fs.h>
#include <linux/quota.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "image/quota.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/lock.h"
#include "util/xalloc.h"

#ifndef SYS_quotactl_fd
#define SYS_quotactl_fd 443
#endif

static int qctl(int fd, int cmd, uint32_t id, void *addr)
{
  return (int)syscall(SYS_quotactl_fd, (unsigned)fd, (unsigned)QCMD(cmd, PRJQUOTA), id, addr);
}

static int open_dir(const char *dir)
{
  return open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

static uint32_t fd_projid(int fd)
{
  struct fsxattr fa;
  if (ioctl(fd, FS_IOC_FSGETXATTR, &fa) < 0)
    return 0;
  return fa.fsx_projid;
}

uint32_t quota_projid(const char *dir)
{
  autoclose int fd = open_dir(dir);
  return fd < 0 ? 0 : fd_projid(fd);
}

/* docker's setProjectQuota: soft = hard = bytes in 512-byte blocks (0 clears both). */
static int set_limit(int fd, uint32_t projid, uint64_t bytes, struct td_err **err)
{
  struct fs_disk_quota d = {.d_version = FS_DQUOT_VERSION,
                            .d_id = projid,
                            .d_flags = FS_PROJ_QUOTA,
                            .d_fieldmask = FS_DQ_BHARD | FS_DQ_BSOFT,
                            .d_blk_hardlimit = (bytes + 511) / 512,
                            .d_blk_softlimit = (bytes + 511) / 512};
  if (qctl(fd, Q_XSETQLIM, projid, &d) < 0)
    return err_set(err, errno, "failed to set quota limit for projid %" PRIu32, projid);
  return 0;
}

int quota_probe(const char *dir, struct td_err **err)
{
  autoclose int fd = open_dir(dir);
  if (fd < 0)
    return err_set(err, errno, "open %s", dir);
  struct fs_quota_stat st = {.qs_version = FS_QSTAT_VERSION};
  if (qctl(fd, Q_XGETQSTAT, 0, &st) < 0)
    return 0; /* ENOSYS, ENOTTY, ESRCH, EINVAL...: no project quotas here */
  if (!(st.qs_flags & FS_QUOTA_PDQ_ACCT) || !(st.qs_flags & FS_QUOTA_PDQ_ENFD))
    return 0;
  autoerr struct td_err *e = NULL;
  return set_limit(fd, fd_projid(fd) + 1, 0, &e) < 0 ? 0 : 1;
}

static int set_projid(const char *dir, uint32_t projid, struct td_err **err)
{
  autoclose int fd = open_dir(dir);
  struct fsxattr fa;
  if (fd < 0 || ioctl(fd, FS_IOC_FSGETXATTR, &fa) < 0)
    return err_set(err, errno, "get project id of %s", dir);
  fa.fsx_projid = projid;
  fa.fsx_xflags |= FS_XFLAG_PROJINHERIT;
  if (ioctl(fd, FS_IOC_FSSETXATTR, &fa) < 0)
    return err_set(err, errno, "set project id %" PRIu32 " on %s", projid, dir);
  return 0;
}

/* The highest id in use: the counter file and every <store>/<entry>/upper. */
static uint32_t highest_in_use(const char *store_dir)
{
  uint32_t max = 0;
  autofree char *cpath = xasprintf("%s/quota-next", store_dir);
  autofree char *buf = NULL;
  size_t len = 0;
  autoerr struct td_err *e = NULL;
  if (file_read_all(AT_FDCWD, cpath, &buf, &len, &e) == 0)
    max = (uint32_t)strtoul(buf, NULL, 10);
  autoclosedir DIR *d = opendir(store_dir);
  for (struct dirent *de; d && (de = readdir(d));) {
    if (de->d_name[0] == '.')
      continue;
    autofree char *up = xasprintf("%s/%s/upper", store_dir, de->d_name);
    uint32_t id = quota_projid(up);
    if (id > max)
      max = id;
  }
  return max;
}

static int alloc_projid(const char *store_dir, uint32_t *out, struct td_err **err)
{
  uint32_t base = quota_projid(store_dir) + 2; /* base + 1: the probe's test project */
  uint32_t used = highest_in_use(store_dir);
  uint32_t id = used >= base ? used + 1 : base;
  if (id == 0 || id == UINT32_MAX)
    return err_set(err, ENOSPC, "no project id left under %s", store_dir);
  char num[16];
  int n = snprintf(num, sizeof(num), "%" PRIu32 "\n", id);
  autofree char *cpath = xasprintf("%s/quota-next", store_dir);
  if (file_write_atomic(AT_FDCWD, cpath, num, (size_t)n, 0600, err) < 0)
    return -1;
  *out = id;
  return 0;
}

int quota_apply(const char *store_dir, const char *const *dirs, uint64_t bytes, uint32_t *projid,
                struct td_err **err)
{
  autofree char *lpath = xasprintf("%s/quota.lock", store_dir);
  int lk = lock_acquire(lpath, "the project quota ids", err);
  if (lk < 0)
    return -1;
  uint32_t id = 0;
  int rc = alloc_projid(store_dir, &id, err);
  for (size_t i = 0; rc == 0 && dirs[i]; i++) {
    rc = mkdir_p(dirs[i], dirs[i + 1] ? 0755 : 0700, err);
    if (rc == 0)
      rc = set_projid(dirs[i], id, err);
  }
  lock_release(lk); /* the id is on the dirs now: the next scan sees it */
  if (rc < 0)
    return -1;
  autoclose int fd = open_dir(dirs[0]);
  if (fd < 0)
    return err_set(err, errno, "open %s", dirs[0]);
  if (set_limit(fd, id, bytes, err) < 0)
    return -1;
  *projid = id;
  return 0;
}

int quota_release(const char *dir, struct td_err **err)
{
  autoclose int fd = open_dir(dir);
  if (fd < 0)
    return 0;
  uint32_t id = fd_projid(fd);
  if (id == 0)
    return 0;
  return set_limit(fd, id, 0, err);
}

int quota_limit(const char *dir, uint64_t *bytes, struct td_err **err)
{
  *bytes = 0;
  autoclose int fd = open_dir(dir);
  if (fd < 0)
    return err_set(err, errno, "open %s", dir);
  uint32_t id = fd_projid(fd);
  if (id == 0)
    return 0;
  struct fs_disk_quota d = {0};
  if (qctl(fd, Q_XGETQUOTA, id, &d) < 0)
    return errno == ENOENT ? 0 : err_set(err, errno, "get quota of projid %" PRIu32, id);
  *bytes = d.d_blk_hardlimit * 512;
  return 0;
}
