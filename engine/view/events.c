/* `events` (`system events`): the event log (util/events.h) read back with docker's filters,
 * --since/--until and --format, and followed live (the file polled every 100 ms, a rotation
 * followed to the new file) until interrupted or until --until has passed. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine.h"
#include "util/cleanup.h"
#include "util/events.h"
#include "util/filters.h"
#include "util/gotmpl.h"
#include "util/strv.h"
#include "util/xalloc.h"

static const char *const filter_keys[] = {"config", "container", "daemon", "event",  "image",
                                          "label",  "network",   "node",   "plugin", "scope",
                                          "secret", "service",   "type",   "volume", NULL};

struct reader {
  char **filters;
  int64_t since, until; /* ns; 0 = none */
  struct gotmpl *tmpl;
};

static int64_t now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static const char *attr(json_t *ev, const char *key)
{
  return json_string_value(
      json_object_get(json_object_get(json_object_get(ev, "Actor"), "Attributes"), key));
}

/* One filter value against the event. */
static bool match_one(void *arg, const char *key, const char *v)
{
  json_t *ev = arg;
  const char *type = json_string_value(json_object_get(ev, "Type"));
  const char *id = json_string_value(json_object_get(json_object_get(ev, "Actor"), "ID"));
  const char *name = attr(ev, "name");
  type = type ? type : "";
  id = id ? id : "";
  if (strcmp(key, "type") == 0)
    return strcmp(type, v) == 0;
  if (strcmp(key, "event") == 0) {
    const char *a = json_string_value(json_object_get(ev, "Action"));
    size_t n = a ? strcspn(a, ":") : 0;
    return a && strlen(v) == n && strncmp(a, v, n) == 0;
  }
  if (strcmp(key, "scope") == 0)
    return strcmp(v, "local") == 0;
  if (strcmp(key, "container") == 0) {
    const char *c = strcmp(type, "container") == 0 ? id : attr(ev, "container");
    const char *cn = strcmp(type, "container") == 0 ? name : NULL;
    return (c && *v && strncmp(c, v, strlen(v)) == 0) || (cn && strcmp(cn, v) == 0);
  }
  if (strcmp(key, "image") == 0) {
    const char *img = strcmp(type, "image") == 0 ? id : attr(ev, "image");
    if (img == NULL)
      return false;
    if (strcmp(img, v) == 0 || (name && strcmp(type, "image") == 0 && strcmp(name, v) == 0))
      return true;
    /* "busybox" names "busybox:latest" */
    size_t n = strlen(v);
    return strncmp(img, v, n) == 0 && strcmp(img + n, ":latest") == 0;
  }
  if (strcmp(key, "network") == 0 || strcmp(key, "volume") == 0) {
    if (strcmp(type, key) != 0)
      return false;
    return strcmp(id, v) == 0 || (name && strcmp(name, v) == 0) ||
           (*v && strncmp(id, v, strlen(v)) == 0);
  }
  if (strcmp(key, "label") == 0)
    return filters_label(json_object_get(json_object_get(ev, "Actor"), "Attributes"), v);
  return false; /* daemon, plugin, node, ...: nothing of ours has them */
}

/* docker's rule: values of one key are or-ed, keys and-ed. */
static bool include(json_t *ev, char **filters)
{
  return filters_match(filters, match_one, ev);
}

/* The message as docker's API gives it: the legacy status/id/from first for containers and
 * images. */
static json_t *message(json_t *ev)
{
  json_t *m = json_object();
  const char *type = json_string_value(json_object_get(ev, "Type"));
  json_t *actor = json_object_get(ev, "Actor");
  if (type && (strcmp(type, "container") == 0 || strcmp(type, "image") == 0)) {
    json_object_set(m, "status", json_object_get(ev, "Action"));
    json_object_set(m, "id", json_object_get(actor, "ID"));
    const char *from = attr(ev, "image");
    if (strcmp(type, "container") == 0 && from)
      json_object_set_new(m, "from", json_string(from));
  }
  const char *keys[] = {"Type", "Action", "Actor", "scope", "time", "timeNano"};
  for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
    json_object_set(m, keys[i], json_object_get(ev, keys[i]));
  return m;
}

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Control characters of a value (a label's newline) printed escaped, one event a line. */
static void put_clean(FILE *f, const char *s)
{
  for (; s && *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '\n')
      fputs("\\n", f);
    else if (c < 0x20 || c == 0x7f)
      fprintf(f, "\\x%02x", c);
    else
      fputc(c, f);
  }
}

/* docker's line: "2026-12-06T10:00:00.000000000Z container start ID (image=busybox, name=x)",
 * the time in the local zone, attributes sorted by key. */
static void print_default(json_t *ev)
{
  int64_t ns = json_integer_value(json_object_get(ev, "timeNano"));
  time_t secs = (time_t)(ns / 1000000000LL);
  struct tm tm;
  localtime_r(&secs, &tm);
  char when[64], zone[48];
  strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
  long off = tm.tm_gmtoff;
  if (off == 0)
    snprintf(zone, sizeof(zone), "Z");
  else
    snprintf(zone, sizeof(zone), "%c%02ld:%02ld", off < 0 ? '-' : '+', labs(off) / 3600,
             (labs(off) % 3600) / 60);
  printf("%s.%09lld%s ", when, (long long)(ns % 1000000000LL), zone);
  put_clean(stdout, json_string_value(json_object_get(ev, "Type")));
  putchar(' ');
  put_clean(stdout, json_string_value(json_object_get(ev, "Action")));
  putchar(' ');
  json_t *actor = json_object_get(ev, "Actor");
  put_clean(stdout, json_string_value(json_object_get(actor, "ID")));
  json_t *attrs = json_object_get(actor, "Attributes");
  size_t n = json_object_size(attrs), i = 0;
  if (n) {
    const char **keys = xcalloc(n, sizeof(*keys));
    const char *k;
    json_t *v;
    json_object_foreach (attrs, k, v)
      keys[i++] = k;
    qsort(keys, n, sizeof(*keys), cmp_str);
    fputs(" (", stdout);
    for (i = 0; i < n; i++) {
      if (i)
        fputs(", ", stdout);
      put_clean(stdout, keys[i]);
      putchar('=');
      put_clean(stdout, json_string_value(json_object_get(attrs, keys[i])));
    }
    putchar(')');
    free(keys);
  }
  putchar('\n');
}

/* One line of the log: printed when it is in range and passes the filters. Returns false once
 * past --until. */
static bool handle_line(struct reader *r, const char *line)
{
  json_error_t je;
  autojson json_t *ev = json_loads(line, 0, &je);
  if (!json_is_object(ev))
    return true; /* a torn line of a crashed writer */
  int64_t t = json_integer_value(json_object_get(ev, "timeNano"));
  if (r->since && t < r->since)
    return true;
  if (r->until && t > r->until)
    return false;
  if (!include(ev, r->filters))
    return true;
  if (r->tmpl) {
    autojson json_t *m = message(ev);
    autofree char *out = NULL;
    autoerr struct td_err *e = NULL;
    if (gotmpl_exec(r->tmpl, m, &out, &e) < 0) {
      fprintf(stderr, "Error parsing event: %s\n", err_text(e));
      return true;
    }
    printf("%s\n", out);
  } else {
    print_default(ev);
  }
  fflush(stdout);
  return true;
}

/* Read what fd has from *pos to its end, complete lines only (a partial last line waits). */
static bool drain(struct reader *r, int fd, off_t *pos, char **pend, size_t *npend)
{
  char buf[65536];
  for (;;) {
    ssize_t n = pread(fd, buf, sizeof(buf), *pos);
    if (n <= 0)
      return true;
    *pos += n;
    *pend = xrealloc(*pend, *npend + (size_t)n + 1);
    memcpy(*pend + *npend, buf, (size_t)n);
    *npend += (size_t)n;
    (*pend)[*npend] = '\0';
    char *start = *pend, *nl;
    while ((nl = strchr(start, '\n')) != NULL) {
      *nl = '\0';
      if (!handle_line(r, start))
        return false;
      start = nl + 1;
    }
    size_t rest = *npend - (size_t)(start - *pend);
    memmove(*pend, start, rest);
    *npend = rest;
  }
}

static void replay_old(struct reader *r, const char *root)
{
  autofree char *old = xasprintf("%s/%s", root, EVENTS_OLD_FILE);
  autoclose int fd = open(old, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return;
  off_t pos = 0;
  autofree char *pend = NULL;
  size_t npend = 0;
  drain(r, fd, &pos, &pend, &npend);
}

static int check_filters(char **filters, struct td_err **err)
{
  for (char **f = filters; f && *f; f++) {
    const char *eq = strchr(*f, '=');
    if (eq == NULL)
      return err_set_exit(err, 1, 0, "bad format of filter (expected name=value)");
    autofree char *key = xstrndup(*f, (size_t)(eq - *f));
    bool ok = false;
    for (const char *const *k = filter_keys; *k && !ok; k++)
      ok = strcmp(*k, key) == 0;
    if (!ok)
      return err_set_exit(err, 1, 0, "Error response from daemon: Invalid filter '%s'", key);
  }
  return 0;
}

int eng_events(struct eng_ctx *ctx, const struct eng_events_opts *o, struct td_err **err)
{
  struct reader r = {.filters = o->filters};
  int64_t now = now_ns();
  if (o->since && eng_parse_timestamp(o->since, now, &r.since, err) < 0)
    return err_set_exit(err, 1, 0, "%s", err_text(*err) + 0) < 0 ? -1 : -1;
  if (o->until && eng_parse_timestamp(o->until, now, &r.until, err) < 0) {
    (*err)->exit_code = 1;
    return -1;
  }
  if (r.since && r.until && r.since > r.until)
    return err_set_exit(err, 1, 0,
                        "Error response from daemon: `since` time (%lld) cannot be after "
                        "`until` time (%lld)",
                        (long long)(r.since / 1000000000LL), (long long)(r.until / 1000000000LL));
  if (check_filters(o->filters, err) < 0)
    return -1;
  if (o->format && gotmpl_parse_format(o->format, &r.tmpl, err) < 0) {
    (*err)->exit_code = 1;
    err_prefix(err, "template parsing error");
    return err_mark(err, ERR_BARE);
  }
  bool past = o->since || o->until;
  autofree char *path = xasprintf("%s/%s", ctx->root, EVENTS_FILE);
  int fd = -1;
  off_t pos = 0;
  autofree char *pend = NULL;
  size_t npend = 0;
  struct stat st;
  bool going = true;
  if (past)
    replay_old(&r, ctx->root);
  for (;;) {
    if (fd < 0) {
      fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
      pos = 0;
      npend = 0;
      if (fd >= 0 && !past && fstat(fd, &st) == 0)
        pos = st.st_size; /* without --since/--until: what happens from now on */
      past = true;        /* a file made or rotated later is read from its start */
    }
    if (fd >= 0 && !(going = drain(&r, fd, &pos, &pend, &npend)))
      break;
    if (r.until && now_ns() > r.until)
      break;
    /* rotated: the old file is read to its end above, then the new one from its start */
    struct stat cur;
    if (fd >= 0 && stat(path, &cur) == 0 && fstat(fd, &st) == 0 && cur.st_ino != st.st_ino) {
      drain(&r, fd, &pos, &pend, &npend);
      close(fd);
      fd = -1;
      continue;
    }
    poll(NULL, 0, 100);
  }
  if (fd >= 0)
    close(fd);
  gotmpl_free(r.tmpl);
  return 0;
}
