/* logs: read the json-file log (rotated files first), filter, follow. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/container/container.h"
#include "util/timefmt.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/strv.h"
#include "util/xalloc.h"

struct log_entry {
  char *text;
  size_t len;
  int stream;
  char time[40];
};

/* Decode a JSON string body starting at p (after the opening quote) into out; returns the
 * position after the closing quote, or NULL. */
static const char *json_str_decode(const char *p, char *out, size_t *outlen)
{
  size_t o = 0;
  while (*p && *p != '"') {
    if (*p != '\\') {
      out[o++] = *p++;
      continue;
    }
    p++;
    switch (*p) {
    case 'n':
      out[o++] = '\n';
      break;
    case 'r':
      out[o++] = '\r';
      break;
    case 't':
      out[o++] = '\t';
      break;
    case 'b':
      out[o++] = '\b';
      break;
    case 'f':
      out[o++] = '\f';
      break;
    case 'u': {
      unsigned v = 0;
      if (sscanf(p + 1, "%4x", &v) != 1)
        return NULL;
      if (v < 0x80) {
        out[o++] = (char)v;
      } else if (v < 0x800) {
        out[o++] = (char)(0xc0 | (v >> 6));
        out[o++] = (char)(0x80 | (v & 0x3f));
      } else {
        out[o++] = (char)(0xe0 | (v >> 12));
        out[o++] = (char)(0x80 | ((v >> 6) & 0x3f));
        out[o++] = (char)(0x80 | (v & 0x3f));
      }
      p += 4;
      break;
    }
    case '\0':
      return NULL;
    default:
      out[o++] = *p;
      break;
    }
    p++;
  }
  if (*p != '"')
    return NULL;
  *outlen = o;
  return p + 1;
}

static bool parse_line(const char *line, struct log_entry *e)
{
  const char *p = strstr(line, "\"log\":\"");
  if (p == NULL)
    return false;
  e->text = xmalloc(strlen(line) + 1);
  p = json_str_decode(p + 7, e->text, &e->len);
  if (p == NULL) {
    free(e->text);
    return false;
  }
  e->stream = strstr(p, "\"stream\":\"stderr\"") ? 2 : 1;
  const char *t = strstr(p, "\"time\":\"");
  e->time[0] = '\0';
  if (t) {
    t += 8;
    size_t n = strcspn(t, "\"");
    if (n >= sizeof(e->time))
      n = sizeof(e->time) - 1;
    memcpy(e->time, t, n);
    e->time[n] = '\0';
  }
  return true;
}

/* --since/--until: RFC3339, unix seconds, or a duration ago ("10m"). */
static int parse_time_arg(const char *s, int64_t *out, struct td_err **err)
{
  int64_t t = time_parse_rfc3339(s);
  if (t > 0) {
    *out = t;
    return 0;
  }
  char *end = NULL;
  double secs = strtod(s, &end);
  if (end && *end == '\0' && end != s) {
    *out = (int64_t)(secs * 1e9);
    return 0;
  }
  int64_t d;
  if (eng_parse_duration(s, &d, err) < 0)
    return err_prefix(err, "invalid value for \"since\"");
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  *out = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec - d;
  return 0;
}

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Go's url.QueryEscape of s onto f (docker escapes the details that way). */
static void query_escape(FILE *f, const char *s)
{
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
        *p == '-' || *p == '_' || *p == '.' || *p == '~')
      fputc(*p, f);
    else if (*p == ' ')
      fputc('+', f);
    else
      fprintf(f, "%%%02X", *p);
  }
}

/* --details: the entry's "attrs" (what --log-opt labels=/env= recorded) as docker prints them,
 * k=v,k2=v2 sorted by key, then a space; just the space when there are none. */
static void emit_details(FILE *f, const char *line)
{
  autojson json_t *j = strstr(line, "\"attrs\"") ? json_loads(line, 0, NULL) : NULL;
  json_t *attrs = json_object_get(j, "attrs");
  autostrv char **keys = xcalloc(1, sizeof(char *));
  const char *k;
  json_t *v;
  json_object_foreach (attrs, k, v)
    strv_push(&keys, k);
  qsort(keys, strv_len(keys), sizeof(char *), cmp_str);
  for (char **key = keys; *key; key++) {
    if (key != keys)
      fputc(',', f);
    query_escape(f, *key);
    fputc('=', f);
    const char *val = json_string_value(json_object_get(attrs, *key));
    query_escape(f, val ? val : "");
  }
  fputc(' ', f);
}

static void emit(const struct log_entry *e, const struct eng_logs_opts *o, const char *line)
{
  FILE *f = e->stream == 2 ? stderr : stdout;
  /* keep the order of lines across the two streams */
  static FILE *last;
  if (last && last != f)
    fflush(last);
  last = f;
  if (o->timestamps)
    fprintf(f, "%s ", e->time);
  if (o->details)
    emit_details(f, line);
  fwrite(e->text, 1, e->len, f);
}

/* Print complete lines of buf; returns bytes consumed. */
static size_t print_chunk(const char *buf, size_t n, const struct eng_logs_opts *o, int64_t since,
                          int64_t until)
{
  size_t used = 0;
  while (used < n) {
    const char *nl = memchr(buf + used, '\n', n - used);
    if (nl == NULL)
      break;
    autofree char *line = xstrndup(buf + used, (size_t)(nl - (buf + used)));
    used = (size_t)(nl - buf) + 1;
    struct log_entry e;
    if (!parse_line(line, &e))
      continue;
    int64_t t = time_parse_rfc3339(e.time);
    if ((since == 0 || t >= since) && (until == 0 || t <= until))
      emit(&e, o, line);
    free(e.text);
  }
  fflush(stdout);
  fflush(stderr);
  return used;
}

static bool still_running(const struct eng_ctx *ctx, const char *id)
{
  autorecord struct ctr_record *rec = NULL;
  autoerr struct td_err *err = NULL;
  if (eng_load_refreshed(ctx, id, &rec, &err) < 0)
    return false;
  const char *s = rec->state.status;
  return s && (strcmp(s, "running") == 0 || strcmp(s, "paused") == 0 ||
               strcmp(s, "restarting") == 0 || strcmp(s, "created") == 0);
}

int eng_logs(struct eng_ctx *ctx, const char *id, const struct eng_logs_opts *o,
             struct td_err **err)
{
  autorecord struct ctr_record *rec = NULL;
  if (record_load(ctx, id, &rec, err) < 0)
    return -1;
  int64_t since = 0, until = 0;
  if (o->since && parse_time_arg(o->since, &since, err) < 0)
    return -1;
  if (o->until && parse_time_arg(o->until, &until, err) < 0)
    return -1;
  long tail = -1;
  if (o->tail && strcmp(o->tail, "all") != 0) {
    char *e = NULL;
    tail = strtol(o->tail, &e, 10);
    if (*o->tail == '\0' || *e != '\0')
      return err_set(err, 0, "invalid value for \"tail\": %s", o->tail);
  }
  const char *path = rec->log_path;
  /* everything there is now: rotated files oldest first, then the live one */
  autofree char *all = xstrdup("");
  size_t all_len = 0;
  for (int i = 9; i >= 0; i--) {
    autofree char *p = i ? xasprintf("%s.%d", path, i) : xstrdup(path);
    autofree char *buf = NULL;
    size_t n = 0;
    autoerr struct td_err *e = NULL;
    if (file_read_all(AT_FDCWD, p, &buf, &n, &e) < 0)
      continue;
    all = xrealloc(all, all_len + n + 1);
    memcpy(all + all_len, buf, n);
    all_len += n;
    all[all_len] = '\0';
  }
  /* only complete lines; what follows a partial line is read by -f */
  size_t complete = all_len;
  while (complete > 0 && all[complete - 1] != '\n')
    complete--;
  size_t start = 0;
  if (tail >= 0) {
    long seen = 0;
    start = complete;
    while (start > 0 && seen <= tail) {
      start--;
      if (start == 0 || all[start - 1] == '\n') {
        if (start < complete)
          seen++;
        if (seen > tail) {
          /* went one too far: move to the next line */
          const char *nl = memchr(all + start, '\n', complete - start);
          start = nl ? (size_t)(nl - all) + 1 : complete;
          break;
        }
      }
    }
  }
  print_chunk(all + start, complete - start, o, since, until);
  if (!o->follow)
    return 0;
  autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
  off_t pos = 0;
  if (fd >= 0) {
    pos = lseek(fd, 0, SEEK_END);
    /* re-read the partial tail we skipped */
    size_t live_len = 0;
    autofree char *live = NULL;
    autoerr struct td_err *e = NULL;
    if (file_read_all(AT_FDCWD, path, &live, &live_len, &e) == 0) {
      size_t c = live_len;
      while (c > 0 && live[c - 1] != '\n')
        c--;
      pos = (off_t)c;
    }
  }
  char pend[65536];
  size_t npend = 0;
  int idle_after_stop = 0;
  for (;;) {
    if (fd < 0)
      fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t r = fd >= 0 ? pread(fd, pend + npend, sizeof(pend) - npend, pos) : 0;
    if (r > 0) {
      pos += r;
      npend += (size_t)r;
      size_t used = print_chunk(pend, npend, o, since, until);
      memmove(pend, pend + used, npend - used);
      npend -= used;
      if (npend == sizeof(pend))
        npend = 0;
      continue;
    }
    if (!still_running(ctx, id)) {
      if (++idle_after_stop > 2)
        break;
    }
    /* rotation: the file we read was renamed away */
    struct stat a, b;
    if (fd >= 0 && fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino != b.st_ino) {
      close(fd);
      fd = -1;
      pos = 0;
      continue;
    }
    struct timespec ts = {0, 50000000};
    nanosleep(&ts, NULL);
  }
  return 0;
}
