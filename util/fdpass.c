/* Passing fds over a unix socket (SCM_RIGHTS): fdpass.h. */
#include "util/fdpass.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"

#ifndef SCM_PIDFD
#define SCM_PIDFD 0x04 /* an fd too, when the receiver set SO_PASSPIDFD (Linux 6.5) */
#endif

ssize_t fdpass_send(int sock, const void *buf, size_t len, const int *fds, size_t n)
{
  if (n > FDPASS_MAX) {
    errno = EINVAL;
    return -1;
  }
  struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
  union {
    char buf[CMSG_SPACE(sizeof(int) * FDPASS_MAX)];
    struct cmsghdr align;
  } u;
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
  if (n > 0) {
    memset(&u, 0, sizeof(u));
    mh.msg_control = u.buf;
    mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * n);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
  }
  return RETRY_EINTR(sendmsg(sock, &mh, MSG_NOSIGNAL));
}

ssize_t fd_send(int sock, const void *buf, size_t len, int fd)
{
  return fdpass_send(sock, buf, len, &fd, fd >= 0 ? 1 : 0);
}

/* The fds a control message carries that fit in the buffer the kernel filled (a message cut
 * short says more than it holds). */
static size_t cmsg_fds(const struct msghdr *mh, const struct cmsghdr *c)
{
  const unsigned char *end = (const unsigned char *)mh->msg_control + mh->msg_controllen;
  const unsigned char *data = CMSG_DATA(c);
  if (c->cmsg_len < CMSG_LEN(0) || data > end)
    return 0;
  size_t len = c->cmsg_len - CMSG_LEN(0), room = (size_t)(end - data);
  return (len < room ? len : room) / sizeof(int);
}

static bool carries_fds(const struct cmsghdr *c)
{
  return c->cmsg_level == SOL_SOCKET && (c->cmsg_type == SCM_RIGHTS || c->cmsg_type == SCM_PIDFD);
}

ssize_t fdpass_recv(int sock, void *buf, size_t len, size_t max, int flags, struct fdpass_in *in)
{
  memset(in, 0, sizeof(*in));
  for (size_t k = 0; k < FDPASS_MAX; k++)
    in->fds[k] = -1;
  if (max > FDPASS_MAX)
    max = FDPASS_MAX;
  struct iovec iov = {.iov_base = buf, .iov_len = len};
  /* room for one fd more than taken, so that an extra one is seen (and closed) rather than
   * cut off by the kernel; a message with more still ends cut short (MSG_CTRUNC): refused */
  union {
    char buf[CMSG_SPACE(sizeof(int) * (FDPASS_MAX + 1)) + CMSG_SPACE(sizeof(struct ucred))];
    struct cmsghdr align;
  } u;
  struct msghdr mh = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
  ssize_t r = RETRY_EINTR(recvmsg(sock, &mh, MSG_CMSG_CLOEXEC));
  if (r < 0)
    return -1;
  size_t total = 0;
  /* cut short with room left for another fd: the kernel could not install one here (our
   * RLIMIT_NOFILE), not for want of buffer; filled to the end: more fds than we take */
  bool cut = (mh.msg_flags & MSG_CTRUNC) != 0;
  in->exhausted = cut && sizeof(u.buf) - mh.msg_controllen >= sizeof(int);
  bool refused = cut && !in->exhausted;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      total += cmsg_fds(&mh, c);
    } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
               (flags & FDPASS_CREDS) && c->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
      memcpy(&in->cred, CMSG_DATA(c), sizeof(in->cred));
      in->has_cred = true;
    } else {
      refused = true;
    }
  }
  refused = refused || total > max;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
    if (!carries_fds(c))
      continue;
    size_t n = cmsg_fds(&mh, c);
    for (size_t k = 0; k < n; k++) {
      int fd;
      memcpy(&fd, CMSG_DATA(c) + k * sizeof(int), sizeof(fd));
      if (refused || c->cmsg_type != SCM_RIGHTS)
        close(fd);
      else
        in->fds[in->n++] = fd;
    }
  }
  in->refused = refused;
  return r;
}

ssize_t fd_recv(int sock, void *buf, size_t len, int *fd)
{
  struct fdpass_in in;
  if (fd)
    *fd = -1;
  ssize_t r = fdpass_recv(sock, buf, len, fd ? 1 : 0, 0, &in);
  if (r < 0)
    return -1;
  if (in.refused || in.exhausted) {
    for (size_t k = 0; k < in.n; k++)
      close(in.fds[k]);
    errno = in.refused ? EPROTO : EMFILE;
    return -1;
  }
  if (fd)
    *fd = in.fds[0];
  return r;
}
