/* run and create: argv -> struct eng_run_req, shared by cli/tinydocker_run.c (the commands),
 * tinydocker_run_req.c (the request), tinydocker_run_res.c (the resource flags),
 * tinydocker_start.c and run_flags.c (issue 16's flags and the --cidfile file). */
#pragma once
#include "cli/tinydocker_opts.h"
#include "engine/engine.h"

/* The new flags into q (labels: --label's list, --label-file lines put before it). */
int run_flags_parse(const struct cmd_info *ci, const struct opt_result *r, struct eng_run_req *q,
                    char ***labels, struct td_err **err);
/* --cidfile: made new (O_EXCL|O_NOFOLLOW); docker's error when something is at the path. */
int cidfile_open(const char *path, int *fd, struct td_err **err);
/* A create that failed: the file goes (if it is still ours), fd closed. */
void cidfile_discard(const char *path, int fd);

/* Everything the request points at, freed together. */
struct run_store {
  char **env;
  struct eng_ulimit *ulimits;
  struct eng_device *devices;
  size_t n_devices;
  struct eng_mount *mounts;
  size_t n_mounts;
  char **sysctls, **labels;
  struct eng_blkio_list *blkio[5]; /* in the request, cleared with it */
};
void run_store_free(struct run_store *s);
/* Fill q from the parsed options and positionals (detach: run's -d); s holds what q points
 * at. An error is the CLI's, as docker's parse prints it. */
int run_build_request(const struct cmd_info *ci, const struct opt_result *r, struct eng_run_req *q,
                      struct run_store *s, bool detach, struct td_err **err);
/* A decimal flag value as Go's strconv.ParseInt, with pflag's message naming --flag. */
int run_parse_int(const char *flag, const char *v, int64_t *out, struct td_err **err);
/* The resource flags into q: memory, CPU, block IO weight, pids, OOM kill (run_parse_resources);
 * issue 16's (run_parse_resources16: OOM score, swappiness, kernel memory, real-time, device
 * rules, per-device block IO, storage options; s keeps the block IO lists). */
int run_parse_resources(const struct cmd_info *ci, const struct opt_result *r,
                        struct eng_run_req *q, struct td_err **err);
int run_parse_resources16(const struct cmd_info *ci, const struct opt_result *r,
                          struct eng_run_req *q, struct run_store *s, struct td_err **err);
/* A bad --detach-keys is refused before anything is created (run and start). */
int run_check_detach_keys(const char *spec, struct td_err **err);
