/* Go's index and slice functions of a template (text/template/funcs.go) over JSON arrays,
 * strings and maps, with Go's errors. */
#include <stdio.h>

#include "util/gotmpl_int.h"

static int index_arg(json_t *i, size_t cap, long long *x, char **msg, const char *fn)
{
  if (i == NULL || json_is_null(i))
    return gt_fail(msg, "error calling %s: cannot index slice/array with nil%s", fn, "");
  if (!json_is_integer(i))
    return gt_fail(msg, "error calling %s: cannot index slice/array with type %s", fn, gt_type(i));
  *x = json_integer_value(i);
  if (*x < 0 || (unsigned long long)*x > cap) {
    char num[32];
    snprintf(num, sizeof(num), "%lld", *x);
    return gt_fail(msg, "error calling %s: index out of range: %s", fn, num);
  }
  return 0;
}

/* A map's missing key: "" for a map of strings (docker's typed map[string]string), else nil. */
static json_t *zero_of(json_t *obj)
{
  const char *k;
  json_t *e;
  json_object_foreach (obj, k, e)
    if (!json_is_string(e))
      return NULL;
  return json_string("");
}

int gt_index(json_t **a, size_t n, json_t **out, char **msg)
{
  json_t *item = a[0];
  if (item == NULL || json_is_null(item))
    return gt_fail(msg, "error calling index: index of untyped nil%s%s", "", "");
  json_incref(item);
  for (size_t i = 1; i < n; i++) {
    json_t *next = NULL;
    long long x = 0;
    if (item == NULL || json_is_null(item)) {
      json_decref(item);
      return gt_fail(msg, "error calling index: index of nil pointer%s%s", "", "");
    }
    if (json_is_array(item) || json_is_string(item)) {
      size_t len = json_is_array(item) ? json_array_size(item) : json_string_length(item);
      char num[32];
      if (index_arg(a[i], len, &x, msg, "index") == 0 && (size_t)x == len) {
        snprintf(num, sizeof(num), "%s", json_is_array(item) ? "slice" : "string");
        gt_fail(msg, "error calling index: reflect: %s index out of range%s", num, "");
      }
      if (*msg) {
        json_decref(item);
        return -1;
      }
      next = json_is_array(item) ? json_incref(json_array_get(item, (size_t)x))
                                 : json_integer((unsigned char)json_string_value(item)[x]);
    } else if (json_is_object(item)) {
      if (!json_is_string(a[i])) {
        json_decref(item);
        if (a[i] == NULL || json_is_null(a[i]))
          return gt_fail(msg, "error calling index: value is nil; should be of type string%s%s", "",
                         "");
        return gt_fail(msg, "error calling index: value has type %s; should be %s", gt_type(a[i]),
                       "string");
      }
      next = json_object_get(item, json_string_value(a[i]));
      next = next ? json_incref(next) : zero_of(item);
    } else {
      const char *t = gt_type(item);
      json_decref(item);
      return gt_fail(msg, "error calling index: can't index item of type %s%s", t, "");
    }
    json_decref(item);
    item = next;
  }
  *out = item;
  return 0;
}

int gt_slice(json_t **a, size_t n, json_t **out, char **msg)
{
  json_t *item = a[0];
  if (item == NULL || json_is_null(item))
    return gt_fail(msg, "error calling slice: slice of untyped nil%s%s", "", "");
  if (n - 1 > 3)
    return gt_fail(msg, "error calling slice: too many slice indexes: %s%s",
                   n - 1 == 4 ? "4" : "more than 4", "");
  bool str = json_is_string(item);
  if (!str && !json_is_array(item))
    return gt_fail(msg, "error calling slice: can't slice item of type %s%s", gt_type(item), "");
  if (str && n - 1 == 3)
    return gt_fail(msg, "error calling slice: cannot 3-index slice a string%s%s", "", "");
  size_t len = str ? json_string_length(item) : json_array_size(item);
  long long idx[3] = {0, (long long)len, (long long)len};
  for (size_t i = 1; i < n; i++)
    if (index_arg(a[i], len, &idx[i - 1], msg, "slice") < 0)
      return -1;
  for (int i = 0; i < 2 && i + 1 < (int)(n - 1 > 2 ? 3 : 2); i++)
    if (idx[i] > idx[i + 1]) {
      char x[64];
      snprintf(x, sizeof(x), "%lld > %lld", idx[i], idx[i + 1]);
      return gt_fail(msg, "error calling slice: invalid slice index: %s%s", x, "");
    }
  if (str) {
    *out = json_stringn_nocheck(json_string_value(item) + idx[0], (size_t)(idx[1] - idx[0]));
    return 0;
  }
  *out = json_array();
  for (long long i = idx[0]; i < idx[1]; i++)
    json_array_append(*out, json_array_get(item, (size_t)i));
  return 0;
}
