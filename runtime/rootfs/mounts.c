/* One spec mount: resolve its destination inside the rootfs, mount, remount, attrs,
 * propagation. */
#include "runtime/rootfs/rootfs_int.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/safepath.h"
#include "util/strv.h"
#include "util/xalloc.h"

#define MS_PROPAGATION (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)
/* the flags a bind remount can change on one mount */
#define MS_PER_MOUNT                                                                               \
  (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME |       \
   MS_STRICTATIME | MS_NOSYMFOLLOW)

/* The files below /proc a container may mount over (lxcfs and friends fake them). */
static const char *const proc_allowed[] = {
    "/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo",
    "/proc/stat",    "/proc/swaps",     "/proc/uptime",
    "/proc/loadavg", "/proc/slabinfo",  "/proc/sys/kernel/ns_last_pid",
};

/* Whether /proc/self/fd was found to be a procfs in the current phase (see below). */
static bool proc_checked;

void rootfs_proc_recheck(void)
{
  proc_checked = false;
}

/* /proc/self/fd/N only names our fd on a real procfs: after the pivot /proc is the
 * container's, and an image without a proc mount could ship a fake /proc/self/fd tree that
 * sends the mount elsewhere (the 2025 runc procfs CVEs).
 * The answer holds for a whole phase (before the pivot; from the pivot on), and the check is
 * made once per phase rather than before each of the ~50 mounts: nothing else runs in the new
 * mount namespace yet, and our own mounts in a phase cannot turn /proc/self/fd into anything
 * else. Before the pivot every target is inside the rootfs (RESOLVE_IN_ROOT), so it is not our
 * /proc; and in either phase check_proc_dest refuses any mount inside a procfs but a few
 * plain files, while the masks and read-only paths only put an empty read-only tmpfs,
 * /dev/null or the same tree over a path. rootfs_prepare, rootfs_pivot and rootfs_finalize
 * call rootfs_proc_recheck at the phase boundaries (and the createContainer hooks, which run
 * between the first two, are followed by the pivot's recheck). */
static int check_proc_is_procfs(struct td_err **err)
{
  if (proc_checked)
    return 0;
  struct statfs sfs;
  if (statfs("/proc/self/fd", &sfs) < 0)
    return err_set(err, errno, "/proc/self/fd");
  if (sfs.f_type != PROC_SUPER_MAGIC)
    return err_set(err, EXDEV, "/proc is not a procfs: cannot mount by fd");
  proc_checked = true;
  return 0;
}

int rootfs_mount_fd(const char *src, int fd, const char *type, unsigned long flags,
                    const char *data, struct td_err **err)
{
  if (check_proc_is_procfs(err) < 0)
    return -1;
  autofree char *target = safepath_fd_path(fd);
  if (mount(src, target, type, flags, data) < 0)
    return err_set(err, errno, "mount %s (%s)", src ? src : "none", type ? type : "bind");
  return 0;
}

static unsigned long statvfs_to_ms(unsigned long f)
{
  unsigned long ms = 0;
  if (f & ST_RDONLY)
    ms |= MS_RDONLY;
  if (f & ST_NOSUID)
    ms |= MS_NOSUID;
  if (f & ST_NODEV)
    ms |= MS_NODEV;
  if (f & ST_NOEXEC)
    ms |= MS_NOEXEC;
  if (f & ST_NOATIME)
    ms |= MS_NOATIME;
  if (f & ST_NODIRATIME)
    ms |= MS_NODIRATIME;
  if (f & ST_RELATIME)
    ms |= MS_RELATIME;
  return ms;
}

int rootfs_remount_bind(int fd, unsigned long flags, struct td_err **err)
{
  if (check_proc_is_procfs(err) < 0)
    return -1;
  autofree char *target = safepath_fd_path(fd);
  unsigned long f = MS_REMOUNT | MS_BIND | (flags & MS_PER_MOUNT);
  if (mount(NULL, target, NULL, f, NULL) == 0)
    return 0;
  if (errno != EPERM)
    return err_set(err, errno, "remount");
  /* in a user namespace the kernel locks nosuid/nodev/noexec/ro/atime of the source: keep them */
  struct statvfs sv;
  if (fstatvfs(fd, &sv) < 0)
    return err_set(err, errno, "statvfs");
  if (mount(NULL, target, NULL, f | statvfs_to_ms(sv.f_flag), NULL) < 0)
    return err_set(err, errno, "remount");
  return 0;
}

int rootfs_setattr(int fd, const struct spec_mount *m, struct td_err **err)
{
  if (m->attr_set == 0 && m->attr_clr == 0)
    return 0;
  struct mount_attr a = {.attr_set = m->attr_set, .attr_clr = m->attr_clr};
  if ((a.attr_set & MOUNT_ATTR__ATIME) != 0)
    a.attr_clr |= MOUNT_ATTR__ATIME;
  unsigned flags = AT_EMPTY_PATH | (m->attr_recursive ? AT_RECURSIVE : 0);
  if (mount_setattr(fd, "", flags, &a, sizeof(a)) < 0)
    return err_set(err, errno, "mount_setattr");
  return 0;
}

/* runc's rule (CVE-2019-16884/19921): nothing may be mounted inside /proc except a few fake
 * files, and /proc itself only gets a procfs. The check runs on the resolved target too, so a
 * symlink to /proc does not get around it. */
static int check_proc_dest(int rootfd, const char *dest, int fd, const struct spec_mount *m,
                           bool bind, struct td_err **err)
{
  /* /proc and /sys themselves must not be symlinks in the rootfs (CVE-2023-28642): resolved
   * in the root, a /proc -> /elsewhere link would get the procfs mounted on its target, and the
   * container's /proc would be the image's link */
  if (strcmp(dest, "/proc") == 0 || strcmp(dest, "/sys") == 0) {
    struct stat lst;
    autoclose int l = safepath_open(rootfd, dest, O_PATH | O_NOFOLLOW, 0, err);
    if (l < 0)
      return -1;
    if (fstat(l, &lst) < 0)
      return err_set(err, errno, "stat %s", dest);
    if (S_ISLNK(lst.st_mode))
      return err_set(err, EINVAL, "mount destination %s is a symlink in the rootfs", dest);
  }
  struct statfs sfs;
  bool target_is_proc = fstatfs(fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
  if (strcmp(dest, "/proc") == 0) {
    if (!bind && m->type && strcmp(m->type, "proc") == 0)
      return 0;
    struct statfs src;
    if (bind && m->source && statfs(m->source, &src) == 0 && src.f_type == PROC_SUPER_MAGIC)
      return 0;
    return err_set(err, EINVAL, "%s cannot be mounted on /proc: only a procfs can", m->source);
  }
  if (!rootfs_path_under(dest, "/proc") && !target_is_proc)
    return 0;
  for (size_t i = 0; i < sizeof(proc_allowed) / sizeof(proc_allowed[0]); i++)
    if (strcmp(dest, proc_allowed[i]) == 0)
      return 0;
  return err_set(err, EINVAL, "%s cannot be mounted because it is inside /proc", dest);
}

/* The mount is on top now: re-resolve the destination to get an fd of the new mount. */
static int finish_mount(int rootfd, const char *dest, const struct spec_mount *m, bool bind,
                        struct td_err **err)
{
  /* most mounts (proc, a tmpfs, devpts, sysfs) need nothing more: spare the re-resolve */
  bool remount = bind && (m->flags & MS_PER_MOUNT);
  if (!remount && m->attr_set == 0 && m->attr_clr == 0 && !m->propagation)
    return 0;
  autoclose int fd = safepath_open(rootfd, dest, O_PATH, 0, err);
  if (fd < 0)
    return -1;
  if (remount && rootfs_remount_bind(fd, m->flags, err) < 0)
    return -1;
  if (rootfs_setattr(fd, m, err) < 0)
    return -1;
  if (m->propagation && rootfs_mount_fd(NULL, fd, NULL, m->propagation, NULL, err) < 0)
    return err_prefix(err, "set propagation");
  return 0;
}

static char *bind_source(const struct spec_mount *m, const struct rootfs_opts *o)
{
  if (m->source[0] == '/' || o->bundle == NULL)
    return xstrdup(m->source);
  return xasprintf("%s/%s", o->bundle, m->source);
}

static int mount_bind(int rootfd, const struct spec *spec, const char *dest, const char *src,
                      const struct spec_mount *m, const struct rootfs_opts *o, struct td_err **err)
{
  struct stat st;
  if (stat(src, &st) < 0)
    return err_set(err, errno, "bind source %s", src);
  autoclose int fd = S_ISDIR(st.st_mode) ? safepath_mkdir_p(rootfd, dest, 0755, err)
                                         : safepath_mkfile_p(rootfd, dest, 0644, err);
  if (fd < 0)
    return -1;
  if (check_proc_dest(rootfd, dest, fd, m, true, err) < 0)
    return -1;
  if (m->idmap) {
    if (rootfs_mount_idmapped(src, fd, spec, m, o, err) < 0)
      return -1;
  } else if (rootfs_mount_fd(src, fd, NULL, MS_BIND | (m->flags & MS_REC), NULL, err) < 0) {
    return -1;
  }
  return finish_mount(rootfd, dest, m, true, err);
}

static bool type_is(const struct spec_mount *m, const char *t)
{
  return m->type && strcmp(m->type, t) == 0;
}

/* A filesystem mount (proc, tmpfs, devpts, mqueue, sysfs, any type by name). */
static int mount_fs(int rootfd, const char *dest, const struct spec_mount *m, struct td_err **err)
{
  autoclose int fd = safepath_mkdir_p(rootfd, dest, 0755, err);
  if (fd < 0)
    return -1;
  if (check_proc_dest(rootfd, dest, fd, m, false, err) < 0)
    return -1;
  unsigned long flags = m->flags & ~(MS_BIND | MS_REC | MS_PROPAGATION);
  const char *src = m->source ? m->source : m->type;
  bool copyup = type_is(m, "tmpfs") && strv_find(m->options, "tmpcopyup") >= 0;
  autoclose int under = -1;
  if (copyup && (under = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
    return err_set(err, errno, "tmpcopyup: open %s", dest);
  /* a read-only tmpfs is filled first, then made read-only; a read-only /dev gets its nodes
   * first and is made read-only by rootfs_finalize */
  bool late_ro = copyup || strcmp(dest, "/dev") == 0;
  if (rootfs_mount_fd(src, fd, m->type, late_ro ? flags & ~(unsigned long)MS_RDONLY : flags,
                      m->data, err) < 0)
    return -1;
  if (copyup) {
    autoclose int top = safepath_open(rootfd, dest, O_RDONLY | O_DIRECTORY, 0, err);
    if (top < 0 || rootfs_copyup(under, top, err) < 0)
      return -1;
    if ((flags & MS_RDONLY) && rootfs_remount_bind(top, flags, err) < 0)
      return -1;
  }
  return finish_mount(rootfd, dest, m, false, err);
}

/* sysfs without a network namespace of its own, or sysfs/mqueue where the kernel refuses a new
 * instance (a user namespace that does not own the net/ipc namespace): the host's, bound
 * recursively, slave so nothing propagates back; sysfs read-only on top unless rw is given. */
static int mount_host_bind(int rootfd, const char *dest, const char *host,
                           const struct spec_mount *m, struct td_err **err)
{
  autoclose int fd = safepath_mkdir_p(rootfd, dest, 0755, err);
  if (fd < 0)
    return -1;
  if (rootfs_mount_fd(host, fd, NULL, MS_BIND | MS_REC, NULL, err) < 0)
    return -1;
  struct spec_mount b = *m;
  b.flags = (m->flags & MS_PER_MOUNT) | MS_NOSUID | MS_NODEV | MS_NOEXEC;
  if (strcmp(host, "/sys") == 0 && !(m->clear_flags & MS_RDONLY))
    b.flags |= MS_RDONLY;
  if (b.propagation == 0)
    b.propagation = MS_SLAVE | MS_REC;
  return finish_mount(rootfd, dest, &b, true, err);
}

int rootfs_mount_one(int rootfd, const struct spec *spec, const struct spec_mount *m,
                     const struct rootfs_opts *o, struct td_err **err)
{
  if (m->destination == NULL || m->destination[0] == '\0')
    return err_set(err, EINVAL, "mount without a destination");
  autofree char *dest = rootfs_clean_path(m->destination);
  int r;
  if (m->idmap && !(m->is_bind || type_is(m, "bind")))
    r = err_set(err, ENOTSUP, "idmapped mounts are supported for bind mounts only");
  else if (m->is_bind || type_is(m, "bind")) {
    if (m->source == NULL)
      return err_set(err, EINVAL, "mount %s: bind mount without a source", dest);
    autofree char *src = bind_source(m, o);
    r = mount_bind(rootfd, spec, dest, src, m, o, err);
  } else if (m->type == NULL)
    r = err_set(err, EINVAL, "no type and no bind option");
  else if (type_is(m, "cgroup") || type_is(m, "cgroup2"))
    r = rootfs_mount_cgroup(rootfd, spec, m, err);
  else if (type_is(m, "sysfs") && !spec->linux_.ns[NS_NET].present)
    r = mount_host_bind(rootfd, dest, "/sys", m, err);
  else {
    r = mount_fs(rootfd, dest, m, err);
    if (r < 0 && (*err)->errnum == EPERM && (type_is(m, "sysfs") || type_is(m, "mqueue"))) {
      err_free(err);
      r = mount_host_bind(rootfd, dest, type_is(m, "sysfs") ? "/sys" : "/dev/mqueue", m, err);
    }
  }
  if (r < 0)
    return err_prefix(err, "mount %s on %s", m->source ? m->source : m->type ? m->type : "?", dest);
  return 0;
}
