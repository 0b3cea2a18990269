/* rt_enter_cwd: the working directory is opened beneath the root, with openat2 and with the
 * fallback walk (TD_FORCE_NO_OPENAT2=1), and checked after the fchdir. The root here is a
 * temporary directory (no chroot needed); the last check, a cwd the process's own root cannot
 * reach, chroots in a child when it may. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/core/internal.h"
#include "tests/tap.h"

static char root[64] = "/tmp/td-cwd-XXXXXX";
static int rootfd = -1;

static bool same(const char *a, const char *b)
{
  struct stat x, y;
  return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

/* Enter cwd; true when it lands on root/want (want NULL: when it is refused with msg). */
static bool enters(const char *cwd, const char *want, const char *msg)
{
  (void)!chdir("/");
  struct td_err *err = NULL;
  char *resolved = NULL;
  int rc = rt_enter_cwd(rootfd, cwd, &resolved, &err);
  bool ok;
  if (want) {
    char path[256];
    snprintf(path, sizeof(path), "%s%s", root, want);
    ok = rc == 0 && same(".", path) && resolved && strcmp(resolved, path) == 0;
  } else {
    ok = rc < 0 && same(".", "/") && strstr(err_text(err), msg) != NULL;
  }
  if (!ok)
    printf("#   %s: rc %d, resolved %s, error %s\n", cwd, rc, resolved ? resolved : "-",
           err ? err_text(err) : "-");
  free(resolved);
  err_free(&err);
  return ok;
}

static void checks(const char *how)
{
  char fdcwd[64], fdlink[128];
  int outside = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC); /* a host dir, as the fds were */
  snprintf(fdcwd, sizeof(fdcwd), "/proc/self/fd/%d", outside);
  snprintf(fdlink, sizeof(fdlink), "%s/fdlink", root);
  unlink(fdlink);
  (void)!symlinkat(fdcwd, AT_FDCWD, fdlink);
  TAP_OK(enters(NULL, "", NULL), "[%s] no cwd: the root", how);
  TAP_OK(enters("/w/sub", "/w/sub", NULL), "[%s] a plain directory", how);
  TAP_OK(enters("/w/sub/../../..", "", NULL), "[%s] '..' stops at the root", how);
  TAP_OK(enters("/evil", "", NULL), "[%s] a relative symlink out stays at the root", how);
  TAP_OK(enters("/abs", "/tmp", NULL), "[%s] an absolute symlink resolves inside the root", how);
  TAP_OK(enters("/rel", "/tmp", NULL), "[%s] a relative symlink resolves as the container sees it",
         how);
  TAP_OK(enters(fdcwd, NULL, "set in config.json failed"), "[%s] /proc/self/fd/N is refused", how);
  TAP_OK(enters("/fdlink", NULL, "set in config.json failed"),
         "[%s] a symlink to /proc/self/fd/N is refused", how);
  TAP_OK(enters("/nonexistent", NULL, "chdir to cwd (\"/nonexistent\") set in config.json failed"),
         "[%s] a missing cwd: runc's message", how);
  TAP_OK(enters("/file", NULL, "set in config.json failed"), "[%s] a file is refused", how);
  close(outside);
}

/* A cwd beneath rootfd but outside the process's root (chroot into root/w): getcwd says
 * "(unreachable)", and rt_enter_cwd refuses it. 1 refused, 0 not, -1 could not chroot. */
static int unreachable(void)
{
  pid_t pid = fork();
  if (pid == 0) {
    char w[128];
    snprintf(w, sizeof(w), "%s/w", root);
    if (chroot(w) < 0)
      _exit(2);
    struct td_err *err = NULL;
    int rc = rt_enter_cwd(rootfd, "/tmp", NULL, &err);
    _exit(rc < 0 && strstr(err_text(err), "possible container breakout detected") ? 1 : 0);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) && WEXITSTATUS(st) == 2 ? -1 : WIFEXITED(st) && WEXITSTATUS(st) == 1;
}

int main(void)
{
  if (mkdtemp(root) == NULL)
    return 1;
  char p[128];
  snprintf(p, sizeof(p), "%s/w", root);
  mkdir(p, 0755);
  snprintf(p, sizeof(p), "%s/w/sub", root);
  mkdir(p, 0755);
  snprintf(p, sizeof(p), "%s/tmp", root);
  mkdir(p, 0755);
  snprintf(p, sizeof(p), "%s/file", root);
  close(open(p, O_CREAT | O_WRONLY, 0644));
  snprintf(p, sizeof(p), "%s/evil", root);
  (void)!symlink("../../../../../../..", p);
  snprintf(p, sizeof(p), "%s/abs", root);
  (void)!symlink("/tmp", p);
  snprintf(p, sizeof(p), "%s/rel", root);
  (void)!symlink("tmp", p);
  rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  unsetenv("TD_FORCE_NO_OPENAT2");
  checks("openat2");
  setenv("TD_FORCE_NO_OPENAT2", "1", 1);
  checks("fallback");
  unsetenv("TD_FORCE_NO_OPENAT2");
  int u = unreachable();
  if (u < 0)
    printf("ok %d - # SKIP no chroot here\n", ++tap_n_);
  else
    TAP_OK(u == 1, "a cwd the process's root cannot reach is refused after the fchdir");
  (void)!chdir("/");
  const char *names[] = {"fdlink", "evil", "abs", "rel", "file", "w/sub", "w", "tmp", ""};
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    snprintf(p, sizeof(p), "%s/%s", root, names[i]);
    if (unlink(p) < 0)
      rmdir(p);
  }
  return TAP_DONE();
}
