/* The console socket another OCI runtime sends a pty master on (runc's and crun's
 * --console-socket), for `run -t` (the monitor) and `exec -t` (the CLI) under --runtime NAME.
 * The socket lives in a fresh directory of its own, mode 0700, made by mkdtemp under the
 * runtime's state directory; it takes one connection only, from the runtime process we
 * started (SO_PEERCRED), and one fd only, which must be a pty master (TIOCGPTN): anything else
 * is closed and refused. After that one connection the listener is closed and the socket
 * removed, so nothing can connect a second time to replace the terminal we relay. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "engine/monitor/internal.h"
#include "util/cleanup.h"
#include "util/fdpass.h"
#include "util/xalloc.h"

int console_sock_open(const char *parent, struct console_sock *cs, struct td_err **err)
{
  *cs = (struct console_sock){.fd = -1};
  cs->dir = xasprintf("%s/cs-XXXXXX", parent);
  if (mkdtemp(cs->dir) == NULL) {
    err_set(err, errno, "console socket directory %s", cs->dir);
    free(cs->dir);
    cs->dir = NULL;
    return -1;
  }
  cs->path = xasprintf("%s/s", cs->dir);
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  struct stat st;
  if (strlen(cs->path) >= sizeof(sa.sun_path)) {
    err_set(err, ENAMETOOLONG, "console socket %s", cs->path);
    goto fail;
  }
  /* mkdtemp's 0700, ours: refuse anything else (a umask or a filesystem that ignores modes) */
  if (lstat(cs->dir, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
      (st.st_mode & 077) != 0) {
    err_set(err, EPERM, "console socket directory %s is not ours alone", cs->dir);
    goto fail;
  }
  strcpy(sa.sun_path, cs->path);
  cs->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (cs->fd < 0 || bind(cs->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(cs->fd, 1) < 0) {
    err_set(err, errno, "console socket %s", cs->path);
    goto fail;
  }
  return 0;
fail:
  console_sock_close(cs);
  return -1;
}

int console_recv(int conn, void *buf, size_t cap, size_t *got, int *master, struct td_err **err)
{
  if (master)
    *master = -1;
  /* fdpass_recv closes whatever it does not hand on: a second fd, one where none is
   * expected, those of a control message cut short or of any other control message */
  struct fdpass_in in;
  ssize_t r = fdpass_recv(conn, buf, cap, master ? 1 : 0, 0, &in);
  if (r < 0)
    return err_set(err, errno, "read the console socket");
  *got = (size_t)r;
  if (master == NULL)
    return in.refused ? err_set(err, EPROTO, "an fd came where none was expected") : 0;
  if (in.exhausted && !in.refused) {
    for (size_t k = 0; k < in.n; k++)
      close(in.fds[k]);
    return err_set(err, EMFILE, "take the pty master from the console socket");
  }
  if (in.refused || in.n != 1)
    return err_set(err, EPROTO, "the console socket did not carry exactly one fd");
  int fd = in.fds[0];
  unsigned int ptn;
  if (ioctl(fd, TIOCGPTN, &ptn) < 0) {
    close(fd);
    return err_set(err, EPROTO, "the fd on the console socket is not a pty master");
  }
  /* runc opens it non-blocking (Go's poller; the flag is the open file's, so ours too): the
   * relay and the holder after a detach read and write it as the core's, blocking */
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
    close(fd);
    return err_set(err, errno, "the pty master from the console socket");
  }
  *master = fd;
  return 0;
}

int console_send(int conn, const void *buf, size_t len, int fd)
{
  return fd_send(conn, buf, len, fd) == (ssize_t)len ? 0 : -1;
}

int console_sock_take(struct console_sock *cs, pid_t peer, int timeout_ms, int *master,
                      struct td_err **err)
{
  *master = -1;
  if (cs->fd < 0)
    return err_set(err, EBADF, "the console socket took its connection already");
  struct pollfd pfd = {.fd = cs->fd, .events = POLLIN};
  int n = poll(&pfd, 1, timeout_ms);
  if (n < 0 && errno != EINTR)
    return err_set(err, errno, "poll the console socket");
  if (n <= 0)
    return 0;
  autoclose int conn = accept4(cs->fd, NULL, NULL, SOCK_CLOEXEC);
  if (conn < 0)
    return errno == EAGAIN || errno == EINTR ? 0 : err_set(err, errno, "accept on %s", cs->path);
  /* one connection only, whoever made it */
  close(cs->fd);
  cs->fd = -1;
  unlink(cs->path);
  struct ucred cred;
  socklen_t len = sizeof(cred);
  if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
    return err_set(err, errno, "the console socket's peer");
  if (cred.pid != peer || cred.uid != geteuid())
    return err_set(err, EPERM, "the console socket was connected by pid %d, not the runtime's %d",
                   (int)cred.pid, (int)peer);
  char byte[256];
  size_t got = 0;
  return console_recv(conn, byte, sizeof(byte), &got, master, err) < 0 ? -1 : 1;
}

void console_sock_close(struct console_sock *cs)
{
  if (cs->fd >= 0)
    close(cs->fd);
  cs->fd = -1;
  if (cs->path)
    unlink(cs->path);
  if (cs->dir)
    rmdir(cs->dir);
  free(cs->path);
  free(cs->dir);
  cs->path = cs->dir = NULL;
}
