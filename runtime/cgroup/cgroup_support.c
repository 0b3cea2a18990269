/* What the host's cgroups can do, as docker's pkg/sysinfo sees it: the engine discards a
 * limit the host cannot apply (with docker's warning) and `info` lists docker's warnings.
 * The runtime never consults this: it applies what the spec asks or fails, as runc does. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/cgroup/cgroup_internal.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"

static bool has(const char *root, const char *ctl, const char *file)
{
  autofree char *p = file ? xasprintf("%s/%s/%s", root, ctl, file) : xasprintf("%s/%s", root, ctl);
  return access(p, F_OK) == 0;
}

/* BFQ's files are not on the root cgroup: look in the caller's parent (if made) as well */
static bool has_weight(const char *root, const char *parent, const char *cfq, const char *bfq)
{
  if (has(root, "blkio", cfq) || has(root, "blkio", bfq))
    return true;
  if (!parent)
    return false;
  autofree char *sub = xasprintf("%s/blkio", root);
  return has(sub, parent, cfq) || has(sub, parent, bfq);
}

static void probe_v1(const char *root, const char *parent, struct cgroup_support *s)
{
  s->memory = has(root, "memory", "memory.limit_in_bytes");
  s->swap = has(root, "memory", "memory.memsw.limit_in_bytes");
  s->kmem_tcp = has(root, "memory", "memory.kmem.tcp.limit_in_bytes");
  s->oom_kill_disable = has(root, "memory", "memory.oom_control");
  s->cpu_shares = has(root, "cpu", "cpu.shares");
  s->cpu_cfs = has(root, "cpu", "cpu.cfs_quota_us");
  s->cpuset = has(root, "cpuset", "cpuset.cpus");
  s->pids = has(root, "pids", "pids.max") || has(root, "pids", "cgroup.procs");
  /* CFQ's files are gone since Linux 5.0; BFQ's appear only with BFQ built or loaded */
  s->blkio_weight = has_weight(root, parent, "blkio.weight", "blkio.bfq.weight");
  s->blkio_weight_device =
      has_weight(root, parent, "blkio.weight_device", "blkio.bfq.weight_device");
  s->blkio_throttle = has(root, "blkio", "blkio.throttle.read_bps_device");
  s->swappiness = has(root, "memory", "memory.swappiness");
  s->kmem = has(root, "memory", "memory.kmem.limit_in_bytes");
  s->cpu_rt = has(root, "cpu", "cpu.rt_period_us");
}

/* The controllers a child of the v2 root can have. */
static void probe_v2(const char *root, struct cgroup_support *s)
{
  autofree char *p = xasprintf("%s/cgroup.controllers", root);
  autofree char *c = NULL;
  autoerr struct td_err *e = NULL;
  size_t len = 0;
  if (file_read_all(AT_FDCWD, p, &c, &len, &e) < 0)
    return;
  char *save = NULL;
  for (char *t = strtok_r(c, " \n", &save); t; t = strtok_r(NULL, " \n", &save)) {
    if (strcmp(t, "memory") == 0)
      s->memory = s->swap = true;
    else if (strcmp(t, "cpu") == 0)
      s->cpu_shares = s->cpu_cfs = true;
    else if (strcmp(t, "cpuset") == 0)
      s->cpuset = true;
    else if (strcmp(t, "pids") == 0)
      s->pids = true;
    else if (strcmp(t, "io") == 0)
      s->blkio_weight = s->blkio_weight_device = s->blkio_throttle = true;
  }
  /* swap accounting off (swapaccount=0, no CONFIG_MEMCG_SWAP): no memory.swap.max in the
   * children; the root has none of its own, so look at the cgroup this process is in */
  autofree char *self = NULL;
  if (s->swap && file_read_all(AT_FDCWD, "/proc/self/cgroup", &self, &len, &e) == 0) {
    char *nl = strchr(self, '\n');
    if (nl)
      *nl = '\0';
    if (strncmp(self, "0::/", 4) == 0 && self[4] != '\0') {
      autofree char *f = xasprintf("%s%s/memory.swap.max", root, self + 3);
      s->swap = access(f, F_OK) == 0;
    }
  }
}

void cgroup_support_probe(const char *parent, struct cgroup_support *s)
{
  memset(s, 0, sizeof(*s));
  enum cgroup_mode m = cgroup_mode();
  s->v2 = m == CGROUP_MODE_V2;
  if (s->v2)
    probe_v2(cg_mount_root(), s);
  else
    probe_v1(cg_mount_root(), parent, s);
}

long long cgroup_support_rt_runtime(const char *path)
{
  autofree char *top = xasprintf("%s/cpu/cpu.rt_runtime_us", cg_mount_root());
  if (access(top, F_OK) != 0)
    return -1;
  autofree char *dir = xasprintf("%s/cpu/%s", cg_mount_root(), path);
  if (access(dir, F_OK) != 0)
    return 0;
  autofree char *f = xasprintf("%s/cpu.rt_runtime_us", dir);
  autofree char *c = NULL;
  autoerr struct td_err *e = NULL;
  size_t len = 0;
  if (file_read_all(AT_FDCWD, f, &c, &len, &e) < 0)
    return -1;
  return atoll(c);
}
