/* The monitor's hand-over state (see monitor_state.h). libc only. */
#include "engine/monitor/monitor_state.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/fileio.h"

int mon_state_write(const struct mon_state *s)
{
  int fd = memfd_create("td-monitor-state", 0);
  if (fd < 0)
    return -1;
  struct mon_state h = *s;
  h.magic = MON_STATE_MAGIC;
  h.size = sizeof(h);
  if (write_all(fd, &h, sizeof(h)) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool mon_state_read(int fd, struct mon_state *s)
{
  size_t got = 0;
  while (got < sizeof(*s)) {
    ssize_t r = pread(fd, (char *)s + got, sizeof(*s) - got, (off_t)got);
    if (r <= 0)
      return false;
    got += (size_t)r;
  }
  return s->magic == MON_STATE_MAGIC && s->size == sizeof(*s);
}

static void set_cloexec(int fd, bool on)
{
  if (fd >= 0)
    fcntl(fd, F_SETFD, on ? FD_CLOEXEC : 0);
}

void mon_state_cloexec(const struct mon_state *s, bool on)
{
  const struct mon_io *io = &s->io;
  int fds[] = {s->exe_fd, io->listen_fd, io->master, io->in_w, io->out_r, io->err_r, io->log.fd};
  for (size_t k = 0; k < sizeof(fds) / sizeof(fds[0]); k++)
    set_cloexec(fds[k], on);
  for (int i = 0; i < MON_MAX_CLIENTS; i++) {
    if (io->cl[i].sock < 0)
      continue;
    set_cloexec(io->cl[i].sock, on);
    for (int k = 0; k < 3; k++)
      set_cloexec(io->cl[i].fd[k], on);
  }
}
