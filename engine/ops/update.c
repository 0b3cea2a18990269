/* `update`: new resource limits and restart policy for a container, docker's rules. The live
 * cgroup gets them through the runtime (rt_update: the cgroup recorded in the runtime's own
 * state, nothing else), the bundle's config.json keeps them for the next start, the record's
 * HostConfig shows them in inspect. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "engine/container/container.h"
#include "engine/ops/ops.h"
#include "runtime/cgroup/cgroup.h"
#include "runtime/core/runtime.h"
#include "runtime/spec/spec.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/lock.h"
#include "util/xalloc.h"

#define MIN_MEMORY (6LL << 20) /* docker's linuxMinMemory */

/* docker's verifyPlatformContainerResources for an update (its message as is); a blkio
 * weight on a host without one is discarded with docker's warning. */
static int verify(struct eng_update_req *q, json_t *hc, struct td_err **err)
{
  if (q->blkio_weight > 0) {
    struct cgroup_support s;
    cgroup_support_probe(ENG_CGROUP_PARENT, &s);
    if (!s.blkio_weight) {
      fprintf(stderr, "Your kernel does not support Block I/O weight or the cgroup is not "
                      "mounted. Weight discarded.\n");
      q->blkio_weight = 0;
    }
  }
  /* issue 16: --kernel-memory is recorded only (runc no longer applies it; the CLI prints
   * docker's deprecation warning after the name); the real-time values are recorded and kept
   * in the bundle for the next start (docker 20.10's update does not change them live) */
  if (q->kernel_memory > 0 && q->kernel_memory < MIN_MEMORY)
    return err_set(err, 0, "Minimum kernel memory limit allowed is 6MB");
  if (q->nano_cpus > 0 && (q->cpu_period > 0 || q->cpu_quota > 0))
    return err_set(err, 0, "Conflicting options: Nano CPUs and CPU Period cannot both be set");
  if (q->memory != 0 && q->memory < MIN_MEMORY)
    return err_set(err, 0, "Minimum memory limit allowed is 6MB");
  int64_t mem = q->memory ? q->memory : json_integer_value(json_object_get(hc, "Memory"));
  if (q->memory_swap > 0 && mem > 0 && q->memory_swap < mem)
    return err_set(err, 0,
                   "Minimum memoryswap limit should be larger than memory limit, see usage");
  if (q->memory_swap > 0 && mem == 0)
    return err_set(err, 0,
                   "You should always set the Memory limit when using Memoryswap limit, see "
                   "usage");
  int64_t resv = q->memory_reservation
                     ? q->memory_reservation
                     : json_integer_value(json_object_get(hc, "MemoryReservation"));
  if (q->memory_reservation != 0 && q->memory_reservation < MIN_MEMORY)
    return err_set(err, 0, "Minimum memory reservation allowed is 6MB");
  if (mem > 0 && resv > 0 && mem < resv)
    return err_set(err, 0,
                   "Minimum memory limit can not be less than memory reservation limit, see "
                   "usage");
  if (q->blkio_weight != 0 && (q->blkio_weight < 10 || q->blkio_weight > 1000))
    return err_set(err, 0, "Range of blkio weight is from 10 to 1000");
  if (q->cpu_period != 0 && (q->cpu_period < 1000 || q->cpu_period > 1000000))
    return err_set(err, 0,
                   "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s "
                   "(i.e. 1000000)");
  if (q->cpu_quota > 0 && q->cpu_quota < 1000)
    return err_set(err, 0, "CPU cfs quota can not be less than 1ms (i.e. 1000)");
  return 0;
}

/* docker's conflictingUpdateOptions, against the values the container has now (HostConfig):
 * its message comes as "Cannot update container ID: ...". */
static int conflicts(const struct eng_update_req *q, json_t *hc, bool auto_remove,
                     struct td_err **err)
{
  int64_t nano = json_integer_value(json_object_get(hc, "NanoCpus"));
  int64_t period = json_integer_value(json_object_get(hc, "CpuPeriod"));
  int64_t quota = json_integer_value(json_object_get(hc, "CpuQuota"));
  int64_t swap = json_integer_value(json_object_get(hc, "MemorySwap"));
  /* NanoCpus sets the period and quota: once one is there the other is refused */
  if (q->nano_cpus > 0 && period > 0 && nano == 0)
    return err_set(err, 0,
                   "Conflicting options: Nano CPUs cannot be updated as CPU Period has already "
                   "been set");
  if (q->nano_cpus > 0 && quota > 0 && nano == 0)
    return err_set(err, 0,
                   "Conflicting options: Nano CPUs cannot be updated as CPU Quota has already "
                   "been set");
  if (q->cpu_period > 0 && nano > 0)
    return err_set(err, 0,
                   "Conflicting options: CPU Period cannot be updated as NanoCPUs has already "
                   "been set");
  if (q->cpu_quota > 0 && nano > 0)
    return err_set(err, 0,
                   "Conflicting options: CPU Quota cannot be updated as NanoCPUs has already "
                   "been set");
  if (q->memory != 0 && q->memory > swap && q->memory_swap == 0)
    return err_set(err, 0,
                   "Memory limit should be smaller than already set memoryswap limit, update "
                   "the memoryswap at the same time");
  if (q->restart && auto_remove && q->restart->mode != RESTART_NO)
    return err_set(err, 0,
                   "Restart policy cannot be updated because AutoRemove is enabled for the "
                   "container");
  return 0;
}

static json_t *section(json_t *o, const char *key)
{
  json_t *s = json_object_get(o, key);
  if (!json_is_object(s)) {
    s = json_object();
    json_object_set_new(o, key, s);
  }
  return s;
}

/* The OCI resources this update changes (only what was asked, as docker hands runc). */
static json_t *oci_delta(const struct eng_update_req *q, int64_t swap_now)
{
  json_t *r = json_object();
  if (q->memory) {
    json_object_set_new(section(r, "memory"), "limit", json_integer(q->memory));
    json_object_set_new(section(r, "memory"), "checkBeforeUpdate", json_true());
    /* the swap limit stays what it is unless given; the runtime orders the writes */
    if (q->memory_swap == 0 && swap_now != 0)
      json_object_set_new(section(r, "memory"), "swap", json_integer(swap_now));
  }
  if (q->memory_swap)
    json_object_set_new(section(r, "memory"), "swap", json_integer(q->memory_swap));
  if (q->memory_reservation)
    json_object_set_new(section(r, "memory"), "reservation", json_integer(q->memory_reservation));
  if (q->cpu_shares)
    json_object_set_new(section(r, "cpu"), "shares", json_integer(q->cpu_shares));
  if (q->nano_cpus) {
    json_object_set_new(section(r, "cpu"), "period", json_integer(100000));
    json_object_set_new(section(r, "cpu"), "quota",
                        json_integer(eng_cpus_quota(q->nano_cpus, 100000)));
  }
  if (q->cpu_period)
    json_object_set_new(section(r, "cpu"), "period", json_integer(q->cpu_period));
  if (q->cpu_quota)
    json_object_set_new(section(r, "cpu"), "quota", json_integer(q->cpu_quota));
  if (q->cpuset_cpus)
    json_object_set_new(section(r, "cpu"), "cpus", json_string(q->cpuset_cpus));
  if (q->cpuset_mems)
    json_object_set_new(section(r, "cpu"), "mems", json_string(q->cpuset_mems));
  if (q->blkio_weight)
    json_object_set_new(section(r, "blockIO"), "weight", json_integer(q->blkio_weight));
  if (q->has_pids_limit)
    json_object_set_new(section(r, "pids"), "limit",
                        json_integer(q->pids_limit > 0 ? q->pids_limit : -1));
  return r;
}

/* Merge the delta into config.json's linux.resources, for the next start. */
static int save_bundle(const char *dir, json_t *delta, struct td_err **err)
{
  autofree char *path = xasprintf("%s/config.json", dir);
  autojson json_t *spec = NULL;
  if (file_read_json(AT_FDCWD, path, &spec, err) < 0)
    return -1;
  json_t *res = section(section(spec, "linux"), "resources");
  const char *k;
  json_t *v;
  json_object_foreach (delta, k, v) {
    json_t *dst = section(res, k);
    json_object_update(dst, v);
  }
  return store_write_json(path, spec, 0600, err);
}

/* The delta applied to the running container's cgroup (through the spec parser, as tinyrun's
 * update does, so the same validation applies). */
static int apply_live(const struct eng_ctx *ctx, const char *id, json_t *delta, struct td_err **err)
{
  autojson json_t *doc = json_pack("{s:s, s:{s:s}, s:{s:O}}", "ociVersion", "1.2.0", "root", "path",
                                   "rootfs", "linux", "resources", delta);
  spec_autofree struct spec *s = NULL;
  if (doc == NULL)
    return err_set(err, 0, "resources");
  if (spec_from_json(doc, &s, err) < 0)
    return -1;
  if (s->linux_.resources == NULL)
    return 0;
  struct rt_ctx rt;
  eng_rt_ctx(ctx, &rt);
  return rt_update(&rt, id, s->linux_.resources, err);
}

static void hc_set(json_t *hc, const char *key, int64_t v)
{
  json_object_set_new(hc, key, json_integer(v));
}

/* The record's HostConfig after the update (docker: a zero leaves a value as it is). */
static void save_record(struct ctr_record *rec, const struct eng_update_req *q)
{
  /* the limits: HostConfig keys the engine does not model, kept in the record's document */
  json_t *hc = json_object_get(rec->doc, "HostConfig");
  if (q->blkio_weight)
    hc_set(hc, "BlkioWeight", q->blkio_weight);
  if (q->cpu_shares)
    hc_set(hc, "CpuShares", q->cpu_shares);
  if (q->nano_cpus)
    hc_set(hc, "NanoCpus", q->nano_cpus);
  if (q->cpu_period)
    hc_set(hc, "CpuPeriod", q->cpu_period);
  if (q->cpu_quota)
    hc_set(hc, "CpuQuota", q->cpu_quota);
  if (q->cpuset_cpus)
    json_object_set_new(hc, "CpusetCpus", json_string(q->cpuset_cpus));
  if (q->cpuset_mems)
    json_object_set_new(hc, "CpusetMems", json_string(q->cpuset_mems));
  if (q->memory)
    hc_set(hc, "Memory", q->memory);
  if (q->memory_swap)
    hc_set(hc, "MemorySwap", q->memory_swap);
  if (q->memory_reservation)
    hc_set(hc, "MemoryReservation", q->memory_reservation);
  if (q->has_pids_limit)
    json_object_set_new(hc, "PidsLimit", json_integer(q->pids_limit));
  if (q->kernel_memory)
    hc_set(hc, "KernelMemory", q->kernel_memory);
  if (q->cpu_rt_period)
    hc_set(hc, "CpuRealtimePeriod", q->cpu_rt_period);
  if (q->cpu_rt_runtime)
    hc_set(hc, "CpuRealtimeRuntime", q->cpu_rt_runtime);
  if (q->restart) {
    free(rec->host.restart_policy);
    rec->host.restart_policy = xstrdup(eng_restart_name(q->restart->mode));
    rec->host.restart_max = q->restart->max_retries;
  }
}

static bool is_live(const struct ctr_record *rec)
{
  const char *st = rec->state.status;
  /* a restarting one has no cgroup now: its next start reads the bundle */
  return st && (strcmp(st, "running") == 0 || strcmp(st, "paused") == 0);
}

int eng_update(struct eng_ctx *ctx, const char *id, const struct eng_update_req *q,
               struct td_err **err)
{
  int lk = store_lock(ctx, id, err);
  if (lk < 0)
    return -1;
  autorecord struct ctr_record *rec = NULL;
  autojson json_t *delta = NULL;
  autofree char *dir = store_dir(ctx, id);
  int rc = -1;
  if (eng_load_refreshed(ctx, id, &rec, err) < 0)
    goto out;
  json_t *hc = json_object_get(rec->doc, "HostConfig");
  struct eng_update_req q2 = *q;
  q = &q2;
  if (verify(&q2, hc, err) < 0)
    goto out;
  if (conflicts(q, hc, rec->host.auto_remove, err) < 0)
    goto fail;
  delta = oci_delta(q, json_integer_value(json_object_get(hc, "MemorySwap")));
  if (json_object_size(delta) && is_live(rec) && apply_live(ctx, id, delta, err) < 0)
    goto fail;
  if (q->cpu_rt_period || q->cpu_rt_runtime) { /* the next start's, not the live cgroup's */
    if (q->cpu_rt_period)
      json_object_set_new(section(delta, "cpu"), "realtimePeriod", json_integer(q->cpu_rt_period));
    if (q->cpu_rt_runtime)
      json_object_set_new(section(delta, "cpu"), "realtimeRuntime",
                          json_integer(q->cpu_rt_runtime));
  }
  if (json_object_size(delta) && save_bundle(dir, delta, err) < 0)
    goto fail;
  save_record(rec, q);
  rc = record_save(ctx, id, rec, err);
  if (rc == 0)
    eng_event(ctx, id, rec, "update", NULL);
  goto out;
fail:
  err_prefix(err, "Cannot update container %s", id);
out:
  lock_release(lk);
  return rc;
}
