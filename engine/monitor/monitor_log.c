#include "engine/monitor/monitor_log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/fileio.h"

int mon_log_open(struct mon_log *l, const char *path, int64_t max_size, int max_file,
                 struct td_err **err)
{
  memset(l, 0, sizeof(*l));
  snprintf(l->path, sizeof(l->path), "%s", path);
  l->max_size = max_size;
  l->max_file = max_file < 1 ? 1 : max_file;
  l->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (l->fd < 0)
    return err_set(err, errno, "open log %s", path);
  struct stat st;
  if (fstat(l->fd, &st) == 0)
    l->size = st.st_size;
  return 0;
}

size_t mon_json_escape(const char *s, size_t n, char *out)
{
  static const char hex[] = "0123456789abcdef";
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    switch (c) {
    case '"':
      out[o++] = '\\';
      out[o++] = '"';
      break;
    case '\\':
      out[o++] = '\\';
      out[o++] = '\\';
      break;
    case '\n':
      out[o++] = '\\';
      out[o++] = 'n';
      break;
    case '\r':
      out[o++] = '\\';
      out[o++] = 'r';
      break;
    case '\t':
      out[o++] = '\\';
      out[o++] = 't';
      break;
    default:
      if (c < 0x20 || c == 0x7f) {
        memcpy(out + o, "\\u00", 4);
        out[o + 4] = hex[c >> 4];
        out[o + 5] = hex[c & 15];
        o += 6;
      } else {
        out[o++] = (char)c;
      }
    }
  }
  return o;
}

static void rotate(struct mon_log *l)
{
  char from[4200], to[4200];
  close(l->fd);
  for (int i = l->max_file - 1; i >= 1; i--) {
    if (i == 1)
      snprintf(from, sizeof(from), "%s", l->path);
    else
      snprintf(from, sizeof(from), "%s.%d", l->path, i - 1);
    snprintf(to, sizeof(to), "%s.%d", l->path, i);
    rename(from, to);
  }
  if (l->max_file == 1)
    l->fd = open(l->path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0640);
  else
    l->fd = open(l->path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0640);
  l->size = 0;
}

/* The cause in docker's words (strerror is not in the monitor's libc-less idle program). */
static const char *drop_reason(int e, char *buf, size_t n)
{
  switch (e) {
  case ENOSPC:
    return "no space left on device";
  case EDQUOT:
    return "disk quota exceeded";
  case EFBIG:
    return "file too large";
  case EIO:
    return "input/output error";
  case EROFS:
    return "read-only file system";
  default:
    snprintf(buf, n, "errno %d", e);
    return buf;
  }
}

/* A warning line on stderr (the store's engine.log); best effort, it may be full too. */
static void warn_line(const struct mon_log *l, const char *what, int e)
{
  char msg[4400], num[24], why[32];
  snprintf(num, sizeof(num), "%ld", (long)l->dropped);
  snprintf(msg, sizeof(msg), "tinydocker-monitor: warning: log %s: %s%s%s: %s\n", l->path, what,
           l->dropped ? num : "", l->dropped ? " entries dropped" : "",
           drop_reason(e, why, sizeof(why)));
  ssize_t r = write(2, msg, strlen(msg));
  (void)r;
}

/* An entry could not be written: undo a partial line, count it, warn when dropping starts. */
static void drop_entry(struct mon_log *l, int e)
{
  if (l->fd >= 0 && ftruncate(l->fd, l->size) < 0) {
    /* the partial line stays; the next entry starts on a line of its own */
  }
  if (l->dropped == 0)
    warn_line(l, "dropping the container's output", e);
  l->dropped++;
  l->drop_errno = e;
}

static void write_entry(struct mon_log *l, int stream, const char *s, size_t n)
{
  static char line[MON_LOG_LINE_MAX * 6 + 128];
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  size_t o = 0;
  memcpy(line, "{\"log\":\"", 8);
  o = 8;
  o += mon_json_escape(s, n, line + o);
  /* the time as Go's RFC3339Nano, docker's: the fraction without its trailing zeros */
  char frac[12];
  snprintf(frac, sizeof(frac), ".%09ld", ts.tv_nsec);
  size_t fl = strlen(frac);
  while (fl > 1 && frac[fl - 1] == '0')
    frac[--fl] = '\0';
  if (fl == 1)
    frac[0] = '\0';
  int k = snprintf(line + o, sizeof(line) - o,
                   "\",\"stream\":\"%s\",\"time\":\"%04d-%02d-%02dT%02d:%02d:%02d%sZ\"}\n",
                   stream == 2 ? "stderr" : "stdout", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                   tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
  o += (size_t)k;
  /* docker's json-file: a file that has reached max-size is rotated before the next entry
   * (a file may pass max-size by its last entry) */
  if (l->max_size > 0 && l->size >= l->max_size)
    rotate(l);
  if (l->fd < 0) /* a rotation that failed: try the file again */
    l->fd = open(l->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (l->fd < 0) {
    drop_entry(l, errno);
    return;
  }
  if (write_all(l->fd, line, o) < 0) {
    drop_entry(l, errno);
    return;
  }
  l->size += (int64_t)o;
  if (l->dropped > 0) {
    warn_line(l, "writing again after ", l->drop_errno);
    l->dropped = 0;
  }
}

void mon_log_write(struct mon_log *l, int stream, const char *buf, size_t n)
{
  int s = stream == 2 ? 1 : 0;
  while (n > 0) {
    const char *nl = memchr(buf, '\n', n);
    size_t take = nl ? (size_t)(nl - buf) + 1 : n;
    size_t room = MON_LOG_LINE_MAX - l->n_pending[s];
    if (take > room)
      take = room;
    memcpy(l->pending[s] + l->n_pending[s], buf, take);
    l->n_pending[s] += take;
    buf += take;
    n -= take;
    bool complete = l->pending[s][l->n_pending[s] - 1] == '\n';
    if (complete || l->n_pending[s] == MON_LOG_LINE_MAX) {
      write_entry(l, stream, l->pending[s], l->n_pending[s]);
      l->n_pending[s] = 0;
    }
  }
}

void mon_log_flush(struct mon_log *l)
{
  for (int s = 0; s < 2; s++) {
    if (l->n_pending[s]) {
      write_entry(l, s == 1 ? 2 : 1, l->pending[s], l->n_pending[s]);
      l->n_pending[s] = 0;
    }
  }
}
