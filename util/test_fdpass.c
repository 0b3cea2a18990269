/* util/fdpass.c: an fd round-trips over a socketpair; a message with no fd; one with more fds
 * than asked for, or with its control message cut short, is refused with every fd closed
 * (none stays open here); received fds are close-on-exec; credentials when asked for. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/tap.h"
#include "util/fdpass.h"

/* fd and other name the same open file */
static bool same_file(int fd, int other)
{
  struct stat a, b;
  return fstat(fd, &a) == 0 && fstat(other, &b) == 0 && a.st_ino == b.st_ino &&
         a.st_dev == b.st_dev;
}

static bool cloexec(int fd)
{
  int fl = fcntl(fd, F_GETFD);
  return fl >= 0 && (fl & FD_CLOEXEC);
}

/* n fds in one SCM_RIGHTS message: a raw sender, for messages fdpass_send does not make */
static void send_raw(int s, const int *fds, size_t n)
{
  char byte = 'x';
  struct iovec iov = {.iov_base = &byte, .iov_len = 1};
  union {
    char buf[CMSG_SPACE(16 * sizeof(int))];
    struct cmsghdr align;
  } u;
  memset(&u, 0, sizeof(u));
  struct msghdr mh = {.msg_iov = &iov,
                      .msg_iovlen = 1,
                      .msg_control = u.buf,
                      .msg_controllen = CMSG_SPACE(n * sizeof(int))};
  struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(n * sizeof(int));
  memcpy(CMSG_DATA(c), fds, n * sizeof(int));
  if (sendmsg(s, &mh, 0) != 1)
    printf("# send_raw: %s\n", strerror(errno));
}

int main(void)
{
  int sp[2], pp[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0 || pipe(pp) < 0)
    return 1;
  int before = tap_open_fds();
  char buf[16];
  int fd = -2;

  /* one fd round-trips, close-on-exec on our side though it was not on the sender's */
  TAP_OK(fd_send(sp[0], "hello", 5, pp[0]) == 5, "fd_send: one fd with 5 bytes");
  ssize_t r = fd_recv(sp[1], buf, sizeof(buf), &fd);
  TAP_OK(r == 5 && memcmp(buf, "hello", 5) == 0, "fd_recv: the bytes");
  TAP_OK(fd >= 0 && fd != pp[0] && same_file(fd, pp[0]), "fd_recv: the same pipe, a new fd");
  TAP_OK(fd >= 0 && !cloexec(pp[0]) && cloexec(fd), "fd_recv: close-on-exec (MSG_CMSG_CLOEXEC)");
  if (fd >= 0)
    close(fd);
  TAP_OK(tap_open_fds() == before, "nothing else left open");

  /* a message without any */
  fd = -2;
  TAP_OK(fd_send(sp[0], "no", 2, -1) == 2, "fd_send: no fd");
  r = fd_recv(sp[1], buf, sizeof(buf), &fd);
  TAP_OK(r == 2 && fd == -1 && memcmp(buf, "no", 2) == 0, "fd_recv: the bytes and fd -1");
  TAP_OK(fd_send(sp[0], "no", 2, -1) == 2 && fd_recv(sp[1], buf, sizeof(buf), NULL) == 2,
         "fd_recv with no fd asked for: a message without one is fine");

  /* two fds where one is taken: refused, both closed */
  int two[2] = {pp[0], pp[1]};
  TAP_OK(fdpass_send(sp[0], "2", 1, two, 2) == 1, "fdpass_send: two fds");
  fd = -2;
  errno = 0;
  r = fd_recv(sp[1], buf, sizeof(buf), &fd);
  TAP_OK(r < 0 && errno == EPROTO && fd == -1, "fd_recv: two fds refused (EPROTO)");
  TAP_OK(tap_open_fds() == before, "fd_recv: both closed");
  TAP_OK(fd_send(sp[0], "1", 1, pp[0]) == 1, "one fd where none is asked for");
  errno = 0;
  TAP_OK(fd_recv(sp[1], buf, sizeof(buf), NULL) < 0 && errno == EPROTO && tap_open_fds() == before,
         "fd_recv with no fd asked for: refused, the fd closed");

  /* up to FDPASS_MAX */
  int three[3] = {pp[0], pp[1], pp[0]};
  struct fdpass_in in;
  TAP_OK(fdpass_send(sp[0], "3", 1, three, 3) == 1, "fdpass_send: three fds");
  r = fdpass_recv(sp[1], buf, sizeof(buf), 3, 0, &in);
  TAP_OK(r == 1 && !in.refused && in.n == 3 && same_file(in.fds[0], pp[0]) &&
             same_file(in.fds[1], pp[1]) && same_file(in.fds[2], pp[0]) && cloexec(in.fds[2]),
         "fdpass_recv: three fds in order");
  for (size_t k = 0; k < in.n; k++)
    close(in.fds[k]);
  TAP_OK(tap_open_fds() == before, "fdpass_recv: nothing else open");
  errno = 0;
  int four[4] = {pp[0], pp[1], pp[0], pp[1]};
  TAP_OK(fdpass_send(sp[0], "4", 1, four, 4) < 0 && errno == EINVAL,
         "fdpass_send: more than FDPASS_MAX refused");

  /* more than max: the bytes still come, the fds are all closed */
  TAP_OK(fdpass_send(sp[0], "3", 1, three, 3) == 1, "three fds where two are taken");
  r = fdpass_recv(sp[1], buf, sizeof(buf), 2, 0, &in);
  TAP_OK(r == 1 && buf[0] == '3' && in.refused && in.n == 0 && in.fds[0] == -1,
         "fdpass_recv: refused, the bytes kept");
  TAP_OK(tap_open_fds() == before, "fdpass_recv: all three closed");

  /* more than fits the receiver's control buffer: the kernel cuts it (MSG_CTRUNC) after
   * installing some of them; those are closed too */
  int many[16];
  for (int k = 0; k < 16; k++)
    many[k] = pp[k % 2];
  send_raw(sp[0], many, 4);
  r = fdpass_recv(sp[1], buf, sizeof(buf), 3, 0, &in);
  TAP_OK(r == 1 && in.refused && in.n == 0 && tap_open_fds() == before,
         "four fds (they fit, no MSG_CTRUNC) where three are taken: all closed");
  send_raw(sp[0], many, 16);
  r = fdpass_recv(sp[1], buf, sizeof(buf), 3, 0, &in);
  TAP_OK(r == 1 && in.refused && in.n == 0,
         "16 fds, more than the receive buffer holds (the kernel cuts it, MSG_CTRUNC): refused");
  TAP_OK(tap_open_fds() == before, "16 fds: every fd the kernel installed is closed");

  /* no fd number left here (RLIMIT_NOFILE): not refused but exhausted (EMFILE), with the fds
   * the kernel could install; fd_recv fails with EMFILE, nothing left open */
  struct rlimit old_lim, lim;
  getrlimit(RLIMIT_NOFILE, &old_lim);
  int low = dup(0); /* the lowest free number: the next fd the kernel installs */
  close(low);
  lim = old_lim;
  lim.rlim_cur = (rlim_t)low + 1; /* room for exactly one */
  TAP_OK(fdpass_send(sp[0], "3", 1, three, 3) == 1 && setrlimit(RLIMIT_NOFILE, &lim) == 0,
         "three fds to a receiver with room for one");
  r = fdpass_recv(sp[1], buf, sizeof(buf), 3, 0, &in);
  setrlimit(RLIMIT_NOFILE, &old_lim);
  TAP_OK(r == 1 && in.exhausted && !in.refused && in.n == 1 && same_file(in.fds[0], pp[0]),
         "fdpass_recv: exhausted, not refused; the one installed is handed on");
  for (size_t k = 0; k < in.n; k++)
    close(in.fds[k]);
  TAP_OK(tap_open_fds() == before, "exhausted: nothing else open");
  lim.rlim_cur = (rlim_t)low; /* room for none */
  TAP_OK(fd_send(sp[0], "1", 1, pp[0]) == 1 && setrlimit(RLIMIT_NOFILE, &lim) == 0,
         "one fd to a receiver with room for none");
  errno = 0;
  r = fd_recv(sp[1], buf, sizeof(buf), &fd);
  int e = errno;
  setrlimit(RLIMIT_NOFILE, &old_lim);
  TAP_OK(r < 0 && e == EMFILE && fd == -1 && tap_open_fds() == before,
         "fd_recv: EMFILE (not EPROTO) when no fd number is left");

  /* credentials: only when asked for (SO_PASSCRED on the receiver) */
  int one = 1;
  setsockopt(sp[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
  TAP_OK(fd_send(sp[0], "c", 1, pp[1]) == 1, "a message with credentials and an fd");
  r = fdpass_recv(sp[1], buf, sizeof(buf), 1, FDPASS_CREDS, &in);
  TAP_OK(r == 1 && !in.refused && in.has_cred && in.cred.pid == getpid() &&
             in.cred.uid == geteuid() && in.n == 1 && same_file(in.fds[0], pp[1]),
         "FDPASS_CREDS: the sender's pid and uid, and the fd");
  if (in.n)
    close(in.fds[0]);
  TAP_OK(fd_send(sp[0], "c", 1, pp[1]) == 1 && fdpass_recv(sp[1], buf, 1, 1, 0, &in) == 1 &&
             in.refused && in.n == 0 && !in.has_cred && tap_open_fds() == before,
         "credentials not asked for: refused, the fd closed");

  /* the peer gone: 0 */
  close(sp[0]);
  TAP_OK(fdpass_recv(sp[1], buf, sizeof(buf), 1, 0, &in) == 0 && in.n == 0,
         "end of the peer: 0 bytes");
  errno = 0;
  TAP_OK(fd_recv(-1, buf, sizeof(buf), &fd) < 0 && errno == EBADF && fd == -1,
         "recvmsg's own error: -1 with its errno");
  return TAP_DONE();
}
