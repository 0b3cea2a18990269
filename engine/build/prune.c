/* `builder prune`: the build cache goes: every intermediate state (the untagged images marked
 * as build cache, not used by a container), the cache records, and then the layers and blobs
 * no other image references (the store's garbage collection). Images that a build named or
 * left as its result stay. */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/build/build.h"
#include "image/image.h"
#include "image/store.h"
#include "image/write.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/human.h"
#include "util/lock.h"
#include "util/strv.h"
#include "util/xalloc.h"

static uint64_t mounts_bytes;

static int add_size(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
  (void)p, (void)ftw;
  if (flag == FTW_F && S_ISREG(st->st_mode))
    mounts_bytes += (uint64_t)st->st_size;
  return 0;
}

/* the RUN --mount=type=cache directories: how many, and their size (as system df counts them) */
static size_t cache_mounts(const char *root, uint64_t *bytes)
{
  autofree char *dir = xasprintf("%s/buildcache/mounts", root);
  autoclosedir DIR *d = opendir(dir);
  struct dirent *de;
  size_t n = 0;
  mounts_bytes = 0;
  while (d && (de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.')
      continue;
    autofree char *p = xasprintf("%s/%s", dir, de->d_name);
    nftw(p, add_size, 32, FTW_PHYS | FTW_MOUNT);
    n++;
  }
  *bytes = mounts_bytes;
  return n;
}

int build_prune(const char *root, FILE *out, struct td_err **err)
{
  if (image_store_init(root, err) < 0)
    return -1;
  int lock = image_store_lock(root, err);
  if (lock < 0)
    return -1;
  autojson json_t *index = NULL;
  int rc = image_index_read(root, &index, err);
  autostrv char **victims = xcalloc(1, sizeof(char *));
  size_t i;
  json_t *e;
  if (rc == 0)
    json_array_foreach (json_object_get(index, "manifests"), i, e) {
      const char *id = image_entry_id(e);
      if (id == NULL || image_entry_name(e) != NULL ||
          !json_object_get(json_object_get(e, "annotations"), IMAGE_ANNOT_BUILD_CACHE))
        continue;
      autoerr struct td_err *herr = NULL;
      if (image_holders(root, id, &herr) == 0 && strv_find(victims, id) < 0)
        strv_push(&victims, id);
    }
  for (char **v = victims; rc == 0 && *v; v++) {
    image_index_remove_id(index, *v);
    image_holds_drop(root, *v);
  }
  if (rc == 0)
    rc = image_index_write(root, index, err);
  autofree char *cache = xasprintf("%s/buildcache", root);
  uint64_t mbytes = 0;
  size_t n_mounts = rc == 0 ? cache_mounts(root, &mbytes) : 0;
  autoerr struct td_err *e2 = NULL;
  if (rc == 0 && rm_rf(cache, &e2) < 0)
    err_warn(&e2, "remove %s", cache);
  uint64_t freed = 0;
  if (rc == 0)
    rc = image_gc(root, index, NULL, &freed, err);
  freed += mbytes;
  lock_release(lock);
  if (rc < 0)
    return err_prefix(err, "builder prune");
  autofree char *total = human_size((double)freed, 4);
  fprintf(out, "Deleted build cache objects: %zu\nTotal reclaimed space: %s\n",
          strv_len(victims) + n_mounts, total);
  return 0;
}
