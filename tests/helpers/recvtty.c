/* td-recvtty: the other end of `--console-socket`, for tests. It listens on a unix socket,
 * takes one connection, receives the pty master by SCM_RIGHTS (the runc protocol: one
 * message, the fd in the control data), and prints what it got:
 *   name: <the message payload>
 *   link: <readlink of /proc/self/fd/N>
 *   pty: <the slave's number, TIOCGPTN>
 *   winsize: <rows> <cols>
 * then writes INPUT and a newline into the master (if given) and copies everything the
 * container writes to the terminal to stdout until the last slave is closed.
 * The socket appears only once it listens (bound under a temporary name, then renamed), so
 * a test can wait for the file. Every wait is bounded: nothing here can hang a test.
 *   td-recvtty SOCKET [INPUT] */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "listen.h"

#define TIMEOUT_MS 20000

static int die(const char *what)
{
  fprintf(stderr, "td-recvtty: %s: %s\n", what, strerror(errno));
  return 1;
}

static int wait_readable(int fd)
{
  struct pollfd p = {.fd = fd, .events = POLLIN};
  int r = poll(&p, 1, TIMEOUT_MS);
  if (r == 0)
    errno = ETIMEDOUT;
  return r > 0 ? 0 : -1;
}

/* One message with the fd in SCM_RIGHTS; name gets the payload. */
static int receive_fd(int conn, char *name, size_t cap)
{
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  struct iovec iov = {.iov_base = name, .iov_len = cap - 1};
  struct msghdr mh = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
  if (wait_readable(conn) < 0)
    return -1;
  ssize_t n = recvmsg(conn, &mh, MSG_CMSG_CLOEXEC);
  if (n < 0)
    return -1;
  name[n] = '\0';
  struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
  if (c == NULL || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
    errno = EPROTO;
    return -1;
  }
  int fd;
  memcpy(&fd, CMSG_DATA(c), sizeof(fd));
  return fd;
}

static void describe(int master, const char *name)
{
  char link[256] = "", proc[64];
  snprintf(proc, sizeof(proc), "/proc/self/fd/%d", master);
  ssize_t n = readlink(proc, link, sizeof(link) - 1);
  if (n > 0)
    link[n] = '\0';
  int ptn = -1;
  struct winsize ws = {0};
  ioctl(master, TIOCGPTN, &ptn);
  ioctl(master, TIOCGWINSZ, &ws);
  printf("name: %s\nlink: %s\npty: %d\nwinsize: %u %u\n", name, link, ptn, ws.ws_row, ws.ws_col);
  fflush(stdout);
}

/* Copy the terminal's output until every slave is closed (EIO) or nothing comes for long. */
static int relay(int master)
{
  char buf[4096];
  for (;;) {
    if (wait_readable(master) < 0)
      return errno == ETIMEDOUT ? 0 : -1;
    ssize_t n = read(master, buf, sizeof(buf));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return 0; /* EIO: the last slave was closed */
    if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
      return -1;
    fflush(stdout);
  }
}

int main(int argc, char **argv)
{
  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: td-recvtty SOCKET [INPUT]\n");
    return 2;
  }
  int s = listen_on(argv[1], 1);
  if (s < 0)
    return die("listen");
  if (wait_readable(s) < 0)
    return die("wait for the runtime");
  int conn = accept4(s, NULL, NULL, SOCK_CLOEXEC);
  if (conn < 0)
    return die("accept");
  char name[256];
  int master = receive_fd(conn, name, sizeof(name));
  if (master < 0)
    return die("receive the pty master");
  close(conn);
  close(s);
  unlink(argv[1]);
  describe(master, name);
  if (argc == 3) {
    size_t len = strlen(argv[2]);
    if (write(master, argv[2], len) != (ssize_t)len || write(master, "\n", 1) != 1)
      return die("write to the terminal");
  }
  return relay(master) < 0 ? die("read the terminal") : 0;
}
