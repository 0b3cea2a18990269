/* Pure conversions between the OCI resource values and what the cgroup files take. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/cgroup/cgroup_internal.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

/* ln(m) for m in [1, 2): 2 atanh((m-1)/(m+1)), a series that converges fast there. Kept
 * here so that the hot path does not link libm for one conversion. */
static double ln_1_2(double m)
{
  double z = (m - 1) / (m + 1), z2 = z * z, term = z, sum = 0;
  for (int k = 1; k < 60; k += 2) {
    sum += term / k;
    term *= z2;
  }
  return 2 * sum;
}

static double log2_u64(uint64_t v)
{
  int e = 63 - __builtin_clzll(v);
  double m = (double)v / (double)(1ULL << e);
  return e + ln_1_2(m) / 0.69314718055994530942;
}

/* 10^y for y in [0, 4]: an integer power times exp(frac * ln 10) by its Taylor series. */
static double exp10_0_4(double y)
{
  int ip = (int)y;
  double x = (y - ip) * 2.30258509299404568402, term = 1, sum = 1;
  for (int k = 1; k < 40; k++) {
    term *= x / k;
    sum += term;
  }
  for (int i = 0; i < ip; i++)
    sum *= 10;
  return sum;
}

uint64_t cg_shares_to_weight(uint64_t shares)
{
  if (shares == 0)
    return 0;
  if (shares < 2)
    shares = 2;
  if (shares > 262144)
    shares = 262144;
  /* The mapping of current runc and crun (and Kubernetes): a curve through (2, 1),
   * (1024, 100) and (262144, 10000), so that the v1 default stays the v2 default (the older
   * linear map gave 1024 -> 39). weight = ceil(10^((L^2 + 125 L) / 612 - 7/34)), L = log2. */
  double l = log2_u64(shares);
  double y = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
  if (y < 0)
    y = 0;
  double w = exp10_0_4(y);
  /* tolerate rounding at the exact points (1024 -> 100.0000000001 is 100) */
  uint64_t r = (uint64_t)(w - 1e-9);
  if ((double)r < w - 1e-9)
    r++;
  return r < 1 ? 1 : r > 10000 ? 10000 : r;
}

uint64_t cg_blkio_to_io_weight(uint64_t weight)
{
  if (weight == 0)
    return 0;
  if (weight < 10)
    weight = 10;
  if (weight > 1000)
    weight = 1000;
  return 1 + ((weight - 10) * 9999) / 990;
}

int cg_swap_v2(bool has_swap, int64_t swap, bool has_limit, int64_t limit, char **out,
               struct td_err **err)
{
  *out = NULL;
  /* an unlimited memory with no swap given means unlimited swap too, as on v1 */
  if ((!has_swap || swap == 0) && has_limit && limit == -1) {
    *out = xstrdup("max");
    return 0;
  }
  if (!has_swap || swap == 0)
    return 0;
  if (swap == -1) {
    *out = xstrdup("max");
    return 0;
  }
  if (swap < 0)
    return err_set(err, EINVAL, "memory.swap %" PRId64 " is invalid", swap);
  if (!has_limit || limit <= 0)
    return err_set(err, EINVAL, "memory.swap %" PRId64 " needs a memory limit", swap);
  if (swap < limit)
    return err_set(err, EINVAL,
                   "memory.swap %" PRId64 " (memory+swap) is below memory.limit %" PRId64, swap,
                   limit);
  *out = xasprintf("%" PRId64, swap - limit);
  return 0;
}

static bool parse_num(const char **p, unsigned long *v)
{
  if (!isdigit((unsigned char)**p))
    return false;
  char *end;
  errno = 0;
  *v = strtoul(*p, &end, 10);
  if (errno || *v > 65535)
    return false;
  *p = end;
  return true;
}

int cg_cpuset_validate(const char *what, const char *list, struct td_err **err)
{
  const char *p = list;
  /* an empty list is valid: it means "inherit" to the callers, who skip writing it */
  while (*p) {
    unsigned long a, b;
    if (!parse_num(&p, &a))
      return err_set(err, EINVAL, "invalid %s '%s': expected a number at '%s'", what, list, p);
    b = a;
    if (*p == '-') {
      p++;
      if (!parse_num(&p, &b))
        return err_set(err, EINVAL, "invalid %s '%s': bad range end at '%s'", what, list, p);
      if (b < a)
        return err_set(err, EINVAL, "invalid %s '%s': range %lu-%lu is reversed", what, list, a, b);
    }
    if (*p == ',') {
      p++;
      if (!*p)
        return err_set(err, EINVAL, "invalid %s '%s': trailing ','", what, list);
    } else if (*p && *p != '\n') {
      return err_set(err, EINVAL, "invalid %s '%s': unexpected '%c'", what, list, *p);
    } else if (*p == '\n') {
      p++;
    }
  }
  return 0;
}

char *cg_cpu_max(bool has_quota, int64_t quota, bool has_period, uint64_t period, const char *old)
{
  char oq[32] = "max";
  unsigned long long op = 100000;
  if (old) {
    char q[32];
    unsigned long long pp;
    if (sscanf(old, "%31s %llu", q, &pp) == 2) {
      memcpy(oq, q, sizeof(oq));
      op = pp;
    }
  }
  autofree char *qs = NULL;
  if (has_quota)
    qs = quota < 0 ? xstrdup("max") : xasprintf("%" PRId64, quota);
  else
    qs = xstrdup(oq);
  unsigned long long p = has_period && period ? (unsigned long long)period : op;
  return xasprintf("%s %llu", qs, p);
}

char *cg_pids_value(int64_t limit)
{
  return limit <= 0 ? xstrdup("max") : xasprintf("%" PRId64, limit);
}

char *cg_limit_v2(int64_t v)
{
  return v < 0 ? xstrdup("max") : xasprintf("%" PRId64, v);
}

bool cg_unified_key_ok(const char *key)
{
  return key && *key && !strchr(key, '/') && strcmp(key, ".") != 0 && strcmp(key, "..") != 0;
}

int cg_cpuset_wanted(const struct spec_resources *res, struct td_err **err)
{
  const char *cpus = res->cpu.cpus, *mems = res->cpu.mems;
  bool has_cpus = cpus && *cpus, has_mems = mems && *mems;
  if ((has_cpus && cg_cpuset_validate("cpuset.cpus", cpus, err) < 0) ||
      (has_mems && cg_cpuset_validate("cpuset.mems", mems, err) < 0))
    return -1;
  return has_cpus || has_mems;
}
