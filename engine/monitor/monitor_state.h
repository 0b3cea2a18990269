/* What the monitor hands over when it execs its small idle program (tinydocker-monitor) and
 * what that program hands back when it execs tinydocker again at the container's exit: the
 * loop's state (fds, clients, log with its pending partial lines, exit status) in a memfd.
 * Both sides are built from the same source; the header's magic and size catch a mismatch. */
#pragma once
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/monitor/monitor_loop.h"

#define MON_STATE_MAGIC 0x54444d4fu /* "TDMO" */

struct mon_state {
  uint32_t magic, size;
  char id[72];
  char root[PATH_MAX], run_root[PATH_MAX], self_exe[PATH_MAX]; /* the engine's ctx */
  bool debug;
  int restart_count;
  int exe_fd; /* O_PATH fd of the tinydocker binary, for the way back */
  struct mon_io io;
};

/* Write the state into a new memfd (without close-on-exec); returns the fd or -1. */
int mon_state_write(const struct mon_state *s);
/* Read the state back from fd (from its start); false when it is not ours. */
bool mon_state_read(int fd, struct mon_state *s);
/* Set or clear FD_CLOEXEC on every fd the state names (cleared just before an exec). */
void mon_state_cloexec(const struct mon_state *s, bool on);
