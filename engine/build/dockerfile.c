/* The Dockerfile parser: docker's reference grammar (parser directives, comments, line
 * continuations, JSON and shell forms, flags, ENV/LABEL/ARG name-value pairs, ONBUILD) into a
 * typed list. Pure: no I/O. Words stay unexpanded: the build expands them as it goes, with the
 * ARG and ENV values in force at that step, as docker does. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "engine/build/build.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

static const char *const kind_names[] = {
    [DF_FROM] = "FROM",
    [DF_RUN] = "RUN",
    [DF_CMD] = "CMD",
    [DF_LABEL] = "LABEL",
    [DF_MAINTAINER] = "MAINTAINER",
    [DF_EXPOSE] = "EXPOSE",
    [DF_ENV] = "ENV",
    [DF_ADD] = "ADD",
    [DF_COPY] = "COPY",
    [DF_ENTRYPOINT] = "ENTRYPOINT",
    [DF_VOLUME] = "VOLUME",
    [DF_USER] = "USER",
    [DF_WORKDIR] = "WORKDIR",
    [DF_ARG] = "ARG",
    [DF_ONBUILD] = "ONBUILD",
    [DF_STOPSIGNAL] = "STOPSIGNAL",
    [DF_HEALTHCHECK] = "HEALTHCHECK",
    [DF_SHELL] = "SHELL",
};
#define N_KINDS (sizeof(kind_names) / sizeof(kind_names[0]))

const char *df_kind_name(enum df_kind k)
{
  return (size_t)k < N_KINDS ? kind_names[k] : "?";
}

/* a parse error: docker's wording, exit 1 as docker's CLI */
__attribute__((format(printf, 3, 4))) static int perr(struct td_err **err, unsigned line,
                                                      const char *fmt, ...)
{
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  return err_set_exit(err, 1, 0, "dockerfile parse error line %u: %s", line, buf);
}

void df_instr_clear(struct df_instr *in)
{
  free(in->original);
  free(in->rest);
  strv_free(in->flags);
  strv_free(in->args);
  for (size_t i = 0; i < in->n_kvs; i++) {
    free(in->kvs[i].key);
    free(in->kvs[i].value);
  }
  free(in->kvs);
  for (size_t i = 0; i < in->n_heredocs; i++) {
    free(in->heredocs[i].name);
    free(in->heredocs[i].body);
  }
  free(in->heredocs);
  memset(in, 0, sizeof(*in));
}

void df_free(struct dockerfile *df)
{
  for (size_t i = 0; i < df->n; i++)
    df_instr_clear(&df->v[i]);
  free(df->v);
  free(df->syntax);
  memset(df, 0, sizeof(*df));
}

const char *df_flag(const struct df_instr *in, const char *name)
{
  size_t n = strlen(name);
  for (char **f = in->flags; f && *f; f++) {
    const char *s = *f + 2;
    if (strncmp(s, name, n) == 0 && (s[n] == '=' || s[n] == '\0'))
      return s[n] == '=' ? s + n + 1 : s + n;
  }
  return NULL;
}

int df_check_flags(const struct df_instr *in, const char *const *allowed, struct td_err **err)
{
  for (char **f = in->flags; f && *f; f++) {
    const char *s = *f + 2;
    size_t n = strcspn(s, "=");
    bool ok = false;
    for (const char *const *a = allowed; a && *a && !ok; a++)
      ok = strlen(*a) == n && strncmp(*a, s, n) == 0;
    if (!ok)
      return perr(err, in->line, "Unknown flag: %.*s", (int)n, s);
  }
  return 0;
}

static bool is_ws(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static const char *skip_ws(const char *s)
{
  while (*s && is_ws(*s))
    s++;
  return s;
}

static char *trim_dup(const char *s, size_t n)
{
  while (n && is_ws(*s)) {
    s++;
    n--;
  }
  while (n && is_ws(s[n - 1]))
    n--;
  return xstrndup(s, n);
}

/* docker's parseWords: split on whitespace outside quotes; quotes and escapes are kept (the
 * expansion removes them). */
static char **split_words(const char *s, char escape)
{
  char **v = xcalloc(1, sizeof(char *));
  const char *p = skip_ws(s);
  while (*p) {
    const char *start = p;
    char quote = 0;
    while (*p) {
      if (*p == escape && p[1]) {
        p += 2;
        continue;
      }
      if (quote) {
        if (*p == quote)
          quote = 0;
      } else if (*p == '"' || *p == '\'') {
        quote = *p;
      } else if (is_ws(*p)) {
        break;
      }
      p++;
    }
    strv_push_owned(&v, xstrndup(start, (size_t)(p - start)));
    p = skip_ws(p);
  }
  return v;
}

/* a JSON array of strings, or NULL */
static char **json_form(const char *s)
{
  s = skip_ws(s);
  if (*s != '[')
    return NULL;
  json_t *j = json_loads(s, JSON_DECODE_ANY, NULL);
  if (!json_is_array(j)) {
    json_decref(j);
    return NULL;
  }
  char **v = xcalloc(1, sizeof(char *));
  size_t i;
  json_t *x;
  json_array_foreach (j, i, x) {
    if (!json_is_string(x)) {
      strv_free(v);
      json_decref(j);
      return NULL;
    }
    strv_push(&v, json_string_value(x));
  }
  json_decref(j);
  return v;
}

/* ENV/LABEL: "k=v k2=v2" or the legacy "k v w" (one pair, the rest is the value) */
static int parse_name_val(struct df_instr *in, const char *rest, char escape, bool legacy_ok,
                          struct td_err **err)
{
  const char *name = df_kind_name(in->kind);
  autostrv char **w = split_words(rest, escape);
  if (strv_len(w) == 0)
    return perr(err, in->line, "%s requires at least one argument", name);
  if (strchr(w[0], '=') == NULL || w[0][0] == '=') {
    if (!legacy_ok || w[0][0] == '=')
      return perr(err, in->line, "%s names can not be blank", name);
    /* legacy form: the first word is the name, everything after the whitespace the value */
    if (strv_len(w) < 2)
      return perr(err, in->line, "%s must have two arguments", name);
    const char *p = skip_ws(rest);
    size_t kn = strlen(w[0]);
    in->kvs = xcalloc(1, sizeof(*in->kvs));
    in->kvs[0].key = xstrdup(w[0]);
    in->kvs[0].value = trim_dup(p + kn, strlen(p + kn));
    in->n_kvs = 1;
    return 0;
  }
  size_t n = strv_len(w);
  in->kvs = xcalloc(n, sizeof(*in->kvs));
  for (size_t i = 0; i < n; i++) {
    const char *eq = strchr(w[i], '=');
    if (eq == NULL)
      return perr(err, in->line,
                  "Syntax error - can't find = in \"%s\". Must be of the form: name=value", w[i]);
    if (eq == w[i])
      return perr(err, in->line, "%s names can not be blank", name);
    in->kvs[i].key = xstrndup(w[i], (size_t)(eq - w[i]));
    in->kvs[i].value = xstrdup(eq + 1);
    in->n_kvs++;
  }
  return 0;
}

static int parse_arg(struct df_instr *in, const char *rest, char escape, struct td_err **err)
{
  autostrv char **w = split_words(rest, escape);
  size_t n = strv_len(w);
  if (n == 0)
    return perr(err, in->line, "ARG requires at least one argument");
  in->kvs = xcalloc(n, sizeof(*in->kvs));
  for (size_t i = 0; i < n; i++) {
    const char *eq = strchr(w[i], '=');
    if (eq == w[i])
      return perr(err, in->line, "ARG names can not be blank");
    in->kvs[i].key = eq ? xstrndup(w[i], (size_t)(eq - w[i])) : xstrdup(w[i]);
    in->kvs[i].value = eq ? xstrdup(eq + 1) : NULL;
    in->n_kvs++;
  }
  return 0;
}

/* RUN/CMD/ENTRYPOINT (and HEALTHCHECK CMD): JSON array, else one shell string */
static void maybe_json(struct df_instr *in, const char *rest)
{
  char **j = json_form(rest);
  if (j) {
    in->json = true;
    in->args = j;
    return;
  }
  in->args = xcalloc(2, sizeof(char *));
  in->args[0] = trim_dup(rest, strlen(rest));
}

static int parse_args(struct df_instr *in, const char *rest, char escape, struct td_err **err)
{
  const char *name = df_kind_name(in->kind);
  bool empty = *skip_ws(rest) == '\0';
  switch (in->kind) {
  case DF_FROM: {
    in->args = split_words(rest, escape);
    size_t n = strv_len(in->args);
    if (n != 1 && n != 3)
      return perr(err, in->line, "FROM requires either one or three arguments");
    if (n == 3 && strcasecmp(in->args[1], "as") != 0)
      return perr(err, in->line, "FROM requires either one or three arguments");
    return 0;
  }
  case DF_RUN:
  case DF_CMD:
  case DF_ENTRYPOINT:
    if (empty && in->kind == DF_RUN)
      return perr(err, in->line, "RUN requires at least one argument");
    maybe_json(in, rest);
    return 0;
  case DF_SHELL:
    in->args = json_form(rest);
    if (in->args == NULL)
      return perr(err, in->line, "SHELL requires the arguments to be in JSON form");
    in->json = true;
    if (strv_len(in->args) == 0)
      return perr(err, in->line, "SHELL requires at least one argument");
    return 0;
  case DF_ADD:
  case DF_COPY:
  case DF_VOLUME:
    in->args = json_form(rest);
    if (in->args)
      in->json = true;
    else
      in->args = split_words(rest, escape);
    if (in->kind == DF_VOLUME) {
      if (strv_len(in->args) == 0)
        return perr(err, in->line, "VOLUME requires at least one argument");
      for (char **a = in->args; *a; a++)
        if (**a == '\0')
          return perr(err, in->line, "VOLUME specified can not be an empty string");
    } else if (strv_len(in->args) < 2) {
      return perr(err, in->line, "%s requires at least two arguments, but only %zu provided", name,
                  strv_len(in->args));
    }
    return 0;
  case DF_ENV:
    return parse_name_val(in, rest, escape, true, err);
  case DF_LABEL:
    return parse_name_val(in, rest, escape, true, err);
  case DF_ARG:
    return parse_arg(in, rest, escape, err);
  case DF_EXPOSE:
    in->args = split_words(rest, escape);
    if (strv_len(in->args) == 0)
      return perr(err, in->line, "EXPOSE requires at least one argument");
    return 0;
  case DF_USER:
  case DF_WORKDIR:
  case DF_STOPSIGNAL:
  case DF_MAINTAINER:
    if (empty)
      return perr(err, in->line, "%s requires exactly one argument", name);
    in->args = xcalloc(2, sizeof(char *));
    in->args[0] = trim_dup(rest, strlen(rest));
    if (in->kind == DF_STOPSIGNAL || in->kind == DF_USER) {
      autostrv char **w = split_words(rest, escape);
      if (strv_len(w) != 1)
        return perr(err, in->line, "%s requires exactly one argument", name);
    }
    return 0;
  case DF_HEALTHCHECK: {
    const char *p = skip_ws(rest);
    size_t wl = strcspn(p, " \t");
    if (wl == 4 && strncasecmp(p, "NONE", 4) == 0) {
      if (*skip_ws(p + 4))
        return perr(err, in->line, "HEALTHCHECK NONE takes no arguments");
      in->health_none = true;
      return 0;
    }
    if (wl != 3 || strncasecmp(p, "CMD", 3) != 0)
      return perr(err, in->line, "Unknown type \"%.*s\" in HEALTHCHECK (try CMD)", (int)wl, p);
    if (*skip_ws(p + 3) == '\0')
      return perr(err, in->line, "Missing command after HEALTHCHECK CMD");
    maybe_json(in, p + 3);
    return 0;
  }
  case DF_ONBUILD: {
    if (empty)
      return perr(err, in->line, "ONBUILD requires at least one argument");
    const char *p = skip_ws(rest);
    size_t wl = strcspn(p, " \t");
    if ((wl == 7 && strncasecmp(p, "ONBUILD", 7) == 0))
      return perr(err, in->line, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
    if ((wl == 4 && strncasecmp(p, "FROM", 4) == 0) ||
        (wl == 10 && strncasecmp(p, "MAINTAINER", 10) == 0))
      return perr(err, in->line, "%.*s isn't allowed as an ONBUILD trigger", (int)wl, p);
    /* the trigger must itself parse */
    struct df_instr sub = {0};
    autoerr struct td_err *e2 = NULL;
    if (df_parse_line(p, escape, in->line, &sub, &e2) < 0) {
      *err = steal_ptr(e2);
      return -1;
    }
    df_instr_clear(&sub);
    return 0;
  }
  }
  return perr(err, in->line, "unknown instruction: %s", name);
}

int df_parse_line(const char *line, char escape, unsigned lineno, struct df_instr *out,
                  struct td_err **err)
{
  memset(out, 0, sizeof(*out));
  out->line = lineno;
  const char *p = skip_ws(line);
  size_t wl = 0;
  while (p[wl] && !is_ws(p[wl]))
    wl++;
  bool found = false;
  for (size_t k = 0; k < N_KINDS; k++)
    if (strlen(kind_names[k]) == wl && strncasecmp(kind_names[k], p, wl) == 0) {
      out->kind = (enum df_kind)k;
      found = true;
    }
  if (!found) {
    autofree char *w = xstrndup(p, wl);
    for (char *c = w; *c; c++)
      *c = (char)toupper((unsigned char)*c);
    return perr(err, lineno, "unknown instruction: %s", w);
  }
  out->original = trim_dup(p, strlen(p));
  const char *rest = skip_ws(p + wl);
  out->flags = xcalloc(1, sizeof(char *));
  /* docker's extractBuilderFlags: leading "--x[=y]" words (ONBUILD keeps them for its trigger) */
  while (out->kind != DF_ONBUILD && rest[0] == '-' && rest[1] == '-') {
    size_t n = 0;
    while (rest[n] && !is_ws(rest[n]))
      n++;
    if (n == 2) { /* "--" ends the flags */
      rest = skip_ws(rest + n);
      break;
    }
    strv_push_owned(&out->flags, xstrndup(rest, n));
    rest = skip_ws(rest + n);
  }
  out->rest = trim_dup(rest, strlen(rest));
  if (parse_args(out, rest, escape, err) < 0) {
    df_instr_clear(out);
    return -1;
  }
  return 0;
}

/* "# key=value" at the top (before any other line): escape and syntax */
static bool directive(const char *line, size_t n, char **key, char **val)
{
  const char *p = line, *end = line + n;
  if (p >= end || *p != '#')
    return false;
  p++;
  while (p < end && is_ws(*p))
    p++;
  const char *k = p;
  while (p < end && (isalnum((unsigned char)*p) || *p == '_' || *p == '-'))
    p++;
  if (p == k || !isalpha((unsigned char)*k))
    return false;
  const char *ke = p;
  while (p < end && is_ws(*p))
    p++;
  if (p >= end || *p != '=')
    return false;
  p++;
  *key = xstrndup(k, (size_t)(ke - k));
  for (char *c = *key; *c; c++)
    *c = (char)tolower((unsigned char)*c);
  *val = trim_dup(p, (size_t)(end - p));
  return true;
}

/* Whether a line ends with the escape character (trailing whitespace allowed); n is cut to
 * before it. */
static bool continues(const char *s, size_t *n, char escape)
{
  size_t e = *n;
  while (e && is_ws(s[e - 1]))
    e--;
  if (e && s[e - 1] == escape) {
    *n = e - 1;
    return true;
  }
  return false;
}

static bool blank_or_comment(const char *s, size_t n)
{
  size_t i = 0;
  while (i < n && is_ws(s[i]))
    i++;
  return i == n || s[i] == '#';
}

/* The here-document markers of a RUN/COPY/ADD line ("<<EOF", "<<-EOF", "<<'EOF'",
 * "<<\"EOF\""), outside quotes, in order; the bodies are filled by the caller. */
static size_t heredoc_markers(const char *line, char escape, struct df_heredoc **out)
{
  const char *p = skip_ws(line);
  size_t wl = strcspn(p, " \t");
  if (!((wl == 3 && (strncasecmp(p, "RUN", 3) == 0 || strncasecmp(p, "ADD", 3) == 0)) ||
        (wl == 4 && strncasecmp(p, "COPY", 4) == 0)))
    return 0;
  size_t n = 0;
  char quote = 0;
  for (p += wl; *p; p++) {
    if (*p == escape && p[1]) {
      p++;
      continue;
    }
    if (quote) {
      if (*p == quote)
        quote = 0;
      continue;
    }
    if (*p == '"' || *p == '\'') {
      quote = *p;
      continue;
    }
    if (p[0] != '<' || p[1] != '<' || p[2] == '<')
      continue;
    const char *q = p + 2;
    bool chomp = *q == '-';
    if (chomp)
      q++;
    char qc = (*q == '"' || *q == '\'') ? *q : 0;
    if (qc)
      q++;
    size_t k = 0;
    while (isalnum((unsigned char)q[k]) || q[k] == '_' || q[k] == '.' || q[k] == '-')
      k++;
    if (k == 0 || (qc && q[k] != qc))
      continue;
    *out = xrealloc(*out, (n + 1) * sizeof(**out));
    (*out)[n++] = (struct df_heredoc){
        .name = xstrndup(q, k), .expand = qc == 0, .chomp = chomp, .body = xstrdup("")};
    p = q + k - 1 + (qc ? 1 : 0);
  }
  return n;
}

int df_parse(const char *text, size_t len, const char *name, struct dockerfile *out,
             struct td_err **err)
{
  memset(out, 0, sizeof(*out));
  out->escape = '\\';
  if (memchr(text, '\0', len))
    return err_set_exit(err, 1, 0, "%s: dockerfile parse error: a NUL byte in the file", name);
  const char *p = text, *end = text + len;
  /* a UTF-8 byte order mark is skipped, as docker does */
  if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
    p += 3;
  unsigned lineno = 0;
  bool directives = true;
  size_t cap = 0;
  char *buf = NULL;
  size_t blen = 0;
  unsigned start = 0;
  int rc = 0;
  while (p < end && rc == 0) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
    const char *line = p;
    p = nl ? nl + 1 : end;
    lineno++;
    if (n && line[n - 1] == '\r')
      n--;
    if (directives) {
      char *k = NULL, *v = NULL;
      if (directive(line, n, &k, &v)) {
        if (strcmp(k, "escape") == 0) {
          if (strcmp(v, "\\") != 0 && strcmp(v, "`") != 0)
            rc = perr(err, lineno, "invalid escape token '%s' does not match ` or \\", v);
          else
            out->escape = v[0];
        } else if (strcmp(k, "syntax") == 0) {
          free(out->syntax);
          out->syntax = xstrdup(v);
        }
        free(k);
        free(v);
        continue;
      }
      directives = false;
    }
    if (blen == 0 && blank_or_comment(line, n))
      continue;
    if (blen > 0) { /* inside a continuation: comments and blank lines are dropped */
      size_t i = 0;
      while (i < n && is_ws(line[i]))
        i++;
      if (i == n || line[i] == '#')
        continue;
    } else {
      start = lineno;
    }
    bool more = continues(line, &n, out->escape);
    if (blen + n + 1 > cap) {
      cap = (blen + n + 1) * 2;
      buf = xrealloc(buf, cap);
    }
    memcpy(buf + blen, line, n);
    blen += n;
    buf[blen] = '\0';
    if (more && p < end)
      continue;
    if (*skip_ws(buf) != '\0') {
      /* here-documents: the lines after the instruction, up to each delimiter */
      struct df_heredoc *hd = NULL;
      size_t nh = heredoc_markers(buf, out->escape, &hd);
      for (size_t h = 0; h < nh && rc == 0; h++) {
        bool closed = false;
        size_t bl = 0, bcap = 0; /* the body grows in place: linear in its size */
        while (p < end && !closed) {
          const char *hl = p;
          const char *hnl = memchr(p, '\n', (size_t)(end - p));
          size_t hn = hnl ? (size_t)(hnl - p) : (size_t)(end - p);
          p = hnl ? hnl + 1 : end;
          lineno++;
          if (hn && hl[hn - 1] == '\r')
            hn--;
          if (hd[h].chomp)
            while (hn && *hl == '\t') {
              hl++;
              hn--;
            }
          if (hn == strlen(hd[h].name) && memcmp(hl, hd[h].name, hn) == 0) {
            closed = true;
            break;
          }
          if (bl + hn + 2 > bcap) {
            bcap = (bl + hn + 2) * 2;
            hd[h].body = xrealloc(hd[h].body, bcap);
          }
          memcpy(hd[h].body + bl, hl, hn);
          bl += hn;
          hd[h].body[bl++] = '\n';
          hd[h].body[bl] = '\0';
        }
        if (!closed)
          rc = perr(err, start, "unterminated heredoc: no line \"%s\"", hd[h].name);
      }
      out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
      if (rc == 0)
        rc = df_parse_line(buf, out->escape, start, &out->v[out->n], err);
      if (rc == 0) {
        out->v[out->n].heredocs = hd;
        out->v[out->n].n_heredocs = nh;
        hd = NULL;
        out->n++;
      }
      for (size_t h = 0; hd && h < nh; h++) {
        free(hd[h].name);
        free(hd[h].body);
      }
      free(hd);
    }
    blen = 0;
  }
  free(buf);
  if (rc == 0 && out->n == 0)
    rc = err_set_exit(err, 1, 0, "the Dockerfile (%s) cannot be empty", name);
  /* only ARG before the first FROM */
  for (size_t i = 0; rc == 0 && i < out->n && out->v[i].kind != DF_FROM; i++)
    if (out->v[i].kind != DF_ARG)
      rc = perr(err, out->v[i].line, "no build stage in current context");
  if (rc == 0) {
    bool any_from = false;
    for (size_t i = 0; i < out->n; i++)
      any_from |= out->v[i].kind == DF_FROM;
    if (!any_from)
      rc = perr(err, out->v[out->n - 1].line, "no build stage in current context");
  }
  if (rc < 0) {
    df_free(out);
    if (strncmp(err_text(*err), "the Dockerfile", 14) != 0)
      err_prefix(err, "%s", name);
  }
  return rc;
}
