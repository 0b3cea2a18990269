/* The commands that reach into a running container: exec, attach, top, stats, cp. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/tinydocker_cmds.h"
#include "cli/tinydocker_opts.h"
#include "engine/parse/parse.h"
#include "engine/engine.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

#define OPT_END                                                                                    \
  {                                                                                                \
    0, NULL, OPT_BOOL, NULL, NULL, NULL                                                            \
  }

#define DONE(ci, r, rc)                                                                            \
  do {                                                                                             \
    int rc_ = (r)->help ? 0 : (rc);                                                                \
    opts_free(ci, r);                                                                              \
    return rc_;                                                                                    \
  } while (0)

static const struct opt_def no_opts[] = {OPT_END};

/* ---- exec / attach ---- */

static const struct opt_def exec_opts[] = {
    {'d', "detach", OPT_BOOL, NULL, "Detached mode: run command in the background", NULL},
    {0, "detach-keys", OPT_STR, "string", "Override the key sequence for detaching a container",
     NULL},
    {'e', "env", OPT_LIST, "list", "Set environment variables", NULL},
    {0, "env-file", OPT_LIST, "list", "Read in a file of environment variables", NULL},
    {'i', "interactive", OPT_BOOL, NULL, "Keep STDIN open even if not attached", NULL},
    {0, "privileged", OPT_BOOL, NULL, "Give extended privileges to the command", NULL},
    {'t', "tty", OPT_BOOL, NULL, "Allocate a pseudo-TTY", NULL},
    {'u', "user", OPT_STR, "string", "Username or UID (format: <name|uid>[:<group|gid>])", NULL},
    {'w', "workdir", OPT_STR, "string", "Working directory inside the container", NULL},
    OPT_END,
};
static const struct cmd_info exec_info = {"exec", "[OPTIONS] CONTAINER COMMAND [ARG...]",
                                          "Execute a command in a running container", exec_opts,
                                          true};

int cmd_exec(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err)
{
  struct opt_result r;
  int rc = opts_parse_min(&exec_info, argc, argv, &r, 2, err);
  if (rc != 0)
    DONE(&exec_info, &r, rc);
  autofree char *id = NULL;
  int code = 0;
  struct eng_exec_req q = {.cmd = r.args + 1,
                           .interactive = opt_bool(&exec_info, &r, "interactive"),
                           .tty = opt_bool(&exec_info, &r, "tty"),
                           .detach = opt_bool(&exec_info, &r, "detach"),
                           .privileged = opt_bool(&exec_info, &r, "privileged"),
                           .env = opt_list(&exec_info, &r, "env"),
                           .workdir = opt_str(&exec_info, &r, "workdir"),
                           .user = opt_str(&exec_info, &r, "user"),
                           .detach_keys = opt_str(&exec_info, &r, "detach-keys")};
  /* --env-file lines first, then -e (docker's ReadKVEnvStrings); a file that cannot be read
   * is the CLI's error (exit 1, before the container is looked up) */
  autostrv char **env = NULL;
  for (char **f = opt_list(&exec_info, &r, "env-file"); rc == 0 && f && *f; f++)
    if (eng_parse_env_file(*f, &env, err) < 0) {
      (*err)->exit_code = 1;
      rc = -1;
    }
  for (char **e = q.env; rc == 0 && env && e && *e; e++)
    strv_push(&env, *e);
  if (env)
    q.env = env;
  struct detach_keys k;
  if (rc == 0)
    rc = q.detach_keys ? detach_keys_parse(q.detach_keys, &k, err) : 0;
  if (rc == 0)
    rc = eng_lookup(ctx, r.args[0], &id, err);
  /* docker checks the terminal after looking the container up (its error comes first) */
  if (rc == 0 && !q.detach && q.interactive && q.tty && !isatty(0))
    rc = err_set_exit(err, 1, 0, "the input device is not a TTY");
  if (rc == 0)
    rc = eng_exec(ctx, id, &q, &code, err);
  DONE(&exec_info, &r, rc < 0 ? -1 : code);
}

static const struct opt_def attach_opts[] = {
    {0, "detach-keys", OPT_STR, "string", "Override the key sequence for detaching", NULL},
    {0, "no-stdin", OPT_BOOL, NULL, "Do not attach STDIN", NULL},
    {0, "sig-proxy", OPT_BOOL, NULL, "Proxy all received signals to the process (default true)",
     NULL},
    OPT_END,
};
static const struct cmd_info attach_info = {"attach", "[OPTIONS] CONTAINER",
                                            "Attach local standard input, output, and error "
                                            "streams to a running container",
                                            attach_opts, false};

int cmd_attach(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err)
{
  struct opt_result r;
  int rc = opts_parse_min(&attach_info, argc, argv, &r, 1, err);
  if (rc != 0)
    DONE(&attach_info, &r, rc);
  autofree char *id = NULL;
  int code = 0;
  bool proxy = !opt_isset(&attach_info, &r, "sig-proxy") || opt_bool(&attach_info, &r, "sig-proxy");
  const char *keys = opt_str(&attach_info, &r, "detach-keys");
  struct detach_keys k;
  rc = keys ? detach_keys_parse(keys, &k, err) : 0;
  if (rc == 0)
    rc = eng_lookup(ctx, r.args[0], &id, err);
  if (rc == 0)
    rc = eng_attach(ctx, id, opt_bool(&attach_info, &r, "no-stdin"), proxy, keys, &code, err);
  DONE(&attach_info, &r, rc < 0 ? -1 : code);
}

/* ---- top / stats / cp / prune / info / version ---- */

static const struct cmd_info top_info = {
    "top", "CONTAINER [ps OPTIONS]", "Display the running processes of a container", no_opts, true};

int cmd_top(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err)
{
  struct opt_result r;
  int rc = opts_parse_min(&top_info, argc, argv, &r, 1, err);
  if (rc == 0) {
    autofree char *id = NULL;
    rc = eng_lookup(ctx, r.args[0], &id, err);
    if (rc == 0)
      rc = eng_top(ctx, id, r.args + 1, err);
  }
  DONE(&top_info, &r, rc);
}

static const struct opt_def stats_opts[] = {
    {'a', "all", OPT_BOOL, NULL, "Show all containers (default shows just running)", NULL},
    {0, "format", OPT_STR, "string", "Format output using a custom template", NULL},
    {0, "no-stream", OPT_BOOL, NULL, "Disable streaming stats and only pull the first result",
     NULL},
    {0, "no-trunc", OPT_BOOL, NULL, "Do not truncate output", NULL},
    OPT_END,
};
static const struct cmd_info stats_info = {"stats", "[OPTIONS] [CONTAINER...]",
                                           "Display a live stream of container(s) resource "
                                           "usage statistics",
                                           stats_opts, false};

int cmd_stats(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err)
{
  struct opt_result r;
  int rc = opts_parse_min(&stats_info, argc, argv, &r, 0, err);
  if (rc == 0)
    rc = eng_stats(ctx, r.args, opt_bool(&stats_info, &r, "all"),
                   opt_bool(&stats_info, &r, "no-stream"), opt_str(&stats_info, &r, "format"), err);
  DONE(&stats_info, &r, rc);
}

static const struct opt_def cp_opts[] = {
    {'a', "archive", OPT_BOOL, NULL, "Archive mode (copy all uid/gid information)", NULL},
    {'L', "follow-link", OPT_BOOL, NULL, "Always follow symbol link in SRC_PATH", NULL},
    {'q', "quiet", OPT_BOOL, NULL, "Suppress progress output during copy", NULL},
    OPT_END,
};
static const struct cmd_info cp_info = {"cp",
                                        "[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n"
                                        "        tinydocker cp [OPTIONS] SRC_PATH|- "
                                        "CONTAINER:DEST_PATH",
                                        "Copy files/folders between a container and the local "
                                        "filesystem",
                                        cp_opts, false};

int cmd_cp(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err)
{
  struct opt_result r;
  int rc = opts_parse_min(&cp_info, argc, argv, &r, 2, err);
  if (rc == 0) {
    struct eng_cp_opts o = {.follow_link = opt_bool(&cp_info, &r, "follow-link"),
                            .archive = opt_bool(&cp_info, &r, "archive")};
    rc = eng_cp(ctx, r.args[0], r.args[1], &o, err);
  }
  DONE(&cp_info, &r, rc);
}
