/* RUN --mount (BuildKit's): type=cache, type=bind, type=tmpfs; type=secret and type=ssh are
 * refused. Parsed here; staged and handed to the RUN's spec by run.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/build/internal.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* "--mount=type=bind,from=x,..." -> "x" (new), or NULL */
char *run_mount_from(const char *flag)
{
  if (strncmp(flag, "--mount=", 8) != 0)
    return NULL;
  autofree char *s = xstrdup(flag + 8);
  char *save = NULL;
  for (char *f = strtok_r(s, ",", &save); f; f = strtok_r(NULL, ",", &save))
    if (strncmp(f, "from=", 5) == 0 && f[5])
      return xstrdup(f + 5);
  return NULL;
}
