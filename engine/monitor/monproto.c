#include "engine/monitor/monitor.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "util/fdpass.h"

int mon_send(int sock, const struct mon_msg *m, const int *fds, int n)
{
  return fdpass_send(sock, m, sizeof(*m), fds, n > 0 ? (size_t)n : 0) < 0 ? -1 : 0;
}

int mon_recv(int sock, struct mon_msg *m, int *fds, int *nfds)
{
  fds[0] = fds[1] = fds[2] = -1;
  *nfds = 0;
  memset(m, 0, sizeof(*m));
  struct fdpass_in in;
  ssize_t r = fdpass_recv(sock, m, sizeof(*m), 3, 0, &in);
  if (r < 0)
    return errno == ECONNRESET ? 0 : -1;
  if (r == 0) {
    for (size_t k = 0; k < in.n; k++)
      close(in.fds[k]);
    return 0;
  }
  /* more fds than a message takes, or a control message cut short: all of them closed; a
   * message whose fds this process had no room for (EMFILE) comes with those it could take,
   * and the attach goes on without the rest (the --rm removal warns of the same want) */
  if (in.refused) {
    errno = EPROTO;
    return -1;
  }
  memcpy(fds, in.fds, sizeof(int) * in.n);
  *nfds = (int)in.n;
  m->text[sizeof(m->text) - 1] = '\0';
  return 1;
}
