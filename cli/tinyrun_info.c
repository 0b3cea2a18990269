/* list, ps, pause, resume, spec, features. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/tinyrun.h"
#include "runtime/core/runtime.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/hostuser.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* Flags then exactly one id; returns the id or NULL (then *rc is the exit status). */
static const char *one_id(int argc, char **argv, const struct tr_flag *flags, char ***pos, int *rc)
{
  bool help = false;
  struct td_err *err = NULL;
  if (tr_parse_flags(argc, argv, flags, false, pos, &help, &err) < 0) {
    *rc = tr_fail(&err);
    return NULL;
  }
  if (help) {
    *rc = tr_usage(argv[0]);
    return NULL;
  }
  if ((*pos)[0] == NULL || (*pos)[1] != NULL) {
    err_set(&err, 0, "\"%s\" requires exactly 1 argument", argv[0]);
    *rc = tr_fail(&err);
    return NULL;
  }
  return (*pos)[0];
}

static json_t *list_entry(const struct rt_state *st)
{
  json_t *j = json_object();
  json_object_set_new(j, "ociVersion", json_string(st->oci_version ? st->oci_version : "1.2.0"));
  json_object_set_new(j, "id", json_string(st->id));
  json_object_set_new(j, "pid", json_integer(st->status == RT_STOPPED ? 0 : st->pid));
  json_object_set_new(j, "status", json_string(rt_status_name(st->status)));
  json_object_set_new(j, "bundle", json_string(st->bundle ? st->bundle : ""));
  json_object_set_new(j, "rootfs", json_string(st->rootfs ? st->rootfs : ""));
  json_object_set_new(j, "created", json_string(st->created ? st->created : ""));
  json_object_set_new(j, "owner", json_string("root"));
  if (st->annotations && json_object_size(st->annotations))
    json_object_set(j, "annotations", st->annotations);
  return j;
}

static void print_table(json_t *arr)
{
  static const char *const cols[] = {"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"};
  static const char *const keys[] = {"id", "pid", "status", "bundle", "created", "owner"};
  size_t w[6];
  for (int c = 0; c < 6; c++)
    w[c] = strlen(cols[c]);
  size_t i;
  json_t *e;
  char buf[32];
  json_array_foreach (arr, i, e) {
    for (int c = 0; c < 6; c++) {
      json_t *v = json_object_get(e, keys[c]);
      size_t len = json_is_integer(v) ? (size_t)snprintf(buf, sizeof(buf), "%lld",
                                                         (long long)json_integer_value(v))
                                      : strlen(json_string_value(v) ? json_string_value(v) : "");
      if (len > w[c])
        w[c] = len;
    }
  }
  for (int c = 0; c < 6; c++)
    printf("%-*s%s", c < 5 ? (int)w[c] : 0, cols[c], c < 5 ? "   " : "\n");
  json_array_foreach (arr, i, e) {
    for (int c = 0; c < 6; c++) {
      json_t *v = json_object_get(e, keys[c]);
      const char *s = json_string_value(v);
      if (json_is_integer(v)) {
        snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
        s = buf;
      }
      printf("%-*s%s", c < 5 ? (int)w[c] : 0, s ? s : "", c < 5 ? "   " : "\n");
    }
  }
}

int tr_cmd_list(const struct rt_ctx *ctx, int argc, char **argv)
{
  const char *format = "table";
  bool quiet = false, help = false;
  const struct tr_flag flags[] = {
      {"format", 'f', TR_STR, &format}, {"quiet", 'q', TR_BOOL, &quiet}, {NULL, 0, TR_BOOL, NULL}};
  autofree char **pos = NULL;
  struct td_err *err = NULL;
  if (tr_parse_flags(argc, argv, flags, false, &pos, &help, &err) < 0)
    return tr_fail(&err);
  if (help)
    return tr_usage(argv[0]);
  if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0) {
    err_set(&err, 0, "invalid format option: %s", format);
    return tr_fail(&err);
  }
  autostrv char **ids = NULL;
  if (rt_list(ctx, &ids, &err) < 0)
    return tr_fail(&err);
  autojson json_t *arr = json_array();
  for (char **id = ids; *id; id++) {
    struct rt_state st;
    if (rt_state(ctx, *id, &st, &err) < 0) {
      err_free(&err);
      continue;
    }
    if (quiet)
      printf("%s\n", st.id);
    else
      json_array_append_new(arr, list_entry(&st));
    rt_state_clear(&st);
  }
  if (quiet)
    return 0;
  if (strcmp(format, "json") == 0) {
    autofree char *s = json_dumps(arr, JSON_COMPACT | JSON_PRESERVE_ORDER);
    printf("%s\n", json_array_size(arr) ? s : "null");
  } else {
    print_table(arr);
  }
  return 0;
}

/* One `ps -ef`-like row from /proc/PID. */
static void ps_row(pid_t pid)
{
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
  autofree char *statbuf = NULL;
  autoerr struct td_err *e = NULL;
  if (file_read_all(AT_FDCWD, path, &statbuf, NULL, &e) < 0)
    return;
  char *p = strrchr(statbuf, ')');
  int ppid = 0;
  unsigned long utime = 0, stime = 0;
  if (p)
    sscanf(p + 2, "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ppid, &utime, &stime);
  snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
  autofree char *cmd = NULL;
  size_t len = 0;
  if (file_read_all(AT_FDCWD, path, &cmd, &len, &e) < 0)
    return;
  for (size_t i = 0; i + 1 < len; i++)
    if (cmd[i] == '\0')
      cmd[i] = ' ';
  snprintf(path, sizeof(path), "/proc/%d", (int)pid);
  struct stat sb;
  uid_t uid = stat(path, &sb) == 0 ? sb.st_uid : 0;
  long hz = sysconf(_SC_CLK_TCK);
  unsigned long secs = (utime + stime) / (unsigned long)(hz > 0 ? hz : 100);
  autofree char *uname = host_user_name(uid);
  printf("%-8s %7d %7d %02lu:%02lu:%02lu %s\n", uname, (int)pid, ppid, secs / 3600, secs / 60 % 60,
         secs % 60, cmd);
}

int tr_cmd_ps(const struct rt_ctx *ctx, int argc, char **argv)
{
  const char *format = "table";
  const struct tr_flag flags[] = {{"format", 'f', TR_STR, &format}, {NULL, 0, TR_BOOL, NULL}};
  autofree char **pos = NULL;
  int rc = 0;
  const char *id = one_id(argc, argv, flags, &pos, &rc);
  if (id == NULL)
    return rc;
  struct td_err *err = NULL;
  autofree pid_t *pids = NULL;
  size_t n = 0;
  if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0) {
    err_set(&err, 0, "invalid format option: %s", format);
    return tr_fail(&err);
  }
  if (rt_cgroup_pids(ctx, id, &pids, &n, &err) < 0)
    return tr_fail(&err);
  if (strcmp(format, "json") == 0) {
    printf("[");
    for (size_t i = 0; i < n; i++)
      printf(i ? ",%d" : "%d", (int)pids[i]);
    printf("]\n");
    return 0;
  }
  printf("%-8s %7s %7s %8s %s\n", "UID", "PID", "PPID", "TIME", "CMD");
  for (size_t i = 0; i < n; i++)
    ps_row(pids[i]);
  return 0;
}

/* A command that takes one ID and no flags and runs op on it. */
static int id_only(const struct rt_ctx *ctx, int argc, char **argv,
                   int (*op)(const struct rt_ctx *ctx, const char *id, struct td_err **err))
{
  const struct tr_flag flags[] = {{NULL, 0, TR_BOOL, NULL}};
  autofree char **pos = NULL;
  int rc = 0;
  const char *id = one_id(argc, argv, flags, &pos, &rc);
  if (id == NULL)
    return rc;
  struct td_err *err = NULL;
  return op(ctx, id, &err) < 0 ? tr_fail(&err) : 0;
}

int tr_cmd_pause(const struct rt_ctx *ctx, int argc, char **argv)
{
  return id_only(ctx, argc, argv, rt_pause);
}

int tr_cmd_resume(const struct rt_ctx *ctx, int argc, char **argv)
{
  return id_only(ctx, argc, argv, rt_resume);
}

int tr_cmd_spec(const struct rt_ctx *ctx, int argc, char **argv)
{
  (void)ctx;
  const char *bundle = NULL;
  bool rootless = false, help = false;
  const struct tr_flag flags[] = {{"bundle", 'b', TR_STR, &bundle},
                                  {"rootless", 0, TR_BOOL, &rootless},
                                  {NULL, 0, TR_BOOL, NULL}};
  autofree char **pos = NULL;
  struct td_err *err = NULL;
  if (tr_parse_flags(argc, argv, flags, false, &pos, &help, &err) < 0)
    return tr_fail(&err);
  if (help)
    return tr_usage(argv[0]);
  autofree char *path = xasprintf("%s/config.json", bundle ? bundle : ".");
  if (access(path, F_OK) == 0) {
    err_set(&err, 0, "File %s exists. Remove it first", path);
    return tr_fail(&err);
  }
  autojson json_t *j = spec_default_json(rootless);
  autofree char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  autofree char *text = xasprintf("%s\n", s);
  if (file_write_atomic(AT_FDCWD, path, text, strlen(text), 0644, &err) < 0)
    return tr_fail(&err);
  return 0;
}

int tr_cmd_features(const struct rt_ctx *ctx, int argc, char **argv)
{
  (void)ctx;
  bool help = false;
  const struct tr_flag flags[] = {{NULL, 0, TR_BOOL, NULL}};
  autofree char **pos = NULL;
  struct td_err *err = NULL;
  if (tr_parse_flags(argc, argv, flags, false, &pos, &help, &err) < 0)
    return tr_fail(&err);
  if (help)
    return tr_usage(argv[0]);
  autojson json_t *j = spec_features_json();
  autofree char *s = json_dumps(j, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
  printf("%s\n", s);
  return 0;
}
