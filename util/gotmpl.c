#include "util/gotmpl.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

struct buf {
  char *s;
  size_t n, cap;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
  if (b->n + n + 1 > b->cap) {
    b->cap = (b->n + n + 1) * 2;
    b->s = xrealloc(b->s, b->cap);
  }
  memcpy(b->s + b->n, s, n);
  b->n += n;
  b->s[b->n] = '\0';
}

static void buf_str(struct buf *b, const char *s)
{
  buf_add(b, s, strlen(s));
}

bool gotmpl_is_table(const char *tmpl)
{
  return tmpl && strncmp(tmpl, "table", 5) == 0 &&
         (tmpl[5] == '\0' || isspace((unsigned char)tmpl[5]));
}

const char *gotmpl_body(const char *tmpl)
{
  if (!gotmpl_is_table(tmpl))
    return tmpl;
  tmpl += 5;
  while (*tmpl == ' ')
    tmpl++;
  return tmpl;
}

static int strcmp_ptr_cb(const void *a, const void *b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void value_to_buf(struct buf *b, json_t *v)
{
  char tmp[64];
  if (v == NULL) {
    buf_str(b, "<no value>");
    return;
  }
  switch (json_typeof(v)) {
  case JSON_STRING:
    buf_add(b, json_string_value(v), json_string_length(v));
    break;
  case JSON_INTEGER:
    snprintf(tmp, sizeof(tmp), "%lld", (long long)json_integer_value(v));
    buf_str(b, tmp);
    break;
  case JSON_REAL:
    snprintf(tmp, sizeof(tmp), "%g", json_real_value(v));
    buf_str(b, tmp);
    break;
  case JSON_TRUE:
    buf_str(b, "true");
    break;
  case JSON_FALSE:
    buf_str(b, "false");
    break;
  case JSON_NULL:
    buf_str(b, "<nil>");
    break;
  case JSON_ARRAY: {
    buf_str(b, "[");
    size_t i;
    json_t *e;
    json_array_foreach (v, i, e) {
      if (i)
        buf_str(b, " ");
      value_to_buf(b, e);
    }
    buf_str(b, "]");
    break;
  }
  case JSON_OBJECT: {
    buf_str(b, "map[");
    /* Go prints map keys sorted */
    size_t nk = json_object_size(v), i = 0;
    const char **keys = xcalloc(nk + 1, sizeof(*keys));
    const char *k;
    json_t *e;
    json_object_foreach (v, k, e)
      keys[i++] = k;
    qsort(keys, nk, sizeof(*keys), strcmp_ptr_cb);
    for (i = 0; i < nk; i++) {
      if (i)
        buf_str(b, " ");
      buf_str(b, keys[i]);
      buf_str(b, ":");
      value_to_buf(b, json_object_get(v, keys[i]));
    }
    free(keys);
    buf_str(b, "]");
    break;
  }
  }
}

char *gotmpl_value(json_t *v)
{
  struct buf b = {0};
  buf_str(&b, "");
  value_to_buf(&b, v);
  return b.s;
}

/* ---- parsing ---- */

enum node_kind { N_TEXT, N_ACTION, N_RANGE, N_IF };

struct node {
  enum node_kind kind;
  char *text;        /* N_TEXT: literal; others: the expression */
  struct node *body; /* N_RANGE/N_IF */
  size_t n_body;
  struct node *other; /* else branch */
  size_t n_other;
};

static void nodes_free(struct node *v, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    free(v[i].text);
    nodes_free(v[i].body, v[i].n_body);
    nodes_free(v[i].other, v[i].n_other);
  }
  free(v);
}

static void node_push(struct node **v, size_t *n, struct node nd)
{
  *v = xrealloc(*v, (*n + 1) * sizeof(**v));
  (*v)[(*n)++] = nd;
}

/* Parse until {{end}} / {{else}} (when nested) or the end of input. *stop gets "end",
 * "else" or NULL. */
static int parse_nodes(const char **pp, struct node **out, size_t *nout, const char **stop,
                       struct td_err **err)
{
  const char *p = *pp;
  *stop = NULL;
  while (*p) {
    const char *open = strstr(p, "{{");
    if (open == NULL) {
      node_push(out, nout, (struct node){.kind = N_TEXT, .text = xstrdup(p)});
      p += strlen(p);
      break;
    }
    if (open > p)
      node_push(out, nout, (struct node){.kind = N_TEXT, .text = xstrndup(p, (size_t)(open - p))});
    const char *close = strstr(open + 2, "}}");
    if (close == NULL)
      return err_set(err, 0, "template parsing error: unclosed action");
    const char *a = open + 2, *e = close;
    if (*a == '-')
      a++;
    if (e > a && e[-1] == '-')
      e--;
    while (a < e && isspace((unsigned char)*a))
      a++;
    while (e > a && isspace((unsigned char)e[-1]))
      e--;
    autofree char *act = xstrndup(a, (size_t)(e - a));
    p = close + 2;
    if (strcmp(act, "end") == 0 || strcmp(act, "else") == 0) {
      *stop = strcmp(act, "end") == 0 ? "end" : "else";
      *pp = p;
      return 0;
    }
    bool is_range = strncmp(act, "range ", 6) == 0, is_if = strncmp(act, "if ", 3) == 0;
    if (is_range || is_if) {
      struct node nd = {.kind = is_range ? N_RANGE : N_IF,
                        .text = xstrdup(act + (is_range ? 6 : 3))};
      const char *st = NULL;
      if (parse_nodes(&p, &nd.body, &nd.n_body, &st, err) < 0 ||
          (st && strcmp(st, "else") == 0 &&
           parse_nodes(&p, &nd.other, &nd.n_other, &st, err) < 0)) {
        nodes_free(nd.body, nd.n_body);
        nodes_free(nd.other, nd.n_other);
        free(nd.text);
        return -1;
      }
      if (st == NULL || strcmp(st, "end") != 0) {
        nodes_free(nd.body, nd.n_body);
        nodes_free(nd.other, nd.n_other);
        free(nd.text);
        return err_set(err, 0, "template parsing error: unexpected EOF");
      }
      node_push(out, nout, nd);
      continue;
    }
    node_push(out, nout, (struct node){.kind = N_ACTION, .text = steal_ptr(act)});
  }
  *pp = p;
  return 0;
}

/* ---- evaluation ---- */

static json_t *lookup_path(json_t *dot, const char *path)
{
  if (strcmp(path, ".") == 0)
    return dot;
  json_t *cur = dot;
  const char *p = path + 1;
  while (*p && cur) {
    const char *dotp = strchr(p, '.');
    size_t n = dotp ? (size_t)(dotp - p) : strlen(p);
    char key[256];
    if (n >= sizeof(key))
      return NULL;
    memcpy(key, p, n);
    key[n] = '\0';
    cur = json_is_object(cur) ? json_object_get(cur, key) : NULL;
    p += n;
    if (*p == '.')
      p++;
  }
  return cur;
}

/* Split an expression into words; "quoted strings" stay one word (quotes kept). */
static char **split_words(const char *s)
{
  char **v = NULL;
  while (*s) {
    while (isspace((unsigned char)*s))
      s++;
    if (!*s)
      break;
    const char *st = s;
    if (*s == '"') {
      s++;
      while (*s && *s != '"')
        s += (*s == '\\' && s[1]) ? 2 : 1;
      if (*s)
        s++;
    } else {
      while (*s && !isspace((unsigned char)*s))
        s++;
    }
    strv_push_owned(&v, xstrndup(st, (size_t)(s - st)));
  }
  if (v == NULL)
    v = xcalloc(1, sizeof(*v));
  return v;
}

/* Evaluate an argument word into a (new reference) JSON value. */
static json_t *eval_arg(json_t *dot, const char *w, struct td_err **err)
{
  if (w[0] == '"') {
    size_t n = strlen(w);
    autofree char *s = xstrndup(w + 1, n >= 2 ? n - 2 : 0);
    return json_string(s);
  }
  if (w[0] == '.') {
    json_t *v = lookup_path(dot, w);
    return v ? json_incref(v) : NULL;
  }
  if (isdigit((unsigned char)w[0]))
    return json_integer(strtoll(w, NULL, 10));
  err_set(err, 0, "template: function \"%s\" not defined", w);
  return NULL;
}

static int eval_expr(json_t *dot, const char *expr, json_t **out, struct td_err **err)
{
  autostrv char **w = split_words(expr);
  size_t n = strv_len(w);
  *out = NULL;
  if (n == 0)
    return err_set(err, 0, "template: missing value for command");
  if (n == 1) {
    if (w[0][0] != '.' && w[0][0] != '"' && !isdigit((unsigned char)w[0][0]))
      return err_set(err, 0, "template: function \"%s\" not defined", w[0]);
    struct td_err *e2 = NULL;
    *out = eval_arg(dot, w[0], &e2);
    return 0;
  }
  const char *fn = w[0];
  autojson json_t *a1 = NULL;
  struct td_err *e2 = NULL;
  a1 = eval_arg(dot, w[1], &e2);
  if (e2) {
    *err = e2;
    return -1;
  }
  if (strcmp(fn, "json") == 0) {
    autofree char *s = a1 ? json_dumps(a1, JSON_COMPACT | JSON_ENCODE_ANY) : xstrdup("null");
    *out = json_string(s);
    return 0;
  }
  if (strcmp(fn, "upper") == 0 || strcmp(fn, "lower") == 0 || strcmp(fn, "title") == 0) {
    char *s = gotmpl_value(a1);
    for (char *c = s; *c; c++)
      *c = (char)(fn[0] == 'u'   ? toupper((unsigned char)*c)
                  : fn[0] == 'l' ? tolower((unsigned char)*c)
                                 : *c);
    if (fn[0] == 't' && *s)
      *s = (char)toupper((unsigned char)*s);
    *out = json_string(s);
    free(s);
    return 0;
  }
  if ((strcmp(fn, "index") == 0 || strcmp(fn, "join") == 0) && n == 3) {
    autojson json_t *a2 = eval_arg(dot, w[2], &e2);
    if (e2) {
      *err = e2;
      return -1;
    }
    if (fn[0] == 'i') {
      if (json_is_object(a1) && json_is_string(a2))
        *out = json_incref(json_object_get(a1, json_string_value(a2)));
      else if (json_is_array(a1) && json_is_integer(a2))
        *out = json_incref(json_array_get(a1, (size_t)json_integer_value(a2)));
      return 0;
    }
    struct buf b = {0};
    buf_str(&b, "");
    size_t i;
    json_t *e;
    if (json_is_array(a1))
      json_array_foreach (a1, i, e) {
        if (i)
          buf_str(&b, json_string_value(a2) ? json_string_value(a2) : "");
        value_to_buf(&b, e);
      }
    *out = json_string(b.s);
    free(b.s);
    return 0;
  }
  return err_set(err, 0, "template: function \"%s\" not defined", fn);
}

static bool truthy(json_t *v)
{
  if (v == NULL || json_is_null(v) || json_is_false(v))
    return false;
  if (json_is_string(v))
    return json_string_length(v) > 0;
  if (json_is_integer(v))
    return json_integer_value(v) != 0;
  if (json_is_array(v))
    return json_array_size(v) > 0;
  if (json_is_object(v))
    return json_object_size(v) > 0;
  return true;
}

static int render(struct node *v, size_t n, json_t *dot, struct buf *b, struct td_err **err)
{
  for (size_t i = 0; i < n; i++) {
    struct node *nd = &v[i];
    if (nd->kind == N_TEXT) {
      buf_str(b, nd->text);
      continue;
    }
    autojson json_t *val = NULL;
    if (eval_expr(dot, nd->text, &val, err) < 0)
      return -1;
    if (nd->kind == N_ACTION) {
      value_to_buf(b, val);
    } else if (nd->kind == N_IF) {
      if (render(truthy(val) ? nd->body : nd->other, truthy(val) ? nd->n_body : nd->n_other, dot, b,
                 err) < 0)
        return -1;
    } else {
      size_t count = 0;
      if (json_is_array(val)) {
        size_t j;
        json_t *e;
        json_array_foreach (val, j, e) {
          count++;
          if (render(nd->body, nd->n_body, e, b, err) < 0)
            return -1;
        }
      } else if (json_is_object(val)) {
        const char *k;
        json_t *e;
        json_object_foreach (val, k, e) {
          count++;
          if (render(nd->body, nd->n_body, e, b, err) < 0)
            return -1;
        }
      }
      if (count == 0 && render(nd->other, nd->n_other, dot, b, err) < 0)
        return -1;
    }
  }
  return 0;
}

static char *unescape(const char *s)
{
  struct buf b = {0};
  buf_str(&b, "");
  for (; *s; s++) {
    if (s[0] == '\\' && (s[1] == 't' || s[1] == 'n')) {
      buf_str(&b, s[1] == 't' ? "\t" : "\n");
      s++;
    } else {
      buf_add(&b, s, 1);
    }
  }
  return b.s;
}

struct gotmpl {
  struct node *nodes;
  size_t n;
};

int gotmpl_parse(const char *tmpl, struct gotmpl **out, struct td_err **err)
{
  autofree char *body = unescape(gotmpl_body(tmpl));
  struct node *nodes = NULL;
  size_t n = 0;
  const char *p = body, *stop = NULL;
  if (parse_nodes(&p, &nodes, &n, &stop, err) < 0) {
    nodes_free(nodes, n);
    return -1;
  }
  if (stop != NULL) {
    nodes_free(nodes, n);
    return err_set(err, 0, "template parsing error: unexpected {{%s}}", stop);
  }
  struct gotmpl *t = xcalloc(1, sizeof(*t));
  t->nodes = nodes;
  t->n = n;
  *out = t;
  return 0;
}

int gotmpl_exec(const struct gotmpl *t, json_t *data, char **out, struct td_err **err)
{
  struct buf b = {0};
  buf_str(&b, "");
  if (render(t->nodes, t->n, data, &b, err) < 0) {
    free(b.s);
    return -1;
  }
  *out = b.s;
  return 0;
}

void gotmpl_free(struct gotmpl *t)
{
  if (t == NULL)
    return;
  nodes_free(t->nodes, t->n);
  free(t);
}

int gotmpl_render(const char *tmpl, json_t *data, char **out, struct td_err **err)
{
  struct gotmpl *t = NULL;
  if (gotmpl_parse(tmpl, &t, err) < 0)
    return -1;
  int r = gotmpl_exec(t, data, out, err);
  gotmpl_free(t);
  return r;
}

char *gotmpl_header(const char *tmpl, const char *(*header)(const char *field))
{
  autofree char *body = unescape(gotmpl_body(tmpl));
  struct buf b = {0};
  buf_str(&b, "");
  const char *p = body;
  while (*p) {
    const char *open = strstr(p, "{{");
    const char *close = open ? strstr(open, "}}") : NULL;
    if (open == NULL || close == NULL) {
      buf_str(&b, p);
      break;
    }
    buf_add(&b, p, (size_t)(open - p));
    autofree char *act = xstrndup(open + 2, (size_t)(close - open - 2));
    autostrv char **w = split_words(act);
    const char *field = NULL;
    for (char **x = w; *x; x++)
      if ((*x)[0] == '.' && (*x)[1])
        field = *x + 1;
    if (field) {
      const char *h = header ? header(field) : NULL;
      if (h) {
        buf_str(&b, h);
      } else {
        for (const char *c = field; *c; c++) {
          char up = (char)toupper((unsigned char)*c);
          buf_add(&b, &up, 1);
        }
      }
    }
    p = close + 2;
  }
  return b.s;
}
