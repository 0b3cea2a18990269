/* The container's terminal: a pty from the container's own devpts, and a relay for
 * `tinyrun run` when no console socket is given. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "runtime/core/internal.h"
#include "runtime/rootfs/rootfs.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"

int rt_console_check(const struct spec_process *p, const char *console_socket,
                     bool caller_takes_master, struct td_err **err)
{
  if (p->terminal && console_socket == NULL && !caller_takes_master)
    return err_set(err, 0, "process.terminal is true but no --console-socket was given");
  if (!p->terminal && console_socket != NULL)
    return err_set(err, 0, "--console-socket needs process.terminal to be true");
  return 0;
}

int rt_console_setup(const struct spec_process *p, bool bind_console, struct td_err **err)
{
  autoclose int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0)
    return err_set(err, errno, "open /dev/ptmx");
  int unlock = 0, ptn = 0;
  if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &ptn) < 0)
    return err_set(err, errno, "set up the pty");
  autofree char *slave_path = xasprintf("/dev/pts/%d", ptn);
  autoclose int slave = open(slave_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0)
    return err_set(err, errno, "open %s", slave_path);
  if (p->has_console_size) {
    struct winsize ws = {.ws_row = (unsigned short)p->console_height,
                         .ws_col = (unsigned short)p->console_width};
    if (ioctl(slave, TIOCSWINSZ, &ws) < 0)
      return err_set(err, errno, "set the console size");
  }
  if (bind_console && rootfs_bind_console(slave_path, err) < 0)
    return -1;
  if (setsid() < 0 && errno != EPERM)
    return err_set(err, errno, "setsid");
  if (ioctl(slave, TIOCSCTTY, 0) < 0)
    return err_set(err, errno, "set the controlling terminal");
  for (int i = 0; i < 3; i++)
    if (dup2(slave, i) < 0)
      return err_set(err, errno, "dup the pty to fd %d", i);
  return steal_fd(master);
}
