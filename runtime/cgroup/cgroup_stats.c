/* Usage counters for `stats`, `inspect` and OOM detection, from v1 or v2 files. Absent files
 * leave their counters at 0; limits read "max" become UINT64_MAX, except the memory limit,
 * which is capped at the host's memory as docker shows it. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>

#include "runtime/cgroup/cgroup_internal.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"

uint64_t cg_mem_total(void)
{
  /* sysinfo's totalram is MemTotal of /proc/meminfo, in one syscall rather than formatting
   * and parsing the whole file (it is read for every stats call) */
  struct sysinfo si;
  if (sysinfo(&si) < 0)
    return 0;
  return (uint64_t)si.totalram * (si.mem_unit ? si.mem_unit : 1);
}

static uint64_t cap_limit(uint64_t v)
{
  uint64_t total = cg_mem_total();
  return total && v > total ? total : v;
}

/* Sum the "Read"/"Write" rows (v1 blkio: "8:0 Read 123") of a blkio stats file. */
static bool blkio_sum(struct cg_dir *d, const char *file, uint64_t *rd, uint64_t *wr)
{
  autofree char *s = cg_read(d, file);
  if (!s || !*s)
    return false;
  bool any = false;
  for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
    char dev[32], op[16];
    uint64_t v;
    if (sscanf(line, "%31s %15s %" SCNu64, dev, op, &v) != 3)
      continue;
    if (strcmp(op, "Read") == 0)
      *rd += v, any = true;
    else if (strcmp(op, "Write") == 0)
      *wr += v, any = true;
  }
  return any;
}

int cg_v1_stats(struct cgroup *cg, struct cgroup_stats *out, struct td_err **err)
{
  (void)err;
  struct cg_dir *d;
  if ((d = cg_v1_dir(cg, CG_CPUACCT)) && d->fd >= 0)
    cg_read_u64(d, "cpuacct.usage", &out->cpu_usage_ns);
  if ((d = cg_v1_dir(cg, CG_MEMORY)) && d->fd >= 0) {
    cg_read_u64(d, "memory.usage_in_bytes", &out->memory_usage);
    if (cg_read_u64(d, "memory.limit_in_bytes", &out->memory_limit))
      out->memory_limit = cap_limit(out->memory_limit);
    cg_read_u64(d, "memory.max_usage_in_bytes", &out->memory_max_usage);
    cg_read_key(d, "memory.oom_control", "oom_kill", &out->oom_kills);
    cg_read_key(d, "memory.stat", "total_inactive_file", &out->memory_inactive_file);
  }
  if ((d = cg_v1_dir(cg, CG_PIDS)) && d->fd >= 0) {
    cg_read_u64(d, "pids.current", &out->pids_current);
    cg_read_u64(d, "pids.max", &out->pids_limit);
  }
  if ((d = cg_v1_dir(cg, CG_BLKIO)) && d->fd >= 0) {
    static const char *const files[] = {"blkio.throttle.io_service_bytes_recursive",
                                        "blkio.io_service_bytes_recursive",
                                        "blkio.bfq.io_service_bytes_recursive"};
    for (size_t i = 0; i < 3; i++)
      if (blkio_sum(d, files[i], &out->blkio_read_bytes, &out->blkio_write_bytes))
        break;
  }
  return 0;
}

/* io.stat: "8:0 rbytes=1 wbytes=2 rios=..." per device. */
static void io_stat_sum(struct cg_dir *d, uint64_t *rd, uint64_t *wr)
{
  autofree char *s = cg_read(d, "io.stat");
  if (!s)
    return;
  for (char *tok = strtok(s, " \n"); tok; tok = strtok(NULL, " \n")) {
    if (strncmp(tok, "rbytes=", 7) == 0)
      *rd += strtoull(tok + 7, NULL, 10);
    else if (strncmp(tok, "wbytes=", 7) == 0)
      *wr += strtoull(tok + 7, NULL, 10);
  }
}

int cg_v2_stats_dir(struct cg_dir *d, struct cgroup_stats *out)
{
  uint64_t usec = 0;
  if (cg_read_key(d, "cpu.stat", "usage_usec", &usec))
    out->cpu_usage_ns = usec * 1000;
  cg_read_u64(d, "memory.current", &out->memory_usage);
  if (cg_read_u64(d, "memory.max", &out->memory_limit))
    out->memory_limit = cap_limit(out->memory_limit);
  cg_read_u64(d, "memory.peak", &out->memory_max_usage);
  cg_read_key(d, "memory.events", "oom_kill", &out->oom_kills);
  cg_read_key(d, "memory.stat", "inactive_file", &out->memory_inactive_file);
  cg_read_u64(d, "pids.current", &out->pids_current);
  cg_read_u64(d, "pids.max", &out->pids_limit);
  io_stat_sum(d, &out->blkio_read_bytes, &out->blkio_write_bytes);
  return 0;
}
