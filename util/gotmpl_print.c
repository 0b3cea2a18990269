/* Go's printing of template values: fmt.Print's %v (maps with sorted keys, "[a b]", floats
 * as %v) and fmt.Sprintf's verbs (encoding/json, docker's {{json}}: gotmpl_json.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/gotmpl_int.h"
#include "util/xalloc.h"

const char *gt_type(json_t *v)
{
  switch ((int)(v ? json_typeof(v) : JSON_NULL)) {
  case JSON_STRING:
    return "string";
  case JSON_INTEGER:
    return "int";
  case JSON_REAL:
    return "float64";
  case JSON_TRUE:
  case JSON_FALSE:
    return "bool";
  case JSON_ARRAY:
    return "[]interface {}";
  case JSON_OBJECT:
    return "map[string]interface {}";
  default:
    return "<nil>";
  }
}

bool gt_truth(json_t *v)
{
  switch ((int)(v ? json_typeof(v) : JSON_NULL)) {
  case JSON_STRING:
    return json_string_length(v) > 0;
  case JSON_INTEGER:
    return json_integer_value(v) != 0;
  case JSON_REAL:
    return json_real_value(v) != 0;
  case JSON_TRUE:
    return true;
  case JSON_ARRAY:
    return json_array_size(v) > 0;
  case JSON_OBJECT:
    return json_object_size(v) > 0;
  default:
    return false;
  }
}

/* The shortest digits that read back as f: digits (no dot) and the decimal exponent. */
static void shortest(double f, char *digits, int *exp)
{
  char tmp[64];
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, f);
    if (strtod(tmp, NULL) == f)
      break;
  }
  char *e = strchr(tmp, 'e');
  *exp = atoi(e + 1);
  size_t k = 0;
  for (char *p = tmp; p < e; p++)
    if (*p >= '0' && *p <= '9')
      digits[k++] = *p;
  while (k > 1 && digits[k - 1] == '0')
    k--;
  digits[k] = '\0';
}

/* strconv.FormatFloat(f, fmt, -1, 64) for fmt 'e', 'f' or 'g' (Go's %v: eprec 6). */
static void format_float(struct gbuf *b, double f, char fmt)
{
  if (isnan(f)) {
    gbuf_str(b, "NaN");
    return;
  }
  if (isinf(f)) {
    gbuf_str(b, f > 0 ? "+Inf" : "-Inf");
    return;
  }
  if (signbit(f)) {
    gbuf_str(b, "-");
    f = -f;
  }
  char d[32];
  int exp = 0;
  if (f == 0) {
    strcpy(d, "0");
  } else {
    shortest(f, d, &exp);
  }
  int nd = (int)strlen(d);
  if (fmt == 'g')
    fmt = (exp < -4 || exp >= 6) ? 'e' : 'f';
  if (fmt == 'e') {
    gbuf_add(b, d, 1);
    if (nd > 1) {
      gbuf_str(b, ".");
      gbuf_str(b, d + 1);
    }
    gbuf_fmt(b, "e%c%02d", exp < 0 ? '-' : '+', abs(exp));
    return;
  }
  if (exp < 0) {
    gbuf_str(b, "0.");
    for (int i = 0; i < -exp - 1; i++)
      gbuf_str(b, "0");
    gbuf_str(b, d);
    return;
  }
  for (int i = 0; i <= exp; i++)
    gbuf_add(b, i < nd ? d + i : "0", 1);
  if (nd > exp + 1) {
    gbuf_str(b, ".");
    gbuf_str(b, d + exp + 1);
  }
}

void gt_float(struct gbuf *b, double f)
{
  format_float(b, f, 'g');
}

static int cmp_keys(const void *a, const void *b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* An object's keys, sorted as Go prints a map. */
const char **gt_sorted_keys(json_t *o, size_t *n)
{
  *n = json_object_size(o);
  const char **keys = xcalloc(*n + 1, sizeof(*keys));
  size_t i = 0;
  const char *k;
  json_t *e;
  json_object_foreach (o, k, e)
    keys[i++] = k;
  qsort(keys, *n, sizeof(*keys), cmp_keys);
  return keys;
}

void gt_print(struct gbuf *b, json_t *v, bool top)
{
  size_t i, n;
  json_t *e;
  switch (v ? json_typeof(v) : JSON_NULL) {
  case JSON_STRING:
    gbuf_add(b, json_string_value(v), json_string_length(v));
    break;
  case JSON_INTEGER:
    gbuf_fmt(b, "%lld", (long long)json_integer_value(v));
    break;
  case JSON_REAL:
    gt_float(b, json_real_value(v));
    break;
  case JSON_TRUE:
    gbuf_str(b, "true");
    break;
  case JSON_FALSE:
    gbuf_str(b, "false");
    break;
  case JSON_NULL:
    gbuf_str(b, top ? "<no value>" : "<nil>");
    break;
  case JSON_ARRAY:
    gbuf_str(b, "[");
    json_array_foreach (v, i, e) {
      if (i)
        gbuf_str(b, " ");
      gt_print(b, e, false);
    }
    gbuf_str(b, "]");
    break;
  case JSON_OBJECT: {
    gbuf_str(b, "map[");
    const char **keys = gt_sorted_keys(v, &n);
    for (i = 0; i < n; i++) {
      gbuf_fmt(b, "%s%s:", i ? " " : "", keys[i]);
      gt_print(b, json_object_get(v, keys[i]), false);
    }
    free(keys);
    gbuf_str(b, "]");
    break;
  }
  }
}

/* ---- fmt.Sprintf ---- */
struct spec {
  bool minus, plus, sharp, space, zero;
  int width, prec; /* -1: none */
  char verb;
};

static size_t runes(const char *s, size_t n)
{
  size_t r = 0;
  for (size_t i = 0; i < n; i++)
    r += ((unsigned char)s[i] & 0xc0) != 0x80;
  return r;
}

static void pad(struct gbuf *b, const struct spec *sp, const char *s, size_t n, bool zeros)
{
  size_t w = runes(s, n);
  size_t fill = sp->width > 0 && (size_t)sp->width > w ? (size_t)sp->width - w : 0;
  if (sp->minus) {
    gbuf_add(b, s, n);
    for (size_t i = 0; i < fill; i++)
      gbuf_str(b, " ");
    return;
  }
  if (zeros && fill && (s[0] == '-' || s[0] == '+' || s[0] == ' ')) {
    gbuf_add(b, s, 1);
    s++;
    n--;
  }
  for (size_t i = 0; i < fill; i++)
    gbuf_str(b, zeros ? "0" : " ");
  gbuf_add(b, s, n);
}

static void quote(struct gbuf *b, const char *s, size_t n, char q)
{
  gbuf_add(b, &q, 1);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    const char *esc = c == '\a'   ? "\\a"
                      : c == '\b' ? "\\b"
                      : c == '\f' ? "\\f"
                      : c == '\n' ? "\\n"
                      : c == '\r' ? "\\r"
                      : c == '\t' ? "\\t"
                      : c == '\v' ? "\\v"
                      : c == '\\' ? "\\\\"
                                  : NULL;
    if (esc)
      gbuf_str(b, esc);
    else if (c == (unsigned char)q)
      gbuf_fmt(b, "\\%c", q);
    else if (c < 0x20 || c == 0x7f)
      gbuf_fmt(b, "\\x%02x", c);
    else
      gbuf_add(b, s + i, 1);
  }
  gbuf_add(b, &q, 1);
}

static void put_utf8(struct gbuf *b, long r)
{
  char u[4];
  if (r < 0 || r > 0x10FFFF || (r >= 0xD800 && r < 0xE000))
    r = 0xFFFD;
  size_t n = r < 0x80 ? 1 : r < 0x800 ? 2 : r < 0x10000 ? 3 : 4;
  if (n == 1)
    u[0] = (char)r;
  for (size_t i = n; n > 1 && i-- > 1; r >>= 6)
    u[i] = (char)(0x80 | (r & 0x3F));
  if (n > 1)
    u[0] = (char)((n == 2 ? 0xC0 : n == 3 ? 0xE0 : 0xF0) | r);
  gbuf_add(b, u, n);
}

static void bad_verb(struct gbuf *b, char verb, json_t *v)
{
  gbuf_fmt(b, "%%!%c(", verb);
  if (v == NULL || json_is_null(v)) {
    gbuf_str(b, "<nil>)");
    return;
  }
  gbuf_fmt(b, "%s=", gt_type(v));
  gt_print(b, v, false);
  gbuf_str(b, ")");
}

static void fmt_int(struct gbuf *b, const struct spec *sp, long long v)
{
  struct gbuf t = {0};
  unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
  char verb = sp->verb == 'v' ? 'd' : sp->verb;
  if (verb == 'c') {
    put_utf8(&t, (long)v);
  } else if (verb == 'q') {
    struct gbuf r = {0};
    put_utf8(&r, (long)v);
    quote(&t, r.s, r.n, '\'');
    free(r.s);
  } else if (verb == 'U') {
    gbuf_fmt(&t, "U+%04llX", u);
  } else {
    int base = verb == 'b'                  ? 2
               : verb == 'o' || verb == 'O' ? 8
               : verb == 'x' || verb == 'X' ? 16
                                            : 10;
    char digits[72];
    int k = 0;
    do {
      int d = (int)(u % (unsigned)base);
      digits[k++] = (char)(d < 10 ? '0' + d : (verb == 'X' ? 'A' : 'a') + d - 10);
      u /= (unsigned)base;
    } while (u);
    if (v == 0 && sp->prec == 0)
      k = 0;
    while (k < sp->prec && k < 70)
      digits[k++] = '0';
    if (v < 0)
      gbuf_str(&t, "-");
    else if (sp->plus)
      gbuf_str(&t, "+");
    else if (sp->space)
      gbuf_str(&t, " ");
    if (sp->sharp || verb == 'O')
      gbuf_str(&t, base == 16  ? (verb == 'X' ? "0X" : "0x")
                   : base == 8 ? (verb == 'O' ? "0o" : "0")
                   : base == 2 ? "0b"
                               : "");
    while (k)
      gbuf_add(&t, &digits[--k], 1);
  }
  gbuf_add(&t, "", 0);
  pad(b, sp, t.s, t.n, sp->zero && !sp->minus && sp->prec < 0 && verb != 'c' && verb != 'q');
  free(t.s);
}

static void fmt_float(struct gbuf *b, const struct spec *sp, double f)
{
  struct gbuf t = {0};
  char verb = sp->verb == 'v' ? 'g' : sp->verb;
  if ((verb == 'g' || verb == 'G') && sp->prec < 0) {
    if (sp->plus && !signbit(f))
      gbuf_str(&t, "+");
    else if (sp->space && !signbit(f))
      gbuf_str(&t, " ");
    format_float(&t, f, 'g');
    if (verb == 'G')
      for (char *c = t.s; *c; c++)
        if (*c == 'e')
          *c = 'E';
  } else if (isinf(f) || isnan(f)) {
    format_float(&t, f, 'g');
  } else {
    char fmt[16];
    snprintf(fmt, sizeof(fmt), "%%%s%s%s.*%c", sp->plus ? "+" : "", sp->space ? " " : "",
             sp->sharp ? "#" : "", verb == 'F' ? 'f' : verb);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    gbuf_fmt(&t, fmt, sp->prec < 0 ? 6 : sp->prec, f); /* fmt: "%[+ #].*[eEfgG]" */
#pragma GCC diagnostic pop
  }
  gbuf_add(&t, "", 0);
  pad(b, sp, t.s, t.n, sp->zero && !sp->minus && isfinite(f));
  free(t.s);
}

static void fmt_one(struct gbuf *b, const struct spec *sp, json_t *v)
{
  char verb = sp->verb;
  if (verb == 'T') {
    const char *t = gt_type(v);
    pad(b, sp, t, strlen(t), false);
    return;
  }
  switch (v ? json_typeof(v) : JSON_NULL) {
  case JSON_NULL:
    if (verb == 'v')
      pad(b, sp, "<nil>", 5, false);
    else
      bad_verb(b, verb, v);
    return;
  case JSON_TRUE:
  case JSON_FALSE:
    if (verb == 'v' || verb == 't')
      pad(b, sp, json_is_true(v) ? "true" : "false", json_is_true(v) ? 4 : 5, false);
    else
      bad_verb(b, verb, v);
    return;
  case JSON_INTEGER:
    if (strchr("vdbcoOqxXU", verb))
      fmt_int(b, sp, (long long)json_integer_value(v));
    else
      bad_verb(b, verb, v);
    return;
  case JSON_REAL:
    if (strchr("veEfFgG", verb))
      fmt_float(b, sp, json_real_value(v));
    else
      bad_verb(b, verb, v);
    return;
  case JSON_STRING: {
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (verb == 'v' || verb == 's') {
      size_t cut = n;
      if (sp->prec >= 0) {
        size_t r = 0;
        for (cut = 0; cut < n; cut++)
          if (((unsigned char)s[cut] & 0xc0) != 0x80 && r++ == (size_t)sp->prec)
            break;
      }
      pad(b, sp, s, cut, false);
    } else if (verb == 'q' || verb == 'x' || verb == 'X') {
      struct gbuf t = {0};
      if (verb == 'q')
        quote(&t, s, n, sp->sharp && !memchr(s, '`', n) ? '`' : '"');
      for (size_t i = 0; verb != 'q' && i < n; i++)
        gbuf_fmt(&t, verb == 'x' ? "%s%02x" : "%s%02X", sp->space && i ? " " : "",
                 (unsigned char)s[i]);
      gbuf_add(&t, "", 0);
      pad(b, sp, t.s, t.n, false);
      free(t.s);
    } else {
      bad_verb(b, verb, v);
    }
    return;
  }
  case JSON_ARRAY: {
    size_t i;
    json_t *e;
    gbuf_str(b, "[");
    json_array_foreach (v, i, e) {
      if (i)
        gbuf_str(b, " ");
      fmt_one(b, sp, e);
    }
    gbuf_str(b, "]");
    return;
  }
  case JSON_OBJECT: {
    size_t n;
    const char **keys = gt_sorted_keys(v, &n);
    gbuf_str(b, "map[");
    for (size_t i = 0; i < n; i++) {
      json_t *k = json_string(keys[i]);
      if (i)
        gbuf_str(b, " ");
      fmt_one(b, sp, k);
      gbuf_str(b, ":");
      fmt_one(b, sp, json_object_get(v, keys[i]));
      json_decref(k);
    }
    free(keys);
    gbuf_str(b, "]");
    return;
  }
  }
}

static int num_arg(const char *f, size_t fl, size_t *i, json_t **args, size_t n, size_t *argi,
                   bool *bad)
{
  if (*i < fl && f[*i] == '*') {
    (*i)++;
    if (*argi >= n || !json_is_integer(args[*argi])) {
      *bad = true;
      (*argi)++;
      return -1;
    }
    return (int)json_integer_value(args[(*argi)++]);
  }
  int v = -1;
  while (*i < fl && f[*i] >= '0' && f[*i] <= '9') {
    v = (v < 0 ? 0 : v) * 10 + (f[*i] - '0');
    if (v > 1000000)
      v = 1000000;
    (*i)++;
  }
  return v;
}

/* An explicit argument index "[n]" (1-based). */
static void arg_index(const char *f, size_t fl, size_t *i, size_t *argi, size_t n, bool *reordered,
                      bool *bad)
{
  if (*i >= fl || f[*i] != '[')
    return;
  *reordered = true;
  size_t j = *i + 1, v = 0;
  while (j < fl && f[j] >= '0' && f[j] <= '9' && v < 100000)
    v = v * 10 + (size_t)(f[j++] - '0');
  if (j >= fl || f[j] != ']' || v < 1 || v > n) {
    *bad = true;
    while (j < fl && f[j] != ']')
      j++;
    *i = j < fl ? j + 1 : j;
    return;
  }
  *argi = v - 1;
  *i = j + 1;
}

void gt_sprintf(struct gbuf *b, const char *f, size_t fl, json_t **args, size_t n)
{
  size_t argi = 0;
  bool reordered = false;
  gbuf_add(b, "", 0);
  for (size_t i = 0; i < fl;) {
    if (f[i] != '%') {
      gbuf_add(b, f + i++, 1);
      continue;
    }
    i++;
    struct spec sp = {.width = -1, .prec = -1};
    for (; i < fl && strchr("+-# 0", f[i]); i++)
      switch (f[i]) {
      case '+':
        sp.plus = true;
        break;
      case '-':
        sp.minus = true;
        break;
      case '#':
        sp.sharp = true;
        break;
      case ' ':
        sp.space = true;
        break;
      default:
        sp.zero = true;
        break;
      }
    bool badi = false;
    arg_index(f, fl, &i, &argi, n, &reordered, &badi);
    bool badw = false, badp = false, star = i < fl && f[i] == '*';
    sp.width = num_arg(f, fl, &i, args, n, &argi, &badw);
    if (star && !badw && sp.width < 0) {
      sp.minus = true;
      sp.width = -sp.width;
    }
    if (i < fl && f[i] == '.') {
      i++;
      sp.prec = num_arg(f, fl, &i, args, n, &argi, &badp);
      if (sp.prec < 0)
        sp.prec = 0;
    }
    if (badw)
      gbuf_str(b, "%!(BADWIDTH)");
    if (badp)
      gbuf_str(b, "%!(BADPREC)");
    arg_index(f, fl, &i, &argi, n, &reordered, &badi);
    if (i >= fl) {
      gbuf_str(b, "%!(NOVERB)");
      break;
    }
    sp.verb = f[i++];
    if (badi && sp.verb != '%') {
      gbuf_fmt(b, "%%!%c(BADINDEX)", sp.verb);
      continue;
    }
    if (sp.verb == '%') {
      gbuf_str(b, "%");
      continue;
    }
    if ((unsigned char)sp.verb >= 0x80) { /* a multi-byte verb: copy it whole */
      gbuf_str(b, "%!");
      gbuf_add(b, f + i - 1, 1);
      while (i < fl && ((unsigned char)f[i] & 0xc0) == 0x80)
        gbuf_add(b, f + i++, 1);
      gbuf_str(b, argi < n ? "(" : "(MISSING)");
      if (argi < n) {
        gbuf_fmt(b, "%s=", gt_type(args[argi]));
        gt_print(b, args[argi++], false);
        gbuf_str(b, ")");
      }
      continue;
    }
    if (argi >= n) {
      gbuf_fmt(b, "%%!%c(MISSING)", sp.verb);
      continue;
    }
    if (sp.verb == 's' || sp.verb == 'v' || strchr("dbcoOqxXUeEfFgGtT", sp.verb))
      fmt_one(b, &sp, args[argi++]);
    else
      bad_verb(b, sp.verb, args[argi++]);
  }
  if (!reordered && argi < n) {
    gbuf_str(b, "%!(EXTRA ");
    for (size_t k = argi; k < n; k++) {
      if (k > argi)
        gbuf_str(b, ", ");
      if (args[k] == NULL || json_is_null(args[k])) {
        gbuf_str(b, "<nil>");
        continue;
      }
      gbuf_fmt(b, "%s=", gt_type(args[k]));
      gt_print(b, args[k], false);
    }
    gbuf_str(b, ")");
  }
}
