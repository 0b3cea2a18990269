/* docker-style flag parsing for tinydocker's commands: -s / --long, --flag=value and
 * --flag value, combined short flags (-it, -dp 80), repeatable flags, options end at the
 * first positional (when asked) or at "--", --help on every command. */
#pragma once
#include <stdbool.h>

#include "util/err.h"

enum opt_kind {
  OPT_BOOL, /* --rm, --rm=false */
  OPT_STR,  /* last one wins */
  OPT_LIST, /* repeatable, kept in order */
};

struct opt_def {
  char short_name;       /* 0 = none */
  const char *long_name; /* without "--" */
  enum opt_kind kind;
  const char *metavar; /* "string", "list", "bytes"... for --help */
  const char *help;
  const char *alias; /* another long name for the same flag, or NULL */
};

struct opt_val {
  bool set;
  bool b;
  char *s;     /* OPT_STR */
  char **list; /* OPT_LIST, NULL-terminated */
};

struct cmd_info {
  const char *name;  /* "run" or "container ls" */
  const char *usage; /* "[OPTIONS] IMAGE [COMMAND] [ARG...]" */
  const char *desc;
  const struct opt_def *opts; /* terminated by an entry with long_name NULL */
  bool stop_at_positional;    /* options end at the first positional (run, exec) */
};

struct opt_result {
  struct opt_val *v; /* one per opt_def */
  char **args;       /* positionals (NULL-terminated, borrowed from argv) */
  int nargs;
  bool help;
};

/* Parse argv (after the command name). On --help, prints usage and sets r->help.
 * Errors are docker's: "unknown flag: --x", "flag needs an argument: 'e' in -e". */
int opts_parse(const struct cmd_info *ci, int argc, char **argv, struct opt_result *r,
               struct td_err **err);
/* opts_parse, then docker's usage errors: at least min_args arguments (-1: none accepted);
 * returns 1 on --help (the caller returns 0). */
int opts_parse_min(const struct cmd_info *ci, int argc, char **argv, struct opt_result *r,
                   int min_args, struct td_err **err);
/* Free what opts_parse allocated. */
void opts_free(const struct cmd_info *ci, struct opt_result *r);
/* Print a command's --help. */
void opts_usage(const struct cmd_info *ci);
/* Lookup helpers by long name (the canonical one). */
bool opt_bool(const struct cmd_info *ci, const struct opt_result *r, const char *name);
const char *opt_str(const struct cmd_info *ci, const struct opt_result *r, const char *name);
char **opt_list(const struct cmd_info *ci, const struct opt_result *r, const char *name);
bool opt_isset(const struct cmd_info *ci, const struct opt_result *r, const char *name);
