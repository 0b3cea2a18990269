/* create, start, run, state, kill, delete. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/tinyrun.h"
#include "runtime/core/runtime.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

struct create_flags {
  const char *bundle, *pid_file, *console_socket, *pidfd_socket;
  bool no_pivot, no_new_keyring, detach, keep, help;
  int preserve_fds;
  char **pos;
};

/* Parse flags and require exactly `want` positional arguments (the id, ...). */
static int parse(int argc, char **argv, const struct tr_flag *flags, size_t want, char ***pos,
                 bool *help, int *rc)
{
  struct td_err *err = NULL;
  if (tr_parse_flags(argc, argv, flags, false, pos, help, &err) < 0) {
    *rc = tr_fail(&err);
    return -1;
  }
  if (*help) {
    *rc = tr_usage(argv[0]);
    return -1;
  }
  size_t n = 0;
  while ((*pos)[n])
    n++;
  if (n < want || (want == 1 && n > 1)) {
    err_set(&err, 0, "\"%s\" requires %s%zu argument%s", argv[0], want == 1 ? "exactly " : "", want,
            want == 1 ? "" : "s");
    *rc = tr_fail(&err);
    return -1;
  }
  return 0;
}

static int parse_create(int argc, char **argv, struct create_flags *cf, bool run, int *rc)
{
  const struct tr_flag flags[] = {
      {"bundle", 'b', TR_STR, &cf->bundle},
      {"pid-file", 0, TR_STR, &cf->pid_file},
      {"console-socket", 0, TR_STR, &cf->console_socket},
      {"pidfd-socket", 0, TR_STR, &cf->pidfd_socket},
      {"no-pivot", 0, TR_BOOL, &cf->no_pivot},
      {"no-new-keyring", 0, TR_BOOL, &cf->no_new_keyring},
      {"preserve-fds", 0, TR_INT, &cf->preserve_fds},
      {run ? "detach" : "-", 'd', TR_BOOL, &cf->detach},
      {run ? "keep" : "-", 0, TR_BOOL, &cf->keep},
      {NULL, 0, TR_BOOL, NULL},
  };
  return parse(argc, argv, flags, 1, &cf->pos, &cf->help, rc);
}

static void fill_create(const struct create_flags *cf, struct rt_create_opts *o)
{
  memset(o, 0, sizeof(*o));
  o->id = cf->pos[0];
  o->bundle = cf->bundle;
  o->pid_file = cf->pid_file;
  o->console_socket = cf->console_socket;
  o->no_pivot = cf->no_pivot;
  o->no_new_keyring = cf->no_new_keyring;
  o->preserve_fds = cf->preserve_fds;
  o->stdio[0] = o->stdio[1] = o->stdio[2] = -1;
}

int tr_cmd_create(const struct rt_ctx *ctx, int argc, char **argv)
{
  struct create_flags cf = {0};
  int rc = 0;
  if (parse_create(argc, argv, &cf, false, &rc) < 0)
    return rc;
  struct rt_create_opts o;
  fill_create(&cf, &o);
  struct td_err *err = NULL;
  rc = rt_create(ctx, &o, NULL, &err) < 0 ? tr_fail(&err) : 0;
  free(cf.pos);
  return rc;
}

int tr_cmd_run(const struct rt_ctx *ctx, int argc, char **argv)
{
  struct create_flags cf = {0};
  int rc = 0;
  if (parse_create(argc, argv, &cf, true, &rc) < 0)
    return rc;
  autofree __attribute__((unused)) char **pos = cf.pos; /* frees the positionals */
  struct rt_create_opts o;
  fill_create(&cf, &o);
  int master = -1;
  if (!cf.detach) {
    rt_prepare_foreground();
    if (!cf.console_socket)
      o.console_master_out = &master;
  }
  struct td_err *err = NULL;
  pid_t pid = 0;
  if (rt_create(ctx, &o, &pid, &err) < 0)
    return tr_fail(&err);
  if (rt_start(ctx, o.id, &err) < 0) {
    rc = tr_fail(&err);
    struct td_err *e2 = NULL;
    if (rt_delete(ctx, o.id, true, &e2) < 0)
      err_free(&e2);
    return rc;
  }
  if (cf.detach)
    return 0;
  rc = rt_wait_forward(pid, master);
  if (master >= 0)
    close(master);
  if (!cf.keep && rt_delete(ctx, o.id, true, &err) < 0)
    tr_fail(&err);
  return rc < 0 ? 255 : rc;
}

int tr_cmd_start(const struct rt_ctx *ctx, int argc, char **argv)
{
  autofree char **pos = NULL;
  bool help = false;
  int rc = 0;
  const struct tr_flag flags[] = {{NULL, 0, TR_BOOL, NULL}};
  if (parse(argc, argv, flags, 1, &pos, &help, &rc) < 0)
    return rc;
  struct td_err *err = NULL;
  return rt_start(ctx, pos[0], &err) < 0 ? tr_fail(&err) : 0;
}

int tr_cmd_state(const struct rt_ctx *ctx, int argc, char **argv)
{
  autofree char **pos = NULL;
  bool help = false;
  int rc = 0;
  const struct tr_flag flags[] = {{NULL, 0, TR_BOOL, NULL}};
  if (parse(argc, argv, flags, 1, &pos, &help, &rc) < 0)
    return rc;
  struct td_err *err = NULL;
  struct rt_state st;
  if (rt_state(ctx, pos[0], &st, &err) < 0)
    return tr_fail(&err);
  /* runc's containerState, in its order: annotations only when set, owner "" as runc's state */
  autojson json_t *j = json_object();
  json_object_set_new(j, "ociVersion", json_string(st.oci_version ? st.oci_version : "1.2.0"));
  json_object_set_new(j, "id", json_string(st.id));
  json_object_set_new(j, "pid", json_integer(st.status == RT_STOPPED ? 0 : st.pid));
  json_object_set_new(j, "status", json_string(rt_status_name(st.status)));
  json_object_set_new(j, "bundle", json_string(st.bundle ? st.bundle : ""));
  json_object_set_new(j, "rootfs", json_string(st.rootfs ? st.rootfs : ""));
  json_object_set_new(j, "created", json_string(st.created ? st.created : ""));
  if (st.annotations && json_object_size(st.annotations) > 0)
    json_object_set(j, "annotations", st.annotations);
  json_object_set_new(j, "owner", json_string(""));
  autofree char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  printf("%s\n", s);
  rt_state_clear(&st);
  return 0;
}

int tr_cmd_kill(const struct rt_ctx *ctx, int argc, char **argv)
{
  autofree char **pos = NULL;
  bool help = false, all = false;
  int rc = 0;
  const struct tr_flag flags[] = {{"all", 'a', TR_BOOL, &all}, {NULL, 0, TR_BOOL, NULL}};
  (void)rc;
  struct td_err *err = NULL;
  if (tr_parse_flags(argc, argv, flags, false, &pos, &help, &err) < 0)
    return tr_fail(&err);
  if (help)
    return tr_usage(argv[0]);
  if (pos[0] == NULL) {
    err_set(&err, 0, "\"kill\" requires a container id");
    return tr_fail(&err);
  }
  const char *sname = pos[1] ? pos[1] : "TERM";
  int sig = rt_signal_parse(sname);
  if (sig < 0) {
    err_set(&err, 0, "invalid signal: %s", sname);
    return tr_fail(&err);
  }
  return rt_kill(ctx, pos[0], sig, all, &err) < 0 ? tr_fail(&err) : 0;
}

int tr_cmd_delete(const struct rt_ctx *ctx, int argc, char **argv)
{
  autofree char **pos = NULL;
  bool help = false, force = false;
  int rc = 0;
  const struct tr_flag flags[] = {{"force", 'f', TR_BOOL, &force}, {NULL, 0, TR_BOOL, NULL}};
  struct td_err *err = NULL;
  if (tr_parse_flags(argc, argv, flags, false, &pos, &help, &err) < 0)
    return tr_fail(&err);
  if (help)
    return tr_usage(argv[0]);
  if (pos[0] == NULL) {
    err_set(&err, 0, "\"delete\" requires at least 1 argument");
    return tr_fail(&err);
  }
  for (char **id = pos; *id; id++) {
    struct rt_state st;
    if (force && rt_state(ctx, *id, &st, &err) < 0) {
      err_free(&err); /* runc: delete --force of a missing container succeeds */
      continue;
    }
    if (force)
      rt_state_clear(&st);
    if (rt_delete(ctx, *id, force, &err) < 0)
      rc = tr_fail(&err);
    err_free(&err);
  }
  return rc;
}
