/* The Dockerfile parser's instruction arguments: each instruction's words from the text after
 * its name and flags (shell and JSON forms, name-value pairs, ARG, HEALTHCHECK, ONBUILD).
 * Pure: no I/O. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "engine/build/build.h"
#include "engine/build/dfparse.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* docker's parseWords: split on whitespace outside quotes; quotes and escapes are kept (the
 * expansion removes them). */
static char **split_words(const char *s, char escape)
{
  char **v = xcalloc(1, sizeof(char *));
  const char *p = df_skip_ws(s);
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
      } else if (df_is_ws(*p)) {
        break;
      }
      p++;
    }
    strv_push_owned(&v, xstrndup(start, (size_t)(p - start)));
    p = df_skip_ws(p);
  }
  return v;
}

/* a JSON array of strings, or NULL */
static char **json_form(const char *s)
{
  s = df_skip_ws(s);
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
    return df_perr(err, in->line, "%s requires at least one argument", name);
  if (strchr(w[0], '=') == NULL || w[0][0] == '=') {
    if (!legacy_ok || w[0][0] == '=')
      return df_perr(err, in->line, "%s names can not be blank", name);
    /* legacy form: the first word is the name, everything after the whitespace the value */
    if (strv_len(w) < 2)
      return df_perr(err, in->line, "%s must have two arguments", name);
    const char *p = df_skip_ws(rest);
    size_t kn = strlen(w[0]);
    in->kvs = xcalloc(1, sizeof(*in->kvs));
    in->kvs[0].key = xstrdup(w[0]);
    in->kvs[0].value = df_trim_dup(p + kn, strlen(p + kn));
    in->n_kvs = 1;
    return 0;
  }
  size_t n = strv_len(w);
  in->kvs = xcalloc(n, sizeof(*in->kvs));
  for (size_t i = 0; i < n; i++) {
    const char *eq = strchr(w[i], '=');
    if (eq == NULL)
      return df_perr(err, in->line,
                     "Syntax error - can't find = in \"%s\". Must be of the form: name=value",
                     w[i]);
    if (eq == w[i])
      return df_perr(err, in->line, "%s names can not be blank", name);
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
    return df_perr(err, in->line, "ARG requires at least one argument");
  in->kvs = xcalloc(n, sizeof(*in->kvs));
  for (size_t i = 0; i < n; i++) {
    const char *eq = strchr(w[i], '=');
    if (eq == w[i])
      return df_perr(err, in->line, "ARG names can not be blank");
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
  in->args[0] = df_trim_dup(rest, strlen(rest));
}

int df_parse_args(struct df_instr *in, const char *rest, char escape, struct td_err **err)
{
  const char *name = df_kind_name(in->kind);
  bool empty = *df_skip_ws(rest) == '\0';
  switch (in->kind) {
  case DF_FROM: {
    in->args = split_words(rest, escape);
    size_t n = strv_len(in->args);
    if (n != 1 && n != 3)
      return df_perr(err, in->line, "FROM requires either one or three arguments");
    if (n == 3 && strcasecmp(in->args[1], "as") != 0)
      return df_perr(err, in->line, "FROM requires either one or three arguments");
    return 0;
  }
  case DF_RUN:
  case DF_CMD:
  case DF_ENTRYPOINT:
    if (empty && in->kind == DF_RUN)
      return df_perr(err, in->line, "RUN requires at least one argument");
    maybe_json(in, rest);
    return 0;
  case DF_SHELL:
    in->args = json_form(rest);
    if (in->args == NULL)
      return df_perr(err, in->line, "SHELL requires the arguments to be in JSON form");
    in->json = true;
    if (strv_len(in->args) == 0)
      return df_perr(err, in->line, "SHELL requires at least one argument");
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
        return df_perr(err, in->line, "VOLUME requires at least one argument");
      for (char **a = in->args; *a; a++)
        if (**a == '\0')
          return df_perr(err, in->line, "VOLUME specified can not be an empty string");
    } else if (strv_len(in->args) < 2) {
      return df_perr(err, in->line, "%s requires at least two arguments, but only %zu provided",
                     name, strv_len(in->args));
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
      return df_perr(err, in->line, "EXPOSE requires at least one argument");
    return 0;
  case DF_USER:
  case DF_WORKDIR:
  case DF_STOPSIGNAL:
  case DF_MAINTAINER:
    if (empty)
      return df_perr(err, in->line, "%s requires exactly one argument", name);
    in->args = xcalloc(2, sizeof(char *));
    in->args[0] = df_trim_dup(rest, strlen(rest));
    if (in->kind == DF_STOPSIGNAL || in->kind == DF_USER) {
      autostrv char **w = split_words(rest, escape);
      if (strv_len(w) != 1)
        return df_perr(err, in->line, "%s requires exactly one argument", name);
    }
    return 0;
  case DF_HEALTHCHECK: {
    const char *p = df_skip_ws(rest);
    size_t wl = strcspn(p, " \t");
    if (wl == 4 && strncasecmp(p, "NONE", 4) == 0) {
      if (*df_skip_ws(p + 4))
        return df_perr(err, in->line, "HEALTHCHECK NONE takes no arguments");
      in->health_none = true;
      return 0;
    }
    if (wl != 3 || strncasecmp(p, "CMD", 3) != 0)
      return df_perr(err, in->line, "Unknown type \"%.*s\" in HEALTHCHECK (try CMD)", (int)wl, p);
    if (*df_skip_ws(p + 3) == '\0')
      return df_perr(err, in->line, "Missing command after HEALTHCHECK CMD");
    maybe_json(in, p + 3);
    return 0;
  }
  case DF_ONBUILD: {
    if (empty)
      return df_perr(err, in->line, "ONBUILD requires at least one argument");
    const char *p = df_skip_ws(rest);
    size_t wl = strcspn(p, " \t");
    if ((wl == 7 && strncasecmp(p, "ONBUILD", 7) == 0))
      return df_perr(err, in->line, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
    if ((wl == 4 && strncasecmp(p, "FROM", 4) == 0) ||
        (wl == 10 && strncasecmp(p, "MAINTAINER", 10) == 0))
      return df_perr(err, in->line, "%.*s isn't allowed as an ONBUILD trigger", (int)wl, p);
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
  return df_perr(err, in->line, "unknown instruction: %s", name);
}
