/* Shared helpers of the spec unit tests: parse a JSON text, expect success or an error. */
#pragma once
#include <stdlib.h>
#include <string.h>

#include "runtime/spec/spec.h"
#include "tests/tap.h"
#include "util/cleanup.h"
#include "util/strv.h"

/* Parse text; NULL when it does not parse (the error is printed as a TAP comment). */
static inline struct spec *parse_ok(const char *text)
{
  json_error_t je;
  autojson json_t *j = json_loads(text, 0, &je);
  if (j == NULL) {
    printf("# bad test JSON: %s\n", je.text);
    return NULL;
  }
  struct spec *s = NULL;
  struct td_err *err = NULL;
  if (spec_from_json(j, &s, &err) < 0) {
    printf("# unexpected error: %s\n", err_text(err));
    err_free(&err);
    return NULL;
  }
  return s;
}

/* Whether text is rejected with an error equal to want. */
static inline int rejects(const char *text, const char *want)
{
  json_error_t je;
  autojson json_t *j = json_loads(text, 0, &je);
  if (j == NULL) {
    printf("# bad test JSON: %s\n", je.text);
    return 0;
  }
  struct spec *s = NULL;
  struct td_err *err = NULL;
  if (spec_from_json(j, &s, &err) == 0) {
    spec_free(s);
    printf("# accepted, want error: %s\n", want);
    return 0;
  }
  int ok = s == NULL && strcmp(err_text(err), want) == 0;
  if (!ok)
    printf("#   got:  %s\n#   want: %s\n", err_text(err), want);
  err_free(&err);
  return ok;
}

/* A minimal valid document with extra members spliced in: MIN("\"hostname\":\"x\"") */
#define MIN(extra) "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"}" extra "}"
#define PROC(extra) MIN(",\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"" extra "}")
#define LINUX(extra) MIN(",\"linux\":{" extra "}")
