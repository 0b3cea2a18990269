/* top's table: the container's processes read from /proc (no `ps` subprocess), in the columns
 * docker's `top CONTAINER [ps OPTIONS]` shows for the common ps options: none or -ef (UID PID
 * PPID C STIME TTY TIME CMD), aux (USER PID %CPU %MEM VSZ RSS TTY STAT START TIME COMMAND),
 * and -o/-eo field lists (pid ppid pgid sid uid user comm args stat rss vsz time etime ...). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include "engine/view/view.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/hostuser.h"
#include "util/strv.h"
#include "util/xalloc.h"

struct pinfo {
  pid_t pid;
  int ppid, pgid, sid, tty, nice, prio, threads;
  char state;
  unsigned long long utime, stime, start, vsize, rss_pages;
  uid_t uid;
  char comm[64];
  char *args;
};

static bool read_pinfo(pid_t pid, struct pinfo *p)
{
  char path[64];
  autoerr struct td_err *e = NULL;
  autofree char *st = NULL;
  snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
  if (file_read_all(AT_FDCWD, path, &st, NULL, &e) < 0)
    return false;
  char *lp = strchr(st, '('), *rp = strrchr(st, ')');
  if (lp == NULL || rp == NULL || rp < lp)
    return false;
  memset(p, 0, sizeof(*p));
  p->pid = pid;
  snprintf(p->comm, sizeof(p->comm), "%.*s", (int)(rp - lp - 1), lp + 1);
  if (sscanf(rp + 2,
             "%c %d %d %d %d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %d %d %d %*d %llu "
             "%llu %llu",
             &p->state, &p->ppid, &p->pgid, &p->sid, &p->tty, &p->utime, &p->stime, &p->prio,
             &p->nice, &p->threads, &p->start, &p->vsize, &p->rss_pages) < 13)
    return false;
  snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
  size_t n = 0;
  if (file_read_all(AT_FDCWD, path, &p->args, &n, &e) < 0)
    p->args = NULL;
  for (size_t i = 0; p->args && i + 1 < n; i++)
    if (p->args[i] == '\0')
      p->args[i] = ' ';
  if (p->args == NULL || n == 0) { /* a kernel thread or a zombie: ps shows [comm] */
    free(p->args);
    p->args = xasprintf("[%s]", p->comm);
  }
  struct stat sb;
  snprintf(path, sizeof(path), "/proc/%d", (int)pid);
  p->uid = stat(path, &sb) == 0 ? sb.st_uid : 0;
  return true;
}

static long hz(void)
{
  long h = sysconf(_SC_CLK_TCK);
  return h > 0 ? h : 100;
}

static double uptime_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_BOOTTIME, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *fmt_duration(unsigned long long s, bool days)
{
  if (days && s >= 86400)
    return xasprintf("%llu-%02llu:%02llu:%02llu", s / 86400, s / 3600 % 24, s / 60 % 60, s % 60);
  return xasprintf("%02llu:%02llu:%02llu", s / 3600, s / 60 % 60, s % 60);
}

static char *fmt_start(const struct pinfo *p)
{
  struct sysinfo si;
  sysinfo(&si);
  time_t started = time(NULL) - (time_t)uptime_s() + (time_t)(p->start / (unsigned long long)hz());
  struct tm tm;
  localtime_r(&started, &tm);
  return xasprintf("%02d:%02d", tm.tm_hour, tm.tm_min);
}

static double pcpu(const struct pinfo *p)
{
  double el = uptime_s() - (double)p->start / (double)hz();
  return el > 0 ? 100.0 * (double)(p->utime + p->stime) / (double)hz() / el : 0;
}

/* One cell of field f (ps's name) for p; NULL for an unknown field. */
static char *cell(const char *f, const struct pinfo *p)
{
  long page_kb = sysconf(_SC_PAGESIZE) / 1024;
  struct sysinfo si;
  if (!strcmp(f, "pid"))
    return xasprintf("%d", (int)p->pid);
  if (!strcmp(f, "ppid"))
    return xasprintf("%d", p->ppid);
  if (!strcmp(f, "pgid") || !strcmp(f, "pgrp"))
    return xasprintf("%d", p->pgid);
  if (!strcmp(f, "sid") || !strcmp(f, "sess"))
    return xasprintf("%d", p->sid);
  if (!strcmp(f, "uid") || !strcmp(f, "euid"))
    return xasprintf("%u", (unsigned)p->uid);
  if (!strcmp(f, "user") || !strcmp(f, "euser") || !strcmp(f, "uname")) {
    return host_user_name(p->uid);
  }
  if (!strcmp(f, "comm") || !strcmp(f, "ucomm"))
    return xstrdup(p->comm);
  if (!strcmp(f, "args") || !strcmp(f, "cmd") || !strcmp(f, "command"))
    return xstrdup(p->args);
  if (!strcmp(f, "stat") || !strcmp(f, "s") || !strcmp(f, "state"))
    return xasprintf("%c", p->state);
  if (!strcmp(f, "rss") || !strcmp(f, "rssize"))
    return xasprintf("%llu", p->rss_pages * (unsigned long long)page_kb);
  if (!strcmp(f, "vsz") || !strcmp(f, "vsize"))
    return xasprintf("%llu", p->vsize / 1024);
  if (!strcmp(f, "time") || !strcmp(f, "cputime"))
    return fmt_duration((p->utime + p->stime) / (unsigned long long)hz(), true);
  if (!strcmp(f, "etime"))
    return fmt_duration((unsigned long long)(uptime_s() - (double)p->start / (double)hz()), true);
  if (!strcmp(f, "stime") || !strcmp(f, "start") || !strcmp(f, "start_time"))
    return fmt_start(p);
  if (!strcmp(f, "tty") || !strcmp(f, "tt") || !strcmp(f, "tname"))
    return p->tty ? xasprintf("pts/%d", (p->tty & 0xff) | ((p->tty >> 12) & 0xfff00))
                  : xstrdup("?");
  if (!strcmp(f, "nlwp") || !strcmp(f, "thcount"))
    return xasprintf("%d", p->threads);
  if (!strcmp(f, "ni") || !strcmp(f, "nice"))
    return xasprintf("%d", p->nice);
  if (!strcmp(f, "pri"))
    return xasprintf("%d", p->prio);
  if (!strcmp(f, "c"))
    return xasprintf("%d", (int)pcpu(p));
  if (!strcmp(f, "pcpu") || !strcmp(f, "%cpu"))
    return xasprintf("%.1f", pcpu(p));
  if (!strcmp(f, "pmem") || !strcmp(f, "%mem"))
    return xasprintf("%.1f", sysinfo(&si) == 0 && si.totalram
                                 ? 100.0 * (double)(p->rss_pages * (unsigned long long)page_kb) *
                                       1024.0 / ((double)si.totalram * si.mem_unit)
                                 : 0.0);
  return NULL;
}

static const char *header(const char *f)
{
  static const char *const map[][2] = {
      {"pid", "PID"},          {"ppid", "PPID"},     {"pgid", "PGID"},   {"pgrp", "PGRP"},
      {"sid", "SID"},          {"sess", "SESS"},     {"uid", "UID"},     {"euid", "EUID"},
      {"user", "USER"},        {"euser", "EUSER"},   {"uname", "USER"},  {"comm", "COMMAND"},
      {"ucomm", "COMMAND"},    {"args", "COMMAND"},  {"cmd", "CMD"},     {"command", "COMMAND"},
      {"stat", "STAT"},        {"s", "S"},           {"state", "S"},     {"rss", "RSS"},
      {"rssize", "RSS"},       {"vsz", "VSZ"},       {"vsize", "VSZ"},   {"time", "TIME"},
      {"cputime", "TIME"},     {"etime", "ELAPSED"}, {"stime", "STIME"}, {"start", "STARTED"},
      {"start_time", "START"}, {"tty", "TT"},        {"tt", "TT"},       {"tname", "TTY"},
      {"nlwp", "NLWP"},        {"thcount", "THCNT"}, {"ni", "NI"},       {"nice", "NI"},
      {"pri", "PRI"},          {"c", "C"},           {"pcpu", "%CPU"},   {"%cpu", "%CPU"},
      {"pmem", "%MEM"},        {"%mem", "%MEM"}};
  for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
    if (!strcmp(map[i][0], f))
      return map[i][1];
  return NULL;
}

/* "pid,comm" or "pid comm" appended to list. */
static void append_split(char ***list, const char *s)
{
  autofree char *c = xstrdup(s);
  for (char *p = c; *p; p++)
    if (*p == ' ')
      *p = ',';
  autostrv char **parts = strv_split(c, ',');
  for (char **x = parts; x && *x; x++)
    if (**x)
      strv_push(list, *x);
}

/* ps options -> field list (with our header overrides for -ef/aux); NULL + err when unknown. */
static int fields_of(char **args, char ***fields, char ***heads, struct td_err **err)
{
  static const char *const ef[] = {"user:UID", "pid",  "ppid",     "c", "stime",
                                   "tty:TTY",  "time", "args:CMD", NULL};
  static const char *const aux[] = {"user",    "pid",  "pcpu",        "pmem", "vsz",  "rss",
                                    "tty:TTY", "stat", "start:START", "time", "args", NULL};
  const char *const *base = ef;
  autostrv char **list = NULL;
  for (char **a = args; a && *a; a++) {
    const char *s = *a;
    if (!strcmp(s, "-ef") || !strcmp(s, "-e") || !strcmp(s, "-f") || !strcmp(s, "-A")) {
      continue;
    } else if (!strcmp(s, "aux") || !strcmp(s, "-aux") || !strcmp(s, "au") || !strcmp(s, "ax")) {
      base = aux;
    } else if (!strcmp(s, "-o") || !strcmp(s, "o") || !strcmp(s, "-eo") || !strcmp(s, "eo")) {
      if (a[1] == NULL)
        return err_set(err, 0, "ps: option %s requires a field list", s);
      append_split(&list, *++a);
    } else if (!strncmp(s, "-o", 2) || !strncmp(s, "-eo", 3)) {
      append_split(&list, s + (s[1] == 'e' ? 3 : 2));
    } else {
      return err_set(err, 0, "ps options %s: only -ef, aux and -o FIELD,... are supported", s);
    }
  }
  *fields = xcalloc(1, sizeof(char *));
  *heads = xcalloc(1, sizeof(char *));
  if (list == NULL)
    for (const char *const *b = base; *b; b++)
      strv_push(&list, *b);
  for (char **f = list; *f; f++) {
    char *colon = strchr(*f, ':'), *eq = strchr(*f, '=');
    char *sep = colon ? colon : eq; /* "pid=ID" or our "uid:UID": the header given */
    autofree char *name = sep ? xstrndup(*f, (size_t)(sep - *f)) : xstrdup(*f);
    if (header(name) == NULL)
      return err_set(err, 0,
                     "ps: unknown field '%s' (known: pid ppid pgid sid uid user comm "
                     "args cmd stat rss vsz time etime stime start tty nlwp ni pri c "
                     "pcpu pmem)",
                     name);
    strv_push(fields, name);
    strv_push(heads, sep ? sep + 1 : header(name));
  }
  return 0;
}

int top_print(const pid_t *pids, size_t n, char **ps_args, struct td_err **err)
{
  autostrv char **fields = NULL;
  autostrv char **heads = NULL;
  if (fields_of(ps_args, &fields, &heads, err) < 0)
    return -1;
  autostrv char **lines = xcalloc(1, sizeof(char *));
  strv_push_owned(&lines, strv_join(heads, "\t"));
  for (size_t i = 0; i < n; i++) {
    struct pinfo p;
    if (!read_pinfo(pids[i], &p))
      continue;
    autostrv char **cells = xcalloc(1, sizeof(char *));
    for (char **f = fields; *f; f++)
      strv_push_owned(&cells, cell(*f, &p));
    free(p.args);
    strv_push_owned(&lines, strv_join(cells, "\t"));
  }
  eng_print_table(lines);
  return 0;
}
