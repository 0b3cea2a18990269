/* The runtime <-> init sync socket (SOCK_SEQPACKET: one message per record) and fd passing. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "runtime/core/internal.h"
#include "util/cleanup.h"
#include "util/fdpass.h"

int rt_msg_send(int sock, uint32_t type, int32_t value, const char *data, int fd)
{
  struct rt_msg m = {.type = type, .value = value};
  size_t len = offsetof(struct rt_msg, data);
  if (data) {
    size_t n = strnlen(data, sizeof(m.data) - 1);
    memcpy(m.data, data, n);
    m.data[n] = '\0';
    len += n + 1;
  }
  return fd_send(sock, &m, len, fd) < 0 ? -1 : 0;
}

int rt_msg_recv(int sock, struct rt_msg *m, int *fd_out)
{
  if (fd_out)
    *fd_out = -1;
  memset(m, 0, offsetof(struct rt_msg, data) + 1);
  struct fdpass_in in;
  ssize_t r = fdpass_recv(sock, m, sizeof(*m), 1, FDPASS_CREDS, &in);
  if (r < 0)
    return -1;
  /* an fd is kept only with a whole message for a caller that takes it */
  autoclose int fd = in.fds[0];
  if (r == 0)
    return 1;
  if ((size_t)r < offsetof(struct rt_msg, data) || in.refused || in.exhausted) {
    errno = in.exhausted && !in.refused ? EMFILE : EPROTO;
    return -1;
  }
  if ((size_t)r < sizeof(*m))
    ((char *)m)[r] = '\0';
  m->data[sizeof(m->data) - 1] = '\0';
  if (fd_out) {
    *fd_out = fd;
    fd = -1;
  }
  /* the kernel translated the sender's pid into our pid namespace */
  if (in.has_cred && m->type == RT_MSG_PID)
    m->value = in.cred.pid;
  return 0;
}

int rt_console_send_to_socket(const char *path, int master, struct td_err **err)
{
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof(sa.sun_path))
    return err_set(err, ENAMETOOLONG, "console socket %s", path);
  memcpy(sa.sun_path, path, strlen(path) + 1);
  autoclose int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0)
    return err_set(err, errno, "console socket");
  if (RETRY_EINTR(connect(s, (struct sockaddr *)&sa, sizeof(sa))) < 0)
    return err_set(err, errno, "connect to console socket %s", path);
  static const char name[] = "/dev/ptmx";
  if (fd_send(s, name, sizeof(name) - 1, master) < 0)
    return err_set(err, errno, "send the pty master to %s", path);
  return 0;
}
