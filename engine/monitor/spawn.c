/* Spawning a container's monitor by fork, for the commands that stay to talk to it (an
 * attached run with a terminal, start -a); monitor_handoff (handoff.c) is the other way. */
#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/monitor/monitor.h"

int monitor_spawn(const struct eng_ctx *ctx, const char *id, int *sock, struct td_err **err)
{
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return err_set(err, errno, "socketpair");
  fflush(NULL);
  pid_t p = fork();
  if (p < 0) {
    close(sv[0]);
    close(sv[1]);
    return err_set_fork(err, errno, "fork the monitor");
  }
  if (p == 0) {
    /* the monitor: same binary, no exec (fast). One fork, not two: the CLI never waits for
     * it (it gets the monitor's answers on the socket), and once the CLI exits the monitor is
     * reparented like a double-forked daemon would be; its own session keeps it from the
     * terminal's signals */
    close(sv[0]);
    setsid();
    _exit(eng_monitor_main((struct eng_ctx *)ctx, id, sv[1]));
  }
  close(sv[1]);
  *sock = sv[0];
  return 0;
}
