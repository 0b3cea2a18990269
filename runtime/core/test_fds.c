/* rt_close_fds: what a container process keeps of the runtime's fds. Runs in a forked child
 * (it closes fds for real) and reports back through a pipe. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/core/internal.h"
#include "tests/tap.h"

static int is_open(int fd)
{
  return fcntl(fd, F_GETFD) >= 0;
}
static int cloexec(int fd)
{
  return (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0;
}

/* In the child: fds 3 and 4 preserved (4 is also a kept fd: it must move above the range),
 * 10 kept, 11 and 40 closed. Writes one byte per check to report. */
static void child(int report)
{
  int keep = dup2(report, 4); /* a kept fd inside the preserved range */
  int other = dup2(report, 10);
  dup2(report, 3);
  dup2(report, 11);
  dup2(report, 40);
  fcntl(3, F_SETFD, FD_CLOEXEC);
  int out = dup(report);
  int *const k[] = {&keep, &other, &out};
  struct td_err *err = NULL;
  int rc = rt_close_fds(2, k, 3, &err);
  char r[9] = {
      rc == 0,
      is_open(3) && !cloexec(3),                   /* preserved: stays, close-on-exec cleared */
      keep >= 5 && is_open(keep) && cloexec(keep), /* moved above the preserved range */
      !is_open(4), /* the runtime's own fd is not handed over as "preserved fd 4" */
      other == 10 && is_open(10) && cloexec(10), /* kept where it was */
      !is_open(11) && !is_open(40),              /* the rest is closed for real */
      !is_open(report),
      is_open(out),
      1,
  };
  (void)!write(out, r, sizeof(r));
  _exit(0);
}

int main(void)
{
  int p[2];
  if (pipe(p) < 0)
    return 1;
  pid_t pid = fork();
  if (pid == 0) {
    close(p[0]);
    child(p[1]);
  }
  close(p[1]);
  char r[9] = {0};
  ssize_t n = read(p[0], r, sizeof(r));
  waitpid(pid, NULL, 0);
  TAP_OK(n == (ssize_t)sizeof(r), "the child reported");
  TAP_OK(r[0], "rt_close_fds succeeds");
  TAP_OK(r[1], "a preserved fd stays open, close-on-exec cleared");
  TAP_OK(r[2], "a kept fd inside the preserved range moves above it, close-on-exec");
  TAP_OK(r[3], "the slot it moved away from does not pass the runtime's fd on");
  TAP_OK(r[4], "a kept fd above the range stays where it is, close-on-exec");
  TAP_OK(r[5], "every other fd is closed, not only marked close-on-exec");
  TAP_OK(r[6], "the fd the report was dup'ed from is closed too");
  TAP_OK(r[7], "the kept report fd is open");
  return TAP_DONE();
}
