/* Limits the host cannot apply, handled as docker's daemon does (verifyPlatformContainer-
 * Resources): a warning on stderr and the value discarded, so a container asked for with
 * --blkio-weight or -m still runs on a kernel without BFQ or without swap accounting. */
#include <stdio.h>

#include "engine/container/internal.h"
#include "runtime/cgroup/cgroup.h"

int eng_host_adjust(struct eng_run_req *req, struct td_err **err)
{
  if (req->blkio_weight == 0 && req->memory <= 0)
    return 0; /* nothing to check: no probe on the common path */
  struct cgroup_support s;
  cgroup_support_probe(ENG_CGROUP_PARENT, &s);
  if (req->memory > 0 && !s.swap) {
    fprintf(stderr, "WARNING: Your kernel does not support swap limit capabilities or the cgroup "
                    "is not mounted. Memory limited without swap.\n");
    req->memory_swap = -1;
  }
  if (req->blkio_weight > 0 && !s.blkio_weight) {
    fprintf(stderr, "WARNING: Your kernel does not support Block I/O weight or the cgroup is not "
                    "mounted. Weight discarded.\n");
    req->blkio_weight = 0;
  }
  if (req->blkio_weight > 0 && (req->blkio_weight < 10 || req->blkio_weight > 1000))
    return err_set(err, 0, "Range of blkio weight is from 10 to 1000");
  return 0;
}
