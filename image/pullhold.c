/* In-flight holds of pulls: <root>/pulls/<pid>-<random>, a JSON file naming the blobs and
 * layers (chain IDs) a pull is adding while it downloads outside the store lock, with the
 * pull's pid and start time. image_gc keeps what a live pull holds; a hold whose process is
 * gone (or whose pid now names another process, by its start time) is removed by the next
 * taker of the store lock. Written and read under the store lock. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/store.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"

/* Field 22 of /proc/<pid>/stat (the start time in clock ticks); 0 when unreadable. */
static unsigned long long start_time(pid_t pid)
{
  char path[64], buf[1024];
  snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
  autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  if (n <= 0)
    return 0;
  buf[n] = '\0';
  char *p = strrchr(buf, ')'); /* the command name may hold spaces and parens */
  if (p == NULL)
    return 0;
  p++;
  for (int field = 3; field < 22; field++) { /* p is at the space before field 3 */
    p = strchr(p + 1, ' ');
    if (p == NULL)
      return 0;
  }
  return strtoull(p + 1, NULL, 10);
}

int image_pull_hold(const char *root, char **path, json_t *blobs, json_t *layers,
                    struct td_err **err)
{
  if (*path == NULL) {
    autofree char *dir = xasprintf("%s/pulls", root);
    if (mkdir_p(dir, 0700, err) < 0)
      return -1;
    autofree char *p = xasprintf("%s/%d-XXXXXX", dir, (int)getpid());
    int fd = mkostemp(p, O_CLOEXEC);
    if (fd < 0)
      return err_set(err, errno, "create pull hold %s", p);
    close(fd);
    *path = steal_ptr(p);
  }
  pid_t me = getpid();
  autojson json_t *j = json_pack("{s:i,s:I,s:O,s:O}", "pid", (int)me, "start",
                                 (json_int_t)start_time(me), "blobs", blobs, "layers", layers);
  if (file_write_json(AT_FDCWD, *path, j, 0600, err) < 0)
    return err_prefix(err, "write pull hold");
  return 0;
}

void image_pull_unhold(char **path)
{
  if (*path)
    (void)unlink(*path);
  free(*path);
  *path = NULL;
}

static bool hold_live(json_t *j)
{
  json_int_t pid = json_integer_value(json_object_get(j, "pid"));
  json_int_t start = json_integer_value(json_object_get(j, "start"));
  if (pid <= 0 || (kill((pid_t)pid, 0) < 0 && errno == ESRCH))
    return false;
  return start != 0 && (unsigned long long)start == start_time((pid_t)pid);
}

/* Whether a hold file being created (empty, or its pid prefix alive) may still be live. */
static bool name_live(const char *name)
{
  char *end;
  long pid = strtol(name, &end, 10);
  return pid > 0 && *end == '-' && (kill((pid_t)pid, 0) == 0 || errno != ESRCH);
}

void image_pull_holds(const char *root, json_t *blobs, json_t *layers)
{
  autofree char *dir = xasprintf("%s/pulls", root);
  autoclosedir DIR *d = opendir(dir);
  struct dirent *de;
  while (d && (de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.')
      continue;
    autofree char *p = xasprintf("%s/%s", dir, de->d_name);
    autojson json_t *j = NULL;
    autoerr struct td_err *e = NULL;
    bool tmp = strstr(de->d_name, ".tmp.") != NULL;
    if (tmp || file_read_json(AT_FDCWD, p, &j, &e) < 0) {
      /* an atomic write's temp file or a hold not yet written: the pid in its name decides */
      if (!name_live(de->d_name))
        (void)unlink(p);
      continue;
    }
    if (!hold_live(j)) {
      (void)unlink(p);
      continue;
    }
    size_t i;
    json_t *v;
    json_array_foreach (json_object_get(j, "blobs"), i, v)
      if (blobs && image_digest_valid(json_string_value(v)))
        json_object_set_new(blobs, image_digest_hex(json_string_value(v)), json_true());
    json_array_foreach (json_object_get(j, "layers"), i, v)
      if (layers && image_digest_valid(json_string_value(v)))
        json_object_set_new(layers, image_digest_hex(json_string_value(v)), json_true());
  }
}
