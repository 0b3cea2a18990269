/* The command table of tinydocker and the handlers (one file per command family). */
#pragma once
#include <stdbool.h>
#include "engine/engine.h"
#include "util/err.h"

/* A handler returns the exit status (>= 0), or -1 with *err set. */
typedef int (*td_cmd_fn)(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err);

struct td_cmd {
  const char *name;
  td_cmd_fn fn;
  const char *image_tool; /* handed to tinydocker-image under this name instead of fn */
  const char *summary;    /* for `tinydocker --help`; NULL hides it */
  /* the command's own process runs a container process (exec) or a container's start from
   * itself: re-executed first from a read-only copy of the binary (CVE-2019-5736 class) */
  bool readonly_exe;
};

/* The table, terminated by a NULL name. */
extern const struct td_cmd td_commands[];

int cmd_run(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err);
int cmd_create(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err);
int cmd_start(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err);
int cmd_ps(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err);
int cmd_logs(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err);
int cmd_stop(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err);
int cmd_restart(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err);
int cmd_kill(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err);
int cmd_rm(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err);
int cmd_wait(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err);
int cmd_rename(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err);
int cmd_inspect(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err);
int cmd_exec(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err);
int cmd_attach(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err);
int cmd_top(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err);
int cmd_stats(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err);
int cmd_pause(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err);
int cmd_unpause(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err);
int cmd_cp(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err);
int cmd_container_prune(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err);
int cmd_info(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err);
int cmd_version(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err);
int cmd_network(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err);
int cmd_port(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err);
int cmd_container_help(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err);
int cmd_build(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err);
int cmd_builder(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err);
int cmd_commit(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err);
int cmd_export(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err);
int cmd_volume(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err);
int cmd_events(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err);
int cmd_diff(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err);
int cmd_system(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err);
int cmd_completion(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err);
/* swarm, stack, service, node, secret, config, plugin, trust, context: says so, returns 1. */
int td_out_of_scope(const char *name);
/* Whether name is one of those. */
bool td_is_out_of_scope(const char *name);
/* docker's "Are you sure you want to continue? [y/N]" after warning; true on y. */
bool cli_confirm(const char *warning);
int cmd_update(struct eng_ctx *ctx, int argc, char **argv, struct td_err **err);
/* --help of a command group parsed elsewhere ("image", "network", "volume", "port"; argv from
 * the subcommand on): prints it and returns true when argv asks for it (or is empty). */
bool td_group_help(const char *group, int argc, char **argv);
