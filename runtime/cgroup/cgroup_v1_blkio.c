/* cgroup v1 blkio: weights (CFQ's blkio.weight or BFQ's blkio.bfq.weight) and throttles. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "runtime/cgroup/cgroup_internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

static bool blkio_wanted(const struct spec_resources *res)
{
  const __typeof__(res->blkio) *b = &res->blkio;
  return b->has_weight || b->has_leaf_weight || b->n_weight_device || b->n_throttle_read_bps ||
         b->n_throttle_write_bps || b->n_throttle_read_iops || b->n_throttle_write_iops;
}

/* The weight file of this kernel: CFQ's is gone since 5.0, BFQ's appears with BFQ loaded. */
static int weight_file(struct cg_dir *d, const char *cfq, const char *bfq, const char **out,
                       struct td_err **err)
{
  if (cg_has(d, cfq))
    *out = cfq;
  else if (bfq && cg_has(d, bfq))
    *out = bfq;
  else
    return err_set(err, ENOTSUP, "%s: no %s%s%s (no CFQ/BFQ I/O scheduler for weights)", d->dir,
                   cfq, bfq ? " or " : "", bfq ? bfq : "");
  return 0;
}

static int throttle(struct cg_dir *d, const char *file, const struct spec_blkio_throttle *t,
                    size_t n, struct td_err **err)
{
  for (size_t i = 0; i < n; i++)
    if (cg_writef(d, file, err, "%" PRId64 ":%" PRId64 " %" PRIu64, t[i].major, t[i].minor,
                  t[i].rate) < 0)
      return -1;
  return 0;
}

static int weights(struct cg_dir *d, const struct spec_resources *res, struct td_err **err)
{
  const __typeof__(res->blkio) *b = &res->blkio;
  const char *f;
  if (b->has_weight && b->weight) {
    if (weight_file(d, "blkio.weight", "blkio.bfq.weight", &f, err) < 0 ||
        cg_writef(d, f, err, "%u", (unsigned)b->weight) < 0)
      return -1;
  }
  /* leaf weights are CFQ's alone: with BFQ (as on v2) there is nothing to set them on */
  bool leaf = cg_has(d, "blkio.leaf_weight");
  if (leaf && b->has_leaf_weight && b->leaf_weight &&
      cg_writef(d, "blkio.leaf_weight", err, "%u", (unsigned)b->leaf_weight) < 0)
    return -1;
  for (size_t i = 0; i < b->n_weight_device; i++) {
    const struct spec_blkio_weight_device *w = &b->weight_device[i];
    if (w->has_weight &&
        (weight_file(d, "blkio.weight_device", "blkio.bfq.weight_device", &f, err) < 0 ||
         cg_writef(d, f, err, "%" PRId64 ":%" PRId64 " %u", w->major, w->minor,
                   (unsigned)w->weight) < 0))
      return -1;
    if (leaf && w->has_leaf_weight &&
        cg_writef(d, "blkio.leaf_weight_device", err, "%" PRId64 ":%" PRId64 " %u", w->major,
                  w->minor, (unsigned)w->leaf_weight) < 0)
      return -1;
  }
  return 0;
}

int cg_v1_apply_blkio(struct cgroup *cg, const struct spec_resources *res, struct td_err **err)
{
  if (!blkio_wanted(res))
    return 0;
  struct cg_dir *d = cg_v1_dir(cg, CG_BLKIO);
  if (!d || d->fd < 0)
    return err_set(err, ENOTSUP, "the blkio controller is not mounted (cgroup v1)");
  const __typeof__(res->blkio) *b = &res->blkio;
  if (weights(d, res, err) < 0 ||
      throttle(d, "blkio.throttle.read_bps_device", b->throttle_read_bps, b->n_throttle_read_bps,
               err) < 0 ||
      throttle(d, "blkio.throttle.write_bps_device", b->throttle_write_bps, b->n_throttle_write_bps,
               err) < 0 ||
      throttle(d, "blkio.throttle.read_iops_device", b->throttle_read_iops, b->n_throttle_read_iops,
               err) < 0 ||
      throttle(d, "blkio.throttle.write_iops_device", b->throttle_write_iops,
               b->n_throttle_write_iops, err) < 0)
    return -1;
  return 0;
}
