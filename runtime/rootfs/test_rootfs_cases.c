/* The rootfs end-to-end test's cgroup v2 children and the refusals (bad masked/read-only
 * paths, mounts into /proc). */
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
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"
#include "runtime/rootfs/test_rootfs.h"

/* cgroup v2 paths, on this (hybrid) host too: the child mounts the unified hierarchy over its
 * own /sys/fs/cgroup first, so the rootfs code sees a pure v2 host. */
static void cgroup2_child(const char *bundle, bool cgns)
{
  if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
    _exit(3);
  if (mount("cgroup2", "/sys/fs/cgroup", "cgroup2", 0, NULL) < 0) {
    check(true, "# SKIP no cgroup2 here: %s", strerror(errno));
    return;
  }
  /* a cgroup of our own (removed by the parent), so "only ours" means something */
  autofree char *cg = xasprintf("/sys/fs/cgroup/td-rootfs-test-%d", (int)main_pid);
  autofree char *procs = xasprintf("%s/cgroup.procs", cg);
  if (!cgns) {
    autoerr struct td_err *ce = NULL;
    int r = mkdir(cg, 0755) == 0 ? file_write_str(AT_FDCWD, procs, "0", &ce) : -1;
    check(r == 0, "[v2] join a test cgroup: %s",
          r == 0 ? "ok"
          : ce   ? err_text(ce)
                 : strerror(errno));
  }
  if (cgns && unshare(CLONE_NEWCGROUP) < 0)
    _exit(3);
  autofree char *own = slurp_all("/proc/self/cgroup");
  char *p = strstr(own, "0::");
  autofree char *path = p ? xstrndup(p + 3, strcspn(p + 3, "\n")) : xstrdup("?");
  autofree char *rootfs = xasprintf("%s/rootfs", bundle);
  struct spec_mount mounts[] = {
      mnt("/proc", "proc", "proc", 0, NULL),
      mnt("/sys/fs/cgroup", "cgroup", "cgroup", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL),
  };
  struct spec spec = {.mounts = mounts, .n_mounts = 2};
  spec.linux_.ns[NS_CGROUP].present = cgns;
  struct rootfs_opts o = {.rootfs = rootfs, .bundle = bundle};
  autoerr struct td_err *e = NULL;
  const char *mode = cgns ? "v2 cgroupns" : "v2";
  int r = rootfs_prepare(&spec, &o, &e);
  if (r == 0)
    r = rootfs_pivot(&o, &e);
  if (r == 0)
    r = rootfs_finalize(&spec, &o, &e);
  check(r == 0, "[%s] prepare/pivot/finalize: %s", mode, r ? err_text(e) : "ok");
  if (r)
    _exit(1);
  check(fs_is("/sys/fs/cgroup", CGROUP2_SUPER_MAGIC) && is_ro("/sys/fs/cgroup"),
        "[%s] /sys/fs/cgroup is a read-only cgroup2", mode);
  autofree char *mi = slurp_all("/proc/self/mountinfo");
  char root[256] = "";
  for (char *l = strtok(mi, "\n"); l; l = strtok(NULL, "\n")) {
    char r4[256], mp[256];
    if (sscanf(l, "%*s %*s %*s %255s %255s", r4, mp) == 2 && strcmp(mp, "/sys/fs/cgroup") == 0)
      snprintf(root, sizeof(root), "%s", r4);
  }
  if (cgns)
    check(strcmp(root, "/") == 0, "[%s] rooted at the namespace (root %s)", mode, root);
  else
    check(strcmp(root, path) == 0, "[%s] only our own cgroup %s is shown (root %s)", mode, path,
          root);
}

void child_cgroup2(const char *bundle)
{
  cgroup2_child(bundle, false);
}

/* The test cgroup child_cgroup2 made, on the host's cgroup2 mount. */
void remove_test_cgroup(pid_t child_parent)
{
  struct statfs s;
  bool v2 = statfs("/sys/fs/cgroup", &s) == 0 && s.f_type == CGROUP2_SUPER_MAGIC;
  autofree char *p =
      xasprintf("/sys/fs/cgroup%s/td-rootfs-test-%d", v2 ? "" : "/unified", (int)child_parent);
  tap_ok(rmdir(p) == 0 || errno == ENOENT, "test cgroup %s removed", p);
}

void child_cgroup2_ns(const char *bundle)
{
  cgroup2_child(bundle, true);
}

/* A mount into /proc, directly or through a symlink, is refused; so are relative masked or
 * read-only paths and a masked/read-only symlink loop (runtime-tools expects errors). */
void child_bad(const char *bundle)
{
  if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
    _exit(3);
  autofree char *rootfs = xasprintf("%s/rootfs", bundle);
  autofree char *loop = xasprintf("%s/masked-symlink", rootfs);
  if (symlink("../masked-symlink", loop) < 0)
    perror("symlink");
  char *rel[] = {"relpath", NULL};
  char *looped[] = {"/masked-symlink", NULL};
  for (int i = 0; i < 4; i++) {
    struct spec spec = {0};
    char **v = i < 2 ? rel : looped;
    if (i % 2)
      spec.linux_.readonly_paths = v;
    else
      spec.linux_.masked_paths = v;
    struct rootfs_opts o = {.rootfs = rootfs, .bundle = bundle};
    autoerr struct td_err *e = NULL;
    int r = rootfs_prepare(&spec, &o, &e);
    if (r == 0 && i >= 2) {
      /* finalize works on the pivoted tree: run it in a child so this one keeps its root */
      pid_t pid = fork();
      if (pid == 0) {
        r = unshare(CLONE_NEWNS) == 0 ? rootfs_pivot(&o, &e) : -1;
        if (r == 0)
          r = rootfs_finalize(&spec, &o, &e);
        const char *msg = r < 0 ? err_text(e) : "accepted";
        check(r < 0 && strstr(msg, "symbolic links"), "%s symlink loop refused: %s",
              i % 2 ? "readonly" : "masked", msg);
        _exit(0);
      }
      waitpid(pid, NULL, 0);
      continue;
    }
    check(r < 0 && strstr(err_text(e), "not an absolute path"), "relative %s path refused: %s",
          i % 2 ? "readonly" : "masked", r < 0 ? err_text(e) : "accepted");
  }
  /* no proc mount and a fake /proc/self/fd in the image: masking by fd must refuse */
  autofree char *fake = xasprintf("%s/proc/self/fd", rootfs);
  mkdirs(fake);
  {
    char *masked[] = {"/etc", NULL};
    struct spec spec = {0};
    spec.linux_.masked_paths = masked;
    struct rootfs_opts o = {.rootfs = rootfs, .bundle = bundle};
    autoerr struct td_err *e = NULL;
    pid_t pid = fork();
    if (pid == 0) {
      int r = unshare(CLONE_NEWNS) == 0 ? rootfs_prepare(&spec, &o, &e) : -1;
      if (r == 0)
        r = rootfs_pivot(&o, &e);
      if (r == 0)
        r = rootfs_finalize(&spec, &o, &e);
      const char *msg = r < 0 && e ? err_text(e) : "accepted";
      check(r < 0 && strstr(msg, "not a procfs"), "fake /proc/self/fd refused: %s", msg);
      _exit(0);
    }
    waitpid(pid, NULL, 0);
  }
  autofree char *fake_top = xasprintf("%s/proc/self", rootfs);
  autoerr struct td_err *re = NULL;
  rm_rf(fake_top, &re);
  const char *dests[] = {"/proc/sys/kernel", "/toproc/kernel"};
  for (int i = 0; i < 2; i++) {
    struct spec_mount mounts[] = {
        mnt("/proc", "proc", "proc", 0, NULL),
        mnt(dests[i], "tmpfs", "tmpfs", 0, NULL),
    };
    struct spec spec = {.mounts = mounts, .n_mounts = 2};
    struct rootfs_opts o = {.rootfs = rootfs, .bundle = bundle};
    autoerr struct td_err *e = NULL;
    int r = rootfs_prepare(&spec, &o, &e);
    check(r < 0 && strstr(err_text(e), "inside /proc"), "tmpfs on %s refused: %s", dests[i],
          r < 0 ? err_text(e) : "mounted");
  }
}
