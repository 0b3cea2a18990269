/* top, stats, info, version: read-only views from /proc and the cgroups. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "util/gotmpl.h"
#include "engine/container/container.h"
#include "engine/view/view.h"
#include "runtime/cgroup/cgroup.h"
#include "util/cleanup.h"
#include "util/human.h"
#include "util/fileio.h"
#include "util/strv.h"
#include "util/xalloc.h"

static int open_cgroup(const struct eng_ctx *ctx, const char *id, struct cgroup **cg,
                       struct td_err **err)
{
  struct rt_ctx rt;
  eng_rt_ctx(ctx, &rt);
  struct rt_state st = {0};
  if (rt_state(&rt, id, &st, err) < 0)
    return -1;
  int rc = cgroup_open(st.cgroup_path, cg, err);
  rt_state_clear(&st);
  return rc;
}

static bool running(const struct ctr_record *rec)
{
  const char *s = rec->state.status;
  return s && (strcmp(s, "running") == 0 || strcmp(s, "paused") == 0);
}

static int cmp_pid(const void *a, const void *b)
{
  return *(const pid_t *)a - *(const pid_t *)b;
}

int eng_top(struct eng_ctx *ctx, const char *id, char **ps_args, struct td_err **err)
{
  autorecord struct ctr_record *rec = NULL;
  if (eng_load_refreshed(ctx, id, &rec, err) < 0)
    return -1;
  if (!running(rec))
    return err_set(err, 0, "Container %s is not running", id);
  struct cgroup *cg = NULL;
  if (open_cgroup(ctx, id, &cg, err) < 0)
    return -1;
  pid_t *pids = NULL;
  size_t n = 0;
  int rc = cgroup_pids(cg, &pids, &n, err);
  cgroup_free(cg);
  if (rc < 0)
    return -1;
  qsort(pids, n, sizeof(*pids), cmp_pid);
  rc = top_print(pids, n, ps_args, err);
  free(pids);
  return rc;
}

static uint64_t mem_total(void)
{
  struct sysinfo si;
  if (sysinfo(&si) < 0)
    return 0;
  return (uint64_t)si.totalram * si.mem_unit;
}

static void net_io(pid_t pid, uint64_t *rx, uint64_t *tx)
{
  *rx = *tx = 0;
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/net/dev", (int)pid);
  autofree char *buf = NULL;
  autoerr struct td_err *e = NULL;
  if (pid <= 0 || file_read_all(AT_FDCWD, path, &buf, NULL, &e) < 0)
    return;
  autostrv char **lines = strv_split(buf, '\n');
  for (size_t i = 2; lines[i]; i++) {
    char name[64];
    unsigned long long r, t;
    if (sscanf(lines[i], " %63[^:]: %llu %*u %*u %*u %*u %*u %*u %*u %llu", name, &r, &t) == 3 &&
        strcmp(name, "lo") != 0) {
      *rx += r;
      *tx += t;
    }
  }
}

struct stat_sample {
  char *id;
  char *name;
  pid_t pid;
  uint64_t cpu_ns;
  struct timespec at;
  struct cgroup_stats s;
  bool ok;
};

static void sample(const struct eng_ctx *ctx, struct stat_sample *x)
{
  struct cgroup *cg = NULL;
  autoerr struct td_err *err = NULL;
  x->ok = false;
  if (open_cgroup(ctx, x->id, &cg, &err) < 0)
    return;
  clock_gettime(CLOCK_MONOTONIC, &x->at);
  x->ok = cgroup_stats(cg, &x->s, &err) == 0;
  cgroup_free(cg);
}

static json_t *stats_row(const struct stat_sample *a, const struct stat_sample *b, int ncpu)
{
  double dt = (double)(b->at.tv_sec - a->at.tv_sec) * 1e9 + (double)(b->at.tv_nsec - a->at.tv_nsec);
  double cpu = 0;
  if (a->ok && b->ok && dt > 0 && b->s.cpu_usage_ns >= a->s.cpu_usage_ns)
    cpu = (double)(b->s.cpu_usage_ns - a->s.cpu_usage_ns) / dt * 100.0;
  (void)ncpu;
  uint64_t limit = b->s.memory_limit;
  uint64_t host = mem_total();
  if (limit == 0 || limit > host)
    limit = host;
  uint64_t rx, tx;
  net_io(b->pid, &rx, &tx);
  char sid[13], cpus[32], memp[32], pids[32];
  snprintf(cpus, sizeof(cpus), "%.2f%%", cpu);
  snprintf(memp, sizeof(memp), "%.2f%%",
           limit ? (double)b->s.memory_usage * 100.0 / (double)limit : 0.0);
  snprintf(pids, sizeof(pids), "%llu", (unsigned long long)b->s.pids_current);
  autofree char *mu = human_size_binary((double)b->s.memory_usage);
  autofree char *ml = human_size_binary((double)limit);
  autofree char *mem = xasprintf("%s / %s", mu, ml);
  autofree char *nr = human_size((double)rx, 3), *nt = human_size((double)tx, 3);
  autofree char *net = xasprintf("%s / %s", nr, nt);
  autofree char *br = human_size((double)b->s.blkio_read_bytes, 3);
  autofree char *bw = human_size((double)b->s.blkio_write_bytes, 3);
  autofree char *blk = xasprintf("%s / %s", br, bw);
  return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "Container", eng_short_id(b->id, sid),
                   "ID", sid, "Name", b->name, "CPUPerc", cpus, "MemUsage", mem, "MemPerc", memp,
                   "NetIO", net, "BlockIO", blk, "PIDs", pids);
}

static const char *stats_header(const char *f)
{
  static const struct {
    const char *f, *h;
  } map[] = {{"Container", "CONTAINER"},
             {"ID", "CONTAINER ID"},
             {"Name", "NAME"},
             {"CPUPerc", "CPU %"},
             {"MemUsage", "MEM USAGE / LIMIT"},
             {"MemPerc", "MEM %"},
             {"NetIO", "NET I/O"},
             {"BlockIO", "BLOCK I/O"},
             {"PIDs", "PIDS"}};
  for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
    if (strcmp(map[i].f, f) == 0)
      return map[i].h;
  return NULL;
}

static int stats_collect(const struct eng_ctx *ctx, char **ids, bool all, struct stat_sample **out,
                         size_t *n, struct td_err **err)
{
  autostrv char **list = NULL;
  if (ids && ids[0]) {
    list = xcalloc(1, sizeof(char *));
    for (char **r = ids; *r; r++) {
      char *id = NULL;
      if (store_lookup(ctx, *r, &id, err) < 0)
        return -1;
      strv_push_owned(&list, id);
    }
  } else if (store_list(ctx, &list, err) < 0) {
    return -1;
  }
  struct stat_sample *v = xcalloc(strv_len(list) + 1, sizeof(*v));
  size_t k = 0;
  for (char **p = list; *p; p++) {
    autorecord struct ctr_record *rec = NULL;
    autoerr struct td_err *e = NULL;
    if (eng_load_refreshed(ctx, *p, &rec, &e) < 0)
      continue;
    if (!running(rec) && !all && !(ids && ids[0]))
      continue;
    v[k].id = xstrdup(*p);
    v[k].name = xstrdup(rec->name + 1);
    v[k].pid = rec->state.pid;
    k++;
  }
  *out = v;
  *n = k;
  return 0;
}

int eng_stats(struct eng_ctx *ctx, char **ids, bool all, bool no_stream, const char *format,
              struct td_err **err)
{
  struct stat_sample *a = NULL;
  size_t n = 0;
  if (stats_collect(ctx, ids, all, &a, &n, err) < 0)
    return -1;
  struct stat_sample *b = xcalloc(n + 1, sizeof(*b));
  for (size_t i = 0; i < n; i++) {
    b[i] = a[i];
    sample(ctx, &a[i]);
  }
  const char *fmt = format ? format
                           : "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}"
                             "\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}";
  int rc = 0;
  for (;;) {
    struct timespec ts = {0, 500000000};
    nanosleep(&ts, NULL);
    autostrv char **lines = xcalloc(1, sizeof(char *));
    if (gotmpl_is_table(fmt))
      strv_push_owned(&lines, gotmpl_header(fmt, stats_header));
    for (size_t i = 0; i < n; i++) {
      sample(ctx, &b[i]);
      autojson json_t *row = stats_row(&a[i], &b[i], eng_ncpu());
      char *line = NULL;
      if (gotmpl_render_format(fmt, row, &line, err) < 0) {
        rc = -1;
        break;
      }
      strv_push_owned(&lines, line);
      a[i].s = b[i].s;
      a[i].at = b[i].at;
      a[i].ok = b[i].ok;
    }
    if (rc < 0)
      break;
    if (!no_stream)
      printf("\033[2J\033[H");
    if (gotmpl_is_table(fmt))
      gotmpl_tabwrite(stdout, lines, 10);
    else
      for (char **l = lines; *l; l++)
        printf("%s\n", *l);
    fflush(stdout);
    if (no_stream)
      break;
  }
  for (size_t i = 0; i < n; i++) {
    free(a[i].id);
    free(a[i].name);
  }
  free(a);
  free(b);
  return rc;
}

static int print_doc(json_t *doc, const char *format, const char *text, struct td_err **err)
{
  if (format) {
    autofree char *out = NULL;
    if (gotmpl_render(format, doc, &out, err) < 0)
      return -1;
    printf("%s\n", out);
  } else {
    fputs(text, stdout);
  }
  return 0;
}

/* uname's machine as Go's GOARCH names it (docker's OS/Arch) */
static const char *go_arch(const char *machine)
{
  static const struct {
    const char *uname, *go;
  } map[] = {{"x86_64", "amd64"}, {"aarch64", "arm64"}, {"i686", "386"},
             {"i386", "386"},     {"armv7l", "arm"},    {"ppc64le", "ppc64le"}};
  for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
    if (strcmp(map[i].uname, machine) == 0)
      return map[i].go;
  return machine;
}

int eng_version(struct eng_ctx *ctx, const char *format, struct td_err **err)
{
  (void)ctx;
  struct utsname u;
  uname(&u);
  autojson json_t *doc =
      json_pack("{s:{s:s,s:s,s:s},s:{s:s,s:s,s:s}}", "Client", "Version", TD_VERSION, "Os", "linux",
                "Arch", go_arch(u.machine), "Server", "Version", TD_VERSION, "Os", "linux",
                "KernelVersion", u.release);
  autofree char *text = xasprintf(
      "Client:\n Version:           %s\n OS/Arch:           linux/%s\n"
      "\nServer: tinydocker (daemonless)\n Engine:\n  Version:          %s\n"
      "  OS/Arch:          linux/%s\n  Kernel:           %s\n"
      " Runtime:\n  tinyrun:          %s (in-process)\n",
      TD_VERSION, go_arch(u.machine), TD_VERSION, go_arch(u.machine), u.release, TD_VERSION);
  return print_doc(doc, format, text, err);
}
