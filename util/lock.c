#include "util/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "util/cleanup.h"

static int lock_take(const char *path, int op, struct td_err **err)
{
  autoclose int fd = RETRY_EINTR(open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (fd < 0)
    return err_set(err, errno, "open lock %s", path);
  if (RETRY_EINTR(flock(fd, op)) < 0)
    return err_set(err, errno, "lock %s", path);
  return steal_fd(fd);
}

int lock_acquire(const char *path, struct td_err **err)
{
  return lock_take(path, LOCK_EX, err);
}

int lock_acquire_shared(const char *path, struct td_err **err)
{
  return lock_take(path, LOCK_SH, err);
}

void lock_release(int fd)
{
  if (fd >= 0)
    close(fd);
}
