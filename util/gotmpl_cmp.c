/* Go's comparison functions of a template (text/template/funcs.go: eq ne lt le gt ge) over
 * JSON values, with Go's errors. */
#include <string.h>

#include "util/gotmpl_int.h"

enum kind { K_INVALID, K_BOOL, K_INT, K_FLOAT, K_STRING, K_OTHER };

static enum kind kind_of(json_t *v)
{
  switch ((int)(v ? json_typeof(v) : JSON_NULL)) {
  case JSON_TRUE:
  case JSON_FALSE:
    return K_BOOL;
  case JSON_INTEGER:
    return K_INT;
  case JSON_REAL:
    return K_FLOAT;
  case JSON_STRING:
    return K_STRING;
  case JSON_NULL:
    return K_INVALID;
  default:
    return K_OTHER;
  }
}

/* -1/0/1 for lt..ge, or an error */
int gt_compare(json_t *a, json_t *b, int *cmp, char **msg)
{
  enum kind ka = kind_of(a), kb = kind_of(b);
  if (ka == K_INVALID || ka == K_OTHER || kb == K_INVALID || kb == K_OTHER || ka == K_BOOL)
    return gt_fail(msg, "error calling %s: invalid type for comparison", "lt", "") - 0;
  if (ka != kb)
    return gt_fail(msg, "error calling %s: incompatible types for comparison", "lt", "");
  if (ka == K_INT) {
    json_int_t x = json_integer_value(a), y = json_integer_value(b);
    *cmp = x < y ? -1 : x > y;
  } else if (ka == K_FLOAT) {
    double x = json_real_value(a), y = json_real_value(b);
    *cmp = x < y ? -1 : x > y;
  } else {
    int c = strcmp(json_string_value(a), json_string_value(b));
    *cmp = c < 0 ? -1 : c > 0;
  }
  return 0;
}

int gt_equal(json_t *a, json_t **bs, size_t n, bool *out, char **msg)
{
  enum kind ka = kind_of(a);
  if (n == 0)
    return gt_fail(msg, "error calling eq: missing argument for comparison%s%s", "", "");
  *out = false;
  for (size_t i = 0; i < n; i++) {
    enum kind kb = kind_of(bs[i]);
    bool t = false;
    if (ka != kb) {
      if (ka != K_INVALID && kb != K_INVALID)
        return gt_fail(msg, "error calling eq: incompatible types for comparison%s%s", "", "");
    } else if (ka == K_OTHER) {
      return gt_fail(msg, "error calling eq: non-comparable type %s: %s", "", gt_type(a));
    } else if (ka == K_INVALID) {
      t = true;
    } else if (ka == K_BOOL) {
      t = json_is_true(a) == json_is_true(bs[i]);
    } else {
      int c = 0;
      if (gt_compare(a, bs[i], &c, msg) < 0)
        return -1;
      t = c == 0;
    }
    if (t) {
      *out = true;
      return 0;
    }
  }
  return 0;
}
