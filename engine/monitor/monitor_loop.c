/* The monitor's I/O loop (see monitor_loop.h). libc only: also linked into the static idle
 * program. Steady state allocates nothing: fixed buffers for the log, fixed client slots. */
#include "engine/monitor/monitor_loop.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "util/fileio.h"

void mon_io_init(struct mon_io *io)
{
  memset(io, 0, sizeof(*io));
  io->sigfd = io->listen_fd = io->master = io->in_w = io->out_r = io->err_r = -1;
  io->log.fd = -1;
  for (int i = 0; i < MON_MAX_CLIENTS; i++)
    io->cl[i].sock = io->cl[i].fd[0] = io->cl[i].fd[1] = io->cl[i].fd[2] = -1;
}

int mon_io_signals(struct mon_io *io)
{
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  sigprocmask(SIG_BLOCK, &set, NULL);
  io->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  return io->sigfd;
}

static void client_close(struct mon_io *io, int i)
{
  struct mon_client *c = &io->cl[i];
  if (c->sock < 0)
    return;
  close(c->sock);
  for (int k = 0; k < 3; k++)
    if (c->fd[k] >= 0)
      close(c->fd[k]);
  c->sock = -1;
  c->fd[0] = c->fd[1] = c->fd[2] = -1;
}

int mon_io_client_add(struct mon_io *io, int sock)
{
  for (int i = 0; i < MON_MAX_CLIENTS; i++) {
    if (io->cl[i].sock < 0) {
      io->cl[i].sock = sock;
      io->cl[i].fd[0] = io->cl[i].fd[1] = io->cl[i].fd[2] = -1;
      io->cl[i].read_stdin = false;
      io->cl[i].dk.len = 0;
      return i;
    }
  }
  close(sock);
  return -1;
}

void mon_io_send_all(struct mon_io *io, const struct mon_msg *msg)
{
  for (int i = 0; i < MON_MAX_CLIENTS; i++)
    if (io->cl[i].sock >= 0)
      mon_send(io->cl[i].sock, msg, NULL, 0);
}

void mon_io_apply_winsize(struct mon_io *io)
{
  if (io->master >= 0 && io->rows && io->cols) {
    struct winsize ws = {.ws_row = io->rows, .ws_col = io->cols};
    ioctl(io->master, TIOCSWINSZ, &ws);
  }
}

bool mon_io_client_msg(struct mon_io *io, int i, bool *start)
{
  struct mon_msg msg;
  int fds[3], n = 0;
  int r = mon_recv(io->cl[i].sock, &msg, fds, &n);
  if (r <= 0) {
    client_close(io, i);
    return false;
  }
  switch ((enum mon_msg_type)msg.type) {
  case MON_ATTACH:
    for (int k = 0; k < 3; k++) {
      if (io->cl[i].fd[k] >= 0)
        close(io->cl[i].fd[k]);
      io->cl[i].fd[k] = k < n ? fds[k] : -1;
    }
    io->cl[i].read_stdin = (msg.a & MON_F_STDIN) && io->open_stdin;
    /* docker scans for the detach keys only in a terminal's input */
    detach_keys_from_wire(&io->cl[i].dk, io->tty && (msg.a & MON_F_TTY) ? msg.text : NULL);
    if (msg.rows && msg.cols) {
      io->rows = msg.rows;
      io->cols = msg.cols;
      mon_io_apply_winsize(io);
    }
    break;
  case MON_START:
    if (start)
      *start = true;
    break;
  case MON_RESIZE:
    io->rows = msg.rows;
    io->cols = msg.cols;
    mon_io_apply_winsize(io);
    break;
  case MON_SIGNAL:
    if (io->pid > 0 && !io->exited && msg.a > 0 && msg.a < 65)
      kill(io->pid, msg.a);
    break;
  case MON_DETACH:
    client_close(io, i);
    return false;
  case MON_STARTED:
  case MON_EXIT:
  case MON_ERROR:
  case MON_DETACHED:
    break;
  }
  for (int k = n; k < 3; k++)
    if (fds[k] >= 0)
      close(fds[k]);
  return true;
}

/* Output from the container: to the log and to every attached client. */
static void relay_out(struct mon_io *io, int stream, const char *buf, size_t n)
{
  mon_log_write(&io->log, stream, buf, n);
  for (int i = 0; i < MON_MAX_CLIENTS; i++) {
    struct mon_client *c = &io->cl[i];
    int fd = c->fd[stream == 2 && !io->tty ? 2 : 1];
    if (c->sock >= 0 && fd >= 0 && write_all(fd, buf, n) < 0 && errno == EPIPE) {
      close(c->fd[1]);
      c->fd[1] = -1;
    }
  }
}

/* Read what is there on an output fd; false at EOF / EIO. */
static bool drain_fd(struct mon_io *io, int *fd, int stream)
{
  char buf[8192];
  for (;;) {
    ssize_t r = read(*fd, buf, sizeof(buf));
    if (r > 0) {
      relay_out(io, stream, buf, (size_t)r);
      if ((size_t)r < sizeof(buf))
        return true;
      continue;
    }
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0 && errno == EAGAIN)
      return true;
    close(*fd);
    *fd = -1;
    return false;
  }
}

static void stdin_from_client(struct mon_io *io, int i)
{
  char buf[8192];
  struct mon_client *c = &io->cl[i];
  if (c->sock < 0 || c->fd[0] < 0)
    return; /* closed earlier in this poll round */
  ssize_t r = read(c->fd[0], buf, sizeof(buf));
  int target = io->tty ? io->master : io->in_w;
  if (r > 0 && c->dk.len) {
    char pass[sizeof(buf) + DETACH_KEYS_MAX];
    size_t n = 0;
    bool detach = detach_keys_scan(&c->dk, buf, (size_t)r, pass, &n);
    if (target >= 0 && n)
      write_all(target, pass, n);
    if (detach) {
      struct mon_msg d = {.type = MON_DETACHED};
      mon_send(c->sock, &d, NULL, 0);
      client_close(io, i);
    }
    return;
  }
  if (r > 0) {
    if (target >= 0)
      write_all(target, buf, (size_t)r);
    return;
  }
  if (r < 0 && (errno == EINTR || errno == EAGAIN))
    return;
  /* EOF: with -i and no tty, docker closes the container's stdin (StdinOnce) */
  c->read_stdin = false;
  if (!io->tty && io->in_w >= 0 && io->stdin_once) {
    close(io->in_w);
    io->in_w = -1;
  } else if (io->tty && io->master >= 0) {
    /* send EOF as the terminal would (VEOF), so `echo x | run -it sh` ends */
    struct termios t;
    if (tcgetattr(io->master, &t) == 0)
      write_all(io->master, &t.c_cc[VEOF], 1);
  }
}

/* We are a subreaper: orphans of the container end up here too; only the init counts. */
static void reap(struct mon_io *io)
{
  for (;;) {
    int st;
    pid_t p = waitpid(-1, &st, WNOHANG);
    if (p <= 0)
      break;
    if (p == io->pid) {
      io->exited = true;
      io->status = st;
    }
  }
}

static void handle_signals(struct mon_io *io)
{
  struct signalfd_siginfo si;
  while (read(io->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
    if (si.ssi_signo == SIGCHLD)
      reap(io);
    else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT || si.ssi_signo == SIGHUP)
      if (io->pid > 0 && !io->exited)
        kill(io->pid, (int)si.ssi_signo);
  }
}

/* The fds to poll, with who[] saying what each is. */
static int poll_set(struct mon_io *io, struct pollfd *pfd, int *who)
{
  int n = 0;
  pfd[n] = (struct pollfd){.fd = io->sigfd, .events = POLLIN};
  who[n++] = -1;
  if (io->listen_fd >= 0) {
    pfd[n] = (struct pollfd){.fd = io->listen_fd, .events = POLLIN};
    who[n++] = -2;
  }
  int outs[2] = {io->tty ? io->master : io->out_r, io->tty ? -1 : io->err_r};
  for (int k = 0; k < 2; k++) {
    if (outs[k] >= 0) {
      pfd[n] = (struct pollfd){.fd = outs[k], .events = POLLIN};
      who[n++] = -3 - k;
    }
  }
  for (int i = 0; i < MON_MAX_CLIENTS; i++) {
    if (io->cl[i].sock < 0)
      continue;
    pfd[n] = (struct pollfd){.fd = io->cl[i].sock, .events = POLLIN};
    who[n++] = i;
    if (io->cl[i].read_stdin && io->cl[i].fd[0] >= 0) {
      pfd[n] = (struct pollfd){.fd = io->cl[i].fd[0], .events = POLLIN};
      who[n++] = 100 + i;
    }
  }
  return n;
}

/* Only root (or the monitor's own user) may attach, write stdin, signal or resize: the socket is
 * 0600 in a 0700 directory already; this holds even if those modes were loosened by hand. */
static bool peer_allowed(int sock)
{
  struct ucred cr;
  socklen_t len = sizeof(cr);
  if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0 || len != sizeof(cr))
    return false;
  return cr.uid == 0 || cr.uid == geteuid();
}

static void dispatch(struct mon_io *io, int who)
{
  if (who == -1) {
    handle_signals(io);
  } else if (who == -2) {
    int c = accept4(io->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (c >= 0 && peer_allowed(c))
      mon_io_client_add(io, c);
    else if (c >= 0)
      close(c);
  } else if (who == -3) {
    drain_fd(io, io->tty ? &io->master : &io->out_r, 1);
  } else if (who == -4) {
    drain_fd(io, &io->err_r, 2);
  } else if (who >= 100) {
    stdin_from_client(io, who - 100);
  } else {
    mon_io_client_msg(io, who, NULL);
  }
}

static int64_t now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool mon_io_run(struct mon_io *io, int handoff_ms)
{
  struct pollfd pfd[4 + MON_MAX_CLIENTS * 2];
  int who[4 + MON_MAX_CLIENTS * 2];
  int64_t deadline = handoff_ms >= 0 ? now_ms() + handoff_ms : -1;
  while (!io->exited) {
    int timeout = -1;
    if (deadline >= 0) {
      int64_t left = deadline - now_ms();
      if (left <= 0)
        return false;
      timeout = (int)left;
    }
    int n = poll_set(io, pfd, who);
    int r = poll(pfd, (nfds_t)n, timeout);
    if (r < 0 && errno != EINTR)
      break;
    for (int k = 0; k < n && r > 0; k++)
      if (pfd[k].revents)
        dispatch(io, who[k]);
  }
  return true;
}

void mon_io_drain_rest(struct mon_io *io)
{
  int *fds[2] = {io->tty ? &io->master : &io->out_r, &io->err_r};
  for (int k = 0; k < 2; k++) {
    if (*fds[k] < 0)
      continue;
    int fl = fcntl(*fds[k], F_GETFL);
    fcntl(*fds[k], F_SETFL, fl | O_NONBLOCK);
    while (*fds[k] >= 0 && drain_fd(io, fds[k], k + 1)) {
      struct pollfd p = {.fd = *fds[k], .events = POLLIN};
      if (poll(&p, 1, 0) <= 0)
        break;
    }
  }
  mon_log_flush(&io->log);
}

void mon_io_close_stdio(struct mon_io *io)
{
  int *fds[4] = {&io->master, &io->in_w, &io->out_r, &io->err_r};
  for (int k = 0; k < 4; k++)
    if (*fds[k] >= 0) {
      close(*fds[k]);
      *fds[k] = -1;
    }
}

/* One line of /proc/self/smaps: remember the mapping, act on its "Anonymous:" line. */
static void shrink_line(const char *line, unsigned long *a, unsigned long *b, bool *candidate)
{
  unsigned long x, y;
  char perms[8];
  if (sscanf(line, "%lx-%lx %7s", &x, &y, perms) == 3 && strlen(perms) == 4) {
    *a = x;
    *b = y;
    *candidate = perms[0] == 'r' && perms[1] != 'w' && perms[3] == 'p' && strchr(line, '/');
    return;
  }
  unsigned long anon;
  if (*candidate && sscanf(line, "Anonymous: %lu kB", &anon) == 1) {
    /* no private copy in it: the pages are the file's, safe to drop; MADV_RANDOM stops the
     * kernel from mapping whole neighbourhoods back on the next fault */
    if (anon == 0) {
      madvise((void *)*a, *b - *a, MADV_RANDOM);
      madvise((void *)*a, *b - *a, MADV_DONTNEED);
    }
    *candidate = false;
  }
}

void mon_io_shrink(void)
{
  malloc_trim(0);
  int fd = open("/proc/self/smaps", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return;
  char buf[4096];
  size_t have = 0;
  unsigned long a = 0, b = 0;
  bool candidate = false;
  for (;;) {
    ssize_t r = read(fd, buf + have, sizeof(buf) - 1 - have);
    if (r <= 0)
      break;
    have += (size_t)r;
    buf[have] = '\0';
    char *line = buf, *nl;
    while ((nl = strchr(line, '\n')) != NULL) {
      *nl = '\0';
      shrink_line(line, &a, &b, &candidate);
      line = nl + 1;
    }
    have = (size_t)(buf + have - line);
    memmove(buf, line, have);
    if (have == sizeof(buf) - 1)
      have = 0;
  }
  close(fd);
}
