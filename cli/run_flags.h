/* run/create flags of issue 16: parsing and the --cidfile file. */
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
