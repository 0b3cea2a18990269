/* The last exec of a container process. With an entry program (rt_ctx.entry: the engine's
 * tinydocker-entry), the process first execs that, from a detached read-only mount, and it
 * execs the program: from then on /proc/PID/exe is the entry program, never the engine, so a
 * container program that is (or names as its #! interpreter) /proc/self/exe gets the small
 * read-only entry program instead of a writable engine binary (the CVE-2019-5736 class),
 * and the engine need not re-execute itself read-only before every run (a whole dynamic
 * start, where the entry program is a static one of a few KB).
 * The argument and environment vectors are built ahead, in a buffer the caller gives (the
 * init builds them before READY: tail.c), and the exec itself allocates nothing. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/core/internal.h"
#include "util/cleanup.h"
#include "util/rawsys.h"
#include "util/xalloc.h"

static size_t count(char *const *v)
{
  size_t n = 0;
  while (v && v[n])
    n++;
  return n;
}

size_t rt_exec_tail_size(char *const *args, char *const *env)
{
  size_t n = count(args), m = count(env), bytes = PATH_MAX + 1;
  for (size_t i = 0; i < n; i++)
    bytes += strlen(args[i]) + 1;
  for (size_t i = 0; i < m; i++)
    bytes += strlen(env[i]) + 1;
  return (n + 3 + m + 1) * sizeof(char *) + bytes;
}

static char *copy_str(char **at, const char *s, size_t max)
{
  size_t len = strnlen(s, max);
  char *d = *at;
  memcpy(d, s, len);
  d[len] = '\0';
  *at = d + len + 1;
  return d;
}

void rt_exec_tail_fill(struct rt_exec_tail *t, const char *exe, char *const *args, char *const *env,
                       void *buf)
{
  size_t n = count(args), m = count(env), k = 0;
  char **argv = buf, **envp = argv + n + 3;
  char *s = (char *)(envp + m + 1);
  t->exe = copy_str(&s, exe, PATH_MAX);
  if (t->entry_fd >= 0) {
    argv[k++] = "tinydocker-entry";
    argv[k++] = (char *)t->exe;
    snprintf(t->path, sizeof(t->path), "/proc/self/fd/%d", t->entry_fd);
  }
  for (size_t i = 0; i < n; i++)
    argv[k++] = copy_str(&s, args[i], SIZE_MAX);
  argv[k] = NULL;
  for (size_t i = 0; i < m; i++)
    envp[i] = copy_str(&s, env[i], SIZE_MAX);
  envp[m] = NULL;
  t->argv = argv;
  t->env = envp;
}

void rt_exec_program(int entry_fd, const char *exe, char *const *args, char *const *env)
{
  struct rt_exec_tail t = {.fifo_fd = -1, .entry_fd = entry_fd};
  autofree void *buf = xmalloc(rt_exec_tail_size(args, env));
  rt_exec_tail_fill(&t, exe, args, env, buf);
  errno = (int)-rt_exec_tail_exec(&t);
}
