/* The client side of a monitor session: pass our stdio, relay signals and window size,
 * return the container's exit code. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "engine/parse/parse.h"
#include "engine/container/container.h"
#include "engine/monitor/monitor.h"
#include "engine/ops/ops.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

int attach_connect(const struct eng_ctx *ctx, const char *id, struct td_err **err)
{
  autofree char *dir = store_dir(ctx, id);
  autoclose int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return err_set(err, errno, "open %s", dir);
  autoclose int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (s < 0)
    return err_set(err, errno, "socket");
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/attach.sock", dfd);
  if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
    return err_set(err, errno, "connect to the monitor of %s", id);
  return steal_fd(s);
}

static struct termios saved_tio;
static bool tio_saved;

static void tty_restore(void)
{
  if (tio_saved)
    tcsetattr(0, TCSANOW, &saved_tio);
  tio_saved = false;
}

static void tty_raw(void)
{
  if (!isatty(0) || tcgetattr(0, &saved_tio) < 0)
    return;
  struct termios t = saved_tio;
  cfmakeraw(&t);
  t.c_oflag = saved_tio.c_oflag; /* keep output processing as docker does */
  tcsetattr(0, TCSANOW, &t);
  tio_saved = true;
}

static void fill_size(struct mon_msg *m)
{
  struct winsize ws;
  if (ioctl(0, TIOCGWINSZ, &ws) == 0 || ioctl(1, TIOCGWINSZ, &ws) == 0) {
    m->rows = ws.ws_row;
    m->cols = ws.ws_col;
  }
}

int attach_session(int sock, bool tty, bool with_stdin, bool sig_proxy, bool send_start,
                   const char *detach_keys, int *exit_code, struct td_err **err)
{
  struct mon_msg m = {.type = MON_ATTACH,
                      .a = (with_stdin ? MON_F_STDIN : 0) | (tty ? MON_F_TTY : 0)};
  if (tty && with_stdin) { /* the monitor scans the terminal's input for them (docker: tty only) */
    struct detach_keys k;
    if (detach_keys_parse(detach_keys, &k, err) < 0)
      return -1;
    detach_keys_to_wire(&k, m.text);
  }
  if (tty)
    fill_size(&m);
  int fds[3] = {0, 1, 2};
  if (mon_send(sock, &m, fds, 3) < 0)
    return err_set(err, errno, "attach");
  if (send_start) {
    struct mon_msg s = {.type = MON_START};
    if (mon_send(sock, &s, NULL, 0) < 0)
      return err_set(err, errno, "start");
  }
  sigset_t set, old;
  sigemptyset(&set);
  int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGALRM};
  for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
    sigaddset(&set, sigs[i]);
  sigprocmask(SIG_BLOCK, &set, &old);
  autoclose int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (tty && with_stdin)
    tty_raw();
  int rc = -1;
  for (;;) {
    struct pollfd p[2] = {{.fd = sock, .events = POLLIN}, {.fd = sfd, .events = POLLIN}};
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      err_set(err, errno, "poll");
      break;
    }
    if (p[1].revents) {
      struct signalfd_siginfo si;
      while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        struct mon_msg f = {0};
        if (si.ssi_signo == SIGWINCH) {
          f.type = MON_RESIZE;
          fill_size(&f);
        } else if (sig_proxy) {
          f.type = MON_SIGNAL;
          f.a = (int32_t)si.ssi_signo;
        } else {
          continue;
        }
        mon_send(sock, &f, NULL, 0);
      }
    }
    if (p[0].revents) {
      struct mon_msg r;
      int rf[3], nf;
      int got = mon_recv(sock, &r, rf, &nf);
      for (int k = 0; k < nf; k++)
        close(rf[k]);
      if (got <= 0) {
        err_set(err, 0, "the container's monitor went away");
        break;
      }
      if (r.type == MON_EXIT) {
        *exit_code = r.a;
        rc = 0;
        break;
      }
      if (r.type == MON_DETACHED) { /* the container runs on; docker exits 0 */
        *exit_code = 0;
        rc = 0;
        break;
      }
      if (r.type == MON_ERROR) {
        err_set_exit(err, r.a ? r.a : EXIT_ENGINE, 0, "%s", r.text);
        break;
      }
    }
  }
  tty_restore();
  sigprocmask(SIG_SETMASK, &old, NULL);
  return rc;
}

bool eng_wait_pid_gone(pid_t pid, uint64_t starttime, int timeout_ms)
{
  if (!proc_alive(pid, starttime))
    return true;
  int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pfd >= 0) {
    if (!proc_alive(pid, starttime)) {
      close(pfd);
      return true;
    }
    struct pollfd p = {.fd = pfd, .events = POLLIN};
    int r = RETRY_EINTR(poll(&p, 1, timeout_ms));
    close(pfd);
    return r > 0 || !proc_alive(pid, starttime);
  }
  for (int waited = 0; timeout_ms < 0 || waited < timeout_ms; waited += 10) {
    if (!proc_alive(pid, starttime))
      return true;
    usleep(10000);
  }
  return !proc_alive(pid, starttime);
}
