/* The runtime binary out of a container's reach (the CVE-2019-5736 class). The container
 * init and exec'd processes are clones of the runtime, not fresh execs of a separate init,
 * so until their execve /proc/PID/exe is the runtime binary; a container program that is
 * (or whose #! interpreter is) /proc/self/exe even runs the runtime again inside the
 * container, dumpable. Whoever opens that exe then could reopen it for writing once the
 * runtime is gone. Non-dumpable setup closes the first door; this closes the file itself:
 * the runtime re-executes itself once from a detached, read-only bind mount of its own
 * binary, so every /proc/PID/exe of its clones is on a read-only mount (EROFS), without
 * copying the binary (runc copies it into a sealed memfd) and without leaving a mount on
 * the host (the detached mount lives as long as a process uses it). */
#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/core/runtime.h"
#include "util/cleanup.h"

extern char **environ;

bool rt_exe_is_readonly(void)
{
  autoclose int self = open("/proc/self/exe", O_PATH | O_CLOEXEC);
  struct statvfs sv;
  return self >= 0 && fstatvfs(self, &sv) == 0 && (sv.f_flag & ST_RDONLY);
}

int rt_ro_tree(const char *path)
{
  autoclose int tree =
      (int)syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (tree < 0)
    return -1;
  struct mount_attr a = {.attr_set = MOUNT_ATTR_RDONLY};
  if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0)
    return -1;
  return steal_fd(tree);
}

int rt_exe_protect(char **argv)
{
  if (rt_exe_is_readonly())
    return 0; /* done already, or installed on a read-only file system */
  autoclose int tree = rt_ro_tree("/proc/self/exe");
  if (tree < 0)
    return -1;
  syscall(SYS_execveat, tree, "", argv, environ, AT_EMPTY_PATH);
  return -1; /* still the old image: carry on unprotected rather than not at all */
}
