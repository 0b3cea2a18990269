/* The layer cache, keyed as docker's classic builder keys it: the parent image, the
 * instruction as it will be recorded (with the build args it uses, and for COPY/ADD the
 * checksum of the sources), -> the id of the image that step made. <root>/buildcache/<key>
 * holds the id; a hit counts only while that image is still in the store. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/build/internal.h"
#include "image/sha256.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/strv.h"
#include "util/xalloc.h"

char *cache_key(const struct bstate *parent, const char *text)
{
  autofree char *in =
      xasprintf("tinydocker-build-v1\n%s\n%s", parent->id ? parent->id : "scratch", text);
  char hex[65];
  image_sha256_str(in, hex);
  return xstrdup(hex);
}

int cache_lookup(struct builder *b, const char *key, struct bstate *out)
{
  autofree char *p = xasprintf("%s/buildcache/%s", b->req->root, key);
  autofree char *id = NULL;
  autoerr struct td_err *e = NULL;
  if (file_read_all(AT_FDCWD, p, &id, NULL, &e) < 0)
    return -1;
  /* "<image id>\n<manifest digest>\n": read from the blobs, no index lookup */
  char *nl = strchr(id, '\n');
  if (nl == NULL)
    return -1;
  *nl = '\0';
  char *man = nl + 1;
  man[strcspn(man, "\n")] = '\0';
  if (bstate_from_blobs(b, id, man, out, &e) < 0)
    return -1;
  /* the image must be whole: every layer unpacked */
  autostrv char **dirs = NULL;
  if (bstate_layer_dirs(b, out, &dirs, NULL, &e) < 0) {
    bstate_clear(out);
    return -1;
  }
  for (char **d = dirs; *d; d++)
    if (access(*d, F_OK) < 0) {
      bstate_clear(out);
      return -1;
    }
  return 0;
}

void cache_store(struct builder *b, const char *key, const struct bstate *st)
{
  autofree char *dir = xasprintf("%s/buildcache", b->req->root);
  autoerr struct td_err *e = NULL;
  if (mkdir_p(dir, 0700, &e) < 0) {
    err_warn(&e, "build cache");
    return;
  }
  autofree char *p = xasprintf("%s/%s", dir, key);
  autofree char *rec = xasprintf("%s\n%s\n", st->id, st->man);
  if (file_write_atomic(AT_FDCWD, p, rec, strlen(rec), 0600, &e) < 0)
    err_warn(&e, "build cache");
}
