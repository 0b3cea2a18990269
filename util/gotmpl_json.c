/* encoding/json of template values as docker's {{json}} writes it (Go's encoder with
 * SetEscapeHTML(false)), and as json.Marshal writes it (<, > and & escaped). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/gotmpl_int.h"
#include "util/gotmpl_opts.h"
#include "util/xalloc.h"

static void json_str(struct gbuf *b, const char *s, size_t n)
{
  gbuf_str(b, "\"");
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\')
      gbuf_fmt(b, "\\%c", c);
    else if (c == '\n')
      gbuf_str(b, "\\n");
    else if (c == '\r')
      gbuf_str(b, "\\r");
    else if (c == '\t')
      gbuf_str(b, "\\t");
    else if (c < 0x20)
      gbuf_fmt(b, "\\u%04x", c);
    else if (c == 0xE2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
             ((unsigned char)s[i + 2] == 0xA8 || (unsigned char)s[i + 2] == 0xA9)) {
      gbuf_fmt(b, "\\u202%c", (unsigned char)s[i + 2] == 0xA8 ? '8' : '9');
      i += 2;
    } else
      gbuf_add(b, s + i, 1);
  }
  gbuf_str(b, "\"");
}

void gt_json_html(struct gbuf *b, json_t *v)
{
  struct gbuf t = {0};
  gt_json(&t, v);
  for (size_t i = 0; i < t.n; i++) { /* outside strings JSON has none of these */
    char c = t.s[i];
    if (c == '<' || c == '>' || c == '&')
      gbuf_fmt(b, "\\u00%s", c == '<' ? "3c" : c == '>' ? "3e" : "26");
    else
      gbuf_add(b, t.s + i, 1);
  }
  free(t.s);
}

void gt_json(struct gbuf *b, json_t *v)
{
  size_t i, n;
  json_t *e;
  switch ((int)(v ? json_typeof(v) : JSON_NULL)) {
  case JSON_STRING:
    json_str(b, json_string_value(v), json_string_length(v));
    break;
  case JSON_INTEGER:
  case JSON_TRUE:
  case JSON_FALSE: /* as fmt prints them */
    gt_print(b, v, false);
    break;
  case JSON_REAL: {
    double f = json_real_value(v), a = fabs(f);
    struct gbuf t = {0};
    if (a != 0 && (a < 1e-6 || a >= 1e21)) {
      gt_float(&t, f); /* exponent form: Go's 'e', "e-07" cleaned to "e-7" */
      char *x = strstr(t.s, "e-0");
      if (x && strlen(x) == 4)
        memmove(x + 2, x + 3, 2);
    } else {
      gbuf_fmt(&t, "%.17g", f);
      for (int p = 1; p <= 17; p++) {
        free(t.s);
        t = (struct gbuf){0};
        gbuf_fmt(&t, "%.*f", p > 0 ? p : 0, f);
        if (strtod(t.s, NULL) == f)
          break;
      }
      while (strchr(t.s, '.') && t.n > 1 && t.s[t.n - 1] == '0')
        t.s[--t.n] = '\0';
      if (t.n && t.s[t.n - 1] == '.')
        t.s[--t.n] = '\0';
    }
    gbuf_str(b, t.s);
    free(t.s);
    break;
  }
  case JSON_ARRAY:
    gbuf_str(b, "[");
    json_array_foreach (v, i, e) {
      if (i)
        gbuf_str(b, ",");
      gt_json(b, e);
    }
    gbuf_str(b, "]");
    break;
  case JSON_OBJECT: {
    /* a map of strings (labels, options, a ps or images row) has its keys sorted, as Go
     * encodes a map; other objects are structs, in their order */
    bool map = true;
    const char *k;
    json_t *omit = json_object_get(v, GOTMPL_OMIT_KEY);
    json_object_foreach (v, k, e)
      map = map && (json_is_string(e) || e == omit);
    n = json_object_size(v);
    const char **keys = xcalloc(n + 1, sizeof(*keys));
    i = 0;
    json_object_foreach (v, k, e) {
      bool skip = e == omit;
      size_t oi;
      json_t *on;
      json_array_foreach (omit, oi, on)
        skip = skip || strcmp(json_string_value(on) ?: "", k) == 0;
      if (!skip)
        keys[i++] = k;
    }
    n = i;
    for (size_t a = 1; map && a < n; a++)
      for (size_t c = a; c > 0 && strcmp(keys[c - 1], keys[c]) > 0; c--) {
        const char *t = keys[c];
        keys[c] = keys[c - 1];
        keys[c - 1] = t;
      }
    gbuf_str(b, "{");
    for (i = 0; i < n; i++) {
      if (i)
        gbuf_str(b, ",");
      json_str(b, keys[i], strlen(keys[i]));
      gbuf_str(b, ":");
      gt_json(b, json_object_get(v, keys[i]));
    }
    gbuf_str(b, "}");
    free(keys);
    break;
  }
  default:
    gbuf_str(b, "null");
  }
}
