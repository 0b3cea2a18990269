/* The per-container monitor: owns the container's lifetime after the CLI is gone.
 * One poll loop over a signalfd (SIGCHLD, SIGTERM), the pty master or the stdio pipes, the
 * attach socket and its clients. It calls the runtime in-process, so the container's init is
 * its direct child; it writes the json-file log, records the exit code, OOM kill and finish
 * time, and applies --rm and the restart policy. Steady state allocates nothing. */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "engine/detach.h"
#include "engine/internal.h"
#include "engine/monitor_log.h"
#include "engine/monproto.h"
#include "engine/store.h"
#include "net/net.h"
#include "runtime/cgroup/cgroup.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/lock.h"
#include "util/strv.h"
#include "util/xalloc.h"

#define MON_MAX_CLIENTS 8

struct mon_client {
  int sock;
  int fd[3]; /* the client's stdin, stdout, stderr (-1 = none) */
  bool read_stdin;
  struct detach_keys dk; /* scanned in the client's terminal input (len 0: none) */
};

struct mon {
  const struct eng_ctx *ctx;
  const char *id;
  char *dir;
  int dirfd;
  json_t *rec;
  bool tty, open_stdin, stdin_once, auto_remove;
  struct eng_restart restart;
  int restart_count;
  int listen_fd;
  int sigfd;
  struct mon_client cl[MON_MAX_CLIENTS];
  int master;      /* pty master (tty) */
  int in_w;        /* write end of the container's stdin pipe */
  int out_r, err_r; /* read ends of stdout / stderr pipes */
  pid_t pid;
  bool exited;
  int status;
  struct mon_log log;
  uint16_t rows, cols;
};

static void client_close(struct mon *m, int i)
{
  struct mon_client *c = &m->cl[i];
  if (c->sock < 0)
    return;
  close(c->sock);
  for (int k = 0; k < 3; k++)
    if (c->fd[k] >= 0)
      close(c->fd[k]);
  c->sock = -1;
  c->fd[0] = c->fd[1] = c->fd[2] = -1;
}

static int client_add(struct mon *m, int sock)
{
  for (int i = 0; i < MON_MAX_CLIENTS; i++) {
    if (m->cl[i].sock < 0) {
      m->cl[i].sock = sock;
      m->cl[i].fd[0] = m->cl[i].fd[1] = m->cl[i].fd[2] = -1;
      m->cl[i].read_stdin = false;
      m->cl[i].dk.len = 0;
      return i;
    }
  }
  close(sock);
  return -1;
}

static void send_all(struct mon *m, const struct mon_msg *msg)
{
  for (int i = 0; i < MON_MAX_CLIENTS; i++)
    if (m->cl[i].sock >= 0)
      mon_send(m->cl[i].sock, msg, NULL, 0);
}

static void apply_winsize(struct mon *m)
{
  if (m->master >= 0 && m->rows && m->cols) {
    struct winsize ws = {.ws_row = m->rows, .ws_col = m->cols};
    ioctl(m->master, TIOCSWINSZ, &ws);
  }
}

/* Handle one message from a client; false when the client went away. */
static bool client_msg(struct mon *m, int i, bool *start)
{
  struct mon_msg msg;
  int fds[3], n = 0;
  int r = mon_recv(m->cl[i].sock, &msg, fds, &n);
  if (r <= 0) {
    client_close(m, i);
    return false;
  }
  switch ((enum mon_msg_type)msg.type) {
  case MON_ATTACH:
    for (int k = 0; k < 3; k++) {
      if (m->cl[i].fd[k] >= 0)
        close(m->cl[i].fd[k]);
      m->cl[i].fd[k] = k < n ? fds[k] : -1;
    }
    m->cl[i].read_stdin = (msg.a & MON_F_STDIN) && m->open_stdin;
    /* docker scans for the detach keys only in a terminal's input */
    detach_keys_from_wire(&m->cl[i].dk, m->tty && (msg.a & MON_F_TTY) ? msg.text : NULL);
    if (msg.rows && msg.cols) {
      m->rows = msg.rows;
      m->cols = msg.cols;
      apply_winsize(m);
    }
    break;
  case MON_START:
    if (start)
      *start = true;
    break;
  case MON_RESIZE:
    m->rows = msg.rows;
    m->cols = msg.cols;
    apply_winsize(m);
    break;
  case MON_SIGNAL:
    if (m->pid > 0 && !m->exited && msg.a > 0 && msg.a < 65)
      kill(m->pid, msg.a);
    break;
  case MON_DETACH:
    client_close(m, i);
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
static void relay_out(struct mon *m, int stream, const char *buf, size_t n)
{
  mon_log_write(&m->log, stream, buf, n);
  for (int i = 0; i < MON_MAX_CLIENTS; i++) {
    struct mon_client *c = &m->cl[i];
    int fd = c->fd[stream == 2 && !m->tty ? 2 : 1];
    if (c->sock >= 0 && fd >= 0 && write_all(fd, buf, n) < 0 && errno == EPIPE) {
      close(c->fd[1]);
      c->fd[1] = -1;
    }
  }
}

/* Read what is there on an output fd; false at EOF / EIO. */
static bool drain_fd(struct mon *m, int *fd, int stream)
{
  char buf[8192];
  for (;;) {
    ssize_t r = read(*fd, buf, sizeof(buf));
    if (r > 0) {
      relay_out(m, stream, buf, (size_t)r);
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

static void stdin_from_client(struct mon *m, int i)
{
  char buf[8192];
  struct mon_client *c = &m->cl[i];
  if (c->sock < 0 || c->fd[0] < 0)
    return; /* closed earlier in this poll round */
  ssize_t r = read(c->fd[0], buf, sizeof(buf));
  int target = m->tty ? m->master : m->in_w;
  if (r > 0 && c->dk.len) {
    char pass[sizeof(buf) + DETACH_KEYS_MAX];
    size_t n = 0;
    bool detach = detach_keys_scan(&c->dk, buf, (size_t)r, pass, &n);
    if (target >= 0 && n)
      write_all(target, pass, n);
    if (detach) {
      struct mon_msg d = {.type = MON_DETACHED};
      mon_send(c->sock, &d, NULL, 0);
      client_close(m, i);
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
  if (!m->tty && m->in_w >= 0 && m->stdin_once) {
    close(m->in_w);
    m->in_w = -1;
  } else if (m->tty && m->master >= 0) {
    /* send EOF as the terminal would (VEOF), so `echo x | run -it sh` ends */
    struct termios t;
    if (tcgetattr(m->master, &t) == 0)
      write_all(m->master, &t.c_cc[VEOF], 1);
  }
}

static void reap(struct mon *m)
{
  for (;;) {
    int st;
    pid_t p = waitpid(-1, &st, WNOHANG);
    if (p <= 0)
      break;
    if (p == m->pid) {
      m->exited = true;
      m->status = st;
    }
  }
}

/* Drain signals; false when we were asked to stop (SIGTERM to the monitor itself). */
static void handle_signals(struct mon *m)
{
  struct signalfd_siginfo si;
  while (read(m->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
    if (si.ssi_signo == SIGCHLD)
      reap(m);
    else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT || si.ssi_signo == SIGHUP)
      if (m->pid > 0 && !m->exited)
        kill(m->pid, (int)si.ssi_signo);
  }
}

/* The loop while the container runs. */
static void run_loop(struct mon *m)
{
  struct pollfd pfd[4 + MON_MAX_CLIENTS * 2];
  int who[4 + MON_MAX_CLIENTS * 2];
  while (!m->exited) {
    int n = 0;
    pfd[n] = (struct pollfd){.fd = m->sigfd, .events = POLLIN};
    who[n++] = -1;
    if (m->listen_fd >= 0) {
      pfd[n] = (struct pollfd){.fd = m->listen_fd, .events = POLLIN};
      who[n++] = -2;
    }
    int outs[3] = {m->tty ? m->master : m->out_r, m->tty ? -1 : m->err_r, -1};
    for (int k = 0; k < 2; k++) {
      if (outs[k] >= 0) {
        pfd[n] = (struct pollfd){.fd = outs[k], .events = POLLIN};
        who[n++] = -3 - k;
      }
    }
    for (int i = 0; i < MON_MAX_CLIENTS; i++) {
      if (m->cl[i].sock < 0)
        continue;
      pfd[n] = (struct pollfd){.fd = m->cl[i].sock, .events = POLLIN};
      who[n++] = i;
      if (m->cl[i].read_stdin && m->cl[i].fd[0] >= 0) {
        pfd[n] = (struct pollfd){.fd = m->cl[i].fd[0], .events = POLLIN};
        who[n++] = 100 + i;
      }
    }
    int r = poll(pfd, (nfds_t)n, -1);
    if (r < 0 && errno != EINTR)
      break;
    for (int k = 0; k < n && r > 0; k++) {
      if (!pfd[k].revents)
        continue;
      if (who[k] == -1) {
        handle_signals(m);
      } else if (who[k] == -2) {
        int c = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (c >= 0)
          client_add(m, c);
      } else if (who[k] == -3) {
        if (m->tty)
          drain_fd(m, &m->master, 1);
        else
          drain_fd(m, &m->out_r, 1);
      } else if (who[k] == -4) {
        drain_fd(m, &m->err_r, 2);
      } else if (who[k] >= 100) {
        stdin_from_client(m, who[k] - 100);
      } else {
        client_msg(m, who[k], NULL);
      }
    }
  }
}

/* After the init exited: read what is left in the pipes / pty without blocking. */
static void drain_rest(struct mon *m)
{
  int *fds[2] = {m->tty ? &m->master : &m->out_r, &m->err_r};
  for (int k = 0; k < 2; k++) {
    if (*fds[k] < 0)
      continue;
    int fl = fcntl(*fds[k], F_GETFL);
    fcntl(*fds[k], F_SETFL, fl | O_NONBLOCK);
    while (*fds[k] >= 0 && drain_fd(m, fds[k], k + 1)) {
      struct pollfd p = {.fd = *fds[k], .events = POLLIN};
      if (poll(&p, 1, 0) <= 0)
        break;
    }
  }
  mon_log_flush(&m->log);
}

static void close_stdio(struct mon *m)
{
  int *fds[4] = {&m->master, &m->in_w, &m->out_r, &m->err_r};
  for (int k = 0; k < 4; k++)
    if (*fds[k] >= 0) {
      close(*fds[k]);
      *fds[k] = -1;
    }
}


/* Update the record under the container lock. */
static void rec_update_state(struct mon *m, const char *status, bool running, pid_t pid,
                             int exit_code, const char *error, bool set_started,
                             bool set_finished, bool oom)
{
  autoerr struct td_err *err = NULL;
  int lk = store_lock(m->ctx, m->id, &err);
  json_t *fresh = NULL;
  if (store_load(m->ctx, m->id, &fresh, &err) == 0) {
    /* others may have renamed or paused it; the network part is ours */
    json_object_set(fresh, "NetworkSettings", json_object_get(m->rec, "NetworkSettings"));
    json_decref(m->rec);
    m->rec = fresh;
  }
  json_t *st = json_object_get(m->rec, "State");
  json_object_set_new(st, "Status", json_string(status));
  json_object_set_new(st, "Running", json_boolean(running));
  json_object_set_new(st, "Paused", json_false());
  json_object_set_new(st, "Restarting", json_boolean(strcmp(status, "restarting") == 0));
  json_object_set_new(st, "Pid", json_integer(pid));
  json_object_set_new(st, "ExitCode", json_integer(exit_code));
  json_object_set_new(st, "Error", json_string(error ? error : ""));
  if (set_started) {
    autofree char *now = eng_now_rfc3339();
    json_object_set_new(st, "StartedAt", json_string(now));
    json_object_set_new(st, "OOMKilled", json_false());
  }
  if (set_finished) {
    autofree char *now = eng_now_rfc3339();
    json_object_set_new(st, "FinishedAt", json_string(now));
    json_object_set_new(st, "OOMKilled", json_boolean(oom));
  }
  json_t *td = json_object_get(m->rec, "Td");
  json_object_set_new(td, "MonitorPid", json_integer(getpid()));
  json_object_set_new(td, "MonitorStart", json_integer((json_int_t)proc_starttime(getpid())));
  json_object_set_new(td, "InitStart", json_integer((json_int_t)proc_starttime(pid)));
  json_object_set_new(m->rec, "RestartCount", json_integer(m->restart_count));
  store_save(m->ctx, m->id, m->rec, &err);
  lock_release(lk);
}

static int open_null(void)
{
  return open("/dev/null", O_RDWR | O_CLOEXEC);
}

/* Pipes or nothing for the container's stdio (a pty is made by the runtime). */
static int setup_stdio(struct mon *m, int child[3], struct td_err **err)
{
  child[0] = child[1] = child[2] = -1;
  if (m->tty)
    return 0;
  int p[2];
  if (m->open_stdin) {
    if (pipe2(p, O_CLOEXEC) < 0)
      return err_set(err, errno, "pipe");
    child[0] = p[0];
    m->in_w = p[1];
  } else {
    child[0] = open_null();
  }
  if (pipe2(p, O_CLOEXEC) < 0)
    return err_set(err, errno, "pipe");
  child[1] = p[1];
  m->out_r = p[0];
  if (pipe2(p, O_CLOEXEC) < 0)
    return err_set(err, errno, "pipe");
  child[2] = p[1];
  m->err_r = p[0];
  return 0;
}

static int attach_network(struct mon *m, struct td_err **err)
{
  const char *mode = rec_str(m->rec, "HostConfig.NetworkMode");
  if (mode == NULL || strcmp(mode, "none") == 0 || strcmp(mode, "host") == 0 ||
      strncmp(mode, "container:", 10) == 0)
    return 0;
  char nspath[64];
  snprintf(nspath, sizeof(nspath), "/proc/%d/ns/net", (int)m->pid);
  struct net_port *ports = NULL;
  size_t nports = 0;
  json_t *pub = json_object_get(json_object_get(m->rec, "Td"), "Publish");
  size_t i;
  json_t *e;
  json_array_foreach(pub, i, e) {
    if (net_port_parse(json_string_value(e), &ports, &nports, err) < 0) {
      free(ports);
      return -1;
    }
  }
  autofree char *hosts = xasprintf("%s/hosts", m->dir);
  const char *name = rec_str(m->rec, "Name");
  autostrv char **aliases = NULL;
  autostrv char **add_hosts = NULL;
  json_array_foreach(json_object_get(json_object_get(m->rec, "Td"), "Aliases"), i, e)
    strv_push(&aliases, json_string_value(e));
  json_array_foreach(json_object_get(json_object_get(m->rec, "Td"), "AddHosts"), i, e)
    strv_push(&add_hosts, json_string_value(e));
  struct net_attach_req req = {
      .network = strcmp(mode, "bridge") == 0 || strcmp(mode, "default") == 0 ? NULL : mode,
      .container_name = name && name[0] == '/' ? name + 1 : name,
      .hostname = rec_str(m->rec, "Config.Hostname"),
      .ip = rec_str(m->rec, "Td.IP"),
      .ports = ports,
      .n_ports = nports,
      .hosts_path = hosts,
      .aliases = aliases,
      .add_hosts = add_hosts,
  };
  struct net_attach_result res = {0};
  int rc = net_attach(m->ctx->root, m->id, nspath, &req, &res, err);
  free(ports);
  if (rc < 0)
    return err_prefix(err, "network");
  json_t *ns = json_object_get(m->rec, "NetworkSettings");
  json_object_set_new(ns, "IPAddress", json_string(res.ip));
  json_object_set_new(ns, "Gateway", json_string(res.gateway));
  json_object_set_new(ns, "IPPrefixLen", json_integer(res.prefix));
  json_object_set_new(ns, "MacAddress", json_string(res.mac));
  json_t *ports_j = json_object();
  for (size_t k = 0; k < res.n_ports; k++) {
    char key[32], hip[16];
    snprintf(key, sizeof(key), "%u/%s", res.ports[k].ctr_port, res.ports[k].proto);
    char hp[8];
    snprintf(hp, sizeof(hp), "%u", res.ports[k].host_port);
    json_object_set_new(ports_j, key, json_pack("[{s:s,s:s}]", "HostIp",
                                                net_ip_fmt(res.ports[k].host_ip, hip),
                                                "HostPort", hp));
  }
  json_object_set_new(ns, "Ports", ports_j);
  json_object_set_new(ns, "Networks",
                      json_pack("{s:{s:s,s:s,s:s,s:i,s:s}}", res.network_name, "NetworkID",
                                res.network_id, "IPAddress", res.ip, "Gateway", res.gateway,
                                "IPPrefixLen", res.prefix, "MacAddress", res.mac));
  net_attach_result_free(&res);
  return 0;
}

/* rt_create + network + rt_start; the init is our child. */
static int start_container(struct mon *m, struct rt_ctx *rt, struct td_err **err)
{
  int child[3];
  if (setup_stdio(m, child, err) < 0)
    return -1;
  struct rt_create_opts o = {
      .id = m->id,
      .bundle = m->dir,
      .console_master_out = m->tty ? &m->master : NULL,
      .stdio = {child[0], child[1], child[2]},
  };
  int rc = rt_create(rt, &o, &m->pid, err);
  for (int k = 0; k < 3; k++)
    if (child[k] >= 0)
      close(child[k]);
  if (rc < 0)
    return -1;
  m->exited = false;
  if (m->master >= 0) {
    fcntl(m->master, F_SETFD, FD_CLOEXEC);
    apply_winsize(m);
  }
  if (attach_network(m, err) < 0) {
    autoerr struct td_err *e2 = NULL;
    rt_delete(rt, m->id, true, &e2);
    return -1;
  }
  rec_update_state(m, "running", true, m->pid, 0, NULL, true, false, false);
  if (rt_start(rt, m->id, err) < 0) {
    autoerr struct td_err *e2 = NULL;
    rt_delete(rt, m->id, true, &e2);
    autoerr struct td_err *e3 = NULL;
    net_detach(m->ctx->root, m->id, &e3);
    return -1;
  }
  return 0;
}

static bool oom_killed(struct rt_ctx *rt, const char *id)
{
  struct rt_state st = {0};
  autoerr struct td_err *err = NULL;
  if (rt_state(rt, id, &st, &err) < 0)
    return false;
  bool oom = false;
  struct cgroup *cg = NULL;
  if (st.cgroup_path && cgroup_open(st.cgroup_path, &cg, &err) == 0) {
    struct cgroup_stats s = {0};
    if (cgroup_stats(cg, &s, &err) == 0)
      oom = s.oom_kills > 0;
    cgroup_free(cg);
  }
  rt_state_clear(&st);
  return oom;
}

static bool should_restart(struct mon *m, int code)
{
  autofree char *flag = xasprintf("%s/stopping", m->dir);
  if (access(flag, F_OK) == 0)
    return false;
  switch (m->restart.mode) {
  case RESTART_NO: return false;
  case RESTART_ALWAYS:
  case RESTART_UNLESS_STOPPED: return true;
  case RESTART_ON_FAILURE:
    return code != 0 && (m->restart.max_retries == 0 || m->restart_count < m->restart.max_retries);
  }
  return false;
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

/* Drop the page-table entries of the code and read-only data we used while starting the
 * container (libc, jansson, libseccomp, our binary): shared page-cache pages that still count
 * in our RSS. Only read-only file mappings without private copies are dropped, so the next
 * use just faults the page back in. The idle loop needs a few pages of it. */
static void monitor_shrink(void)
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

static int exit_code_of(int status)
{
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return 255;
}

static void monitor_setup_process(int *sock)
{
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  prctl(PR_SET_NAME, "td-monitor");
  int null = open("/dev/null", O_RDWR);
  if (null >= 0) {
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    if (null > 2)
      close(null);
  }
  if (*sock != 3) {
    dup3(*sock, 3, O_CLOEXEC);
    close(*sock);
    *sock = 3;
  }
  close_range(4, ~0U, 0);
  signal(SIGPIPE, SIG_IGN);
}

static int load_config(struct mon *m, struct td_err **err)
{
  if (store_load(m->ctx, m->id, &m->rec, err) < 0)
    return -1;
  m->tty = rec_bool(m->rec, "Config.Tty");
  m->open_stdin = rec_bool(m->rec, "Config.OpenStdin");
  m->stdin_once = rec_bool(m->rec, "Config.StdinOnce");
  m->auto_remove = rec_bool(m->rec, "HostConfig.AutoRemove");
  m->restart_count = 0;
  const char *pol = rec_str(m->rec, "HostConfig.RestartPolicy.Name");
  if (eng_parse_restart(pol, &m->restart, err) < 0)
    return -1;
  m->restart.max_retries = (int)rec_int(m->rec, "HostConfig.RestartPolicy.MaximumRetryCount");
  m->dirfd = open(m->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (m->dirfd < 0)
    return err_set(err, errno, "open %s", m->dir);
  int64_t max_size = 0, max_file = 1;
  const char *ms = rec_str(m->rec, "HostConfig.LogConfig.Config.max-size");
  const char *mf = rec_str(m->rec, "HostConfig.LogConfig.Config.max-file");
  if (ms && eng_parse_size(ms, &max_size, err) < 0)
    return -1;
  if (mf)
    max_file = strtol(mf, NULL, 10);
  autofree char *logpath = xasprintf("%s/%s-json.log", m->dir, m->id);
  return mon_log_open(&m->log, logpath, max_size, (int)max_file, err);
}

static int listen_attach(struct mon *m)
{
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/attach.sock", m->dirfd);
  unlinkat(m->dirfd, "attach.sock", 0);
  if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* Wait (blocking) for the spawning client to send MON_START. */
static bool wait_for_start(struct mon *m)
{
  bool start = false;
  while (!start && m->cl[0].sock >= 0)
    if (!client_msg(m, 0, &start))
      return false;
  return start;
}

static void report_error(struct mon *m, struct td_err *err)
{
  struct mon_msg msg = {.type = MON_ERROR, .a = err ? err->exit_code : EXIT_ENGINE};
  snprintf(msg.text, sizeof(msg.text), "%s", err_text(err));
  send_all(m, &msg);
}

/* The container ended for good: record, clean up (--rm), tell clients. */
static void finish(struct mon *m, struct rt_ctx *rt, int code, bool oom)
{
  (void)rt;
  autoerr struct td_err *err = NULL;
  if (m->auto_remove) {
    eng_cleanup_container(m->ctx, m->id, m->rec, true, true, &err);
  } else {
    eng_rootfs_umount(m->ctx, m->rec);
    rec_update_state(m, "exited", false, 0, code, NULL, false, true, oom);
    unlinkat(m->dirfd, "attach.sock", 0);
  }
  struct mon_msg msg = {.type = MON_EXIT, .a = code};
  send_all(m, &msg);
}

int eng_monitor_main(struct eng_ctx *ctx, const char *id, int sock)
{
  monitor_setup_process(&sock);
  struct mon m = {.ctx = ctx, .id = id, .master = -1, .in_w = -1, .out_r = -1, .err_r = -1,
                  .listen_fd = -1};
  for (int i = 0; i < MON_MAX_CLIENTS; i++)
    m.cl[i].sock = -1;
  m.dir = store_dir(ctx, id);
  client_add(&m, sock);
  autoerr struct td_err *err = NULL;
  struct rt_ctx rt;
  eng_rt_ctx(ctx, &rt);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  sigprocmask(SIG_BLOCK, &set, NULL);
  m.sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (load_config(&m, &err) < 0 || !wait_for_start(&m)) {
    if (err)
      report_error(&m, err);
    return EXIT_ENGINE;
  }
  m.listen_fd = listen_attach(&m);
  for (;;) {
    if (start_container(&m, &rt, &err) < 0) {
      close_stdio(&m);
      int code = err->exit_code ? err->exit_code : EXIT_ENGINE;
      autoerr struct td_err *e2 = NULL;
      /* clean up before answering, so the CLI never sees a half-removed container */
      if (m.auto_remove) {
        eng_cleanup_container(ctx, id, m.rec, true, true, &e2);
      } else {
        eng_rootfs_umount(ctx, m.rec);
        rec_update_state(&m, "created", false, 0, code, err_text(err), false, false, false);
        unlinkat(m.dirfd, "attach.sock", 0);
      }
      report_error(&m, err);
      return code;
    }
    struct mon_msg started = {.type = MON_STARTED, .a = m.pid};
    send_all(&m, &started);
    monitor_shrink();
    run_loop(&m);
    drain_rest(&m);
    int code = exit_code_of(m.status);
    bool oom = oom_killed(&rt, id);
    autoerr struct td_err *e2 = NULL;
    rt_delete(&rt, id, true, &e2);
    autoerr struct td_err *e3 = NULL;
    net_detach(ctx->root, id, &e3);
    close_stdio(&m);
    if (!should_restart(&m, code)) {
      finish(&m, &rt, code, oom);
      return 0;
    }
    m.restart_count++;
    rec_update_state(&m, "restarting", false, 0, code, NULL, false, true, oom);
    int delay_ms = 100 << (m.restart_count < 4 ? m.restart_count - 1 : 3);
    struct timespec ts = {.tv_sec = delay_ms / 1000, .tv_nsec = (delay_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    if (!should_restart(&m, code)) {
      finish(&m, &rt, code, oom);
      return 0;
    }
  }
}
