/* Limits the host cannot apply, handled as docker's daemon does (verifyPlatformContainer-
 * Resources): a warning on stderr and the value discarded, so a container asked for with
 * --blkio-weight or -m still runs on a kernel without BFQ or without swap accounting. */
#include <stdio.h>
#include <string.h>

#include "engine/container/internal.h"
#include "runtime/cgroup/cgroup.h"
#include "util/cleanup.h"

/* issue 16's flags: docker's verifyPlatformContainerSettings/Resources, in its order and
 * words (a warning is "WARNING: <docker's text>" on stderr, as docker's client prints it). */
static void discard_blkio(bool ok, struct eng_blkio_list *l, const char *what)
{
  if (l->n == 0 || ok)
    return;
  fprintf(stderr, "WARNING: Your kernel does not support %s\n", what);
  l->n = 0; /* the entries stay allocated: the CLI's store frees them */
}

static int adjust_resources16(struct eng_run_req *req, struct td_err **err)
{
  if (req->oom_score_adj < -1000 || req->oom_score_adj > 1000)
    return err_set(err, 0, "Invalid value %lld, range for oom score adj is [-1000, 1000]",
                   (long long)req->oom_score_adj);
  /* --storage-opt: engine/container/storage.c, which needs the store */
  bool any = req->has_memory_swappiness || req->kernel_memory > 0 || req->cpu_rt_period > 0 ||
             req->cpu_rt_runtime > 0 || req->read_bps.n || req->write_bps.n || req->read_iops.n ||
             req->write_iops.n || req->weight_device.n;
  if (!any)
    return 0;
  struct cgroup_support s;
  cgroup_support_probe(ENG_CGROUP_PARENT, &s);
  /* docker's daemon refuses a too small limit before it warns of anything */
  if (req->kernel_memory > 0 && s.kmem && req->kernel_memory < 6 * 1024 * 1024)
    return err_set(err, 0, "Minimum kernel memory limit allowed is 6MB");
  if (req->kernel_memory > 0)
    fprintf(stderr, "WARNING: Specifying a kernel memory limit is deprecated and will be removed "
                    "in a future release.\n");
  if (req->kernel_memory > 0 && !s.kmem) {
    fprintf(stderr, "WARNING: Your kernel does not support kernel memory limit capabilities or "
                    "the cgroup is not mounted. Limitation discarded.\n");
    req->kernel_memory = 0;
  }
  if (req->kernel_memory > 0 && req->kernel_memory < 6 * 1024 * 1024)
    return err_set(err, 0, "Minimum kernel memory limit allowed is 6MB");
  if (req->has_memory_swappiness && !s.swappiness) {
    fprintf(stderr, "WARNING: Your kernel does not support memory swappiness capabilities or the "
                    "cgroup is not mounted. Memory swappiness discarded.\n");
    req->has_memory_swappiness = false;
  }
  if (req->cpu_rt_period > 0 && !s.cpu_rt) {
    fprintf(stderr, "WARNING: Your kernel does not support cgroup cpu real-time period. Period "
                    "discarded.\n");
    req->cpu_rt_period = 0;
  }
  if (req->cpu_rt_runtime > 0 && !s.cpu_rt) {
    fprintf(stderr, "WARNING: Your kernel does not support cgroup cpu real-time runtime. Runtime "
                    "discarded.\n");
    req->cpu_rt_runtime = 0;
  }
  if (req->cpu_rt_period != 0 && req->cpu_rt_runtime != 0 &&
      req->cpu_rt_runtime > req->cpu_rt_period)
    return err_set(err, 0, "cpu real-time runtime cannot be higher than cpu real-time period");
  if (req->cpu_rt_runtime > 0 && s.cpu_rt) {
    /* the kernel gives a child no more than its parent has: say so before anything exists
     * (docker: runc's "write ... cpu.rt_runtime_us: invalid argument" at start) */
    autofree char *cg = eng_cgroup_path(req->cgroup_parent, ENG_CGROUP_PARENT, "x");
    cg[strlen(cg) - 2] = '\0';
    const char *parent = *cg ? cg : "/";
    long long have = cgroup_support_rt_runtime(parent);
    if (have >= 0 && have < req->cpu_rt_runtime)
      return err_set(err, 0,
                     "--cpu-rt-runtime %lld: the parent cgroup %s has %lld us of real-time "
                     "runtime (cpu.rt_runtime_us): give it the budget first, as docker's daemon "
                     "--cpu-rt-runtime does",
                     (long long)req->cpu_rt_runtime, parent, have);
  }
  discard_blkio(s.blkio_weight_device, &req->weight_device,
                "Block I/O weight_device or the cgroup is not mounted. Weight-device discarded.");
  discard_blkio(s.blkio_throttle, &req->read_bps,
                "BPS Block I/O read limit or the cgroup is not mounted. Block I/O BPS read limit "
                "discarded.");
  discard_blkio(s.blkio_throttle, &req->write_bps,
                "BPS Block I/O write limit or the cgroup is not mounted. Block I/O BPS write "
                "limit discarded.");
  discard_blkio(s.blkio_throttle, &req->read_iops,
                "IOPS Block read limit or the cgroup is not mounted. Block I/O IOPS read limit "
                "discarded.");
  discard_blkio(s.blkio_throttle, &req->write_iops,
                "IOPS Block write limit or the cgroup is not mounted. Block I/O IOPS write limit "
                "discarded.");
  return 0;
}

int eng_host_adjust(struct eng_run_req *req, struct td_err **err)
{
  if (adjust_resources16(req, err) < 0)
    return -1;
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
