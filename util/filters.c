/* docker's filter lists: keys and-ed, values of one key or-ed; the label filter's value. */
#include <string.h>

#include "util/cleanup.h"
#include "util/filters.h"
#include "util/xalloc.h"

bool filters_match(char *const *filters, filters_one_fn one, void *arg)
{
  for (char *const *f = filters; f && *f; f++) {
    size_t kl = strcspn(*f, "=");
    bool seen = false;
    for (char *const *g = filters; g < f && !seen; g++)
      seen = strncmp(*g, *f, kl + 1) == 0;
    if (seen)
      continue;
    autofree char *key = xstrndup(*f, kl);
    bool any = false;
    for (char *const *g = f; *g && !any; g++)
      if (strncmp(*g, *f, kl + 1) == 0)
        any = one(arg, key, *g + kl + 1);
    if (!any)
      return false;
  }
  return true;
}

int filters_check(char *const *filters, filters_value_fn value, void *arg, struct td_err **err)
{
  for (char *const *f = filters; f && *f; f++) {
    const char *eq = strchr(*f, '=');
    if (eq == NULL)
      return err_set_exit(err, 1, 0, "bad format of filter (expected name=value)");
    autofree char *key = xstrndup(*f, (size_t)(eq - *f));
    if (strcmp(key, "label") == 0 || strcmp(key, "label!") == 0)
      continue;
    int known = value(arg, key, eq + 1, err);
    if (known < 0)
      return -1;
    if (known == 0)
      return err_set_exit(err, 1, 0, "Invalid filter '%s'", key);
  }
  return 0;
}

bool filters_label_get(filters_label_fn get, void *arg, const char *v)
{
  const char *eq = strchr(v, '=');
  autofree char *k = xstrndup(v, eq ? (size_t)(eq - v) : strlen(v));
  const char *have = get(arg, k);
  return have && (eq == NULL || strcmp(have, eq + 1) == 0);
}

static const char *json_label(void *arg, const char *key)
{
  return json_string_value(json_object_get(arg, key));
}

bool filters_label(json_t *labels, const char *v)
{
  return filters_label_get(json_label, labels, v);
}
