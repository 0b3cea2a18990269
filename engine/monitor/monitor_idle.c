/* tinydocker-monitor: the container's monitor while the container runs. tinydocker's monitor
 * starts the container (runtime, network, record: jansson, libseccomp, libcap ...) and then
 * execs this small static program with its state (monitor_state.h), so what stays in memory
 * for the container's lifetime is the poll loop alone (docs/engine.md: the idle RSS). Same
 * pid, so the container's init stays our child and we stay the child subreaper. When the init
 * exits, the program drains the output and execs tinydocker again (`__monitor-resume`), which
 * records the exit, cleans up and applies --rm and the restart policy. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "engine/monitor/monitor_state.h"

static struct mon_state st;

/* Back to tinydocker with the state in fd; only returns on failure. */
static void resume(int exe_fd, int fd)
{
  char a[16];
  snprintf(a, sizeof(a), "%d", fd);
  char *argv[] = {"tinydocker", "__monitor-resume", a, NULL};
  execveat(exe_fd, "", argv, environ, AT_EMPTY_PATH);
}

int main(int argc, char **argv)
{
  if (argc != 3)
    return 125;
  int fd = atoi(argv[1]);
  int exe_fd = atoi(argv[2]);
  prctl(PR_SET_NAME, "td-monitor");
  if (!mon_state_read(fd, &st)) {
    /* not our version of the state: tinydocker (the one that wrote it) runs the loop itself */
    resume(exe_fd, fd);
    return 125;
  }
  close(fd);
  mon_state_cloexec(&st, true);
  mon_io_signals(&st.io);
#ifndef MON_NOLIBC
  mon_io_shrink(); /* with glibc: drop the startup's code from RSS */
#endif
  mon_io_run(&st.io, -1);
  mon_io_drain_rest(&st.io);
  close(st.io.sigfd);
  st.io.sigfd = -1;
  fd = mon_state_write(&st);
  if (fd < 0)
    return 125;
  mon_state_cloexec(&st, false);
  resume(st.exe_fd, fd);
  return 125;
}
