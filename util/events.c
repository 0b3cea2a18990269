/* The engine's event log: the writer (util/events.h). */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "util/cleanup.h"
#include "util/events.h"
#include "util/xalloc.h"

static int64_t now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Open the log for appending; a log grown past its size moves to events.log.1 first. */
static int open_log(const char *root)
{
  autofree char *path = xasprintf("%s/%s", root, EVENTS_FILE);
  int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    return -1;
  struct stat st;
  if (fstat(fd, &st) == 0 && st.st_size > EVENTS_MAX_BYTES && flock(fd, LOCK_EX) == 0) {
    struct stat now;
    /* still the file at path (another writer may have rotated it meanwhile) */
    if (stat(path, &now) == 0 && now.st_ino == st.st_ino) {
      autofree char *old = xasprintf("%s/%s", root, EVENTS_OLD_FILE);
      if (rename(path, old) == 0) {
        close(fd);
        return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
      }
    }
    flock(fd, LOCK_UN);
  }
  return fd;
}

void events_logv(const char *root, const char *type, const char *action, const char *id,
                 const char *const *kv)
{
  if (root == NULL || type == NULL || action == NULL)
    return;
  int64_t ns = now_ns();
  json_t *attrs = json_object();
  for (size_t i = 0; kv && kv[i]; i += 2)
    if (kv[i + 1])
      json_object_set_new(attrs, kv[i], json_string(kv[i + 1]));
  autojson json_t *ev =
      json_pack("{s:s,s:s,s:{s:s,s:o},s:s,s:I,s:I}", "Type", type, "Action", action, "Actor", "ID",
                id ? id : "", "Attributes", attrs, "scope", "local", "time",
                (json_int_t)(ns / 1000000000LL), "timeNano", (json_int_t)ns);
  if (ev == NULL)
    return;
  autofree char *line = json_dumps(ev, JSON_COMPACT);
  if (line == NULL)
    return;
  size_t n = strlen(line);
  autofree char *buf = xasprintf("%s\n", line);
  int fd = open_log(root);
  if (fd < 0)
    return;
  ssize_t w = write(fd, buf, n + 1);
  (void)w;
  close(fd);
}

void events_log(const char *root, const char *type, const char *action, const char *id, ...)
{
  const char *kv[64];
  size_t n = 0;
  va_list ap;
  va_start(ap, id);
  for (;;) {
    const char *k = va_arg(ap, const char *);
    if (k == NULL)
      break;
    const char *v = va_arg(ap, const char *);
    if (n + 2 < sizeof(kv) / sizeof(kv[0])) {
      kv[n++] = k;
      kv[n++] = v;
    }
  }
  va_end(ap);
  kv[n] = NULL;
  events_logv(root, type, action, id, kv);
}
