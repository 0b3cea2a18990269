/* docker's flag values: sizes, durations, cpus, cpusets, ulimits, restart policies, env
 * files, names, KEY=VALUE, --sysctl (parse.h). */
#include "engine/parse/parse.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/strv.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

/* A decimal number with an optional fraction; *end gets the first char after it. */
static bool parse_decimal(const char *s, double *out, const char **end)
{
  const char *p = s;
  if (*p == '-' || *p == '+')
    p++;
  if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1])))
    return false;
  char *e = NULL;
  errno = 0;
  double v = strtod(s, &e);
  if (errno != 0 || e == s || !isfinite(v))
    return false;
  /* strtod accepts hex, inf, exponents: allow only digits and one dot */
  for (const char *q = p; q < e; q++)
    if (!isdigit((unsigned char)*q) && *q != '.')
      return false;
  *out = v;
  *end = e;
  return true;
}

int eng_parse_size(const char *s, int64_t *out, struct td_err **err)
{
  double v;
  const char *u;
  if (s == NULL || !parse_decimal(s, &v, &u) || v < 0)
    return err_set(err, 0, "invalid size: '%s'", s ? s : "");
  double mult = 1;
  switch (tolower((unsigned char)*u)) {
  case '\0':
    break;
  case 'b':
    mult = 1;
    break;
  case 'k':
    mult = 1024.0;
    break;
  case 'm':
    mult = 1024.0 * 1024;
    break;
  case 'g':
    mult = 1024.0 * 1024 * 1024;
    break;
  case 't':
    mult = 1024.0 * 1024 * 1024 * 1024;
    break;
  case 'p':
    mult = 1024.0 * 1024 * 1024 * 1024 * 1024;
    break;
  default:
    return err_set(err, 0, "invalid size: '%s'", s);
  }
  if (*u != '\0') {
    u++;
    if (tolower((unsigned char)*u) == 'i')
      u++;
    if (tolower((unsigned char)*u) == 'b' && tolower((unsigned char)u[-1]) != 'b')
      u++;
    if (*u != '\0')
      return err_set(err, 0, "invalid size: '%s'", s);
  }
  double r = v * mult;
  if (r >= 9.2e18)
    return err_set(err, 0, "invalid size: '%s'", s);
  *out = (int64_t)r;
  return 0;
}

int eng_parse_duration(const char *s, int64_t *out, struct td_err **err)
{
  static const struct {
    const char *unit;
    double ns;
  } units[] = {{"ns", 1},  {"us", 1e3}, {"\xc2\xb5s", 1e3}, {"ms", 1e6},
               {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
  if (s == NULL || *s == '\0')
    return err_set(err, 0, "invalid duration: '%s'", s ? s : "");
  const char *p = s;
  int sign = 1;
  if (*p == '-' || *p == '+') {
    sign = *p == '-' ? -1 : 1;
    p++;
  }
  if (strcmp(p, "0") == 0) {
    *out = 0;
    return 0;
  }
  double total = 0;
  while (*p) {
    double v;
    const char *u;
    if (*p == '-' || *p == '+' || !parse_decimal(p, &v, &u))
      return err_set(err, 0, "invalid duration: '%s'", s);
    size_t best = 0;
    double mult = 0;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
      size_t n = strlen(units[i].unit);
      if (strncmp(u, units[i].unit, n) == 0 && n > best) {
        best = n;
        mult = units[i].ns;
      }
    }
    if (best == 0)
      return err_set(err, 0, "invalid duration: '%s': missing unit", s);
    total += v * mult;
    p = u + best;
  }
  if (total > 9.2e18)
    return err_set(err, 0, "invalid duration: '%s'", s);
  *out = (int64_t)total * sign;
  return 0;
}

int eng_parse_cpus(const char *s, int ncpu, int64_t *nanocpus, struct td_err **err)
{
  double v;
  const char *e;
  if (s == NULL || !parse_decimal(s, &v, &e) || *e != '\0')
    return err_set(err, 0,
                   "invalid argument \"%s\" for \"--cpus\" flag: failed to parse %s as a "
                   "rational number",
                   s ? s : "", s ? s : "");
  if (v < 0)
    return err_set(err, 0, "invalid value: %s: range of CPUs is from 0.01 to %d.00", s, ncpu);
  int64_t n = (int64_t)(v * 1e9 + 0.5);
  if (ncpu > 0 && n > (int64_t)ncpu * 1000000000LL)
    return err_set(err, 0,
                   "Range of CPUs is from 0.01 to %d.00, as there are only %d CPUs "
                   "available",
                   ncpu, ncpu),
           err_mark(err, ERR_SERVER); /* dockerd's check */
  if (n != 0 && n < 10000000)
    return err_set(err, 0, "Range of CPUs is from 0.01 to %d.00", ncpu), err_mark(err, ERR_SERVER);
  *nanocpus = n;
  return 0;
}

int64_t eng_cpus_quota(int64_t nanocpus, uint64_t period)
{
  return (int64_t)((double)nanocpus * (double)period / 1e9);
}

int eng_parse_cpuset(const char *s, int max, struct td_err **err)
{
  if (s == NULL || *s == '\0')
    return err_set(err, 0, "invalid cpuset: '%s'", s ? s : "");
  const char *p = s;
  while (*p) {
    char *e = NULL;
    if (!isdigit((unsigned char)*p))
      return err_set(err, 0, "invalid cpuset: '%s'", s);
    long a = strtol(p, &e, 10), b = a;
    p = e;
    if (*p == '-') {
      p++;
      if (!isdigit((unsigned char)*p))
        return err_set(err, 0, "invalid cpuset: '%s'", s);
      b = strtol(p, &e, 10);
      p = e;
      if (b < a)
        return err_set(err, 0, "invalid cpuset: '%s'", s);
    }
    if (max > 0 && b >= max)
      return err_set(err, 0, "requested CPUs are not available - requested %s, available: 0-%d", s,
                     max - 1);
    if (*p == ',') {
      p++;
      if (*p == '\0')
        return err_set(err, 0, "invalid cpuset: '%s'", s);
    } else if (*p != '\0') {
      return err_set(err, 0, "invalid cpuset: '%s'", s);
    }
  }
  return 0;
}

static const struct {
  const char *name;
  int res;
  const char *oci;
} ulimit_names[] = {
    {"as", RLIMIT_AS, "RLIMIT_AS"},
    {"core", RLIMIT_CORE, "RLIMIT_CORE"},
    {"cpu", RLIMIT_CPU, "RLIMIT_CPU"},
    {"data", RLIMIT_DATA, "RLIMIT_DATA"},
    {"fsize", RLIMIT_FSIZE, "RLIMIT_FSIZE"},
    {"locks", RLIMIT_LOCKS, "RLIMIT_LOCKS"},
    {"memlock", RLIMIT_MEMLOCK, "RLIMIT_MEMLOCK"},
    {"msgqueue", RLIMIT_MSGQUEUE, "RLIMIT_MSGQUEUE"},
    {"nice", RLIMIT_NICE, "RLIMIT_NICE"},
    {"nofile", RLIMIT_NOFILE, "RLIMIT_NOFILE"},
    {"nproc", RLIMIT_NPROC, "RLIMIT_NPROC"},
    {"rss", RLIMIT_RSS, "RLIMIT_RSS"},
    {"rtprio", RLIMIT_RTPRIO, "RLIMIT_RTPRIO"},
    {"rttime", RLIMIT_RTTIME, "RLIMIT_RTTIME"},
    {"sigpending", RLIMIT_SIGPENDING, "RLIMIT_SIGPENDING"},
    {"stack", RLIMIT_STACK, "RLIMIT_STACK"},
};

const char *eng_rlimit_oci_name(int resource)
{
  for (size_t i = 0; i < sizeof(ulimit_names) / sizeof(ulimit_names[0]); i++)
    if (ulimit_names[i].res == resource)
      return ulimit_names[i].oci;
  return NULL;
}

static bool parse_u64(const char *s, uint64_t *out)
{
  if (strcmp(s, "-1") == 0 || strcmp(s, "unlimited") == 0) {
    *out = RLIM_INFINITY;
    return true;
  }
  if (!isdigit((unsigned char)*s))
    return false;
  char *e = NULL;
  errno = 0;
  unsigned long long v = strtoull(s, &e, 10);
  if (errno || *e)
    return false;
  *out = v;
  return true;
}

int eng_parse_ulimit(const char *s, struct eng_ulimit *out, struct td_err **err)
{
  const char *eq = s ? strchr(s, '=') : NULL;
  if (eq == NULL)
    return err_set(err, 0, "invalid ulimit argument: %s", s ? s : "");
  autofree char *name = xstrndup(s, (size_t)(eq - s));
  int idx = -1;
  for (size_t i = 0; i < sizeof(ulimit_names) / sizeof(ulimit_names[0]); i++)
    if (strcmp(ulimit_names[i].name, name) == 0)
      idx = (int)i;
  if (idx < 0)
    return err_set(err, 0, "invalid ulimit type: %s", name);
  autofree char *vals = xstrdup(eq + 1);
  char *colon = strchr(vals, ':');
  if (colon)
    *colon = '\0';
  uint64_t soft, hard;
  if (!parse_u64(vals, &soft))
    return err_set(err, 0, "invalid ulimit argument: %s", s);
  hard = soft;
  if (colon && !parse_u64(colon + 1, &hard))
    return err_set(err, 0, "invalid ulimit argument: %s", s);
  if (soft > hard)
    return err_set(err, 0, "ulimit soft limit must be less than or equal to hard limit: %s", s);
  out->resource = ulimit_names[idx].res;
  out->name = ulimit_names[idx].name;
  out->soft = soft;
  out->hard = hard;
  return 0;
}

int eng_parse_restart(const char *s, struct eng_restart *out, struct td_err **err)
{
  out->max_retries = 0;
  if (s == NULL || *s == '\0' || strcmp(s, "no") == 0) {
    out->mode = RESTART_NO;
    return 0;
  }
  if (strcmp(s, "always") == 0) {
    out->mode = RESTART_ALWAYS;
    return 0;
  }
  if (strcmp(s, "unless-stopped") == 0) {
    out->mode = RESTART_UNLESS_STOPPED;
    return 0;
  }
  if (strncmp(s, "on-failure", 10) == 0 && (s[10] == '\0' || s[10] == ':')) {
    out->mode = RESTART_ON_FAILURE;
    if (s[10] == ':') {
      char *e = NULL;
      long n = strtol(s + 11, &e, 10);
      if (s[11] == '\0' || *e != '\0' || n < 0 || n > 1000000)
        return err_set(err, 0,
                       "invalid restart policy: maximum retry count must be a "
                       "positive integer: '%s'",
                       s);
      out->max_retries = (int)n;
    }
    return 0;
  }
  if ((strncmp(s, "always:", 7) == 0) || strncmp(s, "no:", 3) == 0 ||
      strncmp(s, "unless-stopped:", 15) == 0)
    return err_set(err, 0,
                   "invalid restart policy: maximum retry count can only be used with "
                   "'on-failure'");
  /* dockerd's answer, not the CLI's */
  return err_set(err, 0, "invalid restart policy '%s'", s), err_mark(err, ERR_SERVER);
}

const char *eng_restart_name(enum eng_restart_mode m)
{
  switch (m) {
  case RESTART_NO:
    return "no";
  case RESTART_ON_FAILURE:
    return "on-failure";
  case RESTART_ALWAYS:
    return "always";
  case RESTART_UNLESS_STOPPED:
    return "unless-stopped";
  }
  return "no";
}

int eng_parse_env_text(const char *text, const char *name, char ***env, struct td_err **err)
{
  autostrv char **lines = strv_split(text, '\n');
  int lineno = 0;
  for (char **l = lines; *l; l++) {
    lineno++;
    char *line = *l;
    size_t n = strlen(line);
    if (n > 0 && line[n - 1] == '\r')
      line[--n] = '\0';
    while (*line == ' ' || *line == '\t')
      line++;
    if (*line == '\0' || *line == '#')
      continue;
    char *eq = strchr(line, '=');
    size_t klen = eq ? (size_t)(eq - line) : strlen(line);
    if (klen == 0)
      return err_set(err, 0, "%s: line %d: variable name is empty", name, lineno);
    for (size_t i = 0; i < klen; i++)
      if (isspace((unsigned char)line[i]))
        return err_set(err, 0, "%s: line %d: variable '%.*s' contains whitespaces", name, lineno,
                       (int)klen, line);
    if (eq) {
      strv_push(env, line);
    } else {
      const char *v = getenv(line);
      if (v)
        strv_push_owned(env, xasprintf("%s=%s", line, v));
    }
  }
  return 0;
}

int eng_parse_env_file(const char *path, char ***env, struct td_err **err)
{
  autofree char *text = NULL;
  if (file_read_all(AT_FDCWD, path, &text, NULL, err) < 0)
    return err_prefix(err, "env file");
  return eng_parse_env_text(text, path, env, err);
}

bool eng_valid_name(const char *name)
{
  if (name == NULL)
    return false;
  if (*name == '/')
    name++;
  if (!isalnum((unsigned char)name[0]) || name[1] == '\0')
    return false;
  for (const char *p = name; *p; p++)
    if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
      return false;
  return strlen(name) <= 128;
}

int eng_parse_kv(const char *s, char **key, char **value, struct td_err **err)
{
  if (s == NULL || *s == '\0' || *s == '=')
    return err_set(err, 0, "invalid key=value: '%s'", s ? s : "");
  const char *eq = strchr(s, '=');
  *key = eq ? xstrndup(s, (size_t)(eq - s)) : xstrdup(s);
  *value = xstrdup(eq ? eq + 1 : "");
  return 0;
}

static bool sysctl_whitelisted(const char *k)
{
  static const char *const ipc[] = {"kernel.msgmax", "kernel.msgmnb",         "kernel.msgmni",
                                    "kernel.sem",    "kernel.shmall",         "kernel.shmmax",
                                    "kernel.shmmni", "kernel.shm_rmid_forced"};
  for (size_t i = 0; i < sizeof(ipc) / sizeof(ipc[0]); i++)
    if (strcmp(k, ipc[i]) == 0)
      return true;
  return strncmp(k, "net.", 4) == 0 || strncmp(k, "fs.mqueue.", 10) == 0;
}

/* dot-separated plain names: each becomes one directory level under /proc/sys */
static bool sysctl_key_clean(const char *k)
{
  if (strchr(k, '/'))
    return false;
  for (const char *c = k;; c++) {
    size_t n = strcspn(c, ".");
    if (n == 0)
      return false;
    c += n;
    if (*c == '\0')
      return true;
  }
}

int eng_parse_sysctl(const char *s, char **key, char **value, struct td_err **err)
{
  const char *eq = s ? strchr(s, '=') : NULL;
  if (eq == NULL || eq == s)
    return err_set(err, 0, "sysctl '%s' is not whitelisted", s ? s : "");
  autofree char *k = xstrndup(s, (size_t)(eq - s));
  if (!sysctl_whitelisted(k))
    return err_set(err, 0, "sysctl '%s' is not whitelisted", s);
  if (!sysctl_key_clean(k))
    return err_set(err, 0, "sysctl '%s': invalid key", s);
  *key = steal_ptr(k);
  *value = xstrdup(eq + 1);
  return 0;
}

int eng_parse_timestamp(const char *s, int64_t now_ns, int64_t *out, struct td_err **err)
{
  int64_t t = time_parse_rfc3339(s);
  if (t > 0) {
    *out = t;
    return 0;
  }
  char *end = NULL;
  errno = 0;
  double secs = strtod(s, &end);
  if (end != s && *end == '\0' && errno == 0 && isdigit((unsigned char)s[0])) {
    *out = (int64_t)(secs * 1e9);
    return 0;
  }
  int64_t d;
  autoerr struct td_err *e = NULL;
  if (eng_parse_duration(s, &d, &e) < 0)
    return err_set(err, 0, "failed to parse value as time or duration: \"%s\"", s);
  *out = now_ns - d;
  return 0;
}
