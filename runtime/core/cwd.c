/* The working directory of a process entering a container (the init, `exec`), the
 * CVE-2024-21626 way round: never a chdir(2) by name. The cwd is opened beneath the
 * container's root (util/safepath: openat2 RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS, or its
 * component walk where openat2 is missing), so that neither ".." nor a symlink nor a
 * /proc/self/fd/N magic link leads out of it, entered with fchdir, and checked afterwards:
 * the kernel's getcwd must name it from the process's own root (a directory outside it reads
 * "(unreachable)/..."). Callers close the host's fds before this (fds.c). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/core/internal.h"
#include "util/cleanup.h"
#include "util/safepath.h"
#include "util/xalloc.h"

int rt_enter_cwd(int rootfd, const char *cwd, char **resolved, struct td_err **err)
{
  const char *dir = cwd && *cwd ? cwd : "/";
  autoerr struct td_err *e = NULL;
  autoclose int fd = safepath_open(rootfd, dir, O_PATH | O_DIRECTORY, 0, &e);
  if (fd < 0 || fchdir(fd) < 0)
    return err_set(err, errno, "chdir to cwd (\"%s\") set in config.json failed", dir);
  /* the system call, not libc's getcwd: it shows the kernel's "(unreachable)" prefix as is */
  char buf[PATH_MAX];
  long n = syscall(SYS_getcwd, buf, sizeof(buf));
  if (n < 0 && errno != ENAMETOOLONG)
    return err_set(err, errno, "chdir to cwd (\"%s\") set in config.json failed", dir);
  if (n > 0 && buf[0] != '/')
    return err_set(err, 0,
                   "current working directory (\"%s\") is outside of container mount namespace "
                   "root -- possible container breakout detected",
                   dir);
  if (resolved)
    *resolved = n > 0 ? xstrdup(buf) : xstrdup(dir);
  return 0;
}
