/* td-seccomp-agent: a seccomp notify listener for tests (runtime-spec linux.seccomp
 * listenerPath). It listens on a unix socket; each connection brings one message, the
 * container process state JSON with the listener fd in SCM_RIGHTS. The JSON goes to STATE
 * (one line per connection); every notification on any received fd is printed to stdout
 * ("notify <syscall nr> <pid>") and answered:
 *   ERRNO   the syscall fails with that errno (without running)
 *   ok      the syscall "succeeds" with 0 without running
 *   cont    the syscall runs as if there were no filter (SECCOMP_USER_NOTIF_FLAG_CONTINUE)
 *   hold    as cont, but the Nth notification is answered only once the file STATE.goN
 *           exists (so a test can look at the process while it waits in the syscall)
 * It runs until killed, or 30 s without anything to do. The socket appears only once it
 * listens (bound under a temporary name, then renamed).
 *   td-seccomp-agent SOCKET STATE ERRNO|ok|cont|hold */
#include <errno.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "listen.h"

#define MAX_FDS 16
#define IDLE_MS 30000

static int die(const char *what)
{
  fprintf(stderr, "td-seccomp-agent: %s: %s\n", what, strerror(errno));
  return 1;
}

/* One connection: the state JSON (appended to state_path as a line) and the listener fd. */
static int take_listener(int s, const char *state_path)
{
  int conn = accept4(s, NULL, NULL, SOCK_CLOEXEC);
  if (conn < 0)
    return -1;
  static char buf[65536];
  union {
    char b[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf) - 1};
  struct msghdr mh = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof(u.b)};
  ssize_t n = recvmsg(conn, &mh, MSG_CMSG_CLOEXEC);
  close(conn);
  if (n < 0)
    return -1;
  buf[n] = '\0';
  struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
  if (c == NULL || c->cmsg_type != SCM_RIGHTS) {
    errno = EPROTO;
    return -1;
  }
  int fd;
  memcpy(&fd, CMSG_DATA(c), sizeof(fd));
  FILE *f = fopen(state_path, "a");
  if (f == NULL)
    return -1;
  fprintf(f, "%s\n", buf);
  fclose(f);
  return fd;
}

static const char *state_path;
static int held;

/* Wait (bounded) until STATE.goN exists. */
static void hold(int n)
{
  char go[4096];
  snprintf(go, sizeof(go), "%s.go%d", state_path, n);
  for (int i = 0; i < IDLE_MS / 50 && access(go, F_OK) < 0; i++)
    usleep(50 * 1000);
}

/* Receive one notification on fd and answer it as mode says. */
static int answer(int fd, const char *mode)
{
  struct seccomp_notif_sizes sz;
  if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz) < 0)
    return -1;
  struct seccomp_notif *req = calloc(1, sz.seccomp_notif);
  struct seccomp_notif_resp *resp = calloc(1, sz.seccomp_notif_resp);
  int rc = -1;
  if (req == NULL || resp == NULL || ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, req) < 0)
    goto out;
  printf("notify %d %u\n", req->data.nr, req->pid);
  fflush(stdout);
  resp->id = req->id;
  if (strcmp(mode, "hold") == 0)
    hold(++held);
  if (strcmp(mode, "cont") == 0 || strcmp(mode, "hold") == 0)
    resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  else if (strcmp(mode, "ok") != 0)
    resp->error = -atoi(mode);
  /* ENOENT: the process died meanwhile, nothing to answer */
  rc = ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 && errno != ENOENT ? -1 : 0;
out:
  free(req);
  free(resp);
  return rc;
}

int main(int argc, char **argv)
{
  if (argc != 4) {
    fprintf(stderr, "usage: td-seccomp-agent SOCKET STATE ERRNO|ok|cont|hold\n");
    return 2;
  }
  state_path = argv[2];
  struct pollfd p[MAX_FDS + 1];
  int n = 1;
  p[0] = (struct pollfd){.fd = listen_on(argv[1], 4), .events = POLLIN};
  if (p[0].fd < 0)
    return die("listen");
  for (;;) {
    int r = poll(p, (nfds_t)n, IDLE_MS);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return r == 0 ? 0 : die("poll");
    if ((p[0].revents & POLLIN) && n <= MAX_FDS) {
      int fd = take_listener(p[0].fd, argv[2]);
      if (fd < 0)
        return die("receive a listener fd");
      p[n++] = (struct pollfd){.fd = fd, .events = POLLIN};
    }
    for (int i = 1; i < n; i++) {
      if (p[i].revents & POLLIN) {
        if (answer(p[i].fd, argv[3]) < 0)
          return die("answer a notification");
      } else if (p[i].revents & (POLLHUP | POLLERR)) {
        close(p[i].fd); /* every process under that filter is gone */
        p[i--] = p[--n];
      }
    }
  }
}
