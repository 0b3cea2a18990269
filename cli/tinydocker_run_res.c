/* run and create: the resource flags (memory, CPU, block IO, pids, OOM, real-time, device
 * rules, storage options; docs/cgroups.md) -> struct eng_run_req, with docker's client-side
 * checks and messages. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/tinydocker_opts.h"
#include "cli/run_flags.h"
#include "engine/parse/parse.h"
#include "engine/engine.h"
#include "util/strv.h"
#include "util/xalloc.h"

int run_parse_int(const char *flag, const char *v, int64_t *out, struct td_err **err)
{
  char *e = NULL;
  long long n = strtoll(v, &e, 10);
  if (*v == '\0' || *e != '\0')
    return err_set(err, 0,
                   "invalid argument \"%s\" for \"--%s\" flag: strconv.ParseInt: "
                   "parsing \"%s\": invalid syntax",
                   v, flag, v);
  *out = n;
  return 0;
}

static int size_opt(const struct cmd_info *ci, const struct opt_result *r, const char *flag,
                    int64_t *out, struct td_err **err)
{
  const char *v = opt_str(ci, r, flag);
  if (v == NULL)
    return 0;
  if (strcmp(flag, "memory-swap") == 0 && strcmp(v, "-1") == 0) {
    *out = -1;
    return 0;
  }
  if (eng_parse_size(v, out, err) < 0)
    return err_prefix(err, "invalid argument \"%s\" for \"--%s\" flag", v, flag);
  return 0;
}

int run_parse_resources(const struct cmd_info *ci, const struct opt_result *r,
                        struct eng_run_req *q, struct td_err **err)
{
  if (size_opt(ci, r, "memory", &q->memory, err) < 0 ||
      size_opt(ci, r, "memory-swap", &q->memory_swap, err) < 0 ||
      size_opt(ci, r, "memory-reservation", &q->memory_reservation, err) < 0 ||
      size_opt(ci, r, "shm-size", &q->shm_size, err) < 0)
    return -1;
  const char *v;
  if ((v = opt_str(ci, r, "cpus")) &&
      eng_parse_cpus(v, (int)sysconf(_SC_NPROCESSORS_ONLN), &q->nano_cpus, err) < 0)
    return -1;
  if ((v = opt_str(ci, r, "cpu-shares")) && run_parse_int("cpu-shares", v, &q->cpu_shares, err) < 0)
    return -1;
  if ((v = opt_str(ci, r, "blkio-weight"))) {
    if (run_parse_int("blkio-weight", v, &q->blkio_weight, err) < 0)
      return -1;
    if (q->blkio_weight < 0 || q->blkio_weight > 65535)
      return err_set(err, 0,
                     "invalid argument \"%s\" for \"--blkio-weight\" flag: strconv.ParseUint: "
                     "parsing \"%s\": value out of range",
                     v, v);
  }
  if ((v = opt_str(ci, r, "cpu-quota")) && run_parse_int("cpu-quota", v, &q->cpu_quota, err) < 0)
    return -1;
  if ((v = opt_str(ci, r, "cpu-period")) && run_parse_int("cpu-period", v, &q->cpu_period, err) < 0)
    return -1;
  int ncpu = (int)sysconf(_SC_NPROCESSORS_CONF);
  if ((q->cpuset_cpus = opt_str(ci, r, "cpuset-cpus")) &&
      eng_parse_cpuset(q->cpuset_cpus, ncpu, err) < 0)
    return err_prefix(err, "invalid argument \"%s\" for \"--cpuset-cpus\" flag", q->cpuset_cpus);
  if ((q->cpuset_mems = opt_str(ci, r, "cpuset-mems")) &&
      eng_parse_cpuset(q->cpuset_mems, 0, err) < 0)
    return err_prefix(err, "invalid argument \"%s\" for \"--cpuset-mems\" flag", q->cpuset_mems);
  if ((v = opt_str(ci, r, "pids-limit"))) {
    if (run_parse_int("pids-limit", v, &q->pids_limit, err) < 0)
      return -1;
    q->has_pids_limit = true;
  }
  q->oom_kill_disable = opt_bool(ci, r, "oom-kill-disable");
  return 0;
}

/* issue 16's resource flags (docs/cgroups.md): docker's client-side checks and messages. */
int run_parse_resources16(const struct cmd_info *ci, const struct opt_result *r,
                          struct eng_run_req *q, struct run_store *s, struct td_err **err)
{
  const char *v;
  if ((v = opt_str(ci, r, "oom-score-adj")) &&
      run_parse_int("oom-score-adj", v, &q->oom_score_adj, err) < 0)
    return -1;
  if ((v = opt_str(ci, r, "memory-swappiness"))) {
    if (run_parse_int("memory-swappiness", v, &q->memory_swappiness, err) < 0)
      return -1;
    if (q->memory_swappiness != -1 && (q->memory_swappiness < 0 || q->memory_swappiness > 100))
      return err_set(err, 0,
                     "invalid value: %s. Valid memory swappiness range is 0-100.\nSee "
                     "'tinydocker %s --help'.",
                     v, ci->name);
    q->has_memory_swappiness = q->memory_swappiness != -1; /* -1: docker's "unset" */
  }
  if (size_opt(ci, r, "kernel-memory", &q->kernel_memory, err) < 0)
    return -1;
  if ((v = opt_str(ci, r, "cpu-rt-period")) &&
      run_parse_int("cpu-rt-period", v, &q->cpu_rt_period, err) < 0)
    return -1;
  if ((v = opt_str(ci, r, "cpu-rt-runtime")) &&
      run_parse_int("cpu-rt-runtime", v, &q->cpu_rt_runtime, err) < 0)
    return -1;
  q->cgroup_parent = opt_str(ci, r, "cgroup-parent");
  q->device_cgroup_rules = opt_list(ci, r, "device-cgroup-rule");
  for (char **d = q->device_cgroup_rules; d && *d; d++) {
    struct eng_dev_rule rule;
    if (eng_parse_dev_rule(*d, &rule, err) < 0)
      return err_prefix(err, "invalid argument \"%s\" for \"--device-cgroup-rule\" flag", *d);
  }
  static const struct {
    const char *flag;
    enum eng_blkio_kind kind;
    size_t off;
  } lists[] = {
      {"device-read-bps", BLKIO_BPS, offsetof(struct eng_run_req, read_bps)},
      {"device-write-bps", BLKIO_BPS, offsetof(struct eng_run_req, write_bps)},
      {"device-read-iops", BLKIO_IOPS, offsetof(struct eng_run_req, read_iops)},
      {"device-write-iops", BLKIO_IOPS, offsetof(struct eng_run_req, write_iops)},
      {"blkio-weight-device", BLKIO_WEIGHT, offsetof(struct eng_run_req, weight_device)},
  };
  for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
    struct eng_blkio_list *l = (struct eng_blkio_list *)((char *)q + lists[i].off);
    char **vals = opt_list(ci, r, lists[i].flag);
    s->blkio[i] = l;
    l->v = xcalloc(strv_len(vals) + 1, sizeof(*l->v));
    for (char **d = vals; d && *d; d++) {
      if (eng_parse_blkio_dev(*d, lists[i].kind, &l->v[l->n], err) < 0)
        return err_prefix(err, "invalid argument \"%s\" for \"--%s\" flag", *d, lists[i].flag);
      l->n++;
    }
  }
  q->storage_opts = opt_list(ci, r, "storage-opt");
  for (char **o = q->storage_opts; o && *o; o++)
    if (strchr(*o, '=') == NULL)
      return err_set(err, 0, "invalid storage option.\nSee 'tinydocker %s --help'.", ci->name);
  return 0;
}
