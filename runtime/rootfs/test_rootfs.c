/* rootfs, end to end as root: a child in its own mount/pid/net namespaces runs
 * rootfs_prepare/pivot/finalize/sysctl on a temporary rootfs and checks what it sees; the
 * parent then checks the host side (nothing escaped, nothing leaked). Skips unless root. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

/* not in linux/magic.h */
#define MQUEUE_MAGIC 0x19800202

#include "runtime/rootfs/rootfs.h"
#include "tests/tap.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"
#include "runtime/rootfs/test_rootfs.h"

static void check_dev(void)
{
  const char *want[] = {"null", "zero", "full",   "random", "urandom", "tty",
                        "fuse", "fd",   "stdin",  "stdout", "stderr",  "ptmx",
                        "pts",  "shm",  "mqueue", "core",   "console"};
  autoclosedir DIR *d = opendir("/dev");
  int extra = 0;
  struct dirent *de;
  while (d && (de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.')
      continue;
    bool known = false;
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
      known |= strcmp(want[i], de->d_name) == 0;
    if (!known) {
      extra++;
      check(false, "unexpected /dev/%s", de->d_name);
    }
  }
  check(d && extra == 0, "/dev holds the standard nodes only");
  struct stat st;
  check(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3) &&
            (st.st_mode & 0777) == 0666,
        "/dev/null is c 1:3 0666");
  check(stat("/dev/fuse", &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(10, 229) &&
            (st.st_mode & 0777) == 0600 && st.st_uid == 1000 && st.st_gid == 1001,
        "linux.devices /dev/fuse: c 10:229 0600 1000:1001");
  char l[64] = {0};
  check(readlink("/dev/ptmx", l, sizeof(l) - 1) > 0 && strcmp(l, "pts/ptmx") == 0,
        "/dev/ptmx -> pts/ptmx");
  memset(l, 0, sizeof(l));
  check(readlink("/dev/fd", l, sizeof(l) - 1) > 0 && strcmp(l, "/proc/self/fd") == 0,
        "/dev/fd -> /proc/self/fd");
  check(fs_is("/dev/pts", DEVPTS_SUPER_MAGIC), "/dev/pts is a devpts");
  check(fs_is("/dev/mqueue", MQUEUE_MAGIC), "/dev/mqueue is an mqueue");
  int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
  char c = 1;
  check(fd >= 0 && read(fd, &c, 1) == 1 && c == 0, "/dev/zero reads zeros");
  if (fd >= 0)
    close(fd);
}

static void check_console(void)
{
  int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  check(m >= 0 && grantpt(m) == 0 && unlockpt(m) == 0, "open a pty in the container's devpts");
  if (m < 0)
    return;
  const char *slave = ptsname(m);
  autoerr struct td_err *e = NULL;
  int r = slave ? rootfs_bind_console(slave, &e) : -1;
  check(r == 0, "bind console: %s", r == 0 ? "ok" : err_text(e));
  struct stat a, b;
  check(slave && stat(slave, &a) == 0 && stat("/dev/console", &b) == 0 && a.st_rdev == b.st_rdev,
        "/dev/console is the pty slave");
  close(m);
}

static void check_inside(const char *mode)
{
  autofree char *s = slurp("/data/data");
  check(strcmp(s, "hostdata") == 0, "[%s] bind of a bundle-relative dir", mode);
  check(is_ro("/data"), "[%s] ro bind is read-only", mode);
  free(s);
  s = slurp("/etc/hostfile.txt");
  check(strcmp(s, "hostfile") == 0, "[%s] bind of a file (target file created)", mode);
  free(s);
  s = slurp("/x/data");
  check(strcmp(s, "hostdata") == 0, "[%s] bind to /etc/evil/x landed at /x in the rootfs", mode);
  check(is_ro("/rro/sub") && is_ro("/rro"), "[%s] rro: submounts read-only too", mode);
  check(!is_ro("/rw/sub") && !is_ro("/rw"), "[%s] rbind without ro stays writable", mode);
  check(fs_is("/proc", PROC_SUPER_MAGIC), "[%s] /proc is a procfs", mode);
  free(s);
  s = slurp("/opt/app/file");
  char lnk[32] = {0};
  check(fs_is("/opt", TMPFS_MAGIC) && is_ro("/opt") && strcmp(s, "imagefile") == 0 &&
            readlink("/opt/link", lnk, sizeof(lnk) - 1) > 0 && strcmp(lnk, "/etc") == 0,
        "[%s] tmpcopyup: read-only tmpfs holding a copy of the image's /opt", mode);
  check(getpid() == 1, "[%s] pid 1 in the new pid namespace", mode);
  check(fs_is("/sys", SYSFS_MAGIC) && is_ro("/sys"), "[%s] /sys is a read-only sysfs", mode);
  check(fs_is("/sys/fs/cgroup", TMPFS_MAGIC) || fs_is("/sys/fs/cgroup", CGROUP2_SUPER_MAGIC),
        "[%s] cgroup mount at /sys/fs/cgroup", mode);
  check(is_ro("/sys/fs/cgroup"), "[%s] cgroup mount read-only", mode);
  if (fs_is("/sys/fs/cgroup", TMPFS_MAGIC)) {
    check(fs_is("/sys/fs/cgroup/memory", CGROUP_SUPER_MAGIC) && is_ro("/sys/fs/cgroup/memory") &&
              access("/sys/fs/cgroup/memory/memory.limit_in_bytes", F_OK) == 0,
          "[%s] v1: our memory cgroup bound read-only", mode);
    autofree char *cg = slurp_all("/proc/self/cgroup");
    char *mem = strstr(cg, ":memory:");
    if (mem && strncmp(mem, ":memory:/\n", 10) != 0) {
      struct stat a, b;
      autofree char *host =
          xasprintf("/sys/fs/cgroup/memory%.*s", (int)strcspn(mem + 8, "\n"), mem + 8);
      check(stat("/sys/fs/cgroup/memory/cgroup.procs", &a) == 0 &&
                access("/sys/fs/cgroup/memory/memory.limit_in_bytes", F_OK) == 0 &&
                stat(host, &b) < 0,
            "[%s] v1: only our own memory cgroup is shown, not the host tree", mode);
    }
  }
  struct stat st;
  check(stat("/proc/kcore", &st) < 0 || st.st_rdev == makedev(1, 3),
        "[%s] masked /proc/kcore is /dev/null", mode);
  check(fs_is("/sys/firmware", TMPFS_MAGIC) && is_ro("/sys/firmware"),
        "[%s] masked dir /sys/firmware is a read-only tmpfs", mode);
  check(is_ro("/proc/sys") && !is_ro("/proc"), "[%s] readonly /proc/sys", mode);
  check(is_ro("/") && open("/tmp/f", O_CREAT | O_WRONLY | O_CLOEXEC, 0644) < 0 && errno == EROFS,
        "[%s] root.readonly", mode);
  check(!is_ro("/dev/shm") && fs_is("/dev/shm", TMPFS_MAGIC), "[%s] /dev/shm is a writable tmpfs",
        mode);
  free(s);
  s = slurp("/proc/sys/net/ipv4/ip_forward");
  check(strcmp(s, "1") == 0, "[%s] sysctl net.ipv4.ip_forward=1 (through a read-only /proc/sys)",
        mode);
  autofree char *cwd = getcwd(NULL, 0);
  check(cwd && strcmp(cwd, "/") == 0, "[%s] cwd is /", mode);
  check(access(tmp, F_OK) < 0, "[%s] the host's %s is not visible", mode, tmp);
}

static void child_full(const char *bundle, const char *mode)
{
  /* our own test mounts below must not propagate anywhere */
  if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
    _exit(3);
  autofree char *sub = xasprintf("%s/hostdir/sub", bundle);
  check(mount("tmpfs", sub, "tmpfs", 0, "size=64k") == 0, "[%s] submount for rro", mode);
  autofree char *rootfs = xasprintf("%s/rootfs", bundle);
  struct spec_mount mounts[] = {
      mnt("/proc", "proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL),
      mnt("/dev", "tmpfs", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k"),
      mnt("/dev/pts", "devpts", "devpts", MS_NOSUID | MS_NOEXEC,
          "newinstance,ptmxmode=0666,mode=0620"),
      mnt("/dev/shm", "tmpfs", "shm", MS_NOSUID | MS_NOEXEC | MS_NODEV, "mode=1777,size=65536k"),
      mnt("/dev/mqueue", "mqueue", "mqueue", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL),
      mnt("/sys", "sysfs", "sysfs", MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY, NULL),
      mnt("/sys/fs/cgroup", "cgroup", "cgroup", MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY, NULL),
      mnt("/data", "bind", "hostdir", MS_BIND | MS_RDONLY, NULL),
      mnt("/etc/hostfile.txt", NULL, "hostfile", MS_BIND, NULL),
      mnt("/etc/evil/x", NULL, "hostdir", MS_BIND | MS_REC, NULL),
      mnt("/rro", NULL, "hostdir", MS_BIND | MS_REC, NULL),
      mnt("/rw", NULL, "hostdir", MS_BIND | MS_REC, NULL),
      mnt("/opt", "tmpfs", "tmpfs", MS_RDONLY, "size=1m"),
  };
  char *copyup[] = {"tmpcopyup", NULL};
  mounts[12].options = copyup;
  mounts[10].attr_set = MOUNT_ATTR_RDONLY;
  mounts[10].attr_recursive = true;
  mounts[11].propagation = MS_SLAVE | MS_REC;
  struct spec_device devs[] = {{.type = 'c',
                                .path = "/dev/fuse",
                                .major = 10,
                                .minor = 229,
                                .has_file_mode = true,
                                .file_mode = 0600,
                                .has_uid = true,
                                .uid = 1000,
                                .has_gid = true,
                                .gid = 1001}};
  char *masked[] = {"/proc/kcore", "/proc/acpi", "/sys/firmware", "/nonexistent", NULL};
  char *ro[] = {"/proc/sys", "/proc/sysrq-trigger", "/nonexistent", NULL};
  struct spec_kv sysctl[] = {{"net.ipv4.ip_forward", "1"}};
  struct spec spec = {
      .mounts = mounts, .n_mounts = sizeof(mounts) / sizeof(mounts[0]), .root_readonly = true};
  spec.linux_.ns[NS_NET].present = true;
  spec.linux_.devices = devs;
  spec.linux_.n_devices = 1;
  spec.linux_.masked_paths = masked;
  spec.linux_.readonly_paths = ro;
  spec.linux_.sysctl = sysctl;
  spec.linux_.n_sysctl = 1;
  struct rootfs_opts o = {.rootfs = rootfs, .bundle = bundle};
  autoerr struct td_err *e = NULL;
  int r = rootfs_prepare(&spec, &o, &e);
  check(r == 0, "[%s] rootfs_prepare: %s", mode, r ? err_text(e) : "ok");
  if (r == 0) {
    r = rootfs_pivot(&o, &e);
    check(r == 0, "[%s] rootfs_pivot: %s", mode, r ? err_text(e) : "ok");
  }
  if (r == 0) {
    r = rootfs_finalize(&spec, &o, &e);
    check(r == 0, "[%s] rootfs_finalize: %s", mode, r ? err_text(e) : "ok");
  }
  if (r == 0) {
    r = rootfs_apply_sysctl(&spec, &e);
    check(r == 0, "[%s] rootfs_apply_sysctl: %s", mode, r ? err_text(e) : "ok");
  }
  if (r != 0)
    _exit(1);
  check_inside(mode);
  check_dev();
  check_console();
  struct spec_kv bad[] = {{"net.ipv4.../../../x", "1"}, {"kernel/hostname", "x"}};
  struct spec bspec = {0};
  bspec.linux_.sysctl = bad;
  for (int i = 0; i < 2; i++) {
    bspec.linux_.sysctl = &bad[i];
    bspec.linux_.n_sysctl = 1;
    check(rootfs_apply_sysctl(&bspec, &e) < 0 && strstr(err_text(e), "invalid key"),
          "[%s] sysctl key %s rejected", mode, bad[i].key);
    err_free(&e);
  }
}

/* --no-pivot and the user-namespace device path (bind of host nodes), no /dev tmpfs. */
static void child_nopivot(const char *bundle)
{
  if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
    _exit(3);
  autofree char *rootfs = xasprintf("%s/rootfs", bundle);
  check(unshare(CLONE_NEWCGROUP) == 0, "[no-pivot] new cgroup namespace");
  struct spec_mount mounts[] = {
      mnt("/proc", "proc", "proc", 0, NULL),
      mnt("/dev", "tmpfs", "tmpfs", MS_NOSUID | MS_RDONLY, "mode=755"),
      mnt("/sys/fs/cgroup", "cgroup", "cgroup", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL),
  };
  mounts[2].clear_flags = MS_RDONLY;
  struct spec spec = {.mounts = mounts, .n_mounts = 3};
  spec.linux_.ns[NS_CGROUP].present = true;
  struct rootfs_opts o = {.rootfs = rootfs, .bundle = bundle, .no_pivot = true, .in_userns = true};
  autoerr struct td_err *e = NULL;
  int r = rootfs_prepare(&spec, &o, &e);
  if (r == 0)
    r = rootfs_pivot(&o, &e);
  if (r == 0)
    r = rootfs_finalize(&spec, &o, &e);
  check(r == 0, "[no-pivot] prepare/move/finalize: %s", r ? err_text(e) : "ok");
  if (r)
    _exit(1);
  struct stat st;
  check(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3),
        "[no-pivot] /dev/null bound from the host (userns path)");
  check(is_ro("/dev") && access("/dev/zero", F_OK) == 0, "[no-pivot] ro /dev: nodes made, then ro");
  check(fs_is("/proc", PROC_SUPER_MAGIC), "[no-pivot] /proc mounted");

  if (fs_is("/sys/fs/cgroup", TMPFS_MAGIC))
    check(fs_is("/sys/fs/cgroup/memory", CGROUP_SUPER_MAGIC) && !is_ro("/sys/fs/cgroup/memory"),
          "[no-pivot] cgroupns: memory hierarchy mounted rw (rw given)");
  else
    check(fs_is("/sys/fs/cgroup", CGROUP2_SUPER_MAGIC), "[no-pivot] cgroupns: cgroup2 mounted");
  check(access(tmp, F_OK) < 0, "[no-pivot] host tmp not visible after chroot");
}

/* The propagation of the container's / follows linux.rootfsPropagation. */
static bool root_tagged(const char *tag)
{
  autofree char *mi = slurp_all("/proc/self/mountinfo");
  for (char *l = strtok(mi, "\n"); l; l = strtok(NULL, "\n")) {
    char mp[256];
    if (sscanf(l, "%*s %*s %*s %*s %255s", mp) == 1 && strcmp(mp, "/") == 0)
      return strstr(l, tag) != NULL;
  }
  return false;
}

static void child_unbindable(const char *bundle)
{
  if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
    _exit(3);
  autofree char *rootfs = xasprintf("%s/rootfs", bundle);
  struct spec_mount mounts[] = {mnt("/proc", "proc", "proc", 0, NULL),
                                mnt("/data", NULL, "hostdir", MS_BIND | MS_REC, NULL)};
  struct spec spec = {.mounts = mounts, .n_mounts = 2};
  spec.linux_.rootfs_propagation = MS_UNBINDABLE | MS_REC;
  char *masked[] = {"/opt/app/file", "/etc", NULL};
  char *ro[] = {"/proc/sys", NULL};
  spec.linux_.masked_paths = masked;
  spec.linux_.readonly_paths = ro;
  struct rootfs_opts o = {.rootfs = rootfs, .bundle = bundle};
  autoerr struct td_err *e = NULL;
  int r = rootfs_prepare(&spec, &o, &e);
  if (r == 0)
    r = rootfs_pivot(&o, &e);
  if (r == 0)
    r = rootfs_finalize(&spec, &o, &e);
  check(r == 0, "[runbindable] prepare/pivot/finalize: %s", r ? err_text(e) : "ok");
  if (r)
    _exit(1);
  check(root_tagged("unbindable"), "[runbindable] the container's / is unbindable");
  check(is_ro("/proc/sys") && fs_is("/etc", TMPFS_MAGIC), "[runbindable] masks and ro binds done");
  check(access("/data/data", F_OK) == 0, "[runbindable] binds of host sources work");
}

/* tmpfs takes idmapped mounts from Linux 6.3 on (Debian 12's 6.1 with a tmpfs /tmp has none) */
static bool idmap_on(const char *path)
{
  struct utsname u;
  int major = 0, minor = 0;
  if (!fs_is(path, TMPFS_MAGIC) || uname(&u) < 0 || sscanf(u.release, "%d.%d", &major, &minor) != 2)
    return true;
  return major > 6 || (major == 6 && minor >= 3);
}

static void child_propagation(const char *bundle)
{
  if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
    _exit(3);
  autofree char *rootfs = xasprintf("%s/rootfs", bundle);
  bool idmap = idmap_on(bundle);
  struct spec_mount mounts[] = {mnt("/proc", "proc", "proc", 0, NULL),
                                mnt("/idm", NULL, "hostdir", MS_BIND, NULL)};
  struct spec_idmap um = {.container_id = 0, .host_id = 1000, .size = 1};
  struct spec_idmap gm = {.container_id = 0, .host_id = 2000, .size = 1};
  mounts[1].idmap = idmap;
  mounts[1].uid_mappings = &um;
  mounts[1].n_uid_mappings = 1;
  mounts[1].gid_mappings = &gm;
  mounts[1].n_gid_mappings = 1;
  struct spec spec = {.mounts = mounts, .n_mounts = 2};
  spec.linux_.rootfs_propagation = MS_SHARED | MS_REC;
  struct rootfs_opts o = {.rootfs = rootfs, .bundle = bundle};
  autoerr struct td_err *e = NULL;
  int r = rootfs_prepare(&spec, &o, &e);
  if (r == 0)
    r = rootfs_pivot(&o, &e);
  if (r == 0)
    r = rootfs_finalize(&spec, &o, &e);
  check(r == 0, "[rshared] prepare/pivot/finalize: %s", r ? err_text(e) : "ok");
  if (r)
    _exit(1);
  check(root_tagged("shared:"), "[rshared] the container's / is shared");
  struct stat st = {0};
  if (!idmap) {
    check(true, "# SKIP idmapped bind: tmpfs before Linux 6.3 has no idmapped mounts");
    return;
  }
  check(stat("/idm/data", &st) == 0 && st.st_uid == 1000 && st.st_gid == 2000,
        "idmapped bind: a root-owned file shows as 1000:2000 (got %d:%d)", (int)st.st_uid,
        (int)st.st_gid);
}

static void full_openat2(const char *b)
{
  child_full(b, "openat2");
}

static void full_fallback(const char *b)
{
  child_full(b, "fallback");
}

static bool leaked_mounts(void)
{
  autofree char *mi = NULL;
  autoerr struct td_err *e = NULL;
  if (file_read_all(AT_FDCWD, "/proc/self/mountinfo", &mi, NULL, &e) < 0)
    return true;
  return strstr(mi, tmp) != NULL;
}

static void host_checks(const char *bundle, const char *mode)
{
  autofree char *x = xasprintf("%s/rootfs/x", bundle);
  struct stat st;
  TAP_OK(stat(x, &st) == 0 && S_ISDIR(st.st_mode), "[%s] /etc/evil/x target made inside rootfs",
         mode);
  TAP_OK(access("/x", F_OK) < 0, "[%s] host /x untouched", mode);
  autofree char *d = xasprintf("%s/hostdir/data", bundle);
  autofree char *s = slurp(d);
  TAP_OK(strcmp(s, "hostdata") == 0, "[%s] host source untouched", mode);
}

void tap_ok(bool ok, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  autofree char *msg = xvasprintf(fmt, ap);
  va_end(ap);
  TAP_OK(ok, "%s", msg);
}

int main(void)
{
  if (geteuid() != 0) {
    printf("1..0 # SKIP needs root\n");
    return 0;
  }
  main_pid = getpid();
  snprintf(tmp, sizeof(tmp), "/tmp/td-rootfs-XXXXXX");
  if (!mkdtemp(tmp)) {
    printf("Bail out! mkdtemp\n");
    return 1;
  }
  autofree char *b1 = make_bundle("b1");
  autofree char *b2 = make_bundle("b2");
  autofree char *b3 = make_bundle("b3");
  autofree char *b4 = make_bundle("b4");
  autofree char *b5 = make_bundle("b5");
  autofree char *b6 = make_bundle("b6");
  autofree char *b7 = make_bundle("b7");
  autofree char *b8 = make_bundle("b8");
  run_child(full_openat2, b1, NULL);
  host_checks(b1, "openat2");
  run_child(full_fallback, b2, "1");
  host_checks(b2, "fallback");
  run_child(child_nopivot, b3, NULL);
  run_child(child_bad, b4, NULL);
  run_child(child_propagation, b5, NULL);
  run_child(child_unbindable, b8, NULL);
  run_child(child_cgroup2, b6, NULL);
  remove_test_cgroup(main_pid);
  run_child(child_cgroup2_ns, b7, NULL);
  TAP_OK(!leaked_mounts(), "no mount leaked into the host namespace");
  autoerr struct td_err *e = NULL;
  rm_rf(tmp, &e);
  return TAP_DONE();
}
