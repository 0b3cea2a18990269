/* Which containers use which image: <root>/imageholds/<image hex>/<container id>, a symlink
 * to "." (short enough to live in the inode: creating and removing it allocates and frees no
 * block, which on an ext4 mounted with `discard` is a synchronous discard each). The holder is
 * live while <root>/containers/<id> exists. A container dir elsewhere (tinydocker-image's
 * own commands), and every hold of older stores, is named by a hash of the dir with the dir
 * as the target: read and released the same way. The per-image directory
 * stays until the image is deleted (image_holds_drop), for the same reason. rmi refuses while
 * an image has a live holder; a stale holder is dropped. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/image.h"
#include "image/sha256.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/xalloc.h"

#define HOLD_TARGET "."

/* The entry name of a hold in the older format. */
static char *hold_key_v1(const char *container_dir)
{
  char hex[65];
  image_sha256_str(container_dir, hex);
  hex[32] = '\0';
  return xstrdup(hex);
}

static const char *base_name(const char *path)
{
  const char *b = strrchr(path, '/');
  return b ? b + 1 : path;
}

/* The entry name and target of a hold: the short form for a container of the store. */
static void hold_entry(const char *root, const char *container_dir, char **name,
                       const char **target)
{
  autofree char *mine = xasprintf("%s/containers/%s", root, base_name(container_dir));
  bool in_store = strcmp(mine, container_dir) == 0;
  *name = in_store ? xstrdup(base_name(container_dir)) : hold_key_v1(container_dir);
  *target = in_store ? HOLD_TARGET : container_dir;
}

int image_hold(const char *root, const char *image_id, const char *container_dir,
               struct td_err **err)
{
  if (!image_digest_valid(image_id))
    return err_set(err, EINVAL, "hold image: bad image id \"%s\"", image_id);
  autofree char *dir = xasprintf("%s/imageholds/%s", root, image_digest_hex(image_id));
  autofree char *name = NULL;
  const char *target;
  hold_entry(root, container_dir, &name, &target);
  autofree char *p = xasprintf("%s/%s", dir, name);
  /* a symlink is created atomically in one syscall: no temp file, no fsync on the hot path */
  if (symlink(target, p) == 0 || errno == EEXIST)
    return 0;
  if (errno != ENOENT)
    return err_set(err, errno, "hold image %s", image_id);
  if (mkdir_p(dir, 0700, err) < 0)
    return -1;
  if (symlink(target, p) < 0 && errno != EEXIST)
    return err_set(err, errno, "hold image %s", image_id);
  return 0;
}

int image_release(const char *root, const char *container_dir, struct td_err **err)
{
  autofree char *holds = xasprintf("%s/imageholds", root);
  autoclosedir DIR *d = opendir(holds);
  if (d == NULL)
    return errno == ENOENT ? 0 : err_set(err, errno, "open %s", holds);
  autofree char *name = NULL;
  const char *target;
  hold_entry(root, container_dir, &name, &target);
  /* a store container of an older store held under the dir's hash; elsewhere that hash is
   * the name already */
  autofree char *key = strcmp(target, HOLD_TARGET) == 0 ? hold_key_v1(container_dir) : NULL;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.')
      continue;
    autofree char *p = xasprintf("%s/%s/%s", holds, de->d_name, name);
    if (unlink(p) == 0)
      continue;
    if (errno != ENOENT)
      return err_set(err, errno, "remove %s", p);
    if (key == NULL)
      continue;
    autofree char *old = xasprintf("%s/%s/%s", holds, de->d_name, key);
    if (unlink(old) < 0 && errno != ENOENT)
      return err_set(err, errno, "remove %s", old);
  }
  return 0;
}

void image_holds_drop(const char *root, const char *image_id)
{
  autofree char *dir = xasprintf("%s/imageholds/%s", root, image_digest_hex(image_id));
  (void)rmdir(dir); /* fails while a (forced) holder remains */
}

int image_holders(const char *root, const char *image_id, struct td_err **err)
{
  autofree char *dir = xasprintf("%s/imageholds/%s", root, image_digest_hex(image_id));
  autoclosedir DIR *d = opendir(dir);
  if (d == NULL)
    return errno == ENOENT ? 0 : err_set(err, errno, "open %s", dir);
  int n = 0;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.')
      continue;
    autofree char *p = xasprintf("%s/%s", dir, de->d_name);
    char cdir[4096];
    ssize_t len = readlink(p, cdir, sizeof(cdir) - 1);
    if (len < 0)
      continue;
    cdir[len] = '\0';
    autofree char *live = strcmp(cdir, HOLD_TARGET) == 0
                              ? xasprintf("%s/containers/%s", root, de->d_name)
                              : xstrdup(cdir);
    struct stat st;
    if (stat(live, &st) < 0 && errno == ENOENT) {
      (void)unlink(p);
      continue;
    }
    n++;
  }
  return n;
}
