/* libFuzzer target for the build's parsers of untrusted text (engine/build): the Dockerfile
 * parser (df_parse), docker's word expansion (df_expand) of every word it yields, ONBUILD
 * triggers parsed again (df_parse_line), and .dockerignore (df_ignore_parse/df_ignore_match)
 * with the input's lines as paths. Properties checked: a parsed Dockerfile has at least one
 * instruction, starts with ARG or FROM, and every instruction's original text is non-empty;
 * an error always carries a message and docker's exit code 1. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/build/build.h"
#include "util/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *lookup(void *arg, const char *name)
{
  (void)arg;
  return name[0] == 'A' ? "value" : name[0] == 'E' ? "" : NULL;
}

static void expand_all(const struct dockerfile *df)
{
  for (size_t i = 0; i < df->n; i++) {
    const struct df_instr *in = &df->v[i];
    if (in->original == NULL || in->original[0] == '\0')
      abort();
    for (char **a = in->args; a && *a; a++) {
      char *out = NULL;
      struct td_err *err = NULL;
      if (df_expand(*a, df->escape, lookup, NULL, &out, &err) < 0)
        err_free(&err);
      free(out);
    }
    for (size_t k = 0; k < in->n_kvs; k++) {
      char *out = NULL;
      struct td_err *err = NULL;
      if (in->kvs[k].value && df_expand(in->kvs[k].value, df->escape, lookup, NULL, &out, &err) < 0)
        err_free(&err);
      free(out);
    }
    if (in->kind == DF_ONBUILD) {
      struct df_instr t;
      struct td_err *err = NULL;
      if (df_parse_line(in->rest, df->escape, in->line, &t, &err) < 0)
        abort(); /* the parser checked the trigger already */
      df_instr_clear(&t);
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *s = xcalloc(size + 1, 1);
  memcpy(s, data, size);
  struct dockerfile df;
  struct td_err *err = NULL;
  if (df_parse(s, size, "Dockerfile", &df, &err) == 0) {
    if (df.n == 0 || (df.v[0].kind != DF_ARG && df.v[0].kind != DF_FROM))
      abort();
    expand_all(&df);
    df_free(&df);
  } else {
    if (err == NULL || err->exit_code != 1 || err_text(err)[0] == '\0')
      abort();
    err_free(&err);
  }
  struct df_ignore *ig = df_ignore_parse(s);
  char *line = strtok(s, "\n");
  while (line) {
    (void)df_ignore_match(ig, line);
    line = strtok(NULL, "\n");
  }
  df_ignore_free(ig);
  free(s);
  return 0;
}
