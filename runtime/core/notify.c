/* The seccomp notify listener hand-off (runtime-spec: linux.seccomp.listenerPath): the
 * process that loaded a filter with SCMP_ACT_NOTIFY sends its listener fd over the sync
 * socket, and the runtime passes it on with the container's state. */
#include <errno.h>
#include <stdlib.h>

#include "runtime/core/internal.h"
#include "runtime/security/security.h"
#include "util/cleanup.h"

int rt_seccomp_send_listener(const struct spec *s, const struct rt_state *st, pid_t pid, int fd,
                             struct td_err **err)
{
  autojson json_t *j = rt_state_json(st);
  autofree char *state = json_dumps(j, JSON_COMPACT);
  if (state == NULL)
    return err_set(err, ENOMEM, "seccomp listener: state");
  if (security_seccomp_send_listener(s->linux_.seccomp, fd, state, pid, err) < 0)
    return -1;
  return 0;
}
