/* libFuzzer target: arbitrary bytes as a (possibly compressed) layer tar, unpacked by
 * image_unpack_tar into a fresh dir inside a sandbox dir. Besides crashes, leaks and UB, an
 * entry that lands anywhere in the sandbox outside the layer dir aborts. */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>

#include <archive.h>

#include "image/unpack.h"
#include "util/fileio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char sandbox[] = "/tmp/td-fuzz-layer-XXXXXX";

static size_t entries(const char *dir)
{
  DIR *d = opendir(dir);
  size_t n = 0;
  struct dirent *de;
  while (d && (de = readdir(d)) != NULL)
    n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
  if (d)
    closedir(d);
  return n;
}

static void remove_scratch(void)
{
  struct td_err *err = NULL;
  rm_rf(sandbox, &err);
  err_free(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  /* once: a flag, not the template's last letter (mkdtemp may itself end the name in 'X') */
  static int made;
  if (!made) {
    if (mkdtemp(sandbox) == NULL)
      abort();
    made = 1;
    atexit(remove_scratch);
  }
  char layer[sizeof(sandbox) + 8];
  snprintf(layer, sizeof(layer), "%s/layer", sandbox);
  if (mkdir(layer, 0755) < 0)
    abort();
  int fd = open(layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  struct archive *a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_tar(a);
  if (archive_read_open_memory(a, data, size) == ARCHIVE_OK) {
    struct image_unpack_stats st = {0};
    struct td_err *err = NULL;
    image_unpack_tar(a, fd, &st, &err);
    err_free(&err);
  }
  archive_read_free(a);
  close(fd);
  if (entries(sandbox) != 1)
    abort(); /* something was created beside the layer dir */
  struct td_err *err = NULL;
  rm_rf(layer, &err);
  err_free(&err);
  return 0;
}
