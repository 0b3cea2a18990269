/* JSON path formatting and typed getters shared by the section parsers. */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/spec/spec_internal.h"
#include "util/xalloc.h"

/* The document root is a keyless-looking node with key "": it adds nothing to the path. */
static bool sp_is_root(const struct sp *p)
{
  return p->parent == NULL && p->key && !p->key[0];
}

static void sp_append(const struct sp *p, FILE *f)
{
  if (p == NULL || sp_is_root(p))
    return;
  sp_append(p->parent, f);
  if (p->key) {
    if (p->parent && !sp_is_root(p->parent))
      fputc('.', f);
    fputs(p->key, f);
  } else {
    fprintf(f, "[%zu]", p->index);
  }
}

char *sp_format(const struct sp *p)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (f == NULL)
    abort();
  sp_append(p, f);
  fclose(f);
  return buf;
}

int sp_err(struct td_err **err, const struct sp *p, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  char *msg = xvasprintf(fmt, ap);
  va_end(ap);
  char *path = sp_format(p);
  if (path[0])
    err_set(err, 0, "%s: %s", path, msg);
  else
    err_set(err, 0, "%s", msg);
  free(path);
  free(msg);
  return -1;
}

const char *sj_type_name(json_t *v)
{
  switch (json_typeof(v)) {
  case JSON_OBJECT:
    return "an object";
  case JSON_ARRAY:
    return "an array";
  case JSON_STRING:
    return "a string";
  case JSON_INTEGER:
    return "an integer";
  case JSON_REAL:
    return "a number";
  case JSON_TRUE:
  case JSON_FALSE:
    return "a boolean";
  case JSON_NULL:
    return "null";
  }
  return "?";
}

static bool is_integral(double d)
{
  /* every double of magnitude 2^52 or more is an integer; no libm needed */
  return isfinite(d) && (fabs(d) >= 0x1p52 || d == (double)(long long)d);
}

/* obj[key], or NULL when absent or JSON null (Go's decoder treats null as absent too). */
static json_t *member(json_t *obj, const char *key)
{
  json_t *v = json_object_get(obj, key);
  return json_is_null(v) ? NULL : v;
}

int sj_str(json_t *obj, const struct sp *p, const char *key, char **out, struct td_err **err)
{
  json_t *v = member(obj, key);
  if (v == NULL)
    return 0;
  struct sp c = SP_KEY(p, key);
  if (!json_is_string(v))
    return sp_err(err, &c, "must be a string, not %s", sj_type_name(v));
  if (strlen(json_string_value(v)) != json_string_length(v))
    return sp_err(err, &c, "must not contain a NUL character");
  free(*out);
  *out = xstrdup(json_string_value(v));
  return 1;
}

int sj_bool(json_t *obj, const struct sp *p, const char *key, bool *out, struct td_err **err)
{
  json_t *v = member(obj, key);
  if (v == NULL)
    return 0;
  struct sp c = SP_KEY(p, key);
  if (!json_is_boolean(v))
    return sp_err(err, &c, "must be a boolean, not %s", sj_type_name(v));
  *out = json_is_true(v);
  return 1;
}

int sj_i64(json_t *obj, const struct sp *p, const char *key, int64_t min, int64_t max, int64_t *out,
           struct td_err **err)
{
  json_t *v = member(obj, key);
  if (v == NULL)
    return 0;
  struct sp c = SP_KEY(p, key);
  json_int_t x;
  if (json_is_real(v) && is_integral(json_real_value(v))) {
    double d = json_real_value(v);
    if (d < (double)min || d > (double)max)
      return sp_err(err, &c, "%g is out of range [%" PRId64 ", %" PRId64 "]", d, min, max);
    /* (double)INT64_MAX rounds up to 2^63: clamp instead of overflowing the conversion */
    x = d >= 0x1p63 ? INT64_MAX : (json_int_t)d;
  } else if (json_is_integer(v)) {
    x = json_integer_value(v);
  } else {
    return sp_err(err, &c, "must be an integer, not %s", sj_type_name(v));
  }
  if (x < min || x > max)
    return sp_err(err, &c, "%lld is out of range [%" PRId64 ", %" PRId64 "]", (long long)x, min,
                  max);
  *out = x;
  return 1;
}

int sj_u64(json_t *obj, const struct sp *p, const char *key, uint64_t *out, struct td_err **err)
{
  json_t *v = member(obj, key);
  /* only a double can hold a value above INT64_MAX (see load_json in spec_parse.c) */
  if (v && json_is_real(v) && is_integral(json_real_value(v)) && json_real_value(v) >= 0x1p63) {
    double d = json_real_value(v);
    *out = d >= 0x1p64 ? UINT64_MAX : (uint64_t)d;
    return 1;
  }
  int64_t x = 0;
  int r = sj_i64(obj, p, key, 0, INT64_MAX, &x, err);
  if (r > 0)
    *out = (uint64_t)x;
  return r;
}

int sj_u32(json_t *obj, const struct sp *p, const char *key, uint32_t *out, struct td_err **err)
{
  int64_t x = 0;
  int r = sj_i64(obj, p, key, 0, UINT32_MAX, &x, err);
  if (r > 0)
    *out = (uint32_t)x;
  return r;
}

int sj_want_obj(json_t *v, const struct sp *p, struct td_err **err)
{
  if (!json_is_object(v))
    return sp_err(err, p, "must be an object, not %s", sj_type_name(v));
  return 0;
}

int sj_obj(json_t *obj, const struct sp *p, const char *key, json_t **out, struct td_err **err)
{
  json_t *v = member(obj, key);
  if (v == NULL)
    return 0;
  struct sp c = SP_KEY(p, key);
  if (sj_want_obj(v, &c, err) < 0)
    return -1;
  *out = v;
  return 1;
}

int sj_arr(json_t *obj, const struct sp *p, const char *key, json_t **out, struct td_err **err)
{
  json_t *v = member(obj, key);
  if (v == NULL)
    return 0;
  struct sp c = SP_KEY(p, key);
  if (!json_is_array(v))
    return sp_err(err, &c, "must be an array, not %s", sj_type_name(v));
  *out = v;
  return 1;
}

int sj_strv(json_t *obj, const struct sp *p, const char *key, char ***out, struct td_err **err)
{
  json_t *arr = NULL;
  int r = sj_arr(obj, p, key, &arr, err);
  if (r <= 0)
    return r;
  struct sp c = SP_KEY(p, key);
  size_t n = json_array_size(arr);
  char **v = xcalloc(n + 1, sizeof(char *));
  for (size_t i = 0; i < n; i++) {
    json_t *e = json_array_get(arr, i);
    struct sp ci = SP_IDX(&c, i);
    if (!json_is_string(e) || strlen(json_string_value(e)) != json_string_length(e)) {
      for (size_t k = 0; k < i; k++)
        free(v[k]);
      free(v);
      if (!json_is_string(e))
        return sp_err(err, &ci, "must be a string, not %s", sj_type_name(e));
      return sp_err(err, &ci, "must not contain a NUL character");
    }
    v[i] = xstrdup(json_string_value(e));
  }
  if (*out) {
    for (char **q = *out; *q; q++)
      free(*q);
    free(*out);
  }
  *out = v;
  return 1;
}

int sj_kv(json_t *obj, const struct sp *p, const char *key, struct spec_kv **out, size_t *n,
          struct td_err **err)
{
  json_t *o = NULL;
  int r = sj_obj(obj, p, key, &o, err);
  if (r <= 0)
    return r;
  struct sp c = SP_KEY(p, key);
  size_t cnt = json_object_size(o), i = 0;
  struct spec_kv *kv = xcalloc(cnt ? cnt : 1, sizeof(*kv));
  const char *k;
  json_t *v;
  json_object_foreach (o, k, v) {
    struct sp ck = SP_KEY(&c, k);
    if (!json_is_string(v)) {
      spec_kv_free(kv, i);
      return sp_err(err, &ck, "must be a string, not %s", sj_type_name(v));
    }
    kv[i].key = xstrdup(k);
    kv[i].value = xstrdup(json_string_value(v));
    i++;
  }
  spec_kv_free(*out, *n);
  *out = kv;
  *n = cnt;
  return 1;
}
