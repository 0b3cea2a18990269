/* A container init's last steps, from READY to its exec: no_new_privs and the seccomp filter
 * (before or after the wait: child.c says when), wait for `start` on the exec fifo, signals
 * back to their defaults, the exec. Nothing
 * here allocates, reads the runtime's memory or touches errno (util/rawsys.h): an init
 * cloned into the runtime's address space (clone_vm.c) runs this while the runtime goes on
 * with its own work, and a malloc, a freed spec or errno would be shared with it. What it
 * needs was copied into struct rt_exec_tail before READY (entry.c). */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/core/internal.h"
#include "runtime/security/security.h"
#include "util/rawsys.h"
#include "util/trace.h"

/* window: READY..exec; appends s to b[*n] (cap bytes), no libc */
static void put(char *b, size_t cap, size_t *n, const char *s)
{
  while (s && *s && *n + 1 < cap)
    b[(*n)++] = *s++;
}

/* window: READY..exec. "tinyrun: what[ exe]: why" on stderr, then exit with code. The only
 * libc function is strerrordesc_np: a lookup in a constant table (no lock, no locale, no
 * errno, no allocation). */
static _Noreturn void tail_die(const char *what, const char *exe, int errnum, int code)
{
  char b[512];
  size_t n = 0;
  const char *why = strerrordesc_np(errnum);
  put(b, sizeof(b), &n, "tinyrun: ");
  put(b, sizeof(b), &n, what);
  if (exe) {
    put(b, sizeof(b), &n, " ");
    put(b, sizeof(b), &n, exe);
  }
  put(b, sizeof(b), &n, ": ");
  put(b, sizeof(b), &n, why ? why : "unknown error");
  put(b, sizeof(b), &n, "\n");
  raw_syscall3(SYS_write, STDERR_FILENO, b, n);
  for (;;)
    raw_syscall3(SYS_exit_group, code, 0, 0);
}

/* window: READY..exec. The open for writing blocks until the runtime opens the fifo to read. */
void rt_exec_tail_wait(const struct rt_exec_tail *t)
{
  long fd;
  do
    fd = raw_syscall5(SYS_openat, t->fifo_fd, "exec.fifo", O_WRONLY | O_CLOEXEC, 0, 0);
  while (fd == -EINTR);
  if (fd < 0)
    tail_die("open exec fifo", NULL, (int)-fd, EXIT_CANNOT_EXEC);
  td_trace("init-fifo-open");
  long w;
  do
    w = raw_syscall3(SYS_write, fd, "0", 1);
  while (w == -EINTR);
  if (w < 0)
    tail_die("write exec fifo", NULL, (int)-w, EXIT_CANNOT_EXEC);
  raw_syscall3(SYS_close, fd, 0, 0);
  td_trace("init-fifo-written");
}

/* window: READY..exec. execve resets caught signals by itself but keeps ignored ones: only those
 * (usually just SIGPIPE, from the engine) need a call, not all 64 signals. Through the system call:
 * libc refuses 32 and 33 (its own), which a caller may still ignore (seen under CI). SIG_DFL is 0,
 * so an all-zero kernel sigaction means "default, no flags, empty mask" whatever the architecture's
 * layout. */
static void reset_signals(uint64_t ignored)
{
  uint64_t none = 0;
  raw_syscall5(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, sizeof(none), 0);
  unsigned long dfl[8] = {0};
  for (int s = 1; s < NSIG && s <= 64; s++)
    if (s != SIGKILL && s != SIGSTOP && (ignored & (UINT64_C(1) << (s - 1))))
      raw_syscall5(SYS_rt_sigaction, s, dfl, NULL, (size_t)((NSIG - 1) / 8), 0);
}

/* window: READY..exec */
void rt_exec_tail_secure(struct rt_exec_tail *t)
{
  const char *what = "security";
  int listener = -1;
  int r = security_final_noalloc(t->no_new_privs, t->filter, &listener, &what);
  if (r < 0)
    tail_die(what, NULL, -r, EXIT_CANNOT_EXEC);
  t->secured = true;
  td_trace("init-secured");
}

/* window: READY..exec */
long rt_exec_tail_exec(const struct rt_exec_tail *t)
{
  if (t->entry_fd < 0)
    return raw_syscall3(SYS_execve, t->exe, t->argv, t->env);
  /* execve first: any seccomp profile that lets a program start allows it (/proc is the
   * container's, mounted by then); execveat where there is no /proc */
  raw_syscall3(SYS_execve, t->path, t->argv, t->env);
  return raw_syscall5(SYS_execveat, t->entry_fd, "", t->argv, t->env, AT_EMPTY_PATH);
}

/* window: READY..exec */
_Noreturn void rt_exec_tail_finish(struct rt_exec_tail *t)
{
  if (!t->secured)
    rt_exec_tail_secure(t);
  reset_signals(t->ignored);
  td_trace("init-exec");
  long e = rt_exec_tail_exec(t);
  tail_die("exec", t->exe, (int)-e, e == -ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC);
}
