#include "util/err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

const char *err_progname = "tinydocker";

static bool docker_style;
static int default_kind = ERR_DAEMON;
static const char *run_cmd; /* run, create or exec: err_use_run_style */

void err_use_run_style(const char *cmd)
{
  run_cmd = cmd;
}

static bool run_style_is(const char *cmd)
{
  return run_cmd && strcmp(run_cmd, cmd) == 0;
}

void err_use_docker_style(int kind)
{
  docker_style = true;
  default_kind = kind;
}

bool err_docker_style(void)
{
  if (!docker_style) {
    const char *e = getenv(ERR_STYLE_ENV);
    docker_style = e && strncmp(e, "docker", 6) == 0;
    if (docker_style && strcmp(e, "docker-cli") == 0)
      default_kind = ERR_CLI;
  }
  return docker_style;
}

const char *err_style_env(void)
{
  if (!err_docker_style())
    return NULL;
  return default_kind == ERR_CLI ? "docker-cli" : "docker";
}

int err_exit_code(int code)
{
  return code == EXIT_ENGINE && err_docker_style() ? 1 : code;
}

int err_exit_status(const struct td_err *err)
{
  int code = err && err->exit_code ? err->exit_code : EXIT_ENGINE;
  int kind = err ? err->kind : ERR_DAEMON;
  /* docker create returns the daemon's error as it is (exit 1); exec what the CLI and the
   * daemon answered before the process ran */
  if (code == EXIT_ENGINE && ((run_style_is("create") && kind != ERR_CLI && kind != ERR_FLAG) ||
                              (run_style_is("exec") && (kind == ERR_CLI || kind == ERR_SERVER))))
    return 1;
  return kind == ERR_FLAG ? code : err_exit_code(code);
}

int err_mark(struct td_err **err, int kind)
{
  if (err && *err)
    (*err)->kind = kind;
  return -1;
}

__attribute__((format(printf, 4, 0))) static int err_vset(struct td_err **err, int exit_code,
                                                          int errnum, const char *fmt, va_list ap)
{
  if (err == NULL)
    return -1;
  if (*err != NULL)
    err_free(err);
  struct td_err *e = xmalloc(sizeof(*e));
  e->errnum = errnum;
  e->exit_code = exit_code;
  e->kind = ERR_DAEMON;
  e->msg = xvasprintf(fmt, ap);
  *err = e;
  return -1;
}

int err_set(struct td_err **err, int errnum, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  err_vset(err, EXIT_ENGINE, errnum, fmt, ap);
  va_end(ap);
  return -1;
}

int err_set_exit(struct td_err **err, int exit_code, int errnum, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  err_vset(err, exit_code, errnum, fmt, ap);
  va_end(ap);
  return -1;
}

int err_set_fork(struct td_err **err, int errnum, const char *what)
{
  if (errnum == EAGAIN)
    return err_set(err, errnum,
                   "%s: out of processes (the pids cgroup's pids.max, ulimit -u or "
                   "kernel.threads-max)",
                   what);
  return err_set(err, errnum, "%s", what);
}

int err_prefix(struct td_err **err, const char *fmt, ...)
{
  if (err == NULL || *err == NULL)
    return -1;
  va_list ap;
  va_start(ap, fmt);
  char *prefix = xvasprintf(fmt, ap);
  va_end(ap);
  char *msg = xasprintf("%s: %s", prefix, (*err)->msg);
  free(prefix);
  free((*err)->msg);
  (*err)->msg = msg;
  return -1;
}

const char *err_text(struct td_err *err)
{
  if (err == NULL)
    return "unknown error";
  if (err->errnum != 0) {
    char *full = xasprintf("%s: %s", err->msg, strerror(err->errnum));
    free(err->msg);
    err->msg = full;
    err->errnum = 0;
  }
  return err->msg;
}

const char *err_text_go(struct td_err *err)
{
  /* Go's words for an errno are strerror's, lower case ("no such file or directory") */
  if (err && err->errnum != 0) {
    char *full = xasprintf("%s: %s", err->msg, strerror(err->errnum));
    size_t n = strlen(err->msg) + 2;
    if (full[n] >= 'A' && full[n] <= 'Z' && (full[n + 1] < 'A' || full[n + 1] > 'Z'))
      full[n] = (char)(full[n] - 'A' + 'a');
    free(err->msg);
    err->msg = full;
    err->errnum = 0;
  }
  return err_text(err);
}

void err_free(struct td_err **err)
{
  if (err == NULL || *err == NULL)
    return;
  free((*err)->msg);
  free(*err);
  *err = NULL;
}

/* run/create/exec as docker's run.go and exec.go word them (see ERR_START) */
static void print_run_style(const char *text, int kind)
{
  if (kind == ERR_SILENT)
    return;
  if (kind == ERR_FLAG || kind == ERR_BARE || text[0] == '"') {
    fprintf(stderr, "%s\n", text);
    return;
  }
  const char *daemon = "Error response from daemon: ";
  if (run_style_is("exec")) {
    if (kind == ERR_CLI || kind == ERR_SERVER)
      fprintf(stderr, "%s%s\n", kind == ERR_CLI ? "Error: " : daemon, text);
    else
      fprintf(stderr, "tinydocker: %s\n", text);
    return;
  }
  if (run_style_is("create") && kind != ERR_CLI) {
    fprintf(stderr, "%s%s\n", daemon, text);
    return;
  }
  /* docker's reportError: one final ".", the help line unless the start failed (or the
   * message has it already) */
  if (strstr(text, "\nSee '")) {
    fprintf(stderr, "tinydocker: %s%s\n", kind == ERR_CLI ? "" : daemon, text);
    return;
  }
  size_t n = strlen(text);
  if (n > 0 && text[n - 1] == '.')
    n--;
  fprintf(stderr, "tinydocker: %s%.*s.\n", kind == ERR_CLI ? "" : daemon, (int)n, text);
  if (kind != ERR_START)
    fprintf(stderr, "See 'tinydocker %s --help'.\n", run_cmd);
}

void err_print(const char *prog, struct td_err *err)
{
  if (run_cmd && strcmp(prog ? prog : err_progname, "tinydocker") == 0) {
    const char *text = err_text_go(err);
    print_run_style(text, err ? err->kind : ERR_DAEMON);
    return;
  }
  if (err_docker_style() && strcmp(prog ? prog : err_progname, "tinydocker") == 0) {
    const char *text = err_text(err);
    int kind = !err || err->kind == ERR_DAEMON ? default_kind
               : err->kind == ERR_SERVER       ? ERR_DAEMON
                                               : err->kind;
    if (kind == ERR_SILENT)
      return;
    if ((strncmp(text, "Error", 5) == 0 && (!err || err->kind != ERR_SERVER)) || text[0] == '"' ||
        kind == ERR_BARE || kind == ERR_FLAG)
      fprintf(stderr, "%s\n", text);
    else
      fprintf(stderr, "%s%s\n", kind == ERR_CLI ? "Error: " : "Error response from daemon: ", text);
    return;
  }
  fprintf(stderr, "%s: %s\n", prog ? prog : err_progname, err_text(err));
}

void err_warn(struct td_err **err, const char *fmt, ...)
{
  if (err == NULL || *err == NULL)
    return;
  char what[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof(what), fmt, ap);
  va_end(ap);
  fprintf(stderr, "%s: warning: %s: %s\n", err_progname, what, err_text(*err));
  err_free(err);
}

_Noreturn void err_die(const char *prog, struct td_err *err)
{
  int code = err_exit_status(err);
  err_print(prog, err);
  fflush(stderr);
  exit(code);
}
