#include "image/tarpath.h"

#include <limits.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

char *image_tar_path_clean(const char *name)
{
  if (name == NULL || strlen(name) >= PATH_MAX)
    return NULL;
  autostrv char **parts = strv_split(name, '/');
  autostrv char **kept = xcalloc(1, sizeof(char *));
  for (char **p = parts; *p; p++) {
    if (**p == '\0' || strcmp(*p, ".") == 0)
      continue;
    if (strcmp(*p, "..") == 0)
      return NULL;
    strv_push(&kept, *p);
  }
  return strv_join(kept, "/");
}

enum image_whiteout image_whiteout_kind(const char *base, const char **target)
{
  if (strncmp(base, ".wh.", 4) != 0)
    return IMAGE_WH_NONE;
  if (strcmp(base, ".wh..wh..opq") == 0)
    return IMAGE_WH_OPAQUE;
  if (strncmp(base, ".wh..wh.", 8) == 0)
    return IMAGE_WH_META;
  const char *t = base + 4;
  if (*t == '\0' || strcmp(t, ".") == 0 || strcmp(t, "..") == 0 || strchr(t, '/'))
    return IMAGE_WH_INVALID;
  if (target)
    *target = t;
  return IMAGE_WH_FILE;
}
