/* The per-container record under <state_root>/<id>/state.json and the status as the kernel
 * sees it (a pid is only ours if its start time matches, so pid reuse is not mistaken). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "runtime/cgroup/cgroup.h"
#include "runtime/core/internal.h"
#include "util/cleanup.h"
#include "util/lock.h"
#include "util/fileio.h"
#include "util/strv.h"
#include "util/xalloc.h"

char *rt_state_dir(const struct rt_ctx *ctx, const char *id)
{
  return xasprintf("%s/%s", ctx->state_root, id);
}

int rt_lock_dir(const char *dir, struct td_err **err)
{
  /* the state dir itself is the lock: a lock file was one more inode to create and remove
   * per container (0.03-0.6 ms each on an ext4 under load) */
  autoclose int fd = RETRY_EINTR(open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd < 0)
    return errno == ENOENT ? err_set(err, 0, "container %s does not exist", strrchr(dir, '/') + 1)
                           : err_set(err, errno, "open %s", dir);
  autofree char *what = xasprintf("container %s (runtime state)", strrchr(dir, '/') + 1);
  if (lock_fd_wait(fd, LOCK_EX, what, err) < 0)
    return -1;
  return steal_fd(fd);
}

int rt_check_id(const char *id, struct td_err **err)
{
  if (id == NULL || *id == '\0')
    return err_set(err, 0, "container id cannot be empty");
  if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0 || strlen(id) > 1024)
    return err_set(err, 0, "invalid container id format: %s", id);
  for (const char *p = id; *p; p++)
    if (!isalnum((unsigned char)*p) && !strchr("_+-.:@", *p))
      return err_set(err, 0, "invalid container id format: %s", id);
  return 0;
}

const char *rt_status_name(enum rt_status s)
{
  switch (s) {
  case RT_CREATING:
    return "creating";
  case RT_CREATED:
    return "created";
  case RT_RUNNING:
    return "running";
  case RT_PAUSED:
    return "paused";
  case RT_STOPPED:
    return "stopped";
  }
  return "unknown";
}

static enum rt_status status_from_name(const char *s)
{
  static const enum rt_status all[] = {RT_CREATING, RT_CREATED, RT_RUNNING, RT_PAUSED, RT_STOPPED};
  for (size_t i = 0; s && i < sizeof(all) / sizeof(all[0]); i++)
    if (strcmp(s, rt_status_name(all[i])) == 0)
      return all[i];
  return RT_STOPPED;
}

unsigned long long rt_proc_start_time(pid_t pid)
{
  if (pid <= 0)
    return 0;
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
  autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  char buf[1024];
  ssize_t n = RETRY_EINTR(read(fd, buf, sizeof(buf) - 1));
  if (n <= 0)
    return 0;
  buf[n] = '\0';
  char *p = strrchr(buf, ')'); /* comm may hold spaces and parens */
  if (p == NULL || p[1] != ' ')
    return 0;
  p += 2;
  if (*p == 'Z' || *p == 'X')
    return 0;
  /* field 3 is the state; start time is field 22 */
  for (int field = 3; field < 22; field++) {
    p = strchr(p, ' ');
    if (p == NULL)
      return 0;
    p++;
  }
  return strtoull(p, NULL, 10);
}

json_t *rt_state_json(const struct rt_state *st)
{
  json_t *j = json_object();
  json_object_set_new(j, "ociVersion", json_string(st->oci_version ? st->oci_version : "1.2.0"));
  json_object_set_new(j, "id", json_string(st->id));
  json_object_set_new(j, "status", json_string(rt_status_name(st->status)));
  if (st->status != RT_STOPPED && st->pid > 0)
    json_object_set_new(j, "pid", json_integer(st->pid));
  json_object_set_new(j, "bundle", json_string(st->bundle ? st->bundle : ""));
  if (st->annotations && json_object_size(st->annotations) > 0)
    json_object_set(j, "annotations", st->annotations);
  return j;
}

void rt_state_clear(struct rt_state *st)
{
  free(st->id);
  free(st->bundle);
  free(st->rootfs);
  free(st->cgroup_path);
  free(st->created);
  free(st->oci_version);
  json_decref(st->annotations);
  memset(st, 0, sizeof(*st));
}

int rt_state_write(const struct rt_ctx *ctx, const struct rt_state *st,
                   unsigned long long start_time, struct td_err **err)
{
  autojson json_t *j = rt_state_json(st);
  json_object_set_new(j, "pid", json_integer(st->pid));
  json_object_set_new(j, "rootfs", json_string(st->rootfs ? st->rootfs : ""));
  json_object_set_new(j, "cgroupPath", json_string(st->cgroup_path ? st->cgroup_path : ""));
  json_object_set_new(j, "created", json_string(st->created ? st->created : ""));
  json_object_set_new(j, "startTime", json_integer((json_int_t)start_time));
  json_object_set_new(j, "owner", json_integer(getuid()));
  autofree char *dir = rt_state_dir(ctx, st->id);
  autoclose int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return err_set(err, errno, "open %s", dir);
  /* no fsync (as runc): the state of processes that a power loss kills anyway; it cost 1-10 ms
   * per write when the state dir is on disk (a private --root) */
  return file_write_json_nosync(dfd, "state.json", j, 0600, err);
}

/* The create is over (READY came, hooks ran) although state.json still says "creating":
 * runtime.md says why this is an xattr rather than a second state.json. */
#define STATE_CREATED_XATTR "user.tinyrun.created"

int rt_state_mark_created(const struct rt_ctx *ctx, const char *id)
{
  autofree char *path = xasprintf("%s/%s/state.json", ctx->state_root, id);
  return setxattr(path, STATE_CREATED_XATTR, "1", 1, 0);
}

static char *jstr(json_t *j, const char *key)
{
  const char *s = json_string_value(json_object_get(j, key));
  return s ? xstrdup(s) : NULL;
}

int rt_state_load(const struct rt_ctx *ctx, const char *id, struct rt_state *out,
                  unsigned long long *start_time, struct td_err **err)
{
  memset(out, 0, sizeof(*out));
  if (rt_check_id(id, err) < 0)
    return -1;
  autofree char *path = xasprintf("%s/%s/state.json", ctx->state_root, id);
  autojson json_t *j = NULL;
  if (file_read_json(AT_FDCWD, path, &j, err) < 0) {
    if ((*err)->errnum == ENOENT) {
      err_free(err);
      autofree char *dir = rt_state_dir(ctx, id);
      struct stat sb;
      if (stat(dir, &sb) == 0) { /* being created right now */
        out->id = xstrdup(id);
        out->status = RT_CREATING;
        return 0;
      }
      return err_set(err, 0, "container does not exist");
    }
    return -1;
  }
  out->id = jstr(j, "id");
  if (out->id == NULL)
    out->id = xstrdup(id);
  out->bundle = jstr(j, "bundle");
  out->rootfs = jstr(j, "rootfs");
  out->cgroup_path = jstr(j, "cgroupPath");
  out->created = jstr(j, "created");
  out->oci_version = jstr(j, "ociVersion");
  out->pid = (pid_t)json_integer_value(json_object_get(j, "pid"));
  out->status = status_from_name(json_string_value(json_object_get(j, "status")));
  char mark[2];
  if (out->status == RT_CREATING && getxattr(path, STATE_CREATED_XATTR, mark, sizeof(mark)) > 0)
    out->status = RT_CREATED;
  json_t *a = json_object_get(j, "annotations");
  out->annotations = a ? json_incref(a) : json_object();
  if (start_time)
    *start_time = (unsigned long long)json_integer_value(json_object_get(j, "startTime"));
  return 0;
}

int rt_state(const struct rt_ctx *ctx, const char *id, struct rt_state *out, struct td_err **err)
{
  unsigned long long start = 0;
  if (rt_state_load(ctx, id, out, &start, err) < 0)
    return -1;
  if (out->status == RT_CREATING && out->pid == 0)
    return 0;
  if (out->pid <= 0 || rt_proc_start_time(out->pid) != start || start == 0) {
    out->status = RT_STOPPED;
    return 0;
  }
  if (out->status == RT_CREATING)
    return 0;
  autofree char *fifo = xasprintf("%s/%s/exec.fifo", ctx->state_root, id);
  if (access(fifo, F_OK) == 0) {
    out->status = RT_CREATED;
    return 0;
  }
  out->status = RT_RUNNING;
  struct cgroup *cg = NULL;
  autoerr struct td_err *cerr = NULL;
  if (out->cgroup_path && *out->cgroup_path && cgroup_open(out->cgroup_path, &cg, &cerr) == 0) {
    if (cgroup_is_frozen(cg))
      out->status = RT_PAUSED;
    cgroup_free(cg);
  }
  return 0;
}

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int rt_list(const struct rt_ctx *ctx, char ***ids, struct td_err **err)
{
  *ids = xcalloc(1, sizeof(char *));
  autoclosedir DIR *d = opendir(ctx->state_root);
  if (d == NULL) {
    if (errno == ENOENT)
      return 0;
    return err_set(err, errno, "open %s", ctx->state_root);
  }
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.')
      continue;
    if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
      continue;
    strv_push(ids, de->d_name);
  }
  size_t n = strv_len(*ids);
  qsort(*ids, n, sizeof(char *), cmp_str);
  return 0;
}
