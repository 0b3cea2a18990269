/* engine/ops: the commands on containers (lifecycle.c: start, run, stop, kill, rm, wait,
 * rename, pause, attach; exec.c, logs.c, cp.c, netconnect.c), declared for the CLI in
 * engine/engine.h. This header holds what the room's files share: the client side of a
 * monitor session (attach.c). Calls down only: engine/monitor, engine/container,
 * engine/parse, image/, net/, runtime/, util/. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine/engine.h"
#include "util/err.h"

/* Wait until pid (with starttime) is gone, up to timeout_ms (-1 forever); true if gone. */
bool eng_wait_pid_gone(pid_t pid, uint64_t starttime, int timeout_ms);
/* Attach our stdio over a monitor socket, relay signals/resizes, return the exit code.
 * send_start asks the monitor to start the container once attached. detach_keys (docker's
 * format, NULL = ctrl-p,ctrl-q) end the session with exit code 0 for a tty with stdin. */
int attach_session(int sock, bool tty, bool with_stdin, bool sig_proxy, bool send_start,
                   const char *detach_keys, int *exit_code, struct td_err **err);
/* Connect to a running container's monitor socket. */
int attach_connect(const struct eng_ctx *ctx, const char *id, struct td_err **err);
