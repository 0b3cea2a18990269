/* The device cgroup rules a container gets: the spec's rules in order, then (as runc does)
 * the standard nodes every container needs, then the devices listed in linux.devices. */
#include <string.h>

#include "runtime/core/internal.h"
#include "util/xalloc.h"

static const struct spec_device_rule default_rules[] = {
    {true, 'c', -1, -1, "m"}, {true, 'b', -1, -1, "m"},    {true, 'c', 1, 3, "rwm"},
    {true, 'c', 1, 8, "rwm"}, {true, 'c', 1, 7, "rwm"},    {true, 'c', 5, 0, "rwm"},
    {true, 'c', 1, 5, "rwm"}, {true, 'c', 1, 9, "rwm"},    {true, 'c', 136, -1, "rwm"},
    {true, 'c', 5, 2, "rwm"}, {true, 'c', 10, 200, "rwm"},
};

/* Whether allowing r again after v[0..n) changes nothing: the same allow rule is there and
 * no deny came after it (the engine's config already lists the standard rules, and each rule
 * is a write to devices.allow on v1). */
static bool already_allowed(const struct spec_device_rule *v, size_t n,
                            const struct spec_device_rule *r)
{
  for (size_t i = n; i-- > 0;) {
    if (!v[i].allow)
      return false;
    if (v[i].type == r->type && v[i].major == r->major && v[i].minor == r->minor &&
        strcmp(v[i].access, r->access) == 0)
      return true;
  }
  return false;
}

struct spec_resources *rt_resources_for_create(const struct spec *s,
                                               struct spec_device_rule **owned)
{
  const struct spec_resources *in = s->linux_.resources;
  size_t nd = sizeof(default_rules) / sizeof(default_rules[0]);
  size_t n_in = in ? in->n_devices : 0;
  size_t n = n_in + nd + s->linux_.n_devices;
  struct spec_device_rule *v = xcalloc(n, sizeof(*v));
  if (n_in)
    memcpy(v, in->devices, n_in * sizeof(*v));
  n = n_in;
  for (size_t i = 0; i < nd; i++)
    if (!already_allowed(v, n, &default_rules[i]))
      v[n++] = default_rules[i];
  for (size_t i = 0; i < s->linux_.n_devices; i++) {
    const struct spec_device *d = &s->linux_.devices[i];
    struct spec_device_rule r = {.allow = true,
                                 .type = d->type == 'u' ? 'c' : d->type,
                                 .major = d->major,
                                 .minor = d->minor};
    memcpy(r.access, "rwm", 4);
    if (!already_allowed(v, n, &r))
      v[n++] = r;
  }
  struct spec_resources *out = xcalloc(1, sizeof(*out));
  if (in)
    *out = *in; /* shallow: only the devices array is ours */
  out->devices = v;
  out->n_devices = n;
  *owned = v;
  return out;
}
