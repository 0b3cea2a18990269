#include "util/jsonv.h"

#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

json_t *jsonv_from_strv(char *const *v)
{
  json_t *a = json_array();
  for (size_t i = 0; v && v[i]; i++)
    json_array_append_new(a, json_string(v[i]));
  return a;
}

json_t *jsonv_from_array(const char *const *v, size_t n)
{
  json_t *a = json_array();
  for (size_t i = 0; i < n; i++)
    json_array_append_new(a, json_string(v[i]));
  return a;
}

char **jsonv_to_strv(const json_t *a)
{
  char **v = xcalloc(1, sizeof(char *));
  size_t i;
  const json_t *s;
  json_array_foreach (a, i, s)
    if (json_is_string(s))
      strv_push(&v, json_string_value(s));
  return v;
}

char *jsonv_labels_join(const json_t *o)
{
  autostrv char **labels = NULL;
  const char *k;
  json_t *e;
  json_object_foreach ((json_t *)o, k, e)
    strv_push_owned(&labels, xasprintf("%s=%s", k, json_string_value(e)));
  return labels ? strv_join(labels, ",") : xstrdup("");
}
