/* Run helper programs: started with the stdio we give them, waited for by pid. */
#pragma once
#include <stddef.h>
#include <sys/types.h>

#include "util/err.h"

/* Start prog (argv[0] its name) with fds[0..2] as its stdin, stdout and stderr, an empty signal
 * mask and default signal actions; its pid in *pid. 0, or -1 with err set. */
int spawn_fds(const char *prog, char *const argv[], const int fds[3], pid_t *pid,
              struct td_err **err);
/* Wait for the child pid (prog names it in errors): its wait status, or -1 with err set. */
int spawn_wait(pid_t pid, const char *prog, struct td_err **err);
/* Run prog to completion with the in_len bytes at `in` on its stdin. Its stdout and stderr come
 * back NUL-terminated in *out and *errtxt (caller frees; either may be NULL to discard them).
 * Returns its wait status, or -1 with err set when it could not be run. */
int spawn_capture(const char *prog, char *const argv[], const void *in, size_t in_len, char **out,
                  char **errtxt, struct td_err **err);
