/* Helpers of the rootfs end-to-end test (test_rootfs.h). */
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

char tmp[64];
pid_t main_pid;     /* names the test cgroup; children see it too */
int report_fd = -1; /* the child writes "1 text" / "0 text" lines here */

__attribute__((format(printf, 2, 3))) void check(bool ok, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  autofree char *msg = xvasprintf(fmt, ap);
  va_end(ap);
  autofree char *line = xasprintf("%d %s\n", ok ? 1 : 0, msg);
  write_all(report_fd, line, strlen(line));
}

void mkdirs(const char *p)
{
  autoerr struct td_err *e = NULL;
  mkdir_p(p, 0755, &e);
}

void put(const char *path, const char *content)
{
  autoerr struct td_err *e = NULL;
  file_write_atomic(AT_FDCWD, path, content, strlen(content), 0644, &e);
}

/* bundle/rootfs with a malicious /etc/evil -> /, bundle/hostdir and bundle/hostfile */
char *make_bundle(const char *name)
{
  char *b = xasprintf("%s/%s", tmp, name);
  const char *dirs[] = {"rootfs/etc", "rootfs/proc", "rootfs/sys",
                        "rootfs/dev", "rootfs/tmp",  "hostdir/sub"};
  for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
    autofree char *p = xasprintf("%s/%s", b, dirs[i]);
    mkdirs(p);
  }
  autofree char *evil = xasprintf("%s/rootfs/etc/evil", b);
  if (symlink("/", evil) < 0)
    perror("symlink");
  autofree char *toproc = xasprintf("%s/rootfs/toproc", b);
  if (symlink("/proc/sys", toproc) < 0)
    perror("symlink");
  autofree char *app = xasprintf("%s/rootfs/opt/app", b);
  mkdirs(app);
  autofree char *appf = xasprintf("%s/rootfs/opt/app/file", b);
  put(appf, "imagefile");
  autofree char *optl = xasprintf("%s/rootfs/opt/link", b);
  if (symlink("/etc", optl) < 0)
    perror("symlink");
  autofree char *hf = xasprintf("%s/hostfile", b);
  put(hf, "hostfile");
  autofree char *hd = xasprintf("%s/hostdir/data", b);
  put(hd, "hostdata");
  return b;
}

struct spec_mount mnt(const char *dest, const char *type, const char *src, unsigned long flags,
                      const char *data)
{
  struct spec_mount m = {.destination = (char *)dest,
                         .type = (char *)type,
                         .source = (char *)src,
                         .flags = flags,
                         .data = (char *)data};
  m.is_bind = (flags & MS_BIND) != 0;
  return m;
}

bool is_ro(const char *p)
{
  struct statvfs sv;
  return statvfs(p, &sv) == 0 && (sv.f_flag & ST_RDONLY);
}

bool fs_is(const char *p, long magic)
{
  struct statfs s;
  return statfs(p, &s) == 0 && s.f_type == magic;
}

char *slurp(const char *p)
{
  char *buf = NULL;
  autoerr struct td_err *e = NULL;
  if (file_read_all(AT_FDCWD, p, &buf, NULL, &e) < 0)
    return xstrdup("<unreadable>");
  buf[strcspn(buf, "\n")] = '\0';
  return buf;
}

char *slurp_all(const char *p)
{
  char *buf = NULL;
  autoerr struct td_err *e = NULL;
  if (file_read_all(AT_FDCWD, p, &buf, NULL, &e) < 0)
    return xstrdup("");
  return buf;
}

void run_child(void (*fn)(const char *), const char *bundle, const char *force)
{
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0)
    return;
  pid_t pid = fork();
  if (pid == 0) {
    close(p[0]);
    report_fd = p[1];
    if (force)
      setenv("TD_FORCE_NO_OPENAT2", "1", 1);
    if (unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC) < 0) {
      check(false, "unshare: %s", strerror(errno));
      _exit(1);
    }
    pid_t init = fork();
    if (init == 0) {
      fn(bundle);
      _exit(0);
    }
    int st;
    waitpid(init, &st, 0);
    _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 1);
  }
  close(p[1]);
  autofclose FILE *f = fdopen(p[0], "r");
  char line[512];
  while (f && fgets(line, sizeof(line), f)) {
    line[strcspn(line, "\n")] = '\0';
    tap_ok(line[0] == '1', "%s", line + 2);
  }
  int st;
  waitpid(pid, &st, 0);
  tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child exited cleanly");
}
