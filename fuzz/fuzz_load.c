/* libFuzzer target: arbitrary bytes as an image archive for `load` (docker-archive or
 * oci-archive, possibly compressed), loaded into a scratch store. Besides crashes, leaks and
 * UB: a load that fails must leave the store without any image (it undoes what it did). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/ops.h"
#include "image/store.h"
#include "util/fileio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char root[] = "/tmp/td-fuzz-load-XXXXXX";

static size_t images(void)
{
  json_t *index = NULL;
  struct td_err *err = NULL;
  if (image_index_read(root, &index, &err) < 0) {
    err_free(&err);
    return 0;
  }
  size_t n = json_array_size(json_object_get(index, "manifests"));
  json_decref(index);
  return n;
}

static void remove_scratch(void)
{
  struct td_err *err = NULL;
  rm_rf(root, &err);
  err_free(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  /* once: a flag, not the template's last letter (mkdtemp may itself end the name in 'X') */
  static int made;
  if (!made) {
    if (mkdtemp(root) == NULL)
      abort();
    made = 1;
    atexit(remove_scratch);
  }
  int fd = memfd_create("archive", MFD_CLOEXEC);
  if (fd < 0 || write(fd, data, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET) != 0)
    abort();
  FILE *out = fopen("/dev/null", "we");
  struct td_err *err = NULL;
  int rc = image_load(root, fd, out, &err);
  fclose(out);
  close(fd);
  err_free(&err);
  if (rc < 0 && images() != 0)
    abort();     /* a failed load left an image behind */
  if (rc == 0) { /* start the next input from an empty store */
    if (rm_rf(root, &err) < 0 || mkdir(root, 0700) < 0)
      abort();
  }
  return 0;
}
