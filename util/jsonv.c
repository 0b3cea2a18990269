#include "util/jsonv.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

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

static void shape_one(json_t *out, const json_t *src, const char *key, const json_t *defaults)
{
  bool opt = key[0] == '?';
  key += opt;
  json_t *v = json_object_get(src, key);
  if (v)
    json_object_set(out, key, v);
  else if (!opt)
    json_object_set_new(out, key, json_incref(json_object_get(defaults, key)) ?: json_null());
}

json_t *jsonv_shape(const json_t *src, const char *const *order, const json_t *defaults)
{
  json_t *out = json_object();
  if (order) {
    for (const char *const *k = order; *k; k++)
      shape_one(out, src, *k, defaults);
  } else {
    const char *k;
    json_t *v;
    json_object_foreach ((json_t *)defaults, k, v)
      shape_one(out, src, k, defaults);
  }
  const char *k;
  json_t *v;
  json_object_foreach ((json_t *)src, k, v)
    if (!json_object_get(out, k))
      json_object_set(out, k, v);
  return out;
}

json_t *jsonv_kv_object(char *const *v)
{
  json_t *o = json_object();
  for (size_t i = 0; v && v[i]; i++) {
    const char *eq = strchr(v[i], '=');
    autofree char *k = xstrndup(v[i], eq ? (size_t)(eq - v[i]) : strlen(v[i]));
    json_object_set_new(o, k, json_string(eq ? eq + 1 : ""));
  }
  return o;
}

json_t *jsonv_from_strv_or_null(char *const *v)
{
  return v && v[0] ? jsonv_from_strv(v) : json_null();
}

static int key_cmp(const void *a, const void *b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

json_t *jsonv_sorted(const json_t *o)
{
  if (o == NULL)
    return NULL;
  if (!json_is_object(o))
    return json_incref((json_t *)o);
  size_t n = json_object_size(o), i = 0;
  const char **keys = xcalloc(n + 1, sizeof(*keys));
  const char *k;
  json_t *v;
  json_object_foreach ((json_t *)o, k, v)
    keys[i++] = k;
  qsort(keys, n, sizeof(*keys), key_cmp);
  json_t *out = json_object();
  for (i = 0; i < n; i++)
    json_object_set(out, keys[i], json_object_get(o, keys[i]));
  free(keys);
  return out;
}

const char *const jsonv_docker_config_order[] = {"Hostname",
                                                 "Domainname",
                                                 "User",
                                                 "AttachStdin",
                                                 "AttachStdout",
                                                 "AttachStderr",
                                                 "?ExposedPorts",
                                                 "Tty",
                                                 "OpenStdin",
                                                 "StdinOnce",
                                                 "Env",
                                                 "Cmd",
                                                 "?Healthcheck",
                                                 "?ArgsEscaped",
                                                 "Image",
                                                 "Volumes",
                                                 "WorkingDir",
                                                 "Entrypoint",
                                                 "?NetworkDisabled",
                                                 "?MacAddress",
                                                 "OnBuild",
                                                 "Labels",
                                                 "?StopSignal",
                                                 "?StopTimeout",
                                                 "?Shell",
                                                 NULL};
