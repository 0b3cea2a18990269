/* The tinyrun command line (runc's): shared flag parsing, logging and the command table. */
#pragma once
#include <stdbool.h>

#include "runtime/core/runtime.h"
#include "util/err.h"

enum tr_flag_kind { TR_BOOL, TR_STR, TR_INT, TR_STRV };

struct tr_flag {
  const char *name; /* long name, without dashes */
  char shortname;   /* 0 if none */
  enum tr_flag_kind kind;
  void *out; /* bool*, const char**, int*, char*** */
};

/* Parse flags in argv[1..] (argv[0] is the command). Accepts --name, -name, --name=value,
 * -n value. Stops at "--" or, when stop_at_arg, at the first non-flag argument; otherwise
 * non-flag arguments are collected. Fills *pos (NULL-terminated, borrowed strings) and
 * returns 0, or -1 with an error. "--help"/"-h" sets *help. */
int tr_parse_flags(int argc, char **argv, const struct tr_flag *flags, bool stop_at_arg,
                   char ***pos, bool *help, struct td_err **err);

/* Report an error the runc way: stderr and, with --log, the log file (JSON lines with
 * --log-format json), then free *err. Returns the exit status to use (1). */
int tr_fail(struct td_err **err);
/* A warning line in the same places. */
void tr_warn(const char *msg);
/* Print a command's usage and return 0. */
int tr_usage(const char *cmd);

/* Each command: argv[0] is the command name; returns the exit status. */
int tr_cmd_create(const struct rt_ctx *ctx, int argc, char **argv);
int tr_cmd_run(const struct rt_ctx *ctx, int argc, char **argv);
int tr_cmd_start(const struct rt_ctx *ctx, int argc, char **argv);
int tr_cmd_state(const struct rt_ctx *ctx, int argc, char **argv);
int tr_cmd_kill(const struct rt_ctx *ctx, int argc, char **argv);
int tr_cmd_delete(const struct rt_ctx *ctx, int argc, char **argv);
int tr_cmd_exec(const struct rt_ctx *ctx, int argc, char **argv);
int tr_cmd_ps(const struct rt_ctx *ctx, int argc, char **argv);
int tr_cmd_list(const struct rt_ctx *ctx, int argc, char **argv);
int tr_cmd_pause(const struct rt_ctx *ctx, int argc, char **argv);
int tr_cmd_resume(const struct rt_ctx *ctx, int argc, char **argv);
int tr_cmd_update(const struct rt_ctx *ctx, int argc, char **argv);
int tr_cmd_spec(const struct rt_ctx *ctx, int argc, char **argv);
int tr_cmd_features(const struct rt_ctx *ctx, int argc, char **argv);
