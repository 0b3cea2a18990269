/* The last exec of a container process. With an entry program (rt_ctx.entry: the engine's
 * tinydocker-entry), the process first execs that, from a detached read-only mount, and it
 * execs the program: from then on /proc/PID/exe is the entry program, never the engine, so a
 * container program that is (or names as its #! interpreter) /proc/self/exe gets the small
 * read-only entry program instead of a writable engine binary (the CVE-2019-5736 class),
 * and the engine need not re-execute itself read-only before every run (a whole dynamic
 * start, where the entry program is a static one of a few KB). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "runtime/core/internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

void rt_exec_program(int entry_fd, const char *exe, char *const *args, char *const *env)
{
  char *const empty[] = {NULL};
  if (env == NULL)
    env = empty;
  if (entry_fd < 0) {
    execve(exe, args, env);
    return;
  }
  size_t n = 0;
  while (args[n])
    n++;
  autofree char **argv = xcalloc(n + 3, sizeof(*argv));
  argv[0] = "tinydocker-entry";
  argv[1] = (char *)exe;
  memcpy(argv + 2, args, (n + 1) * sizeof(*argv));
  /* execve first: any seccomp profile that lets a program start allows it (/proc is the
   * container's, mounted by then); execveat where there is no /proc */
  char path[40];
  snprintf(path, sizeof(path), "/proc/self/fd/%d", entry_fd);
  execve(path, argv, env);
  execveat(entry_fd, "", argv, env, AT_EMPTY_PATH);
}
