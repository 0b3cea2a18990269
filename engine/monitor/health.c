/* Health checks (docker's HEALTHCHECK, --health-*): a small process per running container that
 * has one, `tinydocker __health-check ...`, spawned by the monitor right after each start
 * (mon_health_start). The monitor cannot run the probes itself: after 100 ms it becomes the
 * libc-free tinydocker-monitor, which has no runtime to exec with. The checker:
 * - waits `interval` on a pidfd of the container's init, and exits when the init does (stop,
 *   kill, rm -f, a restart: the monitor's next start spawns a new one); it also dies with the
 *   monitor (PR_SET_PDEATHSIG), which outlives the init;
 * - runs each probe as `exec` does (rt_exec: every namespace, the cgroup, the capabilities,
 *   seccomp, no_new_privs and the user of the container's own process), its stdout and stderr
 *   into one pipe of which the first 4096 bytes are kept (docker's limit; "..." marks a cut)
 *   and the rest read and dropped; one that outlives `timeout` is SIGKILLed (ExitCode -1);
 * - applies docker's rules (daemon/health.go) and writes State.Health into health.json
 *   (atomic rename, no store lock: it is the file's only writer while it runs), and logs
 *   `health_status: STATUS` events on a change.
 * It holds no lock at any time; no probe runs while the container is paused. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/container/container.h"
#include "engine/monitor/internal.h"
#include "engine/monitor/monitor.h"
#include "runtime/spec/spec.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/spawn.h"
#include "util/strv.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

#define HEALTH_OUTPUT_MAX 4096 /* docker's maxOutputLen */
#define HEALTH_LOG_MAX 5       /* docker's maxLogEntries */
#define NS_PER_MS 1000000LL

static const int64_t default_interval = 30000 * NS_PER_MS, default_timeout = 30000 * NS_PER_MS;
static const int default_retries = 3;

static int64_t mono_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t real_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Go's time.Duration.String for the values a timeout takes: "30s", "1.5s", "500ms", "1m30s". */
static char *go_duration(int64_t ns)
{
  if (ns < 1000000000LL) {
    if (ns % NS_PER_MS == 0)
      return xasprintf("%lldms", (long long)(ns / NS_PER_MS));
    return xasprintf("%lldns", (long long)ns);
  }
  long long h = ns / 3600000000000LL, m = ns / 60000000000LL % 60;
  long long s = ns / 1000000000LL % 60, frac = ns % 1000000000LL;
  char fs[16] = "";
  if (frac) {
    snprintf(fs, sizeof(fs), ".%09lld", frac);
    for (size_t n = strlen(fs); fs[n - 1] == '0'; n--)
      fs[n - 1] = '\0';
  }
  if (h)
    return xasprintf("%lldh%lldm%lld%ss", h, m, s, fs);
  if (m)
    return xasprintf("%lldm%lld%ss", m, s, fs);
  return xasprintf("%lld%ss", s, fs);
}

static char *ns_rfc3339(int64_t ns)
{
  time_t t = (time_t)(ns / 1000000000LL);
  struct tm tm;
  gmtime_r(&t, &tm);
  char b[32];
  strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%S", &tm);
  return xasprintf("%s.%09lldZ", b, (long long)(ns % 1000000000LL));
}

static bool pidfd_ended(int pidfd)
{
  struct pollfd p = {.fd = pidfd, .events = POLLIN};
  return poll(&p, 1, 0) > 0;
}

void mon_health_start(struct mon *m, pid_t init, bool fresh)
{
  if (!health_configured(m->rec))
    return; /* no check: no file, no process */
  autoerr struct td_err *err = NULL;
  if (fresh) {
    /* docker's initHealthMonitor: "starting", streak 0, the log kept across restarts */
    autojson json_t *old = health_load(m->ctx, m->id);
    json_t *log = json_object_get(old, "Log");
    autojson json_t *h = json_pack("{s:s,s:i,s:o}", "Status", "starting", "FailingStreak", 0, "Log",
                                   json_is_array(log) ? json_incref(log) : json_array());
    if (health_save(m->ctx, m->id, h, &err) < 0) {
      err_warn(&err, "container %.12s: health state", m->id);
      return;
    }
  }
  char pid[16], start[24], mon[16];
  snprintf(pid, sizeof(pid), "%d", (int)init);
  snprintf(start, sizeof(start), "%llu", (unsigned long long)proc_starttime(init));
  snprintf(mon, sizeof(mon), "%d", (int)getpid());
  char *argv[] = {"tinydocker",
                  "__health-check",
                  (char *)m->ctx->root,
                  (char *)m->ctx->run_root,
                  (char *)m->id,
                  pid,
                  start,
                  mon,
                  NULL};
  /* our stdio: /dev/null, and stderr the engine log (exitpolicy.c) */
  int fds[3] = {0, 1, 2};
  pid_t child;
  if (spawn_fds("/proc/self/exe", argv, fds, &child, &err) < 0)
    err_warn(&err, "container %.12s: start its health checker", m->id);
  /* reaped by the loop's waitpid(-1) like any child of ours */
}

void mon_health_stop(struct mon *m)
{
  /* the init is reaped: a checker is our only child left, and it ends as soon as it sees the
   * init's pidfd (a probe in flight died with the container's pid namespace) */
  for (int i = 0; i < 300; i++) {
    pid_t p = waitpid(-1, NULL, WNOHANG);
    if (p < 0 && errno != EINTR)
      break; /* ECHILD: none (no health check: one system call) */
    if (p == 0)
      nanosleep(&(struct timespec){.tv_nsec = 10 * 1000000L}, NULL);
  }
  if (!health_configured(m->rec))
    return;
  /* docker's CloseMonitorChannel: "unhealthy when the monitor has stopped", streak and log
   * kept, no event */
  autojson json_t *h = health_load(m->ctx, m->id);
  autoerr struct td_err *err = NULL;
  if (h == NULL)
    return;
  json_object_set_new(h, "Status", json_string("unhealthy"));
  if (health_save(m->ctx, m->id, h, &err) < 0)
    err_warn(&err, "container %.12s: health state", m->id);
}

/* One probe's result, docker's HealthcheckResult. */
struct probe {
  int64_t start, end; /* realtime ns */
  int exit_code;
  char out[HEALTH_OUTPUT_MAX + 4];
  size_t len;
  bool cut;
};

static void out_add(struct probe *r, const char *b, size_t n)
{
  size_t room = HEALTH_OUTPUT_MAX - r->len;
  if (n > room) {
    r->cut = true;
    n = room;
  }
  memcpy(r->out + r->len, b, n);
  r->len += n;
}

/* The container's own process (config.json) with the probe's args, as exec_process does. */
static int probe_process(const char *cfgpath, char **test, struct spec_process **out,
                         json_t **out_json, struct td_err **err)
{
  autojson json_t *cfg = NULL;
  if (file_read_json(AT_FDCWD, cfgpath, &cfg, err) < 0)
    return -1;
  autojson json_t *p = json_deep_copy(json_object_get(cfg, "process"));
  if (p == NULL)
    return err_set(err, 0, "container config has no process");
  /* docker: CMD-SHELL runs `/bin/sh -c CMD`, CMD its arguments as they are */
  json_t *args = strcmp(test[0], "CMD-SHELL") == 0
                     ? json_pack("[s,s,s]", "/bin/sh", "-c", test[1] ? test[1] : "")
                     : json_array();
  for (char **a = test + 1; strcmp(test[0], "CMD") == 0 && *a; a++)
    json_array_append_new(args, json_string(*a));
  json_object_set_new(p, "args", args);
  json_object_set_new(p, "terminal", json_false());
  json_object_del(p, "consoleSize");
  if (json_string_value(json_object_get(p, "cwd")) == NULL)
    json_object_set_new(p, "cwd", json_string("/"));
  *out_json = json_incref(p);
  return spec_process_from_json(p, out, err);
}

/* --runtime NAME: the probe through that runtime's `exec` (extrt.c), in a child of ours whose
 * exit status is the probe's, so that we can poll its output and its end as for our own. */
static int probe_external(const struct eng_ctx *ctx, const struct ctr_record *rec, json_t *pj,
                          const int stdio[3], pid_t *pid, struct td_err **err)
{
  pid_t c = fork();
  if (c < 0)
    return err_set_fork(err, errno, "fork");
  if (c == 0) {
    int st = 0;
    autoerr struct td_err *e = NULL;
    if (extrt_exec(ctx, rec, rec->id, pj, stdio, &st, &e) < 0) {
      fprintf(stderr, "%s\n", err_text(e));
      _exit(255);
    }
    _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
  }
  *pid = c;
  return 0;
}

/* Run one probe; false when the init ended meanwhile (nothing to record). */
static bool probe_run(const struct eng_ctx *ctx, const struct ctr_record *rec, char **test,
                      int64_t timeout, int initfd, struct probe *r)
{
  const char *id = rec->id;
  memset(r, 0, sizeof(*r));
  r->start = real_ns();
  r->exit_code = -1;
  autoerr struct td_err *err = NULL;
  autofree char *cfgpath = xasprintf("%s/%s/config.json", ctx->ctr_dir, id);
  struct spec_process *proc = NULL;
  if (strcmp(test[0], "CMD") != 0 && strcmp(test[0], "CMD-SHELL") != 0) {
    snprintf(r->out, sizeof(r->out), "unknown health check type: %s", test[0]);
    r->len = strlen(r->out);
    r->end = real_ns();
    return true;
  }
  int p[2] = {-1, -1};
  autoclose int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  pid_t pid = 0;
  autojson json_t *pj = NULL;
  int rc = probe_process(cfgpath, test, &proc, &pj, &err);
  if (rc == 0 && pipe2(p, O_CLOEXEC) < 0)
    rc = err_set(&err, errno, "pipe");
  /* docker's events of an exec, as its daemon logs them for each probe */
  autofree char *exec_id = store_new_id();
  autofree char *cmdline = strcmp(test[0], "CMD-SHELL") == 0
                               ? xasprintf("/bin/sh -c %s", test[1] ? test[1] : "")
                               : strv_join(test + 1, " ");
  if (rc == 0) {
    autofree char *act = xasprintf("exec_create: %s", cmdline);
    eng_event(ctx, id, rec, act, "execID", exec_id, NULL);
    struct rt_exec_opts o = {.process = proc, .stdio = {null, p[1], p[1]}};
    struct rt_ctx rt;
    eng_rt_ctx(ctx, &rt);
    if (extrt_used(rec))
      rc = probe_external(ctx, rec, pj, o.stdio, &pid, &err);
    else
      rc = rt_exec(&rt, id, &o, &pid, &err);
    close(p[1]);
  }
  if (rc == 0) {
    autofree char *act = xasprintf("exec_start: %s", cmdline);
    eng_event(ctx, id, rec, act, "execID", exec_id, NULL);
  }
  spec_process_free(proc);
  if (rc < 0) {
    if (p[0] >= 0)
      close(p[0]);
    snprintf(r->out, sizeof(r->out), "%s", err_text(err));
    r->len = strlen(r->out);
    r->end = real_ns();
    return !pidfd_ended(initfd);
  }
  autoclose int out = p[0];
  autoclose int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
  int64_t deadline = mono_ns() + timeout;
  bool timed_out = false, out_open = true, exited = false;
  char buf[16384];
  while (!exited) {
    int64_t left = deadline - mono_ns();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    struct pollfd f[3] = {{.fd = out_open ? out : -1, .events = POLLIN},
                          {.fd = pfd, .events = POLLIN},
                          {.fd = initfd, .events = POLLIN}};
    int n = poll(f, 3, (int)((left + NS_PER_MS - 1) / NS_PER_MS));
    if (n < 0 && errno != EINTR)
      break;
    if (f[2].revents) { /* the container ended: the probe goes too, nothing is recorded */
      kill(pid, SIGKILL);
      RETRY_EINTR(waitpid(pid, NULL, 0));
      return false;
    }
    if (f[0].revents) {
      ssize_t k = read(out, buf, sizeof(buf));
      if (k > 0)
        out_add(r, buf, (size_t)k);
      else if (k == 0 || errno != EINTR)
        out_open = false;
    }
    if (pfd < 0 ? !out_open : f[1].revents != 0)
      exited = true;
  }
  if (timed_out)
    kill(pid, SIGKILL); /* our child, not yet reaped: the pid is still its */
  int status = 0;
  RETRY_EINTR(waitpid(pid, &status, 0));
  r->end = real_ns();
  if (timed_out) {
    autofree char *d = go_duration(timeout);
    snprintf(r->out, sizeof(r->out), "Health check exceeded timeout (%s)", d);
    r->len = strlen(r->out);
    r->cut = false;
  } else {
    /* what it wrote before its exit; a process it left behind holding the pipe is not waited
     * for (docker waits for the exec'd process only) */
    fcntl(out, F_SETFL, O_NONBLOCK);
    ssize_t k;
    while (out_open && (k = read(out, buf, sizeof(buf))) > 0)
      out_add(r, buf, (size_t)k);
    r->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  char code[16];
  snprintf(code, sizeof(code), "%d",
           WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  eng_event(ctx, id, rec, "exec_die", "execID", exec_id, "exitCode", code, NULL);
  return !pidfd_ended(initfd);
}

/* The output as Go's JSON encoder writes a string: each byte that is not part of a valid UTF-8
 * sequence becomes U+FFFD; "..." after a cut. Its length in *len (it may hold NULs). */
static char *utf8_clean(const char *b, size_t n, bool cut, size_t *out_len)
{
  char *o = xmalloc(n * 3 + 4), *w = o;
  const unsigned char *s = (const unsigned char *)b;
  for (size_t i = 0; i < n;) {
    unsigned c = s[i];
    size_t len = c < 0x80             ? 1
                 : (c & 0xe0) == 0xc0 ? 2
                 : (c & 0xf0) == 0xe0 ? 3
                 : (c & 0xf8) == 0xf0 ? 4
                                      : 0;
    bool ok = len > 0 && i + len <= n && !(len == 2 && c < 0xc2) && !(len == 4 && c > 0xf4);
    for (size_t k = 1; ok && k < len; k++)
      ok = (s[i + k] & 0xc0) == 0x80;
    if (ok && len == 3)
      ok = !(c == 0xe0 && s[i + 1] < 0xa0) && !(c == 0xed && s[i + 1] >= 0xa0);
    if (ok && len == 4)
      ok = !(c == 0xf0 && s[i + 1] < 0x90) && !(c == 0xf4 && s[i + 1] >= 0x90);
    if (ok) {
      memcpy(w, s + i, len);
      w += len;
      i += len;
    } else {
      memcpy(w, "\xef\xbf\xbd", 3);
      w += 3;
      i++;
    }
  }
  if (cut)
    memcpy(w, "...", 3), w += 3;
  *w = '\0';
  *out_len = (size_t)(w - o);
  return o;
}

/* docker's handleProbeResult: the log (last 5), the streak and the status. */
static void probe_apply(json_t *h, const struct probe *r, int retries, int64_t start_period,
                        int64_t started_at)
{
  json_t *log = json_object_get(h, "Log");
  if (!json_is_array(log)) {
    log = json_array();
    json_object_set_new(h, "Log", log);
  }
  while (json_array_size(log) >= HEALTH_LOG_MAX)
    json_array_remove(log, 0);
  autofree char *s = ns_rfc3339(r->start), *e = ns_rfc3339(r->end);
  size_t olen = 0;
  autofree char *out = utf8_clean(r->out, r->len, r->cut, &olen);
  json_t *o = json_stringn(out, olen);
  json_array_append_new(log, json_pack("{s:s,s:s,s:i,s:o}", "Start", s, "End", e, "ExitCode",
                                       r->exit_code, "Output", o));
  const char *status = json_string_value(json_object_get(h, "Status"));
  json_int_t streak = json_integer_value(json_object_get(h, "FailingStreak"));
  if (r->exit_code == 0) {
    json_object_set_new(h, "FailingStreak", json_integer(0));
    json_object_set_new(h, "Status", json_string("healthy"));
    return;
  }
  /* still starting and within the start period: the failure does not count */
  if (status && strcmp(status, "starting") == 0 && r->start - started_at < start_period)
    return;
  json_object_set_new(h, "FailingStreak", json_integer(++streak));
  if (streak >= retries)
    json_object_set_new(h, "Status", json_string("unhealthy"));
}

int eng_health_main(char **argv)
{
  prctl(PR_SET_NAME, "td-health");
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  pid_t monitor = (pid_t)atoi(argv[5]);
  if (getppid() != monitor)
    return 0; /* the monitor is gone already */
  syscall(SYS_close_range, 3U, ~0U, 0U);
  err_progname = xasprintf("tinydocker health %.12s", argv[2]);
  struct eng_ctx ctx = {.root = argv[0],
                        .run_root = argv[1],
                        .ctr_dir = xasprintf("%s/containers", argv[0]),
                        .self_exe = self_exe_path()};
  const char *id = argv[2];
  pid_t init = (pid_t)atoi(argv[3]);
  autoclose int initfd = (int)syscall(SYS_pidfd_open, init, 0);
  if (initfd < 0 || proc_starttime(init) != strtoull(argv[4], NULL, 10))
    return 0; /* the init ended (or its pid is another's now) */
  autorecord struct ctr_record *rec = NULL;
  autoerr struct td_err *err = NULL;
  if (record_load(&ctx, id, &rec, &err) < 0 || !health_configured(rec))
    return 0;
  char **test = rec->config.health.test;
  int64_t interval =
      rec->config.health.interval ? (int64_t)rec->config.health.interval : default_interval;
  int64_t timeout =
      rec->config.health.timeout ? (int64_t)rec->config.health.timeout : default_timeout;
  int retries = rec->config.health.retries > 0 ? rec->config.health.retries : default_retries;
  int64_t start_period = (int64_t)rec->config.health.start_period;
  int64_t started_at = time_parse_rfc3339(rec->state.started_at);
  for (;;) {
    /* docker's monitor: the interval, then a probe, then the interval again */
    int64_t until = mono_ns() + interval;
    for (int64_t left; (left = until - mono_ns()) > 0;) {
      struct pollfd p = {.fd = initfd, .events = POLLIN};
      int ms = left / NS_PER_MS > 60000 ? 60000 : (int)((left + NS_PER_MS - 1) / NS_PER_MS);
      if (poll(&p, 1, ms) > 0)
        return 0;
    }
    autorecord struct ctr_record *now = NULL;
    autoerr struct td_err *e = NULL;
    if (record_load(&ctx, id, &now, &e) < 0)
      return 0; /* removed */
    if (now->state.paused)
      continue;
    struct probe r;
    if (!probe_run(&ctx, now, test, timeout, initfd, &r))
      return 0;
    autojson json_t *h = health_load(&ctx, id);
    if (h == NULL)
      h = json_pack("{s:s,s:i,s:[]}", "Status", "starting", "FailingStreak", 0, "Log");
    autofree char *before = xstrdup(json_string_value(json_object_get(h, "Status")));
    probe_apply(h, &r, retries, start_period, started_at);
    if (pidfd_ended(initfd))
      return 0; /* a restart's monitor writes "starting" now: not over it */
    if (health_save(&ctx, id, h, &e) < 0)
      return 0; /* removed (rm -f) */
    const char *after = json_string_value(json_object_get(h, "Status"));
    if (after && (before == NULL || strcmp(before, after) != 0)) {
      autofree char *action = xasprintf("health_status: %s", after);
      eng_event(&ctx, id, now, action, NULL);
    }
  }
}
