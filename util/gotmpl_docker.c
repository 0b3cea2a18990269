/* docker's typed maps in a template's data: which JSON objects are a map[string]string (a
 * missing key gives no value) and which are all-string structs (a missing field is an error),
 * and the header of {{.Label}}. */
#include <stdlib.h>
#include <string.h>

#include "util/gotmpl_int.h"
#include "util/xalloc.h"

/* docker's structs whose JSON has only strings, so that they look like a map of strings: their
 * field sets (the JSON names, omitempty ones included). A missing field of one is a struct's
 * missing field: docker's CLI then retries on the raw JSON with missingkey=error ("map has no
 * entry for key"), where a typed map[string]string gives no value. */
static const char *const ipam_config[] = {"Subnet", "IPRange", "Gateway", "AuxiliaryAddresses",
                                          NULL};                        /* network.IPAMConfig */
static const char *const port_binding[] = {"HostIp", "HostPort", NULL}; /* nat.PortBinding */
static const char *const image_metadata[] = {"LastTagTime", NULL};      /* types.ImageMetadata */
static const char *const *const string_structs[] = {ipam_config, port_binding, image_metadata};

static bool in_set(const char *const *set, const char *k)
{
  for (; *set; set++)
    if (strcmp(*set, k) == 0)
      return true;
  return false;
}

static bool string_struct(json_t *obj)
{
  if (json_object_size(obj) == 0)
    return false; /* an empty map (Labels: {}); none of these structs is ever empty */
  for (size_t i = 0; i < sizeof(string_structs) / sizeof(string_structs[0]); i++) {
    const char *k;
    json_t *e;
    bool all = true;
    json_object_foreach (obj, k, e)
      all = all && in_set(string_structs[i], k);
    if (all)
      return true;
  }
  return false;
}

/* Whether obj is a map of strings (labels, options, GraphDriver.Data): docker's typed
 * map[string]string, and not one of the all-string structs above. */
bool gt_string_map(json_t *obj)
{
  const char *k;
  json_t *e;
  json_object_foreach (obj, k, e)
    if (!json_is_string(e))
      return false;
  return !string_struct(obj);
}

json_t *gt_header_label(const char *v)
{
  const char *dotp = strrchr(v, '.');
  char *h = xstrdup(dotp ? dotp + 1 : v);
  for (char *c = h; *c; c++)
    if (*c == '-' || *c == '_')
      *c = ' ';
  json_t *r = json_string(h);
  free(h);
  return r;
}
