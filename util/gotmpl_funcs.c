/* The functions of a template: Go's builtins (text/template/funcs.go) and docker's
 * (cli/templates: json split join title lower upper pad truncate), with Go's errors. */
#include <ctype.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "util/cleanup.h"
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

static int fail(char **msg, const char *fmt, const char *a, const char *b)
{
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  *msg = xasprintf(fmt, a, b);
#pragma GCC diagnostic pop
  return -1;
}

/* An argument of Go type string, int or []string, with evalArg's errors. */
static int want(json_t *v, const char *type, char **msg)
{
  bool ok = strcmp(type, "string") == 0 ? json_is_string(v)
            : strcmp(type, "int") == 0  ? json_is_integer(v)
                                        : v == NULL || json_is_null(v) || json_is_array(v);
  if (!ok && v && json_is_null(v) == false)
    return fail(msg, "wrong type for value; expected %s; got %s", type, gt_type(v));
  if (!ok)
    return fail(msg, "invalid value; expected %s%s", type, "");
  if (json_is_array(v)) {
    size_t i;
    json_t *e;
    json_array_foreach (v, i, e)
      if (!json_is_string(e))
        return fail(msg, "wrong type for value; expected %s; got %s", type, gt_type(v));
  }
  return 0;
}

/* ---- comparisons ---- */
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
static int compare(json_t *a, json_t *b, int *cmp, char **msg)
{
  enum kind ka = kind_of(a), kb = kind_of(b);
  if (ka == K_INVALID || ka == K_OTHER || kb == K_INVALID || kb == K_OTHER || ka == K_BOOL)
    return fail(msg, "error calling %s: invalid type for comparison", "lt", "") - 0;
  if (ka != kb)
    return fail(msg, "error calling %s: incompatible types for comparison", "lt", "");
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

static int equal(json_t *a, json_t **bs, size_t n, bool *out, char **msg)
{
  enum kind ka = kind_of(a);
  if (n == 0)
    return fail(msg, "error calling eq: missing argument for comparison%s%s", "", "");
  *out = false;
  for (size_t i = 0; i < n; i++) {
    enum kind kb = kind_of(bs[i]);
    bool t = false;
    if (ka != kb) {
      if (ka != K_INVALID && kb != K_INVALID)
        return fail(msg, "error calling eq: incompatible types for comparison%s%s", "", "");
    } else if (ka == K_OTHER) {
      return fail(msg, "error calling eq: non-comparable type %s: %s", "", gt_type(a));
    } else if (ka == K_INVALID) {
      t = true;
    } else if (ka == K_BOOL) {
      t = json_is_true(a) == json_is_true(bs[i]);
    } else {
      int c = 0;
      if (compare(a, bs[i], &c, msg) < 0)
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

/* ---- index and slice ---- */
static int index_arg(json_t *i, size_t cap, long long *x, char **msg, const char *fn)
{
  if (i == NULL || json_is_null(i))
    return fail(msg, "error calling %s: cannot index slice/array with nil%s", fn, "");
  if (!json_is_integer(i))
    return fail(msg, "error calling %s: cannot index slice/array with type %s", fn, gt_type(i));
  *x = json_integer_value(i);
  if (*x < 0 || (unsigned long long)*x > cap) {
    char num[32];
    snprintf(num, sizeof(num), "%lld", *x);
    return fail(msg, "error calling %s: index out of range: %s", fn, num);
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

static int do_index(json_t **a, size_t n, json_t **out, char **msg)
{
  json_t *item = a[0];
  if (item == NULL || json_is_null(item))
    return fail(msg, "error calling index: index of untyped nil%s%s", "", "");
  json_incref(item);
  for (size_t i = 1; i < n; i++) {
    json_t *next = NULL;
    long long x = 0;
    if (item == NULL || json_is_null(item)) {
      json_decref(item);
      return fail(msg, "error calling index: index of nil pointer%s%s", "", "");
    }
    if (json_is_array(item) || json_is_string(item)) {
      size_t len = json_is_array(item) ? json_array_size(item) : json_string_length(item);
      char num[32];
      if (index_arg(a[i], len, &x, msg, "index") == 0 && (size_t)x == len) {
        snprintf(num, sizeof(num), "%s", json_is_array(item) ? "slice" : "string");
        fail(msg, "error calling index: reflect: %s index out of range%s", num, "");
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
          return fail(msg, "error calling index: value is nil; should be of type string%s%s", "",
                      "");
        return fail(msg, "error calling index: value has type %s; should be %s", gt_type(a[i]),
                    "string");
      }
      next = json_object_get(item, json_string_value(a[i]));
      next = next ? json_incref(next) : zero_of(item);
    } else {
      const char *t = gt_type(item);
      json_decref(item);
      return fail(msg, "error calling index: can't index item of type %s%s", t, "");
    }
    json_decref(item);
    item = next;
  }
  *out = item;
  return 0;
}

static int do_slice(json_t **a, size_t n, json_t **out, char **msg)
{
  json_t *item = a[0];
  if (item == NULL || json_is_null(item))
    return fail(msg, "error calling slice: slice of untyped nil%s%s", "", "");
  if (n - 1 > 3)
    return fail(msg, "error calling slice: too many slice indexes: %s%s",
                n - 1 == 4 ? "4" : "more than 4", "");
  bool str = json_is_string(item);
  if (!str && !json_is_array(item))
    return fail(msg, "error calling slice: can't slice item of type %s%s", gt_type(item), "");
  if (str && n - 1 == 3)
    return fail(msg, "error calling slice: cannot 3-index slice a string%s%s", "", "");
  size_t len = str ? json_string_length(item) : json_array_size(item);
  long long idx[3] = {0, (long long)len, (long long)len};
  for (size_t i = 1; i < n; i++)
    if (index_arg(a[i], len, &idx[i - 1], msg, "slice") < 0)
      return -1;
  for (int i = 0; i < 2 && i + 1 < (int)(n - 1 > 2 ? 3 : 2); i++)
    if (idx[i] > idx[i + 1]) {
      char x[64];
      snprintf(x, sizeof(x), "%lld > %lld", idx[i], idx[i + 1]);
      return fail(msg, "error calling slice: invalid slice index: %s%s", x, "");
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

/* fmt.Sprint (spaces between operands when neither is a string) or Sprintln. */
static void sprint(struct gbuf *b, json_t **a, size_t n, bool ln)
{
  gbuf_add(b, "", 0);
  for (size_t i = 0; i < n; i++) {
    if (i && (ln || (!json_is_string(a[i]) && !json_is_string(a[i - 1]))))
      gbuf_str(b, " ");
    gt_print(b, a[i], false);
  }
  if (ln)
    gbuf_str(b, "\n");
}

static json_t *escape(const char *fn, json_t **a, size_t n)
{
  struct gbuf s = {0}, b = {0};
  sprint(&s, a, n, false);
  gbuf_add(&b, "", 0);
  for (size_t i = 0; i < s.n; i++) {
    unsigned char c = (unsigned char)s.s[i];
    if (fn[0] == 'h') {
      const char *e = c == '"'    ? "&#34;"
                      : c == '\'' ? "&#39;"
                      : c == '&'  ? "&amp;"
                      : c == '<'  ? "&lt;"
                      : c == '>'  ? "&gt;"
                      : c == 0    ? "\xef\xbf\xbd"
                                  : NULL;
      e ? gbuf_str(&b, e) : gbuf_add(&b, s.s + i, 1);
    } else if (fn[0] == 'u') {
      if (isalnum(c) || strchr("-_.~", c))
        gbuf_add(&b, s.s + i, 1);
      else if (c == ' ')
        gbuf_str(&b, "+");
      else
        gbuf_fmt(&b, "%%%02X", c);
    } else {
      if (c == '\\' || c == '\'' || c == '"')
        gbuf_fmt(&b, "\\%c", c);
      else if (c < 0x20 || strchr("<>&=", c))
        gbuf_fmt(&b, "\\u%04X", c);
      else
        gbuf_add(&b, s.s + i, 1);
    }
  }
  json_t *r = json_stringn_nocheck(b.s, b.n);
  free(s.s);
  free(b.s);
  return r;
}

/* strings.ToUpper, ToLower or Title (mode 'u', 'l', 't') over UTF-8, with Unicode's cases. */
static json_t *recase(const char *s, size_t n, char mode)
{
  static locale_t loc;
  if (loc == (locale_t)0)
    loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
  struct gbuf b = {0};
  gbuf_add(&b, "", 0);
  bool sep = true;
  for (size_t i = 0; i < n;) {
    size_t used = 1;
    long r = gt_first_rune((const unsigned char *)s + i, n - i, &used);
    if (r < 0 || r > 0x10FFFF || loc == (locale_t)0) { /* not UTF-8: the byte as it is */
      unsigned char c = (unsigned char)s[i];
      char o = (char)(mode == 'l' ? tolower(c) : mode == 'u' || sep ? toupper(c) : c);
      gbuf_add(&b, &o, 1);
      sep = !(isalnum(c) || c == '_');
      i++;
      continue;
    }
    wint_t w = (wint_t)r, o = w;
    if (mode == 'l')
      o = towlower_l(w, loc);
    else if (mode == 'u' || sep)
      o = towupper_l(w, loc);
    sep = r < 0x80 ? !(isalnum((int)r) || r == '_')
                   : !(iswalpha_l(w, loc) || iswdigit_l(w, loc)) && iswspace_l(w, loc);
    char u[4];
    unsigned long v = o;
    size_t k = v < 0x80 ? 1 : v < 0x800 ? 2 : v < 0x10000 ? 3 : 4;
    for (size_t j = k; k > 1 && j-- > 1; v >>= 6)
      u[j] = (char)(0x80 | (v & 0x3F));
    u[0] = (char)(k == 1 ? v : (k == 2 ? 0xC0 : k == 3 ? 0xE0 : 0xF0) | v);
    gbuf_add(&b, u, k);
    i += used;
  }
  json_t *out = json_stringn_nocheck(b.s, b.n);
  free(b.s);
  return out;
}

int gt_call(const char *name, json_t **a, size_t n, bool header, json_t **out, char **msg)
{
  int f = find(name);
  *out = NULL;
  *msg = NULL;
  if (f < 0)
    return fail(msg, "\"%s\" is not a defined function%s", name, "");
  char cnt[64];
  if (funcs[f].max < 0 && n < (size_t)funcs[f].min) {
    snprintf(cnt, sizeof(cnt), "%d got %zu", funcs[f].min, n);
    return fail(msg, "wrong number of args for %s: want at least %s", name, cnt);
  }
  if (funcs[f].max >= 0 && n != (size_t)funcs[f].max) {
    snprintf(cnt, sizeof(cnt), "%d got %zu", funcs[f].max, n);
    return fail(msg, "wrong number of args for %s: want %s", name, cnt);
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
    sprint(&b, a, n, false);
    *out = json_stringn_nocheck(b.s, b.n);
    free(b.s);
    return 0;
  case 'l':
    sprint(&b, a, n, true);
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
      return fail(msg, "error calling len: reflect: call of reflect.Value.Type on zero Value%s%s",
                  "", "");
    else
      return fail(msg, "error calling len: len of type %s%s", gt_type(a[0]), "");
  } else if (strcmp(name, "index") == 0) {
    return do_index(a, n, out, msg);
  } else if (strcmp(name, "slice") == 0) {
    return do_slice(a, n, out, msg);
  } else if (strcmp(name, "eq") == 0 || strcmp(name, "ne") == 0) {
    if (equal(a[0], a + 1, n - 1, &eq, msg) < 0) {
      if (name[0] == 'n') {
        char *m = *msg, *p = strstr(m, "eq:");
        if (p)
          p[0] = 'n';
      }
      return -1;
    }
    *out = json_boolean(name[0] == 'e' ? eq : !eq);
  } else if (strchr("lg", name[0]) && strchr("te", name[1]) && !name[2]) { /* lt le gt ge */
    if (compare(a[0], a[1], &cmp, msg) < 0) {
      memcpy(strstr(*msg, "lt:"), name, 2);
      return -1;
    }
    *out = json_boolean(name[0] == 'l' ? (name[1] == 't' ? cmp < 0 : cmp <= 0)
                                       : (name[1] == 't' ? cmp > 0 : cmp >= 0));
  } else if (strcmp(name, "html") == 0 || strcmp(name, "js") == 0 ||
             strcmp(name, "urlquery") == 0) {
    *out = escape(name, a, n);
  } else if (strcmp(name, "call") == 0) {
    if (a[0] == NULL || json_is_null(a[0]))
      return fail(msg, "error calling call: call of nil%s%s", "", "");
    return fail(msg, "error calling call: non-function of type %s%s", gt_type(a[0]), "");
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
    *out = recase(json_string_value(a[0]), json_string_length(a[0]), name[0]);
  } else if (strcmp(name, "pad") == 0) {
    if (want(a[0], "string", msg) < 0 || want(a[1], "int", msg) < 0 || want(a[2], "int", msg) < 0)
      return -1;
    json_int_t pre = json_integer_value(a[1]), suf = json_integer_value(a[2]);
    if (json_string_length(a[0]) == 0) {
      *out = json_string("");
      return 0;
    }
    if (pre < 0 || suf < 0)
      return fail(msg, "error calling pad: strings: negative Repeat count%s%s", "", "");
    if (pre > 1000000 || suf > 1000000)
      return fail(msg, "error calling pad: strings: Repeat count too large%s%s", "", "");
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
      return fail(msg, "error calling truncate: runtime error: slice bounds out of range [:%s]%s",
                  x, "");
    }
    *out = json_stringn_nocheck(json_string_value(a[0]), (size_t)l);
  }
  return 0;
}

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

void gt_location(const char *src, size_t pos, size_t *line, size_t *col)
{
  *line = 1;
  *col = pos;
  for (size_t i = 0; i < pos && src[i]; i++)
    if (src[i] == '\n') {
      (*line)++;
      *col = pos - i - 1;
    }
}
