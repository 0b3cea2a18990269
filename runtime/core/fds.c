/* What the container keeps of the runtime's fds: stdio, the --preserve-fds range, and until
 * execve only the fds the init itself still needs (sync socket, exec fifo dir). Everything
 * else (cgroup dirs, the caller's pipes, the state dir lock...) is closed for real, not only
 * marked close-on-exec: a created container waits on its fifo for as long as it likes, and
 * must hold nothing of the host's meanwhile (a caller reading `create`'s output through a
 * pipe would otherwise wait until `start`). */
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/core/internal.h"

static int cmp_int(const void *a, const void *b)
{
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

static int close_between(unsigned lo, unsigned hi)
{
  if (lo > hi)
    return 0;
  return (int)syscall(SYS_close_range, lo, hi, 0);
}

int rt_close_fds(int preserve, int *const *keep, size_t n_keep, struct td_err **err)
{
  unsigned first = 3 + (unsigned)(preserve > 0 ? preserve : 0);
  /* a kept fd inside the preserved range would leak into the program: move it above */
  for (size_t i = 0; i < n_keep; i++) {
    int fd = *keep[i];
    if (fd >= 0 && (unsigned)fd < first) {
      int moved = fcntl(fd, F_DUPFD_CLOEXEC, (int)first + 64);
      if (moved < 0)
        return err_set(err, errno, "move fd %d", fd);
      close(fd);
      *keep[i] = moved;
    }
  }
  for (unsigned fd = 3; fd < first; fd++) {
    int fl = fcntl((int)fd, F_GETFD);
    if (fl >= 0)
      fcntl((int)fd, F_SETFD, fl & ~FD_CLOEXEC);
  }
  int sorted[8];
  size_t n = 0;
  for (size_t i = 0; i < n_keep && n < sizeof(sorted) / sizeof(sorted[0]); i++)
    if (*keep[i] >= 0)
      sorted[n++] = *keep[i];
  qsort(sorted, n, sizeof(int), cmp_int);
  unsigned lo = first;
  for (size_t i = 0; i < n; i++) {
    if (close_between(lo, (unsigned)sorted[i] - 1) < 0)
      return err_set(err, errno, "close_range");
    fcntl(sorted[i], F_SETFD, FD_CLOEXEC);
    lo = (unsigned)sorted[i] + 1;
  }
  if (close_between(lo, ~0U) < 0)
    return err_set(err, errno, "close_range");
  return 0;
}
