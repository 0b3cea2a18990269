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
#include "engine/build/dfparse.h"
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
__attribute__((format(printf, 3, 4))) int df_perr(struct td_err **err, unsigned line,
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
      return df_perr(err, in->line, "Unknown flag: %.*s", (int)n, s);
  }
  return 0;
}

bool df_is_ws(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

const char *df_skip_ws(const char *s)
{
  while (*s && df_is_ws(*s))
    s++;
  return s;
}

char *df_trim_dup(const char *s, size_t n)
{
  while (n && df_is_ws(*s)) {
    s++;
    n--;
  }
  while (n && df_is_ws(s[n - 1]))
    n--;
  return xstrndup(s, n);
}

int df_parse_line(const char *line, char escape, unsigned lineno, struct df_instr *out,
                  struct td_err **err)
{
  memset(out, 0, sizeof(*out));
  out->line = lineno;
  const char *p = df_skip_ws(line);
  size_t wl = 0;
  while (p[wl] && !df_is_ws(p[wl]))
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
    return df_perr(err, lineno, "unknown instruction: %s", w);
  }
  out->original = df_trim_dup(p, strlen(p));
  const char *rest = df_skip_ws(p + wl);
  out->flags = xcalloc(1, sizeof(char *));
  /* docker's extractBuilderFlags: leading "--x[=y]" words (ONBUILD keeps them for its trigger) */
  while (out->kind != DF_ONBUILD && rest[0] == '-' && rest[1] == '-') {
    size_t n = 0;
    while (rest[n] && !df_is_ws(rest[n]))
      n++;
    if (n == 2) { /* "--" ends the flags */
      rest = df_skip_ws(rest + n);
      break;
    }
    strv_push_owned(&out->flags, xstrndup(rest, n));
    rest = df_skip_ws(rest + n);
  }
  out->rest = df_trim_dup(rest, strlen(rest));
  if (df_parse_args(out, rest, escape, err) < 0) {
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
  while (p < end && df_is_ws(*p))
    p++;
  const char *k = p;
  while (p < end && (isalnum((unsigned char)*p) || *p == '_' || *p == '-'))
    p++;
  if (p == k || !isalpha((unsigned char)*k))
    return false;
  const char *ke = p;
  while (p < end && df_is_ws(*p))
    p++;
  if (p >= end || *p != '=')
    return false;
  p++;
  *key = xstrndup(k, (size_t)(ke - k));
  for (char *c = *key; *c; c++)
    *c = (char)tolower((unsigned char)*c);
  *val = df_trim_dup(p, (size_t)(end - p));
  return true;
}

/* Whether a line ends with the escape character (trailing whitespace allowed); n is cut to
 * before it. */
static bool continues(const char *s, size_t *n, char escape)
{
  size_t e = *n;
  while (e && df_is_ws(s[e - 1]))
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
  while (i < n && df_is_ws(s[i]))
    i++;
  return i == n || s[i] == '#';
}

/* The here-document markers of a RUN/COPY/ADD line ("<<EOF", "<<-EOF", "<<'EOF'",
 * "<<\"EOF\""), outside quotes, in order; the bodies are filled by the caller. */
static size_t heredoc_markers(const char *line, char escape, struct df_heredoc **out)
{
  const char *p = df_skip_ws(line);
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
            rc = df_perr(err, lineno, "invalid escape token '%s' does not match ` or \\", v);
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
      while (i < n && df_is_ws(line[i]))
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
    if (*df_skip_ws(buf) != '\0') {
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
          rc = df_perr(err, start, "unterminated heredoc: no line \"%s\"", hd[h].name);
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
      rc = df_perr(err, out->v[i].line, "no build stage in current context");
  if (rc == 0) {
    bool any_from = false;
    for (size_t i = 0; i < out->n; i++)
      any_from |= out->v[i].kind == DF_FROM;
    if (!any_from)
      rc = df_perr(err, out->v[out->n - 1].line, "no build stage in current context");
  }
  if (rc < 0) {
    df_free(out);
    if (strncmp(err_text(*err), "the Dockerfile", 14) != 0)
      err_prefix(err, "%s", name);
  }
  return rc;
}
