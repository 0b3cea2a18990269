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

/* "tinyrun: what[ exe]: why" on stderr, then exit with code. */
static _Noreturn void tail_die(const char *what, const char *exe, int errnum, int code)
{
  char b[512];
  const char *why = strerrordesc_np(errnum);
  int n = snprintf(b, sizeof(b), "tinyrun: %s%s%s: %s\n", what, exe ? " " : "", exe ? exe : "",
                   why ? why : "unknown error");
  if (n > (int)sizeof(b) - 1)
    n = (int)sizeof(b) - 1;
  if (n > 0)
    raw_syscall3(SYS_write, STDERR_FILENO, b, n);
  _exit(code);
}

/* The open for writing blocks until the runtime opens the fifo to read. */
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

/* execve resets caught signals by itself but keeps ignored ones: only those (usually just
 * SIGPIPE, from the engine) need a call, not all 64 signals. Through the system call: libc
 * refuses 32 and 33 (its own), which a caller may still ignore (seen under CI). SIG_DFL is
 * 0, so an all-zero kernel sigaction means "default, no flags, empty mask" whatever the
 * architecture's layout. */
static void reset_signals(uint64_t ignored)
{
  uint64_t none = 0;
  raw_syscall5(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, sizeof(none), 0);
  unsigned long dfl[8] = {0};
  for (int s = 1; s < NSIG && s <= 64; s++)
    if (s != SIGKILL && s != SIGSTOP && (ignored & (UINT64_C(1) << (s - 1))))
      raw_syscall5(SYS_rt_sigaction, s, dfl, NULL, (size_t)((NSIG - 1) / 8), 0);
}

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

_Noreturn void rt_exec_tail_finish(struct rt_exec_tail *t)
{
  if (!t->secured)
    rt_exec_tail_secure(t);
  reset_signals(t->ignored);
  td_trace("init-exec");
  long e = rt_exec_tail_exec(t);
  tail_die("exec", t->exe, (int)-e, e == -ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC);
}
