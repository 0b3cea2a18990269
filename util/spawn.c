/* spawn_capture gives the child memfds, not pipes: the whole input is written before the child
 * starts and its output read after it exits, so neither side can block on a full pipe (nor get
 * SIGPIPE), and no poll loop is needed. */
#include "util/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"

extern char **environ;

/* A memfd holding len bytes of data, at offset 0. */
static int memfd_with(const void *data, size_t len, struct td_err **err)
{
  autoclose int fd = memfd_create("tinydocker-spawn", MFD_CLOEXEC);
  if (fd < 0)
    return err_set(err, errno, "memfd_create");
  if (len && (write_all(fd, data, len) < 0 || lseek(fd, 0, SEEK_SET) < 0))
    return err_set(err, errno, "write memfd");
  return steal_fd(fd);
}

/* The whole content of a memfd, NUL-terminated. */
static char *memfd_text(int fd)
{
  struct stat st;
  size_t len = fstat(fd, &st) == 0 && st.st_size > 0 ? (size_t)st.st_size : 0;
  char *buf = xmalloc(len + 1);
  size_t n = 0;
  while (n < len) {
    ssize_t r = RETRY_EINTR(pread(fd, buf + n, len - n, (off_t)n));
    if (r <= 0)
      break;
    n += (size_t)r;
  }
  buf[n] = '\0';
  return buf;
}

/* The child's stdio, each above 2: a dup2 onto a lower target would overwrite a source not yet
 * copied, and one onto itself would keep its close-on-exec flag. high[i] is -1 where fds[i]
 * could be used as it is, else a duplicate for the caller to close. */
static int stdio_above(const int fds[3], int use[3], int high[3], struct td_err **err)
{
  for (int i = 0; i < 3; i++) {
    high[i] = fds[i] > STDERR_FILENO ? -1 : fcntl(fds[i], F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
    if (fds[i] <= STDERR_FILENO && high[i] < 0)
      return err_set(err, errno, "dup fd %d", fds[i]);
    use[i] = high[i] >= 0 ? high[i] : fds[i];
  }
  return 0;
}

static void close_all(int high[3])
{
  for (int i = 0; i < 3; i++)
    cleanup_closep(&high[i]);
}

int spawn_fds(const char *prog, char *const argv[], const int fds[3], pid_t *pid,
              struct td_err **err)
{
  int use[3], high[3] = {-1, -1, -1};
  if (stdio_above(fds, use, high, err) < 0) {
    close_all(high);
    return -1;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  for (int i = 0; i < 3; i++)
    posix_spawn_file_actions_adddup2(&fa, use[i], i);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  int rc = posix_spawn(pid, prog, &fa, &attr, argv, environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&fa);
  close_all(high);
  return rc == 0 ? 0 : err_set(err, rc, "run %s", prog);
}

int spawn_wait(pid_t pid, const char *prog, struct td_err **err)
{
  int status;
  if (RETRY_EINTR(waitpid(pid, &status, 0)) < 0)
    return err_set(err, errno, "wait for %s", prog);
  return status;
}

int spawn_capture(const char *prog, char *const argv[], const void *in, size_t in_len, char **out,
                  char **errtxt, struct td_err **err)
{
  autoclose int ifd = memfd_with(in, in_len, err);
  autoclose int ofd = ifd < 0 ? -1 : memfd_with(NULL, 0, err);
  autoclose int efd = ofd < 0 ? -1 : memfd_with(NULL, 0, err);
  pid_t pid;
  if (efd < 0 || spawn_fds(prog, argv, (const int[3]){ifd, ofd, efd}, &pid, err) < 0)
    return -1;
  int status = spawn_wait(pid, prog, err);
  if (status < 0)
    return -1;
  if (out)
    *out = memfd_text(ofd);
  if (errtxt)
    *errtxt = memfd_text(efd);
  return status;
}
