/* docker's word processing for the instructions it expands (FROM, ENV, LABEL, ARG, COPY, ADD,
 * WORKDIR, USER, EXPOSE, VOLUME, STOPSIGNAL): single quotes literal, double quotes with
 * expansion, the escape character, $name, ${name}, ${name:-word}, ${name:+word},
 * ${name-word}, ${name+word}. The quotes are removed. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "engine/build/build.h"
#include "util/xalloc.h"

struct lex {
  const char *s;
  size_t i;
  char esc;
  df_lookup_fn lookup;
  void *arg;
  struct td_err **err;
  int depth;
};

struct sbuf {
  char *p;
  size_t n, cap;
};

static void sb_putn(struct sbuf *b, const char *s, size_t n)
{
  if (b->n + n + 1 > b->cap) {
    b->cap = (b->n + n + 1) * 2 + 16;
    b->p = xrealloc(b->p, b->cap);
  }
  memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = '\0';
}

static void sb_putc(struct sbuf *b, char c)
{
  sb_putn(b, &c, 1);
}

static int process_until(struct lex *l, char stop, struct sbuf *out);

static void read_name(struct lex *l, struct sbuf *name)
{
  const char *s = l->s;
  if (isdigit((unsigned char)s[l->i])) {
    while (isdigit((unsigned char)s[l->i]))
      sb_putc(name, s[l->i++]);
    return;
  }
  while (isalnum((unsigned char)s[l->i]) || s[l->i] == '_')
    sb_putc(name, s[l->i++]);
}

static int dollar(struct lex *l, struct sbuf *out)
{
  const char *s = l->s;
  l->i++; /* '$' */
  if (s[l->i] != '{') {
    struct sbuf name = {0};
    read_name(l, &name);
    if (name.n == 0) {
      sb_putc(out, '$');
      return 0;
    }
    const char *v = l->lookup(l->arg, name.p);
    if (v)
      sb_putn(out, v, strlen(v));
    free(name.p);
    return 0;
  }
  l->i++; /* '{' */
  struct sbuf name = {0};
  read_name(l, &name);
  if (name.n == 0) {
    free(name.p);
    return err_set_exit(l->err, 1, 0, "bad substitution: missing name in ${}");
  }
  const char *v = l->lookup(l->arg, name.p);
  free(name.p);
  char c = s[l->i];
  if (c == '}') {
    l->i++;
    if (v)
      sb_putn(out, v, strlen(v));
    return 0;
  }
  bool colon = c == ':';
  if (colon)
    c = s[++l->i];
  if (c != '-' && c != '+') {
    if (c == '\0')
      return err_set_exit(l->err, 1, 0, "syntax error: missing '}'");
    return err_set_exit(l->err, 1, 0, "unsupported modifier (%c) in substitution", c);
  }
  l->i++;
  if (++l->depth > 64)
    return err_set_exit(l->err, 1, 0, "substitution nested too deeply");
  struct sbuf word = {0};
  sb_putn(&word, "", 0);
  int rc = process_until(l, '}', &word);
  l->depth--;
  if (rc == 0 && s[l->i] != '}')
    rc = err_set_exit(l->err, 1, 0, "syntax error: missing '}'");
  if (rc == 0) {
    l->i++;
    bool set = v != NULL && (!colon || *v != '\0');
    if (c == '-')
      sb_putn(out, set ? v : word.p, strlen(set ? v : word.p));
    else if (set)
      sb_putn(out, word.p, word.n);
  }
  free(word.p);
  return rc;
}

static int single_quote(struct lex *l, struct sbuf *out)
{
  l->i++;
  while (l->s[l->i] && l->s[l->i] != '\'')
    sb_putc(out, l->s[l->i++]);
  if (l->s[l->i] != '\'')
    return err_set_exit(l->err, 1, 0,
                        "unexpected end of statement while looking for matching single-quote");
  l->i++;
  return 0;
}

static int double_quote(struct lex *l, struct sbuf *out)
{
  l->i++;
  for (;;) {
    char c = l->s[l->i];
    if (c == '\0')
      return err_set_exit(l->err, 1, 0,
                          "unexpected end of statement while looking for matching double-quote");
    if (c == '"') {
      l->i++;
      return 0;
    }
    if (c == '$') {
      if (dollar(l, out) < 0)
        return -1;
      continue;
    }
    if (c == l->esc) {
      char n = l->s[l->i + 1];
      if (n == '"' || n == '$' || n == l->esc) {
        sb_putc(out, n);
        l->i += 2;
        continue;
      }
    }
    sb_putc(out, c);
    l->i++;
  }
}

static int process_until(struct lex *l, char stop, struct sbuf *out)
{
  for (;;) {
    char c = l->s[l->i];
    if (c == '\0' || (stop && c == stop))
      return 0;
    int rc = 0;
    if (c == l->esc) {
      l->i++;
      if (l->s[l->i] == '\0')
        return 0;
      sb_putc(out, l->s[l->i++]);
    } else if (c == '\'') {
      rc = single_quote(l, out);
    } else if (c == '"') {
      rc = double_quote(l, out);
    } else if (c == '$') {
      rc = dollar(l, out);
    } else {
      sb_putc(out, c);
      l->i++;
    }
    if (rc < 0)
      return -1;
  }
}

int df_expand(const char *word, char escape, df_lookup_fn lookup, void *arg, char **out,
              struct td_err **err)
{
  struct lex l = {.s = word, .esc = escape, .lookup = lookup, .arg = arg, .err = err};
  struct sbuf b = {0};
  sb_putn(&b, "", 0);
  if (process_until(&l, 0, &b) < 0) {
    free(b.p);
    return -1;
  }
  *out = b.p;
  return 0;
}
