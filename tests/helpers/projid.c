/* The attack helper of 69-storage-quota.bats, run inside a container: what the kernel lets root
 * in the container do to a file's project id (static, so any image runs it).
 *   projid get PATH            print the project id and whether PROJINHERIT is set
 *   projid set PATH ID         FS_IOC_FSSETXATTR with fsx_projid = ID
 *   projid noinherit PATH      FS_IOC_FSSETXATTR without FS_XFLAG_PROJINHERIT
 *   projid setflags PATH       FS_IOC_SETFLAGS without FS_PROJINHERIT_FL
 *   projid tty                 an unrelated ioctl (FIONREAD on a pipe): still allowed
 * Prints "ok" or "error: <strerror>" and exits 0 or 1. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int fail(void)
{
  printf("error: %s\n", strerror(errno));
  return 1;
}

int main(int argc, char **argv)
{
  if (argc >= 2 && strcmp(argv[1], "tty") == 0) {
    int p[2], n = 0;
    if (pipe(p) < 0 || ioctl(p[0], FIONREAD, &n) < 0)
      return fail();
    printf("ok\n");
    return 0;
  }
  if (argc < 3)
    return 2;
  int fd = open(argv[2], O_RDONLY | O_CLOEXEC);
  struct fsxattr fa;
  if (fd < 0 || ioctl(fd, FS_IOC_FSGETXATTR, &fa) < 0)
    return fail();
  if (strcmp(argv[1], "get") == 0) {
    printf("projid=%u inherit=%d\n", fa.fsx_projid, !!(fa.fsx_xflags & FS_XFLAG_PROJINHERIT));
    return 0;
  }
  if (strcmp(argv[1], "set") == 0 && argc > 3)
    fa.fsx_projid = (unsigned)strtoul(argv[3], NULL, 10);
  else if (strcmp(argv[1], "noinherit") == 0)
    fa.fsx_xflags &= ~(unsigned)FS_XFLAG_PROJINHERIT;
  if (strcmp(argv[1], "setflags") == 0) {
    int fl = 0;
    if (ioctl(fd, FS_IOC_GETFLAGS, &fl) < 0)
      return fail();
    fl &= ~FS_PROJINHERIT_FL;
    if (ioctl(fd, FS_IOC_SETFLAGS, &fl) < 0)
      return fail();
  } else if (ioctl(fd, FS_IOC_FSSETXATTR, &fa) < 0) {
    return fail();
  }
  printf("ok\n");
  return 0;
}
