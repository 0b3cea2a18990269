#include "engine/monitor/monitor.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "util/cleanup.h"

int mon_send(int sock, const struct mon_msg *m, const int *fds, int n)
{
  struct iovec iov = {.iov_base = (void *)m, .iov_len = sizeof(*m)};
  union {
    char buf[CMSG_SPACE(sizeof(int) * 3)];
    struct cmsghdr align;
  } u;
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
  if (n > 0) {
    memset(&u, 0, sizeof(u));
    mh.msg_control = u.buf;
    mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n);
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)n);
  }
  return RETRY_EINTR(sendmsg(sock, &mh, MSG_NOSIGNAL)) < 0 ? -1 : 0;
}

int mon_recv(int sock, struct mon_msg *m, int *fds, int *nfds)
{
  struct iovec iov = {.iov_base = m, .iov_len = sizeof(*m)};
  union {
    char buf[CMSG_SPACE(sizeof(int) * 3)];
    struct cmsghdr align;
  } u;
  struct msghdr mh = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
  fds[0] = fds[1] = fds[2] = -1;
  *nfds = 0;
  memset(m, 0, sizeof(*m));
  ssize_t r = RETRY_EINTR(recvmsg(sock, &mh, MSG_CMSG_CLOEXEC));
  if (r < 0)
    return errno == ECONNRESET ? 0 : -1;
  if (r == 0)
    return 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      int n = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
      if (n > 3)
        n = 3;
      memcpy(fds, CMSG_DATA(c), sizeof(int) * (size_t)n);
      *nfds = n;
    }
  }
  m->text[sizeof(m->text) - 1] = '\0';
  return 1;
}
