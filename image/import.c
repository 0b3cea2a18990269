/* `import`: a rootfs tarball (plain or compressed) becomes a one-layer image. */
#include "image/ops.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/build.h"
#include "image/layer.h"
#include "image/store.h"
#include "image/write.h"
#include "util/cleanup.h"
#include "util/events.h"
#include "util/lock.h"
#include "util/strv.h"
#include "util/xalloc.h"

int image_import(const char *root, int fd, const struct image_import_opts *o, char **id_out,
                 struct td_err **err)
{
  autostrv char **names = NULL;
  char *refs[2] = {(char *)o->ref, NULL};
  if (image_names_full(o->ref ? refs : NULL, &names, err) < 0)
    return -1;
  int lock = image_store_lock_clean(root, err);
  if (lock < 0)
    return -1;
  autofree char *tmp = NULL;
  autoclose int tfd = image_tmp_file(root, &tmp, err);
  if (tfd < 0) {
    lock_release(lock);
    return -1;
  }
  struct image_layer layer;
  int rc = image_layer_from_fd(root, fd, NULL, NULL, tfd, &layer, err);
  if (rc == 0) {
    autofree char *comment =
        o->message && *o->message ? xstrdup(o->message) : xasprintf("Imported from %s", o->source);
    struct image_build b = {.layer = &layer,
                            .layer_blob_tmp = tmp,
                            .changes = o->changes,
                            .created_by = o->created_by ? o->created_by : "",
                            .comment = comment,
                            .names = names};
    rc = image_build_store(root, &b, id_out, err);
    if (rc == 0 && id_out && *id_out)
      events_log(root, "image", "import", *id_out, "name", *id_out, NULL);
    if (rc == 0 && layer.skipped_devices > 0)
      fprintf(stderr, "tinydocker-image: warning: skipped %llu device node(s) in the layer\n",
              (unsigned long long)layer.skipped_devices);
    image_layer_clear(&layer);
  }
  unlink(tmp); /* already moved into the store on success */
  if (rc < 0) {
    autoerr struct td_err *gcerr = NULL;
    autojson json_t *index = NULL;
    if (image_index_read(root, &index, &gcerr) == 0)
      image_gc(root, index, NULL, NULL, &gcerr); /* a layer unpacked for nothing goes away */
  }
  lock_release(lock);
  return rc;
}
