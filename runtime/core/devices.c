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
  memcpy(v + n_in, default_rules, sizeof(default_rules));
  for (size_t i = 0; i < s->linux_.n_devices; i++) {
    const struct spec_device *d = &s->linux_.devices[i];
    struct spec_device_rule *r = &v[n_in + nd + i];
    r->allow = true;
    r->type = d->type == 'u' ? 'c' : d->type;
    r->major = d->major;
    r->minor = d->minor;
    memcpy(r->access, "rwm", 4);
  }
  struct spec_resources *out = xcalloc(1, sizeof(*out));
  if (in)
    *out = *in; /* shallow: only the devices array is ours */
  out->devices = v;
  out->n_devices = n;
  *owned = v;
  return out;
}
