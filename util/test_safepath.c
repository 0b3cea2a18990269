/* safepath: every lookup stays inside the root, with openat2 and with the forced fallback. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/tap.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/safepath.h"
#include "util/xalloc.h"

static char root[64];
static char outside[64];

static void mk(const char *rel, const char *content)
{
  autofree char *p = xasprintf("%s/%s", root, rel);
  autoerr struct td_err *e = NULL;
  file_write_atomic(AT_FDCWD, p, content, strlen(content), 0644, &e);
}

static void ln(const char *target, const char *rel)
{
  autofree char *p = xasprintf("%s/%s", root, rel);
  if (symlink(target, p) < 0)
    printf("# symlink %s: %s\n", p, strerror(errno));
}

/* Read the file path resolves to inside the root ("" on error). */
static char *read_in(int rootfd, const char *path)
{
  autoerr struct td_err *e = NULL;
  autoclose int fd = safepath_open(rootfd, path, O_RDONLY, 0, &e);
  if (fd < 0)
    return xstrdup("");
  char buf[128] = {0};
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  return xstrdup(n > 0 ? buf : "");
}

static void expect_read(int rootfd, const char *path, const char *want, const char *what,
                        const char *mode)
{
  autofree char *s = read_in(rootfd, path);
  TAP_STREQ(s, want, "[%s] %s", mode, what);
}

static void build_tree(void)
{
  autofree char *p = NULL;
  p = xasprintf("%s/etc", root);
  mkdir(p, 0755);
  free(p);
  p = xasprintf("%s/a", root);
  mkdir(p, 0755);
  free(p);
  p = xasprintf("%s/a/b", root);
  mkdir(p, 0755);
  mk("etc/passwd", "inside");
  mk("secret", "rootsecret");
  ln("/", "etc/evil");                  /* absolute symlink to the root */
  ln("../../../../../../..", "a/b/up"); /* ../ chain far above the root */
  ln("loop2", "loop1");
  ln("loop1", "loop2");
  ln("/etc/passwd", "abslink");
  ln("a/b/up/etc/passwd", "rel_up");
  ln("/nonexistent/file", "dangling");
  ln("/proc/self/root", "magic");
  autofree char *o = xasprintf("%s/victim", outside);
  autoerr struct td_err *e = NULL;
  file_write_atomic(AT_FDCWD, o, "host", 4, 0644, &e);
  autofree char *t = xasprintf("%s", outside);
  ln(t, "to_outside"); /* absolute host path: must be read as a path inside the root */
}

static void run_suite(int rootfd, const char *mode)
{
  expect_read(rootfd, "/etc/passwd", "inside", "[%s] plain path", mode);
  expect_read(rootfd, "/etc/evil/etc/passwd", "inside",
              "[%s] absolute symlink resolves inside the root", mode);
  expect_read(rootfd, "/a/b/up/secret", "rootsecret", "[%s] ../ chain clamps at the root", mode);
  expect_read(rootfd, "../../../../secret", "rootsecret", "[%s] leading .. clamps at the root",
              mode);
  expect_read(rootfd, "rel_up", "inside", "[%s] relative symlink through an escaping chain", mode);
  expect_read(rootfd, "abslink", "inside", "[%s] absolute symlink to a file", mode);
  autoerr struct td_err *e = NULL;
  int fd = safepath_open(rootfd, "loop1", O_RDONLY, 0, &e);
  TAP_OK(fd < 0 && e && e->errnum == ELOOP, "[%s] symlink loop gives ELOOP", mode);
  err_free(&e);
  fd = safepath_open(rootfd, "magic", O_RDONLY, 0, &e);
  TAP_OK(fd < 0 || strcmp(mode, "fallback") == 0, "[%s] magic link is not followed out", mode);
  if (fd >= 0)
    close(fd);
  err_free(&e);

  autofree char *victim = xasprintf("to_outside/victim");
  fd = safepath_open(rootfd, victim, O_RDONLY, 0, &e);
  TAP_OK(fd < 0 && e && e->errnum == ENOENT, "[%s] host path symlink does not reach the host",
         mode);
  err_free(&e);

  /* mkdir_p and mkfile_p through symlinks land inside the root */
  autofree char *sub = xasprintf("/etc/evil/made_%s/x/y", mode);
  fd = safepath_mkdir_p(rootfd, sub, 0755, &e);
  TAP_OK(fd >= 0, "[%s] mkdir_p through an absolute symlink", mode);
  if (fd >= 0)
    close(fd);
  err_free(&e);
  autofree char *check = xasprintf("%s/made_%s/x/y", root, mode);
  struct stat st;
  TAP_OK(stat(check, &st) == 0 && S_ISDIR(st.st_mode), "[%s] ... created inside the root", mode);

  autofree char *f = xasprintf("/a/b/up/files_%s/f", mode);
  fd = safepath_mkfile_p(rootfd, f, 0600, &e);
  TAP_OK(fd >= 0, "[%s] mkfile_p through a ../ chain", mode);
  if (fd >= 0)
    close(fd);
  err_free(&e);
  autofree char *fcheck = xasprintf("%s/files_%s/f", root, mode);
  TAP_OK(stat(fcheck, &st) == 0 && S_ISREG(st.st_mode), "[%s] ... file created in the root", mode);

  /* a dangling symlink on the way of mkdir_p is followed inside the root and its target made */
  autofree char *dl = xasprintf("/etc/evil/dangling_dir_%s/sub", mode);
  autofree char *dlink = xasprintf("%s/dangling_dir_%s", root, mode);
  autofree char *dtarget = xasprintf("%s/made_by_link_%s", outside, mode);
  if (symlink(dtarget, dlink) < 0)
    printf("# symlink: %s\n", strerror(errno));
  fd = safepath_mkdir_p(rootfd, dl, 0755, &e);
  TAP_OK(fd >= 0, "[%s] mkdir_p through a dangling symlink: %s", mode, fd < 0 ? err_text(e) : "ok");
  if (fd >= 0)
    close(fd);
  err_free(&e);
  autofree char *inside = xasprintf("%s%s/sub", root, dtarget);
  TAP_OK(stat(inside, &st) == 0 && S_ISDIR(st.st_mode) && access(dtarget, F_OK) < 0,
         "[%s] ... its target made inside the root, not on the host", mode);

  /* a symlink loop in mkdir_p is ELOOP */
  fd = safepath_mkdir_p(rootfd, "/loop1/x", 0755, &e);
  TAP_OK(fd < 0 && e && e->errnum == ELOOP, "[%s] mkdir_p through a loop: ELOOP", mode);
  err_free(&e);

  /* O_CREAT through a dangling absolute symlink creates the target inside the root */
  fd = safepath_mkfile_p(rootfd, "/etc/evil/dangling", 0600, &e);
  err_free(&e);
  if (fd >= 0)
    close(fd);
  autofree char *outside_check = xasprintf("/nonexistent/file");
  TAP_OK(access(outside_check, F_OK) < 0, "[%s] dangling symlink does not create on the host",
         mode);

  fd = safepath_open(rootfd, "/", O_PATH | O_DIRECTORY, 0, &e);
  struct stat a, b;
  TAP_OK(fd >= 0 && fstat(fd, &a) == 0 && fstat(rootfd, &b) == 0 && a.st_ino == b.st_ino,
         "[%s] / is the root", mode);
  if (fd >= 0)
    close(fd);
  err_free(&e);

  fd = safepath_open(rootfd, "/etc/passwd/x", O_RDONLY, 0, &e);
  TAP_OK(fd < 0 && e && e->errnum == ENOTDIR, "[%s] file in the middle gives ENOTDIR", mode);
  err_free(&e);

  autofree char *host_victim = xasprintf("%s/victim", outside);
  autofree char *content = NULL;
  file_read_all(AT_FDCWD, host_victim, &content, NULL, &e);
  TAP_STREQ(content, "host", "[%s] host victim untouched", mode);
}

int main(void)
{
  snprintf(root, sizeof(root), "/tmp/td-safepath-XXXXXX");
  snprintf(outside, sizeof(outside), "/tmp/td-safepath-out-XXXXXX");
  if (!mkdtemp(root) || !mkdtemp(outside)) {
    printf("Bail out! mkdtemp\n");
    return 1;
  }
  build_tree();
  autoclose int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  unsetenv("TD_FORCE_NO_OPENAT2");
  run_suite(rootfd, "openat2");
  setenv("TD_FORCE_NO_OPENAT2", "1", 1);
  run_suite(rootfd, "fallback");
  autofree char *fp = safepath_fd_path(7);
  TAP_STREQ(fp, "/proc/self/fd/7", "fd path");
  autoerr struct td_err *e = NULL;
  rm_rf(root, &e);
  err_free(&e);
  rm_rf(outside, &e);
  return TAP_DONE();
}
