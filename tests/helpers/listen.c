#include "listen.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int listen_on(const char *path, int backlog)
{
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  char tmp[sizeof(sa.sun_path)];
  if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
    errno = ENAMETOOLONG;
    return -1;
  }
  memcpy(sa.sun_path, tmp, strlen(tmp) + 1);
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, backlog) < 0 ||
      rename(tmp, path) < 0) {
    int e = errno;
    if (s >= 0)
      close(s);
    errno = e;
    return -1;
  }
  return s;
}
