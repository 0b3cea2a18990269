/* The Dockerfile instructions (all but FROM and COPY/ADD), each as docker's classic builder
 * runs it: the config change, the history's created_by, the layer cache. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/build/internal.h"
#include "engine/container/container.h"
#include "engine/parse/parse.h"
#include "image/build.h"
#include "image/image.h"
#include "image/ops.h"
#include "image/store.h"
#include "image/registry/registry.h"
#include "image/write.h"
#include "net/net.h"
#include "runtime/core/runtime.h"
#include "util/cleanup.h"
#include "util/jsonv.h"
#include "util/fileio.h"
#include "util/lock.h"
#include "util/safepath.h"
#include "util/strv.h"
#include "util/xalloc.h"
#include "engine/build/steps.h"

/* ---- instructions ---- */

static int do_env_label(struct builder *b, struct stage *sg, struct df_instr *in, bool env,
                        struct td_err **err)
{
  json_t *cc = step_cfg(sg);
  autofree char *msg = xstrdup(env ? "ENV" : "LABEL");
  /* every value is expanded with the variables as they were before this instruction */
  autostrv char **keys = xcalloc(in->n_kvs + 1, sizeof(char *));
  autostrv char **vals = xcalloc(in->n_kvs + 1, sizeof(char *));
  for (size_t i = 0; i < in->n_kvs; i++) {
    if (step_expand(b, sg, in->kvs[i].key, &keys[i], err) < 0 ||
        step_expand(b, sg, in->kvs[i].value, &vals[i], err) < 0)
      return -1;
  }
  for (size_t i = 0; i < in->n_kvs; i++) {
    if (env) {
      step_env_put(cc, keys[i], vals[i]);
    } else {
      json_t *l = json_object_get(cc, "Labels");
      if (!json_is_object(l)) {
        l = json_object();
        json_object_set_new(cc, "Labels", l);
      }
      json_object_set_new(l, keys[i], json_string(vals[i]));
    }
    char *t = xasprintf("%s %s=%s", msg, keys[i], vals[i]);
    free(msg);
    msg = t;
  }
  return step_meta(b, sg, msg, err);
}

static int do_arg(struct builder *b, struct stage *sg, struct df_instr *in, struct td_err **err)
{
  autofree char *msg = xstrdup("ARG");
  for (size_t i = 0; i < in->n_kvs; i++) {
    const char *k = in->kvs[i].key;
    autofree char *def = NULL;
    if (in->kvs[i].value && step_expand(b, sg, in->kvs[i].value, &def, err) < 0)
      return -1;
    json_t *given = json_object_get(b->build_args, k);
    json_object_set_new(b->consumed, k, json_true());
    if (given)
      json_object_set(sg->args, k, given);
    else if (def)
      json_object_set_new(sg->args, k, json_string(def));
    else if (json_is_string(json_object_get(b->meta, k)))
      json_object_set(sg->args, k, json_object_get(b->meta, k));
    else
      json_object_set_new(sg->args, k, json_null());
    char *t = def ? xasprintf("%s %s=%s", msg, k, def) : xasprintf("%s %s", msg, k);
    free(msg);
    msg = t;
  }
  return step_meta(b, sg, msg, err);
}

/* the build args in force for RUN: declared, with a value, not shadowed by ENV; sorted */
static char **run_args(struct stage *sg)
{
  char **v = xcalloc(1, sizeof(char *));
  json_t *env = json_object_get(step_cfg(sg), "Env");
  const char *k;
  json_t *val;
  json_object_foreach (sg->args, k, val) {
    if (!json_is_string(val) || step_env_get(env, k))
      continue;
    strv_push_owned(&v, xasprintf("%s=%s", k, json_string_value(val)));
  }
  size_t n = strv_len(v);
  for (size_t i = 1; i < n; i++) /* insertion sort: few args */
    for (size_t j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
      char *t = v[j];
      v[j] = v[j - 1];
      v[j - 1] = t;
    }
  return v;
}

/* whether a RUN's command is one here-document marker alone ("<<EOF", "<<-'EOF'") */
static bool only_marker(const char *cmd)
{
  while (*cmd == ' ' || *cmd == '\t')
    cmd++;
  if (cmd[0] != '<' || cmd[1] != '<')
    return false;
  cmd += 2;
  if (*cmd == '-')
    cmd++;
  if (*cmd == '"' || *cmd == '\'')
    cmd++;
  while (*cmd && *cmd != ' ' && *cmd != '\t')
    cmd++;
  while (*cmd == ' ' || *cmd == '\t')
    cmd++;
  return *cmd == '\0';
}

/* RUN's shell form with here-documents: a command that is only "<<EOF" runs the body as the
 * script; otherwise the shell gets the command line and the documents as it would read them */
static char *heredoc_command(const struct df_instr *in)
{
  if (in->n_heredocs == 1 && only_marker(in->args[0]))
    return xstrdup(in->heredocs[0].body);
  char *cmd = xstrdup(in->args[0]);
  for (size_t i = 0; i < in->n_heredocs; i++) {
    char *t = xasprintf("%s\n%s%s", cmd, in->heredocs[i].body, in->heredocs[i].name);
    free(cmd);
    cmd = t;
  }
  return cmd;
}

struct run_arg {
  char **argv, **env;
  const char *cmd;
  struct run_mount *mounts;
  size_t n_mounts;
};

static int run_in(struct builder *b, struct stage *sg, struct fsstep *f, void *arg,
                  struct td_err **err)
{
  const struct run_arg *a = arg;
  int code = 0;
  autojson json_t *mounts = NULL;
  int rc = run_mounts_stage(b, sg, f, a->mounts, a->n_mounts, &mounts, err);
  if (rc == 0)
    rc = run_step(b, &sg->st, f, a->argv, a->env, mounts, &code, err);
  run_mounts_unstage(f, a->mounts, a->n_mounts);
  if (rc < 0)
    return -1;
  if (code != 0)
    return err_set_exit(err, code, 0, "The command '%s' returned a non-zero code: %d", a->cmd,
                        code);
  return 0;
}

static int do_run(struct builder *b, struct stage *sg, struct df_instr *in, struct td_err **err)
{
  autofree char *hcmd = in->n_heredocs && !in->json ? heredoc_command(in) : NULL;
  autostrv char **argv =
      in->json ? strv_dup(in->args) : step_shell_argv(sg, hcmd ? hcmd : in->args[0]);
  if (strv_len(argv) == 0)
    return err_set_exit(err, 1, 0, "RUN: no command given");
  autostrv char **args = run_args(sg);
  autofree char *cmd = strv_join(argv, " ");
  autofree char *created_by = NULL;
  if (strv_len(args)) {
    autofree char *a = strv_join(args, " ");
    created_by = xasprintf("|%zu %s %s", strv_len(args), a, cmd);
  } else {
    created_by = xstrdup(cmd);
  }
  struct run_arg a = {argv, args, cmd, NULL, 0};
  const char *wd = json_string_value(json_object_get(step_cfg(sg), "WorkingDir"));
  if (run_mounts_parse(in, wd && *wd ? wd : "/", &a.mounts, &a.n_mounts, err) < 0)
    return -1;
  autofree char *mkey = NULL;
  if (run_mounts_key(b, sg, a.mounts, a.n_mounts, &mkey, err) < 0) {
    run_mounts_free(a.mounts, a.n_mounts);
    return -1;
  }
  autofree char *ktext = xasprintf("%s%s", created_by, mkey);
  autofree char *key = cache_key(&sg->st, ktext);
  int rc = step_fs(b, sg, key, created_by, run_in, &a, true, err);
  run_mounts_free(a.mounts, a.n_mounts);
  return rc;
}

static int do_cmd_ep(struct builder *b, struct stage *sg, struct df_instr *in, struct td_err **err)
{
  bool ep = in->kind == DF_ENTRYPOINT;
  autostrv char **v = NULL;
  if (in->json)
    v = strv_dup(in->args);
  else if (ep && *in->args[0] == '\0')
    v = xcalloc(1, sizeof(char *));
  else
    v = step_shell_argv(sg, in->args[0]);
  json_t *cc = step_cfg(sg);
  json_object_set_new(cc, ep ? "Entrypoint" : "Cmd", jsonv_from_strv(v));
  if (ep && !sg->cmd_set)
    json_object_set_new(cc, "Cmd", json_null());
  if (!ep)
    sg->cmd_set = true;
  autofree char *q = step_go_strslice(v);
  autofree char *msg = xasprintf("%s %s", ep ? "ENTRYPOINT" : "CMD", q);
  return step_meta(b, sg, msg, err);
}

/* the WORKDIR directory made in the layer */
static int workdir_in(struct builder *b, struct stage *sg, struct fsstep *f, void *arg,
                      struct td_err **err)
{
  (void)b;
  (void)sg;
  const char *full = arg;
  autoclose int rootfd = open(f->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return err_set(err, errno, "open %s", f->rootfs);
  autoclose int d = safepath_mkdir_p(rootfd, full, 0755, err);
  if (d < 0)
    return err_prefix(err, "WORKDIR %s", full);
  return 0;
}

static int do_workdir(struct builder *b, struct stage *sg, struct df_instr *in, struct td_err **err)
{
  autofree char *w = NULL;
  if (step_expand(b, sg, in->args[0], &w, err) < 0)
    return -1;
  json_t *cc = step_cfg(sg);
  autofree char *full = step_path_join(json_string_value(json_object_get(cc, "WorkingDir")), w);
  /* cleaned as docker's filepath.Join: no trailing slash */
  size_t n = strlen(full);
  while (n > 1 && full[n - 1] == '/')
    full[--n] = '\0';
  json_object_set_new(cc, "WorkingDir", json_string(full));
  autofree char *wd = xasprintf("WORKDIR %s", full);
  autofree char *created_by = step_nop(sg, " ", wd);
  autofree char *key = cache_key(&sg->st, created_by);
  return step_fs(b, sg, key, created_by, workdir_in, full, false, err);
}

static int add_port(json_t *ports, const char *spec, struct td_err **err)
{
  const char *slash = strchr(spec, '/');
  autofree char *num = slash ? xstrndup(spec, (size_t)(slash - spec)) : xstrdup(spec);
  const char *proto = slash ? slash + 1 : "tcp";
  char *e;
  long lo = strtol(num, &e, 10), hi = lo;
  if (*e == '-')
    hi = strtol(e + 1, &e, 10);
  if (*e || lo < 1 || hi > 65535 || hi < lo ||
      (strcmp(proto, "tcp") && strcmp(proto, "udp") && strcmp(proto, "sctp")))
    return err_set_exit(err, 1, 0, "invalid containerPort: %s", spec);
  for (long p = lo; p <= hi; p++) {
    autofree char *k = xasprintf("%ld/%s", p, proto);
    json_object_set_new(ports, k, json_object());
  }
  return 0;
}

static int do_simple(struct builder *b, struct stage *sg, struct df_instr *in, struct td_err **err)
{
  json_t *cc = step_cfg(sg);
  size_t n = strv_len(in->args);
  autostrv char **w = xcalloc(n + 1, sizeof(char *));
  for (size_t i = 0; i < n; i++)
    if (step_expand(b, sg, in->args[i], &w[i], err) < 0)
      return -1;
  autofree char *msg = NULL;
  switch (in->kind) {
  case DF_USER:
    json_object_set_new(cc, "User", json_string(w[0]));
    msg = xasprintf("USER %s", w[0]);
    break;
  case DF_STOPSIGNAL:
    if (rt_signal_parse(w[0]) < 0)
      return err_set_exit(err, 1, 0, "Invalid signal: %s", w[0]);
    json_object_set_new(cc, "StopSignal", json_string(w[0]));
    msg = xasprintf("STOPSIGNAL %s", w[0]);
    break;
  case DF_MAINTAINER:
    json_object_set_new(sg->st.cfg, "author", json_string(w[0]));
    msg = xasprintf("MAINTAINER %s", w[0]);
    break;
  case DF_EXPOSE: {
    json_t *p = json_object_get(cc, "ExposedPorts");
    if (!json_is_object(p)) {
      p = json_object();
      json_object_set_new(cc, "ExposedPorts", p);
    }
    for (size_t i = 0; i < n; i++)
      if (add_port(p, w[i], err) < 0)
        return -1;
    /* docker sorts them in the history */
    for (size_t i = 1; i < n; i++)
      for (size_t k = i; k > 0 && strcmp(w[k - 1], w[k]) > 0; k--) {
        char *t = w[k];
        w[k] = w[k - 1];
        w[k - 1] = t;
      }
    autofree char *j = strv_join(w, " ");
    msg = xasprintf("EXPOSE %s", j);
    break;
  }
  case DF_VOLUME: {
    json_t *v = json_object_get(cc, "Volumes");
    if (!json_is_object(v)) {
      v = json_object();
      json_object_set_new(cc, "Volumes", v);
    }
    for (size_t i = 0; i < n; i++) {
      if (*w[i] == '\0')
        return err_set_exit(err, 1, 0, "VOLUME specified can not be an empty string");
      json_object_set_new(v, w[i], json_object());
    }
    autofree char *j = strv_join(w, " ");
    msg = xasprintf("VOLUME [%s]", j);
    break;
  }
  case DF_SHELL: {
    json_object_set_new(cc, "Shell", jsonv_from_strv(in->args));
    autofree char *j = strv_join(in->args, " ");
    msg = xasprintf("SHELL [%s]", j);
    break;
  }
  case DF_FROM:
  case DF_RUN:
  case DF_CMD:
  case DF_LABEL:
  case DF_ENV:
  case DF_ADD:
  case DF_COPY:
  case DF_ENTRYPOINT:
  case DF_WORKDIR:
  case DF_ARG:
  case DF_ONBUILD:
  case DF_HEALTHCHECK:
    return err_set(err, EINVAL, "internal: %s is not a simple instruction", df_kind_name(in->kind));
  }
  return step_meta(b, sg, msg, err);
}

static int do_healthcheck(struct builder *b, struct stage *sg, struct df_instr *in,
                          struct td_err **err)
{
  static const char *const flags[] = {"interval", "timeout", "start-period", "retries", NULL};
  if (df_check_flags(in, flags, err) < 0)
    return -1;
  json_t *cc = step_cfg(sg);
  json_t *hc = json_object();
  autostrv char **test = xcalloc(1, sizeof(char *));
  if (in->health_none) {
    strv_push(&test, "NONE");
  } else if (in->json) {
    strv_push(&test, "CMD");
    for (char **a = in->args; *a; a++)
      strv_push(&test, *a);
  } else {
    strv_push(&test, "CMD-SHELL");
    strv_push(&test, in->args[0]);
  }
  json_object_set_new(hc, "Test", jsonv_from_strv(test));
  static const char *const keys[] = {"Interval", "Timeout", "StartPeriod"};
  int64_t d[3] = {0, 0, 0};
  for (size_t i = 0; i < 3 && !in->health_none; i++) {
    const char *v = df_flag(in, flags[i]);
    if (v == NULL)
      continue;
    if (eng_parse_duration(v, &d[i], err) < 0)
      return err_set_exit(err, 1, 0, "HEALTHCHECK --%s: invalid duration %s", flags[i], v);
    if (d[i] < 0 || (d[i] > 0 && d[i] < 1000000LL))
      return err_set_exit(err, 1, 0, "Interval \"%s\" cannot be less than 1ms", flags[i]);
    json_object_set_new(hc, keys[i], json_integer(d[i]));
  }
  long retries = 0;
  const char *r = df_flag(in, "retries");
  if (r && !in->health_none) {
    char *e;
    retries = strtol(r, &e, 10);
    if (*e || retries < 0)
      return err_set_exit(err, 1, 0, "--retries cannot be negative (%s)", r);
    json_object_set_new(hc, "Retries", json_integer(retries));
  }
  json_object_set_new(cc, "Healthcheck", hc);
  autofree char *q = step_go_strslice(test);
  autofree char *di = step_go_duration(d[0]), *dt = step_go_duration(d[1]),
                *ds = step_go_duration(d[2]);
  autofree char *msg =
      xasprintf("HEALTHCHECK &{%s \"%s\" \"%s\" \"%s\" '\\x%02lx'}", q, di, dt, ds, retries & 0xff);
  return step_meta(b, sg, msg, err);
}

static int do_onbuild(struct builder *b, struct stage *sg, struct df_instr *in, struct td_err **err)
{
  /* docker stores the trigger with its instruction upper-cased */
  const char *p = in->rest;
  size_t wl = strcspn(p, " \t");
  autofree char *trig = xstrdup(p);
  for (size_t i = 0; i < wl; i++)
    trig[i] = (char)toupper((unsigned char)trig[i]);
  json_t *cc = step_cfg(sg);
  json_t *ob = json_object_get(cc, "OnBuild");
  if (!json_is_array(ob)) {
    ob = json_array();
    json_object_set_new(cc, "OnBuild", ob);
  }
  json_array_append_new(ob, json_string(trig));
  autofree char *msg = xasprintf("ONBUILD %s", trig);
  return step_meta(b, sg, msg, err);
}

int instr_dispatch(struct builder *b, struct stage *sg, struct df_instr *in, struct td_err **err)
{
  static const char *const none[] = {NULL};
  if (in->kind != DF_COPY && in->kind != DF_ADD && in->kind != DF_HEALTHCHECK &&
      in->kind != DF_RUN && df_check_flags(in, none, err) < 0)
    return -1;
  switch (in->kind) {
  case DF_ENV:
    return do_env_label(b, sg, in, true, err);
  case DF_LABEL:
    return do_env_label(b, sg, in, false, err);
  case DF_ARG:
    return do_arg(b, sg, in, err);
  case DF_RUN: {
    static const char *const run_flags[] = {"network", "mount", NULL};
    if (df_check_flags(in, run_flags, err) < 0)
      return -1;
    return do_run(b, sg, in, err);
  }
  case DF_CMD:
  case DF_ENTRYPOINT:
    return do_cmd_ep(b, sg, in, err);
  case DF_WORKDIR:
    return do_workdir(b, sg, in, err);
  case DF_COPY:
  case DF_ADD:
    return instr_copy(b, sg, in, err);
  case DF_USER:
  case DF_STOPSIGNAL:
  case DF_MAINTAINER:
  case DF_EXPOSE:
  case DF_VOLUME:
  case DF_SHELL:
    return do_simple(b, sg, in, err);
  case DF_HEALTHCHECK:
    return do_healthcheck(b, sg, in, err);
  case DF_ONBUILD:
    return do_onbuild(b, sg, in, err);
  case DF_FROM:
    break;
  }
  return err_set(err, EINVAL, "internal: FROM dispatched inside a stage");
}

/* ---- stages ---- */
