/* libFuzzer target: config.json bytes -> spec_from_json -> spec_free, also the process and
 * resources entry points on the same document's members. Any crash, leak or UB is a bug. */
#include <stddef.h>
#include <stdint.h>

#include "runtime/spec/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one(json_t *j);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  /* spec_load_file decodes documents with huge integers as doubles: fuzz both decodings */
  size_t flags[] = {0, JSON_DECODE_INT_AS_REAL};
  for (int i = 0; i < 2; i++) {
    json_t *j = json_loadb((const char *)data, size, flags[i], NULL);
    if (j)
      one(j);
  }
  return 0;
}

static void one(json_t *j)
{
  struct spec *s = NULL;
  struct td_err *err = NULL;
  if (spec_from_json(j, &s, &err) == 0)
    spec_free(s);
  else
    (void)err_text(err);
  err_free(&err);
  json_t *p = json_object_get(j, "process");
  if (p) {
    struct spec_process *proc = NULL;
    if (spec_process_from_json(p, &proc, &err) == 0)
      spec_process_free(proc);
    err_free(&err);
  }
  json_t *r = json_object_get(json_object_get(j, "linux"), "resources");
  if (r) {
    struct spec_resources *res = NULL;
    if (spec_resources_from_json(r, &res, &err) == 0)
      spec_resources_free(res);
    err_free(&err);
  }
  json_decref(j);
}
