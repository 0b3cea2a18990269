#include "image/archerr.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>

#include "util/xalloc.h"

int image_archive_errno(struct archive *a, int fallback)
{
  int e = archive_errno(a);
  if (e <= 0 || e == EILSEQ || e == EINVAL)
    return fallback;
  return e;
}

int image_archive_err(struct td_err **err, struct archive *a, int fallback, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  char *what = xvasprintf(fmt, ap);
  va_end(ap);
  const char *why = archive_error_string(a);
  int rc = err_set(err, image_archive_errno(a, fallback), "%s: %s", what,
                   why ? why : "libarchive error");
  free(what);
  return rc;
}
