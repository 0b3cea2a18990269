/* cgroup v1: resources (spec -> controller files) and usage counters. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/cgroup/cgroup_internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

/* The directory of controller c, or an error if it is needed but not mounted. */
static struct cg_dir *need(struct cgroup *cg, enum cg_ctl c, struct td_err **err)
{
  struct cg_dir *d = cg_v1_dir(cg, c);
  if (!d || d->fd < 0) {
    err_set(err, ENOTSUP, "the %s controller is not mounted (cgroup v1)", cg_ctl_name(c));
    return NULL;
  }
  return d;
}

static int mem_limits(struct cg_dir *d, const struct spec_resources *res, struct td_err **err)
{
  bool memsw = res->memory.has_swap && cg_has(d, "memory.memsw.limit_in_bytes");
  if (!memsw) {
    if (res->memory.has_limit)
      return cg_writef(d, "memory.limit_in_bytes", err, "%" PRId64, res->memory.limit);
    return 0;
  }
  /* memsw must stay >= limit at every step: try limit first, and the other order on EINVAL */
  autofree char *lim = res->memory.has_limit ? xasprintf("%" PRId64, res->memory.limit) : NULL;
  autofree char *sw = xasprintf("%" PRId64, res->memory.swap);
  autoerr struct td_err *e1 = NULL;
  if ((!lim || cg_write(d, "memory.limit_in_bytes", lim, &e1) == 0) &&
      cg_write(d, "memory.memsw.limit_in_bytes", sw, &e1) == 0)
    return 0;
  if (cg_write(d, "memory.memsw.limit_in_bytes", sw, err) < 0)
    return -1;
  if (lim && cg_write(d, "memory.limit_in_bytes", lim, err) < 0)
    return -1;
  return 0;
}

static int apply_memory(struct cgroup *cg, const struct spec_resources *res, struct td_err **err)
{
  const __typeof__(res->memory) *m = &res->memory;
  bool tcp = m->has_kernel_tcp && m->kernel_tcp != 0;
  if (!m->has_limit && !m->has_reservation && !m->has_swap && !m->has_swappiness &&
      !m->disable_oom_killer && !tcp)
    return 0; /* kernel is ignored: recent kernels accept memory.kmem.limit_in_bytes and drop it */
  struct cg_dir *d = need(cg, CG_MEMORY, err);
  if (!d)
    return -1;
  if (mem_limits(d, res, err) < 0)
    return -1;
  if (m->has_reservation &&
      cg_writef(d, "memory.soft_limit_in_bytes", err, "%" PRId64, m->reservation) < 0)
    return -1;
  if (m->has_swappiness) {
    if (m->swappiness > 100)
      return err_set(err, EINVAL, "memory.swappiness %" PRIu64 " is above 100", m->swappiness);
    if (cg_writef(d, "memory.swappiness", err, "%" PRIu64, m->swappiness) < 0)
      return -1;
  }
  if (m->disable_oom_killer && cg_write(d, "memory.oom_control", "1", err) < 0)
    return -1;
  /* kernelTCP still works on v1 (deprecated); where the file is gone there is nothing to set */
  if (tcp && cg_has(d, "memory.kmem.tcp.limit_in_bytes") &&
      cg_writef(d, "memory.kmem.tcp.limit_in_bytes", err, "%" PRId64, m->kernel_tcp) < 0)
    return -1;
  return 0;
}

static int apply_cpu(struct cgroup *cg, const struct spec_resources *res, struct td_err **err)
{
  const __typeof__(res->cpu) *c = &res->cpu;
  if (!c->has_shares && !c->has_quota && !c->has_period && !c->has_realtime_period &&
      !c->has_realtime_runtime && !c->has_idle && !c->has_burst)
    return 0;
  struct cg_dir *d = need(cg, CG_CPU, err);
  if (!d)
    return -1;
  if (c->has_shares && c->shares && cg_writef(d, "cpu.shares", err, "%" PRIu64, c->shares) < 0)
    return -1;
  if (c->has_period && c->period &&
      cg_writef(d, "cpu.cfs_period_us", err, "%" PRIu64, c->period) < 0)
    return -1;
  if (c->has_quota && cg_writef(d, "cpu.cfs_quota_us", err, "%" PRId64, c->quota) < 0)
    return -1;
  if (c->has_burst && cg_writef(d, "cpu.cfs_burst_us", err, "%" PRIu64, c->burst) < 0)
    return -1;
  /* the runtime must fit in the period: the period goes first */
  if (c->has_realtime_period && c->realtime_period &&
      cg_writef(d, "cpu.rt_period_us", err, "%" PRIu64, c->realtime_period) < 0)
    return -1;
  if (c->has_realtime_runtime &&
      cg_writef(d, "cpu.rt_runtime_us", err, "%" PRId64, c->realtime_runtime) < 0)
    return -1;
  if (c->has_idle && cg_writef(d, "cpu.idle", err, "%" PRId64, c->idle) < 0)
    return -1;
  return 0;
}

static int apply_cpuset(struct cgroup *cg, const struct spec_resources *res, struct td_err **err)
{
  int wanted = cg_cpuset_wanted(res, err);
  if (wanted <= 0)
    return wanted;
  struct cg_dir *d = need(cg, CG_CPUSET, err);
  return d ? cg_cpuset_write(d, res, err) : -1;
}

static int apply_pids(struct cgroup *cg, const struct spec_resources *res, struct td_err **err)
{
  if (!res->pids.has_limit)
    return 0;
  struct cg_dir *d = need(cg, CG_PIDS, err);
  if (!d)
    return -1;
  autofree char *v = cg_pids_value(res->pids.limit);
  return cg_write(d, "pids.max", v, err);
}

/* Major/minor as the cgroup files print them; -1 is the wildcard. */
static char *devnum(int64_t v)
{
  return v < 0 ? xstrdup("*") : xasprintf("%" PRId64, v);
}

/* a before b in devices.list: by type ('b' before 'c'), major, minor, the wildcard first */
static bool dev_before(const struct spec_device_rule *a, const struct spec_device_rule *b)
{
  if (a->type != b->type)
    return a->type < b->type;
  if (a->major != b->major)
    return a->major < b->major;
  return a->minor < b->minor;
}

/* The order the rules are written in: as given, except that after a first "deny all" a list of
 * allows only (the usual shape: docker's defaults, then the user's devices) is sorted, so
 * devices.list reads as runc leaves it (its rules are a set there; the order means nothing to
 * the kernel then). A deny among them keeps the given order: there it matters. */
static void devices_order(const struct spec_resources *res, size_t *idx)
{
  size_t n = res->n_devices;
  bool sortable = n > 1 && !res->devices[0].allow && res->devices[0].type == 'a';
  for (size_t i = 0; i < n; i++) {
    idx[i] = i;
    if (i > 0 && !res->devices[i].allow)
      sortable = false;
  }
  if (!sortable)
    return;
  for (size_t i = 2; i < n; i++) /* a stable insertion sort of 1..n-1 */
    for (size_t j = i; j > 1 && dev_before(&res->devices[idx[j]], &res->devices[idx[j - 1]]); j--) {
      size_t t = idx[j];
      idx[j] = idx[j - 1];
      idx[j - 1] = t;
    }
}

static int apply_devices(struct cgroup *cg, const struct spec_resources *res, struct td_err **err)
{
  if (res->n_devices == 0)
    return 0;
  struct cg_dir *d = need(cg, CG_DEVICES, err);
  if (!d)
    return -1;
  autofree size_t *idx = xcalloc(res->n_devices, sizeof(*idx));
  devices_order(res, idx);
  /* one open per file for the whole list (~20 rules for the default set): the kernel takes
   * one rule per write() on the same fd, in order */
  autoclose int allow = -1;
  autoclose int deny = -1;
  for (size_t i = 0; i < res->n_devices; i++) {
    const struct spec_device_rule *r = &res->devices[idx[i]];
    if (r->type == 'p')
      continue; /* a fifo from linux.devices: not device-controlled */
    autofree char *maj = devnum(r->major), *min = devnum(r->minor);
    const char *acc = r->access[0] ? r->access : "rwm";
    autofree char *line = r->type == 'a' ? xasprintf("a *:* %s", acc)
                                         : xasprintf("%c %s:%s %s", r->type, maj, min, acc);
    if (cg_write_keep(d, r->allow ? "devices.allow" : "devices.deny", r->allow ? &allow : &deny,
                      line, err) < 0)
      return -1;
  }
  return 0;
}

static int apply_net(struct cgroup *cg, const struct spec_resources *res, struct td_err **err)
{
  /* Most hosts no longer mount these controllers. A limit that cannot be applied is an
   * error (runtime-spec), as runc refuses it, rather than a container without it. */
  struct cg_dir *cls = cg_v1_dir(cg, CG_NET_CLS), *prio = cg_v1_dir(cg, CG_NET_PRIO);
  if (res->network.has_class_id && !(cls && cls->fd >= 0))
    return err_set(err, ENODEV,
                   "linux.resources.network.classID: the net_cls controller is "
                   "not mounted on this host");
  if (res->network.n_priorities > 0 && !(prio && prio->fd >= 0))
    return err_set(err, ENODEV,
                   "linux.resources.network.priorities: the net_prio controller "
                   "is not mounted on this host");
  if (res->network.has_class_id &&
      cg_writef(cls, "net_cls.classid", err, "%" PRIu32, res->network.class_id) < 0)
    return -1;
  for (size_t i = 0; i < res->network.n_priorities; i++) {
    const struct spec_net_priority *p = &res->network.priorities[i];
    if (cg_writef(prio, "net_prio.ifpriomap", err, "%s %" PRIu32, p->name, p->priority) < 0)
      return -1;
  }
  return 0;
}

static int apply_hugetlb(struct cgroup *cg, const struct spec_resources *res, struct td_err **err)
{
  if (res->n_hugepage_limits == 0)
    return 0;
  struct cg_dir *d = cg_v1_dir(cg, CG_HUGETLB);
  if (d && d->fd >= 0) {
    for (size_t i = 0; i < res->n_hugepage_limits; i++) {
      const struct spec_hugepage_limit *h = &res->hugepage_limits[i];
      autofree char *f = xasprintf("hugetlb.%s.limit_in_bytes", h->page_size);
      if (cg_writef(d, f, err, "%" PRIu64, h->limit) < 0)
        return -1;
      autofree char *rsvd = xasprintf("hugetlb.%s.rsvd.limit_in_bytes", h->page_size);
      if (cg_has(d, rsvd) && cg_writef(d, rsvd, err, "%" PRIu64, h->limit) < 0)
        return -1;
    }
    return 0;
  }
  /* a hybrid host may hold hugetlb in its cgroup2 mount; skipped where it is not enabled */
  if (cg->mode == CGROUP_MODE_HYBRID && cg->v2.present && cg->v2.fd >= 0)
    return cg_v2_apply_hugetlb(&cg->v2, res, true, err);
  return 0;
}

static int apply_unified(struct cgroup *cg, const struct spec_resources *res, struct td_err **err)
{
  if (res->n_unified == 0)
    return 0;
  if (cg->mode != CGROUP_MODE_HYBRID || !cg->v2.present || cg->v2.fd < 0)
    return err_set(err, ENOTSUP, "linux.resources.unified needs cgroup v2 (this host is %s)",
                   cgroup_mode_name(cg->mode));
  for (size_t i = 0; i < res->n_unified; i++) {
    const struct spec_kv *kv = &res->unified[i];
    if (!cg_unified_key_ok(kv->key))
      return err_set(err, EINVAL, "linux.resources.unified: bad key '%s'", kv->key);
    if (!cg_has(&cg->v2, kv->key))
      return err_set(err, ENOTSUP,
                     "linux.resources.unified.%s: no such file in %s (hybrid host: only the "
                     "controllers of the cgroup2 mount are there)",
                     kv->key, cg->v2.dir);
    if (cg_write(&cg->v2, kv->key, kv->value, err) < 0)
      return -1;
  }
  return 0;
}

int cg_v1_apply(struct cgroup *cg, const struct spec_resources *res, struct td_err **err)
{
  if (apply_cpuset(cg, res, err) < 0 || apply_memory(cg, res, err) < 0 ||
      apply_cpu(cg, res, err) < 0 || apply_pids(cg, res, err) < 0 ||
      cg_v1_apply_blkio(cg, res, err) < 0 || apply_devices(cg, res, err) < 0 ||
      apply_net(cg, res, err) < 0 || apply_hugetlb(cg, res, err) < 0 ||
      apply_unified(cg, res, err) < 0)
    return -1;
  return 0;
}
