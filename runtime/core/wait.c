/* Foreground waiting for `run` and `exec`: forward signals, relay a pty, report the exit
 * status exactly (128+signal when killed, as a shell does). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "runtime/core/internal.h"
#include "util/cleanup.h"
#include "util/fileio.h"

static void forwarded_set(sigset_t *set)
{
  sigfillset(set);
  sigdelset(set, SIGKILL);
  sigdelset(set, SIGSTOP);
  sigdelset(set, SIGSEGV);
  sigdelset(set, SIGBUS);
  sigdelset(set, SIGILL);
  sigdelset(set, SIGFPE);
  sigdelset(set, SIGABRT);
  sigdelset(set, SIGTTIN);
  sigdelset(set, SIGTTOU);
  sigdelset(set, SIGTSTP);
}

void rt_prepare_foreground(void)
{
  sigset_t set;
  forwarded_set(&set);
  sigprocmask(SIG_BLOCK, &set, NULL);
  prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

static int status_code(int st)
{
  if (WIFEXITED(st))
    return WEXITSTATUS(st);
  if (WIFSIGNALED(st))
    return 128 + WTERMSIG(st);
  return 255;
}

/* Reap pid if it is done; returns its code or -1 while it runs. Other children (e.g. the
 * intermediate of a second fork) are reaped and ignored. */
static int reap(pid_t pid)
{
  for (;;) {
    int st = 0;
    pid_t r = waitpid(-1, &st, WNOHANG | __WALL);
    if (r <= 0)
      return -1;
    if (r == pid)
      return status_code(st);
  }
}

static void relay_once(int from, int to, struct pollfd *pf)
{
  char buf[8192];
  ssize_t r = RETRY_EINTR(read(from, buf, sizeof(buf)));
  if (r <= 0 || write_all(to, buf, (size_t)r) < 0)
    pf->fd = -1;
}

static void resize(int master)
{
  struct winsize ws;
  if (master >= 0 && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
    ioctl(master, TIOCSWINSZ, &ws);
}

int rt_wait_forward(pid_t pid, int console_master)
{
  sigset_t set;
  forwarded_set(&set);
  sigprocmask(SIG_BLOCK, &set, NULL);
  autoclose int sfd = signalfd(-1, &set, SFD_CLOEXEC);
  if (sfd < 0)
    return -1;
  struct termios saved;
  bool raw = console_master >= 0 && tcgetattr(STDIN_FILENO, &saved) == 0;
  if (raw) {
    struct termios t = saved;
    cfmakeraw(&t);
    tcsetattr(STDIN_FILENO, TCSANOW, &t);
  }
  resize(console_master);
  struct pollfd pf[3] = {{.fd = sfd, .events = POLLIN},
                         {.fd = console_master, .events = POLLIN},
                         {.fd = console_master >= 0 ? STDIN_FILENO : -1, .events = POLLIN}};
  int code = reap(pid);
  while (code < 0) {
    if (RETRY_EINTR(poll(pf, 3, -1)) < 0)
      break;
    if (pf[1].fd >= 0 && (pf[1].revents & (POLLIN | POLLHUP | POLLERR)))
      relay_once(console_master, STDOUT_FILENO, &pf[1]);
    if (pf[2].fd >= 0 && (pf[2].revents & (POLLIN | POLLHUP | POLLERR)))
      relay_once(STDIN_FILENO, console_master, &pf[2]);
    if (pf[0].revents & POLLIN) {
      struct signalfd_siginfo si;
      if (RETRY_EINTR(read(sfd, &si, sizeof(si))) != sizeof(si))
        continue;
      if (si.ssi_signo == SIGCHLD)
        code = reap(pid);
      else if (si.ssi_signo == SIGWINCH)
        resize(console_master);
      else
        kill(pid, (int)si.ssi_signo);
    }
  }
  /* drain what the container wrote last */
  while (console_master >= 0 && pf[1].fd >= 0) {
    struct pollfd d = {.fd = console_master, .events = POLLIN};
    if (poll(&d, 1, 0) <= 0 || !(d.revents & POLLIN))
      break;
    relay_once(console_master, STDOUT_FILENO, &pf[1]);
  }
  if (raw)
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
  return code;
}
