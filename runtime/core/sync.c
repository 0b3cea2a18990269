/* The runtime <-> init sync socket (SOCK_SEQPACKET: one message per record) and fd passing. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "runtime/core/internal.h"
#include "util/cleanup.h"

static int send_with_fd(int sock, const void *buf, size_t len, int fd)
{
  struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
  if (fd >= 0) {
    memset(&u, 0, sizeof(u));
    mh.msg_control = u.buf;
    mh.msg_controllen = sizeof(u.buf);
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
  }
  ssize_t r = RETRY_EINTR(sendmsg(sock, &mh, MSG_NOSIGNAL));
  return r < 0 ? -1 : 0;
}

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
  return send_with_fd(sock, &m, len, fd);
}

int rt_msg_recv(int sock, struct rt_msg *m, int *fd_out)
{
  union {
    char buf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct ucred))];
    struct cmsghdr align;
  } u;
  struct iovec iov = {.iov_base = m, .iov_len = sizeof(*m)};
  struct msghdr mh = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
  if (fd_out)
    *fd_out = -1;
  memset(m, 0, offsetof(struct rt_msg, data) + 1);
  ssize_t r = RETRY_EINTR(recvmsg(sock, &mh, MSG_CMSG_CLOEXEC));
  if (r < 0)
    return -1;
  if (r == 0)
    return 1;
  if ((size_t)r < offsetof(struct rt_msg, data)) {
    errno = EPROTO;
    return -1;
  }
  if ((size_t)r < sizeof(*m))
    ((char *)m)[r] = '\0';
  m->data[sizeof(m->data) - 1] = '\0';
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      int fd;
      memcpy(&fd, CMSG_DATA(c), sizeof(int));
      if (fd_out)
        *fd_out = fd;
      else
        close(fd);
    } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
               m->type == RT_MSG_PID) {
      /* the kernel translated the sender's pid into our pid namespace */
      struct ucred cr;
      memcpy(&cr, CMSG_DATA(c), sizeof(cr));
      m->value = cr.pid;
    }
  }
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
  if (send_with_fd(s, name, sizeof(name) - 1, master) < 0)
    return err_set(err, errno, "send the pty master to %s", path);
  return 0;
}
