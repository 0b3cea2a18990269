/* The functions of a template: the table of Go's builtins (text/template/funcs.go) and
 * docker's (cli/templates: json split join title lower upper pad truncate), their arity and
 * parameter types, and the call of one by name with Go's errors. The functions themselves
 * live beside it: comparisons (gotmpl_cmp.c), index and slice (gotmpl_index.c), print and
 * the string functions (gotmpl_text.c), printf (gotmpl_print.c), json (gotmpl_json.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/gotmpl_int.h"
#include "util/xalloc.h"

static const struct {
  const char *name;
  int min, max; /* max -1: variadic */
} funcs[] = {
    {"and", 1, -1},   {"or", 1, -1},      {"not", 1, 1},       {"len", 1, 1},      {"index", 1, -1},
    {"slice", 1, -1}, {"print", 0, -1},   {"printf", 1, -1},   {"println", 0, -1}, {"eq", 1, -1},
    {"ne", 2, 2},     {"lt", 2, 2},       {"le", 2, 2},        {"gt", 2, 2},       {"ge", 2, 2},
    {"html", 0, -1},  {"js", 0, -1},      {"urlquery", 0, -1}, {"call", 1, -1},    {"json", 1, 1},
    {"split", 2, 2},  {"join", 2, 2},     {"title", 1, 1},     {"lower", 1, 1},    {"upper", 1, 1},
    {"pad", 3, 3},    {"truncate", 2, 2},
};

static int find(const char *name)
{
  for (size_t i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++)
    if (strcmp(funcs[i].name, name) == 0)
      return (int)i;
  return -1;
}

char gt_param(const char *name, size_t i, bool header)
{
  static const struct {
    const char *name, *types, *header_types;
  } params[] = {{"printf", "s", "s"},  {"split", "ss", "ss"},    {"join", "as", "ss"},
                {"title", "s", "s"},   {"lower", "s", "s"},      {"upper", "s", "s"},
                {"pad", "sii", "sii"}, {"truncate", "si", "si"}, {"json", "", "s"}};
  for (size_t k = 0; k < sizeof(params) / sizeof(params[0]); k++)
    if (strcmp(params[k].name, name) == 0) {
      const char *t = header ? params[k].header_types : params[k].types;
      return i < strlen(t) ? t[i] : 0;
    }
  return 0;
}

char gt_bad_arg(const char *name, size_t i, bool header, json_t *v)
{
  char p = gt_param(name, i, header);
  bool ok = p == 0 || (p == 's' && json_is_string(v)) || (p == 'i' && json_is_integer(v)) ||
            (p == 'a' && (v == NULL || json_is_array(v)));
  for (size_t k = 0; ok && p == 'a' && v && k < json_array_size(v); k++)
    ok = json_is_string(json_array_get(v, k));
  return ok ? 0 : p;
}

bool gt_has_func(const char *name)
{
  return find(name) >= 0;
}

/* An argument of Go type string, int or []string, with evalArg's errors. */
static int want(json_t *v, const char *type, char **msg)
{
  bool ok = strcmp(type, "string") == 0 ? json_is_string(v)
            : strcmp(type, "int") == 0  ? json_is_integer(v)
                                        : v == NULL || json_is_null(v) || json_is_array(v);
  if (!ok && v && json_is_null(v) == false)
    return gt_fail(msg, "wrong type for value; expected %s; got %s", type, gt_type(v));
  if (!ok)
    return gt_fail(msg, "invalid value; expected %s%s", type, "");
  if (json_is_array(v)) {
    size_t i;
    json_t *e;
    json_array_foreach (v, i, e)
      if (!json_is_string(e))
        return gt_fail(msg, "wrong type for value; expected %s; got %s", type, gt_type(v));
  }
  return 0;
}

int gt_call(const char *name, json_t **a, size_t n, bool header, json_t **out, char **msg)
{
  int f = find(name);
  *out = NULL;
  *msg = NULL;
  if (f < 0)
    return gt_fail(msg, "\"%s\" is not a defined function%s", name, "");
  char cnt[64];
  if (funcs[f].max < 0 && n < (size_t)funcs[f].min) {
    snprintf(cnt, sizeof(cnt), "%d got %zu", funcs[f].min, n);
    return gt_fail(msg, "wrong number of args for %s: want at least %s", name, cnt);
  }
  if (funcs[f].max >= 0 && n != (size_t)funcs[f].max) {
    snprintf(cnt, sizeof(cnt), "%d got %zu", funcs[f].max, n);
    return gt_fail(msg, "wrong number of args for %s: want %s", name, cnt);
  }
  static const char *const header_funcs[] = {"json",  "split", "join",    "title",
                                             "lower", "upper", "truncate"};
  for (size_t i = 0; header && i < sizeof(header_funcs) / sizeof(header_funcs[0]); i++)
    if (strcmp(name, header_funcs[i]) == 0) {
      /* docker's header functions leave the column's name as it is */
      *out = a[0] ? json_incref(a[0]) : NULL;
      return 0;
    }
  struct gbuf b = {0};
  int cmp = 0;
  bool eq = false;
  switch (name[0] == 'p' && name[1] == 'r' ? (name[5] == 'f'   ? 'f'
                                              : name[5] == 'l' ? 'l'
                                                               : 'p')
                                           : 0) {
  case 'p':
    gt_sprint(&b, a, n, false);
    *out = json_stringn_nocheck(b.s, b.n);
    free(b.s);
    return 0;
  case 'l':
    gt_sprint(&b, a, n, true);
    *out = json_stringn_nocheck(b.s, b.n);
    free(b.s);
    return 0;
  case 'f':
    if (want(a[0], "string", msg) < 0)
      return -1;
    gt_sprintf(&b, json_string_value(a[0]), json_string_length(a[0]), a + 1, n - 1);
    *out = json_stringn_nocheck(b.s, b.n);
    free(b.s);
    return 0;
  }
  if (strcmp(name, "not") == 0) {
    *out = json_boolean(!gt_truth(a[0]));
  } else if (strcmp(name, "len") == 0) {
    if (json_is_string(a[0]))
      *out = json_integer((json_int_t)json_string_length(a[0]));
    else if (json_is_array(a[0]))
      *out = json_integer((json_int_t)json_array_size(a[0]));
    else if (json_is_object(a[0]))
      *out = json_integer((json_int_t)json_object_size(a[0]));
    else if (a[0] == NULL || json_is_null(a[0]))
      return gt_fail(
          msg, "error calling len: reflect: call of reflect.Value.Type on zero Value%s%s", "", "");
    else
      return gt_fail(msg, "error calling len: len of type %s%s", gt_type(a[0]), "");
  } else if (strcmp(name, "index") == 0) {
    return gt_index(a, n, out, msg);
  } else if (strcmp(name, "slice") == 0) {
    return gt_slice(a, n, out, msg);
  } else if (strcmp(name, "eq") == 0 || strcmp(name, "ne") == 0) {
    if (gt_equal(a[0], a + 1, n - 1, &eq, msg) < 0) {
      if (name[0] == 'n') {
        char *m = *msg, *p = strstr(m, "eq:");
        if (p)
          p[0] = 'n';
      }
      return -1;
    }
    *out = json_boolean(name[0] == 'e' ? eq : !eq);
  } else if (strchr("lg", name[0]) && strchr("te", name[1]) && !name[2]) { /* lt le gt ge */
    if (gt_compare(a[0], a[1], &cmp, msg) < 0) {
      memcpy(strstr(*msg, "lt:"), name, 2);
      return -1;
    }
    *out = json_boolean(name[0] == 'l' ? (name[1] == 't' ? cmp < 0 : cmp <= 0)
                                       : (name[1] == 't' ? cmp > 0 : cmp >= 0));
  } else if (strcmp(name, "html") == 0 || strcmp(name, "js") == 0 ||
             strcmp(name, "urlquery") == 0) {
    *out = gt_escape(name, a, n);
  } else if (strcmp(name, "call") == 0) {
    if (a[0] == NULL || json_is_null(a[0]))
      return gt_fail(msg, "error calling call: call of nil%s%s", "", "");
    return gt_fail(msg, "error calling call: non-function of type %s%s", gt_type(a[0]), "");
  } else if (strcmp(name, "json") == 0) {
    gt_json(&b, a[0]);
    *out = json_stringn_nocheck(b.s, b.n);
    free(b.s);
  } else if (strcmp(name, "split") == 0) {
    if (want(a[0], "string", msg) < 0 || want(a[1], "string", msg) < 0)
      return -1;
    const char *s = json_string_value(a[0]), *sep = json_string_value(a[1]);
    size_t sl = json_string_length(a[0]), pl = json_string_length(a[1]);
    *out = json_array();
    for (size_t i = 0; pl == 0 && i < sl;) {
      size_t k = 1;
      while (i + k < sl && ((unsigned char)s[i + k] & 0xc0) == 0x80)
        k++;
      json_array_append_new(*out, json_stringn_nocheck(s + i, k));
      i += k;
    }
    for (const char *p = s; pl > 0;) {
      const char *q = memmem(p, sl - (size_t)(p - s), sep, pl);
      json_array_append_new(*out,
                            json_stringn_nocheck(p, q ? (size_t)(q - p) : sl - (size_t)(p - s)));
      if (q == NULL)
        break;
      p = q + pl;
    }
  } else if (strcmp(name, "join") == 0) {
    if (want(a[0], "[]string", msg) < 0 || want(a[1], "string", msg) < 0)
      return -1;
    size_t i;
    json_t *e;
    gbuf_add(&b, "", 0);
    json_array_foreach (a[0], i, e) {
      if (i)
        gbuf_add(&b, json_string_value(a[1]), json_string_length(a[1]));
      gbuf_add(&b, json_string_value(e), json_string_length(e));
    }
    *out = json_stringn_nocheck(b.s, b.n);
    free(b.s);
  } else if (strcmp(name, "title") == 0 || strcmp(name, "lower") == 0 ||
             strcmp(name, "upper") == 0) {
    if (want(a[0], "string", msg) < 0)
      return -1;
    *out = gt_recase(json_string_value(a[0]), json_string_length(a[0]), name[0]);
  } else if (strcmp(name, "pad") == 0) {
    if (want(a[0], "string", msg) < 0 || want(a[1], "int", msg) < 0 || want(a[2], "int", msg) < 0)
      return -1;
    json_int_t pre = json_integer_value(a[1]), suf = json_integer_value(a[2]);
    if (json_string_length(a[0]) == 0) {
      *out = json_string("");
      return 0;
    }
    if (pre < 0 || suf < 0)
      return gt_fail(msg, "error calling pad: strings: negative Repeat count%s%s", "", "");
    if (pre > 1000000 || suf > 1000000)
      return gt_fail(msg, "error calling pad: strings: Repeat count too large%s%s", "", "");
    for (json_int_t i = 0; i < pre; i++)
      gbuf_str(&b, " ");
    gbuf_add(&b, json_string_value(a[0]), json_string_length(a[0]));
    for (json_int_t i = 0; i < suf; i++)
      gbuf_str(&b, " ");
    *out = json_stringn_nocheck(b.s, b.n);
    free(b.s);
  } else if (strcmp(name, "truncate") == 0) {
    if (want(a[0], "string", msg) < 0 || want(a[1], "int", msg) < 0)
      return -1;
    json_int_t l = json_integer_value(a[1]);
    size_t sl = json_string_length(a[0]);
    if (l >= 0 && (size_t)l > sl)
      l = (json_int_t)sl;
    if (l < 0) {
      char x[32];
      snprintf(x, sizeof(x), "%lld", (long long)l);
      return gt_fail(
          msg, "error calling truncate: runtime error: slice bounds out of range [:%s]%s", x, "");
    }
    *out = json_stringn_nocheck(json_string_value(a[0]), (size_t)l);
  }
  return 0;
}
