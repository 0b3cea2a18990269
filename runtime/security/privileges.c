/* The order in which a container process gives up its privileges (see security.h). */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/security/security.h"
#include "runtime/security/security_int.h"
#include "util/cleanup.h"
#include "util/rawsys.h"
#include "util/xalloc.h"
#include "util/trace.h"

static const char *const rlimit_names[] = {
    [RLIMIT_CPU] = "RLIMIT_CPU",           [RLIMIT_FSIZE] = "RLIMIT_FSIZE",
    [RLIMIT_DATA] = "RLIMIT_DATA",         [RLIMIT_STACK] = "RLIMIT_STACK",
    [RLIMIT_CORE] = "RLIMIT_CORE",         [RLIMIT_RSS] = "RLIMIT_RSS",
    [RLIMIT_NPROC] = "RLIMIT_NPROC",       [RLIMIT_NOFILE] = "RLIMIT_NOFILE",
    [RLIMIT_MEMLOCK] = "RLIMIT_MEMLOCK",   [RLIMIT_AS] = "RLIMIT_AS",
    [RLIMIT_LOCKS] = "RLIMIT_LOCKS",       [RLIMIT_SIGPENDING] = "RLIMIT_SIGPENDING",
    [RLIMIT_MSGQUEUE] = "RLIMIT_MSGQUEUE", [RLIMIT_NICE] = "RLIMIT_NICE",
    [RLIMIT_RTPRIO] = "RLIMIT_RTPRIO",     [RLIMIT_RTTIME] = "RLIMIT_RTTIME",
};

const char *security_rlimit_name(int resource)
{
  if (resource < 0 || (size_t)resource >= sizeof(rlimit_names) / sizeof(rlimit_names[0]) ||
      !rlimit_names[resource])
    return "RLIMIT_?";
  return rlimit_names[resource];
}

static int apply_rlimits(const struct spec_process *p, struct td_err **err)
{
  for (size_t i = 0; i < p->n_rlimits; i++) {
    const struct spec_rlimit *r = &p->rlimits[i];
    struct rlimit rl = {.rlim_cur = r->soft, .rlim_max = r->hard};
    if (setrlimit((__rlimit_resource_t)r->resource, &rl) < 0)
      return err_set(err, errno, "setrlimit %s soft %llu hard %llu%s",
                     security_rlimit_name(r->resource), (unsigned long long)r->soft,
                     (unsigned long long)r->hard,
                     errno == EPERM ? " (above the hard limit needs CAP_SYS_RESOURCE)" : "");
  }
  return 0;
}

static int apply_ioprio(const struct spec_process *p, struct td_err **err)
{
  if (!p->has_io_priority)
    return 0;
  /* IOPRIO_PRIO_VALUE(class, data) with IOPRIO_WHO_PROCESS == 1, who 0 = this process */
  int prio = (p->io_priority_class << 13) | (p->io_priority & 0x1fff);
  if (syscall(SYS_ioprio_set, 1, 0, prio) < 0)
    return err_set(err, errno, "ioprio_set class %d priority %d", p->io_priority_class,
                   p->io_priority);
  return 0;
}

/* Write an LSM attribute for the next execve; the fd must land on a real procfs file. */
static int write_proc_attr(const char *path, const char *val, struct td_err **err)
{
  autoclose int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return err_set(err, errno, "open %s", path);
  struct statfs sfs;
  if (fstatfs(fd, &sfs) < 0)
    return err_set(err, errno, "statfs %s", path);
  if (sfs.f_type != PROC_SUPER_MAGIC)
    return err_set(err, EPERM, "%s is not on procfs", path);
  size_t len = strlen(val);
  if (RETRY_EINTR(write(fd, val, len)) != (ssize_t)len)
    return err_set(err, errno ? errno : EIO, "write %s", path);
  return 0;
}

static int apply_lsm(const struct spec_process *p, struct td_err **err)
{
  if (p->apparmor_profile && *p->apparmor_profile) {
    autofree char *v = xasprintf("exec %s", p->apparmor_profile);
    const char *path = "/proc/self/attr/apparmor/exec"; /* kernels >= 5.8 */
    if (access(path, F_OK) < 0)
      path = "/proc/self/attr/exec";
    if (write_proc_attr(path, v, err) < 0)
      return err_prefix(err, "apply AppArmor profile %s", p->apparmor_profile);
  }
  if (p->selinux_label && *p->selinux_label) {
    if (write_proc_attr("/proc/self/attr/exec", p->selinux_label, err) < 0)
      return err_prefix(err, "apply SELinux label %s", p->selinux_label);
  }
  return 0;
}

/* In a user namespace where setgroups is denied (rootless), an empty list is what we
 * already have; a non-empty one cannot be set. */
static bool setgroups_denied(void)
{
  char buf[16] = {0};
  autoclose int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  if (read(fd, buf, sizeof(buf) - 1) <= 0)
    return false;
  return strncmp(buf, "deny", 4) == 0;
}

static int apply_user(const struct spec_process *p, struct td_err **err)
{
  const struct spec_user *u = &p->user;
  if (setgroups(u->n_additional_gids, u->additional_gids) < 0 &&
      !(errno == EPERM && u->n_additional_gids == 0 && setgroups_denied()))
    return err_set(err, errno, "setgroups (%zu additional gids)", u->n_additional_gids);
  if (setresgid(u->gid, u->gid, u->gid) < 0)
    return err_set(err, errno, "setresgid %u", u->gid);
  if (u->uid == 0)
    return setresuid(0, 0, 0) < 0 ? err_set(err, errno, "setresuid 0") : 0;
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return err_set(err, errno, "prctl PR_SET_KEEPCAPS");
  if (setresuid(u->uid, u->uid, u->uid) < 0)
    return err_set(err, errno, "setresuid %u", u->uid);
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    return err_set(err, errno, "prctl PR_SET_KEEPCAPS");
  return 0;
}

/* Loading a filter without no_new_privs needs CAP_SYS_ADMIN in the effective set. Rather
 * than load it before the user switch (then every syscall until execve must pass it: the
 * fifo wait, closing fds), hold CAP_SYS_ADMIN in effective+permitted until security_final
 * has loaded it; it is never in the bounding set, so no execve can carry it over. */
static bool hold_admin(const struct spec_process *p, const struct spec_caps *caps,
                       struct security_seccomp *f, uint64_t avail)
{
  const uint64_t admin = UINT64_C(1) << CAP_SYS_ADMIN;
  if (!f || f->loaded || p->no_new_privileges || (caps->effective & admin) || !(avail & admin))
    return false;
  f->restore_caps = true;
  f->final_eff = caps->effective & avail;
  f->final_prm = caps->permitted & avail;
  f->final_inh = caps->inheritable & avail;
  return true;
}

/* No capabilities object means no capabilities at all, as runc does. */
static int drop_user_and_caps(const struct spec_process *p, struct security_seccomp *f,
                              struct td_err **err)
{
  static const struct spec_caps none = {.present = true};
  struct spec_caps caps = p->caps.present ? p->caps : none;
  uint64_t avail = security_caps_available();
  if (security_caps_drop_bounding(&caps, err) < 0)
    return -1;
  if (apply_user(p, err) < 0)
    return -1;
  if (hold_admin(p, &caps, f, avail)) {
    caps.effective |= UINT64_C(1) << CAP_SYS_ADMIN;
    caps.permitted |= UINT64_C(1) << CAP_SYS_ADMIN;
  }
  return security_caps_apply(&caps, avail, p->user.uid != 0, err);
}

int security_drop_privileges(const struct spec *spec, struct security_seccomp *f, int *listener_fd,
                             struct td_err **err)
{
  *listener_fd = -1;
  const struct spec_process *p = spec->process;
  if (!p)
    return 0;
  if (apply_rlimits(p, err) < 0)
    return -1;
  if (spec->linux_.has_personality && personality(spec->linux_.personality) < 0)
    return err_set(err, errno, "personality %#lx", spec->linux_.personality);
  if (apply_ioprio(p, err) < 0 || apply_lsm(p, err) < 0)
    return -1;
  if (drop_user_and_caps(p, f, err) < 0)
    return -1;
  umask(p->user.has_umask ? (mode_t)p->user.umask : 022);
  return 0;
}

int security_final(const struct spec *spec, struct security_seccomp *f, int *listener_fd,
                   struct td_err **err)
{
  const struct spec_process *p = spec->process;
  const char *what = NULL;
  int r = security_final_noalloc(p && p->no_new_privileges, f, listener_fd, &what);
  if (r >= 0)
    return 0;
  if (what == security_load_step)
    return security_seccomp_load_error(f, -r, err);
  return err_set(err, -r, "%s", what);
}

int security_set_oom_score_adj(pid_t pid, int adj, struct td_err **err)
{
  char path[64], val[16];
  if (pid == 0)
    snprintf(path, sizeof(path), "/proc/self/oom_score_adj");
  else
    snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)pid);
  int n = snprintf(val, sizeof(val), "%d", adj);
  autoclose int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return err_set(err, errno, "open %s", path);
  if (RETRY_EINTR(write(fd, val, (size_t)n)) != n)
    return err_set(err, errno ? errno : EIO, "set oom_score_adj %d", adj);
  return 0;
}

int security_check_lsm(const struct spec_process *p, struct td_err **err)
{
  if (!p)
    return 0;
  if (p->apparmor_profile && *p->apparmor_profile &&
      access("/sys/kernel/security/apparmor", F_OK) < 0)
    return err_set(err, 0, "apparmor profile %s requested but AppArmor is not enabled on this host",
                   p->apparmor_profile);
  if (p->selinux_label && *p->selinux_label && access("/sys/fs/selinux/enforce", F_OK) < 0)
    return err_set(err, 0, "SELinux label %s requested but SELinux is not enabled on this host",
                   p->selinux_label);
  return 0;
}
