/* ps --filter ancestor=IMAGE as docker means it: containers of that image or of any image built
 * on it. An image is built on another when the other's layers are the bottom of its own (what
 * commit makes); each image is resolved once per ps, and only when the filter is given. */
#include <stdlib.h>
#include <string.h>

#include "engine/container/container.h"
#include "engine/view/view.h"
#include "image/image.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "util/xalloc.h"

struct ps_ancestry {
  const char *root;
  struct image_info **want; /* the images named by the filters */
  size_t n_want;
  struct image_info **seen; /* container images resolved so far (cache) */
  size_t n_seen;
};

struct ps_ancestry *ps_ancestry_new(const char *root, char **filters)
{
  struct ps_ancestry *a = NULL;
  for (char **f = filters; f && *f; f++) {
    if (strncmp(*f, "ancestor=", 9) != 0)
      continue;
    struct image_info *img = NULL;
    autoerr struct td_err *e = NULL;
    if (image_resolve(root, *f + 9, &img, &e) < 0)
      continue; /* an image gone (rmi -f): the name match of match_filter applies */
    if (a == NULL) {
      a = xcalloc(1, sizeof(*a));
      a->root = root;
    }
    a->want = xrealloc(a->want, (a->n_want + 1) * sizeof(*a->want));
    a->want[a->n_want++] = img;
  }
  return a;
}

static struct image_info *container_image(struct ps_ancestry *a, const char *id)
{
  for (size_t i = 0; i < a->n_seen; i++)
    if (strcmp(a->seen[i]->id, id) == 0)
      return a->seen[i];
  struct image_info *img = NULL;
  autoerr struct td_err *e = NULL;
  if (image_resolve(a->root, id, &img, &e) < 0)
    return NULL;
  a->seen = xrealloc(a->seen, (a->n_seen + 1) * sizeof(*a->seen));
  a->seen[a->n_seen++] = img;
  return img;
}

bool ps_ancestry_match(struct ps_ancestry *a, const struct ctr_record *rec)
{
  const char *iid = rec->image;
  if (iid == NULL || *iid == '\0')
    return false;
  struct image_info *mine = NULL;
  for (size_t i = 0; i < a->n_want; i++) {
    struct image_info *w = a->want[i];
    if (strcmp(w->id, iid) == 0)
      return true;
    if (mine == NULL && (mine = container_image(a, iid)) == NULL)
      return false;
    if (w->n_layers == 0 || w->n_layers > mine->n_layers)
      continue;
    size_t k = 0;
    while (k < w->n_layers && strcmp(w->chain_ids[k], mine->chain_ids[k]) == 0)
      k++;
    if (k == w->n_layers)
      return true;
  }
  return false;
}

void ps_ancestry_free(struct ps_ancestry *a)
{
  if (a == NULL)
    return;
  for (size_t i = 0; i < a->n_want; i++)
    image_info_free(a->want[i]);
  for (size_t i = 0; i < a->n_seen; i++)
    image_info_free(a->seen[i]);
  free(a->want);
  free(a->seen);
  free(a);
}
