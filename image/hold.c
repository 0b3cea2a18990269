/* Which containers use which image: <root>/imageholds/<image hex>/<key>, where key is a hash
 * of the container dir and a symlink to the container dir. rmi refuses while an image has
 * a live holder; a holder whose container dir is gone is stale and dropped. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

static char *hold_key(const char *container_dir)
{
  char hex[65];
  image_sha256_str(container_dir, hex);
  hex[32] = '\0';
  return xstrdup(hex);
}

int image_hold(const char *root, const char *image_id, const char *container_dir,
               struct td_err **err)
{
  if (!image_digest_valid(image_id))
    return err_set(err, EINVAL, "hold image: bad image id \"%s\"", image_id);
  autofree char *dir = xasprintf("%s/imageholds/%s", root, image_digest_hex(image_id));
  if (mkdir_p(dir, 0700, err) < 0)
    return -1;
  autofree char *key = hold_key(container_dir);
  autofree char *p = xasprintf("%s/%s", dir, key);
  /* a symlink is created atomically in one syscall: no temp file, no fsync on the hot path */
  if (symlink(container_dir, p) < 0 && errno != EEXIST)
    return err_set(err, errno, "hold image %s", image_id);
  return 0;
}

int image_release(const char *root, const char *container_dir, struct td_err **err)
{
  autofree char *holds = xasprintf("%s/imageholds", root);
  autoclosedir DIR *d = opendir(holds);
  if (d == NULL)
    return errno == ENOENT ? 0 : err_set(err, errno, "open %s", holds);
  autofree char *key = hold_key(container_dir);
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.')
      continue;
    autofree char *p = xasprintf("%s/%s/%s", holds, de->d_name, key);
    if (unlink(p) < 0 && errno != ENOENT)
      return err_set(err, errno, "remove %s", p);
    autofree char *sub = xasprintf("%s/%s", holds, de->d_name);
    (void)rmdir(sub); /* fails while other holders remain */
  }
  return 0;
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
    struct stat st;
    if (stat(cdir, &st) < 0 && errno == ENOENT) {
      (void)unlink(p);
      continue;
    }
    n++;
  }
  return n;
}
