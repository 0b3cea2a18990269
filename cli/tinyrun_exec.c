/* exec: a process given by --process FILE, or the container's own process with the
 * command line and the flags' changes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/tinyrun.h"
#include "runtime/core/runtime.h"
#include "runtime/security/security.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/strv.h"
#include "util/xalloc.h"

struct exec_flags {
  const char *process, *pid_file, *console_socket, *cwd, *user, *unused;
  bool tty, detach, no_new_privs, help, ignore_paused;
  int preserve_fds;
  char **env, **caps, **gids;
};

static int load_process_file(const char *path, struct spec_process **out, struct td_err **err)
{
  autojson json_t *j = NULL;
  if (strcmp(path, "-") == 0) {
    json_error_t je;
    j = json_loadf(stdin, 0, &je);
    if (j == NULL)
      return err_set(err, 0, "parse process from stdin: %s", je.text);
  } else if (file_read_json(AT_FDCWD, path, &j, err) < 0) {
    return -1;
  }
  return spec_process_from_json(j, out, err);
}

/* The container's own process (from its bundle), to start from. */
static int container_process(const struct rt_ctx *ctx, const char *id, struct spec_process **out,
                             struct td_err **err)
{
  struct rt_state st;
  if (rt_state(ctx, id, &st, err) < 0)
    return -1;
  autofree char *cfg = xasprintf("%s/config.json", st.bundle ? st.bundle : ".");
  rt_state_clear(&st);
  struct spec *s = NULL;
  if (spec_load_file(cfg, &s, err) < 0)
    return -1;
  if (s->process == NULL) {
    spec_free(s);
    return err_set(err, 0, "%s has no process", cfg);
  }
  *out = steal_ptr(s->process);
  spec_free(s);
  return 0;
}

static int apply_user(struct spec_process *p, const char *u, char **gids, struct td_err **err)
{
  if (u) {
    char *end = NULL;
    unsigned long uid = strtoul(u, &end, 10);
    if (end == u || (*end && *end != ':'))
      return err_set(err, 0, "invalid --user %s (want UID[:GID])", u);
    p->user.uid = (uint32_t)uid;
    if (*end == ':')
      p->user.gid = (uint32_t)strtoul(end + 1, NULL, 10);
  }
  size_t n = strv_len(gids);
  if (n) {
    free(p->user.additional_gids);
    p->user.additional_gids = xcalloc(n, sizeof(gid_t));
    for (size_t i = 0; i < n; i++)
      p->user.additional_gids[i] = (gid_t)strtoul(gids[i], NULL, 10);
    p->user.n_additional_gids = n;
  }
  return 0;
}

static int apply_flags(struct spec_process *p, const struct exec_flags *f, char **cmd,
                       struct td_err **err)
{
  if (cmd && cmd[0]) {
    strv_free(p->args);
    p->args = strv_dup(cmd);
  }
  p->terminal = f->tty;
  for (char **e = f->env; e && *e; e++)
    strv_push(&p->env, *e);
  if (f->cwd) {
    free(p->cwd);
    p->cwd = xstrdup(f->cwd);
  }
  if (apply_user(p, f->user, f->gids, err) < 0)
    return -1;
  for (char **c = f->caps; c && *c; c++) {
    int cap = security_cap_from_name(*c);
    if (cap < 0)
      return err_set(err, 0, "unknown capability %s", *c);
    uint64_t bit = 1ull << cap;
    p->caps.present = true;
    p->caps.bounding |= bit;
    p->caps.effective |= bit;
    p->caps.permitted |= bit;
  }
  if (f->no_new_privs)
    p->no_new_privileges = true;
  return 0;
}

static int run_exec(const struct rt_ctx *ctx, const struct exec_flags *f, char **pos,
                    struct td_err **err)
{
  struct spec_process *p = NULL;
  int rc =
      f->process ? load_process_file(f->process, &p, err) : container_process(ctx, pos[0], &p, err);
  if (rc == 0 && !f->process)
    rc = apply_flags(p, f, pos + 1, err);
  else if (rc == 0 && f->tty)
    p->terminal = true;
  if (rc < 0) {
    spec_process_free(p);
    return -1;
  }
  int master = -1;
  struct rt_exec_opts o = {.process = p,
                           .pid_file = f->pid_file,
                           .console_socket = f->console_socket,
                           .detach = f->detach,
                           .preserve_fds = f->preserve_fds,
                           .stdio = {-1, -1, -1}};
  if (!f->detach) {
    rt_prepare_foreground();
    if (!f->console_socket)
      o.console_master_out = &master;
  }
  pid_t pid = 0;
  rc = rt_exec(ctx, pos[0], &o, &pid, err);
  spec_process_free(p);
  if (rc < 0)
    return -1;
  if (f->detach)
    return 0;
  rc = rt_wait_forward(pid, master);
  if (master >= 0)
    close(master);
  return rc < 0 ? 255 : rc;
}

int tr_cmd_exec(const struct rt_ctx *ctx, int argc, char **argv)
{
  struct exec_flags f = {0};
  const struct tr_flag flags[] = {
      {"process", 'p', TR_STR, &f.process},
      {"tty", 't', TR_BOOL, &f.tty},
      {"detach", 'd', TR_BOOL, &f.detach},
      {"pid-file", 0, TR_STR, &f.pid_file},
      {"console-socket", 0, TR_STR, &f.console_socket},
      {"env", 'e', TR_STRV, &f.env},
      {"cwd", 0, TR_STR, &f.cwd},
      {"user", 'u', TR_STR, &f.user},
      {"additional-gids", 'g', TR_STRV, &f.gids},
      {"cap", 'c', TR_STRV, &f.caps},
      {"no-new-privs", 0, TR_BOOL, &f.no_new_privs},
      {"preserve-fds", 0, TR_INT, &f.preserve_fds},
      {"ignore-paused", 0, TR_BOOL, &f.ignore_paused},
      {"apparmor", 0, TR_STR, &f.unused},
      {"process-label", 0, TR_STR, &f.unused},
      {"cgroup", 0, TR_STR, &f.unused},
      {NULL, 0, TR_BOOL, NULL},
  };
  autofree char **pos = NULL;
  struct td_err *err = NULL;
  int rc = 0;
  if (tr_parse_flags(argc, argv, flags, true, &pos, &f.help, &err) < 0)
    rc = tr_fail(&err);
  else if (f.help)
    rc = tr_usage(argv[0]);
  else if (pos[0] == NULL || (!f.process && pos[1] == NULL)) {
    err_set(&err, 0, "\"exec\" requires a container id and a command (or --process)");
    rc = tr_fail(&err);
  } else {
    rc = run_exec(ctx, &f, pos, &err);
    if (rc < 0 && err) {
      tr_fail(&err);
      rc = 255; /* runc: an exec that could not start exits 255 */
    }
  }
  strv_free(f.env);
  strv_free(f.caps);
  strv_free(f.gids);
  return rc;
}
