/* libFuzzer target for the image parsers that read untrusted text: references
 * (image_ref_parse and its display forms), tar member names (image_tar_path_clean,
 * image_whiteout_kind) and Dockerfile-style changes (image_change_apply). Properties checked:
 * a parsed reference re-parses to the same full name; a cleaned path never has a ".."
 * component, a leading "/" or an empty component. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/changes.h"
#include "image/image.h"
#include "image/tarpath.h"
#include "util/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_ref(const char *s)
{
  struct image_ref *r = NULL;
  struct td_err *err = NULL;
  if (image_ref_parse(s, &r, &err) < 0) {
    err_free(&err);
    return;
  }
  char *full = image_ref_full(r);
  char *fam = image_ref_familiar(r);
  struct image_ref *r2 = NULL;
  if (image_ref_parse(full, &r2, &err) < 0)
    abort(); /* a normalised name must parse */
  char *full2 = image_ref_full(r2);
  if (strcmp(full, full2) != 0)
    abort();
  free(full2);
  image_ref_free(r2);
  free(fam);
  free(full);
  image_ref_free(r);
}

static void fuzz_path(const char *s)
{
  char *c = image_tar_path_clean(s);
  if (c) {
    if (c[0] == '/' || strstr(c, "//") || (c[0] && c[strlen(c) - 1] == '/'))
      abort();
    for (char *p = c; (p = strstr(p, "..")) != NULL; p += 2)
      if ((p == c || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
        abort();
    free(c);
  }
  const char *base = strrchr(s, '/');
  const char *t = NULL;
  if (image_whiteout_kind(base ? base + 1 : s, &t) == IMAGE_WH_FILE &&
      (t == NULL || *t == '\0' || strchr(t, '/') || strcmp(t, "..") == 0 || strcmp(t, ".") == 0))
    abort();
}

static void fuzz_change(const char *s)
{
  json_t *cfg = json_object();
  struct td_err *err = NULL;
  if (image_change_apply(cfg, s, &err) < 0)
    err_free(&err);
  json_decref(cfg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *s = xstrndup((const char *)data, size);
  fuzz_ref(s);
  fuzz_path(s);
  fuzz_change(s);
  free(s);
  return 0;
}
