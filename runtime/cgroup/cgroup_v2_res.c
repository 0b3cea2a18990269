/* cgroup v2: resources. The OCI values are v1-shaped; the conversions live in cgroup_conv.c. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/cgroup/cgroup_bpf.h"
#include "runtime/cgroup/cgroup_internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

/* A controller file that must be there: its absence means the controller is not enabled. */
static int need(struct cg_dir *d, const char *file, const char *ctl, struct td_err **err)
{
  if (cg_has(d, file))
    return 0;
  return err_set(err, ENOTSUP, "%s/%s is missing: the %s controller is not enabled there", d->dir,
                 file, ctl);
}

static int v2_memory(struct cg_dir *d, const struct spec_resources *res, struct td_err **err)
{
  const __typeof__(res->memory) *m = &res->memory;
  autofree char *swap = NULL;
  if (cg_swap_v2(m->has_swap, m->swap, m->has_limit, m->limit, &swap, err) < 0)
    return -1;
  if (!m->has_limit && !m->has_reservation && !swap)
    return 0; /* swappiness, disableOOMKiller and kernel limits have no v2 equivalent */
  if (need(d, "memory.max", "memory", err) < 0)
    return -1;
  /* swap first: memory.swap.max is independent of memory.max on v2, and a refused swap value
   * (no swap accounting) is then reported before the limit changes */
  if (swap && cg_has(d, "memory.swap.max") && cg_write(d, "memory.swap.max", swap, err) < 0)
    return -1;
  if (swap && strcmp(swap, "max") != 0 && strcmp(swap, "0") != 0 && !cg_has(d, "memory.swap.max"))
    return err_set(err, ENOTSUP, "%s/memory.swap.max is missing: no swap accounting", d->dir);
  uint64_t cur = 0;
  if (m->has_limit && m->limit > 0 && m->check_before_update &&
      cg_read_u64(d, "memory.current", &cur) && (uint64_t)m->limit < cur)
    return err_set(err, EBUSY,
                   "memory limit %" PRId64 " is below the current usage %" PRIu64
                   " of %s (checkBeforeUpdate)",
                   m->limit, cur, d->dir);
  if (m->has_limit) {
    autofree char *v = cg_limit_v2(m->limit);
    if (cg_write(d, "memory.max", v, err) < 0)
      return -1;
  }
  if (m->has_reservation) {
    autofree char *v = cg_limit_v2(m->reservation);
    if (cg_write(d, "memory.low", v, err) < 0)
      return -1;
  }
  return 0;
}

static int v2_cpu(struct cg_dir *d, const struct spec_resources *res, struct td_err **err)
{
  const __typeof__(res->cpu) *c = &res->cpu;
  if ((c->has_realtime_runtime && c->realtime_runtime) ||
      (c->has_realtime_period && c->realtime_period))
    return err_set(err, ENOTSUP,
                   "cpu.realtimeRuntime/realtimePeriod are not supported on "
                   "cgroup v2");
  if (!c->has_shares && !c->has_quota && !c->has_period && !c->has_idle && !c->has_burst)
    return 0;
  if (need(d, "cpu.max", "cpu", err) < 0)
    return -1;
  uint64_t w = c->has_shares ? cg_shares_to_weight(c->shares) : 0;
  if (w && cg_writef(d, "cpu.weight", err, "%" PRIu64, w) < 0)
    return -1;
  if (c->has_quota || (c->has_period && c->period)) {
    autofree char *old = cg_read(d, "cpu.max");
    autofree char *v = cg_cpu_max(c->has_quota, c->quota, c->has_period, c->period, old);
    if (cg_write(d, "cpu.max", v, err) < 0)
      return -1;
  }
  if (c->has_burst && cg_writef(d, "cpu.max.burst", err, "%" PRIu64, c->burst) < 0)
    return -1;
  if (c->has_idle && cg_writef(d, "cpu.idle", err, "%" PRId64, c->idle) < 0)
    return -1;
  return 0;
}

static int v2_cpuset(struct cg_dir *d, const struct spec_resources *res, struct td_err **err)
{
  int wanted = cg_cpuset_wanted(res, err);
  if (wanted <= 0)
    return wanted;
  if (need(d, "cpuset.cpus", "cpuset", err) < 0)
    return -1;
  return cg_cpuset_write(d, res, err);
}

static int v2_pids(struct cg_dir *d, const struct spec_resources *res, struct td_err **err)
{
  if (!res->pids.has_limit)
    return 0;
  if (need(d, "pids.max", "pids", err) < 0)
    return -1;
  autofree char *v = cg_pids_value(res->pids.limit);
  return cg_write(d, "pids.max", v, err);
}

static int io_max(struct cg_dir *d, const char *key, const struct spec_blkio_throttle *t, size_t n,
                  struct td_err **err)
{
  for (size_t i = 0; i < n; i++)
    if (cg_writef(d, "io.max", err, "%" PRId64 ":%" PRId64 " %s=%" PRIu64, t[i].major, t[i].minor,
                  key, t[i].rate) < 0)
      return -1;
  return 0;
}

static int v2_io(struct cg_dir *d, const struct spec_resources *res, struct td_err **err)
{
  const __typeof__(res->blkio) *b = &res->blkio;
  bool weights = (b->has_weight && b->weight) || b->n_weight_device;
  bool throttles = b->n_throttle_read_bps || b->n_throttle_write_bps || b->n_throttle_read_iops ||
                   b->n_throttle_write_iops;
  if (!weights && !throttles)
    return 0;
  /* BFQ takes the v1 weight range as is; io.weight wants it converted */
  bool bfq = cg_has(d, "io.bfq.weight");
  if (weights && !bfq && need(d, "io.weight", "io (weights)", err) < 0)
    return -1;
  const char *wf = bfq ? "io.bfq.weight" : "io.weight";
  if (b->has_weight && b->weight &&
      cg_writef(d, wf, err, "default %" PRIu64,
                bfq ? (uint64_t)b->weight : cg_blkio_to_io_weight(b->weight)) < 0)
    return -1;
  for (size_t i = 0; i < b->n_weight_device; i++) {
    const struct spec_blkio_weight_device *w = &b->weight_device[i];
    autoerr struct td_err *e = NULL;
    if (w->has_weight &&
        cg_writef(d, wf, &e, "%" PRId64 ":%" PRId64 " %" PRIu64, w->major, w->minor,
                  bfq ? (uint64_t)w->weight : cg_blkio_to_io_weight(w->weight)) < 0) {
      /* io.weight takes a device's weight only where the io cost controller is on for that
       * device (io.cost.qos); runc skips device weights without BFQ: we say so */
      if (bfq || e->errnum != EOPNOTSUPP) {
        *err = steal_ptr(e);
        return -1;
      }
      err_warn(&e,
               "weight of device %" PRId64 ":%" PRId64 " not applied (no BFQ scheduler and "
               "no io cost controller on the device)",
               w->major, w->minor);
    }
  }
  if (!throttles)
    return 0;
  if (need(d, "io.max", "io", err) < 0 ||
      io_max(d, "rbps", b->throttle_read_bps, b->n_throttle_read_bps, err) < 0 ||
      io_max(d, "wbps", b->throttle_write_bps, b->n_throttle_write_bps, err) < 0 ||
      io_max(d, "riops", b->throttle_read_iops, b->n_throttle_read_iops, err) < 0 ||
      io_max(d, "wiops", b->throttle_write_iops, b->n_throttle_write_iops, err) < 0)
    return -1;
  return 0;
}

int cg_v2_apply_hugetlb(struct cg_dir *d, const struct spec_resources *res, bool skip_missing,
                        struct td_err **err)
{
  for (size_t i = 0; i < res->n_hugepage_limits; i++) {
    const struct spec_hugepage_limit *h = &res->hugepage_limits[i];
    autofree char *f = xasprintf("hugetlb.%s.max", h->page_size);
    if (!cg_has(d, f)) {
      if (skip_missing)
        continue;
      return err_set(err, ENOTSUP, "%s/%s is missing: hugetlb not enabled or no %s pages", d->dir,
                     f, h->page_size);
    }
    if (cg_writef(d, f, err, "%" PRIu64, h->limit) < 0)
      return -1;
    /* the reservation counter too (5.7+), or reserved-but-unfaulted pages escape the limit */
    autofree char *rsvd = xasprintf("hugetlb.%s.rsvd.max", h->page_size);
    if (cg_has(d, rsvd) && cg_writef(d, rsvd, err, "%" PRIu64, h->limit) < 0)
      return -1;
  }
  return 0;
}

static int v2_unified(struct cg_dir *d, const struct spec_resources *res, struct td_err **err)
{
  for (size_t i = 0; i < res->n_unified; i++) {
    const struct spec_kv *kv = &res->unified[i];
    if (!cg_unified_key_ok(kv->key))
      return err_set(err, EINVAL, "linux.resources.unified: bad key '%s'", kv->key);
    if (!cg_has(d, kv->key)) {
      autofree char *ctl = xstrndup(kv->key, strcspn(kv->key, "."));
      return err_set(err, ENOTSUP,
                     "linux.resources.unified.%s: no such file in %s (controller %s not enabled?)",
                     kv->key, d->dir, ctl);
    }
    if (cg_write(d, kv->key, kv->value, err) < 0)
      return -1;
  }
  return 0;
}

int cg_v2_apply_dir(struct cg_dir *d, const struct spec_resources *res, struct td_err **err)
{
  if (v2_cpuset(d, res, err) < 0 || v2_memory(d, res, err) < 0 || v2_cpu(d, res, err) < 0 ||
      v2_pids(d, res, err) < 0 || v2_io(d, res, err) < 0 ||
      cg_v2_apply_hugetlb(d, res, false, err) < 0)
    return -1;
  if (res->n_devices && cg_bpf_devices_attach(d->fd, res->devices, res->n_devices, err) < 0)
    return err_prefix(err, "device rules on %s", d->dir);
  /* last, so that an explicit unified value wins over a converted one */
  return v2_unified(d, res, err);
}
